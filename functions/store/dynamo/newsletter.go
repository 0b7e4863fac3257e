package dynamo

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/dynamo/ddb"
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
//
// Sends and batches keep their fields in a JSON "data" attribute beside the
// few attributes that conditions read (status, version).
const (
	skSend              = "SEND"
	skDelivery          = "DELIVERY"
	skSuppression       = "SUPPRESS"
	gsiSendsPartition   = "NEWSLETTERS"
	typeDeliveryBatch   = "delivery-batch"
	typeDelivery        = "delivery"
	typeSuppression     = "suppression"
	typeEngagement      = "engagement"
	typeNewsletterSend  = "newsletter-send"
	claimConcurrency    = 16
	batchGetMaxKeys     = 100
	suppressionReasonAt = "reason_"
)

func newsletterSendKey(slug string) item { return key("NEWSLETTER#"+slug, skSend) }
func deliveryBatchKey(slug, id string) item {
	return key("NEWSLETTER#"+slug, "BATCH#"+id)
}
func deliveryKey(slug, memberID string) item {
	return key("DELIVERY#"+slug+"#"+memberID, skDelivery)
}
func suppressionKey(hash string) item { return key("SUPPRESS#"+hash, skSuppression) }
func engagementKey(memberID, eventID string) item {
	return key("MEMBER#"+memberID, "ENGAGE#"+eventID)
}

// reasonAttr is the attribute holding one suppression reason's mark.
func reasonAttr(r store.SuppressionReason) string { return suppressionReasonAt + string(r) }

func newsletterData(v any) (ddb.AttributeValue, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return str(string(b)), nil
}

