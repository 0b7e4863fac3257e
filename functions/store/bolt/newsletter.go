package bolt

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/okaeri/okaeri/functions/store"
)

// Newsletter buckets.
const (
	bucketSends              = "nl_sends"                // slug -> send
	bucketBatches            = "nl_batches"              // slug 0 batch id -> batch
	bucketDeliveries         = "nl_deliveries"           // slug 0 member id -> delivery
	bucketDeliveriesByMember = "nl_deliveries_by_member" // member id 0 slug -> nil
	bucketSuppressions       = "suppressions"            // email hash -> suppression
	bucketEngagement         = "engagement"              // event id -> engagement
	bucketEngagementByMember = "engagement_by_member"    // member id 0 at event id -> nil
)

// newsletterBuckets lists the newsletter buckets for Open.
func newsletterBuckets() []string {
	return []string{bucketSends, bucketBatches, bucketDeliveries, bucketDeliveriesByMember,
		bucketSuppressions, bucketEngagement, bucketEngagementByMember}
}

func newsletterKey(a, b string) []byte {
	k := append([]byte(a), 0)
	return append(k, b...)
}

// ---- sends

// CreateNewsletterSend implements store.Newsletters.
func (s *Store) CreateNewsletterSend(ctx context.Context, send store.NewsletterSend) (store.NewsletterSend, error) {
	send, err := store.PrepareNewsletterSend(send, s.now())
	if err != nil {
		return store.NewsletterSend{}, fmt.Errorf("create newsletter send: %w", err)
	}
	err = s.update(ctx, func(tx *bolt.Tx) error {
		b := bucket(tx, bucketSends)
		if b.Get([]byte(send.Slug)) != nil {
			return &store.ConflictError{Field: "slug"}
		}
		return putJSON(b, []byte(send.Slug), send)
	})
	if err != nil {
		return store.NewsletterSend{}, fmt.Errorf("create newsletter send: %w", err)
	}
	return send, nil
}

// GetNewsletterSend implements store.Newsletters.
func (s *Store) GetNewsletterSend(ctx context.Context, slug string) (store.NewsletterSend, error) {
	var send store.NewsletterSend
	err := s.view(ctx, func(tx *bolt.Tx) error { return getNewsletterSend(tx, slug, &send) })
	if err != nil {
		return store.NewsletterSend{}, fmt.Errorf("get newsletter send: %w", err)
	}
	return send, nil
}

func getNewsletterSend(tx *bolt.Tx, slug string, send *store.NewsletterSend) error {
	found, err := getJSON(bucket(tx, bucketSends), []byte(slug), send)
	if err != nil {
		return err
	}
	if !found {
		return store.ErrNotFound
	}
	return nil
}

// UpdateNewsletterSend implements store.Newsletters in one write transaction.
func (s *Store) UpdateNewsletterSend(ctx context.Context, slug string, update func(old store.NewsletterSend) (store.NewsletterSend, error)) (store.NewsletterSend, error) {
	var next store.NewsletterSend
	err := s.update(ctx, func(tx *bolt.Tx) error {
		var old store.NewsletterSend
		if err := getNewsletterSend(tx, slug, &old); err != nil {
			return err
		}
		n, err := update(cloneNewsletterSend(old))
		if err != nil {
			return err
		}
		if next, err = store.ApplySendUpdate(old, n, s.now()); err != nil {
			return err
		}
		return putJSON(bucket(tx, bucketSends), []byte(slug), next)
	})
	if err != nil {
		return store.NewsletterSend{}, fmt.Errorf("update newsletter send: %w", err)
	}
	return next, nil
}

func cloneNewsletterSend(s store.NewsletterSend) store.NewsletterSend {
	if s.Source != nil {
		src := make(map[string]string, len(s.Source))
		for k, v := range s.Source {
			src[k] = v
		}
		s.Source = src
	}
	return s
}

// ListNewsletterSends implements store.Newsletters.
func (s *Store) ListNewsletterSends(ctx context.Context) ([]store.NewsletterSend, error) {
	var out []store.NewsletterSend
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		out, err = decodeAll[store.NewsletterSend](bucket(tx, bucketSends))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list newsletter sends: %w", err)
	}
	slices.SortFunc(out, func(a, b store.NewsletterSend) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.Slug, b.Slug))
	})
	return out, nil
}

// ---- batches and deliveries

