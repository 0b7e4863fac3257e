package itemtest

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/store/item"
)

// sortKeysA are the sort keys of partition "A": byte-wise (UTF-8) order
// puts upper case before lower, "#" and "/" before letters, "~" before any
// non-ASCII letter, and U+FF61 (3 bytes in UTF-8) before U+1D11E (4 bytes),
// which UTF-16 order would swap.
var sortKeysA = []string{
	"a", "a#1", "a#10", "a#2", "a/", "a b", "b", "B", "c", "z", "~", "é",
	"日本", "日本語", "日", "｡", "𝄞", "0", "9", "a#",
}

// partitionA writes partition "A" and neighbours whose names begin alike,
// and returns A's sort keys in order.
func partitionA(t *testing.T, db item.DB) []string {
	t.Helper()
	var items []item.Item
	for i, sk := range sortKeysA {
		items = append(items, mk("A", sk, "i", int64(i)))
	}
	for _, pk := range []string{"AB", "A#", "a", "A "} {
		for _, sk := range []string{"a", "a#1", "b", "日本", "zz"} {
			items = append(items, mk(pk, sk, "neighbour", true))
		}
	}
	putAll(t, db, items...)
	want := slices.Clone(sortKeysA)
	sort.Strings(want) // Go compares strings byte-wise, as DynamoDB does
	return want
}

func testQueryOrder(t *testing.T, db item.DB) {
	want := partitionA(t, db)
	p := query(t, db, item.Query{PK: "A"})
	wantSortKeys(t, "ascending", p.Items, want)
	if p.Cursor != "" {
		t.Errorf("ascending: cursor %q without a limit", p.Cursor)
	}
	for _, it := range p.Items {
		if it[item.PK] != "A" || it["neighbour"] != nil {
			t.Errorf("partition A: item %s of another partition", it.Key())
		}
	}
	p = query(t, db, item.Query{PK: "A", Reverse: true})
	wantSortKeys(t, "descending", p.Items, reversed(want))
	p = query(t, db, item.Query{PK: "AB"})
	wantSortKeys(t, "partition AB", p.Items, []string{"a", "a#1", "b", "zz", "日本"})
	p = query(t, db, item.Query{PK: "Z"})
	if len(p.Items) != 0 || p.Count != 0 || p.Cursor != "" {
		t.Errorf("empty partition: %+v", p)
	}
	p = query(t, db, item.Query{PK: "Z", Reverse: true, Limit: 3})
	if len(p.Items) != 0 || p.Cursor != "" {
		t.Errorf("empty partition, reverse: %+v", p)
	}
}

// model selects from sorted sks what q selects.
func model(sks []string, q item.Query) []string {
	var out []string
	for _, sk := range sks {
		switch {
		case q.Prefix != "":
			if !strings.HasPrefix(sk, q.Prefix) {
				continue
			}
		default:
			if (q.From != "" && sk < q.From) || (q.To != "" && sk > q.To) {
				continue
			}
		}
		out = append(out, sk)
	}
	if q.Reverse {
		slices.Reverse(out)
	}
	return out
}

func testQueryPrefix(t *testing.T, db item.DB) {
	all := partitionA(t, db)
	for _, prefix := range []string{"a", "a#", "a#1", "日本", "日", "z", "q", "~", "𝄞", "B"} {
		for _, rev := range []bool{false, true} {
			q := item.Query{PK: "A", Prefix: prefix, Reverse: rev}
			want := model(all, q)
			wantSortKeys(t, fmt.Sprintf("prefix %q reverse %v", prefix, rev), query(t, db, q).Items, want)
		}
	}
	if got := model(all, item.Query{Prefix: "a#1"}); !slices.Equal(got, []string{"a#1", "a#10"}) {
		t.Fatalf("the test's model is wrong: %q", got)
	}
}

