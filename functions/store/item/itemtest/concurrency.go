package itemtest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store/item"
)

const (
	racers     = 20
	increments = 3
)

// race runs f in racers goroutines at once and returns their errors.
func race(f func(i int) error) []error {
	errs := make([]error, racers)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range racers {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			errs[i] = f(i)
		}()
	}
	start.Done()
	done.Wait()
	return errs
}

// casIncrement adds 1 to k's n if n is still what it read, retrying from
// the value a failed condition reports.
func casIncrement(db item.DB, k item.Key, extra func(attempt int) []item.Op) error {
	cur, err := db.Get(bg, k)
	if err != nil {
		return err
	}
	for attempt := 0; attempt < 1000; attempt++ {
		var cond item.Cond = item.NotExists()
		if cur != nil {
			n, ok := cur["n"].(int64)
			if !ok {
				return fmt.Errorf("counter %s", show(cur))
			}
			cond = item.Eq("n", n)
		}
		o := []item.Op{item.Update(k, nil, map[string]int64{"n": 1}, nil, cond)}
		if extra != nil {
			o = append(o, extra(attempt)...)
		}
		err := db.Transact(bg, ops(o...))
		i, now, failed := item.FailedAt(err)
		switch {
		case err == nil:
			return nil
		case !failed:
			return err
		case i != 0:
			return fmt.Errorf("operation %d failed: %w", i, err)
		}
		cur = now // the value that beat us
	}
	return errors.New("no success in 1,000 attempts")
}

func testConcurrentCAS(t *testing.T, db item.DB) {
	k := key("CAS", "counter")
	for i, err := range race(func(int) error {
		for range increments {
			if err := casIncrement(db, k, nil); err != nil {
				return err
			}
		}
		return nil
	}) {
		if err != nil {
			t.Errorf("racer %d: %v", i, err)
		}
	}
	if n := counter(t, db, k); n != racers*increments {
		t.Errorf("counter %d, want %d", n, racers*increments)
	}
}

func testConcurrentCASTransactions(t *testing.T, db item.DB) {
	k := key("CAS", "counter")
	var wins atomic.Int64
	for i, err := range race(func(i int) error {
		for j := range increments {
			err := casIncrement(db, k, func(attempt int) []item.Op {
				return []item.Op{item.Put(mk("CAS-log", fmt.Sprintf("%02d-%d", i, j), "attempt", int64(attempt)), item.NotExists())}
			})
			if err != nil {
				return err
			}
			wins.Add(1)
		}
		return nil
	}) {
		if err != nil {
			t.Errorf("racer %d: %v", i, err)
		}
	}
	if n := counter(t, db, k); n != wins.Load() || n != racers*increments {
		t.Errorf("counter %d, %d wins, want %d", n, wins.Load(), racers*increments)
	}
	if p := query(t, db, item.Query{PK: "CAS-log", CountOnly: true}); p.Count != racers*increments {
		t.Errorf("%d log items, want %d", p.Count, racers*increments)
	}
}

func testConcurrentCreate(t *testing.T, db item.DB) {
	k := key("ONE", "x")
	errs := race(func(i int) error {
		return db.Transact(bg, ops(item.Put(mk("ONE", "x", "owner", int64(i)), item.NotExists())))
	})
	checkOneWinner(t, db, k, errs, 0)
}

func testConcurrentCreateTransactions(t *testing.T, db item.DB) {
	k := key("ONE", "x")
	errs := race(func(i int) error {
		return db.Transact(bg, ops(
			item.Put(mk("ONE-mine", fmt.Sprint(i)), item.NotExists()),
			item.Put(mk("ONE", "x", "owner", int64(i)), item.NotExists()),
		))
	})
	winner := checkOneWinner(t, db, k, errs, 1)
	for i := range racers {
		it := get(t, db, key("ONE-mine", fmt.Sprint(i)))
		if (it != nil) != (i == winner) {
			t.Errorf("racer %d's other item: %s (winner %d)", i, show(it), winner)
		}
	}
}

func checkOneWinner(t *testing.T, db item.DB, k item.Key, errs []error, index int) int {
	t.Helper()
	winner := -1
	for i, err := range errs {
		if err == nil {
			if winner >= 0 {
				t.Errorf("racers %d and %d both created %s", winner, i, k)
			}
			winner = i
		}
	}
	if winner < 0 {
		t.Fatalf("nobody won: %v", errs)
	}
	want := mk(k.PK, k.SK, "owner", int64(winner))
	for i, err := range errs {
		if i != winner {
			wantFailed(t, fmt.Sprintf("racer %d", i), err, index, want)
		}
	}
	wantStored(t, db, k, want)
	return winner
}

