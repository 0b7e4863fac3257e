package itemtest

import (
	"fmt"
	"testing"

	"github.com/okaeri/okaeri/functions/store/item"
)

func testTransactAllOrNothing(t *testing.T, db item.DB) {
	old := mk("X", "old", "v", int64(1), "l", []string{"a"})
	guard := mk("X", "guard", "state", "open", "n", int64(3))
	doomed := mk("X", "doomed", "keep", true)
	putAll(t, db, old, guard, doomed)
	tx := ops(
		item.Put(mk("X", "new", "v", int64(2)), item.NotExists()),
		item.Update(old.Key(), map[string]any{"v": int64(5)}, map[string]int64{"c": 1}, []string{"l"}, item.Exists()),
		item.Check(guard.Key(), item.Eq("state", "closed")),
		item.Delete(doomed.Key(), nil),
		item.Update(key("X", "created"), map[string]any{"a": "b"}, nil, nil, nil),
	)
	wantFailed(t, "third op fails", db.Transact(bg, tx), 2, guard)
	wantMissing(t, db, key("X", "new"), key("X", "created"))
	wantStored(t, db, old.Key(), old)
	wantStored(t, db, guard.Key(), guard)
	wantStored(t, db, doomed.Key(), doomed)
	if p := query(t, db, item.Query{PK: "X"}); len(p.Items) != 3 {
		t.Errorf("partition X after the failed transaction: %q", keysOf(p.Items))
	}

	// The last operation failing.
	tx.Ops[2] = item.Check(guard.Key(), item.Eq("state", "open"))
	tx.Ops[4].If = item.Exists()
	wantFailed(t, "last op fails", db.Transact(bg, tx), 4, nil)
	wantMissing(t, db, key("X", "new"), key("X", "created"))
	wantStored(t, db, old.Key(), old)
	wantStored(t, db, doomed.Key(), doomed)

	// All of it, once the conditions hold.
	tx.Ops[4].If = item.NotExists()
	transact(t, db, tx)
	wantStored(t, db, key("X", "new"), mk("X", "new", "v", int64(2)))
	wantStored(t, db, old.Key(), mk("X", "old", "v", int64(5), "c", int64(1)))
	wantStored(t, db, guard.Key(), guard)
	wantMissing(t, db, doomed.Key())
	wantStored(t, db, key("X", "created"), mk("X", "created", "a", "b"))
}

// condBase is the item every condition case starts from.
func condBase(sk string) item.Item {
	return mk("C", sk,
		"s", "m",
		"n", int64(5),
		"neg", int64(-3),
		"big", int64(1<<53+1),
		"b", true,
		"l", []string{"x", "y"},
		"m", map[string]any{"k": "v", "n": int64(1)},
		"bin", []byte{1, 2},
		"empty", "",
		"el", []string{},
	)
}

type condCase struct {
	name    string
	cond    item.Cond
	missing bool // the item does not exist
	pass    bool
}

