package itemtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/store/item"
)

func testLimitOps(t *testing.T, db item.DB) {
	var existing []item.Item
	for i := range 25 {
		existing = append(existing,
			mk("L", fmt.Sprintf("u%02d", i), "v", int64(i)),
			mk("L", fmt.Sprintf("d%02d", i)),
			mk("L", fmt.Sprintf("c%02d", i), "ok", true))
	}
	putAll(t, db, existing...)
	var o []item.Op
	for i := range 25 {
		o = append(o,
			item.Put(mk("L", fmt.Sprintf("p%02d", i), "v", int64(i)), item.NotExists()),
			item.Update(key("L", fmt.Sprintf("u%02d", i)), nil, map[string]int64{"v": 100}, nil, item.Exists()),
			item.Delete(key("L", fmt.Sprintf("d%02d", i)), item.Exists()),
			item.Check(key("L", fmt.Sprintf("c%02d", i)), item.Eq("ok", true)))
	}
	if len(o) != item.MaxOps {
		t.Fatalf("%d operations", len(o))
	}
	transact(t, db, ops(o...))
	for i := range 25 {
		wantStored(t, db, key("L", fmt.Sprintf("p%02d", i)), mk("L", fmt.Sprintf("p%02d", i), "v", int64(i)))
		wantStored(t, db, key("L", fmt.Sprintf("u%02d", i)), mk("L", fmt.Sprintf("u%02d", i), "v", int64(100+i)))
		wantMissing(t, db, key("L", fmt.Sprintf("d%02d", i)))
	}
	if p := query(t, db, item.Query{PK: "L", CountOnly: true}); p.Count != 75 {
		t.Errorf("after 100 operations: %d items, want 75", p.Count)
	}

	// 101: refused whole, of every kind, with a token too.
	var over []item.Op
	for i := range item.MaxOps + 1 {
		over = append(over, item.Put(mk("L2", fmt.Sprintf("%03d", i)), nil))
	}
	wantErr(t, "101 puts", db.Transact(bg, ops(over...)), item.ErrInvalid)
	wantErr(t, "101 puts with a token", db.Transact(bg, item.Tx{Ops: over, Token: token()}), item.ErrInvalid)
	mixed := append(o[:0:0], o...)
	mixed = append(mixed, item.Put(mk("L2", "extra"), nil))
	wantErr(t, "101 mixed", db.Transact(bg, ops(mixed...)), item.ErrInvalid)
	if p := query(t, db, item.Query{PK: "L2", CountOnly: true}); p.Count != 0 {
		t.Errorf("a refused transaction of 101 wrote %d items", p.Count)
	}
	for i := range 25 {
		wantStored(t, db, key("L", fmt.Sprintf("u%02d", i)), mk("L", fmt.Sprintf("u%02d", i), "v", int64(100+i)))
	}
}

func testLimitOneOpPerItem(t *testing.T, db item.DB) {
	a := mk("O", "a", "v", int64(1))
	putAll(t, db, a)
	for i, tx := range []item.Tx{
		ops(item.Put(mk("O", "k1"), nil), item.Put(mk("O", "k2"), nil), item.Update(key("O", "k1"), map[string]any{"x": "y"}, nil, nil, nil)),
		ops(item.Put(mk("O", "k1"), nil), item.Put(mk("O", "k1", "v", int64(2)), nil)),
		ops(item.Check(a.Key(), item.Exists()), item.Update(a.Key(), nil, map[string]int64{"v": 1}, nil, nil)),
		ops(item.Delete(a.Key(), nil), item.Put(mk("O", "k2"), nil), item.Delete(a.Key(), nil)),
		ops(item.Update(a.Key(), nil, map[string]int64{"v": 1}, nil, nil), item.Update(a.Key(), nil, map[string]int64{"w": 1}, nil, nil)),
		{Ops: []item.Op{item.Put(mk("O", "k1"), nil), item.Delete(key("O", "k1"), nil)}, Token: token()},
	} {
		wantErr(t, fmt.Sprintf("two operations on one item (%d)", i), db.Transact(bg, tx), item.ErrInvalid)
	}
	wantMissing(t, db, key("O", "k1"), key("O", "k2"))
	wantStored(t, db, a.Key(), a)
	// The same sort key in two partitions, or differing by case, are two items.
	transact(t, db, ops(item.Put(mk("O", "x"), nil), item.Put(mk("O2", "x"), nil), item.Put(mk("O", "X"), nil), item.Put(mk("o", "x"), nil)))
	for _, k := range []item.Key{key("O", "x"), key("O2", "x"), key("O", "X"), key("o", "x")} {
		if get(t, db, k) == nil {
			t.Errorf("%s missing", k)
		}
	}
}