// testConcurrentIndexReads writes, moves and deletes indexed items while
// other goroutines read the index; nothing may fail or hang, and the index
// ends up matching the table.
func testConcurrentIndexReads(t *testing.T, db item.DB) {
	const writers, each = 6, 15
	done := make(chan struct{})
	var readers sync.WaitGroup
	var readErr atomic.Value
	stop := make(chan struct{})
	for range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := db.Query(bg, item.Query{Index: item.GSI1, PK: "CIX", Limit: 5}); err != nil {
					readErr.Store(err)
					return
				}
				if _, err := db.Query(bg, item.Query{Index: item.GSI1, PK: "CIY", CountOnly: true}); err != nil {
					readErr.Store(err)
					return
				}
			}
		}()
	}
	var werrs [writers]error
	go func() {
		defer close(done)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					k := key("CI", fmt.Sprintf("%d-%02d", w, i))
					err := db.Transact(bg, ops(item.Put(mk(k.PK, k.SK, item.GSI1PK, "CIX", item.GSI1SK, k.SK), nil)))
					if err == nil && i%3 == 1 {
						err = db.Transact(bg, ops(item.Update(k, map[string]any{item.GSI1PK: "CIY"}, nil, nil, nil)))
					}
					if err == nil && i%3 == 2 {
						err = db.Transact(bg, ops(item.Delete(k, nil)))
					}
					if err != nil {
						werrs[w] = err
						return
					}
				}
			}()
		}
		wg.Wait()
	}()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		close(stop)
		t.Fatal("writers still running after 60 s while the index is read: deadlock?")
	}
	close(stop)
	readers.Wait()
	for w, err := range werrs {
		if err != nil {
			t.Errorf("writer %d: %v", w, err)
		}
	}
	if err, _ := readErr.Load().(error); err != nil {
		t.Errorf("reader: %v", err)
	}
	var wantX, wantY []string
	for w := range writers {
		for i := range each {
			k := key("CI", fmt.Sprintf("%d-%02d", w, i)).String()
			switch i % 3 {
			case 0:
				wantX = append(wantX, k)
			case 1:
				wantY = append(wantY, k)
			}
		}
	}
	wantIndex(t, db, item.Query{PK: "CIX"}, wantX...)
	wantIndex(t, db, item.Query{PK: "CIY"}, wantY...)
}

// ---- context

func testContextCancelled(t *testing.T, db item.DB) {
	putAll(t, db, mk("CTX", "a", "v", int64(1), item.GSI1PK, "CTXI", item.GSI1SK, "a"))
	cancelled, cancel := context.WithCancel(bg)
	cancel()
	expired, cancel2 := context.WithDeadline(bg, time.Now().Add(-time.Second))
	defer cancel2()
	for _, c := range []struct {
		name string
		ctx  context.Context
		want error
	}{{"cancelled", cancelled, context.Canceled}, {"past its deadline", expired, context.DeadlineExceeded}} {
		ctx := c.ctx
		check := func(what string, err error) {
			t.Helper()
			if err == nil {
				t.Errorf("%s with a context %s: no error", what, c.name)
			} else if !errors.Is(err, c.want) {
				t.Errorf("%s with a context %s: %v, not %v", what, c.name, err, c.want)
			}
		}
		check("Transact of one", db.Transact(ctx, ops(item.Put(mk("CTX", "one"), nil))))
		check("Transact of one update", db.Transact(ctx, ops(item.Update(key("CTX", "a"), nil, map[string]int64{"v": 1}, nil, nil))))
		check("Transact of three", db.Transact(ctx, ops(
			item.Put(mk("CTX", "b"), nil),
			item.Update(key("CTX", "a"), nil, map[string]int64{"v": 1}, nil, nil),
			item.Delete(key("CTX", "c"), nil))))
		check("Transact with a token", db.Transact(ctx, item.Tx{Token: token(), Ops: []item.Op{item.Put(mk("CTX", "d"), nil)}}))
		_, err := db.Write(ctx, item.Update(key("CTX", "a"), nil, map[string]int64{"v": 1}, nil, nil))
		check("Write", err)
		_, err = db.Get(ctx, key("CTX", "a"))
		check("Get", err)
		_, err = db.BatchGet(ctx, []item.Key{key("CTX", "a")})
		check("BatchGet", err)
		_, err = db.Query(ctx, item.Query{PK: "CTX"})
		check("Query", err)
		_, err = db.Query(ctx, item.Query{PK: "CTXI", Index: item.GSI1})
		check("Query of the index", err)
		_, err = db.Query(ctx, item.Query{PK: "CTX", CountOnly: true})
		check("Query count", err)
		_, err = db.Scan(ctx, item.ScanInput{Segments: 1})
		check("Scan", err)
		_, err = db.DeleteExpired(ctx, time.Now(), nil)
		check("DeleteExpired", err)
	}
	wantMissing(t, db, key("CTX", "one"), key("CTX", "b"), key("CTX", "d"))
	wantStored(t, db, key("CTX", "a"), mk("CTX", "a", "v", int64(1), item.GSI1PK, "CTXI", item.GSI1SK, "a"))
}

