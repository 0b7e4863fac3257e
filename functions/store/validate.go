package store

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The rules below are shared by every engine: an engine calls them before it
// writes, so "bad data changes nothing" holds the same way everywhere.

var (
	idPattern             = LazyPattern(`^[A-Za-z0-9_-]{1,64}$`)
	monthPattern          = LazyPattern(`^[0-9]{4}-(0[1-9]|1[0-2])$`)
	employeeNumberPattern = LazyPattern(`^[A-Za-z0-9][A-Za-z0-9-]{0,31}$`)
	purposePattern        = LazyPattern(`^[a-z][a-z0-9-]{0,31}$`)
	hashPattern           = LazyPattern(`^[0-9a-f]{64}$`)
	fieldNamePattern      = LazyPattern(`^[A-Za-z][A-Za-z0-9_.-]{0,63}$`)
)

// Length limits, in characters.
const (
	maxEmail     = 254
	maxName      = 100
	maxText      = 200
	maxKey       = 256
	maxPolicyVer = 32
	maxBio       = 2000
	maxListItems = 30
)

// MaxBioHTML is the most characters a bio's stored HTML may have: 16 times
// a bio's limit. A real bio grows 1 to 5 times when rendered (a bio of
// nothing but links, 5), but CommonMark lets a few characters grow much
// more (a reference link used 600 times, a thousand nested quotes), so a
// bio whose HTML is longer is refused when it is saved, and no member
// record nears DynamoDB's 400 KB item.
const MaxBioHTML = 16 * maxBio

// NewID returns a random, opaque identifier (26 characters, 128 bits).
func NewID() string { return rand.Text() }

// NormalizeEmail is the form an address is unique in: trimmed and lowercased.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// EmailHash is a stable pseudonym for an address (hex SHA-256 of its
// normalized form), for token subjects and rate-limit keys.
func EmailHash(email string) string {
	sum := sha256.Sum256([]byte(NormalizeEmail(email)))
	return hex.EncodeToString(sum[:])
}

// HashToken is how a one-time token is stored: hex SHA-256 of the plaintext.
func HashToken(plaintext string) string {
	sum := sha256.Sum256([]byte(plaintext))
	return hex.EncodeToString(sum[:])
}

// Size is the effective page size.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultPageLimit
	case p.Limit > MaxPageLimit:
		return MaxPageLimit
	}
	return p.Limit
}

// ValidStatus reports whether s is a known member status.
func ValidStatus(s Status) bool {
	switch s {
	case StatusPending, StatusVerified, StatusApproved, StatusRejected, StatusSuspended:
		return true
	}
	return false
}

// Normalized trims text fields and puts times in UTC.
func (m Member) Normalized() Member {
	m.ID = strings.TrimSpace(m.ID)
	m.Email = strings.TrimSpace(m.Email)
	m.Name = strings.TrimSpace(m.Name)
	m.Kana = strings.TrimSpace(m.Kana)
	m.Roman = strings.TrimSpace(m.Roman)
	m.Department = strings.TrimSpace(m.Department)
	m.Joined = strings.TrimSpace(m.Joined)
	m.Left = strings.TrimSpace(m.Left)
	m.EmployeeNumber = strings.TrimSpace(m.EmployeeNumber)
	m.RosterNumber = strings.TrimSpace(m.RosterNumber)
	if len(m.Roles) == 0 {
		m.Roles = nil
	} else {
		m.Roles = slices.Clone(m.Roles)
		slices.Sort(m.Roles)
	}
	m.CreatedAt = utc(m.CreatedAt)
	m.UpdatedAt = utc(m.UpdatedAt)
	if len(m.Consents) > 0 {
		cs := make(map[string]Consent, len(m.Consents))
		for k, c := range m.Consents {
			c.At = utc(c.At)
			cs[k] = c
		}
		m.Consents = cs
	} else {
		m.Consents = nil
	}
	return m
}