func testLimitItemSize(t *testing.T, db item.DB) {
	ok := mk("Z", "ok", "data", big(390*1024), "n", int64(1))
	transact(t, db, ops(item.Put(ok, nil)))
	wantStored(t, db, ok.Key(), ok)
	ok2 := mk("Z", "ok2", "data", big(390*1024))
	ok3 := mk("Z", "ok3", "data", big(390*1024))
	transact(t, db, ops(item.Put(ok2, nil), item.Put(ok3, item.NotExists())))
	wantStored(t, db, ok2.Key(), ok2)
	wantStored(t, db, ok3.Key(), ok3)

	tooLarge := []item.Item{
		mk("Z", "big", "data", big(410*1024)),
		mk("Z", "bin", "data", []byte(big(410*1024))),
		mk("Z", "name", strings.Repeat("n", 2048), big(399*1024)), // attribute names count
		mk("Z", "list", "l", strings.Split(strings.Repeat(big(40)+",", 10000), ",")),
		mk("Z", "nested", "m", map[string]any{"a": map[string]any{"b": []any{big(205 * 1024), big(205 * 1024)}}}),
	}
	many := mk("Z", "many")
	for i := range 520 {
		many[fmt.Sprintf("a%03d", i)] = big(800)
	}
	tooLarge = append(tooLarge, many)
	for _, it := range tooLarge {
		what := "put " + it.Key().SK
		err := db.Transact(bg, ops(item.Put(it, nil)))
		wantErr(t, what+" alone", err, item.ErrTooLarge, item.ErrInvalid)
		err = db.Transact(bg, ops(item.Put(mk("Z", "first"), nil), item.Put(it, nil)))
		wantErr(t, what+" second", err, item.ErrTooLarge, item.ErrInvalid)
		_, err = db.Write(bg, item.Put(it, nil))
		wantErr(t, what+" by Write", err, item.ErrTooLarge, item.ErrInvalid)
		wantMissing(t, db, it.Key(), key("Z", "first"))
		// Replacing an existing item with one too large leaves it.
		it2 := item.Item{}
		for n, v := range it {
			it2[n] = v
		}
		it2[item.SK] = "ok"
		err = db.Transact(bg, ops(item.Put(it2, item.Exists())))
		wantErr(t, what+" over an item", err, item.ErrTooLarge)
		wantStored(t, db, ok.Key(), ok)
	}
}

func testLimitUpdateSize(t *testing.T, db item.DB) {
	k := key("Z", "u")
	before := mk("Z", "u", "a", big(300*1024), "n", int64(1))
	putAll(t, db, before)
	grow := item.Update(k, map[string]any{"b": big(150 * 1024)}, map[string]int64{"n": 1}, nil, nil)
	wantErr(t, "update over the limit alone", db.Transact(bg, ops(grow)), item.ErrTooLarge, item.ErrInvalid)
	wantErr(t, "update over the limit second", db.Transact(bg, ops(item.Put(mk("Z", "first"), nil), grow)), item.ErrTooLarge, item.ErrInvalid)
	wantErr(t, "update over the limit with a token", db.Transact(bg, item.Tx{Ops: []item.Op{grow}, Token: token()}), item.ErrTooLarge, item.ErrInvalid)
	_, err := db.Write(bg, grow)
	wantErr(t, "update over the limit by Write", err, item.ErrTooLarge, item.ErrInvalid)
	wantStored(t, db, k, before)
	wantMissing(t, db, key("Z", "first"))

	// Growing a list or map attribute past the limit.
	wantErr(t, "update of a list over the limit", db.Transact(bg, ops(item.Update(k, map[string]any{"a": []string{big(205 * 1024), big(205 * 1024)}}, nil, nil, nil))), item.ErrTooLarge)
	wantStored(t, db, k, before)

	// A missing item updated into one too large.
	wantErr(t, "update creating a large item", db.Transact(bg, ops(item.Update(key("Z", "new"), map[string]any{"a": big(410 * 1024)}, nil, nil, nil))), item.ErrTooLarge)
	wantMissing(t, db, key("Z", "new"))

	// Within the limit it grows, and replacing a large attribute is fine.
	transact(t, db, ops(item.Update(k, map[string]any{"c": big(50 * 1024)}, nil, nil, nil)))
	transact(t, db, ops(item.Update(k, map[string]any{"b": big(150 * 1024)}, nil, []string{"a", "c"}, nil)))
	wantStored(t, db, k, mk("Z", "u", "b", big(150*1024), "n", int64(1)))
	transact(t, db, ops(item.Update(k, map[string]any{"b": big(395 * 1024)}, nil, nil, nil)))
	if it := get(t, db, k); len(it["b"].(string)) != 395*1024 {
		t.Errorf("b has %d bytes", len(it["b"].(string)))
	}
}

