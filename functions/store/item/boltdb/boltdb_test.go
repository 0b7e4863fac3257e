package boltdb_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store/item"
	"github.com/okaeri/okaeri/functions/store/item/boltdb"
	"github.com/okaeri/okaeri/functions/store/item/itemtest"
)

var bg = context.Background()

func open(t *testing.T, opts *boltdb.Options) *boltdb.DB {
	t.Helper()
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "items.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestConformance(t *testing.T) {
	itemtest.Run(t, func(t *testing.T) item.DB {
		return open(t, &boltdb.Options{NoSync: true})
	}, itemtest.RunOptions{ExpiresPhysically: true})
}

// TestConformanceIndexLag runs the suite with every index change 50 ms
// late, as DynamoDB's GSI may be.
func TestConformanceIndexLag(t *testing.T) {
	itemtest.Run(t, func(t *testing.T) item.DB {
		return open(t, &boltdb.Options{NoSync: true, IndexLag: 50 * time.Millisecond})
	}, itemtest.RunOptions{ExpiresPhysically: true})
}

func indexed(t *testing.T, db item.DB, q item.Query) []string {
	t.Helper()
	q.Index = item.GSI1
	p, err := db.Query(bg, q)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range p.Items {
		out = append(out, it.Key().String())
	}
	return out
}

// TestIndexLag proves the lag mode works: right after a write the index
// does not show it, the table does, and after the lag the index does too.
func TestIndexLag(t *testing.T) {
	const lag = 300 * time.Millisecond
	db := open(t, &boltdb.Options{NoSync: true, IndexLag: lag})
	defer db.Close()
	k := item.Key{PK: "P", SK: "1"}
	start := time.Now()
	if err := db.Transact(bg, item.Tx{Ops: []item.Op{item.Put(item.Item{item.PK: "P", item.SK: "1", item.GSI1PK: "X", item.GSI1SK: "a"}, nil)}}); err != nil {
		t.Fatal(err)
	}
	if got := indexed(t, db, item.Query{PK: "X"}); len(got) != 0 && time.Since(start) < lag {
		t.Errorf("the index shows a write at once: %q", got)
	}
	if p, err := db.Query(bg, item.Query{PK: "P"}); err != nil || len(p.Items) != 1 {
		t.Errorf("the table does not show its write at once: %+v, %v", p, err)
	}
	if it, err := db.Get(bg, k); err != nil || it == nil {
		t.Errorf("get right after the write: %v, %v", it, err)
	}
	time.Sleep(lag + 50*time.Millisecond)
	if got := indexed(t, db, item.Query{PK: "X"}); len(got) != 1 {
		t.Fatalf("the index after the lag: %q", got)
	}

	// A move: the old place keeps it for the lag, the new one lacks it.
	start = time.Now()
	if err := db.Transact(bg, item.Tx{Ops: []item.Op{item.Update(k, map[string]any{item.GSI1SK: "b"}, nil, nil, nil)}}); err != nil {
		t.Fatal(err)
	}
	oldPlace, newPlace := indexed(t, db, item.Query{PK: "X", Prefix: "a"}), indexed(t, db, item.Query{PK: "X", Prefix: "b"})
	if time.Since(start) < lag && (len(oldPlace) != 1 || len(newPlace) != 0) {
		t.Errorf("right after a move: old place %q, new place %q; want it still in the old one only", oldPlace, newPlace)
	}
	time.Sleep(lag + 50*time.Millisecond)
	oldPlace, newPlace = indexed(t, db, item.Query{PK: "X", Prefix: "a"}), indexed(t, db, item.Query{PK: "X", Prefix: "b"})
	if len(oldPlace) != 0 || len(newPlace) != 1 {
		t.Errorf("after the lag: old place %q, new place %q", oldPlace, newPlace)
	}

	// Index changes of one item apply in the order written.
	for _, sk := range []string{"c", "d", "e"} {
		if err := db.Transact(bg, item.Tx{Ops: []item.Op{item.Update(k, map[string]any{item.GSI1SK: sk}, nil, nil, nil)}}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(lag + 50*time.Millisecond)
	if p, err := db.Query(bg, item.Query{Index: item.GSI1, PK: "X", CountOnly: true}); err != nil || p.Count != 1 {
		t.Errorf("after three moves: %d entries, %v; want 1", p.Count, err)
	}
	if got := indexed(t, db, item.Query{PK: "X", Prefix: "e"}); len(got) != 1 {
		t.Errorf("after three moves: not at e: %q", got)
	}
}

// TestIndexLagConcurrent writes one item's index key from many goroutines
// while the index is read: the index ends with exactly the last value.
func TestIndexLagConcurrent(t *testing.T) {
	db := open(t, &boltdb.Options{NoSync: true, IndexLag: 5 * time.Millisecond})
	defer db.Close()
	k := item.Key{PK: "P", SK: "1"}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				db.Query(bg, item.Query{Index: item.GSI1, PK: "X"})
			}
		}
	}()
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				op := item.Update(k, map[string]any{item.GSI1PK: "X", item.GSI1SK: string(rune('a'+g)) + string(rune('a'+i%26))}, nil, nil, nil)
				if _, err := db.Write(bg, op); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	time.Sleep(50 * time.Millisecond)
	it, err := db.Get(bg, k)
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.Query(bg, item.Query{Index: item.GSI1, PK: "X"})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := db.Query(bg, item.Query{Index: item.GSI1, PK: "X", CountOnly: true}); n.Count != 1 || len(p.Items) != 1 || p.Items[0][item.GSI1SK] != it[item.GSI1SK] {
		t.Errorf("index after concurrent moves: %d entries, items %v; the item has GSI1SK %v", n.Count, p.Items, it[item.GSI1SK])
	}
}

