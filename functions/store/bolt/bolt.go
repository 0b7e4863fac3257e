// Package bolt is the embedded store engine: one go.etcd.io/bbolt file in the
// data folder, the default for a single machine.
//
// Layout: one bucket per record type keyed by its identity, plus index
// buckets whose keys are the indexed value (and the id) so a range scan
// answers a query. Every index is written in the same transaction as its
// record. bbolt serializes writers, so a read-check-write inside one write
// transaction is atomic: uniqueness, compare-and-swap, single-use tokens and
// counters need no retry loop here.
package bolt

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/okaeri/okaeri/functions/store"
)

// Bucket names.
const (
	bucketMembers          = "members"
	bucketMembersByEmail   = "members_by_email"   // NormalizeEmail -> id
	bucketMembersByNumber  = "members_by_number"  // employee number -> id
	bucketMembersByStatus  = "members_by_status"  // status 0 createdAt id -> nil
	bucketMembersByRole    = "members_by_role"    // role 0 id -> nil
	bucketTokens           = "tokens"             // hash -> token
	bucketSessions         = "sessions"           // id -> session
	bucketSessionsByMember = "sessions_by_member" // member id 0 session id -> nil
	bucketIdempotency      = "idempotency"        // key -> record
	bucketAudit            = "audit"              // id -> entry
	bucketAuditByTime      = "audit_by_time"      // at id -> nil
	bucketAuditBySubject   = "audit_by_subject"   // subject 0 at id -> nil
	bucketRateLimits       = "ratelimits"         // key 0 windowStart expiresAt -> counter
	bucketRoster           = "roster"             // employee number -> entry
	bucketRosterByEmail    = "roster_by_email"    // NormalizeEmail -> employee number
)

// allBuckets lists every bucket, created by Open.
func allBuckets() []string {
	all := []string{bucketMembers, bucketMembersByEmail, bucketMembersByNumber, bucketMembersByStatus, bucketMembersByRole,
		bucketTokens, bucketSessions, bucketSessionsByMember, bucketIdempotency,
		bucketAudit, bucketAuditByTime, bucketAuditBySubject, bucketRateLimits,
		bucketRoster, bucketRosterByEmail}
	all = append(all, jobBuckets()...)
	all = append(all, eventBuckets()...)
	all = append(all, newsletterBuckets()...)
	all = append(all, bucketMailQueue)
	return all
}

// bucket returns a bucket created by Open.
func bucket(tx *bolt.Tx, name string) *bolt.Bucket { return tx.Bucket([]byte(name)) }

// exportChunk is how many records Export reads per read transaction, so a
// slow consumer never holds one transaction open for the whole file.
const exportChunk = 256

// Options tune Open; the zero value is right for production.
type Options struct {
	// Timeout bounds the wait for the file lock held by another process (default 2s).
	Timeout time.Duration
	// NoSync skips fsync after each commit: only for tests and benchmarks of
	// logic, never for real data.
	NoSync bool
	// Now is the clock for CreatedAt/UpdatedAt defaults (default time.Now).
	Now func() time.Time
}

// Store is the bolt engine. It is safe for concurrent use.
type Store struct {
	db  *bolt.DB
	now func() time.Time
}

var _ store.Store = (*Store)(nil)

// ErrLocked means another process has the store file open.
var ErrLocked = errors.New("bolt: store file is in use by another process")

// Open opens (creating if needed) the store file at path.
func Open(path string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open bolt store: %w", err)
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: o.Timeout, NoSync: o.NoSync})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open bolt store %s: %w (waited %s)", path, ErrLocked, o.Timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open bolt store %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets() {
			if _, err := tx.CreateBucketIfNotExists([]byte(b)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open bolt store %s: create buckets: %w", path, err)
	}
	// Only Import uses Batch: importers call it from several goroutines, and
	// a short delay gathers their records into one fsync without making a
	// lone caller wait long.
	db.MaxBatchDelay = 2 * time.Millisecond
	return &Store{db: db, now: o.Now}, nil
}

// Close releases the file.
func (s *Store) Close() error { return s.db.Close() }

// ---- members

