package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/okaeri/okaeri/functions/store"
)

// Export implements store.Backup. It reads each bucket in chunks of
// exportChunk keys, one read transaction per chunk, and calls fn outside any
// transaction, so a slow writer downstream never blocks the database.
func (s *Store) Export(ctx context.Context, now time.Time, fn func(store.Record) error) error {
	buckets := []struct {
		name   string
		decode func([]byte) (store.Record, error)
	}{
		{bucketMembers, decodeRecord(func(m *store.Member) store.Record { return store.Record{Member: m} })},
		{bucketTokens, decodeRecord(func(t *store.Token) store.Record { return store.Record{Token: t} })},
		{bucketSessions, decodeRecord(func(s *store.Session) store.Record { return store.Record{Session: s} })},
		{bucketIdempotency, decodeRecord(func(r *store.IdempotencyRecord) store.Record { return store.Record{Idempotency: r} })},
		{bucketAudit, decodeRecord(func(e *store.AuditEntry) store.Record { return store.Record{Audit: e} })},
		{bucketRateLimits, decodeRecord(func(c *store.RateLimitCounter) store.Record { return store.Record{RateLimit: c} })},
		{bucketRoster, decodeRecord(func(e *store.RosterEntry) store.Record { return store.Record{Roster: e} })},
		{bucketEvents, decodeRecord(func(e *store.Event) store.Record { return store.Record{Event: e} })},
		{bucketRSVPs, decodeRecord(func(r *store.RSVP) store.Record { return store.Record{RSVP: r} })},
		{bucketJobs, decodeRecord(func(j *store.Job) store.Record { return store.Record{Job: j} })},
		{bucketApplications, decodeRecord(func(a *store.Application) store.Record { return store.Record{Application: a} })},
		{bucketReferrals, decodeRecord(func(r *store.Referral) store.Record { return store.Record{Referral: r} })},
		{bucketSends, decodeRecord(func(n *store.NewsletterSend) store.Record { return store.Record{NewsletterSend: n} })},
		{bucketBatches, decodeRecord(func(b *store.DeliveryBatch) store.Record { return store.Record{DeliveryBatch: b} })},
		{bucketDeliveries, decodeRecord(func(d *store.Delivery) store.Record { return store.Record{Delivery: d} })},
		{bucketSuppressions, decodeRecord(func(s *store.Suppression) store.Record { return store.Record{Suppression: s} })},
		{bucketEngagement, decodeRecord(func(e *store.Engagement) store.Record { return store.Record{Engagement: e} })},
	}
	for _, b := range buckets {
		var after []byte
		for {
			var chunk []store.Record
			var last []byte
			err := s.view(ctx, func(tx *bolt.Tx) error {
				c := bucket(tx, b.name).Cursor()
				k, v := c.First()
				if after != nil {
					k, v = c.Seek(after)
					if k != nil && bytes.Equal(k, after) {
						k, v = c.Next()
					}
				}
				for ; k != nil && len(chunk) < exportChunk; k, v = c.Next() {
					r, err := b.decode(v)
					if err != nil {
						return fmt.Errorf("%s %q: %w", b.name, k, err)
					}
					chunk = append(chunk, r)
					last = append(last[:0], k...)
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("export: %w", err)
			}
			for _, r := range chunk {
				if r.Expired(now) {
					continue
				}
				if err := fn(r); err != nil {
					return err
				}
			}
			if len(chunk) < exportChunk {
				break
			}
			after = append([]byte(nil), last...)
		}
	}
	return nil
}

// decodeRecord returns a decoder of one bucket's values into Records.
func decodeRecord[T any](wrap func(*T) store.Record) func([]byte) (store.Record, error) {
	return func(v []byte) (store.Record, error) {
		item := new(T)
		if err := json.Unmarshal(v, item); err != nil {
			return store.Record{}, fmt.Errorf("decode: %w", err)
		}
		return wrap(item), nil
	}
}

// Import implements store.Backup. It uses bbolt's Batch, so an importer that
// calls it from several goroutines gets many records per fsync.
func (s *Store) Import(ctx context.Context, r store.Record) error {
	r = r.Normalized()
	if err := r.Validate(); err != nil {
		return fmt.Errorf("import %s: %w", r.Type(), err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	err := s.db.Batch(func(tx *bolt.Tx) error {
		switch {
		case r.Member != nil:
			return importMember(tx, *r.Member)
		case r.Token != nil:
			var old store.Token
			found, err := getJSON(bucket(tx, bucketTokens), []byte(r.Token.Hash), &old)
			if err != nil {
				return err
			}
			if found && !old.UsedAt.IsZero() && r.Token.UsedAt.IsZero() {
				return nil
			}
			return putJSON(bucket(tx, bucketTokens), []byte(r.Token.Hash), r.Token)
		case r.Session != nil:
			var old store.Session
			found, err := getJSON(bucket(tx, bucketSessions), []byte(r.Session.ID), &old)
			if err != nil {
				return err
			}
			if found {
				if err := deleteSession(tx, old); err != nil {
					return err
				}
			}
			return putSession(tx, *r.Session)
		case r.Idempotency != nil:
			return putJSON(bucket(tx, bucketIdempotency), []byte(r.Idempotency.Key), r.Idempotency)
		case r.Audit != nil:
			var old store.AuditEntry
			found, err := getJSON(bucket(tx, bucketAudit), []byte(r.Audit.ID), &old)
			if err != nil {
				return err
			}
			if found {
				if err := deleteAudit(tx, old); err != nil {
					return err
				}
			}
			return putAudit(tx, *r.Audit)
		case r.RateLimit != nil:
			return putJSON(bucket(tx, bucketRateLimits), rateLimitKey(*r.RateLimit), r.RateLimit)
		case r.Roster != nil:
			return putRosterEntry(tx, *r.Roster)
		case r.Event != nil:
			return putJSON(bucket(tx, bucketEvents), []byte(r.Event.ID), r.Event)
		case r.RSVP != nil:
			return importRSVP(tx, *r.RSVP)
		case r.Job != nil:
			return putJSON(bucket(tx, bucketJobs), []byte(r.Job.ID), r.Job)
		case r.Application != nil:
			return importApplication(tx, *r.Application)
		case r.Referral != nil:
			return importReferral(tx, *r.Referral)
		case r.NewsletterSend != nil, r.DeliveryBatch != nil, r.Delivery != nil, r.Suppression != nil, r.Engagement != nil:
			return importNewsletterRecord(tx, r)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("import %s: %w", r.Type(), err)
	}
	return nil
}

func importMember(tx *bolt.Tx, m store.Member) error {
	old, err := getMember(tx, m.ID)
	found := err == nil
	if err != nil && err != store.ErrNotFound {
		return err
	}
	if err := checkUnique(tx, m, m.ID); err != nil {
		return err
	}
	if found {
		if err := deleteMemberIndexes(tx, old); err != nil {
			return err
		}
	}
	return putMember(tx, m)
}
