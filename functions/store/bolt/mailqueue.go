package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/okaeri/okaeri/functions/store"
)

// bucketMailQueue holds the mail queue: createdAt id -> item, so a cursor
// walks it oldest first. bbolt serializes writers, so a claim (read, check
// the lease, write) inside one write transaction is exclusive.
const bucketMailQueue = "mail_queue"

func mailKey(m store.QueuedMail) []byte {
	return append(appendTime(nil, m.CreatedAt), m.ID...)
}

// EnqueueMail implements store.MailQueue.
func (s *Store) EnqueueMail(ctx context.Context, m store.QueuedMail) (store.QueuedMail, error) {
	m, err := store.PrepareQueuedMail(m)
	if err != nil {
		return store.QueuedMail{}, fmt.Errorf("enqueue mail: %w", err)
	}
	err = s.update(ctx, func(tx *bolt.Tx) error {
		b := bucket(tx, bucketMailQueue)
		if b.Get(mailKey(m)) != nil {
			return &store.ConflictError{Field: "id"}
		}
		return putJSON(b, mailKey(m), m)
	})
	if err != nil {
		return store.QueuedMail{}, fmt.Errorf("enqueue mail: %w", err)
	}
	return m, nil
}

// ClaimMail implements store.MailQueue in one write transaction: it walks
// the queue oldest first, leases what is due and removes what has expired.
func (s *Store) ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.QueuedMail, error) {
	if err := store.ValidateMailClaim(lease, limit); err != nil {
		return nil, fmt.Errorf("claim mail: %w", err)
	}
	now = now.UTC()
	var claimed []store.QueuedMail
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := bucket(tx, bucketMailQueue)
		var gone, leased [][]byte
		var items []store.QueuedMail
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(items) < limit; k, v = c.Next() {
			var m store.QueuedMail
			if err := json.Unmarshal(v, &m); err != nil {
				return fmt.Errorf("decode %q: %w", k, err)
			}
			switch {
			case m.Expired(now):
				gone = append(gone, append([]byte(nil), k...))
			case m.Due(now):
				m.LeaseUntil = now.Add(lease)
				m.Attempts++
				items = append(items, m)
				leased = append(leased, append([]byte(nil), k...))
			}
		}
		// Written after the walk: a bucket must not change under its cursor.
		if err := deleteKeys(b, gone); err != nil {
			return err
		}
		for i, m := range items {
			if err := putJSON(b, leased[i], m); err != nil {
				return err
			}
		}
		claimed = items
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim mail: %w", err)
	}
	return claimed, nil
}

// RetryMail implements store.MailQueue.
func (s *Store) RetryMail(ctx context.Context, m store.QueuedMail, at time.Time) error {
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := bucket(tx, bucketMailQueue)
		var cur store.QueuedMail
		ok, err := getJSON(b, mailKey(m), &cur)
		switch {
		case err != nil:
			return err
		case !ok:
			return store.ErrNotFound
		case cur.Attempts != m.Attempts:
			return store.ErrPrecondition
		}
		cur.LeaseUntil = at.UTC()
		return putJSON(b, mailKey(m), cur)
	})
	if err != nil {
		return fmt.Errorf("retry mail: %w", err)
	}
	return nil
}

// DeleteMail implements store.MailQueue.
func (s *Store) DeleteMail(ctx context.Context, m store.QueuedMail) error {
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := bucket(tx, bucketMailQueue)
		k := mailKey(m)
		if b.Get(k) == nil {
			return store.ErrNotFound
		}
		return b.Delete(k)
	})
	if err != nil {
		return fmt.Errorf("delete mail: %w", err)
	}
	return nil
}