func testQueryRange(t *testing.T, db item.DB) {
	all := partitionA(t, db)
	ranges := [][2]string{
		{"a#1", "c"},     // both bounds exist
		{"a#15", "b0"},   // neither exists
		{"", "a#1"},      // open below
		{"c", ""},        // open above
		{"b", "b"},       // one key
		{"b0", "b1"},     // nothing inside
		{"0", "9"},       // the digits
		{"z", "日本"},      // across ASCII and not
		{"日本", "𝄞"},      // 3- and 4-byte UTF-8
		{"", "~"},        // everything ASCII
		{"𝄞", ""},        // the last
		{"\x01", "\x7f"}, // every ASCII key
	}
	for _, r := range ranges {
		for _, rev := range []bool{false, true} {
			q := item.Query{PK: "A", From: r[0], To: r[1], Reverse: rev}
			wantSortKeys(t, fmt.Sprintf("range [%q, %q] reverse %v", r[0], r[1], rev), query(t, db, q).Items, model(all, q))
		}
	}
}

// numbered writes n items of pk with sort keys prefix000, prefix001, …
func numbered(t *testing.T, db item.DB, pk, prefix string, n int) []string {
	t.Helper()
	var items []item.Item
	var sks []string
	for i := range n {
		sk := fmt.Sprintf("%s%03d", prefix, i)
		items = append(items, mk(pk, sk, "i", int64(i)))
		sks = append(sks, sk)
	}
	putAll(t, db, items...)
	return sks
}

func testQueryPaging(t *testing.T, db item.DB) {
	sks := numbered(t, db, "L", "k", 23)
	numbered(t, db, "LL", "k", 5) // a neighbour after
	numbered(t, db, "K", "k", 5)  // and before
	numbered(t, db, "L ", "k", 5) // and one a byte longer
	for _, limit := range []int{1, 2, 5, 7, 22, 23, 24, 100} {
		for _, rev := range []bool{false, true} {
			q := item.Query{PK: "L", Limit: limit, Reverse: rev}
			got, pages := mustPageAll(t, db, q)
			want := sks
			if rev {
				want = reversed(sks)
			}
			what := fmt.Sprintf("limit %d reverse %v", limit, rev)
			wantSortKeys(t, what, got, want)
			if wantPages := (23 + limit - 1) / limit; pages != wantPages {
				t.Errorf("%s: %d pages, want %d", what, pages, wantPages)
			}
		}
	}
	// The cursor of a page continues the same query after that page,
	// whatever other cursors were used meanwhile.
	p1 := query(t, db, item.Query{PK: "L", Limit: 10})
	p1r := query(t, db, item.Query{PK: "L", Limit: 10, Reverse: true})
	p2 := query(t, db, item.Query{PK: "L", Limit: 10, Cursor: p1.Cursor})
	p2r := query(t, db, item.Query{PK: "L", Limit: 10, Cursor: p1r.Cursor, Reverse: true})
	wantSortKeys(t, "second page", p2.Items, sks[10:20])
	wantSortKeys(t, "second page reverse", p2r.Items, reversed(sks[3:13]))
	p2again := query(t, db, item.Query{PK: "L", Limit: 10, Cursor: p1.Cursor})
	wantSortKeys(t, "second page again", p2again.Items, sks[10:20])
	// A cursor does not depend on the item still being there.
	transact(t, db, ops(item.Delete(key("L", sks[9]), nil), item.Delete(key("L", sks[10]), nil)))
	p2 = query(t, db, item.Query{PK: "L", Limit: 3, Cursor: p1.Cursor})
	wantSortKeys(t, "after the cursor's item went", p2.Items, sks[11:14])
	p2r = query(t, db, item.Query{PK: "L", Limit: 3, Cursor: p1.Cursor, Reverse: true})
	wantSortKeys(t, "reverse from a forward cursor", p2r.Items, reversed(sks[6:9]))
}

