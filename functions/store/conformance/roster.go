package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/jsonl"
)

// newRosterEntry is a valid roster entry with every field set.
func newRosterEntry(number, email string) store.RosterEntry {
	return store.RosterEntry{
		EmployeeNumber: number,
		Email:          email,
		Name:           "山田 花子",
		Department:     "営業本部",
		Joined:         "2015-04",
		Left:           "2023-03",
		ImportedAt:     t0,
	}
}

func mustPutRoster(t *testing.T, s store.Store, e store.RosterEntry) {
	t.Helper()
	if err := s.PutRosterEntry(context.Background(), e); err != nil {
		t.Fatalf("PutRosterEntry(%s): %v", e.EmployeeNumber, err)
	}
}

// wantRoster fails unless the entry with this number is found by number
// and, if it has one, by email, and equals want.
func wantRoster(t *testing.T, s store.Store, what string, want store.RosterEntry) {
	t.Helper()
	ctx := context.Background()
	got, err := s.GetRosterEntry(ctx, want.EmployeeNumber)
	if err != nil {
		t.Fatalf("%s: GetRosterEntry: %v", what, err)
	}
	sameJSON(t, what+" by number", got, want)
	if want.Email == "" {
		return
	}
	got, err = s.FindRosterByEmail(ctx, want.Email)
	if err != nil {
		t.Fatalf("%s: FindRosterByEmail: %v", what, err)
	}
	sameJSON(t, what+" by email", got, want)
}

// wantNoRosterEmail fails unless no entry is found by email.
func wantNoRosterEmail(t *testing.T, s store.Store, what, email string) {
	t.Helper()
	_, err := s.FindRosterByEmail(context.Background(), email)
	wantErr(t, what, err, store.ErrNotFound)
}

func testRosterPutGet(t *testing.T, s store.Store) {
	ctx := context.Background()
	in := newRosterEntry("E-01234", "Hanako.Yamada@Example.co.jp")
	mustPutRoster(t, s, in)
	wantRoster(t, s, "stored entry", in)
	for _, email := range []string{"hanako.yamada@example.co.jp", "HANAKO.YAMADA@EXAMPLE.CO.JP", " Hanako.Yamada@Example.co.jp "} {
		got, err := s.FindRosterByEmail(ctx, email)
		if err != nil {
			t.Fatalf("FindRosterByEmail(other case): %v", err)
		}
		sameJSON(t, "FindRosterByEmail(other case)", got, in)
	}

	_, err := s.GetRosterEntry(ctx, "E-99999")
	wantErr(t, "GetRosterEntry(unknown)", err, store.ErrNotFound)
	_, err = s.GetRosterEntry(ctx, "e-01234")
	wantErr(t, "GetRosterEntry(other case): employee numbers are exact", err, store.ErrNotFound)
	_, err = s.GetRosterEntry(ctx, "")
	wantErr(t, "GetRosterEntry(empty)", err, store.ErrNotFound)
	wantNoRosterEmail(t, s, "FindRosterByEmail(unknown)", "someone.else@example.co.jp")
	wantNoRosterEmail(t, s, "FindRosterByEmail(empty)", "")

	// An entry without an email, with untrimmed fields and no ImportedAt:
	// stored trimmed, with the engine's current time.
	bare := store.RosterEntry{EmployeeNumber: " 7001 ", Name: " 佐藤 太郎 ", Department: "開発部", Joined: "2019-10", Left: "2019-10"}
	mustPutRoster(t, s, bare)
	got, err := s.GetRosterEntry(ctx, "7001")
	if err != nil {
		t.Fatalf("entry without email: %v", err)
	}
	if got.EmployeeNumber != "7001" || got.Name != "佐藤 太郎" || got.Email != "" || got.ImportedAt.IsZero() || got.ImportedAt.Location() != time.UTC {
		t.Fatalf("entry without email stored as %+v", got)
	}
	wantNoRosterEmail(t, s, "FindRosterByEmail(empty) with an email-less entry stored", "")
	if lines := exportLines(t, s, t0); len(lines) != 2 {
		t.Fatalf("store holds %d records, want the 2 entries", len(lines))
	}
}

