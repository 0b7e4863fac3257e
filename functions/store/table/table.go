// Package table is everything the portal stores, written once on the item
// layer (store/item): one single-table layout (docs/dynamodb.md) that the
// bolt file and the DynamoDB table both hold, and every domain operation
// (what to read, which rule to check, which counters and index items move
// together, what to do on a lost race) as item-layer transactions.
//
// Every record lives under a partition key with a type prefix (MEMBER#,
// EMAIL#, EMPNO#, TOKEN#, SESSION#, IDEMP#, AUDIT#, AUDITID#, RATE#, ROSTER#,
// ROSTEREMAIL#, JOBS, APP#, MEMBERAPP#, REF#, MEMBERREF# ...) and the one
// overloaded secondary index, GSI1, answers the lists that cross partitions
// (members by status, audit by time, a job's applications and referrals).
// Uniqueness is held by conditions in transactions, compare-and-swap by a
// version attribute, expiry by the TTL attribute expires_at plus a precise
// expires_ns checked on every read. Index reads are eventually consistent:
// nothing here relies on reading GSI1 right after a write. No request path
// scans; only Export does.
package table

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	kv "github.com/okaeri/okaeri/functions/store/item"
	"github.com/okaeri/okaeri/functions/waitctx"
)

// Attribute and index names of the table.
const (
	AttrPK       = kv.PK
	AttrSK       = kv.SK
	AttrGSI1PK   = kv.GSI1PK
	AttrGSI1SK   = kv.GSI1SK
	IndexGSI1    = kv.GSI1
	AttrTTL      = kv.TTL       // epoch seconds, for the engine's TTL
	attrExpireNS = "expires_ns" // Unix nanoseconds, for the precise check on read
)

// Options tune New.
type Options struct {
	// Now is the clock for CreatedAt/UpdatedAt defaults (default time.Now).
	Now func() time.Time
	// ExportSegments is how many parallel Scan segments Export reads (default 4).
	ExportSegments int
	// Logger receives debug notices (default slog.Default()).
	Logger *slog.Logger
}

// Store is the portal's store on an item layer. It is safe for concurrent use.
type Store struct {
	db             kv.DB
	now            func() time.Time
	exportSegments int
	log            *slog.Logger
}

var _ store.Store = (*Store)(nil)

