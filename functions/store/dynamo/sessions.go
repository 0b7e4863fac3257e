package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/dynamo/ddb"
)

// ---- tokens

// CreateToken implements store.Tokens with a PutItem on condition that the hash is new.
func (s *Store) CreateToken(ctx context.Context, t store.Token) error {
	t = t.Normalized()
	if err := t.Validate(); err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	err := s.putNew(ctx, "create token", tokenItem(t))
	if _, failed := conditionFailed(err); failed {
		return fmt.Errorf("create token: %w", &store.ConflictError{Field: "hash"})
	}
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	return nil
}

// ConsumeToken implements store.Tokens: one UpdateItem sets used_at on
// condition that the token exists, has the purpose, has not expired at now
// (TTL may not have removed it yet) and is unused, so exactly one of any
// number of concurrent callers succeeds.
func (s *Store) ConsumeToken(ctx context.Context, hash string, purpose store.TokenPurpose, now time.Time) (store.Token, error) {
	if hash == "" {
		return store.Token{}, fmt.Errorf("consume token: %w", store.ErrNotFound)
	}
	out, err := call(ctx, s, "consume token", func(ctx context.Context) (*ddb.UpdateItemOutput, error) {
		return s.client.UpdateItem(ctx, &ddb.UpdateItemInput{
			TableName:                 &s.table,
			Key:                       tokenKey(hash),
			UpdateExpression:          aws.String("SET used_at = :now"),
			ConditionExpression:       aws.String("attribute_exists(PK) AND #purpose = :p AND expires_ns > :ns AND attribute_not_exists(used_at)"),
			ExpressionAttributeNames:  map[string]string{"#purpose": "purpose"},
			ExpressionAttributeValues: item{":now": timeAttr(now), ":p": str(string(purpose)), ":ns": num(unixNano(now))},
			ReturnValues:              ddb.ReturnValueAllNew,
		})
	})
	if _, failed := conditionFailed(err); failed {
		return store.Token{}, fmt.Errorf("consume token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("consume token: %w", err)
	}
	t, err := decodeToken(out.Attributes)
	if err != nil {
		return store.Token{}, fmt.Errorf("consume token: %w", err)
	}
	return t, nil
}

// ---- sessions

// CreateSession implements store.Sessions: the session item and its entry in
// the member's partition are written in one transaction.
func (s *Store) CreateSession(ctx context.Context, sess store.Session) error {
	sess = sess.Normalized()
	if err := sess.Validate(); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	err := s.transact(ctx, "create session", []ddb.TransactWriteItem{
		s.putIfAbsent(sessionItem(sess)),
		{Put: &ddb.Put{TableName: &s.table, Item: memberSessionItem(sess)}},
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
	if err != nil {
		return store.Session{}, fmt.Errorf("get session: %w", err)
	}
	return sess, nil
}

func (s *Store) getSession(ctx context.Context, op, id string) (store.Session, error) {
	if id == "" {
		return store.Session{}, store.ErrNotFound
	}
	it, err := s.getItem(ctx, op, sessionKey(id))
	if err != nil {
		return store.Session{}, err
	}
	return decodeSession(it)
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
	update := item{":seen": timeAttr(sess.LastSeenAt), ":now": num(unixNano(now)), ":m": str(sess.MemberID)}
	expiry := item{}
	putExpiry(expiry, sess.ExpiresAt)
	update[":ttl"], update[":ns"] = expiry[AttrTTL], expiry[attrExpireNS]
	err = s.transact(ctx, "touch session", []ddb.TransactWriteItem{
		{Update: &ddb.Update{
			TableName:                 &s.table,
			Key:                       sessionKey(id),
			UpdateExpression:          aws.String("SET last_seen_at = :seen, expires_at = :ttl, expires_ns = :ns"),
			ConditionExpression:       aws.String("attribute_exists(PK) AND member_id = :m AND expires_ns > :now"),
			ExpressionAttributeValues: update,
		}},
		{Put: &ddb.Put{TableName: &s.table, Item: memberSessionItem(sess)}},
	})
	if failed, ok := canceledAt(err); ok && failed[0] {
		// Deleted or expired between the read and the write.
		return store.Session{}, fmt.Errorf("touch session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, fmt.Errorf("touch session: %w", err)
	}
	return sess, nil
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
	err := s.transact(ctx, "delete session", []ddb.TransactWriteItem{
		{Delete: &ddb.Delete{
			TableName:                 &s.table,
			Key:                       sessionKey(id),
			ConditionExpression:       aws.String("attribute_exists(PK) AND member_id = :m"),
			ExpressionAttributeValues: item{":m": str(memberID)},
		}},
		{Delete: &ddb.Delete{TableName: &s.table, Key: memberSessionKey(memberID, id)}},
	})
	if failed, ok := canceledAt(err); ok && failed[0] {
		// Already gone: drop the stale entry on its own.
		_, err := call(ctx, s, "delete session", func(ctx context.Context) (*ddb.DeleteItemOutput, error) {
			return s.client.DeleteItem(ctx, &ddb.DeleteItemInput{TableName: &s.table, Key: memberSessionKey(memberID, id)})
		})
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
	q := &ddb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("PK = :p AND begins_with(SK, :s)"),
		ExpressionAttributeValues: item{":p": str("MEMBER#" + memberID), ":s": str("SESSION#")},
		ConsistentRead:            aws.Bool(true),
	}
	n := 0
	for {
		out, err := call(ctx, s, "delete member sessions", func(ctx context.Context) (*ddb.QueryOutput, error) {
			return s.client.Query(ctx, q)
		})
		if err != nil {
			return n, fmt.Errorf("delete member sessions: %w", err)
		}
		for _, it := range out.Items {
			id := (&decoder{it: it}).str("session_id")
			deleted, err := s.deleteSession(ctx, memberID, id)
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return n, fmt.Errorf("delete member sessions: %w", err)
			}
			if deleted {
				n++
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return n, nil
		}
		q.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// putNew is a PutItem on condition that the key is free.
func (s *Store) putNew(ctx context.Context, op string, it item) error {
	_, err := call(ctx, s, op, func(ctx context.Context) (*ddb.PutItemOutput, error) {
		return s.client.PutItem(ctx, &ddb.PutItemInput{
			TableName:           &s.table,
			Item:                it,
			ConditionExpression: aws.String("attribute_not_exists(PK)"),
		})
	})
	return err
}