func testRosterReplace(t *testing.T, s store.Store) {
	first := newRosterEntry("E-1", "old.address@example.com")
	mustPutRoster(t, s, first)
	// The same number again: the newer roster wins, and the old address is released.
	second := newRosterEntry("E-1", "New.Address@example.com")
	second.Name, second.Department, second.Left = "山田 はなこ", "人事部", "2024-06"
	second.ImportedAt = t0.Add(time.Hour)
	mustPutRoster(t, s, second)
	wantRoster(t, s, "replaced entry", second)
	wantNoRosterEmail(t, s, "the old email after replacing", "old.address@example.com")

	// The released address can go to another number.
	other := newRosterEntry("E-2", "OLD.ADDRESS@example.com")
	mustPutRoster(t, s, other)
	wantRoster(t, s, "entry taking a released address", other)

	// Replacing with the same address but another case keeps it claimed.
	third := second
	third.Email = "new.address@EXAMPLE.com"
	mustPutRoster(t, s, third)
	wantRoster(t, s, "entry with its address in another case", third)

	// Dropping the address releases it too.
	fourth := third
	fourth.Email = ""
	mustPutRoster(t, s, fourth)
	wantRoster(t, s, "entry without its address", fourth)
	wantNoRosterEmail(t, s, "the dropped email", "new.address@example.com")
	mustPutRoster(t, s, newRosterEntry("E-3", "new.address@example.com"))

	// Putting the same entry twice changes nothing.
	before := exportLines(t, s, t0)
	mustPutRoster(t, s, other)
	sameLines(t, "after putting an entry again", exportLines(t, s, t0), before)
	if len(before) != 3 {
		t.Fatalf("store holds %d records, want 3 entries", len(before))
	}
}

func testRosterEmailUnique(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := newRosterEntry("E-1", "hanako@example.com")
	mustPutRoster(t, s, a)
	b := newRosterEntry("E-2", "taro@example.com")
	mustPutRoster(t, s, b)
	before := exportLines(t, s, t0)

	// A new number with a taken address, in another case.
	c := newRosterEntry("E-3", "HANAKO@Example.COM")
	wantConflict(t, "a new number with a taken email", s.PutRosterEntry(ctx, c), "email")
	_, err := s.GetRosterEntry(ctx, "E-3")
	wantErr(t, "the refused entry", err, store.ErrNotFound)

	// An existing number moving to a taken address keeps its own.
	moved := b
	moved.Email = "hanako@example.com"
	moved.Name = "佐藤 太郎"
	wantConflict(t, "an existing number moving to a taken email", s.PutRosterEntry(ctx, moved), "email")
	wantRoster(t, s, "the entry that could not move", b)
	wantRoster(t, s, "the address's owner", a)
	sameLines(t, "after refused puts", exportLines(t, s, t0), before)
}

func testRosterInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	cases := []struct {
		name, field, code string
		change            func(e *store.RosterEntry)
	}{
		{"no employee number", "employeeNumber", "required", func(e *store.RosterEntry) { e.EmployeeNumber = "  " }},
		{"employee number with a space", "employeeNumber", "format", func(e *store.RosterEntry) { e.EmployeeNumber = "E 1" }},
		{"employee number with a leading dash", "employeeNumber", "format", func(e *store.RosterEntry) { e.EmployeeNumber = "-E1" }},
		{"employee number in full-width digits", "employeeNumber", "format", func(e *store.RosterEntry) { e.EmployeeNumber = "１２３" }},
		{"employee number too long", "employeeNumber", "format", func(e *store.RosterEntry) { e.EmployeeNumber = strings.Repeat("9", 33) }},
		{"email without @", "email", "format", func(e *store.RosterEntry) { e.Email = "hanako.example.com" }},
		{"email without a dot in the domain", "email", "format", func(e *store.RosterEntry) { e.Email = "hanako@localhost" }},
		{"email with a display name", "email", "format", func(e *store.RosterEntry) { e.Email = "Hanako <hanako@example.com>" }},
		{"email too long", "email", "too_long", func(e *store.RosterEntry) { e.Email = strings.Repeat("a", 250) + "@example.com" }},
		{"no name", "name", "required", func(e *store.RosterEntry) { e.Name = "" }},
		{"name too long", "name", "too_long", func(e *store.RosterEntry) { e.Name = strings.Repeat("山", 101) }},
		{"name with a control character", "name", "format", func(e *store.RosterEntry) { e.Name = "山田\x00花子" }},
		{"no department", "department", "required", func(e *store.RosterEntry) { e.Department = " " }},
		{"department with a newline", "department", "format", func(e *store.RosterEntry) { e.Department = "営業\n本部" }},
		{"no joined", "joined", "required", func(e *store.RosterEntry) { e.Joined = "" }},
		{"joined month 13", "joined", "format", func(e *store.RosterEntry) { e.Joined = "2015-13" }},
		{"joined with a slash", "joined", "format", func(e *store.RosterEntry) { e.Joined = "2015/04" }},
		{"no left", "left", "required", func(e *store.RosterEntry) { e.Left = "" }},
		{"left without its leading zero", "left", "format", func(e *store.RosterEntry) { e.Left = "2023-3" }},
		{"left before joined", "left", "order", func(e *store.RosterEntry) { e.Joined, e.Left = "2015-04", "2015-03" }},
	}
	for _, c := range cases {
		e := newRosterEntry("E-1", "hanako@example.com")
		c.change(&e)
		err := s.PutRosterEntry(ctx, e)
		wantField(t, c.name, err, c.field)
		for _, fe := range store.FieldErrors(err) {
			if fe.Field == c.field && fe.Code != c.code {
				t.Errorf("%s: code %q, want %q", c.name, fe.Code, c.code)
			}
		}
		if strings.Contains(err.Error(), "hanako") {
			t.Errorf("%s: the error carries the address: %v", c.name, err)
		}
		wantEmpty(t, s)
	}

	// Several broken fields are all named.
	err := s.PutRosterEntry(ctx, store.RosterEntry{Email: "x"})
	for _, f := range []string{"employeeNumber", "email", "name", "department", "joined", "left"} {
		wantField(t, "an empty entry", err, f)
	}
	wantEmpty(t, s)

	// An invalid replacement leaves the stored entry and its address alone.
	good := newRosterEntry("E-1", "hanako@example.com")
	mustPutRoster(t, s, good)
	bad := good
	bad.Email, bad.Left = "taro@example.com", "2010-01"
	wantField(t, "an invalid replacement", s.PutRosterEntry(ctx, bad), "left")
	wantRoster(t, s, "entry after an invalid replacement", good)
	wantNoRosterEmail(t, s, "the invalid replacement's email", "taro@example.com")
}