// CreateMember implements store.Members.
func (s *Store) CreateMember(ctx context.Context, m store.Member) (store.Member, error) {
	m, err := store.PrepareMember(m, s.now())
	if err != nil {
		return store.Member{}, fmt.Errorf("create member: %w", err)
	}
	err = s.update(ctx, func(tx *bolt.Tx) error {
		if bucket(tx, bucketMembers).Get([]byte(m.ID)) != nil {
			return &store.ConflictError{Field: "id"}
		}
		if err := checkUnique(tx, m, ""); err != nil {
			return err
		}
		return putMember(tx, m)
	})
	if err != nil {
		return store.Member{}, fmt.Errorf("create member: %w", err)
	}
	return m, nil
}

// GetMember implements store.Members.
func (s *Store) GetMember(ctx context.Context, id string) (store.Member, error) {
	var m store.Member
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		m, err = getMember(tx, id)
		return err
	})
	if err != nil {
		return store.Member{}, fmt.Errorf("get member: %w", err)
	}
	return m, nil
}

// GetMemberByEmail implements store.Members.
func (s *Store) GetMemberByEmail(ctx context.Context, email string) (store.Member, error) {
	return s.getMemberBy(ctx, "get member by email", bucketMembersByEmail, store.NormalizeEmail(email))
}

// GetMemberByEmployeeNumber implements store.Members.
func (s *Store) GetMemberByEmployeeNumber(ctx context.Context, number string) (store.Member, error) {
	return s.getMemberBy(ctx, "get member by employee number", bucketMembersByNumber, number)
}

func (s *Store) getMemberBy(ctx context.Context, op string, index string, key string) (store.Member, error) {
	var m store.Member
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		if key == "" {
			return store.ErrNotFound
		}
		id := bucket(tx, index).Get([]byte(key))
		if id == nil {
			return store.ErrNotFound
		}
		m, err = getMember(tx, string(id))
		return err
	})
	if err != nil {
		return store.Member{}, fmt.Errorf("%s: %w", op, err)
	}
	return m, nil
}

// UpdateMember implements store.Members. The read, the callback and the write
// happen in one write transaction, so there is never a conflict to retry.
func (s *Store) UpdateMember(ctx context.Context, id string, update func(old store.Member) (store.Member, error)) (store.Member, error) {
	var updated store.Member
	err := s.update(ctx, func(tx *bolt.Tx) error {
		old, err := getMember(tx, id)
		if err != nil {
			return err
		}
		// The callback gets its own copy of the consents, so it cannot alter old.
		next, err := update(cloneMember(old))
		if err != nil {
			return err
		}
		updated, err = store.ApplyUpdate(old, next, s.now())
		if err != nil {
			return err
		}
		if err := checkUnique(tx, updated, old.ID); err != nil {
			return err
		}
		if err := deleteMemberIndexes(tx, old); err != nil {
			return err
		}
		return putMember(tx, updated)
	})
	if err != nil {
		return store.Member{}, fmt.Errorf("update member: %w", err)
	}
	return updated, nil
}

