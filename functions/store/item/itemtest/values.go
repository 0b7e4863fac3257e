package itemtest

import (
	"fmt"
	"math"
	"testing"

	"github.com/okaeri/okaeri/functions/store/item"
)

// everyValue has an attribute of every value type the layer stores, edge
// values included. GSI1 keys place it in the index.
func everyValue(pk, sk string) item.Item {
	return mk(pk, sk,
		"s", "hello",
		"s_empty", "",
		"s_utf8", "おかえり, naïve ✓",
		"n", int64(42),
		"n_zero", int64(0),
		"n_neg", int64(-7),
		"n_max", int64(math.MaxInt64),
		"n_min", int64(math.MinInt64),
		"n_2_53_plus_1", int64(1<<53+1),
		"bin", []byte{0, 1, 2, 0xfe, 0xff},
		"bin_empty", []byte{},
		"t", true,
		"f", false,
		"l_str", []string{"a", "", "b", "a"},
		"l_str_empty", []string{},
		"l_str_nil", []string(nil),
		"l_any_strings", []any{"x", "y"}, // comes back as []string
		"l_any_empty", []any{}, // comes back as []string{}
		"l_mixed", []any{"a", int64(-1), true, []byte("b"), []any{"n", int64(2)}, map[string]any{"k": "v"}, []string{"p"}},
		"m", map[string]any{
			"s": "v",
			"n": int64(3),
			"l": []any{"only", "strings"},
			"inner": map[string]any{
				"deeper": map[string]any{"b": false, "bin": []byte("z"), "l": []any{int64(1), "two"}},
				"empty":  map[string]any{},
			},
		},
		"m_empty", map[string]any{},
		item.GSI1PK, "IDX-"+pk,
		item.GSI1SK, sk,
	)
}

func testValues(t *testing.T, db item.DB) {
	// A Put alone and a Put in a transaction of two take different paths
	// on DynamoDB (PutItem, TransactWriteItems).
	a, b, c := everyValue("V", "alone"), everyValue("V", "in-tx"), everyValue("V", "marker")
	transact(t, db, ops(item.Put(a, nil)))
	transact(t, db, ops(item.Put(b, nil), item.Put(c, item.NotExists())))
	for _, it := range []item.Item{a, b, c} {
		wantStored(t, db, it.Key(), it)
	}
	got := get(t, db, a.Key())
	if _, ok := got["l_str_nil"].([]string); !ok {
		t.Errorf("a nil []string came back as %T, want []string{}", got["l_str_nil"])
	}
	if v, ok := got["l_any_strings"].([]string); !ok || len(v) != 2 {
		t.Errorf("a []any of strings came back as %#v, want []string", got["l_any_strings"])
	}

	// Update's Set writes every type too, alone and in a transaction.
	set := map[string]any{}
	for n, v := range everyValue("V", "set") {
		if n != item.PK && n != item.SK {
			set[n] = v
		}
	}
	transact(t, db, ops(item.Update(key("V", "set1"), set, nil, nil, nil)))
	transact(t, db, ops(item.Update(key("V", "set2"), set, nil, nil, nil), item.Check(a.Key(), item.Exists())))
	for _, sk := range []string{"set1", "set2"} {
		want := everyValue("V", sk)
		want[item.GSI1SK] = "set"
		wantStored(t, db, key("V", sk), want)
	}
}

