package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/dynamo/ddb"
)

// The mail queue is one partition, MAILQ, sorted by creation time: a
// consistent Query reads it oldest first, and a claim is a conditional
// UpdateItem on the item's attempts counter and lease, so two claimers
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

func mailQueueKey(m store.QueuedMail) item {
	return key(MailQueuePartition, sortTime(m.CreatedAt)+"#"+m.ID)
}

// leaseNanos is LeaseUntil as the lease_ns attribute: 0 for "at once".
func leaseNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return unixNano(t)
}

func mailQueueItem(m store.QueuedMail) item {
	it := with(mailQueueKey(m), item{
		"type":       str(typeMailQueue),
		"id":         str(m.ID),
		"payload":    &ddb.AttributeValueMemberB{Value: m.Payload},
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
	if b, ok := it["payload"].(*ddb.AttributeValueMemberB); ok {
		m.Payload = b.Value
	} else {
		d.fail("payload", "not binary")
	}
	if d.err != nil {
		return store.QueuedMail{}, fmt.Errorf("decode queued mail: %w", d.err)
	}
	return m, nil
}

// EnqueueMail implements store.MailQueue with one PutItem on
// attribute_not_exists(PK).
func (s *Store) EnqueueMail(ctx context.Context, m store.QueuedMail) (store.QueuedMail, error) {
	m, err := store.PrepareQueuedMail(m)
	if err != nil {
		return store.QueuedMail{}, fmt.Errorf("enqueue mail: %w", err)
	}
	_, err = call(ctx, s, "enqueue mail", func(ctx context.Context) (*ddb.PutItemOutput, error) {
		return s.client.PutItem(ctx, &ddb.PutItemInput{
			TableName:           &s.table,
			Item:                mailQueueItem(m),
			ConditionExpression: aws.String("attribute_not_exists(PK)"),
		})
	})
	if _, failed := conditionFailed(err); failed {
		return store.QueuedMail{}, fmt.Errorf("enqueue mail: %w", &store.ConflictError{Field: "id"})
	}
	if err != nil {
		return store.QueuedMail{}, fmt.Errorf("enqueue mail: %w", err)
	}
	return m, nil
}

// ClaimMail implements store.MailQueue: a consistent Query of the MAILQ
// partition, oldest first, filtered to what is due and projected to the
// keys and the attempts counter; then per candidate an UpdateItem that
// takes the lease on condition that nobody claimed it since it was read
// (attempts unchanged) and that it is still due. A failed condition is
// another claimer's win: that item is skipped. The item comes back whole
// (ALL_NEW) only to the winner.
func (s *Store) ClaimMail(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.QueuedMail, error) {
	if err := store.ValidateMailClaim(lease, limit); err != nil {
		return nil, fmt.Errorf("claim mail: %w", err)
	}
	now = now.UTC()
	nowNS := num(unixNano(now))
	q := &ddb.QueryInput{
		TableName:                &s.table,
		KeyConditionExpression:   aws.String("PK = :pk"),
		FilterExpression:         aws.String("lease_ns <= :now AND expires_ns > :now"),
		ProjectionExpression:     aws.String("PK, SK, #attempts"),
		ExpressionAttributeNames: map[string]string{"#attempts": "attempts"},
		ExpressionAttributeValues: item{
			":pk":  str(MailQueuePartition),
			":now": nowNS,
		},
		ConsistentRead: aws.Bool(true),
	}
	var claimed []store.QueuedMail
	for len(claimed) < limit {
		out, err := call(ctx, s, "claim mail", func(ctx context.Context) (*ddb.QueryOutput, error) {
			return s.client.Query(ctx, q)
		})
		if err != nil {
			return claimed, fmt.Errorf("claim mail: %w", err)
		}
		for _, cand := range out.Items {
			if len(claimed) == limit {
				break
			}
			m, won, err := s.claimOne(ctx, cand, now, lease)
			if err != nil {
				return claimed, fmt.Errorf("claim mail: %w", err)
			}
			if won {
				claimed = append(claimed, m)
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		q.ExclusiveStartKey = out.LastEvaluatedKey
	}
	return claimed, nil
}

func (s *Store) claimOne(ctx context.Context, cand item, now time.Time, lease time.Duration) (store.QueuedMail, bool, error) {
	read, ok := cand["attempts"]
	if !ok {
		return store.QueuedMail{}, false, nil
	}
	out, err := call(ctx, s, "claim mail", func(ctx context.Context) (*ddb.UpdateItemOutput, error) {
		return s.client.UpdateItem(ctx, &ddb.UpdateItemInput{
			TableName:                &s.table,
			Key:                      item{AttrPK: cand[AttrPK], AttrSK: cand[AttrSK]},
			UpdateExpression:         aws.String("SET lease_ns = :lease, #attempts = #attempts + :one"),
			ConditionExpression:      aws.String("#attempts = :read AND lease_ns <= :now AND expires_ns > :now"),
			ExpressionAttributeNames: map[string]string{"#attempts": "attempts"},
			ExpressionAttributeValues: item{
				":lease": num(unixNano(now.Add(lease))),
				":one":   num(1),
				":read":  read,
				":now":   num(unixNano(now)),
			},
			ReturnValues: ddb.ReturnValueAllNew,
		})
	})
	if _, failed := conditionFailed(err); failed {
		return store.QueuedMail{}, false, nil // claimed by another, or gone
	}
	if err != nil {
		return store.QueuedMail{}, false, err
	}
	m, err := decodeQueuedMail(out.Attributes)
	if err != nil {
		return store.QueuedMail{}, false, err
	}
	return m, true, nil
}

// RetryMail implements store.MailQueue: an UpdateItem of the lease on
// condition that the item's attempts are still the caller's claim.
func (s *Store) RetryMail(ctx context.Context, m store.QueuedMail, at time.Time) error {
	_, err := call(ctx, s, "retry mail", func(ctx context.Context) (*ddb.UpdateItemOutput, error) {
		return s.client.UpdateItem(ctx, &ddb.UpdateItemInput{
			TableName:                           &s.table,
			Key:                                 mailQueueKey(m),
			UpdateExpression:                    aws.String("SET lease_ns = :at"),
			ConditionExpression:                 aws.String("attribute_exists(PK) AND #attempts = :held"),
			ExpressionAttributeNames:            map[string]string{"#attempts": "attempts"},
			ExpressionAttributeValues:           item{":at": num(leaseNanos(at.UTC())), ":held": num(int64(m.Attempts))},
			ReturnValuesOnConditionCheckFailure: ddb.ReturnValuesOnConditionCheckFailureAllOld,
		})
	})
	if old, failed := conditionFailed(err); failed {
		if len(old) == 0 {
			// Not returned (older emulators): read it.
			if _, gerr := s.getItem(ctx, "retry mail", mailQueueKey(m)); gerr != nil {
				return fmt.Errorf("retry mail: %w", gerr)
			}
		}
		return fmt.Errorf("retry mail: %w", store.ErrPrecondition)
	}
	if err != nil {
		return fmt.Errorf("retry mail: %w", err)
	}
	return nil
}

// DeleteMail implements store.MailQueue.
func (s *Store) DeleteMail(ctx context.Context, m store.QueuedMail) error {
	if err := s.deleteExisting(ctx, "delete mail", mailQueueKey(m)); err != nil {
		return fmt.Errorf("delete mail: %w", err)
	}
	return nil
}