func testQueryPagingExactMultiple(t *testing.T, db item.DB) {
	sks := numbered(t, db, "E", "p#", 12)
	numbered(t, db, "E", "q#", 3)  // after the prefix p#
	numbered(t, db, "E", "o#", 3)  // before it
	numbered(t, db, "EE", "p#", 4) // a neighbour
	for _, limit := range []int{1, 3, 4, 6, 12} {
		for _, rev := range []bool{false, true} {
			for _, q := range []item.Query{
				{PK: "E", Prefix: "p#"},
				{PK: "E", From: "p#", To: "p#011"},
				{PK: "E", From: "p#000", To: "p#011~"},
			} {
				q.Limit, q.Reverse = limit, rev
				got, pages := mustPageAll(t, db, q)
				want := sks
				if rev {
					want = reversed(sks)
				}
				what := fmt.Sprintf("%+v", q)
				wantSortKeys(t, what, got, want)
				if pages != 12/limit {
					t.Errorf("%s: %d pages, want exactly %d: the last full page must have no cursor", what, pages, 12/limit)
				}
			}
		}
	}
	// The whole partition, 18 items, by 6 and 9.
	for _, limit := range []int{6, 9, 18} {
		for _, rev := range []bool{false, true} {
			_, pages := mustPageAll(t, db, item.Query{PK: "E", Limit: limit, Reverse: rev})
			if pages != 18/limit {
				t.Errorf("limit %d reverse %v: %d pages, want %d", limit, rev, pages, 18/limit)
			}
		}
	}
}

func testQueryPagingRange(t *testing.T, db item.DB) {
	all := partitionA(t, db)
	for _, q := range []item.Query{
		{PK: "A", From: "a#1", To: "日本語"},
		{PK: "A", From: "a#", To: ""},
		{PK: "A", From: "", To: "c"},
		{PK: "A", Prefix: "a"},
		{PK: "A", Prefix: "日"},
	} {
		for _, limit := range []int{1, 2, 3} {
			for _, rev := range []bool{false, true} {
				q.Limit, q.Reverse = limit, rev
				got, _ := mustPageAll(t, db, q)
				wantSortKeys(t, fmt.Sprintf("%+v", q), got, model(all, q))
			}
		}
	}
}

func testQueryCursorElsewhere(t *testing.T, db item.DB) {
	partitionA(t, db)
	putAll(t, db, mk("X", "1", item.GSI1PK, "A", item.GSI1SK, "a"), mk("X", "2", item.GSI1PK, "A", item.GSI1SK, "b"))
	p := query(t, db, item.Query{PK: "A", Limit: 2})
	if p.Cursor == "" {
		t.Fatal("no cursor")
	}
	for _, q := range []item.Query{
		{PK: "AB", Limit: 2, Cursor: p.Cursor},
		{PK: "A#", Cursor: p.Cursor},
		{PK: "a", Cursor: p.Cursor, Reverse: true},
		{PK: "A", Index: item.GSI1, Limit: 2, Cursor: p.Cursor}, // a table cursor on the index
		{PK: "A", Cursor: "not a cursor"},
		{PK: "A", Cursor: "eyJwIjoiQSJ9"}, // {"p":"A"}: no sort key
		{PK: "A", Cursor: p.Cursor + "x"},
	} {
		_, err := db.Query(bg, q)
		wantErr(t, fmt.Sprintf("cursor replayed on %+v", q), err, item.ErrInvalid)
	}
	// An index cursor on the table or on another index partition.
	var ip item.Page
	eventually(t, "index page", func() error {
		var err error
		ip, err = db.Query(bg, item.Query{Index: item.GSI1, PK: "A", Limit: 1})
		if err == nil && ip.Cursor == "" {
			err = fmt.Errorf("no cursor: %+v", ip)
		}
		return err
	})
	for _, q := range []item.Query{
		{Index: item.GSI1, PK: "B", Cursor: ip.Cursor},
		{PK: "X", Cursor: ip.Cursor},
	} {
		_, err := db.Query(bg, q)
		wantErr(t, fmt.Sprintf("index cursor replayed on %+v", q), err, item.ErrInvalid)
	}
}