// testValuesThroughEveryRead reads the same items back through Get,
// BatchGet, Query on the table and the index, Scan and a condition's
// Current: each must decode them alike.
func testValuesThroughEveryRead(t *testing.T, db item.DB) {
	var items []item.Item
	for i := range 3 {
		items = append(items, everyValue("R", fmt.Sprintf("%d", i)))
	}
	putAll(t, db, items...)
	byKey := map[item.Key]item.Item{}
	var keys []item.Key
	for _, it := range items {
		byKey[it.Key()] = it
		keys = append(keys, it.Key())
	}
	check := func(how string, got []item.Item) {
		t.Helper()
		if len(got) != len(items) {
			t.Errorf("%s: %d items, want %d", how, len(got), len(items))
		}
		for _, g := range got {
			wantItem(t, how+" "+g.Key().String(), g, byKey[g.Key()])
		}
	}
	bg1, err := db.BatchGet(bg, keys)
	if err != nil {
		t.Fatal(err)
	}
	check("BatchGet", bg1)
	check("Query", query(t, db, item.Query{PK: "R"}).Items)
	var scanned []item.Item
	p, err := db.Scan(bg, item.ScanInput{Segments: 1})
	if err != nil {
		t.Fatal(err)
	}
	scanned = p.Items
	check("Scan", scanned)
	eventually(t, "index query", func() error {
		p, err := db.Query(bg, item.Query{Index: item.GSI1, PK: "IDX-R"})
		if err != nil {
			return err
		}
		if len(p.Items) != len(items) {
			return fmt.Errorf("%d items", len(p.Items))
		}
		for _, g := range p.Items {
			if !same(g, byKey[g.Key()]) {
				return fmt.Errorf("item %s: %s", g.Key(), show(g))
			}
		}
		return nil
	})
	err = db.Transact(bg, ops(item.Put(mk("R", "x"), nil), item.Check(items[1].Key(), item.NotExists())))
	wantFailed(t, "Current", err, 1, items[1])
	err = db.Transact(bg, ops(item.Update(items[2].Key(), nil, map[string]int64{"n": 1}, nil, item.Eq("n", int64(41)))))
	wantFailed(t, "Current alone", err, 0, items[2])
}

func testInvalidValues(t *testing.T, db item.DB) {
	bad := []struct {
		name string
		v    any
	}{
		{"int", 5},
		{"float64", 1.5},
		{"int32", int32(1)},
		{"nil", nil},
		{"struct", struct{}{}},
		{"map of ints", map[string]int{"a": 1}},
		{"nested float", []any{"a", 1.5}},
		{"nested in map", map[string]any{"a": map[string]any{"b": uint8(1)}}},
	}
	for _, b := range bad {
		k := key("I", b.name)
		err := db.Transact(bg, ops(item.Put(mk("I", b.name, "v", b.v), nil)))
		wantErr(t, "put "+b.name, err, item.ErrInvalid)
		err = db.Transact(bg, ops(item.Update(k, map[string]any{"v": b.v}, nil, nil, nil)))
		wantErr(t, "update "+b.name, err, item.ErrInvalid)
		wantMissing(t, db, k)
	}
	// Index keys must be non-empty strings.
	for i, it := range []item.Item{
		mk("I", "g1", item.GSI1PK, int64(1), item.GSI1SK, "a"),
		mk("I", "g2", item.GSI1PK, "a", item.GSI1SK, []byte("b")),
		mk("I", "g3", item.GSI1PK, "", item.GSI1SK, "a"),
		mk("I", "g4", item.GSI1PK, "a", item.GSI1SK, ""),
	} {
		err := db.Transact(bg, ops(item.Put(it, nil)))
		wantErr(t, fmt.Sprintf("index key %d", i), err, item.ErrInvalid)
		wantMissing(t, db, it.Key())
	}
	putAll(t, db, mk("I", "u", "a", "b"))
	for _, v := range []any{int64(1), ""} {
		err := db.Transact(bg, ops(item.Update(key("I", "u"), map[string]any{item.GSI1PK: "p", item.GSI1SK: v}, nil, nil, nil)))
		wantErr(t, fmt.Sprintf("update GSI1SK to %#v", v), err, item.ErrInvalid)
	}
	err := db.Transact(bg, ops(item.Update(key("I", "u"), map[string]any{item.GSI1PK: "p"}, map[string]int64{item.GSI1SK: 1}, nil, nil)))
	wantErr(t, "add to GSI1SK", err, item.ErrInvalid)
	wantStored(t, db, key("I", "u"), mk("I", "u", "a", "b"))
	// A Put whose item is not the operation's key.
	err = db.Transact(bg, item.Tx{Ops: []item.Op{{Kind: item.OpPut, Key: key("I", "k1"), Item: mk("I", "k2")}}})
	wantErr(t, "put with another key", err, item.ErrInvalid)
	wantMissing(t, db, key("I", "k1"), key("I", "k2"))
	// A key must be strings.
	err = db.Transact(bg, ops(item.Put(item.Item{item.PK: "I", item.SK: int64(1)}, nil)))
	wantErr(t, "numeric SK", err, item.ErrInvalid)
}

