package table

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/okaeri/okaeri/functions/store"
	kv "github.com/okaeri/okaeri/functions/store/item"
	"github.com/okaeri/okaeri/functions/waitctx"
)

// Newsletters (docs/dynamodb.md, "Newsletters"):
//
//	send        NEWSLETTER#<slug>          SEND         GSI1: NEWSLETTERS / <createdAt>#<slug>
//	batch       NEWSLETTER#<slug>          BATCH#<id>
//	delivery    DELIVERY#<slug>#<member>   DELIVERY     one partition per recipient: a send
//	                                                    claims thousands a minute, which one
//	                                                    partition (1,000 writes/s) would throttle
//	suppression SUPPRESS#<email hash>      SUPPRESS     one attribute per reason
//	engagement  MEMBER#<member>            ENGAGE#<sg_event_id>
//	first       MEMBER#<member>            NLFIRST#<slug>#<type>   the member's first event of
//	                                                    a type for a send: counted once (derived)
//
// Sends and batches keep their fields in a JSON "data" attribute beside the
// few attributes that conditions read (status, version).
const (
	skSend              = "SEND"
	skDelivery          = "DELIVERY"
	skSuppression       = "SUPPRESS"
	gsiSendsPartition   = "NEWSLETTERS"
	typeNewsletterSend  = string(store.RecordNewsletterSend)
	typeDeliveryBatch   = string(store.RecordDeliveryBatch)
	typeDelivery        = string(store.RecordDelivery)
	typeSuppression     = string(store.RecordSuppression)
	typeEngagement      = string(store.RecordEngagement)
	typeMemberDelivery  = "member_delivery"
	typeFirstEngagement = "engagement_first"
	claimConcurrency    = 16
	suppressionReasonAt = "reason_"
)

func newsletterPartition(slug string) string   { return "NEWSLETTER#" + slug }
func newsletterSendKey(slug string) kv.Key     { return key(newsletterPartition(slug), skSend) }
func deliveryBatchKey(slug, id string) kv.Key  { return key(newsletterPartition(slug), "BATCH#"+id) }
func deliveryKey(slug, memberID string) kv.Key { return key("DELIVERY#"+slug+"#"+memberID, skDelivery) }
func suppressionKey(hash string) kv.Key        { return key("SUPPRESS#"+hash, skSuppression) }
func engagementKey(memberID, eventID string) kv.Key {
	return key("MEMBER#"+memberID, "ENGAGE#"+eventID)
}

// memberDeliveryKey is the member-side index of a delivery: erasure finds
// a member's deliveries with a consistent read of their partition, not
// through the sends GSI1 lists, which may lag behind a send just created.
func memberDeliveryKey(memberID, slug string) kv.Key {
	return key("MEMBER#"+memberID, memberDeliveryPrefix+slug)
}

const memberDeliveryPrefix = "NLDELIVERY#"

// firstEngagementKey marks that a member's first event of type t for a send
// was counted (store.CounterEngaged).
func firstEngagementKey(memberID, slug string, t store.EngagementType) kv.Key {
	return key("MEMBER#"+memberID, firstEngagementPrefix+slug+"#"+string(t))
}

const firstEngagementPrefix = "NLFIRST#"

func memberDeliveryItem(d store.Delivery) item {
	return with(memberDeliveryKey(d.MemberID, d.Slug), item{"type": str(typeMemberDelivery), "slug": str(d.Slug)})
}

// putDelivery puts d with its member-side index, on cond.
func (s *Store) putDelivery(ctx context.Context, d store.Delivery, cond kv.Cond) error {
	return s.transact(ctx, "put delivery", []kv.Op{kv.Put(deliveryItem(d), cond), kv.Put(memberDeliveryItem(d), nil)})
}

// reasonAttr is the attribute holding one suppression reason's mark.
func reasonAttr(r store.SuppressionReason) string { return suppressionReasonAt + string(r) }

