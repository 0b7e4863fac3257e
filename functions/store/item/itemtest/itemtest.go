// Package itemtest is the item layer's conformance suite: one set of tests
// that every adapter of store/item (boltdb, dynamodb) must pass, so that
// both answer the same, the limits and every kind of condition failure
// included. DynamoDB's semantics are the reference.
//
// An adapter's test runs it like this:
//
//	func TestConformance(t *testing.T) {
//		itemtest.Run(t, func(t *testing.T) item.DB { return open(t) }, itemtest.RunOptions{})
//	}
//
// Every subtest opens a fresh, empty DB with open, runs in parallel with the
// others, and closes the DB when it ends. Index (GSI1) reads are eventually
// consistent, so every assertion on the index polls for a few seconds
// instead of expecting a write to show at once.
package itemtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store/item"
)

// RunOptions describe what an adapter does where the layer allows either.
type RunOptions struct {
	// ExpiresPhysically: DeleteExpired removes every item whose expires_at
	// is at or before now and reports how many (bolt). Without it,
	// DeleteExpired must report 0 and remove nothing (DynamoDB, whose TTL
	// removes items in the background).
	ExpiresPhysically bool
}

// IndexWait is how long an index assertion polls before it fails.
const IndexWait = 3 * time.Second

type suite struct {
	open func(t *testing.T) item.DB
	opts RunOptions
}

// Run runs the conformance suite on the DBs open returns.
func Run(t *testing.T, open func(t *testing.T) item.DB, opts RunOptions) {
	s := &suite{open: open, opts: opts}
	tests := []struct {
		name string
		f    func(t *testing.T, db item.DB)
	}{
		{"Values", testValues},
		{"ValuesThroughEveryRead", testValuesThroughEveryRead},
		{"InvalidValues", testInvalidValues},
		{"PutReplaces", testPutReplaces},
		{"GetMissing", testGetMissing},
		{"BatchGet", testBatchGet},
		{"BatchGetMany", testBatchGetMany},
		{"QueryOrder", testQueryOrder},
		{"QueryPrefix", testQueryPrefix},
		{"QueryRange", testQueryRange},
		{"QueryPaging", testQueryPaging},
		{"QueryPagingExactMultiple", testQueryPagingExactMultiple},
		{"QueryPagingRange", testQueryPagingRange},
		{"QueryCursorElsewhere", testQueryCursorElsewhere},
		{"QueryCount", testQueryCount},
		{"QueryInvalid", testQueryInvalid},
		{"IndexMembership", testIndexMembership},
		{"IndexOrderAndPaging", testIndexOrderAndPaging},
		{"IndexMoves", testIndexMoves},
		{"TransactAllOrNothing", testTransactAllOrNothing},
		{"Conditions", testConditions},
		{"ConditionOnEveryKind", testConditionOnEveryKind},
		{"ConditionFirstOp", testConditionFirstOp},
		{"Update", testUpdate},
		{"UpdateInvalid", testUpdateInvalid},
		{"DeleteAndCheck", testDeleteAndCheck},
		{"Write", testWrite},
		{"LimitOps", testLimitOps},
		{"LimitOneOpPerItem", testLimitOneOpPerItem},
		{"LimitItemSize", testLimitItemSize},
		{"LimitUpdateSize", testLimitUpdateSize},
		{"InvalidTx", testInvalidTx},
		{"Token", testToken},
		{"TokenReused", testTokenReused},
		{"TokenAfterConditionFailed", testTokenAfterConditionFailed},
		{"ConcurrentCAS", testConcurrentCAS},
		{"ConcurrentCASTransactions", testConcurrentCASTransactions},
		{"ConcurrentCreate", testConcurrentCreate},
		{"ConcurrentCreateTransactions", testConcurrentCreateTransactions},
		{"ConcurrentIndexReads", testConcurrentIndexReads},
		{"Scan", testScan},
		{"ScanInvalid", testScanInvalid},
		{"DeleteExpired", s.testDeleteExpired},
		{"ContextCancelled", testContextCancelled},
		{"ContextCancelledMidway", testContextCancelledMidway},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.f(t, s.fresh(t))
		})
	}
}

func (s *suite) fresh(t *testing.T) item.DB {
	t.Helper()
	db := s.open(t)
	if db == nil {
		t.Fatal("open returned no DB")
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db
}

// ---- helpers

var bg = context.Background()

func key(pk, sk string) item.Key { return item.Key{PK: pk, SK: sk} }

// mk is an item of pk/sk with attributes given as name, value pairs.
func mk(pk, sk string, kv ...any) item.Item {
	it := item.Item{item.PK: pk, item.SK: sk}
	for i := 0; i+1 < len(kv); i += 2 {
		it[kv[i].(string)] = kv[i+1]
	}
	return it
}

func ops(o ...item.Op) item.Tx { return item.Tx{Ops: o} }

// token is unique per call: DynamoDB keeps tokens per account, not per
// table, and allows at most 36 characters.
func token() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return "t" + hex.EncodeToString(b)
}

func transact(t *testing.T, db item.DB, tx item.Tx) {
	t.Helper()
	if err := db.Transact(bg, tx); err != nil {
		t.Fatalf("transact: %v", err)
	}
}

// putAll writes items without conditions, up to MaxOps per transaction.
func putAll(t *testing.T, db item.DB, items ...item.Item) {
	t.Helper()
	for len(items) > 0 {
		n := min(len(items), item.MaxOps)
		var o []item.Op
		for _, it := range items[:n] {
			o = append(o, item.Put(it, nil))
		}
		transact(t, db, ops(o...))
		items = items[n:]
	}
}

