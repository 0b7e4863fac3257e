package itemtest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store/item"
)

// scanAll reads every page of one segment and checks the paging rules.
func scanAll(db item.DB, s item.ScanInput) ([]item.Item, error) {
	var all []item.Item
	for pages := 1; ; pages++ {
		if pages > 10000 {
			return nil, fmt.Errorf("no last page after 10,000")
		}
		p, err := db.Scan(bg, s)
		if err != nil {
			return nil, fmt.Errorf("segment %d/%d page %d: %w", s.Segment, s.Segments, pages, err)
		}
		if p.Count != len(p.Items) {
			return nil, fmt.Errorf("segment %d/%d page %d: Count %d, %d items", s.Segment, s.Segments, pages, p.Count, len(p.Items))
		}
		if s.Limit > 0 && len(p.Items) > s.Limit {
			return nil, fmt.Errorf("segment %d/%d page %d: %d items over the limit %d", s.Segment, s.Segments, pages, len(p.Items), s.Limit)
		}
		all = append(all, p.Items...)
		if p.Cursor == "" {
			return all, nil
		}
		if s.Limit > 0 && len(p.Items) != s.Limit {
			return nil, fmt.Errorf("segment %d/%d page %d: %d items and a cursor, want %d", s.Segment, s.Segments, pages, len(p.Items), s.Limit)
		}
		if s.Limit == 0 {
			return nil, fmt.Errorf("segment %d/%d page %d: a cursor without a limit", s.Segment, s.Segments, pages)
		}
		s.Cursor = p.Cursor
	}
}