func init() {
	recordOf(typeNewsletterSend, decodeNewsletterSend, func(v *store.NewsletterSend) store.Record { return store.Record{NewsletterSend: v} },
		func(s *Store, ctx context.Context, r store.Record) error {
			it, err := newsletterSendItem(*r.NewsletterSend)
			if err != nil {
				return err
			}
			return s.put(ctx, it)
		})
	recordOf(typeDeliveryBatch, decodeDeliveryBatch, func(b *store.DeliveryBatch) store.Record { return store.Record{DeliveryBatch: b} },
		func(s *Store, ctx context.Context, r store.Record) error {
			it, err := deliveryBatchItem(*r.DeliveryBatch)
			if err != nil {
				return err
			}
			return s.put(ctx, it)
		})
	recordOf(typeDelivery, decodeDelivery, func(d *store.Delivery) store.Record { return store.Record{Delivery: d} },
		func(s *Store, ctx context.Context, r store.Record) error {
			return s.putDelivery(ctx, *r.Delivery, nil)
		})
	recordOf(typeSuppression, decodeSuppression, func(sup *store.Suppression) store.Record { return store.Record{Suppression: sup} },
		func(s *Store, ctx context.Context, r store.Record) error {
			return s.put(ctx, suppressionItem(*r.Suppression))
		})
	recordOf(typeEngagement, decodeEngagement, func(e *store.Engagement) store.Record { return store.Record{Engagement: e} },
		func(s *Store, ctx context.Context, r store.Record) error {
			_, err := s.recordEngagement(ctx, r.Engagement.Normalized(), nil)
			return err
		})
	indexTypes(typeMemberDelivery, typeFirstEngagement)
}

// newsletterData is v as the JSON "data" attribute.
func newsletterData(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return str(string(b)), nil
}

func decodeNewsletterData(it item, v any) error {
	d := decoder{it: it}
	s := d.str("data")
	if d.err != nil {
		return d.err
	}
	if s == "" {
		return errors.New("item has no data")
	}
	return json.Unmarshal([]byte(s), v)
}

// putNewsletterAtVersion writes it if the stored item is at version;
// errVersionChanged otherwise (a missing item included: the caller's
// re-read then reports ErrNotFound).
func (s *Store) putNewsletterAtVersion(ctx context.Context, it item, version int64) error {
	return failedAs(s.write(ctx, kv.Put(it, kv.Eq("version", version))), errVersionChanged)
}

// ---- sends

func newsletterSendItem(s store.NewsletterSend) (item, error) {
	data, err := newsletterData(s)
	if err != nil {
		return nil, err
	}
	return with(newsletterSendKey(s.Slug), item{
		"type":     str(typeNewsletterSend),
		"slug":     str(s.Slug),
		"status":   str(string(s.Status)),
		"version":  num(s.Version),
		"data":     data,
		AttrGSI1PK: str(gsiSendsPartition),
		AttrGSI1SK: str(sortTime(s.CreatedAt) + "#" + s.Slug),
	}), nil
}

func decodeNewsletterSend(it item) (store.NewsletterSend, error) {
	var s store.NewsletterSend
	if err := decodeNewsletterData(it, &s); err != nil {
		return store.NewsletterSend{}, fmt.Errorf("decode newsletter send: %w", err)
	}
	return s, nil
}

// CreateNewsletterSend implements store.Newsletters with a Put on condition
// that the slug has no send.
func (s *Store) CreateNewsletterSend(ctx context.Context, send store.NewsletterSend) (store.NewsletterSend, error) {
	send, err := store.PrepareNewsletterSend(send, s.now())
	if err != nil {
		return store.NewsletterSend{}, fmt.Errorf("create newsletter send: %w", err)
	}
	it, err := newsletterSendItem(send)
	if err != nil {
		return store.NewsletterSend{}, fmt.Errorf("create newsletter send: %w", err)
	}
	err = failedAs(s.putNew(ctx, "create newsletter send", it), &store.ConflictError{Field: "slug"})
	return wrapResult("create newsletter send", send, err)
}

// GetNewsletterSend implements store.Newsletters.
func (s *Store) GetNewsletterSend(ctx context.Context, slug string) (store.NewsletterSend, error) {
	send, err := s.getNewsletterSend(ctx, slug)
	return wrapResult("get newsletter send", send, err)
}

