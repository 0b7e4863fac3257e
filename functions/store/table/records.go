package table

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	kv "github.com/okaeri/okaeri/functions/store/item"
)

// ---- idempotency

// BeginIdempotency implements store.Idempotency with one conditional PutItem:
// the in-progress record is written only if no live record holds the key
// (none, expired, or in progress with its lock run out). On a lost race the
// condition failure carries the record that won.
func (s *Store) BeginIdempotency(ctx context.Context, key, requestHash string, lockFor time.Duration, now time.Time) (*store.IdempotencyRecord, error) {
	if err := store.ValidateIdempotencyBegin(key, requestHash, lockFor); err != nil {
		return nil, fmt.Errorf("begin idempotency: %w", err)
	}
	now = now.UTC()
	rec := store.IdempotencyRecord{
		Key: key, RequestHash: requestHash, Status: store.IdempotencyInProgress,
		LockedUntil: now.Add(lockFor), CreatedAt: now, ExpiresAt: now.Add(lockFor),
	}
	for {
		err := s.write(ctx, kv.Put(idempotencyItem(rec), kv.Or(
			kv.NotExists(),
			kv.Le(attrExpireNS, unixNano(now)),
			kv.And(kv.Eq("status", string(store.IdempotencyInProgress)), kv.Le("locked_ns", unixNano(now))),
		)))
		old, failed := conditionFailed(err)
		if !failed {
			if err != nil {
				return nil, fmt.Errorf("begin idempotency: %w", err)
			}
			return nil, nil
		}
		if len(old) == 0 {
			// Not returned (older emulators): read it.
			if old, err = s.getItem(ctx, "begin idempotency", idempotencyKey(key)); err != nil && !errors.Is(err, store.ErrNotFound) {
				return nil, fmt.Errorf("begin idempotency: %w", err)
			}
		}
		if len(old) == 0 {
			continue // released in between: claim again
		}
		existing, err := decodeIdempotency(old)
		if err != nil {
			return nil, fmt.Errorf("begin idempotency: %w", err)
		}
		if existing.Expired(now) {
			continue // it was live at the write and has lapsed since: claim again
		}
		if existing.RequestHash != requestHash {
			return nil, fmt.Errorf("begin idempotency: %w", store.ErrPrecondition)
		}
		return &existing, nil
	}
}

// CompleteIdempotency implements store.Idempotency: an UpdateItem on
// condition that the record exists and is in progress.
func (s *Store) CompleteIdempotency(ctx context.Context, key string, resp store.StoredResponse, expiresAt time.Time) error {
	if err := store.ValidateIdempotencyComplete(key, resp, expiresAt); err != nil {
		return fmt.Errorf("complete idempotency: %w", err)
	}
	expiry := item{}
	putExpiry(expiry, expiresAt)
	set := map[string]any{"status": string(store.IdempotencyCompleted), AttrTTL: expiry[AttrTTL], attrExpireNS: expiry[attrExpireNS]}
	remove := []string{"locked_ns"}
	attrs := responseAttrs(resp)
	for _, name := range []string{"response_status", "response_header", "response_body"} {
		if v, ok := attrs[name]; ok {
			set[name] = v
		} else {
			remove = append(remove, name)
		}
	}
	err := s.write(ctx, kv.Update(idempotencyKey(key), set, nil, remove,
		kv.And(kv.Exists(), kv.Eq("status", string(store.IdempotencyInProgress)))))
	old, failed := conditionFailed(err)
	if !failed {
		if err != nil {
			return fmt.Errorf("complete idempotency: %w", err)
		}
		return nil
	}
	if len(old) == 0 {
		if old, err = s.getItem(ctx, "complete idempotency", idempotencyKey(key)); err != nil {
			return fmt.Errorf("complete idempotency: %w", err)
		}
	}
	return fmt.Errorf("complete idempotency: %w", store.ErrPrecondition)
}

// ReleaseIdempotency implements store.Idempotency.
func (s *Store) ReleaseIdempotency(ctx context.Context, key string) error {
	err := s.deleteExisting(ctx, "release idempotency", idempotencyKey(key))
	return wrapOp("release idempotency", err)
}

// ---- audit

// AppendAudit implements store.Audit: the entry (in its subject's partition,
// and through GSI1 in the time-ordered AUDIT partition) and the AUDITID# item
// that keeps its id unique are written in one transaction.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	e, err := store.PrepareAudit(e)
	if err != nil {
		return store.AuditEntry{}, fmt.Errorf("append audit: %w", err)
	}
	err = s.transact(ctx, "append audit", []kv.Op{
		putIfAbsent(auditItem(e)),
		putIfAbsent(auditIDItem(e)),
	})
	if err != nil {
		return store.AuditEntry{}, fmt.Errorf("append audit: %w", conflictOf(err, []string{"id", "id"}))
	}
	return e, nil
}

// ListAudit implements store.Audit. With a subject it queries the subject's
// partition (PK = AUDIT#<subject>); without, GSI1 (GSI1PK = AUDIT). Either
// way the sort key <at>#<id> takes the time range: BETWEEN <from> AND <to>
// includes entries at From and excludes those at To, because "<t>#<id>" sorts
// after "<t>".
func (s *Store) ListAudit(ctx context.Context, q store.AuditQuery, page store.Page) ([]store.AuditEntry, string, error) {
	kq := kv.Query{PK: "AUDIT#" + q.Subject, Reverse: q.Newest}
	if q.Subject == "" {
		kq = kv.Query{Index: IndexGSI1, PK: gsiAuditPartition, Reverse: q.Newest}
	}
	// The sort key <at>#<id> sorts after <at>: a range from <From> to <To>
	// includes the entries at From and excludes those at To.
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return nil, "", nil
	}
	if !q.From.IsZero() {
		kq.From = sortTime(q.From)
	}
	if !q.To.IsZero() {
		kq.To = sortTime(q.To)
	}
	out, cursor, err := queryPageOf(ctx, s, kq, page, decodeAudit)
	if err != nil {
		return nil, "", fmt.Errorf("list audit: %w", err)
	}
	return out, cursor, nil
}

// ---- rate limits

// HitRateLimit implements store.RateLimits with one atomic UpdateItem (ADD)
// on the window's own item RATE#<key>#<window start>; the item expires when
// the window ends, so a past window is never counted into.
func (s *Store) HitRateLimit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	if err := store.ValidateRateLimit(key, window); err != nil {
		return 0, fmt.Errorf("hit rate limit: %w", err)
	}
	start, end := store.RateLimitWindow(window, now)
	expiry := item{}
	putExpiry(expiry, end)
	after, err := s.db.Write(ctx, kv.Update(rateLimitKey(key, start), map[string]any{
		"type": string(store.RecordRateLimit), "key": key, "window_start": timeString(start),
		AttrTTL: expiry[AttrTTL], attrExpireNS: expiry[attrExpireNS],
	}, map[string]int64{"count": 1}, nil, nil))
	if err != nil {
		return 0, fmt.Errorf("hit rate limit: %w", err)
	}
	d := decoder{it: after}
	n := d.num("count")
	return wrapResult("hit rate limit", int(n), d.err)
}