func get(t *testing.T, db item.DB, k item.Key) item.Item {
	t.Helper()
	it, err := db.Get(bg, k)
	if err != nil {
		t.Fatalf("get %s: %v", k, err)
	}
	return it
}

// same reports whether got is want in the canonical form adapters return.
func same(got, want item.Item) bool {
	if want == nil || got == nil {
		return (want == nil) == (got == nil)
	}
	return reflect.DeepEqual(got, item.CanonicalItem(want))
}

func wantItem(t *testing.T, what string, got, want item.Item) {
	t.Helper()
	if !same(got, want) {
		t.Errorf("%s:\n got  %s\n want %s", what, show(got), show(item.CanonicalItem(want)))
	}
}

// wantStored checks that k holds want (nil: missing).
func wantStored(t *testing.T, db item.DB, k item.Key, want item.Item) {
	t.Helper()
	wantItem(t, "item "+k.String(), get(t, db, k), want)
}

func wantMissing(t *testing.T, db item.DB, keys ...item.Key) {
	t.Helper()
	for _, k := range keys {
		if it := get(t, db, k); it != nil {
			t.Errorf("item %s exists, want missing: %s", k, show(it))
		}
	}
}

// show prints an item with its attributes sorted and their Go types, so a
// []any where a []string belongs is visible.
func show(it item.Item) string {
	if it == nil {
		return "<nil>"
	}
	names := make([]string, 0, len(it))
	for n := range it {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("{")
	for i, n := range names {
		if i > 0 {
			b.WriteString(" ")
		}
		v := fmt.Sprintf("%#v", it[n])
		if len(v) > 120 {
			v = v[:60] + fmt.Sprintf("…(%d chars)…", len(v)) + v[len(v)-20:]
		}
		fmt.Fprintf(&b, "%s:%s", n, v)
	}
	b.WriteString("}")
	return b.String()
}

// wantErr checks errors.Is(err, target) for every target.
func wantErr(t *testing.T, what string, err error, targets ...error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %v", what, targets)
		return
	}
	for _, target := range targets {
		if !errors.Is(err, target) {
			t.Errorf("%s: error %q is not %q", what, err, target)
		}
	}
}

// wantFailed checks that err is a *item.ConditionFailed of operation index
// with the item as it was.
func wantFailed(t *testing.T, what string, err error, index int, current item.Item) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want condition %d failed", what, index)
		return
	}
	if !errors.Is(err, item.ErrCondition) {
		t.Errorf("%s: error %q is not ErrCondition", what, err)
	}
	var cf *item.ConditionFailed
	if !errors.As(err, &cf) {
		t.Errorf("%s: error %q (%T) is not a *ConditionFailed", what, err, err)
		return
	}
	i, cur, ok := item.FailedAt(err)
	if !ok || i != cf.Index {
		t.Errorf("%s: FailedAt = %d, %v", what, i, ok)
	}
	if cf.Index != index {
		t.Errorf("%s: failed operation %d, want %d", what, cf.Index, index)
	}
	if !same(cur, current) {
		t.Errorf("%s: Current:\n got  %s\n want %s", what, show(cur), show(item.CanonicalItem(current)))
	}
}

// eventually polls f until it returns nil, for at most IndexWait.
func eventually(t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(IndexWait)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still after %v: %v", what, IndexWait, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func keysOf(items []item.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Key().String()
	}
	return out
}

func sortKeys(items []item.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Key().SK
	}
	return out
}

func query(t *testing.T, db item.DB, q item.Query) item.Page {
	t.Helper()
	p, err := db.Query(bg, q)
	if err != nil {
		t.Fatalf("query %+v: %v", q, err)
	}
	if !q.CountOnly && p.Count != len(p.Items) {
		t.Errorf("query %+v: Count %d, %d items", q, p.Count, len(p.Items))
	}
	return p
}

// pageAll reads every page of q and checks the paging rules: every page
// but the last has exactly Limit items and a cursor, the last has "".
func pageAll(db item.DB, q item.Query) ([]item.Item, int, error) {
	var all []item.Item
	for pages := 1; ; pages++ {
		if pages > 10000 {
			return nil, pages, errors.New("no last page after 10,000")
		}
		p, err := db.Query(bg, q)
		if err != nil {
			return nil, pages, fmt.Errorf("page %d: %w", pages, err)
		}
		if p.Count != len(p.Items) {
			return nil, pages, fmt.Errorf("page %d: Count %d, %d items", pages, p.Count, len(p.Items))
		}
		if q.Limit > 0 && len(p.Items) > q.Limit {
			return nil, pages, fmt.Errorf("page %d: %d items over the limit %d", pages, len(p.Items), q.Limit)
		}
		all = append(all, p.Items...)
		if p.Cursor == "" {
			return all, pages, nil
		}
		if q.Limit > 0 && len(p.Items) != q.Limit {
			return nil, pages, fmt.Errorf("page %d: %d items and a cursor, want %d (the limit)", pages, len(p.Items), q.Limit)
		}
		if q.Limit == 0 {
			return nil, pages, fmt.Errorf("page %d: a cursor without a limit", pages)
		}
		q.Cursor = p.Cursor
	}
}

func mustPageAll(t *testing.T, db item.DB, q item.Query) ([]item.Item, int) {
	t.Helper()
	all, pages, err := pageAll(db, q)
	if err != nil {
		t.Fatalf("query %+v: %v", q, err)
	}
	return all, pages
}

func wantSortKeys(t *testing.T, what string, items []item.Item, want []string) {
	t.Helper()
	got := sortKeys(items)
	if !slices.Equal(got, want) {
		t.Errorf("%s: sort keys\n got  %q\n want %q", what, got, want)
	}
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// big is a string of n bytes.
func big(n int) string { return strings.Repeat("x", n) }