var condCases = []condCase{
	{"Exists", item.Exists(), false, true},
	{"Exists/missing", item.Exists(), true, false},
	{"NotExists", item.NotExists(), false, false},
	{"NotExists/missing", item.NotExists(), true, true},

	{"Has", item.Has("n"), false, true},
	{"Has/empty string", item.Has("empty"), false, true},
	{"Has/absent", item.Has("zz"), false, false},
	{"Has/missing", item.Has("n"), true, false},
	{"Has/key", item.Has(item.SK), false, true},
	{"Lacks", item.Lacks("zz"), false, true},
	{"Lacks/present", item.Lacks("n"), false, false},
	{"Lacks/missing", item.Lacks("n"), true, true},

	{"Eq/string", item.Eq("s", "m"), false, true},
	{"Eq/string differs", item.Eq("s", "M"), false, false},
	{"Eq/empty string", item.Eq("empty", ""), false, true},
	{"Eq/number", item.Eq("n", int64(5)), false, true},
	{"Eq/number differs", item.Eq("n", int64(6)), false, false},
	{"Eq/number as string", item.Eq("n", "5"), false, false},
	{"Eq/string as number", item.Eq("s", int64(5)), false, false},
	{"Eq/2^53+1 exactly", item.Eq("big", int64(1<<53+1)), false, true},
	{"Eq/2^53 is not 2^53+1", item.Eq("big", int64(1<<53)), false, false},
	{"Eq/negative", item.Eq("neg", int64(-3)), false, true},
	{"Eq/bool", item.Eq("b", true), false, true},
	{"Eq/bool differs", item.Eq("b", false), false, false},
	{"Eq/list", item.Eq("l", []string{"x", "y"}), false, true},
	{"Eq/list as []any", item.Eq("l", []any{"x", "y"}), false, true},
	{"Eq/list order", item.Eq("l", []string{"y", "x"}), false, false},
	{"Eq/empty list", item.Eq("el", []string{}), false, true},
	{"Eq/map", item.Eq("m", map[string]any{"n": int64(1), "k": "v"}), false, true},
	{"Eq/map differs", item.Eq("m", map[string]any{"k": "v"}), false, false},
	{"Eq/bytes", item.Eq("bin", []byte{1, 2}), false, true},
	{"Eq/bytes differ", item.Eq("bin", []byte{1, 2, 3}), false, false},
	{"Eq/bytes as string", item.Eq("bin", "\x01\x02"), false, false},
	{"Eq/absent", item.Eq("zz", "m"), false, false},
	{"Eq/missing", item.Eq("s", "m"), true, false},
	{"Eq/key", item.Eq(item.SK, "Eq/key"), false, true},

	{"Ne/string", item.Ne("s", "x"), false, true},
	{"Ne/string same", item.Ne("s", "m"), false, false},
	{"Ne/number", item.Ne("n", int64(6)), false, true},
	{"Ne/number same", item.Ne("n", int64(5)), false, false},
	{"Ne/other type", item.Ne("n", "5"), false, true},
	{"Ne/absent", item.Ne("zz", "m"), false, true},
	{"Ne/missing", item.Ne("s", "m"), true, true},
	{"Ne/list same", item.Ne("l", []string{"x", "y"}), false, false},

	{"Lt/number", item.Lt("n", int64(6)), false, true},
	{"Lt/number equal", item.Lt("n", int64(5)), false, false},
	{"Lt/number below", item.Lt("n", int64(4)), false, false},
	{"Lt/not by digits", item.Lt("n", int64(10)), false, true}, // "5" > "10" as text
	{"Lt/negative", item.Lt("neg", int64(-2)), false, true},
	{"Lt/negative below", item.Lt("neg", int64(-4)), false, false},
	{"Lt/2^53", item.Lt("big", int64(1<<53+2)), false, true},
	{"Le/number equal", item.Le("n", int64(5)), false, true},
	{"Le/number below", item.Le("n", int64(4)), false, false},
	{"Gt/number", item.Gt("n", int64(4)), false, true},
	{"Gt/number equal", item.Gt("n", int64(5)), false, false},
	{"Gt/not by digits", item.Gt("n", int64(10)), false, false},
	{"Gt/negative", item.Gt("neg", int64(-10)), false, true},
	{"Gt/2^53", item.Gt("big", int64(1<<53)), false, true},
	{"Ge/number equal", item.Ge("n", int64(5)), false, true},
	{"Ge/number above", item.Ge("n", int64(6)), false, false},

	{"Lt/string", item.Lt("s", "n"), false, true},
	{"Lt/string equal", item.Lt("s", "m"), false, false},
	{"Lt/string upper case first", item.Lt("s", "Z"), false, false},
	{"Lt/string prefix", item.Lt("s", "ma"), false, true},
	{"Le/string equal", item.Le("s", "m"), false, true},
	{"Le/string below", item.Le("s", "l"), false, false},
	{"Gt/string", item.Gt("s", "l"), false, true},
	{"Gt/string equal", item.Gt("s", "m"), false, false},
	{"Gt/string non-ASCII", item.Gt("s", "é"), false, false},
	{"Ge/string equal", item.Ge("s", "m"), false, true},
	{"Ge/string above", item.Ge("s", "ma"), false, false},
	{"Lt/bytes", item.Lt("bin", []byte{1, 3}), false, true},
	{"Gt/bytes", item.Gt("bin", []byte{1, 2}), false, false},

	{"Lt/string and number", item.Lt("s", int64(100)), false, false},
	{"Gt/number and string", item.Gt("n", "0"), false, false},
	{"Lt/absent", item.Lt("zz", int64(1)), false, false},
	{"Ge/absent", item.Ge("zz", "a"), false, false},
	{"Lt/missing", item.Lt("n", int64(100)), true, false},

	{"And/both", item.And(item.Exists(), item.Eq("s", "m")), false, true},
	{"And/one fails", item.And(item.Eq("s", "m"), item.Eq("n", int64(6))), false, false},
	{"And/three", item.And(item.Has("s"), item.Lt("n", int64(6)), item.Eq("b", true)), false, true},
	{"And/third fails", item.And(item.Has("s"), item.Lt("n", int64(6)), item.Eq("b", false)), false, false},
	{"And/one", item.And(item.Eq("s", "m")), false, true},
	{"And/nil left out", item.And(nil, item.Eq("s", "m"), nil), false, true},
	{"And/missing", item.And(item.NotExists(), item.Lacks("s")), true, true},
	{"Or/one holds", item.Or(item.Eq("n", int64(6)), item.Eq("s", "m")), false, true},
	{"Or/none", item.Or(item.Eq("n", int64(6)), item.Eq("s", "x")), false, false},
	{"Or/three, last", item.Or(item.Eq("n", int64(6)), item.Eq("s", "x"), item.Has("bin")), false, true},
	{"Or/missing", item.Or(item.Exists(), item.Eq("s", "m")), true, false},
	{"Or/create or match", item.Or(item.NotExists(), item.Eq("s", "m")), true, true},
	{"Or/create or match, exists", item.Or(item.NotExists(), item.Eq("s", "m")), false, true},
	{"Or/create or match, differs", item.Or(item.NotExists(), item.Eq("s", "x")), false, false},
	{"Nested/and of ors", item.And(item.Or(item.Eq("n", int64(6)), item.Has("s")), item.Or(item.Lacks("zz"), item.Eq("b", false))), false, true},
	{"Nested/and of ors fails", item.And(item.Or(item.Eq("n", int64(6)), item.Has("s")), item.Or(item.Has("zz"), item.Eq("b", false))), false, false},
	{"Nested/or of ands", item.Or(item.And(item.Eq("s", "x"), item.Has("n")), item.And(item.Ge("n", int64(5)), item.Le("n", int64(5)))), false, true},
	{"Nested/or of ands fails", item.Or(item.And(item.Eq("s", "x"), item.Has("n")), item.And(item.Gt("n", int64(5)), item.Le("n", int64(5)))), false, false},
	{"Nested/deep", item.And(item.Exists(), item.Or(item.Lacks("s"), item.And(item.Ne("s", "x"), item.Or(item.Lt("neg", int64(0)), item.Eq("b", false))))), false, true},
	{"Nested/deep fails", item.And(item.Exists(), item.Or(item.Lacks("s"), item.And(item.Ne("s", "m"), item.Or(item.Lt("neg", int64(0)), item.Eq("b", false))))), false, false},
}