// Validate checks a member as it would be stored; it returns nil or
// ErrInvalid errors (one *ValidationError per broken field, joined).
func (m Member) Validate() error {
	var errs []error
	if !idPattern.MatchString(m.ID) {
		errs = append(errs, invalid("id", codeFor(m.ID)))
	}
	errs = append(errs, validateEmail(m.Email)...)
	errs = append(errs, validateText("name", m.Name, maxName, true)...)
	errs = append(errs, validateText("kana", m.Kana, maxName, false)...)
	errs = append(errs, validateText("roman", m.Roman, maxName, false)...)
	errs = append(errs, validateText("department", m.Department, maxText, false)...)
	if m.Joined != "" && !monthPattern.MatchString(m.Joined) {
		errs = append(errs, invalid("joined", "format"))
	}
	if m.Left != "" && !monthPattern.MatchString(m.Left) {
		errs = append(errs, invalid("left", "format"))
	}
	if monthPattern.MatchString(m.Joined) && monthPattern.MatchString(m.Left) && m.Left < m.Joined {
		errs = append(errs, invalid("left", "order"))
	}
	if m.EmployeeNumber != "" && !employeeNumberPattern.MatchString(m.EmployeeNumber) {
		errs = append(errs, invalid("employeeNumber", "format"))
	}
	if m.RosterNumber != "" && !employeeNumberPattern.MatchString(m.RosterNumber) {
		errs = append(errs, invalid("rosterNumber", "format"))
	}
	for i, r := range m.Roles {
		if r != RoleHR || slices.Contains(m.Roles[:i], r) {
			errs = append(errs, invalid("roles", "unknown"))
			break
		}
	}
	switch m.Language {
	case LanguageJa, LanguageEn:
	case "":
		errs = append(errs, invalid("language", "required"))
	default:
		errs = append(errs, invalid("language", "unknown"))
	}
	switch {
	case m.Status == "":
		errs = append(errs, invalid("status", "required"))
	case !ValidStatus(m.Status):
		errs = append(errs, invalid("status", "unknown"))
	}
	for purpose, c := range m.Consents {
		if !purposePattern.MatchString(purpose) {
			errs = append(errs, invalid("consents", "format"))
			continue
		}
		field := "consents." + purpose
		if c.PolicyVersion == "" || utf8.RuneCountInString(c.PolicyVersion) > maxPolicyVer {
			errs = append(errs, invalid(field+".policyVersion", codeFor(c.PolicyVersion)))
		}
		if c.At.IsZero() {
			errs = append(errs, invalid(field+".at", "required"))
		}
	}
	if m.PreviousEmail != "" {
		for _, e := range validateEmail(m.PreviousEmail) {
			var ve *ValidationError
			if errors.As(e, &ve) {
				errs = append(errs, invalid("previousEmail", ve.Code))
			}
		}
	}
	if m.PendingEmail != "" {
		for _, e := range validateEmail(m.PendingEmail) {
			var ve *ValidationError
			if errors.As(e, &ve) {
				errs = append(errs, invalid("pendingEmail", ve.Code))
			}
		}
	}
	errs = append(errs, validateText("profile.company", m.Profile.Company, maxName, false)...)
	errs = append(errs, validateText("profile.role", m.Profile.Role, maxName, false)...)
	errs = append(errs, validateText("profile.location", m.Profile.Location, maxName, false)...)
	if utf8.RuneCountInString(m.Profile.Bio) > maxBio {
		errs = append(errs, invalid("profile.bio", "too_long"))
	}
	if utf8.RuneCountInString(m.Profile.BioHTML) > MaxBioHTML {
		errs = append(errs, invalid("profile.bioHtml", "too_long"))
	}
	if len(m.Profile.Skills) > maxListItems || len(m.Profile.Interests) > maxListItems || len(m.Profile.Visible) > maxListItems {
		errs = append(errs, invalid("profile", "too_long"))
	}
	for _, c := range m.ConsentHistory {
		if !purposePattern.MatchString(c.Purpose) || c.At.IsZero() || c.PolicyVersion == "" {
			errs = append(errs, invalid("consentHistory", "format"))
			break
		}
	}
	if len(m.Decisions) > MaxDecisions {
		errs = append(errs, invalid("decisions", "too_long"))
	}
	for _, d := range m.Decisions {
		if d.At.IsZero() || d.By == "" || (d.Status != StatusApproved && d.Status != StatusRejected && d.Status != StatusVerified) {
			errs = append(errs, invalid("decisions", "format"))
			break
		}
	}
	errs = append(errs, validateStamps(m.CreatedAt, m.UpdatedAt, m.Version)...)
	return joinInvalid(errs)
}