func testInvalidTx(t *testing.T, db item.DB) {
	putAll(t, db, mk("N", "a", "v", int64(1)))
	valid := item.Put(mk("N", "written"), nil)
	for i, tx := range []item.Tx{
		{},
		{Ops: []item.Op{}},
		{Token: token()},
		ops(item.Put(mk("", "x"), nil)),
		ops(item.Put(mk("N", ""), nil)),
		ops(valid, item.Put(item.Item{item.PK: "N"}, nil)),
		ops(valid, item.Update(key("", "x"), map[string]any{"a": "b"}, nil, nil, nil)),
		ops(valid, item.Update(key("N", ""), map[string]any{"a": "b"}, nil, nil, nil)),
		ops(valid, item.Delete(key("", ""), nil)),
		ops(valid, item.Delete(key("N", ""), item.Exists())),
		ops(valid, item.Check(key("", "a"), item.Exists())),
		ops(valid, item.Put(mk("N\x00", "x"), nil)),
		ops(valid, item.Put(mk("N", "x\x00y"), nil)),
		ops(valid, item.Op{Key: key("N", "x")}),                        // no kind
		ops(valid, item.Op{Kind: item.OpKind(99), Key: key("N", "x")}), // an unknown kind
		ops(valid, item.Check(key("N", "a"), item.And())),              // an empty and
		ops(valid, item.Check(key("N", "a"), item.Or(nil, nil))),       // an empty or
		ops(valid, item.Check(key("N", "a"), item.Has(""))),
		ops(valid, item.Check(key("N", "a"), item.Eq("", "x"))),
		ops(valid, item.Check(key("N", "a"), item.Lt("v", true))),
		ops(valid, item.Check(key("N", "a"), item.Gt("v", []string{"a"}))),
		ops(valid, item.Check(key("N", "a"), item.Eq("v", 1))),
		ops(valid, item.Check(key("N", "a"), item.CondCompare{Attr: "v", Op: "!=", Value: int64(1)})),
		ops(valid, item.Check(key("N", "a"), item.And(item.Exists(), item.Or()))),
		{Ops: []item.Op{valid}, Token: strings.Repeat("t", 37)}, // DynamoDB's tokens are 1 to 36 characters
	} {
		err := db.Transact(bg, tx)
		wantErr(t, fmt.Sprintf("transaction %d", i), err, item.ErrInvalid)
		if _, _, ok := item.FailedAt(err); ok {
			t.Errorf("transaction %d: a ConditionFailed, want ErrInvalid", i)
		}
	}
	wantMissing(t, db, key("N", "written"), key("N", "x"))
	// 36 characters is a token.
	transact(t, db, item.Tx{Ops: []item.Op{valid}, Token: token()[:33] + "abc"})
	if get(t, db, key("N", "written")) == nil {
		t.Error("a transaction with a 36-character token was not applied")
	}
}

// ---- client tokens

func counter(t *testing.T, db item.DB, k item.Key) int64 {
	t.Helper()
	it := get(t, db, k)
	n, _ := it["n"].(int64)
	return n
}