func (s *Store) getNewsletterSend(ctx context.Context, slug string) (store.NewsletterSend, error) {
	if slug == "" {
		return store.NewsletterSend{}, store.ErrNotFound
	}
	return getDecoded(ctx, s, "get newsletter send", newsletterSendKey(slug), decodeNewsletterSend)
}

// UpdateNewsletterSend implements store.Newsletters as compare-and-swap on
// the version attribute; a lost race is re-read and re-applied.
func (s *Store) UpdateNewsletterSend(ctx context.Context, slug string, update func(old store.NewsletterSend) (store.NewsletterSend, error)) (store.NewsletterSend, error) {
	var next store.NewsletterSend
	err := retryRaces(ctx, 0, versionChanged, func() error {
		old, err := s.getNewsletterSend(ctx, slug)
		if err != nil {
			return err
		}
		n, err := update(cloneNewsletterSend(old))
		if err != nil {
			return err
		}
		if next, err = store.ApplySendUpdate(old, n, s.now()); err != nil {
			return err
		}
		it, err := newsletterSendItem(next)
		if err != nil {
			return err
		}
		return s.putNewsletterAtVersion(ctx, it, old.Version)
	})
	return wrapResult("update newsletter send", next, err)
}

func cloneNewsletterSend(s store.NewsletterSend) store.NewsletterSend {
	s.Source = maps.Clone(s.Source)
	return s
}

// ListNewsletterSends implements store.Newsletters with a Query on GSI1
// (GSI1PK = NEWSLETTERS): eventually consistent, so a send created a moment
// ago may be missing. A company sends a few a month.
func (s *Store) ListNewsletterSends(ctx context.Context) ([]store.NewsletterSend, error) {
	out, err := queryAllOf(ctx, s, kv.Query{Index: IndexGSI1, PK: gsiSendsPartition}, decodeNewsletterSend)
	if err != nil {
		return nil, fmt.Errorf("list newsletter sends: %w", err)
	}
	slices.SortFunc(out, func(a, b store.NewsletterSend) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), cmp.Compare(a.Slug, b.Slug))
	})
	return out, nil
}

// ---- batches and deliveries

func deliveryBatchItem(b store.DeliveryBatch) (item, error) {
	data, err := newsletterData(b)
	if err != nil {
		return nil, err
	}
	return with(deliveryBatchKey(b.Slug, b.ID), item{
		"type":    str(typeDeliveryBatch),
		"status":  str(string(b.Status)),
		"version": num(b.Version),
		"data":    data,
	}), nil
}

func decodeDeliveryBatch(it item) (store.DeliveryBatch, error) {
	var b store.DeliveryBatch
	if err := decodeNewsletterData(it, &b); err != nil {
		return store.DeliveryBatch{}, fmt.Errorf("decode delivery batch: %w", err)
	}
	return b, nil
}

func deliveryItem(d store.Delivery) item {
	return with(deliveryKey(d.Slug, d.MemberID), item{
		"type":       str(typeDelivery),
		"slug":       str(d.Slug),
		"member_id":  str(d.MemberID),
		"batch_id":   str(d.BatchID),
		"claimed_at": timeAttr(d.ClaimedAt),
	})
}

func decodeDelivery(it item) (store.Delivery, error) {
	d := decoder{it: it}
	out := store.Delivery{Slug: d.str("slug"), MemberID: d.str("member_id"), BatchID: d.str("batch_id"), ClaimedAt: d.time("claimed_at")}
	return wrapResult("decode delivery", out, d.err)
}

// ClaimDeliveryBatch implements store.Newsletters. A batch of 1,000 cannot
// be one transaction (100 items at most), so the claim is three steps that
// a retry completes from any point: the batch is written in BatchClaiming
// with every intended recipient; each delivery is put on condition that
// the member has none or has this batch's; then the batch becomes claimed
// with the recipients whose delivery is this batch's. A batch left in
// claiming is never sent, so a crash between the steps loses nothing, and
// no delivery ever names a batch that is not stored.
func (s *Store) ClaimDeliveryBatch(ctx context.Context, b store.DeliveryBatch) (store.DeliveryBatch, error) {
	b, err := store.PrepareDeliveryBatch(b, s.now())
	if err != nil {
		return store.DeliveryBatch{}, fmt.Errorf("claim delivery batch: %w", err)
	}
	stored, err := s.claimDeliveryBatch(ctx, b)
	return wrapResult("claim delivery batch", stored, err)
}