// MaxDecisions is how many review decisions a member keeps (the newest).
const MaxDecisions = 20

// PrepareMember turns what a caller passes to CreateMember into what is
// stored: normalized, with an ID, times (now where zero) and Version 1, validated.
func PrepareMember(m Member, now time.Time) (Member, error) {
	m = m.Normalized()
	if m.ID == "" {
		m.ID = NewID()
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = utc(now)
	}
	if m.UpdatedAt.IsZero() {
		m.UpdatedAt = m.CreatedAt
	}
	m.Version = 1
	if err := m.Validate(); err != nil {
		return Member{}, err
	}
	return m, nil
}

// ApplyUpdate turns the result of an UpdateMember callback into what is
// stored: ID and CreatedAt kept from old, Version incremented, UpdatedAt set
// to now unless the callback changed it, normalized and validated.
func ApplyUpdate(old, updated Member, now time.Time) (Member, error) {
	updated = updated.Normalized()
	updated.ID = old.ID
	updated.CreatedAt = old.CreatedAt
	updated.Version = old.Version + 1
	if updated.UpdatedAt.Equal(old.UpdatedAt) {
		updated.UpdatedAt = utc(now)
	}
	if updated.UpdatedAt.Before(updated.CreatedAt) {
		updated.UpdatedAt = updated.CreatedAt
	}
	if err := updated.Validate(); err != nil {
		return Member{}, err
	}
	return updated, nil
}

// Validate checks a token about to be created, including that it has not
// already expired.
func (t Token) Validate() error {
	errs := t.validateShape()
	if !t.CreatedAt.IsZero() && !t.ExpiresAt.IsZero() && !t.ExpiresAt.After(t.CreatedAt) {
		errs = append(errs, invalid("expiresAt", "expired"))
	}
	if !t.UsedAt.IsZero() {
		errs = append(errs, invalid("usedAt", "format"))
	}
	return joinInvalid(errs)
}

func (t Token) validateShape() []error {
	var errs []error
	if !hashPattern.MatchString(t.Hash) {
		errs = append(errs, invalid("hash", codeFor(t.Hash)))
	}
	if !purposePattern.MatchString(string(t.Purpose)) {
		errs = append(errs, invalid("purpose", codeFor(string(t.Purpose))))
	}
	errs = append(errs, validatePseudonym("subject", t.Subject)...)
	if t.AddressHash != "" && !hashPattern.MatchString(t.AddressHash) {
		errs = append(errs, invalid("addressHash", "format"))
	}
	if t.CreatedAt.IsZero() {
		errs = append(errs, invalid("createdAt", "required"))
	}
	if t.ExpiresAt.IsZero() {
		errs = append(errs, invalid("expiresAt", "required"))
	}
	return errs
}

// Normalized puts a token's times in UTC.
func (t Token) Normalized() Token {
	t.CreatedAt, t.ExpiresAt, t.UsedAt = utc(t.CreatedAt), utc(t.ExpiresAt), utc(t.UsedAt)
	return t
}

// Validate checks a session about to be created, including that it has not
// already expired.
func (s Session) Validate() error {
	errs := s.validateShape()
	if !s.CreatedAt.IsZero() && !s.ExpiresAt.IsZero() && !s.ExpiresAt.After(s.CreatedAt) {
		errs = append(errs, invalid("expiresAt", "expired"))
	}
	return joinInvalid(errs)
}

func (s Session) validateShape() []error {
	var errs []error
	errs = append(errs, validateKey("id", s.ID)...)
	if !idPattern.MatchString(s.MemberID) {
		errs = append(errs, invalid("memberId", codeFor(s.MemberID)))
	}
	if s.CreatedAt.IsZero() {
		errs = append(errs, invalid("createdAt", "required"))
	}
	if s.ExpiresAt.IsZero() {
		errs = append(errs, invalid("expiresAt", "required"))
	}
	return errs
}