// ClaimDeliveryBatch implements store.Newsletters: the batch and every
// delivery go in one write transaction, so there is never a half claim.
func (s *Store) ClaimDeliveryBatch(ctx context.Context, b store.DeliveryBatch) (store.DeliveryBatch, error) {
	b, err := store.PrepareDeliveryBatch(b, s.now())
	if err != nil {
		return store.DeliveryBatch{}, fmt.Errorf("claim delivery batch: %w", err)
	}
	var stored store.DeliveryBatch
	err = s.update(ctx, func(tx *bolt.Tx) error {
		var send store.NewsletterSend
		if err := getNewsletterSend(tx, b.Slug, &send); err != nil {
			return err
		}
		batches := bucket(tx, bucketBatches)
		found, err := getJSON(batches, newsletterKey(b.Slug, b.ID), &stored)
		if err != nil {
			return err
		}
		if found && stored.Status != store.BatchClaiming {
			return nil
		}
		stored = b
		stored.Recipients = make([]store.BatchRecipient, 0, len(b.Recipients))
		deliveries := bucket(tx, bucketDeliveries)
		for _, r := range b.Recipients {
			k := newsletterKey(b.Slug, r.MemberID)
			var d store.Delivery
			had, err := getJSON(deliveries, k, &d)
			if err != nil {
				return err
			}
			if had && d.BatchID != b.ID {
				continue
			}
			if !had {
				d = store.Delivery{Slug: b.Slug, MemberID: r.MemberID, BatchID: b.ID, ClaimedAt: b.CreatedAt}
				if err := putJSON(deliveries, k, d); err != nil {
					return err
				}
				if err := bucket(tx, bucketDeliveriesByMember).Put(newsletterKey(r.MemberID, b.Slug), nil); err != nil {
					return err
				}
			}
			stored.Recipients = append(stored.Recipients, r)
		}
		return putJSON(batches, newsletterKey(b.Slug, b.ID), stored)
	})
	if err != nil {
		return store.DeliveryBatch{}, fmt.Errorf("claim delivery batch: %w", err)
	}
	return stored, nil
}

// GetDeliveryBatch implements store.Newsletters.
func (s *Store) GetDeliveryBatch(ctx context.Context, slug, id string) (store.DeliveryBatch, error) {
	var b store.DeliveryBatch
	err := s.view(ctx, func(tx *bolt.Tx) error { return getDeliveryBatch(tx, slug, id, &b) })
	if err != nil {
		return store.DeliveryBatch{}, fmt.Errorf("get delivery batch: %w", err)
	}
	return b, nil
}

func getDeliveryBatch(tx *bolt.Tx, slug, id string, b *store.DeliveryBatch) error {
	if slug == "" || id == "" {
		return store.ErrNotFound
	}
	found, err := getJSON(bucket(tx, bucketBatches), newsletterKey(slug, id), b)
	if err != nil {
		return err
	}
	if !found {
		return store.ErrNotFound
	}
	return nil
}

// UpdateDeliveryBatch implements store.Newsletters in one write transaction.
func (s *Store) UpdateDeliveryBatch(ctx context.Context, slug, id string, update func(old store.DeliveryBatch) (store.DeliveryBatch, error)) (store.DeliveryBatch, error) {
	var next store.DeliveryBatch
	err := s.update(ctx, func(tx *bolt.Tx) error {
		var old store.DeliveryBatch
		if err := getDeliveryBatch(tx, slug, id, &old); err != nil {
			return err
		}
		n, err := update(cloneDeliveryBatch(old))
		if err != nil {
			return err
		}
		if next, err = store.ApplyBatchUpdate(old, n, s.now()); err != nil {
			return err
		}
		return putJSON(bucket(tx, bucketBatches), newsletterKey(slug, id), next)
	})
	if err != nil {
		return store.DeliveryBatch{}, fmt.Errorf("update delivery batch: %w", err)
	}
	return next, nil
}

func cloneDeliveryBatch(b store.DeliveryBatch) store.DeliveryBatch {
	b.Recipients = slices.Clone(b.Recipients)
	return b
}

