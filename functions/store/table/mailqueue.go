package table

import (
	"context"
	"fmt"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	kv "github.com/okaeri/okaeri/functions/store/item"
)

// The mail queue is one partition, MAILQ, sorted by creation time: a
// consistent Query reads it oldest first, and a claim is a conditional
// update on the item's attempts counter and lease, so two claimers
// never both win an item. It is a queue of requests' answers (verification
// and login links, notices), a few a minute: far below one partition's
// 1,000 writes a second. The table's stream starts the mailer function on
// each new item (infra/template.yaml filters on PK = MAILQ and INSERT).
const (
	// MailQueuePartition is the queue's partition key, which the mailer
	// function's IAM policy names (dynamodb:LeadingKeys).
	MailQueuePartition = "MAILQ"
	typeMailQueue      = "mail-queue"
)

func mailQueueKey(m store.QueuedMail) kv.Key {
	return key(MailQueuePartition, sortTime(m.CreatedAt)+"#"+m.ID)
}

// leaseNanos is LeaseUntil as the lease_ns attribute: 0 for "at once".
func leaseNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return unixNano(t)
}

func init() { indexTypes(typeMailQueue) } // never exported: see store.MailQueue

func mailQueueItem(m store.QueuedMail) item {
	it := with(mailQueueKey(m), item{
		"type":       str(typeMailQueue),
		"id":         str(m.ID),
		"payload":    append([]byte{}, m.Payload...),
		"created_at": timeAttr(m.CreatedAt),
		"lease_ns":   num(leaseNanos(m.LeaseUntil)),
		"attempts":   num(int64(m.Attempts)),
	})
	putExpiry(it, m.ExpiresAt)
	return it
}

func decodeQueuedMail(it item) (store.QueuedMail, error) {
	d := decoder{it: it}
	m := store.QueuedMail{
		ID:        d.str("id"),
		CreatedAt: d.time("created_at"),
		Attempts:  int(d.num("attempts")),
		ExpiresAt: d.nanos(attrExpireNS),
	}
	if ns := d.num("lease_ns"); ns != 0 {
		m.LeaseUntil = time.Unix(0, ns).UTC()
	}
	if b, ok := it["payload"].([]byte); ok {
		m.Payload = b
	} else {
		d.fail("payload", "not binary")
	}
	return wrapResult("decode queued mail", m, d.err)
}

// EnqueueMail implements store.MailQueue with one Put on condition that
// the item is new.
func (s *Store) EnqueueMail(ctx context.Context, m store.QueuedMail) (store.QueuedMail, error) {
	m, err := store.PrepareQueuedMail(m)
	if err != nil {
		return store.QueuedMail{}, fmt.Errorf("enqueue mail: %w", err)
	}
	err = failedAs(s.putNew(ctx, "enqueue mail", mailQueueItem(m)), &store.ConflictError{Field: "id"})
	return wrapResult("enqueue mail", m, err)
}

// ClaimMail implements store.MailQueue: a consistent Query of the MAILQ
// partition, oldest first, keeping what is due; then per candidate an
// update that takes the lease on condition that nobody claimed it since it
// was read (attempts unchanged) and that it is still due. A failed
// condition is another claimer's win: that item is skipped.
func (s *Store) ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.QueuedMail, error) {
	if err := store.ValidateMailClaim(lease, limit); err != nil {
		return nil, fmt.Errorf("claim mail: %w", err)
	}
	now = now.UTC()
	nowNS := unixNano(now)
	q := kv.Query{PK: MailQueuePartition, Limit: 100}
	var claimed []store.QueuedMail
	for len(claimed) < limit {
		p, err := s.db.Query(ctx, q)
		if err != nil {
			return claimed, fmt.Errorf("claim mail: %w", err)
		}
		for _, cand := range p.Items {
			if len(claimed) == limit {
				break
			}
			d := decoder{it: cand}
			if d.num("lease_ns") > nowNS || d.num(attrExpireNS) <= nowNS {
				continue // leased or expired
			}
			m, won, err := s.claimOne(ctx, cand, now, lease)
			if err != nil {
				return claimed, fmt.Errorf("claim mail: %w", err)
			}
			if won {
				claimed = append(claimed, m)
			}
		}
		if p.Cursor == "" {
			break
		}
		q.Cursor = p.Cursor
	}
	return claimed, nil
}

func (s *Store) claimOne(ctx context.Context, cand item, now time.Time, lease time.Duration) (store.QueuedMail, bool, error) {
	read, ok := cand["attempts"].(int64)
	if !ok {
		return store.QueuedMail{}, false, nil
	}
	nowNS := unixNano(now)
	after, err := s.writeClaim(ctx, kv.Update(cand.Key(),
		map[string]any{"lease_ns": unixNano(now.Add(lease))}, map[string]int64{"attempts": 1}, nil,
		kv.And(kv.Eq("attempts", read), kv.Le("lease_ns", nowNS), kv.Gt(attrExpireNS, nowNS))))
	if _, failed := conditionFailed(err); failed {
		return store.QueuedMail{}, false, nil // claimed by another, or gone
	}
	if err != nil {
		return store.QueuedMail{}, false, err
	}
	m, err := decodeQueuedMail(after)
	if err != nil {
		return store.QueuedMail{}, false, err
	}
	return m, true, nil
}

// RetryMail implements store.MailQueue: an update of the lease on
// condition that the item's attempts are still the caller's claim.
func (s *Store) RetryMail(ctx context.Context, m store.QueuedMail, at time.Time) error {
	err := s.write(ctx, kv.Update(mailQueueKey(m), map[string]any{"lease_ns": leaseNanos(at.UTC())}, nil, nil,
		kv.And(kv.Exists(), kv.Eq("attempts", int64(m.Attempts)))))
	if cur, failed := conditionFailed(err); failed {
		if cur == nil {
			return fmt.Errorf("retry mail: %w", store.ErrNotFound)
		}
		return fmt.Errorf("retry mail: %w", store.ErrPrecondition)
	}
	return wrapOp("retry mail", err)
}

// DeleteMail implements store.MailQueue.
func (s *Store) DeleteMail(ctx context.Context, m store.QueuedMail) error {
	return wrapOp("delete mail", s.deleteExisting(ctx, "delete mail", mailQueueKey(m)))
}