func testQueryCount(t *testing.T, db item.DB) {
	all := partitionA(t, db)
	for _, q := range []item.Query{
		{PK: "A"},
		{PK: "A", Reverse: true},
		{PK: "A", Limit: 2},
		{PK: "A", Prefix: "a"},
		{PK: "A", Prefix: "a", Limit: 1, Reverse: true},
		{PK: "A", From: "b", To: "日本"},
		{PK: "AB"},
		{PK: "nothing"},
	} {
		want := model(all, q)
		if q.PK == "AB" {
			want = []string{"a", "a#1", "b", "zz", "日本"}
		} else if q.PK == "nothing" {
			want = nil
		}
		q.CountOnly = true
		p := query(t, db, q)
		if p.Count != len(want) || len(p.Items) != 0 || p.Cursor != "" {
			t.Errorf("count %+v: Count %d, %d items, cursor %q; want %d, none, \"\"", q, p.Count, len(p.Items), p.Cursor, len(want))
		}
	}
	// More items than any engine's page, counted whole.
	var many []item.Item
	for i := range 300 {
		many = append(many, mk("C", fmt.Sprintf("%04d", i), "pad", big(4000), item.GSI1PK, "CX", item.GSI1SK, "s"))
	}
	putAll(t, db, many...)
	if p := query(t, db, item.Query{PK: "C", CountOnly: true, Limit: 10}); p.Count != 300 {
		t.Errorf("count of 300 (1.2 MB) = %d", p.Count)
	}
	eventually(t, "index count", func() error {
		p, err := db.Query(bg, item.Query{Index: item.GSI1, PK: "CX", CountOnly: true})
		if err == nil && (p.Count != 300 || len(p.Items) != 0) {
			err = fmt.Errorf("Count %d, %d items", p.Count, len(p.Items))
		}
		return err
	})
	// A query without a limit returns all 1.2 MB in one page.
	p := query(t, db, item.Query{PK: "C"})
	if len(p.Items) != 300 || p.Cursor != "" {
		t.Errorf("query of 300 (1.2 MB) without a limit: %d items, cursor %q", len(p.Items), p.Cursor)
	}
}

func testQueryInvalid(t *testing.T, db item.DB) {
	putAll(t, db, mk("Q", "a"))
	for _, q := range []item.Query{
		{PK: ""},
		{PK: "", Index: item.GSI1},
		{PK: "Q", Index: "GSI2"},
		{PK: "Q", Prefix: "a", From: "a"},
		{PK: "Q", Prefix: "a", To: "b"},
		{PK: "Q", From: "b", To: "a"},
		{PK: "Q", Limit: -1},
	} {
		_, err := db.Query(bg, q)
		wantErr(t, fmt.Sprintf("query %+v", q), err, item.ErrInvalid)
	}
}

// ---- the index

// indexKeys reads a whole index partition (paging by 2, to exercise index
// cursors) and returns "PK / SK" of each item and its GSI1SK.
func indexKeys(db item.DB, q item.Query) ([]string, []string, []item.Item, error) {
	q.Index = item.GSI1
	if q.Limit == 0 {
		q.Limit = 2
	}
	items, _, err := pageAll(db, q)
	if err != nil {
		return nil, nil, nil, err
	}
	var gsks []string
	for _, it := range items {
		if it[item.GSI1PK] != q.PK {
			return nil, nil, nil, fmt.Errorf("item %s has GSI1PK %v, queried %q", it.Key(), it[item.GSI1PK], q.PK)
		}
		s, _ := it[item.GSI1SK].(string)
		gsks = append(gsks, s)
	}
	return keysOf(items), gsks, items, nil
}

// wantIndex waits until the index partition q holds exactly keys (table
// keys "PK / SK", in order).
func wantIndex(t *testing.T, db item.DB, q item.Query, keys ...string) {
	t.Helper()
	eventually(t, fmt.Sprintf("index %+v", q), func() error {
		got, _, _, err := indexKeys(db, q)
		if err != nil {
			return err
		}
		if !slices.Equal(got, keys) {
			return fmt.Errorf("holds %q, want %q", got, keys)
		}
		return nil
	})
}