// Normalized puts a session's times in UTC; a zero LastSeenAt becomes CreatedAt.
func (s Session) Normalized() Session {
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = utc(s.CreatedAt), utc(s.LastSeenAt), utc(s.ExpiresAt)
	if s.LastSeenAt.IsZero() {
		s.LastSeenAt = s.CreatedAt
	}
	return s
}

// ValidateIdempotencyBegin checks the arguments of BeginIdempotency.
func ValidateIdempotencyBegin(key, requestHash string, lockFor time.Duration) error {
	var errs []error
	errs = append(errs, validateKey("key", key)...)
	errs = append(errs, validateKey("requestHash", requestHash)...)
	if lockFor <= 0 {
		errs = append(errs, invalid("lockFor", "required"))
	}
	return joinInvalid(errs)
}

// ValidateIdempotencyComplete checks the arguments of CompleteIdempotency.
func ValidateIdempotencyComplete(key string, resp StoredResponse, expiresAt time.Time) error {
	var errs []error
	errs = append(errs, validateKey("key", key)...)
	if resp.StatusCode < 100 || resp.StatusCode > 599 {
		errs = append(errs, invalid("statusCode", "format"))
	}
	if expiresAt.IsZero() {
		errs = append(errs, invalid("expiresAt", "required"))
	}
	return joinInvalid(errs)
}

// Validate checks an idempotency record as a whole (for Import).
func (r IdempotencyRecord) Validate() error {
	var errs []error
	errs = append(errs, validateKey("key", r.Key)...)
	errs = append(errs, validateKey("requestHash", r.RequestHash)...)
	switch r.Status {
	case IdempotencyInProgress:
		if r.LockedUntil.IsZero() {
			errs = append(errs, invalid("lockedUntil", "required"))
		}
	case IdempotencyCompleted:
		if r.Response == nil {
			errs = append(errs, invalid("response", "required"))
		}
	default:
		errs = append(errs, invalid("status", codeFor(string(r.Status))))
	}
	if r.CreatedAt.IsZero() {
		errs = append(errs, invalid("createdAt", "required"))
	}
	if r.ExpiresAt.IsZero() {
		errs = append(errs, invalid("expiresAt", "required"))
	}
	return joinInvalid(errs)
}

// Normalized puts an idempotency record's times in UTC.
func (r IdempotencyRecord) Normalized() IdempotencyRecord {
	r.LockedUntil, r.CreatedAt, r.ExpiresAt = utc(r.LockedUntil), utc(r.CreatedAt), utc(r.ExpiresAt)
	return r
}

// Validate checks an audit entry. Field names are identifiers, so a value
// (an address, a name) passed by mistake is rejected rather than kept forever.
func (e AuditEntry) Validate() error {
	var errs []error
	if !idPattern.MatchString(e.ID) {
		errs = append(errs, invalid("id", codeFor(e.ID)))
	}
	if e.At.IsZero() {
		errs = append(errs, invalid("at", "required"))
	}
	errs = append(errs, validatePseudonym("actor", e.Actor)...)
	if !fieldNamePattern.MatchString(e.Action) {
		errs = append(errs, invalid("action", codeFor(e.Action)))
	}
	errs = append(errs, validatePseudonym("subject", e.Subject)...)
	for _, f := range e.Fields {
		if !fieldNamePattern.MatchString(f) {
			errs = append(errs, invalid("fields", "format"))
			break
		}
	}
	return joinInvalid(errs)
}

// PrepareAudit fills an entry's ID if empty, normalizes and validates it.
func PrepareAudit(e AuditEntry) (AuditEntry, error) {
	if e.ID == "" {
		e.ID = NewID()
	}
	e.At = utc(e.At)
	if len(e.Fields) == 0 {
		e.Fields = nil
	}
	if err := e.Validate(); err != nil {
		return AuditEntry{}, err
	}
	return e, nil
}