// testConditions runs every condition case guarding an Update (Add hits 1),
// alone and as the second operation of a transaction: when it passes the
// update applies; when it fails the error names the operation and the item
// as it was, and nothing changes.
func testConditions(t *testing.T, db item.DB) {
	for _, c := range condCases {
		for _, shape := range []string{"alone", "second"} {
			t.Run(c.name+"/"+shape, func(t *testing.T) {
				t.Parallel()
				sk := c.name + "/" + shape
				if c.name == "Eq/key" {
					sk = "Eq/key"
					if shape == "second" {
						t.Skip("one key")
					}
				}
				k := key("C", sk)
				var before item.Item
				if !c.missing {
					before = condBase(sk)
					putAll(t, db, before)
				}
				op := item.Update(k, nil, map[string]int64{"hits": 1}, nil, c.cond)
				tx, index := ops(op), 0
				marker := key("C-marker", sk)
				if shape == "second" {
					tx, index = ops(item.Put(mk(marker.PK, marker.SK), nil), op), 1
				}
				err := db.Transact(bg, tx)
				if c.pass {
					if err != nil {
						t.Fatalf("condition should hold: %v", err)
					}
					want := mk("C", sk, "hits", int64(1))
					if before != nil {
						want = condBase(sk)
						want["hits"] = int64(1)
					}
					wantStored(t, db, k, want)
					if shape == "second" && get(t, db, marker) == nil {
						t.Error("the first operation was not applied")
					}
					return
				}
				wantFailed(t, "condition should fail", err, index, before)
				wantStored(t, db, k, before)
				wantMissing(t, db, marker)
			})
		}
	}
}