func testIndexMembership(t *testing.T, db item.DB) {
	putAll(t, db,
		mk("T", "t1", item.GSI1PK, "IX", item.GSI1SK, "b", "payload", "one"),
		mk("T", "t2", item.GSI1PK, "IX", item.GSI1SK, "a", "payload", []string{"two"}),
		mk("T", "t3", "payload", "not indexed"),
		mk("T", "t4", item.GSI1PK, "IX", "payload", "no GSI1SK"),
		mk("T", "t5", item.GSI1SK, "a", "payload", "no GSI1PK"),
		mk("T", "t6", item.GSI1PK, "IX2", item.GSI1SK, "a"),
		mk("T", "t7", item.GSI1PK, "IXX", item.GSI1SK, "a"),
		mk("T", "t8", item.GSI1PK, "ix", item.GSI1SK, "a"),
		mk("U", "u1", item.GSI1PK, "IX", item.GSI1SK, "c", "payload", int64(3)),
		mk("IX", "x", "payload", "a table partition named like the index one"),
	)
	wantIndex(t, db, item.Query{PK: "IX"}, "T / t2", "T / t1", "U / u1")
	wantIndex(t, db, item.Query{PK: "IX", Reverse: true}, "U / u1", "T / t1", "T / t2")
	wantIndex(t, db, item.Query{PK: "IX", Prefix: "b"}, "T / t1")
	wantIndex(t, db, item.Query{PK: "IX", From: "b"}, "T / t1", "U / u1")
	wantIndex(t, db, item.Query{PK: "IX", To: "b", Reverse: true}, "T / t1", "T / t2")
	wantIndex(t, db, item.Query{PK: "IX2"}, "T / t6")
	wantIndex(t, db, item.Query{PK: "IXX"}, "T / t7")
	wantIndex(t, db, item.Query{PK: "ix"}, "T / t8")
	wantIndex(t, db, item.Query{PK: "I"})
	// The index returns whole items.
	_, _, items, err := indexKeys(db, item.Query{PK: "IX"})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		wantItem(t, "index item "+it.Key().String(), it, get(t, db, it.Key()))
	}
	// The table does not see the index's partitions.
	if p := query(t, db, item.Query{PK: "IX"}); len(p.Items) != 1 || p.Items[0].Key() != key("IX", "x") {
		t.Errorf("table partition IX: %q", keysOf(p.Items))
	}
}

func testIndexOrderAndPaging(t *testing.T, db item.DB) {
	// 36 items in 6 table partitions; GSI1SK g00…g11, three items each.
	var items []item.Item
	for i := range 36 {
		items = append(items, mk(fmt.Sprintf("P%d", i%6), fmt.Sprintf("s%02d", i), item.GSI1PK, "OX", item.GSI1SK, fmt.Sprintf("g%02d", i/3)))
	}
	items = append(items, mk("P0", "other", item.GSI1PK, "OY", item.GSI1SK, "g00"))
	putAll(t, db, items...)
	eventually(t, "all 36 in the index", func() error {
		p, err := db.Query(bg, item.Query{Index: item.GSI1, PK: "OX", CountOnly: true})
		if err == nil && p.Count != 36 {
			err = fmt.Errorf("count %d", p.Count)
		}
		return err
	})
	for _, q := range []item.Query{
		{PK: "OX"},
		{PK: "OX", Prefix: "g0"},
		{PK: "OX", From: "g03", To: "g05"},
		{PK: "OX", From: "g10"},
		{PK: "OX", To: "g00"},
	} {
		var want []string
		for _, it := range items {
			g := it[item.GSI1SK].(string)
			if it[item.GSI1PK] == "OX" && (q.Prefix == "" || strings.HasPrefix(g, q.Prefix)) && (q.From == "" || g >= q.From) && (q.To == "" || g <= q.To) {
				want = append(want, it.Key().String())
			}
		}
		sort.Strings(want)
		for _, limit := range []int{1, 2, 3, 4, 7, 100} {
			for _, rev := range []bool{false, true} {
				q.Limit, q.Reverse = limit, rev
				what := fmt.Sprintf("index %+v", q)
				keys, gsks, _, err := indexKeys(db, q)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				ordered := slices.IsSorted(gsks)
				if rev {
					ordered = slices.IsSorted(reversed(gsks))
				}
				if !ordered {
					t.Errorf("%s: GSI1SK out of order: %q", what, gsks)
				}
				sort.Strings(keys)
				if !slices.Equal(keys, want) {
					t.Errorf("%s: every item exactly once:\n got  %q\n want %q", what, keys, want)
				}
			}
		}
	}
}