// Matches reports whether an entry is selected by q.
func (q AuditQuery) Matches(e AuditEntry) bool {
	if q.Subject != "" && e.Subject != q.Subject {
		return false
	}
	if !q.From.IsZero() && e.At.Before(q.From) {
		return false
	}
	if !q.To.IsZero() && !e.At.Before(q.To) {
		return false
	}
	return true
}

// ValidateRateLimit checks the arguments of HitRateLimit.
func ValidateRateLimit(key string, window time.Duration) error {
	var errs []error
	errs = append(errs, validateKey("key", key)...)
	if window <= 0 {
		errs = append(errs, invalid("window", "required"))
	}
	return joinInvalid(errs)
}

// RateLimitWindow is the fixed window containing now: its start and its end
// (when the counter expires).
func RateLimitWindow(window time.Duration, now time.Time) (start, end time.Time) {
	start = utc(now.Truncate(window))
	return start, start.Add(window)
}

// Validate checks a rate-limit counter (for Import).
func (c RateLimitCounter) Validate() error {
	var errs []error
	errs = append(errs, validateKey("key", c.Key)...)
	if c.WindowStart.IsZero() {
		errs = append(errs, invalid("windowStart", "required"))
	}
	if c.Count < 1 {
		errs = append(errs, invalid("count", "format"))
	}
	if !c.ExpiresAt.After(c.WindowStart) {
		errs = append(errs, invalid("expiresAt", "order"))
	}
	return joinInvalid(errs)
}

// Type says which kind of record r holds; empty if none or more than one.
func (r Record) Type() RecordType {
	var t RecordType
	n := 0
	if r.Member != nil {
		t, n = RecordMember, n+1
	}
	if r.Token != nil {
		t, n = RecordToken, n+1
	}
	if r.Session != nil {
		t, n = RecordSession, n+1
	}
	if r.Idempotency != nil {
		t, n = RecordIdempotency, n+1
	}
	if r.Audit != nil {
		t, n = RecordAudit, n+1
	}
	if r.RateLimit != nil {
		t, n = RecordRateLimit, n+1
	}
	if r.Roster != nil {
		t, n = RecordRoster, n+1
	}
	if r.Event != nil {
		t, n = RecordEvent, n+1
	}
	if r.RSVP != nil {
		t, n = RecordRSVP, n+1
	}
	if r.Job != nil {
		t, n = RecordJob, n+1
	}
	if r.Application != nil {
		t, n = RecordApplication, n+1
	}
	if r.Referral != nil {
		t, n = RecordReferral, n+1
	}
	if r.Block != nil {
		t, n = RecordBlock, n+1
	}
	if r.MailSettings != nil {
		t, n = RecordMailSettings, n+1
	}
	if nt, nn := r.newsletterType(); nn > 0 {
		t, n = nt, n+nn
	}
	if n != 1 {
		return ""
	}
	return t
}

// Normalized returns r for Import: times in UTC, text trimmed. It does not
// change the record it was given.
func (r Record) Normalized() Record {
	if r.Type() == "" {
		return r // left for Validate to refuse
	}
	switch {
	case r.Member != nil:
		m := r.Member.Normalized()
		return Record{Member: &m}
	case r.Token != nil:
		t := r.Token.Normalized()
		return Record{Token: &t}
	case r.Session != nil:
		s := r.Session.Normalized()
		return Record{Session: &s}
	case r.Idempotency != nil:
		i := r.Idempotency.Normalized()
		return Record{Idempotency: &i}
	case r.Audit != nil:
		a := *r.Audit
		a.At = utc(a.At)
		if len(a.Fields) == 0 {
			a.Fields = nil
		}
		return Record{Audit: &a}
	case r.RateLimit != nil:
		c := *r.RateLimit
		c.WindowStart, c.ExpiresAt = utc(c.WindowStart), utc(c.ExpiresAt)
		return Record{RateLimit: &c}
	case r.Roster != nil:
		e := r.Roster.Normalized()
		return Record{Roster: &e}
	case r.Event != nil:
		e := r.Event.Normalized()
		return Record{Event: &e}
	case r.RSVP != nil:
		v := r.RSVP.Normalized()
		return Record{RSVP: &v}
	case r.Job != nil:
		j := r.Job.Normalized()
		return Record{Job: &j}
	case r.Application != nil:
		a := r.Application.Normalized()
		return Record{Application: &a}
	case r.Referral != nil:
		f := r.Referral.Normalized()
		return Record{Referral: &f}
	case r.Block != nil:
		b := r.Block.Normalized()
		return Record{Block: &b}
	case r.NewsletterSend != nil, r.DeliveryBatch != nil, r.Delivery != nil, r.Suppression != nil, r.Engagement != nil:
		return r.newsletterNormalized()
	}
	return r
}