// ListMembersByStatus implements store.Members.
func (s *Store) ListMembersByStatus(ctx context.Context, status store.Status, page store.Page) ([]store.Member, string, error) {
	if !store.ValidStatus(status) {
		return nil, "", fmt.Errorf("list members: %w", &store.ValidationError{Field: "status", Code: "unknown"})
	}
	prefix := append([]byte(status), 0)
	var out []store.Member
	var next string
	err := s.view(ctx, func(tx *bolt.Tx) error {
		keys, cursor, err := scanIndex(bucket(tx, bucketMembersByStatus), prefix, nil, page)
		if err != nil {
			return err
		}
		for _, k := range keys {
			m, err := getMember(tx, string(k[len(prefix)+8:]))
			if err != nil {
				return fmt.Errorf("status index points to a missing member: %w", err)
			}
			out = append(out, m)
		}
		next = cursor
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("list members: %w", err)
	}
	return out, next, nil
}

// DeleteMember implements store.Members.
func (s *Store) DeleteMember(ctx context.Context, id string) error {
	err := s.update(ctx, func(tx *bolt.Tx) error {
		old, err := getMember(tx, id)
		if err != nil {
			return err
		}
		if err := deleteMemberIndexes(tx, old); err != nil {
			return err
		}
		return bucket(tx, bucketMembers).Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("delete member: %w", err)
	}
	return nil
}

func getMember(tx *bolt.Tx, id string) (store.Member, error) {
	var m store.Member
	if id == "" {
		return m, store.ErrNotFound
	}
	v := bucket(tx, bucketMembers).Get([]byte(id))
	if v == nil {
		return m, store.ErrNotFound
	}
	if err := json.Unmarshal(v, &m); err != nil {
		return m, fmt.Errorf("decode member: %w", err)
	}
	return m, nil
}

// checkUnique fails if m's email or employee number belongs to a member
// other than self.
func checkUnique(tx *bolt.Tx, m store.Member, self string) error {
	if id := bucket(tx, bucketMembersByEmail).Get([]byte(store.NormalizeEmail(m.Email))); id != nil && string(id) != self {
		return &store.ConflictError{Field: "email"}
	}
	if m.EmployeeNumber != "" {
		if id := bucket(tx, bucketMembersByNumber).Get([]byte(m.EmployeeNumber)); id != nil && string(id) != self {
			return &store.ConflictError{Field: "employeeNumber"}
		}
	}
	return nil
}

func putMember(tx *bolt.Tx, m store.Member) error {
	v, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode member: %w", err)
	}
	id := []byte(m.ID)
	if err := bucket(tx, bucketMembers).Put(id, v); err != nil {
		return err
	}
	if err := bucket(tx, bucketMembersByEmail).Put([]byte(store.NormalizeEmail(m.Email)), id); err != nil {
		return err
	}
	if m.EmployeeNumber != "" {
		if err := bucket(tx, bucketMembersByNumber).Put([]byte(m.EmployeeNumber), id); err != nil {
			return err
		}
	}
	for _, r := range m.Roles {
		if err := bucket(tx, bucketMembersByRole).Put(roleKey(r, m.ID), nil); err != nil {
			return err
		}
	}
	return bucket(tx, bucketMembersByStatus).Put(statusKey(m), nil)
}

func deleteMemberIndexes(tx *bolt.Tx, m store.Member) error {
	if err := bucket(tx, bucketMembersByEmail).Delete([]byte(store.NormalizeEmail(m.Email))); err != nil {
		return err
	}
	if m.EmployeeNumber != "" {
		if err := bucket(tx, bucketMembersByNumber).Delete([]byte(m.EmployeeNumber)); err != nil {
			return err
		}
	}
	for _, r := range m.Roles {
		if err := bucket(tx, bucketMembersByRole).Delete(roleKey(r, m.ID)); err != nil {
			return err
		}
	}
	return bucket(tx, bucketMembersByStatus).Delete(statusKey(m))
}

func roleKey(r store.Role, id string) []byte {
	return append(append([]byte(r), 0), id...)
}

// ListMembersByRole implements store.Members.
func (s *Store) ListMembersByRole(ctx context.Context, role store.Role) ([]store.Member, error) {
	var out []store.Member
	err := s.view(ctx, func(tx *bolt.Tx) error {
		prefix := roleKey(role, "")
		c := bucket(tx, bucketMembersByRole).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			m, err := getMember(tx, string(k[len(prefix):]))
			if err != nil {
				return fmt.Errorf("role index points to a missing member: %w", err)
			}
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list members by role: %w", err)
	}
	return out, nil
}

func statusKey(m store.Member) []byte {
	k := append([]byte(m.Status), 0)
	k = appendTime(k, m.CreatedAt)
	return append(k, m.ID...)
}

func cloneMember(m store.Member) store.Member {
	m.Roles = slices.Clone(m.Roles)
	if m.Consents != nil {
		cs := make(map[string]store.Consent, len(m.Consents))
		for k, v := range m.Consents {
			cs[k] = v
		}
		m.Consents = cs
	}
	return m
}

// ---- tokens

// CreateToken implements store.Tokens.
func (s *Store) CreateToken(ctx context.Context, t store.Token) error {
	t = t.Normalized()
	if err := t.Validate(); err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := bucket(tx, bucketTokens)
		if b.Get([]byte(t.Hash)) != nil {
			return &store.ConflictError{Field: "hash"}
		}
		return putJSON(b, []byte(t.Hash), t)
	})
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	return nil
}