func testToken(t *testing.T, db item.DB) {
	// A transaction of one operation with a token.
	one := item.Tx{Token: token(), Ops: []item.Op{item.Update(key("TK", "one"), nil, map[string]int64{"n": 1}, nil, nil)}}
	transact(t, db, one)
	transact(t, db, one)
	if n := counter(t, db, key("TK", "one")); n != 1 {
		t.Errorf("one operation twice with one token: %d, want 1", n)
	}
	// Another token is another transaction.
	one.Token = token()
	transact(t, db, one)
	if n := counter(t, db, key("TK", "one")); n != 2 {
		t.Errorf("with a new token: %d, want 2", n)
	}
	// Without a token, every call applies.
	transact(t, db, ops(one.Ops...))
	transact(t, db, ops(one.Ops...))
	if n := counter(t, db, key("TK", "one")); n != 4 {
		t.Errorf("without a token: %d, want 4", n)
	}

	c, log := key("TK", "counter"), key("TK", "log")
	tok := token()
	// Several attributes, so that an adapter that encodes them in map
	// order sends each replay differently.
	tx := item.Tx{Token: tok, Ops: []item.Op{
		item.Update(c, map[string]any{"a": "1", "b": int64(2), "c": []string{"3"}, "d": true},
			map[string]int64{"n": 1, "m": 2, "o": 3}, []string{"x", "y", "z"},
			item.Or(item.NotExists(), item.And(item.Has("n"), item.Ne("a", "0"), item.Lt("m", int64(100))))),
		item.Put(mk("TK", "log", "entry", "first", "e2", "second", "e3", int64(3), "e4", map[string]any{"p": "q", "r": "s"}), item.NotExists()),
	}}
	transact(t, db, tx)
	if err := db.Transact(bg, tx); err != nil {
		t.Fatalf("the same transaction of several attributes again with its token: %v (is the request built in map order?)", err)
	}
	if n := counter(t, db, c); n != 1 {
		t.Errorf("the same transaction twice with one token: counter %d, want 1", n)
	}
	// Later changes are not undone or repeated by a replay, even one whose
	// conditions no longer hold.
	transact(t, db, ops(item.Update(c, nil, map[string]int64{"n": 10}, nil, nil), item.Update(log, map[string]any{"entry": "changed"}, nil, nil, nil)))
	for range 3 {
		if err := db.Transact(bg, tx); err != nil {
			t.Errorf("replay after other changes: %v", err)
		}
	}
	if n := counter(t, db, c); n != 11 {
		t.Errorf("after a replay: counter %d, want 11", n)
	}
	wantStored(t, db, log, mk("TK", "log", "entry", "changed", "e2", "second", "e3", int64(3), "e4", map[string]any{"p": "q", "r": "s"}))
	// A copy of the transaction is the same transaction.
	copied := item.Tx{Token: tok, Ops: []item.Op{
		item.Update(key("TK", "counter"), map[string]any{"d": true, "c": []string{"3"}, "b": int64(2), "a": "1"},
			map[string]int64{"o": 3, "m": 2, "n": 1}, []string{"x", "y", "z"},
			item.Or(item.NotExists(), item.And(item.Has("n"), item.Ne("a", "0"), item.Lt("m", int64(100))))),
		item.Put(item.Item{"e4": map[string]any{"r": "s", "p": "q"}, "e3": int64(3), "e2": "second", item.SK: "log", "entry": "first", item.PK: "TK"}, item.CondExists{Not: true}),
	}}
	if err := db.Transact(bg, copied); err != nil {
		t.Errorf("replay of an equal transaction: %v", err)
	}
	if n := counter(t, db, c); n != 11 {
		t.Errorf("after an equal replay: counter %d, want 11", n)
	}
}

func testTokenReused(t *testing.T, db item.DB) {
	c := key("TR", "counter")
	tok := token()
	transact(t, db, item.Tx{Token: tok, Ops: []item.Op{item.Update(c, nil, map[string]int64{"n": 1}, nil, nil)}})
	for i, other := range [][]item.Op{
		{item.Update(c, nil, map[string]int64{"n": 2}, nil, nil)},                                   // another value
		{item.Update(key("TR", "other"), nil, map[string]int64{"n": 1}, nil, nil)},                  // another item
		{item.Update(c, nil, map[string]int64{"n": 1}, nil, item.Exists())},                         // another condition
		{item.Update(c, nil, map[string]int64{"n": 1}, nil, nil), item.Put(mk("TR", "extra"), nil)}, // one more
		{item.Put(mk("TR", "counter", "n", int64(1)), nil)},                                         // another kind
	} {
		err := db.Transact(bg, item.Tx{Token: tok, Ops: other})
		wantErr(t, fmt.Sprintf("token reused %d", i), err, item.ErrTokenReused)
		if errorsIsCondition(err) {
			t.Errorf("token reused %d: a condition failure", i)
		}
	}
	if n := counter(t, db, c); n != 1 {
		t.Errorf("counter %d after refused reuses, want 1", n)
	}
	wantMissing(t, db, key("TR", "other"), key("TR", "extra"))
	// The original still replays.
	transact(t, db, item.Tx{Token: tok, Ops: []item.Op{item.Update(c, nil, map[string]int64{"n": 1}, nil, nil)}})
	if n := counter(t, db, c); n != 1 {
		t.Errorf("counter %d after a replay, want 1", n)
	}
}

func errorsIsCondition(err error) bool { _, _, ok := item.FailedAt(err); return ok }

func testTokenAfterConditionFailed(t *testing.T, db item.DB) {
	guard, c := key("TC", "guard"), key("TC", "counter")
	putAll(t, db, mk("TC", "guard", "state", "closed"))
	tx := item.Tx{Token: token(), Ops: []item.Op{
		item.Check(guard, item.Eq("state", "open")),
		item.Update(c, nil, map[string]int64{"n": 1}, nil, nil),
	}}
	wantFailed(t, "closed", db.Transact(bg, tx), 0, mk("TC", "guard", "state", "closed"))
	wantFailed(t, "still closed", db.Transact(bg, tx), 0, mk("TC", "guard", "state", "closed"))
	wantMissing(t, db, c)
	transact(t, db, ops(item.Update(guard, map[string]any{"state": "open"}, nil, nil, nil)))
	if err := db.Transact(bg, tx); err != nil {
		t.Fatalf("the same transaction and token once its condition holds: %v", err)
	}
	transact(t, db, tx)
	if n := counter(t, db, c); n != 1 {
		t.Errorf("counter %d, want 1", n)
	}
}