// testConditionOnEveryKind fails and passes a condition on each kind of
// operation, alone and in a transaction.
func testConditionOnEveryKind(t *testing.T, db item.DB) {
	cur := mk("K", "cur", "v", int64(1), "s", "x")
	newItem := mk("K", "cur", "v", int64(2))
	for _, shape := range []string{"alone", "second"} {
		run := func(what string, op item.Op) error {
			tx := ops(op)
			marker := key("K-marker", shape+what)
			if shape == "second" {
				tx = ops(item.Put(mk(marker.PK, marker.SK), nil), op)
			}
			err := db.Transact(bg, tx)
			if err != nil {
				wantMissing(t, db, marker)
			} else if shape == "second" && get(t, db, marker) == nil {
				t.Errorf("%s: the first operation was not applied", what)
			}
			return err
		}
		idx := 0
		if shape == "second" {
			idx = 1
		}
		putAll(t, db, cur)
		// Put
		wantFailed(t, shape+" put NotExists", run("put1", item.Put(newItem, item.NotExists())), idx, cur)
		wantFailed(t, shape+" put Eq", run("put2", item.Put(newItem, item.Eq("v", int64(2)))), idx, cur)
		wantStored(t, db, cur.Key(), cur)
		if err := run("put3", item.Put(newItem, item.Eq("v", int64(1)))); err != nil {
			t.Fatalf("%s put Eq: %v", shape, err)
		}
		wantStored(t, db, cur.Key(), newItem)
		putAll(t, db, cur)
		// Update
		wantFailed(t, shape+" update", run("update1", item.Update(cur.Key(), map[string]any{"s": "y"}, nil, nil, item.Eq("s", "y"))), idx, cur)
		wantStored(t, db, cur.Key(), cur)
		if err := run("update2", item.Update(cur.Key(), map[string]any{"s": "y"}, nil, nil, item.Eq("s", "x"))); err != nil {
			t.Fatalf("%s update: %v", shape, err)
		}
		wantStored(t, db, cur.Key(), mk("K", "cur", "v", int64(1), "s", "y"))
		putAll(t, db, cur)
		// Delete
		wantFailed(t, shape+" delete", run("delete1", item.Delete(cur.Key(), item.Gt("v", int64(1)))), idx, cur)
		wantStored(t, db, cur.Key(), cur)
		wantFailed(t, shape+" delete missing", run("delete2", item.Delete(key("K", "none"), item.Exists())), idx, nil)
		if err := run("delete3", item.Delete(cur.Key(), item.Le("v", int64(1)))); err != nil {
			t.Fatalf("%s delete: %v", shape, err)
		}
		wantMissing(t, db, cur.Key())
		putAll(t, db, cur)
		// Check (in a transaction of its own, then second)
		wantFailed(t, shape+" check", run("check1", item.Check(cur.Key(), item.Lacks("s"))), idx, cur)
		wantFailed(t, shape+" check missing", run("check2", item.Check(key("K", "none"), item.Has("s"))), idx, nil)
		if err := run("check3", item.Check(cur.Key(), item.Has("s"))); err != nil {
			t.Fatalf("%s check: %v", shape, err)
		}
		wantStored(t, db, cur.Key(), cur)
		wantMissing(t, db, key("K", "none"))
	}
}

// testConditionFirstOp: when the first of several fails, it is named, and
// the later operations, whose conditions hold, are not applied.
func testConditionFirstOp(t *testing.T, db item.DB) {
	a := mk("F", "a", "v", int64(1))
	putAll(t, db, a)
	err := db.Transact(bg, ops(
		item.Update(a.Key(), nil, map[string]int64{"v": 1}, nil, item.Eq("v", int64(0))),
		item.Put(mk("F", "b"), item.NotExists()),
		item.Update(key("F", "c"), map[string]any{"x": "y"}, nil, nil, nil),
	))
	wantFailed(t, "first of three", err, 0, a)
	wantStored(t, db, a.Key(), a)
	wantMissing(t, db, key("F", "b"), key("F", "c"))
}