// ConsumeToken implements store.Tokens.
func (s *Store) ConsumeToken(ctx context.Context, hash string, purpose store.TokenPurpose, now time.Time) (store.Token, error) {
	var t store.Token
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := bucket(tx, bucketTokens)
		found, err := getJSON(b, []byte(hash), &t)
		if err != nil {
			return err
		}
		if !found || t.Purpose != purpose || t.Expired(now) || !t.UsedAt.IsZero() {
			return store.ErrNotFound
		}
		t.UsedAt = now.UTC()
		return putJSON(b, []byte(hash), t)
	})
	if err != nil {
		return store.Token{}, fmt.Errorf("consume token: %w", err)
	}
	return t, nil
}

// ---- sessions

// CreateSession implements store.Sessions.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) error {
	sess = sess.Normalized()
	if err := sess.Validate(); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	err := s.update(ctx, func(tx *bolt.Tx) error {
		if bucket(tx, bucketSessions).Get([]byte(sess.ID)) != nil {
			return &store.ConflictError{Field: "id"}
		}
		return putSession(tx, sess)
	})
	if err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	return nil
}

// GetSession implements store.Sessions.
func (s *Store) GetSession(ctx context.Context, id string, now time.Time) (store.Session, error) {
	var sess store.Session
	err := s.view(ctx, func(tx *bolt.Tx) error {
		found, err := getJSON(bucket(tx, bucketSessions), []byte(id), &sess)
		if err != nil {
			return err
		}
		if !found || sess.Expired(now) {
			return store.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return store.Session{}, fmt.Errorf("get session: %w", err)
	}
	return sess, nil
}

// TouchSession implements store.Sessions.
func (s *Store) TouchSession(ctx context.Context, id string, expiresAt, now time.Time) (store.Session, error) {
	if !expiresAt.After(now) {
		return store.Session{}, fmt.Errorf("touch session: %w", &store.ValidationError{Field: "expiresAt", Code: "expired"})
	}
	var sess store.Session
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := bucket(tx, bucketSessions)
		found, err := getJSON(b, []byte(id), &sess)
		if err != nil {
			return err
		}
		if !found || sess.Expired(now) {
			return store.ErrNotFound
		}
		sess.LastSeenAt, sess.ExpiresAt = now.UTC(), expiresAt.UTC()
		return putJSON(b, []byte(id), sess)
	})
	if err != nil {
		return store.Session{}, fmt.Errorf("touch session: %w", err)
	}
	return sess, nil
}