// Validate checks a record for Import: the same rules as when it was first
// written, except that it may have expired or been used since.
func (r Record) Validate() error {
	switch r.Type() {
	case RecordMember:
		return r.Member.Validate()
	case RecordToken:
		return joinInvalid(r.Token.validateShape())
	case RecordSession:
		return joinInvalid(r.Session.validateShape())
	case RecordIdempotency:
		return r.Idempotency.Validate()
	case RecordAudit:
		return r.Audit.Validate()
	case RecordRateLimit:
		return r.RateLimit.Validate()
	case RecordRoster:
		return r.Roster.Validate()
	case RecordEvent:
		return r.Event.Validate()
	case RecordRSVP:
		return r.RSVP.Validate()
	case RecordJob:
		return r.Job.Validate()
	case RecordApplication:
		return r.Application.Validate()
	case RecordReferral:
		return r.Referral.Validate()
	case RecordBlock:
		return r.Block.Validate()
	case RecordMailSettings:
		return r.MailSettings.Validate()
	case RecordNewsletterSend, RecordDeliveryBatch, RecordDelivery, RecordSuppression, RecordEngagement:
		return r.newsletterValidate()
	}
	return invalid("type", "unknown")
}

func validateEmail(email string) []error {
	if email == "" {
		return []error{invalid("email", "required")}
	}
	if len(email) > maxEmail {
		return []error{invalid("email", "too_long")}
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Name != "" || addr.Address != email {
		return []error{invalid("email", "format")}
	}
	at := strings.LastIndexByte(email, '@')
	domain := email[at+1:]
	if !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") || strings.HasPrefix(domain, ".") {
		return []error{invalid("email", "format")}
	}
	return nil
}

// validateText checks one line of text: required or not, at most max
// characters, valid UTF-8, no control characters.
func validateText(field, s string, max int, required bool) []error {
	return checkText(field, s, max, required, func(rune) bool { return false })
}

// checkText is validateText where allowed says which control characters may appear.
func checkText(field, s string, max int, required bool, allowed func(rune) bool) []error {
	if s == "" {
		if required {
			return []error{invalid(field, "required")}
		}
		return nil
	}
	if !utf8.ValidString(s) {
		return []error{invalid(field, "format")}
	}
	if utf8.RuneCountInString(s) > max {
		return []error{invalid(field, "too_long")}
	}
	if IndexForbidden(s, allowed) >= 0 {
		return []error{invalid(field, "format")}
	}
	return nil
}

// ForbiddenRune reports whether r may not appear in text that a person
// writes (names, bios, messages, notes, titles): control characters (C0
// with TAB, DEL and C1); bidirectional controls (U+061C, U+200E, U+200F,
// U+202A to U+202E, U+2066 to U+2069), which make text read in another
// order than it is stored ("résumé\u202Efdp.exe" reads "résuméexe.pdf");
// and zero-width characters (U+200B to U+200D, U+2060, the U+FEFF byte
// order mark), which make different names look the same. Multi-line fields
// allow \n, \r and \t themselves (IndexForbidden's allow). This is the one
// rule: the store's text validation, accounts, jobs and events use it.
func ForbiddenRune(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r == 0x061C, r == 0x200E, r == 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	case r >= 0x200B && r <= 0x200D, r == 0x2060, r == 0xFEFF:
		return true
	}
	return false
}