func testIndexMoves(t *testing.T, db item.DB) {
	k := key("M", "m")
	putAll(t, db, mk("M", "m", item.GSI1PK, "MX", item.GSI1SK, "a", "v", int64(1)), mk("M", "n", item.GSI1PK, "MX", item.GSI1SK, "m"))
	wantIndex(t, db, item.Query{PK: "MX"}, "M / m", "M / n")

	transact(t, db, ops(item.Update(k, map[string]any{item.GSI1SK: "z"}, nil, nil, nil)))
	wantIndex(t, db, item.Query{PK: "MX"}, "M / n", "M / m")
	wantIndex(t, db, item.Query{PK: "MX", Prefix: "a"})
	wantIndex(t, db, item.Query{PK: "MX", Prefix: "z"}, "M / m")
	_, gsks, _, _ := indexKeys(db, item.Query{PK: "MX", Prefix: "z"})
	if !slices.Equal(gsks, []string{"z"}) {
		t.Errorf("the moved entry's item has GSI1SK %q", gsks)
	}

	// An update of other attributes leaves it where it is.
	transact(t, db, ops(item.Update(k, map[string]any{"w": "x"}, map[string]int64{"v": 1}, nil, nil)))
	wantIndex(t, db, item.Query{PK: "MX"}, "M / n", "M / m")

	transact(t, db, ops(item.Update(k, map[string]any{item.GSI1PK: "MY"}, nil, nil, nil)))
	wantIndex(t, db, item.Query{PK: "MX"}, "M / n")
	wantIndex(t, db, item.Query{PK: "MY"}, "M / m")

	transact(t, db, ops(item.Update(k, nil, nil, []string{item.GSI1SK}, nil)))
	wantIndex(t, db, item.Query{PK: "MY"})
	if it := get(t, db, k); it[item.GSI1PK] != "MY" || it[item.GSI1SK] != nil {
		t.Errorf("after removing GSI1SK: %s", show(it))
	}

	transact(t, db, ops(item.Update(k, map[string]any{item.GSI1SK: "b"}, nil, nil, nil)))
	wantIndex(t, db, item.Query{PK: "MY"}, "M / m")

	// A Put without the index keys takes it out.
	transact(t, db, ops(item.Put(mk("M", "m", "v", int64(9)), nil)))
	wantIndex(t, db, item.Query{PK: "MY"})
	// A Put with them puts it back, elsewhere.
	transact(t, db, ops(item.Put(mk("M", "m", item.GSI1PK, "MX", item.GSI1SK, "c"), nil)))
	wantIndex(t, db, item.Query{PK: "MX"}, "M / m", "M / n")

	transact(t, db, ops(item.Delete(k, nil)))
	wantIndex(t, db, item.Query{PK: "MX"}, "M / n")
	transact(t, db, ops(item.Delete(key("M", "n"), item.Exists()), item.Put(mk("M", "o", item.GSI1PK, "MZ", item.GSI1SK, "o"), nil)))
	wantIndex(t, db, item.Query{PK: "MX"})
	wantIndex(t, db, item.Query{PK: "MZ"}, "M / o")
}