// DeleteSession implements store.Sessions.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	err := s.update(ctx, func(tx *bolt.Tx) error {
		var sess store.Session
		found, err := getJSON(bucket(tx, bucketSessions), []byte(id), &sess)
		if err != nil {
			return err
		}
		if !found {
			return store.ErrNotFound
		}
		return deleteSession(tx, sess)
	})
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// DeleteMemberSessions implements store.Sessions.
func (s *Store) DeleteMemberSessions(ctx context.Context, memberID string) (int, error) {
	n := 0
	err := s.update(ctx, func(tx *bolt.Tx) error {
		n = 0
		prefix := append([]byte(memberID), 0)
		var ids [][]byte
		c := bucket(tx, bucketSessionsByMember).Cursor()
		for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
			ids = append(ids, append([]byte(nil), k[len(prefix):]...))
		}
		for _, id := range ids {
			var sess store.Session
			found, err := getJSON(bucket(tx, bucketSessions), id, &sess)
			if err != nil {
				return err
			}
			if !found {
				continue
			}
			if err := deleteSession(tx, sess); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("delete member sessions: %w", err)
	}
	return n, nil
}

func putSession(tx *bolt.Tx, sess store.Session) error {
	if err := putJSON(bucket(tx, bucketSessions), []byte(sess.ID), sess); err != nil {
		return err
	}
	return bucket(tx, bucketSessionsByMember).Put(sessionMemberKey(sess), nil)
}

func deleteSession(tx *bolt.Tx, sess store.Session) error {
	if err := bucket(tx, bucketSessionsByMember).Delete(sessionMemberKey(sess)); err != nil {
		return err
	}
	return bucket(tx, bucketSessions).Delete([]byte(sess.ID))
}

func sessionMemberKey(sess store.Session) []byte {
	k := append([]byte(sess.MemberID), 0)
	return append(k, sess.ID...)
}

// ---- idempotency

// BeginIdempotency implements store.Idempotency.
func (s *Store) BeginIdempotency(ctx context.Context, key, requestHash string, lockFor time.Duration, now time.Time) (*store.IdempotencyRecord, error) {
	if err := store.ValidateIdempotencyBegin(key, requestHash, lockFor); err != nil {
		return nil, fmt.Errorf("begin idempotency: %w", err)
	}
	var existing *store.IdempotencyRecord
	err := s.update(ctx, func(tx *bolt.Tx) error {
		existing = nil
		b := bucket(tx, bucketIdempotency)
		var r store.IdempotencyRecord
		found, err := getJSON(b, []byte(key), &r)
		if err != nil {
			return err
		}
		if found && !r.Expired(now) {
			if r.RequestHash != requestHash {
				return store.ErrPrecondition
			}
			existing = &r
			return nil
		}
		now := now.UTC()
		return putJSON(b, []byte(key), store.IdempotencyRecord{
			Key: key, RequestHash: requestHash, Status: store.IdempotencyInProgress,
			LockedUntil: now.Add(lockFor), CreatedAt: now, ExpiresAt: now.Add(lockFor),
		})
	})
	if err != nil {
		return nil, fmt.Errorf("begin idempotency: %w", err)
	}
	return existing, nil
}

// CompleteIdempotency implements store.Idempotency.
func (s *Store) CompleteIdempotency(ctx context.Context, key string, resp store.StoredResponse, expiresAt time.Time) error {
	if err := store.ValidateIdempotencyComplete(key, resp, expiresAt); err != nil {
		return fmt.Errorf("complete idempotency: %w", err)
	}
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := bucket(tx, bucketIdempotency)
		var r store.IdempotencyRecord
		found, err := getJSON(b, []byte(key), &r)
		if err != nil {
			return err
		}
		if !found {
			return store.ErrNotFound
		}
		if r.Status != store.IdempotencyInProgress {
			return store.ErrPrecondition
		}
		resp := resp
		if len(resp.Header) == 0 {
			resp.Header = nil
		}
		if len(resp.Body) == 0 {
			resp.Body = nil
		}
		r.Status, r.Response, r.LockedUntil, r.ExpiresAt = store.IdempotencyCompleted, &resp, time.Time{}, expiresAt.UTC()
		return putJSON(b, []byte(key), r)
	})
	if err != nil {
		return fmt.Errorf("complete idempotency: %w", err)
	}
	return nil
}

// ReleaseIdempotency implements store.Idempotency.
func (s *Store) ReleaseIdempotency(ctx context.Context, key string) error {
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := bucket(tx, bucketIdempotency)
		if b.Get([]byte(key)) == nil {
			return store.ErrNotFound
		}
		return b.Delete([]byte(key))
	})
	if err != nil {
		return fmt.Errorf("release idempotency: %w", err)
	}
	return nil
}

// ---- audit

// AppendAudit implements store.Audit.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	e, err := store.PrepareAudit(e)
	if err != nil {
		return store.AuditEntry{}, fmt.Errorf("append audit: %w", err)
	}
	err = s.update(ctx, func(tx *bolt.Tx) error {
		if bucket(tx, bucketAudit).Get([]byte(e.ID)) != nil {
			return &store.ConflictError{Field: "id"}
		}
		return putAudit(tx, e)
	})
	if err != nil {
		return store.AuditEntry{}, fmt.Errorf("append audit: %w", err)
	}
	return e, nil
}