// IndexForbidden is the byte index in s of the first rune that ForbiddenRune
// refuses and allow (nil: nothing) does not let through, or -1. A zero-width
// joiner between two pictographs is part of one emoji (👩‍💻, 🏳️‍🌈) and passes:
// it joins symbols, never letters, so it can hide nothing.
func IndexForbidden(s string, allow func(rune) bool) int {
	prev := rune(-1)
	for i, r := range s {
		if ForbiddenRune(r) && (allow == nil || !allow(r)) && !(r == zwj && emojiJoin(prev, s[i+len(string(zwj)):])) {
			return i
		}
		prev = r
	}
	return -1
}

// zwj is the zero-width joiner of emoji sequences.
const zwj = '\u200D'

// emojiJoin reports whether a joiner after prev and before rest joins two
// pictographs: a symbol (or its skin tone or emoji presentation selector)
// before it, a symbol after it.
func emojiJoin(prev rune, rest string) bool {
	next, _ := utf8.DecodeRuneInString(rest)
	pictograph := func(r rune) bool { return r != utf8.RuneError && unicode.Is(unicode.So, r) }
	before := pictograph(prev) || prev == '\uFE0F' || (prev >= 0x1F3FB && prev <= 0x1F3FF)
	return before && pictograph(next)
}

// validateKey checks an opaque key-like string: non-empty, bounded, printable ASCII.
func validateKey(field, s string) []error {
	if s == "" {
		return []error{invalid(field, "required")}
	}
	if len(s) > maxKey {
		return []error{invalid(field, "too_long")}
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return []error{invalid(field, "format")}
		}
	}
	return nil
}

// validatePseudonym is validateKey for fields that name a person: an id or a
// hash, so an address put there by mistake is refused rather than kept.
func validatePseudonym(field, s string) []error {
	if errs := validateKey(field, s); errs != nil {
		return errs
	}
	if strings.ContainsRune(s, '@') {
		return []error{invalid(field, "format")}
	}
	return nil
}

func codeFor(s string) string {
	if s == "" {
		return "required"
	}
	return "format"
}

// utc strips the monotonic reading and location so stored times compare equal
// after a round trip; the zero time stays zero.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return time.Time{}
	}
	return t.UTC()
}

// Expired reports whether a token is past its expiry at now.
func (t Token) Expired(now time.Time) bool { return !now.Before(t.ExpiresAt) }

// Expired reports whether a session is past its expiry at now.
func (s Session) Expired(now time.Time) bool { return !now.Before(s.ExpiresAt) }

// Expired reports whether an idempotency record is absent at now: past its
// expiry, or in progress with its lock run out (anyone may take it over).
func (r IdempotencyRecord) Expired(now time.Time) bool {
	if !now.Before(r.ExpiresAt) {
		return true
	}
	return r.Status == IdempotencyInProgress && !now.Before(r.LockedUntil)
}

// Expired reports whether a rate-limit window has ended at now.
func (c RateLimitCounter) Expired(now time.Time) bool { return !now.Before(c.ExpiresAt) }

// Expired reports whether the record has expired at now; members and audit
// entries never expire.
func (r Record) Expired(now time.Time) bool {
	switch {
	case r.Token != nil:
		return r.Token.Expired(now)
	case r.Session != nil:
		return r.Session.Expired(now)
	case r.Idempotency != nil:
		return r.Idempotency.Expired(now)
	case r.RateLimit != nil:
		return r.RateLimit.Expired(now)
	}
	return false
}

// validateStamps checks what every versioned record carries: a creation
// time, an update time not before it, and a version from 1.
func validateStamps(created, updated time.Time, version int64) []error {
	var errs []error
	if created.IsZero() {
		errs = append(errs, invalid("createdAt", "required"))
	}
	if updated.Before(created) {
		errs = append(errs, invalid("updatedAt", "order"))
	}
	if version < 1 {
		errs = append(errs, invalid("version", "format"))
	}
	return errs
}

// ValidID reports whether id has the shape of a record id (NewID's, or an
// imported one): what a handler checks before using an id from a request.
func ValidID(id string) bool { return idPattern.MatchString(id) }