// ListDeliveryBatches implements store.Newsletters.
func (s *Store) ListDeliveryBatches(ctx context.Context, slug string) ([]store.DeliveryBatch, error) {
	var out []store.DeliveryBatch
	err := s.view(ctx, func(tx *bolt.Tx) error {
		prefix := append([]byte(slug), 0)
		c := bucket(tx, bucketBatches).Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var b store.DeliveryBatch
			if err := json.Unmarshal(v, &b); err != nil {
				return fmt.Errorf("decode: %w", err)
			}
			out = append(out, b)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list delivery batches: %w", err)
	}
	return out, nil
}

// GetDelivery implements store.Newsletters.
func (s *Store) GetDelivery(ctx context.Context, slug, memberID string) (store.Delivery, error) {
	var d store.Delivery
	err := s.view(ctx, func(tx *bolt.Tx) error {
		if slug == "" || memberID == "" {
			return store.ErrNotFound
		}
		found, err := getJSON(bucket(tx, bucketDeliveries), newsletterKey(slug, memberID), &d)
		if err == nil && !found {
			err = store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return store.Delivery{}, fmt.Errorf("get delivery: %w", err)
	}
	return d, nil
}

// ---- suppressions

// Suppress implements store.Suppressions.
func (s *Store) Suppress(ctx context.Context, email string, reason store.SuppressionReason, mark store.SuppressionMark) (bool, error) {
	if err := store.ValidateSuppress(email, reason, mark); err != nil {
		return false, fmt.Errorf("suppress: %w", err)
	}
	mark.At = mark.At.UTC()
	hash := store.EmailHash(email)
	added := false
	err := s.update(ctx, func(tx *bolt.Tx) error {
		added = false
		b := bucket(tx, bucketSuppressions)
		var sup store.Suppression
		if _, err := getJSON(b, []byte(hash), &sup); err != nil {
			return err
		}
		if sup.Has(reason) {
			return nil
		}
		if sup.Reasons == nil {
			sup = store.Suppression{EmailHash: hash, Reasons: map[store.SuppressionReason]store.SuppressionMark{}}
		}
		sup.Reasons[reason] = mark
		added = true
		return putJSON(b, []byte(hash), sup)
	})
	if err != nil {
		return false, fmt.Errorf("suppress: %w", err)
	}
	return added, nil
}

// GetSuppression implements store.Suppressions.
func (s *Store) GetSuppression(ctx context.Context, email string) (store.Suppression, error) {
	var sup store.Suppression
	err := s.view(ctx, func(tx *bolt.Tx) error {
		if store.NormalizeEmail(email) == "" {
			return store.ErrNotFound
		}
		found, err := getJSON(bucket(tx, bucketSuppressions), []byte(store.EmailHash(email)), &sup)
		if err == nil && !found {
			err = store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return store.Suppression{}, fmt.Errorf("get suppression: %w", err)
	}
	return sup, nil
}

// FindSuppressions implements store.Suppressions in one read transaction.
func (s *Store) FindSuppressions(ctx context.Context, hashes []string) (map[string]store.Suppression, error) {
	if len(hashes) > store.MaxBatchRecipients {
		return nil, fmt.Errorf("find suppressions: %w", &store.ValidationError{Field: "emailHashes", Code: "too_many"})
	}
	out := map[string]store.Suppression{}
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b := bucket(tx, bucketSuppressions)
		for _, h := range hashes {
			var sup store.Suppression
			found, err := getJSON(b, []byte(h), &sup)
			if err != nil {
				return err
			}
			if found {
				out[h] = sup
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find suppressions: %w", err)
	}
	return out, nil
}

// Unsuppress implements store.Suppressions.
func (s *Store) Unsuppress(ctx context.Context, email string, reason store.SuppressionReason) error {
	hash := store.EmailHash(email)
	err := s.update(ctx, func(tx *bolt.Tx) error {
		b := bucket(tx, bucketSuppressions)
		var sup store.Suppression
		found, err := getJSON(b, []byte(hash), &sup)
		if err != nil {
			return err
		}
		if !found || !sup.Has(reason) {
			return store.ErrNotFound
		}
		delete(sup.Reasons, reason)
		if len(sup.Reasons) == 0 {
			return b.Delete([]byte(hash))
		}
		return putJSON(b, []byte(hash), sup)
	})
	if err != nil {
		return fmt.Errorf("unsuppress: %w", err)
	}
	return nil
}

// ---- engagement

// RecordEngagement implements store.Newsletters.
func (s *Store) RecordEngagement(ctx context.Context, e store.Engagement) (bool, error) {
	e = e.Normalized()
	if err := e.Validate(); err != nil {
		return false, fmt.Errorf("record engagement: %w", err)
	}
	created := false
	err := s.update(ctx, func(tx *bolt.Tx) error {
		created = false
		b := bucket(tx, bucketEngagement)
		if b.Get([]byte(e.EventID)) != nil {
			return nil
		}
		created = true
		return putEngagement(tx, e)
	})
	if err != nil {
		return false, fmt.Errorf("record engagement: %w", err)
	}
	return created, nil
}

func putEngagement(tx *bolt.Tx, e store.Engagement) error {
	if err := putJSON(bucket(tx, bucketEngagement), []byte(e.EventID), e); err != nil {
		return err
	}
	return bucket(tx, bucketEngagementByMember).Put(engagementMemberKey(e), nil)
}

func engagementMemberKey(e store.Engagement) []byte {
	k := append([]byte(e.MemberID), 0)
	return append(appendTime(k, e.At), e.EventID...)
}

// ListMemberEngagement implements store.Newsletters.
func (s *Store) ListMemberEngagement(ctx context.Context, memberID string) ([]store.Engagement, error) {
	var out []store.Engagement
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		out, _, err = memberEngagementTx(tx, memberID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list member engagement: %w", err)
	}
	return out, nil
}

// memberEngagementTx returns a member's events in order, with their index keys.
func memberEngagementTx(tx *bolt.Tx, memberID string) ([]store.Engagement, [][]byte, error) {
	if memberID == "" {
		return nil, nil, nil
	}
	prefix := append([]byte(memberID), 0)
	var out []store.Engagement
	var keys [][]byte
	c := bucket(tx, bucketEngagementByMember).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		var e store.Engagement
		found, err := getJSON(bucket(tx, bucketEngagement), k[len(prefix)+8:], &e)
		if err != nil {
			return nil, nil, err
		}
		if !found {
			return nil, nil, fmt.Errorf("engagement index points to a missing event")
		}
		out = append(out, e)
		keys = append(keys, append([]byte(nil), k...))
	}
	return out, keys, nil
}

// ---- erasure

// EraseNewsletterMember implements store.Newsletters in one write transaction.
func (s *Store) EraseNewsletterMember(ctx context.Context, memberID string) error {
	err := s.update(ctx, func(tx *bolt.Tx) error {
		if memberID == "" {
			return nil
		}
		prefix := append([]byte(memberID), 0)
		var slugs []string
		c := bucket(tx, bucketDeliveriesByMember).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			slugs = append(slugs, string(k[len(prefix):]))
		}
		for _, slug := range slugs {
			var d store.Delivery
			found, err := getJSON(bucket(tx, bucketDeliveries), newsletterKey(slug, memberID), &d)
			if err != nil {
				return err
			}
			if found {
				if err := blankBatchRecipient(tx, slug, d.BatchID, memberID, s.now()); err != nil {
					return err
				}
				if err := bucket(tx, bucketDeliveries).Delete(newsletterKey(slug, memberID)); err != nil {
					return err
				}
			}
			if err := bucket(tx, bucketDeliveriesByMember).Delete(newsletterKey(memberID, slug)); err != nil {
				return err
			}
		}
		events, keys, err := memberEngagementTx(tx, memberID)
		if err != nil {
			return err
		}
		for i, e := range events {
			if err := bucket(tx, bucketEngagement).Delete([]byte(e.EventID)); err != nil {
				return err
			}
			if err := bucket(tx, bucketEngagementByMember).Delete(keys[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("erase newsletter member: %w", err)
	}
	return nil
}

// blankBatchRecipient removes a member's address and name from a batch,
// counting it as a write (Version, UpdatedAt) so compare-and-swap sees it.
func blankBatchRecipient(tx *bolt.Tx, slug, batchID, memberID string, now time.Time) error {
	var b store.DeliveryBatch
	err := getDeliveryBatch(tx, slug, batchID, &b)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	changed := false
	for i, r := range b.Recipients {
		if r.MemberID == memberID && (r.Email != "" || r.Name != "") {
			b.Recipients[i].Email, b.Recipients[i].Name = "", ""
			changed = true
		}
	}
	if !changed {
		return nil
	}
	b.Version++
	b.UpdatedAt = now.UTC()
	return putJSON(bucket(tx, bucketBatches), newsletterKey(slug, batchID), b)
}

// ---- backup

// importNewsletterRecord writes one exported newsletter record over any
// with its identity, keeping the member indexes in step.
func importNewsletterRecord(tx *bolt.Tx, r store.Record) error {
	switch {
	case r.NewsletterSend != nil:
		return putJSON(bucket(tx, bucketSends), []byte(r.NewsletterSend.Slug), r.NewsletterSend)
	case r.DeliveryBatch != nil:
		b := r.DeliveryBatch
		return putJSON(bucket(tx, bucketBatches), newsletterKey(b.Slug, b.ID), b)
	case r.Delivery != nil:
		d := r.Delivery
		if err := putJSON(bucket(tx, bucketDeliveries), newsletterKey(d.Slug, d.MemberID), d); err != nil {
			return err
		}
		return bucket(tx, bucketDeliveriesByMember).Put(newsletterKey(d.MemberID, d.Slug), nil)
	case r.Suppression != nil:
		return putJSON(bucket(tx, bucketSuppressions), []byte(r.Suppression.EmailHash), r.Suppression)
	case r.Engagement != nil:
		var old store.Engagement
		found, err := getJSON(bucket(tx, bucketEngagement), []byte(r.Engagement.EventID), &old)
		if err != nil {
			return err
		}
		if found {
			if err := bucket(tx, bucketEngagementByMember).Delete(engagementMemberKey(old)); err != nil {
				return err
			}
		}
		return putEngagement(tx, *r.Engagement)
	}
	return nil
}