// testRosterBackup: roster entries go through Export/Import and JSON Lines
// with their email index rebuilt, and Import keeps the roster's rules.
func testRosterBackup(t *testing.T, src store.Store, newStore Factory) {
	ctx := context.Background()
	entries := []store.RosterEntry{
		newRosterEntry("E-1", "Hanako@Example.com"),
		newRosterEntry("E-2", "taro@example.com"),
		{EmployeeNumber: "7001", Name: "佐藤 太郎", Department: "開発部", Joined: "2019-10", Left: "2020-01", ImportedAt: t0.Add(time.Second)},
	}
	for _, e := range entries {
		mustPutRoster(t, src, e)
	}
	mustCreate(t, src, newMember("hanako@example.com")) // a member with the same address is no conflict
	want := exportLines(t, src, exportAt)
	if len(want) != 4 {
		t.Fatalf("export holds %d records, want 3 entries and 1 member", len(want))
	}

	// Export into Import, twice: the same records, working indexes.
	dst := newStore(t)
	importAll(t, src, dst)
	importAll(t, src, dst)
	sameLines(t, "copy after Export/Import", exportLines(t, dst, exportAt), want)
	for _, e := range entries {
		wantRoster(t, dst, "imported entry", e)
	}
	wantConflict(t, "a taken address in the copy", dst.PutRosterEntry(ctx, newRosterEntry("E-9", "TARO@example.com")), "email")

	// JSON Lines: counted by type, and the same records after the round trip.
	var file bytes.Buffer
	stats, err := jsonl.Export(ctx, src, &file, exportAt, jsonl.Options{})
	if err != nil {
		t.Fatalf("jsonl.Export: %v", err)
	}
	if stats[store.RecordRoster] != 3 || !strings.Contains(file.String(), `{"type":"roster","employeeNumber":"E-1"`) {
		t.Fatalf("export file: stats %v\n%s", stats, file.String())
	}
	viaFile := newStore(t)
	istats, err := jsonl.Import(ctx, viaFile, bytes.NewReader(file.Bytes()), jsonl.Options{Workers: 4})
	if err != nil {
		t.Fatalf("jsonl.Import: %v", err)
	}
	sameJSON(t, "imported per type", istats, stats)
	sameLines(t, "copy after JSON Lines", exportLines(t, viaFile, exportAt), want)
	for _, e := range entries {
		wantRoster(t, viaFile, "entry imported from a file", e)
	}

	// Importing a changed entry replaces it and moves its address.
	changed := entries[0]
	changed.Email = "hanako.new@example.com"
	if err := dst.Import(ctx, store.Record{Roster: &changed}); err != nil {
		t.Fatalf("import a changed entry: %v", err)
	}
	wantRoster(t, dst, "entry replaced by import", changed)
	wantNoRosterEmail(t, dst, "the old address after a replacing import", "hanako@example.com")

	// Import refuses what PutRosterEntry refuses, and writes nothing.
	before := exportLines(t, dst, exportAt)
	taken := newRosterEntry("E-9", "taro@EXAMPLE.com")
	wantConflict(t, "import an entry with a taken email", dst.Import(ctx, store.Record{Roster: &taken}), "email")
	invalid := newRosterEntry("E-9", "")
	invalid.Joined = "2015-00"
	wantField(t, "import an invalid entry", dst.Import(ctx, store.Record{Roster: &invalid}), "joined")
	sameLines(t, "after refused imports", exportLines(t, dst, exportAt), before)
	_, err = dst.GetRosterEntry(ctx, "E-9")
	wantErr(t, "a refused import", err, store.ErrNotFound)
}