func decodeNewsletterData(it item, v any) error {
	s := (&decoder{it: it}).str("data")
	if s == "" {
		return errors.New("item has no data")
	}
	return json.Unmarshal([]byte(s), v)
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

// CreateNewsletterSend implements store.Newsletters.
func (s *Store) CreateNewsletterSend(ctx context.Context, send store.NewsletterSend) (store.NewsletterSend, error) {
	send, err := store.PrepareNewsletterSend(send, s.now())
	if err != nil {
		return store.NewsletterSend{}, fmt.Errorf("create newsletter send: %w", err)
	}
	it, err := newsletterSendItem(send)
	if err != nil {
		return store.NewsletterSend{}, fmt.Errorf("create newsletter send: %w", err)
	}
	err = s.putNew(ctx, "create newsletter send", it)
	if _, failed := conditionFailed(err); failed {
		err = &store.ConflictError{Field: "slug"}
	}
	if err != nil {
		return store.NewsletterSend{}, fmt.Errorf("create newsletter send: %w", err)
	}
	return send, nil
}

// GetNewsletterSend implements store.Newsletters.
func (s *Store) GetNewsletterSend(ctx context.Context, slug string) (store.NewsletterSend, error) {
	send, err := s.getNewsletterSend(ctx, slug)
	if err != nil {
		return store.NewsletterSend{}, fmt.Errorf("get newsletter send: %w", err)
	}
	return send, nil
}

func (s *Store) getNewsletterSend(ctx context.Context, slug string) (store.NewsletterSend, error) {
	if slug == "" {
		return store.NewsletterSend{}, store.ErrNotFound
	}
	it, err := s.getItem(ctx, "get newsletter send", newsletterSendKey(slug))
	if err != nil {
		return store.NewsletterSend{}, err
	}
	return decodeNewsletterSend(it)
}

// UpdateNewsletterSend implements store.Newsletters as compare-and-swap on version.
func (s *Store) UpdateNewsletterSend(ctx context.Context, slug string, update func(old store.NewsletterSend) (store.NewsletterSend, error)) (store.NewsletterSend, error) {
	for attempt := 1; ; attempt++ {
		old, err := s.getNewsletterSend(ctx, slug)
		if err != nil {
			return store.NewsletterSend{}, fmt.Errorf("update newsletter send: %w", err)
		}
		n, err := update(cloneNewsletterSend(old))
		if err != nil {
			return store.NewsletterSend{}, fmt.Errorf("update newsletter send: %w", err)
		}
		next, err := store.ApplySendUpdate(old, n, s.now())
		if err != nil {
			return store.NewsletterSend{}, fmt.Errorf("update newsletter send: %w", err)
		}
		it, err := newsletterSendItem(next)
		if err != nil {
			return store.NewsletterSend{}, fmt.Errorf("update newsletter send: %w", err)
		}
		err = s.putAtVersion(ctx, "update newsletter send", it, old.Version)
		if err == nil {
			return next, nil
		}
		if !errors.Is(err, errVersionChanged) {
			return store.NewsletterSend{}, fmt.Errorf("update newsletter send: %w", err)
		}
		if err := waitctx.Sleep(ctx, casDelay(attempt)); err != nil {
			return store.NewsletterSend{}, fmt.Errorf("update newsletter send: %w", err)
		}
	}
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

// putAtVersion writes it if the stored item is at version; errVersionChanged otherwise.
func (s *Store) putAtVersion(ctx context.Context, op string, it item, version int64) error {
	_, err := call(ctx, s, op, func(ctx context.Context) (*ddb.PutItemOutput, error) {
		return s.client.PutItem(ctx, &ddb.PutItemInput{
			TableName:                 &s.table,
			Item:                      it,
			ConditionExpression:       aws.String("#v = :v"),
			ExpressionAttributeNames:  map[string]string{"#v": "version"},
			ExpressionAttributeValues: item{":v": num(version)},
		})
	})
	if _, failed := conditionFailed(err); failed {
		return errVersionChanged
	}
	return err
}

// ListNewsletterSends implements store.Newsletters with a Query on GSI1.
func (s *Store) ListNewsletterSends(ctx context.Context) ([]store.NewsletterSend, error) {
	q := &ddb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String(IndexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :p"),
		ExpressionAttributeValues: item{":p": str(gsiSendsPartition)},
	}
	var out []store.NewsletterSend
	err := s.queryEach(ctx, "list newsletter sends", q, func(it item) error {
		send, err := decodeNewsletterSend(it)
		if err == nil {
			out = append(out, send)
		}
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

// queryEach runs q through every page, calling fn for each item.
func (s *Store) queryEach(ctx context.Context, op string, q *ddb.QueryInput, fn func(item) error) error {
	for {
		out, err := call(ctx, s, op, func(ctx context.Context) (*ddb.QueryOutput, error) {
			return s.client.Query(ctx, q)
		})
		if err != nil {
			return err
		}
		for _, it := range out.Items {
			if err := fn(it); err != nil {
				return err
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		q.ExclusiveStartKey = out.LastEvaluatedKey
	}
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
	if d.err != nil {
		return store.Delivery{}, fmt.Errorf("decode delivery: %w", d.err)
	}
	return out, nil
}

// ClaimDeliveryBatch implements store.Newsletters. A batch of 1,000 cannot
// be one transaction (100 items at most), so the claim is three steps that
// a retry completes from any point: the batch is written in BatchClaiming
// with every intended recipient; each delivery is put on condition that
// the member has none or has this batch's; then the batch becomes claimed
// with the recipients whose delivery is this batch's. A batch left in
// claiming is never sent, so a crash between the steps loses nothing.
func (s *Store) ClaimDeliveryBatch(ctx context.Context, b store.DeliveryBatch) (store.DeliveryBatch, error) {
	b, err := store.PrepareDeliveryBatch(b, s.now())
	if err != nil {
		return store.DeliveryBatch{}, fmt.Errorf("claim delivery batch: %w", err)
	}
	stored, err := s.claimDeliveryBatch(ctx, b)
	if err != nil {
		return store.DeliveryBatch{}, fmt.Errorf("claim delivery batch: %w", err)
	}
	return stored, nil
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
	if _, failed := conditionFailed(err); failed {
		old, err := s.getItem(ctx, "claim delivery batch", deliveryBatchKey(b.Slug, b.ID))
		if err != nil {
			return store.DeliveryBatch{}, err
		}
		if intent, err = decodeDeliveryBatch(old); err != nil {
			return store.DeliveryBatch{}, err
		}
		if intent.Status != store.BatchClaiming {
			return intent, nil
		}
	} else if err != nil {
		return store.DeliveryBatch{}, err
	}

	mine := make([]bool, len(intent.Recipients))
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	sem := make(chan struct{}, claimConcurrency)
	for i, r := range intent.Recipients {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			ok, err := s.claimDelivery(ctx, store.Delivery{Slug: b.Slug, MemberID: r.MemberID, BatchID: b.ID, ClaimedAt: intent.CreatedAt})
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
		return store.DeliveryBatch{}, firstErr
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
	_, err = call(ctx, s, "claim delivery batch", func(ctx context.Context) (*ddb.PutItemOutput, error) {
		return s.client.PutItem(ctx, &ddb.PutItemInput{
			TableName:                 &s.table,
			Item:                      fit,
			ConditionExpression:       aws.String("#s = :claiming"),
			ExpressionAttributeNames:  map[string]string{"#s": "status"},
			ExpressionAttributeValues: item{":claiming": str(string(store.BatchClaiming))},
		})
	})
	if _, failed := conditionFailed(err); failed {
		// Another caller finished the same claim first: theirs is the batch.
		it, err := s.getItem(ctx, "claim delivery batch", deliveryBatchKey(b.Slug, b.ID))
		if err != nil {
			return store.DeliveryBatch{}, err
		}
		return decodeDeliveryBatch(it)
	}
	if err != nil {
		return store.DeliveryBatch{}, err
	}
	return final, nil
}

// claimDelivery puts a member's delivery for this batch unless they have
// one for another batch, and reports whether the member is this batch's.
func (s *Store) claimDelivery(ctx context.Context, d store.Delivery) (bool, error) {
	_, err := call(ctx, s, "claim delivery", func(ctx context.Context) (*ddb.PutItemOutput, error) {
		return s.client.PutItem(ctx, &ddb.PutItemInput{
			TableName:                 &s.table,
			Item:                      deliveryItem(d),
			ConditionExpression:       aws.String("attribute_not_exists(PK) OR batch_id = :b"),
			ExpressionAttributeValues: item{":b": str(d.BatchID)},
		})
	})
	if _, failed := conditionFailed(err); failed {
		return false, nil
	}
	return err == nil, err
}

// GetDeliveryBatch implements store.Newsletters.
func (s *Store) GetDeliveryBatch(ctx context.Context, slug, id string) (store.DeliveryBatch, error) {
	b, err := s.getDeliveryBatch(ctx, slug, id)
	if err != nil {
		return store.DeliveryBatch{}, fmt.Errorf("get delivery batch: %w", err)
	}
	return b, nil
}

func (s *Store) getDeliveryBatch(ctx context.Context, slug, id string) (store.DeliveryBatch, error) {
	if slug == "" || id == "" {
		return store.DeliveryBatch{}, store.ErrNotFound
	}
	it, err := s.getItem(ctx, "get delivery batch", deliveryBatchKey(slug, id))
	if err != nil {
		return store.DeliveryBatch{}, err
	}
	return decodeDeliveryBatch(it)
}

// UpdateDeliveryBatch implements store.Newsletters as compare-and-swap on version.
func (s *Store) UpdateDeliveryBatch(ctx context.Context, slug, id string, update func(old store.DeliveryBatch) (store.DeliveryBatch, error)) (store.DeliveryBatch, error) {
	next, err := s.updateDeliveryBatch(ctx, slug, id, func(old store.DeliveryBatch) (store.DeliveryBatch, error) {
		n, err := update(cloneDeliveryBatch(old))
		if err != nil {
			return store.DeliveryBatch{}, err
		}
		return store.ApplyBatchUpdate(old, n, s.now())
	})
	if err != nil {
		return store.DeliveryBatch{}, fmt.Errorf("update delivery batch: %w", err)
	}
	return next, nil
}

// updateDeliveryBatch is the compare-and-swap loop behind UpdateDeliveryBatch and
// erasure; apply returns the batch to store (its Version already raised).
func (s *Store) updateDeliveryBatch(ctx context.Context, slug, id string, apply func(old store.DeliveryBatch) (store.DeliveryBatch, error)) (store.DeliveryBatch, error) {
	for attempt := 1; ; attempt++ {
		old, err := s.getDeliveryBatch(ctx, slug, id)
		if err != nil {
			return store.DeliveryBatch{}, err
		}
		next, err := apply(old)
		if err != nil {
			return store.DeliveryBatch{}, err
		}
		if next.Version == old.Version {
			return old, nil // nothing to write
		}
		it, err := deliveryBatchItem(next)
		if err != nil {
			return store.DeliveryBatch{}, err
		}
		err = s.putAtVersion(ctx, "update delivery batch", it, old.Version)
		if err == nil {
			return next, nil
		}
		if !errors.Is(err, errVersionChanged) {
			return store.DeliveryBatch{}, err
		}
		if err := waitctx.Sleep(ctx, casDelay(attempt)); err != nil {
			return store.DeliveryBatch{}, err
		}
	}
}

func cloneDeliveryBatch(b store.DeliveryBatch) store.DeliveryBatch {
	b.Recipients = slices.Clone(b.Recipients)
	return b
}

// ListDeliveryBatches implements store.Newsletters: one consistent Query of
// the send's partition.
func (s *Store) ListDeliveryBatches(ctx context.Context, slug string) ([]store.DeliveryBatch, error) {
	if slug == "" {
		return nil, nil
	}
	q := &ddb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("PK = :p AND begins_with(SK, :s)"),
		ExpressionAttributeValues: item{":p": str("NEWSLETTER#" + slug), ":s": str("BATCH#")},
		ConsistentRead:            aws.Bool(true),
	}
	var out []store.DeliveryBatch
	err := s.queryEach(ctx, "list delivery batches", q, func(it item) error {
		b, err := decodeDeliveryBatch(it)
		if err == nil {
			out = append(out, b)
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list delivery batches: %w", err)
	}
	return out, nil
}

// GetDelivery implements store.Newsletters.
func (s *Store) GetDelivery(ctx context.Context, slug, memberID string) (store.Delivery, error) {
	if slug == "" || memberID == "" {
		return store.Delivery{}, fmt.Errorf("get delivery: %w", store.ErrNotFound)
	}
	it, err := s.getItem(ctx, "get delivery", deliveryKey(slug, memberID))
	if err != nil {
		return store.Delivery{}, fmt.Errorf("get delivery: %w", err)
	}
	d, err := decodeDelivery(it)
	if err != nil {
		return store.Delivery{}, fmt.Errorf("get delivery: %w", err)
	}
	return d, nil
}

// ---- suppressions

func suppressionMarkAttr(m store.SuppressionMark) ddb.AttributeValue {
	v := item{"at": timeAttr(m.At)}
	putStr(v, "event_id", m.EventID)
	putStr(v, "slug", m.Slug)
	return &ddb.AttributeValueMemberM{Value: v}
}

func decodeSuppression(it item) (store.Suppression, error) {
	d := decoder{it: it}
	sup := store.Suppression{EmailHash: d.str("email_hash"), Reasons: map[store.SuppressionReason]store.SuppressionMark{}}
	for _, r := range store.SuppressionReasons {
		m, ok := it[reasonAttr(r)].(*ddb.AttributeValueMemberM)
		if !ok {
			continue
		}
		md := decoder{it: m.Value}
		sup.Reasons[r] = store.SuppressionMark{At: md.time("at"), EventID: md.str("event_id"), Slug: md.str("slug")}
		if md.err != nil {
			d.fail(reasonAttr(r), md.err.Error())
		}
	}
	if d.err != nil {
		return store.Suppression{}, fmt.Errorf("decode suppression: %w", d.err)
	}
	return sup, nil
}

// Suppress implements store.Suppressions with one UpdateItem that sets the
// reason's attribute only if it is absent, so the first mark stays.
func (s *Store) Suppress(ctx context.Context, email string, reason store.SuppressionReason, mark store.SuppressionMark) (bool, error) {
	if err := store.ValidateSuppress(email, reason, mark); err != nil {
		return false, fmt.Errorf("suppress: %w", err)
	}
	hash := store.EmailHash(email)
	_, err := call(ctx, s, "suppress", func(ctx context.Context) (*ddb.UpdateItemOutput, error) {
		return s.client.UpdateItem(ctx, &ddb.UpdateItemInput{
			TableName:                 &s.table,
			Key:                       suppressionKey(hash),
			UpdateExpression:          aws.String("SET #t = :t, email_hash = :h, #r = :m"),
			ConditionExpression:       aws.String("attribute_not_exists(#r)"),
			ExpressionAttributeNames:  map[string]string{"#t": "type", "#r": reasonAttr(reason)},
			ExpressionAttributeValues: item{":t": str(typeSuppression), ":h": str(hash), ":m": suppressionMarkAttr(mark)},
		})
	})
	if _, failed := conditionFailed(err); failed {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("suppress: %w", err)
	}
	return true, nil
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
		err = store.ErrNotFound // every reason was removed a moment ago
	}
	if err != nil {
		return store.Suppression{}, fmt.Errorf("get suppression: %w", err)
	}
	return sup, nil
}

// FindSuppressions implements store.Suppressions with strongly consistent
// BatchGetItem calls of 100 keys, run concurrently.
func (s *Store) FindSuppressions(ctx context.Context, hashes []string) (map[string]store.Suppression, error) {
	if len(hashes) > store.MaxBatchRecipients {
		return nil, fmt.Errorf("find suppressions: %w", &store.ValidationError{Field: "emailHashes", Code: "too_many"})
	}
	uniq := slices.Compact(slices.Sorted(slices.Values(hashes)))
	out := map[string]store.Suppression{}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for chunk := range slices.Chunk(uniq, batchGetMaxKeys) {
		wg.Go(func() {
			items, err := s.batchGetSuppressions(ctx, chunk)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				return
			}
			for _, it := range items {
				sup, err := decodeSuppression(it)
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					return
				}
				if len(sup.Reasons) > 0 {
					out[sup.EmailHash] = sup
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("find suppressions: %w", firstErr)
	}
	return out, nil
}

// batchGetSuppressions reads up to 100 suppression items, asking again for the keys
// DynamoDB leaves unprocessed (it does under load), with the store's backoff.
func (s *Store) batchGetSuppressions(ctx context.Context, hashes []string) ([]item, error) {
	keys := make([]item, 0, len(hashes))
	for _, h := range hashes {
		keys = append(keys, suppressionKey(h))
	}
	var items []item
	for attempt := 1; len(keys) > 0; attempt++ {
		out, err := call(ctx, s, "find suppressions", func(ctx context.Context) (*ddb.BatchGetItemOutput, error) {
			return s.client.BatchGetItem(ctx, &ddb.BatchGetItemInput{RequestItems: map[string]ddb.KeysAndAttributes{
				s.table: {Keys: keys, ConsistentRead: aws.Bool(true)},
			}})
		})
		if err != nil {
			return nil, err
		}
		items = append(items, out.Responses[s.table]...)
		keys = out.UnprocessedKeys[s.table].Keys
		if len(keys) > 0 {
			if attempt >= s.retry.MaxAttempts {
				return nil, errors.New("batch get: keys left unprocessed after retries")
			}
			if err := waitctx.Sleep(ctx, s.retry.delay(attempt)); err != nil {
				return nil, err
			}
		}
	}
	return items, nil
}

// Unsuppress implements store.Suppressions: the reason's attribute is
// removed, then the item too if no reason is left.
func (s *Store) Unsuppress(ctx context.Context, email string, reason store.SuppressionReason) error {
	if !store.ValidSuppressionReason(reason) || store.NormalizeEmail(email) == "" {
		return fmt.Errorf("unsuppress: %w", store.ErrNotFound)
	}
	k := suppressionKey(store.EmailHash(email))
	_, err := call(ctx, s, "unsuppress", func(ctx context.Context) (*ddb.UpdateItemOutput, error) {
		return s.client.UpdateItem(ctx, &ddb.UpdateItemInput{
			TableName:                &s.table,
			Key:                      k,
			UpdateExpression:         aws.String("REMOVE #r"),
			ConditionExpression:      aws.String("attribute_exists(#r)"),
			ExpressionAttributeNames: map[string]string{"#r": reasonAttr(reason)},
		})
	})
	if _, failed := conditionFailed(err); failed {
		return fmt.Errorf("unsuppress: %w", store.ErrNotFound)
	}
	if err != nil {
		return fmt.Errorf("unsuppress: %w", err)
	}
	cond := make([]string, 0, len(store.SuppressionReasons))
	names := map[string]string{}
	for i, r := range store.SuppressionReasons {
		n := fmt.Sprintf("#r%d", i)
		cond = append(cond, "attribute_not_exists("+n+")")
		names[n] = reasonAttr(r)
	}
	_, err = call(ctx, s, "unsuppress", func(ctx context.Context) (*ddb.DeleteItemOutput, error) {
		return s.client.DeleteItem(ctx, &ddb.DeleteItemInput{
			TableName:                &s.table,
			Key:                      k,
			ConditionExpression:      aws.String(andAll(cond)),
			ExpressionAttributeNames: names,
		})
	})
	if _, failed := conditionFailed(err); failed {
		return nil // another reason is still there
	}
	if err != nil {
		return fmt.Errorf("unsuppress: %w", err)
	}
	return nil
}

func andAll(conds []string) string {
	out := ""
	for i, c := range conds {
		if i > 0 {
			out += " AND "
		}
		out += c
	}
	return out
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
	if d.err != nil {
		return store.Engagement{}, fmt.Errorf("decode engagement: %w", d.err)
	}
	return e, nil
}

// RecordEngagement implements store.Newsletters: the event's key holds its
// sg_event_id (under the member SendGrid's custom_args name, which every
// copy of one event carries), so a conditional put stores it once.
func (s *Store) RecordEngagement(ctx context.Context, e store.Engagement) (bool, error) {
	e = e.Normalized()
	if err := e.Validate(); err != nil {
		return false, fmt.Errorf("record engagement: %w", err)
	}
	err := s.putNew(ctx, "record engagement", engagementItem(e))
	if _, failed := conditionFailed(err); failed {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("record engagement: %w", err)
	}
	return true, nil
}

// ListMemberEngagement implements store.Newsletters: a consistent Query of
// the member's partition.
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
	q := &ddb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("PK = :p AND begins_with(SK, :s)"),
		ExpressionAttributeValues: item{":p": str("MEMBER#" + memberID), ":s": str("ENGAGE#")},
		ConsistentRead:            aws.Bool(true),
	}
	var out []store.Engagement
	err := s.queryEach(ctx, "list member engagement", q, func(it item) error {
		e, err := decodeEngagement(it)
		if err == nil {
			out = append(out, e)
		}
		return err
	})
	return out, err
}

// ---- erasure

// EraseNewsletterMember implements store.Newsletters. Deliveries are found
// by key under each send (a handful), so nothing scans; each step is
// idempotent, so a retry after a crash finishes the work.
func (s *Store) EraseNewsletterMember(ctx context.Context, memberID string) error {
	if memberID == "" {
		return nil
	}
	sends, err := s.ListNewsletterSends(ctx)
	if err != nil {
		return fmt.Errorf("erase newsletter member: %w", err)
	}
	for _, send := range sends {
		it, err := s.getItem(ctx, "erase newsletter member", deliveryKey(send.Slug, memberID))
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return fmt.Errorf("erase newsletter member: %w", err)
		}
		d, err := decodeDelivery(it)
		if err != nil {
			return fmt.Errorf("erase newsletter member: %w", err)
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
			return fmt.Errorf("erase newsletter member: %w", err)
		}
		if err := s.deleteExisting(ctx, "erase newsletter member", deliveryKey(send.Slug, memberID)); err != nil && !errors.Is(err, store.ErrNotFound) {
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
	return nil
}

// ---- backup

// decodeNewsletterRecord turns a newsletter item into a Record; a
// suppression item whose reasons were all just removed is skipped.
func decodeNewsletterRecord(it item) (store.Record, bool, error) {
	switch (&decoder{it: it}).str("type") {
	case typeNewsletterSend:
		s, err := decodeNewsletterSend(it)
		return store.Record{NewsletterSend: &s}, true, err
	case typeDeliveryBatch:
		b, err := decodeDeliveryBatch(it)
		return store.Record{DeliveryBatch: &b}, true, err
	case typeDelivery:
		d, err := decodeDelivery(it)
		return store.Record{Delivery: &d}, true, err
	case typeSuppression:
		s, err := decodeSuppression(it)
		return store.Record{Suppression: &s}, err == nil && len(s.Reasons) > 0, err
	case typeEngagement:
		e, err := decodeEngagement(it)
		return store.Record{Engagement: &e}, true, err
	}
	return store.Record{}, false, errors.New("not a newsletter item")
}

// importNewsletterRecord writes one exported newsletter record over any
// with its identity.
func (s *Store) importNewsletterRecord(ctx context.Context, r store.Record) error {
	var (
		it  item
		err error
	)
	switch {
	case r.NewsletterSend != nil:
		it, err = newsletterSendItem(*r.NewsletterSend)
	case r.DeliveryBatch != nil:
		it, err = deliveryBatchItem(*r.DeliveryBatch)
	case r.Delivery != nil:
		it = deliveryItem(*r.Delivery)
	case r.Suppression != nil:
		it = with(suppressionKey(r.Suppression.EmailHash), item{"type": str(typeSuppression), "email_hash": str(r.Suppression.EmailHash)})
		for reason, m := range r.Suppression.Reasons {
			it[reasonAttr(reason)] = suppressionMarkAttr(m)
		}
	case r.Engagement != nil:
		it = engagementItem(*r.Engagement)
	}
	if err != nil {
		return err
	}
	return s.put(ctx, "import "+string(r.Type()), it)
}