func testScan(t *testing.T, db item.DB) {
	if p, err := db.Scan(bg, item.ScanInput{Segments: 1}); err != nil || len(p.Items) != 0 || p.Cursor != "" {
		t.Errorf("scan of an empty table: %+v, %v", p, err)
	}
	want := map[item.Key]item.Item{}
	var items []item.Item
	for i := range 170 {
		it := mk(fmt.Sprintf("S%02d", i%17), fmt.Sprintf("%03d", i), "i", int64(i), "pad", big(8000))
		if i%4 == 0 {
			it[item.GSI1PK], it[item.GSI1SK] = "SX", fmt.Sprint(i)
		}
		if i == 7 {
			it = everyValue("S07", "007")
		}
		items = append(items, it)
		want[it.Key()] = it
	}
	putAll(t, db, items...) // 1.4 MB: more than one DynamoDB page
	for _, segments := range []int{1, 2, 4, 7} {
		for _, limit := range []int{0, 1, 7, 50, 170, 500} {
			if segments > 2 && limit == 1 {
				continue
			}
			seen := map[item.Key]int{}
			for seg := range segments {
				got, err := scanAll(db, item.ScanInput{Segment: seg, Segments: segments, Limit: limit})
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range got {
					seen[it.Key()]++
					if w, ok := want[it.Key()]; !ok {
						t.Errorf("scan: an item %s never written", it.Key())
					} else if !same(it, w) {
						t.Errorf("scan: item %s:\n got  %s\n want %s", it.Key(), show(it), show(w))
					}
				}
			}
			for k := range want {
				if seen[k] != 1 {
					t.Errorf("segments %d limit %d: item %s seen %d times, want once", segments, limit, k, seen[k])
				}
			}
			if len(seen) != len(want) {
				t.Errorf("segments %d limit %d: %d items, want %d", segments, limit, len(seen), len(want))
			}
		}
	}
	// A segment holds the same items whatever the page size.
	a, err := scanAll(db, item.ScanInput{Segment: 1, Segments: 4})
	if err != nil {
		t.Fatal(err)
	}
	b, err := scanAll(db, item.ScanInput{Segment: 1, Segments: 4, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	ka, kb := keysOf(a), keysOf(b)
	slices.Sort(ka)
	slices.Sort(kb)
	if !slices.Equal(ka, kb) {
		t.Errorf("segment 1 of 4 differs by limit:\n %q\n %q", ka, kb)
	}
}

func testScanInvalid(t *testing.T, db item.DB) {
	putAll(t, db, mk("S", "1"))
	for _, s := range []item.ScanInput{
		{Segments: 0},
		{Segment: -1, Segments: 2},
		{Segment: 2, Segments: 2},
		{Segment: 0, Segments: 1, Limit: -1},
		{Segment: 0, Segments: 1, Cursor: "not a cursor"},
	} {
		_, err := db.Scan(bg, s)
		wantErr(t, fmt.Sprintf("scan %+v", s), err, item.ErrInvalid)
	}
}

func (s *suite) testDeleteExpired(t *testing.T, db item.DB) {
	// A year ahead, so that DynamoDB's own TTL cannot remove anything
	// during the test.
	now := time.Now().Add(365 * 24 * time.Hour).Truncate(time.Second)
	at := func(d int64) int64 { return now.Unix() + d }
	idx := func(it item.Item, sk string) item.Item {
		it[item.GSI1PK], it[item.GSI1SK] = "EXI", sk
		return it
	}
	putAll(t, db,
		idx(mk("EXP", "e01", item.TTL, at(-1000)), "e01"),
		mk("EXP", "e02", item.TTL, at(0)), // exactly now
		idx(mk("EXP", "e03", item.TTL, at(1)), "e03"),
		mk("EXP", "e04", "no", "ttl"),
		mk("EXP", "e05", item.TTL, fmt.Sprint(at(-10))), // not a number
		mk("EXP", "e06", item.TTL, at(-5)),
		mk("EXP", "e07", item.TTL, at(100)),
		mk("EXP", "e08", item.TTL, at(-1)),
		mk("EXP", "e09", item.TTL, at(-1)),
		mk("EXP2", "e10", item.TTL, at(-10)),
		mk("EXP", "e12", item.TTL, at(-3)),
		mk("EXP", "e13", item.TTL, at(-3)),
	)
	transact(t, db, ops(
		item.Update(key("EXP", "e06"), map[string]any{item.TTL: at(100)}, nil, nil, nil), // extended
		item.Update(key("EXP", "e07"), map[string]any{item.TTL: at(-1)}, nil, nil, nil),  // shortened
		item.Update(key("EXP", "e08"), nil, nil, []string{item.TTL}, nil),                // removed
		item.Put(mk("EXP", "e09", "replaced", true), nil),                                // replaced
		item.Update(key("EXP", "e11"), map[string]any{item.TTL: at(-2)}, nil, nil, nil),  // created expired
		item.Delete(key("EXP", "e12"), nil),                                              // gone already
		item.Update(key("EXP", "e13"), nil, map[string]int64{item.TTL: 10}, nil, nil),    // added to
	))
	expired := []item.Key{key("EXP", "e01"), key("EXP", "e02"), key("EXP", "e07"), key("EXP2", "e10"), key("EXP", "e11")}
	stay := []item.Key{key("EXP", "e03"), key("EXP", "e04"), key("EXP", "e05"), key("EXP", "e06"), key("EXP", "e08"), key("EXP", "e09"), key("EXP", "e13")}
	wantIndex(t, db, item.Query{PK: "EXI"}, "EXP / e01", "EXP / e03")
	before := map[item.Key]item.Item{}
	for _, k := range append(slices.Clone(expired), stay...) {
		before[k] = get(t, db, k)
		if before[k] == nil {
			t.Fatalf("%s missing before DeleteExpired", k)
		}
	}

	if !s.opts.ExpiresPhysically {
		n, err := db.DeleteExpired(bg, now, func(item.Item) bool { return true })
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("DeleteExpired = %d, want 0 (this engine's TTL works in the background)", n)
		}
		for k, it := range before {
			wantStored(t, db, k, it)
		}
		return
	}
	n, err := db.DeleteExpired(bg, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(expired) {
		t.Errorf("DeleteExpired = %d, want %d", n, len(expired))
	}
	wantMissing(t, db, expired...)
	for _, k := range stay {
		wantStored(t, db, k, before[k])
	}
	if p := query(t, db, item.Query{PK: "EXP"}); !slices.Equal(sortKeys(p.Items), []string{"e03", "e04", "e05", "e06", "e08", "e09", "e13"}) {
		t.Errorf("partition EXP after DeleteExpired: %q", sortKeys(p.Items))
	}
	if p := query(t, db, item.Query{PK: "EXP2", CountOnly: true}); p.Count != 0 {
		t.Errorf("partition EXP2 after DeleteExpired: %d items", p.Count)
	}
	wantIndex(t, db, item.Query{PK: "EXI"}, "EXP / e03")
	if p := query(t, db, item.Query{PK: "EXI", Index: item.GSI1, CountOnly: true}); p.Count > 1 {
		t.Errorf("index count after DeleteExpired: %d", p.Count)
	}
	if n, err := db.DeleteExpired(bg, now, nil); err != nil || n != 0 {
		t.Errorf("DeleteExpired again = %d, %v; want 0", n, err)
	}
	// A second later, e03 is due; e13 (at -3 + 10) seven seconds after.
	if n, err := db.DeleteExpired(bg, now.Add(time.Second), nil); err != nil || n != 1 {
		t.Errorf("DeleteExpired a second later = %d, %v; want 1", n, err)
	}
	wantMissing(t, db, key("EXP", "e03"))
	wantIndex(t, db, item.Query{PK: "EXI"})
	if n, err := db.DeleteExpired(bg, now.Add(7*time.Second), nil); err != nil || n != 1 {
		t.Errorf("DeleteExpired 7 s later = %d, %v; want 1 (e13)", n, err)
	}
	wantMissing(t, db, key("EXP", "e13"))
	// Many at once (more than one bolt transaction's worth), counting some.
	var many []item.Item
	for i := range 2345 {
		many = append(many, mk("EXP3", fmt.Sprintf("%04d", i), item.TTL, at(int64(10+i%2)), "kind", int64(i%3)))
	}
	putAll(t, db, many...)
	var seen []item.Item
	n, err = db.DeleteExpired(bg, now.Add(10*time.Second), func(it item.Item) bool {
		seen = append(seen, it)
		return it["kind"] == int64(0)
	})
	// Of the 1,173 even ones, those with i%3 == 0 are i%6 == 0: 391.
	if err != nil || n != 391 {
		t.Errorf("DeleteExpired of 1,173 of 2,345 counting 391 = %d, %v", n, err)
	}
	if len(seen) != 1173 {
		t.Errorf("count saw %d items, want the 1,173 removed", len(seen))
	}
	for _, it := range seen {
		if it[item.TTL] != at(10) || it[item.PK] != "EXP3" {
			t.Errorf("count saw %s", show(it))
			break
		}
	}
	if p := query(t, db, item.Query{PK: "EXP3", CountOnly: true}); p.Count != 1172 {
		t.Errorf("%d left of 2,345, want 1,172", p.Count)
	}
}