func testUpdate(t *testing.T, db item.DB) {
	k := key("U", "1")
	putAll(t, db, mk("U", "1", "s", "a", "n", int64(10), "gone", "x", "keep", []string{"k"}))
	transact(t, db, ops(item.Update(k,
		map[string]any{"s": "b", "new": map[string]any{"x": int64(1)}},
		map[string]int64{"n": 5, "absent": 3, "neg": -4},
		[]string{"gone", "never-there"}, nil)))
	wantStored(t, db, k, mk("U", "1", "s", "b", "new", map[string]any{"x": int64(1)}, "n", int64(15), "absent", int64(3), "neg", int64(-4), "keep", []string{"k"}))
	transact(t, db, ops(item.Update(k, nil, map[string]int64{"n": -20, "neg": -1}, nil, nil)))
	it := get(t, db, k)
	if it["n"] != int64(-5) || it["neg"] != int64(-5) {
		t.Errorf("negative adds: n %v, neg %v; want -5, -5", it["n"], it["neg"])
	}
	// Adds of zero and across zero.
	transact(t, db, ops(item.Update(k, nil, map[string]int64{"n": 0, "zero": 0}, nil, nil)))
	if it := get(t, db, k); it["n"] != int64(-5) || it["zero"] != int64(0) {
		t.Errorf("add 0: n %v, zero %#v", it["n"], it["zero"])
	}
	// Large numbers add exactly.
	transact(t, db, ops(item.Update(k, map[string]any{"big": int64(1 << 62)}, nil, nil, nil)))
	transact(t, db, ops(item.Update(k, nil, map[string]int64{"big": 1}, nil, nil)))
	if it := get(t, db, k); it["big"] != int64(1<<62+1) {
		t.Errorf("2^62 + 1 = %v", it["big"])
	}

	// An update of a missing item creates it, alone and in a transaction.
	transact(t, db, ops(item.Update(key("U", "2"), map[string]any{"a": "b"}, map[string]int64{"c": 2}, []string{"d"}, nil)))
	wantStored(t, db, key("U", "2"), mk("U", "2", "a", "b", "c", int64(2)))
	transact(t, db, ops(item.Update(key("U", "3"), nil, map[string]int64{"c": -1}, nil, item.NotExists()), item.Check(k, item.Exists())))
	wantStored(t, db, key("U", "3"), mk("U", "3", "c", int64(-1)))
	// Even one that only removes.
	transact(t, db, ops(item.Update(key("U", "4"), nil, nil, []string{"x"}, nil)))
	wantStored(t, db, key("U", "4"), mk("U", "4"))

	// Set and Remove of an index key in one update.
	transact(t, db, ops(item.Update(k, map[string]any{item.GSI1PK: "UX", item.GSI1SK: "1"}, nil, []string{"s"}, nil)))
	it = get(t, db, k)
	if it[item.GSI1PK] != "UX" || it["s"] != nil {
		t.Errorf("after set and remove: %s", show(it))
	}
	wantIndex(t, db, item.Query{PK: "UX"}, "U / 1")
}

func testUpdateInvalid(t *testing.T, db item.DB) {
	k := key("UI", "1")
	before := mk("UI", "1", "s", "text", "l", []string{"a"}, "b", true, "n", int64(1))
	putAll(t, db, before)
	for _, attr := range []string{"s", "l", "b"} {
		err := db.Transact(bg, ops(item.Update(k, nil, map[string]int64{attr: 1}, nil, nil)))
		wantErr(t, "add to "+attr+" alone", err, item.ErrInvalid)
		err = db.Transact(bg, ops(item.Put(mk("UI", "other"), nil), item.Update(k, map[string]any{"x": "y"}, map[string]int64{attr: 1}, nil, nil)))
		wantErr(t, "add to "+attr+" in a transaction", err, item.ErrInvalid)
		if _, _, ok := item.FailedAt(err); ok {
			t.Errorf("add to %s: a ConditionFailed, want ErrInvalid", attr)
		}
	}
	wantStored(t, db, k, before)
	wantMissing(t, db, key("UI", "other"))
	for _, op := range []item.Op{
		item.Update(k, nil, nil, nil, nil),                                                // changes nothing
		item.Update(k, map[string]any{"n": int64(1)}, map[string]int64{"n": 1}, nil, nil), // one attribute twice
		item.Update(k, map[string]any{"n": int64(1)}, nil, []string{"n"}, nil),
		item.Update(k, nil, map[string]int64{"n": 1}, []string{"n"}, nil),
		item.Update(k, map[string]any{item.PK: "other"}, nil, nil, nil), // the key
		item.Update(k, map[string]any{item.SK: "other"}, nil, nil, nil),
		item.Update(k, nil, map[string]int64{item.SK: 1}, nil, nil),
		item.Update(k, nil, nil, []string{item.PK}, nil),
		item.Update(k, map[string]any{"": "x"}, nil, nil, nil), // an empty name
		item.Update(k, map[string]any{"x": 1.5}, nil, nil, nil),
	} {
		err := db.Transact(bg, ops(op))
		wantErr(t, fmt.Sprintf("update %+v", op), err, item.ErrInvalid)
	}
	wantStored(t, db, k, before)
}

