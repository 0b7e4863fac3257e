package table

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	kv "github.com/okaeri/okaeri/functions/store/item"
)

// item is one DynamoDB item.
type item = kv.Item

// Values of the "type" attribute: the store.RecordType of a record, or the
// name of an index item, which Export skips.
const (
	typeEmailIndex    = "email-index"
	typeNumberIndex   = "employee-number-index"
	typeSessionIndex  = "member-session-index"
	typeAuditIDIndex  = "audit-id-index"
	typeRoleIndex     = "role-index"
	skMember          = "META"
	skEmail           = "EMAIL"
	skNumber          = "EMPNO"
	skToken           = "TOKEN"
	skSession         = "SESSION"
	skIdempotency     = "IDEMP"
	skAuditID         = "AUDITID"
	skRateLimit       = "RATE"
	gsiAuditPartition = "AUDIT"
)

// Key builders. Email addresses and employee numbers appear in keys only as
// SHA-256 hashes: keys are written to CloudTrail data events and error
// reports, attribute values are not.
func memberKey(id string) kv.Key { return key("MEMBER#"+id, skMember) }
func emailKey(email string) kv.Key {
	return key("EMAIL#"+store.EmailHash(email), skEmail)
}
func numberKey(number string) kv.Key    { return key("EMPNO#"+sha256Hex(number), skNumber) }
func rolePartition(r store.Role) string { return "ROLE#" + string(r) }
func roleKey(r store.Role, memberID string) kv.Key {
	return key(rolePartition(r), "MEMBER#"+memberID)
}
func roleIndexItem(r store.Role, memberID string) item {
	return with(roleKey(r, memberID), item{"type": str(typeRoleIndex), "member_id": str(memberID)})
}
func tokenKey(hash string) kv.Key { return key("TOKEN#"+hash, skToken) }
func sessionKey(id string) kv.Key { return key("SESSION#"+id, skSession) }
func memberSessionKey(memberID, sessionID string) kv.Key {
	return key("MEMBER#"+memberID, "SESSION#"+sessionID)
}
func idempotencyKey(k string) kv.Key { return key("IDEMP#"+k, skIdempotency) }
func auditKey(subject string, at time.Time, id string) kv.Key {
	return key("AUDIT#"+subject, sortTime(at)+"#"+id)
}
func auditIDKey(id string) kv.Key { return key("AUDITID#"+id, skAuditID) }
func rateLimitKey(k string, windowStart time.Time) kv.Key {
	return key("RATE#"+k+"#"+strconv.FormatInt(windowStart.UnixNano(), 10), skRateLimit)
}

func key(pk, sk string) kv.Key { return kv.Key{PK: pk, SK: sk} }

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// sortTime formats t in UTC with fixed width, so strings sort like times.
func sortTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// with returns the item of key k with the attributes in more.
func with(k kv.Key, more item) item {
	out := make(item, 2+len(more))
	out[AttrPK], out[AttrSK] = k.PK, k.SK
	for n, v := range more {
		out[n] = v
	}
	return out
}

// ---- attribute values