func testConcurrentRosterPuts(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 32
	entry := func(i int) store.RosterEntry {
		e := newRosterEntry(fmt.Sprintf("E-%03d", i), fmt.Sprintf("leaver%d@example.com", i))
		e.Name = fmt.Sprintf("退職者 %d", i)
		return e
	}
	errs := together(n, func(i int) error { return s.PutRosterEntry(ctx, entry(i)) })
	if ok, _ := tally(t, "put different entries", errs, nil); ok != n {
		t.Fatalf("%d of %d puts succeeded", ok, n)
	}
	for i := range n {
		wantRoster(t, s, fmt.Sprintf("entry %d", i), entry(i))
	}
	if lines := exportLines(t, s, t0); len(lines) != n {
		t.Fatalf("store holds %d records, want %d", len(lines), n)
	}
}

func testConcurrentRosterSameEmail(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 16
	errs := together(n, func(i int) error {
		return s.PutRosterEntry(ctx, newRosterEntry(fmt.Sprintf("E-%d", i), mixedCase("hanako@example.com", i)))
	})
	ok, exists := tally(t, "put the same email under different numbers", errs, store.ErrAlreadyExists)
	if ok != 1 || exists != n-1 {
		t.Fatalf("%d succeeded and %d got ErrAlreadyExists; want 1 and %d", ok, exists, n-1)
	}
	for i, err := range errs {
		_, gerr := s.GetRosterEntry(ctx, fmt.Sprintf("E-%d", i))
		if err == nil {
			wantRoster(t, s, "the winner", newRosterEntry(fmt.Sprintf("E-%d", i), mixedCase("hanako@example.com", i)))
		} else if !errors.Is(gerr, store.ErrNotFound) {
			t.Fatalf("a refused put left entry %d behind: %v", i, gerr)
		}
	}
}

func testConcurrentRosterReplace(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 16
	email := func(i int) string { return fmt.Sprintf("address%d@example.com", i) }
	errs := together(n, func(i int) error { return s.PutRosterEntry(ctx, newRosterEntry("E-1", email(i))) })
	if ok, _ := tally(t, "replace one entry", errs, nil); ok != n {
		t.Fatalf("%d of %d replacements succeeded", ok, n)
	}
	got, err := s.GetRosterEntry(ctx, "E-1")
	if err != nil {
		t.Fatal(err)
	}
	wantRoster(t, s, "the last replacement", got)
	// Every address the entry no longer has was released: another number can take it.
	for i := range n {
		if email(i) == got.Email {
			continue
		}
		wantNoRosterEmail(t, s, "an address replaced in the race", email(i))
		if err := s.PutRosterEntry(ctx, newRosterEntry(fmt.Sprintf("E-%d", 100+i), email(i))); err != nil {
			t.Fatalf("address %d is still held after the race: %v", i, err)
		}
	}
	if lines := exportLines(t, s, t0); len(lines) != n {
		t.Fatalf("store holds %d records, want %d", len(lines), n)
	}
}

// testRosterDelete: erasing a leaver removes the entry and frees its address.
func testRosterDelete(t *testing.T, s store.Store) {
	ctx := context.Background()
	e := newRosterEntry("E9001", "Leaver@Example.com")
	mustPutRoster(t, s, e)
	keep := newRosterEntry("E9002", "stays@example.com")
	mustPutRoster(t, s, keep)
	noEmail := newRosterEntry("E9003", "")
	mustPutRoster(t, s, noEmail)

	if err := s.DeleteRosterEntry(ctx, "E9001"); err != nil {
		t.Fatalf("DeleteRosterEntry: %v", err)
	}
	_, err := s.GetRosterEntry(ctx, "E9001")
	wantErr(t, "get after delete", err, store.ErrNotFound)
	wantNoRosterEmail(t, s, "email after delete", "leaver@example.com")
	wantErr(t, "delete twice", s.DeleteRosterEntry(ctx, "E9001"), store.ErrNotFound)
	wantErr(t, "delete unknown", s.DeleteRosterEntry(ctx, "E0000"), store.ErrNotFound)
	// The address is free for another employee number again.
	mustPutRoster(t, s, newRosterEntry("E9004", "leaver@example.com"))
	if err := s.DeleteRosterEntry(ctx, "E9003"); err != nil {
		t.Fatalf("delete an entry without email: %v", err)
	}
	wantRoster(t, s, "untouched entry", keep)
}