// ListAudit implements store.Audit.
func (s *Store) ListAudit(ctx context.Context, q store.AuditQuery, page store.Page) ([]store.AuditEntry, string, error) {
	var out []store.AuditEntry
	var next string
	err := s.view(ctx, func(tx *bolt.Tx) error {
		index, prefix := bucket(tx, bucketAuditByTime), []byte(nil)
		if q.Subject != "" {
			index, prefix = bucket(tx, bucketAuditBySubject), append([]byte(q.Subject), 0)
		}
		var from []byte
		if !q.From.IsZero() {
			from = appendTime(append([]byte(nil), prefix...), q.From)
		}
		var until []byte
		if !q.To.IsZero() {
			until = appendTime(append([]byte(nil), prefix...), q.To)
		}
		keys, cursor, err := scanIndexRange(index, prefix, from, until, page)
		if err != nil {
			return err
		}
		for _, k := range keys {
			var e store.AuditEntry
			found, err := getJSON(bucket(tx, bucketAudit), k[len(prefix)+8:], &e)
			if err != nil {
				return err
			}
			if !found {
				return errors.New("audit index points to a missing entry")
			}
			out = append(out, e)
		}
		next = cursor
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("list audit: %w", err)
	}
	return out, next, nil
}

func putAudit(tx *bolt.Tx, e store.AuditEntry) error {
	if err := putJSON(bucket(tx, bucketAudit), []byte(e.ID), e); err != nil {
		return err
	}
	if err := bucket(tx, bucketAuditByTime).Put(auditTimeKey(e), nil); err != nil {
		return err
	}
	return bucket(tx, bucketAuditBySubject).Put(auditSubjectKey(e), nil)
}

func deleteAudit(tx *bolt.Tx, e store.AuditEntry) error {
	if err := bucket(tx, bucketAuditByTime).Delete(auditTimeKey(e)); err != nil {
		return err
	}
	if err := bucket(tx, bucketAuditBySubject).Delete(auditSubjectKey(e)); err != nil {
		return err
	}
	return bucket(tx, bucketAudit).Delete([]byte(e.ID))
}

func auditTimeKey(e store.AuditEntry) []byte {
	return append(appendTime(nil, e.At), e.ID...)
}

func auditSubjectKey(e store.AuditEntry) []byte {
	k := append([]byte(e.Subject), 0)
	return append(appendTime(k, e.At), e.ID...)
}

// ---- rate limits

// HitRateLimit implements store.RateLimits.
func (s *Store) HitRateLimit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	if err := store.ValidateRateLimit(key, window); err != nil {
		return 0, fmt.Errorf("hit rate limit: %w", err)
	}
	start, end := store.RateLimitWindow(window, now)
	k := rateLimitKey(store.RateLimitCounter{Key: key, WindowStart: start, ExpiresAt: end})
	var count int
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := bucket(tx, bucketRateLimits)
		// Windows of this key that are over go here, so the bucket stays as
		// small as the set of keys in use.
		prefix := append([]byte(key), 0)
		var dead [][]byte
		c := b.Cursor()
		for ck, _ := c.Seek(prefix); ck != nil && hasPrefix(ck, prefix); ck, _ = c.Next() {
			if len(ck) == len(prefix)+16 && !now.Before(timeAt(ck[len(prefix)+8:])) {
				dead = append(dead, append([]byte(nil), ck...))
			}
		}
		if err := deleteKeys(b, dead); err != nil {
			return err
		}
		var counter store.RateLimitCounter
		found, err := getJSON(b, k, &counter)
		if err != nil {
			return err
		}
		if !found {
			counter = store.RateLimitCounter{Key: key, WindowStart: start, ExpiresAt: end}
		}
		counter.Count++
		count = counter.Count
		return putJSON(b, k, counter)
	})
	if err != nil {
		return 0, fmt.Errorf("hit rate limit: %w", err)
	}
	return count, nil
}

// rateLimitKey is key 0 windowStart expiresAt.
func rateLimitKey(c store.RateLimitCounter) []byte {
	k := append([]byte(c.Key), 0)
	k = appendTime(k, c.WindowStart)
	return appendTime(k, c.ExpiresAt)
}

// ---- expiry