func str(s string) any              { return s }
func num(n int64) any               { return n }
func timeAttr(t time.Time) any      { return t.UTC().Format(time.RFC3339Nano) }
func timeString(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// putStr sets name to s unless s is empty, so optional fields leave no attribute.
func putStr(it item, name, s string) {
	if s != "" {
		it[name] = str(s)
	}
}

func putTime(it item, name string, t time.Time) {
	if !t.IsZero() {
		it[name] = timeAttr(t)
	}
}

// putExpiry writes both expiry attributes: the TTL in whole seconds, rounded
// up so TTL never removes an item before it has expired, and the exact instant.
func putExpiry(it item, t time.Time) {
	it[AttrTTL] = num(ttlSeconds(t))
	it[attrExpireNS] = num(unixNano(t))
}

func ttlSeconds(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// unixNano is t.UnixNano clamped to int64, whose range ends in 2262.
func unixNano(t time.Time) int64 {
	switch {
	case t.Year() >= 2262:
		return math.MaxInt64
	case t.Year() <= 1677:
		return math.MinInt64
	}
	return t.UnixNano()
}

// decoder reads attributes from an item, remembering the first problem, so a
// decode function reads like a list of fields and checks once at the end.
type decoder struct {
	it  item
	err error
}

func (d *decoder) fail(name, why string) {
	if d.err == nil {
		d.err = fmt.Errorf("attribute %s: %s", name, why)
	}
}

func (d *decoder) str(name string) string {
	switch v := d.it[name].(type) {
	case nil:
		return ""
	case string:
		return v
	default:
		d.fail(name, "not a string")
		return ""
	}
}

func (d *decoder) num(name string) int64 {
	switch v := d.it[name].(type) {
	case nil:
		return 0
	case int64:
		return v
	default:
		d.fail(name, "not a number")
		return 0
	}
}

func (d *decoder) time(name string) time.Time {
	s := d.str(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		d.fail(name, "not a time")
	}
	return t.UTC()
}

func (d *decoder) nanos(name string) time.Time {
	if _, ok := d.it[name]; !ok {
		return time.Time{}
	}
	return time.Unix(0, d.num(name)).UTC()
}

func (d *decoder) strings(name string) []string {
	switch v := d.it[name].(type) {
	case nil:
		return nil
	case []string:
		return slices.Clone(v)
	default:
		d.fail(name, "not a list")
		return nil
	}
}

// flag reads a boolean attribute; absent is false.
func (d *decoder) flag(name string) bool {
	switch v := d.it[name].(type) {
	case nil:
		return false
	case bool:
		return v
	default:
		d.fail(name, "not a boolean")
		return false
	}
}

// putJSON stores v as a JSON string attribute unless it equals zero.
func putJSON[T any](it item, name string, v T, zero T) {
	b, err := json.Marshal(v)
	if err != nil {
		return // the store's own types always marshal
	}
	if z, _ := json.Marshal(zero); string(z) == string(b) {
		return
	}
	it[name] = str(string(b))
}

// json decodes a JSON string attribute into dst; absent leaves dst as it is.
func (d *decoder) json(name string, dst any) {
	s := d.str(name)
	if s == "" {
		return
	}
	if err := json.Unmarshal([]byte(s), dst); err != nil {
		d.fail(name, "not JSON")
	}
}

func stringList(ss []string) any { return append([]string{}, ss...) }

// ---- members

func memberItem(m store.Member) item {
	it := with(memberKey(m.ID), item{
		"type":       str(string(store.RecordMember)),
		"id":         str(m.ID),
		"email":      str(m.Email),
		"name":       str(m.Name),
		"language":   str(string(m.Language)),
		"status":     str(string(m.Status)),
		"created_at": timeAttr(m.CreatedAt),
		"updated_at": timeAttr(m.UpdatedAt),
		"version":    num(m.Version),
		AttrGSI1PK:   str(statusPartition(m.Status)),
		AttrGSI1SK:   str(sortTime(m.CreatedAt) + "#" + m.ID),
	})
	putStr(it, "kana", m.Kana)
	putStr(it, "roman", m.Roman)
	putStr(it, "department", m.Department)
	putStr(it, "joined", m.Joined)
	putStr(it, "left", m.Left)
	putStr(it, "employee_number", m.EmployeeNumber)
	putStr(it, "roster_number", m.RosterNumber)
	putStr(it, "pending_email", m.PendingEmail)
	putStr(it, "pending_email_token", m.PendingEmailToken)
	putStr(it, "previous_email", m.PreviousEmail)
	putTime(it, "last_visit_at", m.LastVisitAt)
	putTime(it, "previous_visit_at", m.PreviousVisitAt)
	if len(m.Roles) > 0 {
		roles := make([]string, len(m.Roles))
		for i, r := range m.Roles {
			roles[i] = string(r)
		}
		it["roles"] = stringList(roles)
	}
	// The profile and the consent history are read and written whole, never
	// queried: each is one JSON document attribute.
	putJSON(it, "profile", m.Profile, store.Profile{})
	if len(m.ConsentHistory) > 0 {
		putJSON(it, "consent_history", m.ConsentHistory, nil)
	}
	if len(m.Decisions) > 0 {
		putJSON(it, "decisions", m.Decisions, nil)
	}
	if len(m.Lifecycle) > 0 {
		putJSON(it, "lifecycle", m.Lifecycle, nil)
	}
	if len(m.Consents) > 0 {
		cs := make(item, len(m.Consents))
		for purpose, c := range m.Consents {
			cs[purpose] = map[string]any{
				"given":          c.Given,
				"policy_version": c.PolicyVersion,
				"at":             timeString(c.At),
			}
		}
		it["consents"] = map[string]any(cs)
	}
	return it
}

func statusPartition(s store.Status) string { return "STATUS#" + string(s) }

func decodeMember(it item) (store.Member, error) {
	d := decoder{it: it}
	m := store.Member{
		ID:                d.str("id"),
		Email:             d.str("email"),
		Name:              d.str("name"),
		Kana:              d.str("kana"),
		Roman:             d.str("roman"),
		Department:        d.str("department"),
		Joined:            d.str("joined"),
		Left:              d.str("left"),
		EmployeeNumber:    d.str("employee_number"),
		RosterNumber:      d.str("roster_number"),
		PendingEmail:      d.str("pending_email"),
		PendingEmailToken: d.str("pending_email_token"),
		PreviousEmail:     d.str("previous_email"),
		Language:          store.Language(d.str("language")),
		Status:            store.Status(d.str("status")),
		CreatedAt:         d.time("created_at"),
		UpdatedAt:         d.time("updated_at"),
		Version:           d.num("version"),
		LastVisitAt:       d.time("last_visit_at"),
		PreviousVisitAt:   d.time("previous_visit_at"),
	}
	for _, r := range d.strings("roles") {
		m.Roles = append(m.Roles, store.Role(r))
	}
	d.json("profile", &m.Profile)
	d.json("consent_history", &m.ConsentHistory)
	d.json("decisions", &m.Decisions)
	d.json("lifecycle", &m.Lifecycle)
	if v, ok := it["consents"].(map[string]any); ok && len(v) > 0 {
		m.Consents = make(map[string]store.Consent, len(v))
		for purpose, cv := range v {
			c, ok := cv.(map[string]any)
			if !ok {
				d.fail("consents", "not a map")
				break
			}
			cd := decoder{it: c}
			given, _ := c["given"].(bool)
			m.Consents[purpose] = store.Consent{
				Given:         given,
				PolicyVersion: cd.str("policy_version"),
				At:            cd.time("at"),
			}
			if cd.err != nil {
				d.fail("consents", cd.err.Error())
			}
		}
	}
	return wrapResult("decode member", m, d.err)
}

// memberIndexItem is the EMAIL# or EMPNO# item that reserves a unique value for a member.
func memberIndexItem(k kv.Key, typ, memberID string) item {
	return with(k, item{"type": str(typ), "member_id": str(memberID)})
}

// ---- tokens and sessions

func tokenItem(t store.Token) item {
	it := with(tokenKey(t.Hash), item{
		"type":       str(string(store.RecordToken)),
		"hash":       str(t.Hash),
		"purpose":    str(string(t.Purpose)),
		"subject":    str(t.Subject),
		"created_at": timeAttr(t.CreatedAt),
	})
	putStr(it, "address_hash", t.AddressHash)
	putStr(it, "next", t.Next)
	putTime(it, "used_at", t.UsedAt)
	putExpiry(it, t.ExpiresAt)
	return it
}

func decodeToken(it item) (store.Token, error) {
	d := decoder{it: it}
	t := store.Token{
		Hash:        d.str("hash"),
		Purpose:     store.TokenPurpose(d.str("purpose")),
		Subject:     d.str("subject"),
		AddressHash: d.str("address_hash"),
		Next:        d.str("next"),
		CreatedAt:   d.time("created_at"),
		ExpiresAt:   d.nanos(attrExpireNS),
		UsedAt:      d.time("used_at"),
	}
	return wrapResult("decode token", t, d.err)
}

func sessionItem(s store.Session) item {
	it := with(sessionKey(s.ID), item{
		"type":         str(string(store.RecordSession)),
		"id":           str(s.ID),
		"member_id":    str(s.MemberID),
		"created_at":   timeAttr(s.CreatedAt),
		"last_seen_at": timeAttr(s.LastSeenAt),
	})
	putExpiry(it, s.ExpiresAt)
	return it
}

// memberSessionItem lists a session in its member's partition, so
// DeleteMemberSessions finds every session with one consistent Query. It
// expires with the session.
func memberSessionItem(s store.Session) item {
	it := with(memberSessionKey(s.MemberID, s.ID), item{
		"type":       str(typeSessionIndex),
		"session_id": str(s.ID),
	})
	putExpiry(it, s.ExpiresAt)
	return it
}

func decodeSession(it item) (store.Session, error) {
	d := decoder{it: it}
	s := store.Session{
		ID:         d.str("id"),
		MemberID:   d.str("member_id"),
		CreatedAt:  d.time("created_at"),
		LastSeenAt: d.time("last_seen_at"),
		ExpiresAt:  d.nanos(attrExpireNS),
	}
	return wrapResult("decode session", s, d.err)
}

// ---- idempotency

func idempotencyItem(r store.IdempotencyRecord) item {
	it := with(idempotencyKey(r.Key), item{
		"type":         str(string(store.RecordIdempotency)),
		"key":          str(r.Key),
		"request_hash": str(r.RequestHash),
		"status":       str(string(r.Status)),
		"created_at":   timeAttr(r.CreatedAt),
	})
	if !r.LockedUntil.IsZero() {
		it["locked_ns"] = num(unixNano(r.LockedUntil))
	}
	if r.Response != nil {
		for n, v := range responseAttrs(*r.Response) {
			it[n] = v
		}
	}
	putExpiry(it, r.ExpiresAt)
	return it
}

func responseAttrs(resp store.StoredResponse) item {
	it := item{"response_status": num(int64(resp.StatusCode))}
	if len(resp.Header) > 0 {
		h := make(map[string]any, len(resp.Header))
		for name, values := range resp.Header {
			h[name] = stringList(values)
		}
		it["response_header"] = h
	}
	if len(resp.Body) > 0 {
		it["response_body"] = slices.Clone(resp.Body)
	}
	return it
}

func decodeIdempotency(it item) (store.IdempotencyRecord, error) {
	d := decoder{it: it}
	r := store.IdempotencyRecord{
		Key:         d.str("key"),
		RequestHash: d.str("request_hash"),
		Status:      store.IdempotencyStatus(d.str("status")),
		LockedUntil: d.nanos("locked_ns"),
		CreatedAt:   d.time("created_at"),
		ExpiresAt:   d.nanos(attrExpireNS),
	}
	if _, ok := it["response_status"]; ok {
		resp := store.StoredResponse{StatusCode: int(d.num("response_status"))}
		if h, ok := it["response_header"].(map[string]any); ok && len(h) > 0 {
			resp.Header = make(http.Header, len(h))
			hd := decoder{it: h}
			for name := range h {
				resp.Header[name] = hd.strings(name)
			}
			if hd.err != nil {
				d.fail("response_header", hd.err.Error())
			}
		}
		if b, ok := it["response_body"].([]byte); ok && len(b) > 0 {
			resp.Body = b
		}
		r.Response = &resp
	}
	return wrapResult("decode idempotency record", r, d.err)
}

// ---- audit

func auditItem(e store.AuditEntry) item {
	sk := sortTime(e.At) + "#" + e.ID
	it := with(auditKey(e.Subject, e.At, e.ID), item{
		"type":     str(string(store.RecordAudit)),
		"id":       str(e.ID),
		"at":       timeAttr(e.At),
		"actor":    str(e.Actor),
		"action":   str(e.Action),
		"subject":  str(e.Subject),
		AttrGSI1PK: str(gsiAuditPartition),
		AttrGSI1SK: str(sk),
	})
	if len(e.Fields) > 0 {
		it["fields"] = stringList(e.Fields)
	}
	return it
}

// auditIDItem reserves an audit entry's id and says where the entry is.
func auditIDItem(e store.AuditEntry) item {
	return with(auditIDKey(e.ID), item{
		"type":    str(typeAuditIDIndex),
		"subject": str(e.Subject),
		"at":      timeAttr(e.At),
	})
}

func decodeAudit(it item) (store.AuditEntry, error) {
	d := decoder{it: it}
	e := store.AuditEntry{
		ID:      d.str("id"),
		At:      d.time("at"),
		Actor:   d.str("actor"),
		Action:  d.str("action"),
		Subject: d.str("subject"),
		Fields:  d.strings("fields"),
	}
	if len(e.Fields) == 0 {
		e.Fields = nil
	}
	return wrapResult("decode audit entry", e, d.err)
}

// ---- rate limits

func rateLimitItem(c store.RateLimitCounter) item {
	it := with(rateLimitKey(c.Key, c.WindowStart), item{
		"type":         str(string(store.RecordRateLimit)),
		"key":          str(c.Key),
		"window_start": timeAttr(c.WindowStart),
		"count":        num(int64(c.Count)),
	})
	putExpiry(it, c.ExpiresAt)
	return it
}

func decodeRateLimit(it item) (store.RateLimitCounter, error) {
	d := decoder{it: it}
	c := store.RateLimitCounter{
		Key:         d.str("key"),
		WindowStart: d.time("window_start"),
		Count:       int(d.num("count")),
		ExpiresAt:   d.nanos(attrExpireNS),
	}
	return wrapResult("decode rate-limit counter", c, d.err)
}