func testPutReplaces(t *testing.T, db item.DB) {
	k := key("P", "1")
	putAll(t, db, mk("P", "1", "a", "1", "b", int64(2), "l", []string{"x"}, item.TTL, int64(4102444800)))
	transact(t, db, ops(item.Put(mk("P", "1", "c", true), nil)))
	wantStored(t, db, k, mk("P", "1", "c", true))
	// In a transaction of two as well.
	transact(t, db, ops(item.Put(mk("P", "1", "d", "x"), item.Exists()), item.Put(mk("P", "2"), nil)))
	wantStored(t, db, k, mk("P", "1", "d", "x"))
	wantStored(t, db, key("P", "2"), mk("P", "2"))
}

func testGetMissing(t *testing.T, db item.DB) {
	putAll(t, db, mk("G", "a"), mk("GG", "b"))
	for _, k := range []item.Key{key("G", "b"), key("GG", "a"), key("G", "a "), key("g", "a"), key("nowhere", "x")} {
		it, err := db.Get(bg, k)
		if err != nil || it != nil {
			t.Errorf("get missing %s = %s, %v; want nil, nil", k, show(it), err)
		}
	}
	if it := get(t, db, key("G", "a")); it == nil {
		t.Error("get G/a: missing")
	}
}

func testBatchGet(t *testing.T, db item.DB) {
	a, b, c := mk("B", "a", "v", int64(1)), mk("B", "b", "v", int64(2)), mk("B2", "a", "v", int64(3))
	putAll(t, db, a, b, c)
	keys := []item.Key{key("B", "b"), key("B", "missing"), key("B2", "a"), key("B", "a"), key("B", "b"), key("B", "zz"), key("B", "b")}
	want := []item.Item{b, nil, c, a, b, nil, b}
	got, err := db.BatchGet(bg, keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("BatchGet: %d items, want %d", len(got), len(want))
	}
	for i := range want {
		wantItem(t, fmt.Sprintf("BatchGet[%d] %s", i, keys[i]), got[i], want[i])
	}
	got, err = db.BatchGet(bg, nil)
	if err != nil || len(got) != 0 {
		t.Errorf("BatchGet of no keys = %v, %v", got, err)
	}
	got, err = db.BatchGet(bg, []item.Key{key("B", "none")})
	if err != nil || len(got) != 1 || got[0] != nil {
		t.Errorf("BatchGet of one missing key = %v, %v", got, err)
	}
}

func testBatchGetMany(t *testing.T, db item.DB) {
	var items []item.Item
	var keys []item.Key
	for i := range 250 {
		sk := fmt.Sprintf("%03d", i)
		if i%5 != 0 { // every fifth is missing
			items = append(items, mk("M", sk, "i", int64(i), "pad", big(1000)))
		}
		keys = append(keys, key("M", sk))
	}
	putAll(t, db, items...)
	// Reverse order, and every key twice at the end.
	slicesReverse(keys)
	keys = append(keys, keys[:30]...)
	got, err := db.BatchGet(bg, keys)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(keys) {
		t.Fatalf("BatchGet: %d items for %d keys", len(got), len(keys))
	}
	for i, k := range keys {
		var n int
		fmt.Sscanf(k.SK, "%d", &n)
		if n%5 == 0 {
			if got[i] != nil {
				t.Errorf("BatchGet[%d] %s: %s, want nil", i, k, show(got[i]))
			}
			continue
		}
		if got[i] == nil || got[i].Key() != k || got[i]["i"] != int64(n) {
			t.Errorf("BatchGet[%d] %s: %s", i, k, show(got[i]))
		}
	}
}

func slicesReverse(k []item.Key) {
	for i, j := 0, len(k)-1; i < j; i, j = i+1, j-1 {
		k[i], k[j] = k[j], k[i]
	}
}
