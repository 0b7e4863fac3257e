package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/dynamo/ddb"
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
		_, err := call(ctx, s, "begin idempotency", func(ctx context.Context) (*ddb.PutItemOutput, error) {
			return s.client.PutItem(ctx, &ddb.PutItemInput{
				TableName:                           &s.table,
				Item:                                idempotencyItem(rec),
				ConditionExpression:                 aws.String("attribute_not_exists(PK) OR expires_ns <= :now OR (#st = :busy AND locked_ns <= :now)"),
				ExpressionAttributeNames:            map[string]string{"#st": "status"},
				ExpressionAttributeValues:           item{":now": num(unixNano(now)), ":busy": str(string(store.IdempotencyInProgress))},
				ReturnValuesOnConditionCheckFailure: ddb.ReturnValuesOnConditionCheckFailureAllOld,
			})
		})
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
	values := item{
		":done": str(string(store.IdempotencyCompleted)),
		":busy": str(string(store.IdempotencyInProgress)),
	}
	expiry := item{}
	putExpiry(expiry, expiresAt)
	values[":ttl"], values[":ns"] = expiry[AttrTTL], expiry[attrExpireNS]
	set := []string{"#st = :done", "expires_at = :ttl", "expires_ns = :ns"}
	remove := []string{"locked_ns"}
	attrs := responseAttrs(resp)
	for _, name := range []string{"response_status", "response_header", "response_body"} {
		if v, ok := attrs[name]; ok {
			set = append(set, name+" = :"+name)
			values[":"+name] = v
		} else {
			remove = append(remove, name)
		}
	}
	expr := "SET " + strings.Join(set, ", ") + " REMOVE " + strings.Join(remove, ", ")
	_, err := call(ctx, s, "complete idempotency", func(ctx context.Context) (*ddb.UpdateItemOutput, error) {
		return s.client.UpdateItem(ctx, &ddb.UpdateItemInput{
			TableName:                           &s.table,
			Key:                                 idempotencyKey(key),
			UpdateExpression:                    aws.String(expr),
			ConditionExpression:                 aws.String("attribute_exists(PK) AND #st = :busy"),
			ExpressionAttributeNames:            map[string]string{"#st": "status"},
			ExpressionAttributeValues:           values,
			ReturnValuesOnConditionCheckFailure: ddb.ReturnValuesOnConditionCheckFailureAllOld,
		})
	})
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
	if err != nil {
		return fmt.Errorf("release idempotency: %w", err)
	}
	return nil
}

// deleteExisting deletes an item on condition that it exists; ErrNotFound otherwise.
func (s *Store) deleteExisting(ctx context.Context, op string, k item) error {
	_, err := call(ctx, s, op, func(ctx context.Context) (*ddb.DeleteItemOutput, error) {
		return s.client.DeleteItem(ctx, &ddb.DeleteItemInput{
			TableName:           &s.table,
			Key:                 k,
			ConditionExpression: aws.String("attribute_exists(PK)"),
		})
	})
	if _, failed := conditionFailed(err); failed {
		return store.ErrNotFound
	}
	return err
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
	err = s.transact(ctx, "append audit", []ddb.TransactWriteItem{
		s.putIfAbsent(auditItem(e)),
		s.putIfAbsent(auditIDItem(e)),
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
	in := &ddb.QueryInput{TableName: &s.table}
	pkAttr, skAttr, partition := AttrPK, AttrSK, "AUDIT#"+q.Subject
	keyNames := []string{AttrPK, AttrSK}
	if q.Subject == "" {
		in.IndexName = aws.String(IndexGSI1)
		pkAttr, skAttr, partition = AttrGSI1PK, AttrGSI1SK, gsiAuditPartition
		keyNames = []string{AttrPK, AttrSK, AttrGSI1PK, AttrGSI1SK}
	} else {
		in.ConsistentRead = aws.Bool(true)
	}
	cond := pkAttr + " = :p"
	values := item{":p": str(partition)}
	switch {
	case !q.From.IsZero() && !q.To.IsZero():
		if !q.From.Before(q.To) {
			return nil, "", nil
		}
		cond += " AND " + skAttr + " BETWEEN :from AND :to"
		values[":from"], values[":to"] = str(sortTime(q.From)), str(sortTime(q.To))
	case !q.From.IsZero():
		cond += " AND " + skAttr + " >= :from"
		values[":from"] = str(sortTime(q.From))
	case !q.To.IsZero():
		cond += " AND " + skAttr + " < :to"
		values[":to"] = str(sortTime(q.To))
	}
	in.KeyConditionExpression = aws.String(cond)
	in.ExpressionAttributeValues = values
	items, cursor, err := s.queryPage(ctx, "list audit", in, page, pkAttr, partition, keyNames...)
	if err != nil {
		return nil, "", fmt.Errorf("list audit: %w", err)
	}
	out := make([]store.AuditEntry, 0, len(items))
	for _, it := range items {
		e, err := decodeAudit(it)
		if err != nil {
			return nil, "", fmt.Errorf("list audit: %w", err)
		}
		out = append(out, e)
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
	values := item{
		":one": num(1), ":t": str(string(store.RecordRateLimit)), ":k": str(key), ":ws": timeAttr(start),
	}
	expiry := item{}
	putExpiry(expiry, end)
	values[":ttl"], values[":ns"] = expiry[AttrTTL], expiry[attrExpireNS]
	out, err := call(ctx, s, "hit rate limit", func(ctx context.Context) (*ddb.UpdateItemOutput, error) {
		return s.client.UpdateItem(ctx, &ddb.UpdateItemInput{
			TableName:                 &s.table,
			Key:                       rateLimitKey(key, start),
			UpdateExpression:          aws.String("ADD #count :one SET #type = :t, #key = :k, window_start = :ws, expires_at = :ttl, expires_ns = :ns"),
			ExpressionAttributeNames:  map[string]string{"#count": "count", "#type": "type", "#key": "key"},
			ExpressionAttributeValues: values,
			ReturnValues:              ddb.ReturnValueUpdatedNew,
		})
	})
	if err != nil {
		return 0, fmt.Errorf("hit rate limit: %w", err)
	}
	d := decoder{it: out.Attributes}
	n := d.num("count")
	if d.err != nil {
		return 0, fmt.Errorf("hit rate limit: %w", d.err)
	}
	return int(n), nil
}
