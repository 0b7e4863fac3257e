package table

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	kv "github.com/okaeri/okaeri/functions/store/item"
)

// ---- tokens

// CreateToken implements store.Tokens with a PutItem on condition that the hash is new.
func (s *Store) CreateToken(ctx context.Context, t store.Token) error {
	t = t.Normalized()
	if err := t.Validate(); err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	return wrapOp("create token", failedAs(s.putNew(ctx, "create token", tokenItem(t)), &store.ConflictError{Field: "hash"}))
}

// ConsumeToken implements store.Tokens: one UpdateItem sets used_at on
// condition that the token exists, has the purpose, has not expired at now
// (TTL may not have removed it yet) and is unused, so exactly one of any
// number of concurrent callers succeeds.
func (s *Store) ConsumeToken(ctx context.Context, hash string, purpose store.TokenPurpose, now time.Time) (store.Token, error) {
	if hash == "" {
		return store.Token{}, fmt.Errorf("consume token: %w", store.ErrNotFound)
	}
	after, err := s.db.Write(ctx, kv.Update(tokenKey(hash), map[string]any{"used_at": timeString(now)}, nil, nil,
		kv.And(kv.Exists(), kv.Eq("purpose", string(purpose)), kv.Gt(attrExpireNS, unixNano(now)), kv.Lacks("used_at"))))
	if err != nil {
		return store.Token{}, fmt.Errorf("consume token: %w", failedAs(err, store.ErrNotFound))
	}
	t, err := decodeToken(after)
	return wrapResult("consume token", t, err)
}

// PeekToken implements store.Tokens with one consistent read, under the
// conditions ConsumeToken writes on.
func (s *Store) PeekToken(ctx context.Context, hash string, purpose store.TokenPurpose, now time.Time) (store.Token, error) {
	if hash == "" {
		return store.Token{}, fmt.Errorf("peek token: %w", store.ErrNotFound)
	}
	t, err := getDecoded(ctx, s, "peek token", tokenKey(hash), decodeToken)
	if err == nil && (t.Purpose != purpose || !t.ExpiresAt.After(now) || !t.UsedAt.IsZero()) {
		err = store.ErrNotFound
	}
	return wrapResult("peek token", t, err)
}

// ---- sessions

// CreateSession implements store.Sessions: the session item and its entry in
// the member's partition are written in one transaction.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) error {
	sess = sess.Normalized()
	if err := sess.Validate(); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	err := s.transactActive(ctx, "create session", sess.MemberID, sess.LastSeenAt, []kv.Op{
		putIfAbsent(sessionItem(sess)),
		kv.Put(memberSessionItem(sess), nil),
	})
	if err != nil {
		return fmt.Errorf("create session: %w", conflictOf(err, []string{"id"}))
	}
	return nil
}

// GetSession implements store.Sessions; an expired session is absent even
// before TTL removes it.
func (s *Store) GetSession(ctx context.Context, id string, now time.Time) (store.Session, error) {
	sess, err := s.getSession(ctx, "get session", id)
	if err == nil && sess.Expired(now) {
		err = store.ErrNotFound
	}
	return wrapResult("get session", sess, err)
}

func (s *Store) getSession(ctx context.Context, op, id string) (store.Session, error) {
	if id == "" {
		return store.Session{}, store.ErrNotFound
	}
	return getDecoded(ctx, s, op, sessionKey(id), decodeSession)
}

// TouchSession implements store.Sessions. The session and its member-partition
// entry get the new expiry in one transaction: were the entry to expire
// first, DeleteMemberSessions could miss a live session.
func (s *Store) TouchSession(ctx context.Context, id string, expiresAt, now time.Time) (store.Session, error) {
	if !expiresAt.After(now) {
		return store.Session{}, fmt.Errorf("touch session: %w", &store.ValidationError{Field: "expiresAt", Code: "expired"})
	}
	sess, err := s.getSession(ctx, "touch session", id)
	if err == nil && sess.Expired(now) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("touch session: %w", err)
	}
	sess.LastSeenAt, sess.ExpiresAt = now.UTC(), expiresAt.UTC()
	expiry := item{}
	putExpiry(expiry, sess.ExpiresAt)
	err = s.transactActive(ctx, "touch session", sess.MemberID, now, []kv.Op{
		kv.Update(sessionKey(id), map[string]any{
			"last_seen_at": timeString(sess.LastSeenAt), AttrTTL: expiry[AttrTTL], attrExpireNS: expiry[attrExpireNS],
		}, nil, nil, kv.And(kv.Exists(), kv.Eq("member_id", sess.MemberID), kv.Gt(attrExpireNS, unixNano(now)))),
		kv.Put(memberSessionItem(sess), nil),
	})
	if i, _, ok := failedAt(err); ok && i == 0 {
		// Deleted or expired between the read and the write.
		return store.Session{}, fmt.Errorf("touch session: %w", store.ErrNotFound)
	}
	return wrapResult("touch session", sess, err)
}

// DeleteSession implements store.Sessions.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	sess, err := s.getSession(ctx, "delete session", id)
	if err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	if _, err := s.deleteSession(ctx, sess.MemberID, id); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// deleteSession removes a session of memberID and its member-partition entry,
// and reports whether the session was there.
func (s *Store) deleteSession(ctx context.Context, memberID, id string) (bool, error) {
	err := s.transact(ctx, "delete session", []kv.Op{
		kv.Delete(sessionKey(id), kv.And(kv.Exists(), kv.Eq("member_id", memberID))),
		kv.Delete(memberSessionKey(memberID, id), nil),
	})
	if i, _, ok := failedAt(err); ok && i == 0 {
		// Already gone: drop the stale entry on its own.
		err := s.write(ctx, kv.Delete(memberSessionKey(memberID, id), nil))
		if err != nil {
			return false, err
		}
		return false, store.ErrNotFound
	}
	return err == nil, err
}

// DeleteMemberSessions implements store.Sessions: a consistent Query of
// PK = MEMBER#<id> AND begins_with(SK, "SESSION#") lists them.
func (s *Store) DeleteMemberSessions(ctx context.Context, memberID string) (int, error) {
	if memberID == "" {
		return 0, nil
	}
	items, err := s.queryAll(ctx, kv.Query{PK: "MEMBER#" + memberID, Prefix: "SESSION#"})
	if err != nil {
		return 0, fmt.Errorf("delete member sessions: %w", err)
	}
	n := 0
	for _, it := range items {
		id := (&decoder{it: it}).str("session_id")
		deleted, err := s.deleteSession(ctx, memberID, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return n, fmt.Errorf("delete member sessions: %w", err)
		}
		if deleted {
			n++
		}
	}
	return n, nil
}