// TestReopen: everything a transaction writes survives closing the file:
// items, index and TTL entries, and transaction tokens.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "items.db")
	now := time.Now()
	clock := func() time.Time { return now }
	db, err := boltdb.Open(path, &boltdb.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	tx := item.Tx{Token: "reopen-token", Ops: []item.Op{
		item.Put(item.Item{item.PK: "P", item.SK: "1", "v": int64(1), "l": []string{"a"}, "b": []byte{1}, item.GSI1PK: "X", item.GSI1SK: "a"}, item.NotExists()),
		item.Put(item.Item{item.PK: "P", item.SK: "2", item.TTL: int64(1000)}, nil),
		item.Update(item.Key{PK: "P", SK: "3"}, nil, map[string]int64{"n": 1}, nil, nil),
	}}
	if err := db.Transact(bg, tx); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// The file is locked while open.
	db, err = boltdb.Open(path, &boltdb.Options{Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := boltdb.Open(path, &boltdb.Options{Timeout: 100 * time.Millisecond}); err == nil {
		t.Error("a second Open of an open file succeeded")
	}
	defer db.Close()
	it, err := db.Get(bg, item.Key{PK: "P", SK: "1"})
	if err != nil || it == nil || it["v"] != int64(1) || len(it["l"].([]string)) != 1 || len(it["b"].([]byte)) != 1 {
		t.Fatalf("after reopening: %v, %v", it, err)
	}
	if got := indexed(t, db, item.Query{PK: "X"}); len(got) != 1 {
		t.Errorf("index after reopening: %q", got)
	}
	// The token is remembered: the replay changes nothing.
	if err := db.Transact(bg, tx); err != nil {
		t.Errorf("replay after reopening: %v", err)
	}
	if it, _ := db.Get(bg, item.Key{PK: "P", SK: "3"}); it["n"] != int64(1) {
		t.Errorf("replay after reopening applied again: %v", it)
	}
	if n, err := db.DeleteExpired(bg, time.Unix(1000, 0), nil); err != nil || n != 1 {
		t.Errorf("DeleteExpired after reopening = %d, %v; want 1", n, err)
	}
}

// TestTokenLife: a token is remembered for ten minutes, then forgotten.
func TestTokenLife(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	db := open(t, &boltdb.Options{NoSync: true, Now: clock})
	defer db.Close()
	k := item.Key{PK: "T", SK: "1"}
	tx := item.Tx{Token: "life", Ops: []item.Op{item.Update(k, nil, map[string]int64{"n": 1}, nil, nil)}}
	count := func() int64 { it, _ := db.Get(bg, k); n, _ := it["n"].(int64); return n }
	for range 2 {
		if err := db.Transact(bg, tx); err != nil {
			t.Fatal(err)
		}
	}
	advance(9 * time.Minute)
	if err := db.Transact(bg, tx); err != nil || count() != 1 {
		t.Errorf("after 9 minutes: %v, counter %d; want the replay ignored", err, count())
	}
	other := item.Tx{Token: "life", Ops: []item.Op{item.Delete(k, nil)}}
	if err := db.Transact(bg, other); err != item.ErrTokenReused {
		t.Errorf("reused after 9 minutes: %v", err)
	}
	advance(2 * time.Minute)
	if err := db.Transact(bg, tx); err != nil || count() != 2 {
		t.Errorf("after 11 minutes: %v, counter %d; want it applied again", err, count())
	}
	advance(11 * time.Minute)
	if _, err := db.DeleteExpired(bg, clock(), nil); err != nil {
		t.Fatal(err)
	}
	if err := db.Transact(bg, other); err != nil {
		t.Errorf("another transaction with a forgotten token: %v", err)
	}
}