// New returns the store on db; Close closes db.
func New(db kv.DB, o Options) *Store {
	s := &Store{db: db, now: o.Now, exportSegments: o.ExportSegments, log: o.Logger}
	if s.now == nil {
		s.now = time.Now
	}
	if s.exportSegments <= 0 {
		s.exportSegments = 4
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// DB is the item layer underneath.
func (s *Store) DB() kv.DB { return s.db }

// Close implements store.Store.
func (s *Store) Close() error { return s.db.Close() }

// DeleteExpired implements store.Store: the engine removes items whose TTL
// has passed (bolt does it now; DynamoDB's TTL does it in the background)
// and counts the records among them, not their index items.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int, error) {
	return s.db.DeleteExpired(ctx, now, func(it item) bool {
		decode, known := itemTypes[(&decoder{it: it}).str("type")]
		return known && decode != nil
	})
}

// ---- shared request shapes

// getItem is a consistent read; ErrNotFound if there is no item.
func (s *Store) getItem(ctx context.Context, op string, k kv.Key) (item, error) {
	it, err := s.db.Get(ctx, k)
	if err != nil {
		return nil, err
	}
	if it == nil {
		return nil, store.ErrNotFound
	}
	return it, nil
}

// getRecord reads the item at k (ErrNotFound if there is none) and
// returns it decoded, and as it is.
func getRecord[T any](ctx context.Context, s *Store, op string, k kv.Key, decode func(item) (T, error)) (T, item, error) {
	it, err := s.getItem(ctx, op, k)
	if err != nil {
		var zero T
		return zero, nil, err
	}
	v, err := decode(it)
	return v, it, err
}

// getDecoded is getRecord without the item.
func getDecoded[T any](ctx context.Context, s *Store, op string, k kv.Key, decode func(item) (T, error)) (T, error) {
	v, _, err := getRecord(ctx, s, op, k, decode)
	return v, err
}

// putIfAbsent is a Put that fails if the key is taken.
func putIfAbsent(it item) kv.Op { return kv.Put(it, kv.NotExists()) }

// transact applies ops in one transaction. One token serves the request,
// so an attempt that was applied but whose answer was lost is not applied
// again when the engine retries it. A single operation goes alone (on
// DynamoDB one conditional write costs half a transaction).
func (s *Store) transact(ctx context.Context, op string, ops []kv.Op) error {
	if len(ops) == 1 {
		return s.write(ctx, ops[0])
	}
	return s.db.Transact(ctx, kv.Tx{Ops: ops, Token: store.NewID()})
}

// write applies one operation without a token.
func (s *Store) write(ctx context.Context, op kv.Op) error {
	return s.db.Transact(ctx, kv.Tx{Ops: []kv.Op{op}})
}

// writeClaim applies op, a single conditional update that claims an item
// (a reminder, a mail's lease), and returns the item after it. op also
// sets attrClaim to a fresh nonce, so that the store recognises its own
// write when the SDK retried an attempt whose answer was lost (a 5xx or a
// timeout after DynamoDB applied it): the retry then fails its condition
// on an item that carries this call's nonce, and that is this call's win,
// not another claimer's. Without it such a claim would be reported lost
// and the reminder never sent.
func (s *Store) writeClaim(ctx context.Context, op kv.Op) (item, error) {
	nonce := store.NewID()
	set := make(map[string]any, len(op.Set)+1)
	for k, v := range op.Set {
		set[k] = v
	}
	set[attrClaim] = nonce
	op.Set = set
	after, err := s.db.Write(ctx, op)
	if cur, failed := conditionFailed(err); failed && cur != nil && cur[attrClaim] == nonce {
		return cur, nil
	}
	return after, err
}

// attrClaim holds the nonce of the last writeClaim on an item.
const attrClaim = "claim_nonce"

// failedAt reports whether err is a failed condition, on which operation,
// and that item as it was.
func failedAt(err error) (int, item, bool) { return kv.FailedAt(err) }

// conditionFailed reports whether a single write failed its condition,
// and returns the item as it was.
func conditionFailed(err error) (item, bool) {
	_, cur, ok := kv.FailedAt(err)
	return cur, ok
}

// conflictOf turns a transaction cancelled by a failed condition into the
// store's error: a *store.ConflictError naming fields[i] for the failed
// operation i when it has a field, ErrPrecondition otherwise. Other errors
// pass through.
func conflictOf(err error, fields []string) error {
	i, _, ok := kv.FailedAt(err)
	if !ok {
		return err
	}
	if i < len(fields) && fields[i] != "" {
		return &store.ConflictError{Field: fields[i]}
	}
	return fmt.Errorf("%w: %w", store.ErrPrecondition, err)
}

// wrapOp prefixes a failed operation's error with its name.
func wrapOp(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}

// wrapResult is wrapOp for an operation with a result: v, or the zero
// value when err is not nil.
func wrapResult[T any](op string, v T, err error) (T, error) {
	if err != nil {
		var zero T
		return zero, wrapOp(op, err)
	}
	return v, nil
}

// failedAs is instead when err is a failed condition, err otherwise.
func failedAs(err, instead error) error {
	if _, failed := conditionFailed(err); failed {
		return instead
	}
	return err
}

// putNew is a Put on condition that the key is free.
func (s *Store) putNew(ctx context.Context, op string, it item) error {
	return s.write(ctx, putIfAbsent(it))
}

// deleteExisting deletes k, ErrNotFound if there was none.
func (s *Store) deleteExisting(ctx context.Context, op string, k kv.Key) error {
	return failedAs(s.write(ctx, kv.Delete(k, kv.Exists())), store.ErrNotFound)
}

// queryPage reads one page of q for a store.Page: the cursor comes back
// only when another page exists, and a cursor of another list is refused.
func (s *Store) queryPage(ctx context.Context, q kv.Query, page store.Page) ([]item, string, error) {
	q.Limit, q.Cursor = page.Size(), page.Cursor
	p, err := s.db.Query(ctx, q)
	if err != nil {
		if page.Cursor != "" && errors.Is(err, kv.ErrInvalid) {
			return nil, "", &store.ValidationError{Field: "cursor", Code: "format"}
		}
		return nil, "", err
	}
	return p.Items, p.Cursor, nil
}

// queryAll reads every item of q, page after page.
func (s *Store) queryAll(ctx context.Context, q kv.Query) ([]item, error) {
	var out []item
	for {
		p, err := s.db.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if p.Cursor == "" {
			return out, nil
		}
		q.Cursor = p.Cursor
	}
}

// referencedItems reads the list entries q finds (a consistent Query) and
// then, in one BatchGet, the records they name (keyOf; nil where one is
// missing).
func (s *Store) referencedItems(ctx context.Context, q kv.Query, keyOf func(d *decoder) kv.Key) ([]item, error) {
	refs, err := s.queryAll(ctx, q)
	if err != nil || len(refs) == 0 {
		return nil, err
	}
	keys := make([]kv.Key, len(refs))
	for i, ref := range refs {
		keys[i] = keyOf(&decoder{it: ref})
	}
	return s.db.BatchGet(ctx, keys)
}

// decodeAll decodes every item with decode.
func decodeAll[T any](items []item, decode func(item) (T, error)) ([]T, error) {
	out := make([]T, 0, len(items))
	for _, it := range items {
		v, err := decode(it)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// queryAllOf reads every item of q, decoded.
func queryAllOf[T any](ctx context.Context, s *Store, q kv.Query, decode func(item) (T, error)) ([]T, error) {
	items, err := s.queryAll(ctx, q)
	if err != nil {
		return nil, err
	}
	return decodeAll(items, decode)
}

// queryPageOf is queryPage with the items decoded.
func queryPageOf[T any](ctx context.Context, s *Store, q kv.Query, page store.Page, decode func(item) (T, error)) ([]T, string, error) {
	items, cursor, err := s.queryPage(ctx, q, page)
	if err != nil {
		return nil, "", err
	}
	out, err := decodeAll(items, decode)
	if err != nil {
		return nil, "", err
	}
	return out, cursor, nil
}

// casDelay spaces out the re-reads of a compare-and-swap that lost a race.
// Losing means another writer succeeded, so the item is healthy: short
// waits keep latency low, and the jitter keeps a crowd of writers from
// colliding again. Uniform in [0, min(200ms, 5ms·2^(attempt-1))].
func casDelay(attempt int) time.Duration {
	ceiling := 200 * time.Millisecond
	if attempt-1 < 30 {
		if d := 5 * time.Millisecond << (attempt - 1); d > 0 && d < ceiling {
			ceiling = d
		}
	}
	return rand.N(ceiling + 1)
}

// retryRaces calls attempt until it returns an error that lost does not
// count as a lost race (nil among them), waiting casDelay after each lost
// one. A limit above 0 gives up after that many lost races in a row; 0
// never does.
func retryRaces(ctx context.Context, limit int, lost func(error) bool, attempt func() error) error {
	for n := 1; limit == 0 || n <= limit; n++ {
		err := attempt()
		if !lost(err) {
			return err
		}
		if err := waitctx.Sleep(ctx, casDelay(n)); err != nil {
			return err
		}
	}
	return fmt.Errorf("lost %d races in a row", limit)
}

// failedCondition counts any failed condition as a lost race.
func failedCondition(err error) bool {
	_, _, ok := failedAt(err)
	return ok
}

// versionChanged counts only errVersionChanged as a lost race.
func versionChanged(err error) bool { return errors.Is(err, errVersionChanged) }