func (s *Store) claimDeliveryBatch(ctx context.Context, b store.DeliveryBatch) (store.DeliveryBatch, error) {
	if _, err := s.getNewsletterSend(ctx, b.Slug); err != nil {
		return store.DeliveryBatch{}, err
	}
	intent := b
	intent.Status = store.BatchClaiming
	it, err := deliveryBatchItem(intent)
	if err != nil {
		return store.DeliveryBatch{}, err
	}
	err = s.putNew(ctx, "claim delivery batch", it)
	if cur, failed := conditionFailed(err); failed {
		// The id is taken: by a finished claim (returned as it is) or by an
		// interrupted one, whose intended recipients this call completes.
		if intent, err = s.batchAsFound(ctx, cur, b.Slug, b.ID); err != nil {
			return store.DeliveryBatch{}, err
		}
		if intent.Status != store.BatchClaiming {
			return intent, nil
		}
	} else if err != nil {
		return store.DeliveryBatch{}, err
	}

	mine, err := s.claimDeliveries(ctx, intent)
	if err != nil {
		return store.DeliveryBatch{}, err
	}
	final := intent
	final.Status = store.BatchClaimed
	final.Recipients = make([]store.BatchRecipient, 0, len(intent.Recipients))
	for i, r := range intent.Recipients {
		if mine[i] {
			final.Recipients = append(final.Recipients, r)
		}
	}
	fit, err := deliveryBatchItem(final)
	if err != nil {
		return store.DeliveryBatch{}, err
	}
	err = s.write(ctx, kv.Put(fit, kv.Eq("status", string(store.BatchClaiming))))
	if cur, failed := conditionFailed(err); failed {
		// Another caller finished the same claim first: theirs is the batch.
		return s.batchAsFound(ctx, cur, b.Slug, b.ID)
	}
	if err != nil {
		return store.DeliveryBatch{}, err
	}
	return final, nil
}

// batchAsFound decodes the batch a failed condition reported, reading it
// when the engine did not return it.
func (s *Store) batchAsFound(ctx context.Context, cur item, slug, id string) (store.DeliveryBatch, error) {
	if len(cur) == 0 {
		return s.getDeliveryBatch(ctx, slug, id)
	}
	return decodeDeliveryBatch(cur)
}

