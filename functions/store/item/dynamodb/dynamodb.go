// Package dynamodb is the item layer (store/item) on one DynamoDB table,
// through the AWS SDK's own client (service/dynamodb), with conditions and
// updates built by feature/dynamodb/expression and values encoded by
// feature/dynamodb/attributevalue.
//
// Transact of one operation is one PutItem, UpdateItem or DeleteItem (half
// the capacity of a transaction); anything else, or any transaction with a
// token, is one TransactWriteItems. Every write asks for the old item when
// its condition fails, so *item.ConditionFailed carries it. Throttling is
// retried by the SDK's retryer, and so is a single write refused with
// TransactionConflictException (a transaction holds its item), which the
// SDK does not retry by itself; a transaction cancelled by a conflict with
// another is retried here, with jittered backoff: it was not applied, so a
// retry cannot write twice.
package dynamodb

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/okaeri/okaeri/functions/awsenv"
	"github.com/okaeri/okaeri/functions/store/item"
	"github.com/okaeri/okaeri/functions/waitctx"
)

// DB is the DynamoDB item layer on one table.
type DB struct {
	api         api
	table       string
	maxAttempts int
}

// api is the client's methods that DB calls, held as method values and
// not as the *dynamodb.Client: html/template calls methods by name, so
// the linker keeps every exported method of any type an interface value
// can reach, and a struct field reaches its type. Holding the client
// would link all 59 of DynamoDB's operations into every function; for
// the same reason DB has no method that returns the client.
type api struct {
	getItem            func(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	batchGetItem       func(context.Context, *dynamodb.BatchGetItemInput, ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	query              func(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	scan               func(context.Context, *dynamodb.ScanInput, ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	transactWriteItems func(context.Context, *dynamodb.TransactWriteItemsInput, ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
	putItem            func(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	updateItem         func(context.Context, *dynamodb.UpdateItemInput, ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	deleteItem         func(context.Context, *dynamodb.DeleteItemInput, ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

var _ item.DB = (*DB)(nil)

// Config selects the table and how to reach it.
type Config struct {
	// Table is the table name (required).
	Table string
	// Region overrides the region the SDK finds (AWS_REGION on Lambda).
	Region string
	// Endpoint is a custom endpoint such as DynamoDB Local's
	// http://127.0.0.1:8000 (any region and credentials do there).
	Endpoint string
	// AWS finds the region and credentials (nil: the Lambda environment,
	// awsenv.FromEnv; the okaeri command passes awsenv/chain's
	// config.LoadDefaultConfig).
	AWS awsenv.Loader
	// ClientOptions adjust the client after the defaults (tests, benchmarks).
	ClientOptions []func(*dynamodb.Options)
}

// Open builds the SDK client (NewClient) and returns the item layer on
// cfg.Table. It makes no request.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Table == "" {
		return nil, errors.New("dynamodb: no table name")
	}
	client, err := NewClient(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return New(client, cfg.Table), nil
}

// NewClient builds the SDK client for cfg (awsenv.Load: credentials and
// region from the environment, shared files or the role), the one Open
// uses. It makes no request. DB does not hand its client out (see api):
// what needs the client itself (CreateTable, tests) builds one here.
func NewClient(ctx context.Context, cfg Config) (*dynamodb.Client, error) {
	awsCfg, err := awsenv.Load(ctx, cfg.AWS, awsenv.Options{Region: cfg.Region, Endpoint: cfg.Endpoint})
	if err != nil {
		return nil, fmt.Errorf("dynamodb: %w", err)
	}
	opts := cfg.ClientOptions
	if cfg.Endpoint != "" {
		// DynamoDB Local sends error answers without their X-Amz-Crc32, and
		// the SDK warns on each (every failed condition); AWS's answers are
		// checked as usual.
		opts = append([]func(*dynamodb.Options){func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true }}, opts...)
	}
	return dynamodb.NewFromConfig(awsCfg, opts...), nil
}

// New returns the item layer on table through client. It makes no request.
func New(client *dynamodb.Client, table string) *DB {
	return &DB{api: api{
		getItem:            client.GetItem,
		batchGetItem:       client.BatchGetItem,
		query:              client.Query,
		scan:               client.Scan,
		transactWriteItems: client.TransactWriteItems,
		putItem:            client.PutItem,
		updateItem:         client.UpdateItem,
		deleteItem:         client.DeleteItem,
	}, table: table, maxAttempts: 8}
}

// Table is the table's name.
func (d *DB) Table() string { return d.table }

// Close implements item.DB.
func (d *DB) Close() error { return nil }

// DeleteExpired implements item.DB: DynamoDB's TTL removes expired items
// in the background; finding them here would need a Scan.
func (d *DB) DeleteExpired(ctx context.Context, now time.Time, count func(item.Item) bool) (int, error) {
	return 0, ctx.Err()
}

// ---- values

func toAV(v any) (types.AttributeValue, error) {
	switch v := v.(type) {
	case int64:
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}, nil
	case []byte:
		if v == nil {
			v = []byte{}
		}
		return &types.AttributeValueMemberB{Value: v}, nil
	case []string:
		l := make([]types.AttributeValue, len(v))
		for i, s := range v {
			l[i] = &types.AttributeValueMemberS{Value: s}
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case []any:
		l := make([]types.AttributeValue, len(v))
		for i, e := range v {
			av, err := toAV(e)
			if err != nil {
				return nil, err
			}
			l[i] = av
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case map[string]any:
		m := make(map[string]types.AttributeValue, len(v))
		for k, e := range v {
			av, err := toAV(e)
			if err != nil {
				return nil, err
			}
			m[k] = av
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	// string and bool: the SDK's own encoding.
	return attributevalue.Marshal(v)
}

func toAVs(it item.Item) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(it))
	for n, v := range it {
		av, err := toAV(v)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", item.ErrInvalid, n, err)
		}
		out[n] = av
	}
	return out, nil
}

func fromAV(av types.AttributeValue) (any, error) {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return v.Value, nil
	case *types.AttributeValueMemberN:
		n, err := strconv.ParseInt(v.Value, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("number %q is not an int64", v.Value)
		}
		return n, nil
	case *types.AttributeValueMemberB:
		return v.Value, nil
	case *types.AttributeValueMemberBOOL:
		return v.Value, nil
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			x, err := fromAV(e)
			if err != nil {
				return nil, err
			}
			l[i] = x
		}
		return l, nil
	case *types.AttributeValueMemberM:
		m := make(map[string]any, len(v.Value))
		for k, e := range v.Value {
			x, err := fromAV(e)
			if err != nil {
				return nil, err
			}
			m[k] = x
		}
		return m, nil
	case *types.AttributeValueMemberSS:
		return v.Value, nil
	}
	return nil, fmt.Errorf("unsupported attribute type %T", av)
}

func fromAVs(m map[string]types.AttributeValue) (item.Item, error) {
	if m == nil {
		return nil, nil
	}
	it := make(item.Item, len(m))
	for n, av := range m {
		v, err := fromAV(av)
		if err != nil {
			return nil, fmt.Errorf("dynamodb: attribute %s: %w", n, err)
		}
		it[n] = item.Canonical(v)
	}
	return it, nil
}

func keyAVs(k item.Key) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		item.PK: &types.AttributeValueMemberS{Value: k.PK},
		item.SK: &types.AttributeValueMemberS{Value: k.SK},
	}
}

// value is an expression operand with our encoding.
func value(v any) expression.ValueBuilder {
	av, err := toAV(v)
	if err != nil {
		return expression.Value(v) // CheckTx has refused it already
	}
	return expression.Value(av)
}

// ---- conditions

func condition(c item.Cond) expression.ConditionBuilder {
	switch c := c.(type) {
	case item.CondExists:
		if c.Not {
			return expression.AttributeNotExists(expression.Name(item.PK))
		}
		return expression.AttributeExists(expression.Name(item.PK))
	case item.CondHas:
		if c.Not {
			return expression.AttributeNotExists(expression.Name(c.Attr))
		}
		return expression.AttributeExists(expression.Name(c.Attr))
	case item.CondCompare:
		n, v := expression.Name(c.Attr), value(c.Value)
		switch c.Op {
		case "=":
			return n.Equal(v)
		case "<>":
			// Absent counts as different, whatever the engine thinks.
			return expression.AttributeNotExists(n).Or(n.NotEqual(v))
		case "<":
			return n.LessThan(v)
		case "<=":
			return n.LessThanEqual(v)
		case ">":
			return n.GreaterThan(v)
		default:
			return n.GreaterThanEqual(v)
		}
	case item.CondAnd:
		return combine(c, expression.And)
	case item.CondOr:
		return combine(c, expression.Or)
	}
	panic(fmt.Sprintf("dynamodb: unknown condition %T", c)) // CheckTx refuses these
}

func combine(cs []item.Cond, join func(l, r expression.ConditionBuilder, more ...expression.ConditionBuilder) expression.ConditionBuilder) expression.ConditionBuilder {
	if len(cs) == 1 {
		return condition(cs[0])
	}
	more := make([]expression.ConditionBuilder, 0, len(cs)-2)
	for _, c := range cs[2:] {
		more = append(more, condition(c))
	}
	return join(condition(cs[0]), condition(cs[1]), more...)
}

// expr builds an operation's condition and update expressions.
func expr(op item.Op) (expression.Expression, bool, error) {
	b := expression.NewBuilder()
	used := false
	if op.If != nil {
		b = b.WithCondition(condition(op.If))
		used = true
	}
	if op.Kind == item.OpUpdate {
		// In sorted order: the builder names attributes #0, #1... as they
		// come, so the same operation always makes the same request, as a
		// retry with the transaction's token must (DynamoDB refuses a token
		// that comes back with other parameters).
		var u expression.UpdateBuilder
		for _, n := range slices.Sorted(maps.Keys(op.Set)) {
			u = u.Set(expression.Name(n), value(op.Set[n]))
		}
		for _, n := range slices.Sorted(maps.Keys(op.Add)) {
			u = u.Add(expression.Name(n), value(op.Add[n]))
		}
		for _, n := range op.Remove {
			u = u.Remove(expression.Name(n))
		}
		b = b.WithUpdate(u)
		used = true
	}
	if !used {
		return expression.Expression{}, false, nil
	}
	e, err := b.Build()
	if err != nil {
		return e, false, fmt.Errorf("%w: %v", item.ErrInvalid, err)
	}
	return e, true, nil
}

// ---- reads

// Get implements item.DB.
func (d *DB) Get(ctx context.Context, k item.Key) (item.Item, error) {
	out, err := d.api.getItem(ctx, &dynamodb.GetItemInput{
		TableName: &d.table, Key: keyAVs(k), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("dynamodb: get: %w", err)
	}
	return fromAVs(out.Item)
}

// BatchGet implements item.DB: BatchGetItem of 100 keys at a time,
// unprocessed keys asked again with backoff.
func (d *DB) BatchGet(ctx context.Context, keys []item.Key) ([]item.Item, error) {
	found := make(map[item.Key]item.Item, len(keys))
	var todo []item.Key
	seen := map[item.Key]bool{}
	for _, k := range keys {
		if !seen[k] {
			seen[k] = true
			todo = append(todo, k)
		}
	}
	for len(todo) > 0 {
		n := min(len(todo), 100)
		chunk := todo[:n]
		todo = todo[n:]
		req := &types.KeysAndAttributes{ConsistentRead: aws.Bool(true)}
		for _, k := range chunk {
			req.Keys = append(req.Keys, keyAVs(k))
		}
		pending := map[string]types.KeysAndAttributes{d.table: *req}
		for attempt := 1; len(pending) > 0; attempt++ {
			out, err := d.api.batchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
			if err != nil {
				return nil, fmt.Errorf("dynamodb: batch get: %w", err)
			}
			for _, m := range out.Responses[d.table] {
				it, err := fromAVs(m)
				if err != nil {
					return nil, err
				}
				found[it.Key()] = it
			}
			pending = out.UnprocessedKeys
			if len(pending[d.table].Keys) == 0 {
				break
			}
			if attempt >= d.maxAttempts {
				return nil, errors.New("dynamodb: batch get: keys left unprocessed")
			}
			if err := waitctx.Sleep(ctx, backoff(attempt)); err != nil {
				return nil, err
			}
		}
	}
	out := make([]item.Item, len(keys))
	for i, k := range keys {
		out[i] = found[k]
	}
	return out, nil
}

// Query implements item.DB. A page of n items asks for n+1, so that a
// cursor means there is more, as on bolt.
func (d *DB) Query(ctx context.Context, q item.Query) (item.Page, error) {
	if err := item.CheckQuery(q); err != nil {
		return item.Page{}, err
	}
	pkName, skName := item.PK, item.SK
	if q.Index == item.GSI1 {
		pkName, skName = item.GSI1PK, item.GSI1SK
	}
	kc := expression.Key(pkName).Equal(expression.Value(q.PK))
	sk := expression.Key(skName)
	switch {
	case q.Prefix != "":
		kc = kc.And(sk.BeginsWith(q.Prefix))
	case q.From != "" && q.To != "":
		kc = kc.And(sk.Between(expression.Value(q.From), expression.Value(q.To)))
	case q.From != "":
		kc = kc.And(sk.GreaterThanEqual(expression.Value(q.From)))
	case q.To != "":
		kc = kc.And(sk.LessThanEqual(expression.Value(q.To)))
	}
	e, err := expression.NewBuilder().WithKeyCondition(kc).Build()
	if err != nil {
		return item.Page{}, fmt.Errorf("%w: %v", item.ErrInvalid, err)
	}
	in := &dynamodb.QueryInput{
		TableName:                 &d.table,
		KeyConditionExpression:    e.KeyCondition(),
		ExpressionAttributeNames:  e.Names(),
		ExpressionAttributeValues: e.Values(),
		ScanIndexForward:          aws.Bool(!q.Reverse),
	}
	if q.Index == item.GSI1 {
		in.IndexName = aws.String(item.GSI1)
	} else {
		in.ConsistentRead = aws.Bool(true)
	}
	if q.CountOnly {
		in.Select = types.SelectCount
		page := item.Page{}
		for {
			out, err := d.api.query(ctx, in)
			if err != nil {
				return item.Page{}, fmt.Errorf("dynamodb: query: %w", err)
			}
			page.Count += int(out.Count)
			if len(out.LastEvaluatedKey) == 0 {
				return page, nil
			}
			in.ExclusiveStartKey = out.LastEvaluatedKey
		}
	}
	if q.Cursor != "" {
		c, err := item.DecodeCursor(q)
		if err != nil {
			return item.Page{}, err
		}
		start := keyAVs(c.Key)
		if q.Index == item.GSI1 {
			start[item.GSI1PK] = &types.AttributeValueMemberS{Value: c.IndexKey.PK}
			start[item.GSI1SK] = &types.AttributeValueMemberS{Value: c.IndexKey.SK}
		}
		in.ExclusiveStartKey = start
	}
	return d.pages(q.Limit, q.Index, func(start map[string]types.AttributeValue, limit *int32) ([]map[string]types.AttributeValue, map[string]types.AttributeValue, error) {
		if start != nil {
			in.ExclusiveStartKey = start
		}
		in.Limit = limit
		out, err := d.api.query(ctx, in)
		if err != nil {
			return nil, nil, fmt.Errorf("dynamodb: query: %w", err)
		}
		return out.Items, out.LastEvaluatedKey, nil
	})
}

// pages reads up to limit items (0: all) through read, then one more to
// learn whether the page is the last.
func (d *DB) pages(limit int, index string, read func(start map[string]types.AttributeValue, limit *int32) ([]map[string]types.AttributeValue, map[string]types.AttributeValue, error)) (item.Page, error) {
	var page item.Page
	var start map[string]types.AttributeValue
	for {
		var lim *int32
		if limit > 0 {
			lim = aws.Int32(int32(limit + 1 - len(page.Items)))
		}
		raw, last, err := read(start, lim)
		if err != nil {
			return item.Page{}, err
		}
		for _, m := range raw {
			it, err := fromAVs(m)
			if err != nil {
				return item.Page{}, err
			}
			if limit > 0 && len(page.Items) == limit {
				page.Cursor = item.EncodeCursor(index, page.Items[limit-1])
				page.Count = len(page.Items)
				return page, nil
			}
			page.Items = append(page.Items, it)
		}
		if len(last) == 0 {
			page.Count = len(page.Items)
			return page, nil
		}
		start = last
	}
}

// Scan implements item.DB: one segment, consistent.
func (d *DB) Scan(ctx context.Context, s item.ScanInput) (item.Page, error) {
	if err := item.CheckScan(s); err != nil {
		return item.Page{}, err
	}
	in := &dynamodb.ScanInput{
		TableName:      &d.table,
		ConsistentRead: aws.Bool(true),
		Segment:        aws.Int32(int32(s.Segment)),
		TotalSegments:  aws.Int32(int32(s.Segments)),
	}
	if s.Cursor != "" {
		k, err := item.DecodeScanCursor(s.Cursor)
		if err != nil {
			return item.Page{}, err
		}
		in.ExclusiveStartKey = keyAVs(k)
	}
	page, err := d.pages(s.Limit, "", func(start map[string]types.AttributeValue, limit *int32) ([]map[string]types.AttributeValue, map[string]types.AttributeValue, error) {
		if start != nil {
			in.ExclusiveStartKey = start
		}
		in.Limit = limit
		out, err := d.api.scan(ctx, in)
		if err != nil {
			return nil, nil, fmt.Errorf("dynamodb: scan: %w", err)
		}
		return out.Items, out.LastEvaluatedKey, nil
	})
	if page.Cursor != "" {
		page.Cursor = item.EncodeScanCursor(page.Items[len(page.Items)-1].Key())
	}
	return page, err
}

// ---- writes

// Transact implements item.DB.
func (d *DB) Transact(ctx context.Context, tx item.Tx) error {
	if err := item.CheckTx(tx); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(tx.Ops) == 1 && tx.Token == "" && tx.Ops[0].Kind != item.OpCheck {
		return d.single(ctx, tx.Ops[0])
	}
	in := &dynamodb.TransactWriteItemsInput{}
	if tx.Token != "" {
		in.ClientRequestToken = aws.String(tx.Token)
	}
	for _, op := range tx.Ops {
		w, err := d.transactItem(op)
		if err != nil {
			return err
		}
		in.TransactItems = append(in.TransactItems, w)
	}
	for attempt := 1; ; attempt++ {
		_, err := d.api.transactWriteItems(ctx, in)
		if err == nil {
			return nil
		}
		var canceled *types.TransactionCanceledException
		if errors.As(err, &canceled) {
			retry := false
			for i, r := range canceled.CancellationReasons {
				switch aws.ToString(r.Code) {
				case "ConditionalCheckFailed":
					cur, derr := fromAVs(r.Item)
					if derr != nil {
						return derr
					}
					if cur == nil && tx.Ops[i].Kind != item.OpPut {
						// An engine that does not return the old item in a
						// transaction (some DynamoDB Local versions): read it.
						cur, _ = d.Get(ctx, tx.Ops[i].Key)
					}
					return &item.ConditionFailed{Index: i, Current: cur}
				case "TransactionConflict", "ReplicatedWriteConflict", "ProvisionedThroughputExceeded", "ThrottlingError", "RequestLimitExceeded":
					retry = true
				case "ValidationError":
					return validation(aws.ToString(r.Message), err)
				}
			}
			if retry && attempt < d.maxAttempts {
				if werr := waitctx.Sleep(ctx, backoff(attempt)); werr != nil {
					return errors.Join(err, werr)
				}
				continue
			}
		}
		var mismatch *types.IdempotentParameterMismatchException
		if errors.As(err, &mismatch) {
			return item.ErrTokenReused
		}
		var inProgress *types.TransactionInProgressException
		if errors.As(err, &inProgress) && attempt < d.maxAttempts {
			if werr := waitctx.Sleep(ctx, backoff(attempt)); werr != nil {
				return errors.Join(err, werr)
			}
			continue
		}
		return mapError("transact", err)
	}
}

func (d *DB) transactItem(op item.Op) (types.TransactWriteItem, error) {
	e, has, err := expr(op)
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	cond, names, values := condParts(e, has, op.If != nil)
	old := types.ReturnValuesOnConditionCheckFailureAllOld
	switch op.Kind {
	case item.OpPut:
		avs, err := toAVs(op.Item)
		if err != nil {
			return types.TransactWriteItem{}, err
		}
		return types.TransactWriteItem{Put: &types.Put{TableName: &d.table, Item: avs,
			ConditionExpression: cond, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
			ReturnValuesOnConditionCheckFailure: old}}, nil
	case item.OpUpdate:
		return types.TransactWriteItem{Update: &types.Update{TableName: &d.table, Key: keyAVs(op.Key),
			UpdateExpression: e.Update(), ConditionExpression: cond, ExpressionAttributeNames: names,
			ExpressionAttributeValues: values, ReturnValuesOnConditionCheckFailure: old}}, nil
	case item.OpDelete:
		return types.TransactWriteItem{Delete: &types.Delete{TableName: &d.table, Key: keyAVs(op.Key),
			ConditionExpression: cond, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
			ReturnValuesOnConditionCheckFailure: old}}, nil
	default:
		return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &d.table, Key: keyAVs(op.Key),
			ConditionExpression: cond, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
			ReturnValuesOnConditionCheckFailure: old}}, nil
	}
}

func condParts(e expression.Expression, has, hasCond bool) (*string, map[string]string, map[string]types.AttributeValue) {
	if !has {
		return nil, nil, nil
	}
	var cond *string
	if hasCond {
		cond = e.Condition()
	}
	return cond, e.Names(), e.Values()
}

// Write implements item.DB with one PutItem, UpdateItem (ReturnValues
// ALL_NEW) or DeleteItem.
func (d *DB) Write(ctx context.Context, op item.Op) (item.Item, error) {
	if err := item.CheckTx(item.Tx{Ops: []item.Op{op}}); err != nil {
		return nil, err
	}
	if op.Kind == item.OpCheck {
		return nil, fmt.Errorf("%w: Write of a check", item.ErrInvalid)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return d.write(ctx, op)
}

// single applies one operation with its own request.
func (d *DB) single(ctx context.Context, op item.Op) error {
	_, err := d.write(ctx, op)
	return err
}

func (d *DB) write(ctx context.Context, op item.Op) (item.Item, error) {
	e, has, err := expr(op)
	if err != nil {
		return nil, err
	}
	cond, names, values := condParts(e, has, op.If != nil)
	old := types.ReturnValuesOnConditionCheckFailureAllOld
	switch op.Kind {
	case item.OpPut:
		avs, err := toAVs(op.Item)
		if err != nil {
			return nil, err
		}
		_, err = d.api.putItem(ctx, &dynamodb.PutItemInput{TableName: &d.table, Item: avs,
			ConditionExpression: cond, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
			ReturnValuesOnConditionCheckFailure: old}, retryConflicts)
		if err != nil {
			return nil, d.singleError(ctx, op, err)
		}
		return item.CanonicalItem(op.Item), nil
	case item.OpUpdate:
		out, err := d.api.updateItem(ctx, &dynamodb.UpdateItemInput{TableName: &d.table, Key: keyAVs(op.Key),
			UpdateExpression: e.Update(), ConditionExpression: cond, ExpressionAttributeNames: names,
			ExpressionAttributeValues: values, ReturnValuesOnConditionCheckFailure: old,
			ReturnValues: types.ReturnValueAllNew}, retryConflicts)
		if err != nil {
			return nil, d.singleError(ctx, op, err)
		}
		return fromAVs(out.Attributes)
	default:
		_, err = d.api.deleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &d.table, Key: keyAVs(op.Key),
			ConditionExpression: cond, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
			ReturnValuesOnConditionCheckFailure: old}, retryConflicts)
		return nil, d.singleError(ctx, op, err)
	}
}

// retryConflicts makes the SDK's retryer retry a single write that
// DynamoDB refused with TransactionConflictException because a transaction
// holds the item: the write was not applied, so trying again cannot apply
// it twice, and the transaction ends within milliseconds. The SDK's
// standard retryer retries throttling but not this.
//
// ReplicatedWriteConflictException is the same for a global table with
// strong consistency across Regions: another Region's request holds the
// item, this one was not applied.
func retryConflicts(o *dynamodb.Options) {
	o.Retryer = retry.AddWithErrorCodes(o.Retryer,
		(&types.TransactionConflictException{}).ErrorCode(), (&types.ReplicatedWriteConflictException{}).ErrorCode())
}

func (d *DB) singleError(ctx context.Context, op item.Op, err error) error {
	if err == nil {
		return nil
	}
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		cur, derr := fromAVs(ccf.Item)
		if derr != nil {
			return derr
		}
		return &item.ConditionFailed{Index: 0, Current: cur}
	}
	return mapError(op.Kind.String(), err)
}

// mapError turns DynamoDB's refusals of a request into the layer's errors.
func mapError(op string, err error) error {
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "ValidationException" {
		return validation(api.ErrorMessage(), err)
	}
	return fmt.Errorf("dynamodb: %s: %w", op, err)
}

func validation(msg string, err error) error {
	lower := strings.ToLower(msg)
	if strings.Contains(lower, "item size") || strings.Contains(lower, "maximum allowed size") {
		return fmt.Errorf("%w (%s)", item.ErrTooLarge, msg)
	}
	return fmt.Errorf("%w: dynamodb: %s", item.ErrInvalid, msg)
}

// backoff is the wait before attempt+1: full jitter under 10 ms·2^attempt, at most 1 s.
func backoff(attempt int) time.Duration {
	ceiling := min(10*time.Millisecond<<min(attempt, 10), time.Second)
	return rand.N(ceiling) + time.Millisecond
}