// DeleteExpired implements store.Store by scanning the buckets of records
// that expire; members and audit entries never do.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	n := 0
	err := s.update(ctx, func(tx *bolt.Tx) error {
		n = 0
		tokens, tokenKeys, err := expired[store.Token](bucket(tx, bucketTokens), now)
		if err != nil {
			return err
		}
		if err := deleteKeys(bucket(tx, bucketTokens), tokenKeys); err != nil {
			return err
		}
		sessions, _, err := expired[store.Session](bucket(tx, bucketSessions), now)
		if err != nil {
			return err
		}
		for _, sess := range sessions {
			if err := deleteSession(tx, sess); err != nil {
				return err
			}
		}
		records, recordKeys, err := expired[store.IdempotencyRecord](bucket(tx, bucketIdempotency), now)
		if err != nil {
			return err
		}
		if err := deleteKeys(bucket(tx, bucketIdempotency), recordKeys); err != nil {
			return err
		}
		counters, counterKeys, err := expired[store.RateLimitCounter](bucket(tx, bucketRateLimits), now)
		if err != nil {
			return err
		}
		if err := deleteKeys(bucket(tx, bucketRateLimits), counterKeys); err != nil {
			return err
		}
		n = len(tokens) + len(sessions) + len(records) + len(counters)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired: %w", err)
	}
	return n, nil
}

// expired decodes every value of b and returns those expired at now, with their keys.
func expired[T interface{ Expired(time.Time) bool }](b *bolt.Bucket, now time.Time) ([]T, [][]byte, error) {
	var items []T
	var keys [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var item T
		if err := json.Unmarshal(v, &item); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		if item.Expired(now) {
			items = append(items, item)
			keys = append(keys, append([]byte(nil), k...))
		}
		return nil
	})
	return items, keys, err
}

func deleteKeys(b *bolt.Bucket, keys [][]byte) error {
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// ---- helpers shared by the methods above

// update runs fn in a write transaction; ctx is checked first because bbolt
// transactions cannot be interrupted.
func (s *Store) update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(fn)
}

// view runs fn in a read transaction.
func (s *Store) view(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(fn)
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return b.Put(key, data)
}

// getJSON decodes the value at key into v and reports whether it was there.
func getJSON(b *bolt.Bucket, key []byte, v any) (bool, error) {
	if len(key) == 0 {
		return false, nil
	}
	data := b.Get(key)
	if data == nil {
		return false, nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return true, fmt.Errorf("decode: %w", err)
	}
	return true, nil
}

// appendTime appends t as 8 bytes that sort like the times themselves
// (UnixNano with the sign bit flipped, big-endian).
func appendTime(b []byte, t time.Time) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(t.UnixNano())^(1<<63))
}

// timeAt decodes 8 bytes written by appendTime.
func timeAt(b []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(b)^(1<<63))).UTC()
}

func hasPrefix(k, prefix []byte) bool {
	return len(k) >= len(prefix) && string(k[:len(prefix)]) == string(prefix)
}

// scanIndex pages through the keys of index under prefix.
func scanIndex(index *bolt.Bucket, prefix, from []byte, page store.Page) ([][]byte, string, error) {
	return scanIndexRange(index, prefix, from, nil, page)
}

// scanIndexRange pages through the keys of index under prefix, from from
// (inclusive) to until (exclusive), starting after page.Cursor if set. The
// cursor is the last key returned, base64url-encoded.
func scanIndexRange(index *bolt.Bucket, prefix, from, until []byte, page store.Page) ([][]byte, string, error) {
	start := prefix
	if from != nil {
		start = from
	}
	var after []byte
	if page.Cursor != "" {
		var err error
		after, err = base64.RawURLEncoding.DecodeString(page.Cursor)
		if err != nil || !hasPrefix(after, prefix) {
			return nil, "", &store.ValidationError{Field: "cursor", Code: "format"}
		}
		if string(after) >= string(start) {
			start = after
		}
	}
	limit := page.Size()
	var keys [][]byte
	c := index.Cursor()
	k, _ := c.Seek(start)
	if k != nil && after != nil && string(k) == string(after) {
		k, _ = c.Next()
	}
	for ; k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		if until != nil && string(k) >= string(until) {
			return keys, "", nil
		}
		if len(keys) == limit {
			return keys, base64.RawURLEncoding.EncodeToString(keys[len(keys)-1]), nil
		}
		keys = append(keys, append([]byte(nil), k...))
	}
	return keys, "", nil
}

// decodeAll decodes every value of b in key order.
func decodeAll[T any](b *bolt.Bucket) ([]T, error) {
	var out []T
	err := b.ForEach(func(k, v []byte) error {
		var item T
		if err := json.Unmarshal(v, &item); err != nil {
			return fmt.Errorf("%q: decode: %w", k, err)
		}
		out = append(out, item)
		return nil
	})
	return out, err
}