// countdown is a context that cancels itself on its n-th use, to cancel a
// transaction at every point where an adapter looks.
type countdown struct {
	context.Context
	cancel context.CancelFunc
	left   atomic.Int64
}

func newCountdown(n int64) *countdown {
	ctx, cancel := context.WithCancel(bg)
	c := &countdown{Context: ctx, cancel: cancel}
	c.left.Store(n)
	return c
}

func (c *countdown) tick() {
	if c.left.Add(-1) == 0 {
		c.cancel()
	}
}

func (c *countdown) Err() error {
	c.tick()
	return c.Context.Err()
}

func (c *countdown) Done() <-chan struct{} {
	c.tick()
	return c.Context.Done()
}

// testContextCancelledMidway cancels transactions at every point where an
// adapter looks at its context and after a range of delays: each is applied
// whole or not at all, and one that returned no error is applied. (One that
// returned an error may have been applied all the same: its answer was lost
// on the way back.) A remote engine may still be committing when the call
// returns, so the state gets a moment to settle before it counts as half
// written.
func testContextCancelledMidway(t *testing.T, db item.DB) {
	// Each transaction has its own counter, so a cancelled request that was
	// still in flight and lands later (its answer lost) cannot be mistaken
	// for half of another.
	var runs [][]item.Key
	whole := func(keys []item.Key) (present int, n int64, ok bool) {
		got, gerr := db.BatchGet(bg, keys)
		if gerr != nil {
			t.Fatal(gerr)
		}
		for _, it := range got[1:] {
			if it != nil {
				present++
			}
		}
		n, _ = got[0]["n"].(int64)
		return present, n, present == 0 && n == 0 || present == len(keys)-1 && n == 1
	}
	run := func(what string, ctx context.Context) {
		t.Helper()
		ck := key("MID", what+"-counter")
		putAll(t, db, mk(ck.PK, ck.SK, "n", int64(0)))
		var o []item.Op
		keys := []item.Key{ck}
		for j := range 5 {
			k := key("MID", fmt.Sprintf("%s-%d", what, j))
			keys = append(keys, k)
			o = append(o, item.Put(mk(k.PK, k.SK, "j", int64(j)), item.NotExists()))
		}
		o = append(o, item.Update(ck, nil, map[string]int64{"n": 1}, nil, nil))
		err := db.Transact(ctx, ops(o...))
		runs = append(runs, keys)
		var present int
		var n int64
		var ok bool
		deadline := time.Now().Add(2 * time.Second)
		for {
			present, n, ok = whole(keys)
			if ok || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		switch {
		case !ok:
			t.Errorf("%s: %d of %d items written, counter %d, error %v", what, present, len(keys)-1, n, err)
		case err == nil && present == 0:
			t.Errorf("%s: no error, but nothing written", what)
		}
	}
	for n := range int64(40) {
		run(fmt.Sprintf("use%d", n), newCountdown(n+1))
	}
	for i := range 20 {
		ctx, cancel := context.WithTimeout(bg, time.Duration(i*i)*100*time.Microsecond)
		run(fmt.Sprintf("after%d", i), ctx)
		cancel()
	}
	// Whatever landed late, every transaction is still whole or absent.
	time.Sleep(200 * time.Millisecond)
	for _, keys := range runs {
		if present, n, ok := whole(keys); !ok {
			t.Errorf("%s later: %d of %d items written, counter %d", keys[0].SK, present, len(keys)-1, n)
		}
	}
}