func testDeleteAndCheck(t *testing.T, db item.DB) {
	a := mk("D", "a", "v", int64(1))
	putAll(t, db, a, mk("D", "b"))
	// Deleting a missing item is not an error.
	transact(t, db, ops(item.Delete(key("D", "none"), nil)))
	transact(t, db, ops(item.Delete(key("D", "none"), nil), item.Delete(key("D", "b"), nil)))
	wantMissing(t, db, key("D", "none"), key("D", "b"))
	// A check that holds changes nothing.
	transact(t, db, ops(item.Check(a.Key(), item.Eq("v", int64(1)))))
	transact(t, db, ops(item.Check(a.Key(), item.Exists()), item.Check(key("D", "none"), item.NotExists())))
	wantStored(t, db, a.Key(), a)
	wantMissing(t, db, key("D", "none"))
	// A check needs a condition.
	err := db.Transact(bg, ops(item.Check(a.Key(), nil)))
	wantErr(t, "check without a condition", err, item.ErrInvalid)
	transact(t, db, ops(item.Delete(a.Key(), item.Exists())))
	wantMissing(t, db, a.Key())
	if p := query(t, db, item.Query{PK: "D"}); len(p.Items) != 0 {
		t.Errorf("partition D after deleting all: %q", keysOf(p.Items))
	}
}

func testWrite(t *testing.T, db item.DB) {
	k := key("W", "1")
	got, err := db.Write(bg, item.Put(mk("W", "1", "n", int64(1), "l", []any{"a"}), item.NotExists()))
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, "Write put", got, mk("W", "1", "n", int64(1), "l", []string{"a"}))
	got, err = db.Write(bg, item.Update(k, map[string]any{"s": "x"}, map[string]int64{"n": 41, "c": 1}, []string{"l"}, item.Eq("n", int64(1))))
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, "Write update", got, mk("W", "1", "n", int64(42), "c", int64(1), "s", "x"))
	wantStored(t, db, k, got)
	got, err = db.Write(bg, item.Update(key("W", "2"), nil, map[string]int64{"c": 7}, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, "Write update of a missing item", got, mk("W", "2", "c", int64(7)))
	cur := get(t, db, k)
	_, err = db.Write(bg, item.Update(k, nil, map[string]int64{"n": 1}, nil, item.Eq("n", int64(1))))
	wantFailed(t, "Write with a failing condition", err, 0, cur)
	_, err = db.Write(bg, item.Delete(k, item.Lt("n", int64(0))))
	wantFailed(t, "Write delete with a failing condition", err, 0, cur)
	wantStored(t, db, k, cur)
	got, err = db.Write(bg, item.Delete(k, item.Exists()))
	if err != nil || got != nil {
		t.Errorf("Write delete = %s, %v; want nil, nil", show(got), err)
	}
	wantMissing(t, db, k)
	_, err = db.Write(bg, item.Check(key("W", "2"), item.Exists()))
	wantErr(t, "Write of a check", err, item.ErrInvalid)
	_, err = db.Write(bg, item.Update(key("W", "2"), nil, nil, nil, nil))
	wantErr(t, "Write of an empty update", err, item.ErrInvalid)
	_, err = db.Write(bg, item.Put(mk("W", "3", "big", big(410*1024)), nil))
	wantErr(t, "Write of a large put", err, item.ErrInvalid, item.ErrTooLarge)
	_, err = db.Write(bg, item.Update(key("W", "2"), map[string]any{"x": "y"}, map[string]int64{"x": 1}, nil, nil))
	wantErr(t, "Write of an attribute twice", err, item.ErrInvalid)
	_, err = db.Write(bg, item.Update(key("", "2"), map[string]any{"x": "y"}, nil, nil, nil))
	wantErr(t, "Write of an empty key", err, item.ErrInvalid)
	wantMissing(t, db, key("W", "3"))
	wantStored(t, db, key("W", "2"), mk("W", "2", "c", int64(7)))
}