// claimDeliveries puts each intended recipient's delivery, claimConcurrency
// at a time, and reports for each whether the member is this batch's. It
// stops starting new puts at the first error.
func (s *Store) claimDeliveries(ctx context.Context, b store.DeliveryBatch) ([]bool, error) {
	mine := make([]bool, len(b.Recipients))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	failed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return firstErr != nil
	}
	sem := make(chan struct{}, claimConcurrency)
	for i, r := range b.Recipients {
		if failed() {
			break
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ok, err := s.claimDelivery(ctx, store.Delivery{Slug: b.Slug, MemberID: r.MemberID, BatchID: b.ID, ClaimedAt: b.CreatedAt})
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			mine[i] = ok
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return mine, nil
}

// claimDelivery puts a member's delivery for this batch unless they have
// one for another batch, and reports whether the member is this batch's.
func (s *Store) claimDelivery(ctx context.Context, d store.Delivery) (bool, error) {
	err := s.putDelivery(ctx, d, kv.Or(kv.NotExists(), kv.Eq("batch_id", d.BatchID)))
	if i, _, failed := failedAt(err); failed && i == 0 {
		return false, nil
	}
	return err == nil, err
}

// GetDeliveryBatch implements store.Newsletters.
func (s *Store) GetDeliveryBatch(ctx context.Context, slug, id string) (store.DeliveryBatch, error) {
	b, err := s.getDeliveryBatch(ctx, slug, id)
	return wrapResult("get delivery batch", b, err)
}

func (s *Store) getDeliveryBatch(ctx context.Context, slug, id string) (store.DeliveryBatch, error) {
	if slug == "" || id == "" {
		return store.DeliveryBatch{}, store.ErrNotFound
	}
	return getDecoded(ctx, s, "get delivery batch", deliveryBatchKey(slug, id), decodeDeliveryBatch)
}

// UpdateDeliveryBatch implements store.Newsletters as compare-and-swap on
// the version attribute, so only one runner wins claimed -> sending.
func (s *Store) UpdateDeliveryBatch(ctx context.Context, slug, id string, update func(old store.DeliveryBatch) (store.DeliveryBatch, error)) (store.DeliveryBatch, error) {
	next, err := s.updateDeliveryBatch(ctx, slug, id, func(old store.DeliveryBatch) (store.DeliveryBatch, error) {
		n, err := update(cloneDeliveryBatch(old))
		if err != nil {
			return store.DeliveryBatch{}, err
		}
		return store.ApplyBatchUpdate(old, n, s.now())
	})
	return wrapResult("update delivery batch", next, err)
}

// updateDeliveryBatch is the compare-and-swap loop behind UpdateDeliveryBatch
// and erasure; apply returns the batch to store (its Version already raised,
// or unchanged for nothing to write).
func (s *Store) updateDeliveryBatch(ctx context.Context, slug, id string, apply func(old store.DeliveryBatch) (store.DeliveryBatch, error)) (store.DeliveryBatch, error) {
	var next store.DeliveryBatch
	err := retryRaces(ctx, 0, versionChanged, func() error {
		old, err := s.getDeliveryBatch(ctx, slug, id)
		if err != nil {
			return err
		}
		if next, err = apply(old); err != nil {
			return err
		}
		if next.Version == old.Version {
			next = old
			return nil // nothing to write
		}
		it, err := deliveryBatchItem(next)
		if err != nil {
			return err
		}
		return s.putNewsletterAtVersion(ctx, it, old.Version)
	})
	if err != nil {
		return store.DeliveryBatch{}, err
	}
	return next, nil
}

func cloneDeliveryBatch(b store.DeliveryBatch) store.DeliveryBatch {
	b.Recipients = slices.Clone(b.Recipients)
	return b
}

// ListDeliveryBatches implements store.Newsletters: one consistent Query of
// the send's partition (PK = NEWSLETTER#<slug>, SK begins with BATCH#).
func (s *Store) ListDeliveryBatches(ctx context.Context, slug string) ([]store.DeliveryBatch, error) {
	if slug == "" {
		return nil, nil
	}
	out, err := queryAllOf(ctx, s, kv.Query{PK: newsletterPartition(slug), Prefix: "BATCH#"}, decodeDeliveryBatch)
	return wrapResult("list delivery batches", out, err)
}

// GetDelivery implements store.Newsletters.
func (s *Store) GetDelivery(ctx context.Context, slug, memberID string) (store.Delivery, error) {
	if slug == "" || memberID == "" {
		return store.Delivery{}, fmt.Errorf("get delivery: %w", store.ErrNotFound)
	}
	d, err := getDecoded(ctx, s, "get delivery", deliveryKey(slug, memberID), decodeDelivery)
	return wrapResult("get delivery", d, err)
}

// ---- suppressions

func suppressionMarkValue(m store.SuppressionMark) any {
	v := item{"at": timeAttr(m.At)}
	putStr(v, "event_id", m.EventID)
	putStr(v, "slug", m.Slug)
	return map[string]any(v)
}

func suppressionItem(sup store.Suppression) item {
	it := with(suppressionKey(sup.EmailHash), item{"type": str(typeSuppression), "email_hash": str(sup.EmailHash)})
	for reason, m := range sup.Reasons {
		it[reasonAttr(reason)] = suppressionMarkValue(m)
	}
	return it
}

func decodeSuppression(it item) (store.Suppression, error) {
	d := decoder{it: it}
	sup := store.Suppression{EmailHash: d.str("email_hash"), Reasons: map[store.SuppressionReason]store.SuppressionMark{}}
	for _, r := range store.SuppressionReasons {
		v, present := it[reasonAttr(r)]
		if !present {
			continue
		}
		m, ok := v.(map[string]any)
		if !ok {
			d.fail(reasonAttr(r), "not a map")
			continue
		}
		md := decoder{it: m}
		sup.Reasons[r] = store.SuppressionMark{At: md.time("at"), EventID: md.str("event_id"), Slug: md.str("slug")}
		if md.err != nil {
			d.fail(reasonAttr(r), md.err.Error())
		}
	}
	return wrapResult("decode suppression", sup, d.err)
}

// Suppress implements store.Suppressions with one update that sets the
// reason's attribute only if it is absent, so the first mark stays.
func (s *Store) Suppress(ctx context.Context, email string, reason store.SuppressionReason, mark store.SuppressionMark) (bool, error) {
	if err := store.ValidateSuppress(email, reason, mark); err != nil {
		return false, fmt.Errorf("suppress: %w", err)
	}
	hash := store.EmailHash(email)
	err := s.write(ctx, kv.Update(suppressionKey(hash), map[string]any{
		"type": typeSuppression, "email_hash": hash, reasonAttr(reason): suppressionMarkValue(mark),
	}, nil, nil, kv.Lacks(reasonAttr(reason))))
	if _, failed := conditionFailed(err); failed {
		return false, nil
	}
	return wrapResult("suppress", true, err)
}

// GetSuppression implements store.Suppressions.
func (s *Store) GetSuppression(ctx context.Context, email string) (store.Suppression, error) {
	if store.NormalizeEmail(email) == "" {
		return store.Suppression{}, fmt.Errorf("get suppression: %w", store.ErrNotFound)
	}
	it, err := s.getItem(ctx, "get suppression", suppressionKey(store.EmailHash(email)))
	if err != nil {
		return store.Suppression{}, fmt.Errorf("get suppression: %w", err)
	}
	sup, err := decodeSuppression(it)
	if err == nil && len(sup.Reasons) == 0 {
		err = store.ErrNotFound // an item without reasons, left by an older Unsuppress
	}
	return wrapResult("get suppression", sup, err)
}

// FindSuppressions implements store.Suppressions with one consistent
// BatchGet (the layer splits it into requests of 100 keys).
func (s *Store) FindSuppressions(ctx context.Context, hashes []string) (map[string]store.Suppression, error) {
	if len(hashes) > store.MaxBatchRecipients {
		return nil, fmt.Errorf("find suppressions: %w", &store.ValidationError{Field: "emailHashes", Code: "too_many"})
	}
	uniq := slices.Compact(slices.Sorted(slices.Values(hashes)))
	keys := make([]kv.Key, len(uniq))
	for i, h := range uniq {
		keys[i] = suppressionKey(h)
	}
	out := map[string]store.Suppression{}
	if len(keys) == 0 {
		return out, nil
	}
	items, err := s.db.BatchGet(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("find suppressions: %w", err)
	}
	for i, it := range items {
		if it == nil {
			continue
		}
		sup, err := decodeSuppression(it)
		if err != nil {
			return nil, fmt.Errorf("find suppressions: %w", err)
		}
		if len(sup.Reasons) > 0 {
			out[uniq[i]] = sup
		}
	}
	return out, nil
}

// Unsuppress implements store.Suppressions without ever leaving an item
// with no reason: the last reason goes with its item (a delete on
// condition that no other reason is there); otherwise the reason's
// attribute is removed on condition that another one stays. A race with
// another Unsuppress that empties the item in between is tried again.
func (s *Store) Unsuppress(ctx context.Context, email string, reason store.SuppressionReason) error {
	if !store.ValidSuppressionReason(reason) || store.NormalizeEmail(email) == "" {
		return fmt.Errorf("unsuppress: %w", store.ErrNotFound)
	}
	k := suppressionKey(store.EmailHash(email))
	attr := reasonAttr(reason)
	var lacksOthers, hasOther []kv.Cond
	for _, r := range store.SuppressionReasons {
		if r != reason {
			lacksOthers = append(lacksOthers, kv.Lacks(reasonAttr(r)))
			hasOther = append(hasOther, kv.Has(reasonAttr(r)))
		}
	}
	for attempt := 1; ; attempt++ {
		err := s.write(ctx, kv.Delete(k, kv.And(append([]kv.Cond{kv.Has(attr)}, lacksOthers...)...)))
		cur, failed := conditionFailed(err)
		if !failed {
			if err != nil {
				return fmt.Errorf("unsuppress: %w", err)
			}
			return nil
		}
		if cur != nil {
			if _, ok := cur[attr]; !ok {
				return fmt.Errorf("unsuppress: %w", store.ErrNotFound)
			}
		}
		err = s.write(ctx, kv.Update(k, nil, nil, []string{attr}, kv.And(kv.Has(attr), kv.Or(hasOther...))))
		cur, failed = conditionFailed(err)
		if !failed {
			if err != nil {
				return fmt.Errorf("unsuppress: %w", err)
			}
			return nil
		}
		if cur == nil {
			// Missing, or not returned by the engine: read it.
			it, err := s.db.Get(ctx, k)
			if err != nil {
				return fmt.Errorf("unsuppress: %w", err)
			}
			cur = it
		}
		if _, ok := cur[attr]; !ok {
			return fmt.Errorf("unsuppress: %w", store.ErrNotFound)
		}
		// The other reasons went in between: this one is the last now.
		if err := waitctx.Sleep(ctx, casDelay(attempt)); err != nil {
			return fmt.Errorf("unsuppress: %w", err)
		}
	}
}

// ---- engagement

func engagementItem(e store.Engagement) item {
	it := with(engagementKey(e.MemberID, e.EventID), item{
		"type":      str(typeEngagement),
		"event_id":  str(e.EventID),
		"kind":      str(string(e.Type)),
		"slug":      str(e.Slug),
		"member_id": str(e.MemberID),
		"at":        timeAttr(e.At),
	})
	putStr(it, "url", e.URL)
	return it
}

func decodeEngagement(it item) (store.Engagement, error) {
	d := decoder{it: it}
	e := store.Engagement{
		EventID: d.str("event_id"), Type: store.EngagementType(d.str("kind")), Slug: d.str("slug"),
		MemberID: d.str("member_id"), At: d.time("at"), URL: d.str("url"),
	}
	return wrapResult("decode engagement", e, d.err)
}

// RecordEngagement implements store.Newsletters: the event's key holds its
// sg_event_id (under the member SendGrid's custom_args name, which every
// copy of one event carries), so a Put on condition that the key is free
// stores it once.
func (s *Store) RecordEngagement(ctx context.Context, e store.Engagement) (bool, error) {
	e = e.Normalized()
	if err := e.Validate(); err != nil {
		return false, fmt.Errorf("record engagement: %w", err)
	}
	return s.recordEngagement(ctx, e, kv.NotExists())
}

// recordEngagement puts e on cond (nil: an import, which replaces it) in
// one transaction with the member's first-event mark for its send and type,
// on condition that the mark is absent, and +1 on the counter; when the
// mark is there already, the event alone. So each member counts once per
// send and type, and importing again counts nothing more.
func (s *Store) recordEngagement(ctx context.Context, e store.Engagement, cond kv.Cond) (bool, error) {
	put := kv.Put(engagementItem(e), cond)
	first := with(firstEngagementKey(e.MemberID, e.Slug, e.Type), item{"type": str(typeFirstEngagement), "slug": str(e.Slug), "kind": str(string(e.Type))})
	ops := append([]kv.Op{put, kv.Put(first, kv.NotExists())}, counterOps(map[string]int64{store.CounterEngaged(e.Slug, e.Type): 1})...)
	for {
		err := s.transact(ctx, "record engagement", ops)
		i, _, failed := failedAt(err)
		switch {
		case failed && i == 0:
			return false, nil // recorded before
		case failed && i == 1 && len(ops) > 1:
			ops = ops[:1] // not the member's first of its type: counted already
			continue
		case err != nil:
			return false, fmt.Errorf("record engagement: %w", err)
		}
		return true, nil
	}
}

// ListMemberEngagement implements store.Newsletters: a consistent Query of
// the member's partition (SK begins with ENGAGE#).
func (s *Store) ListMemberEngagement(ctx context.Context, memberID string) ([]store.Engagement, error) {
	out, err := s.memberEngagement(ctx, memberID)
	if err != nil {
		return nil, fmt.Errorf("list member engagement: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Engagement) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.EventID, b.EventID))
	})
	return out, nil
}

func (s *Store) memberEngagement(ctx context.Context, memberID string) ([]store.Engagement, error) {
	if memberID == "" {
		return nil, nil
	}
	out, err := queryAllOf(ctx, s, kv.Query{PK: "MEMBER#" + memberID, Prefix: "ENGAGE#"}, decodeEngagement)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ---- erasure

// EraseNewsletterMember implements store.Newsletters. Deliveries are found
// by key under each send (a handful, listed on GSI1), so nothing scans;
// each step is idempotent, so a retry after a crash finishes the work.
func (s *Store) EraseNewsletterMember(ctx context.Context, memberID string) error {
	if memberID == "" {
		return nil
	}
	// The member's deliveries: their index items (a consistent read), and
	// under every listed send those written before the index existed.
	marks, err := s.queryAll(ctx, kv.Query{PK: "MEMBER#" + memberID, Prefix: memberDeliveryPrefix})
	if err != nil {
		return fmt.Errorf("erase newsletter member: %w", err)
	}
	sends, err := s.ListNewsletterSends(ctx)
	if err != nil {
		return fmt.Errorf("erase newsletter member: %w", err)
	}
	slugs := map[string]bool{}
	for _, it := range marks {
		slugs[strings.TrimPrefix(it[AttrSK].(string), memberDeliveryPrefix)] = true
	}
	for _, send := range sends {
		slugs[send.Slug] = true
	}
	for _, slug := range slices.Sorted(maps.Keys(slugs)) {
		if err := s.eraseDelivery(ctx, slug, memberID); err != nil {
			return fmt.Errorf("erase newsletter member: %w", err)
		}
	}
	events, err := s.memberEngagement(ctx, memberID)
	if err != nil {
		return fmt.Errorf("erase newsletter member: %w", err)
	}
	for _, e := range events {
		if err := s.deleteExisting(ctx, "erase newsletter member", engagementKey(memberID, e.EventID)); err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("erase newsletter member: %w", err)
		}
	}
	// The first-event marks say what the member did: they go, the counts stay.
	firsts, err := s.queryAll(ctx, kv.Query{PK: "MEMBER#" + memberID, Prefix: firstEngagementPrefix})
	if err != nil {
		return fmt.Errorf("erase newsletter member: %w", err)
	}
	for _, it := range firsts {
		if err := s.write(ctx, kv.Delete(kv.Key{PK: it[AttrPK].(string), SK: it[AttrSK].(string)}, nil)); err != nil {
			return fmt.Errorf("erase newsletter member: %w", err)
		}
	}
	return nil
}

// eraseDelivery removes the member's name and address from the batch of
// their delivery of slug, then the delivery and its index item.
func (s *Store) eraseDelivery(ctx context.Context, slug, memberID string) error {
	it, err := s.getItem(ctx, "erase newsletter member", deliveryKey(slug, memberID))
	if errors.Is(err, store.ErrNotFound) {
		return s.write(ctx, kv.Delete(memberDeliveryKey(memberID, slug), nil))
	}
	if err != nil {
		return err
	}
	d, err := decodeDelivery(it)
	if err != nil {
		return err
	}
	_, err = s.updateDeliveryBatch(ctx, d.Slug, d.BatchID, func(old store.DeliveryBatch) (store.DeliveryBatch, error) {
		next := cloneDeliveryBatch(old)
		for i, r := range next.Recipients {
			if r.MemberID == memberID && (r.Email != "" || r.Name != "") {
				next.Recipients[i].Email, next.Recipients[i].Name = "", ""
				next.Version, next.UpdatedAt = old.Version+1, s.now().UTC()
			}
		}
		return next, nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return s.transact(ctx, "erase newsletter member", []kv.Op{kv.Delete(deliveryKey(slug, memberID), nil), kv.Delete(memberDeliveryKey(memberID, slug), nil)})
}
