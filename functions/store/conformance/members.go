package conformance

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

func testMemberCreateGet(t *testing.T, s store.Store) {
	ctx := context.Background()
	in := newMember("Hanako.Yamada@Example.co.jp")
	in.EmployeeNumber = "E-01234"
	got := mustCreate(t, s, in)
	if got.ID == "" || got.Version != 1 {
		t.Fatalf("created member has ID %q and Version %d, want an ID and 1", got.ID, got.Version)
	}
	if !got.UpdatedAt.Equal(t0) {
		t.Errorf("UpdatedAt = %v, want CreatedAt %v when not given", got.UpdatedAt, t0)
	}
	if got.Email != "Hanako.Yamada@Example.co.jp" {
		t.Errorf("Email = %q, want the address as entered", got.Email)
	}
	want := in
	want.ID, want.Version, want.UpdatedAt = got.ID, 1, t0
	sameJSON(t, "created member", got, want)

	byID, err := s.GetMember(ctx, got.ID)
	if err != nil {
		t.Fatalf("GetMember: %v", err)
	}
	sameJSON(t, "GetMember", byID, want)

	for _, email := range []string{"hanako.yamada@example.co.jp", "HANAKO.YAMADA@EXAMPLE.CO.JP", " Hanako.Yamada@Example.co.jp "} {
		byEmail, err := s.GetMemberByEmail(ctx, email)
		if err != nil {
			t.Fatalf("GetMemberByEmail(other case): %v", err)
		}
		sameJSON(t, "GetMemberByEmail", byEmail, want)
	}
	byNumber, err := s.GetMemberByEmployeeNumber(ctx, "E-01234")
	if err != nil {
		t.Fatalf("GetMemberByEmployeeNumber: %v", err)
	}
	sameJSON(t, "GetMemberByEmployeeNumber", byNumber, want)

	_, err = s.GetMember(ctx, "no-such-id")
	wantErr(t, "GetMember(unknown)", err, store.ErrNotFound)
	_, err = s.GetMember(ctx, "")
	wantErr(t, "GetMember(empty)", err, store.ErrNotFound)
	_, err = s.GetMemberByEmail(ctx, "someone.else@example.co.jp")
	wantErr(t, "GetMemberByEmail(unknown)", err, store.ErrNotFound)
	_, err = s.GetMemberByEmployeeNumber(ctx, "E-99999")
	wantErr(t, "GetMemberByEmployeeNumber(unknown)", err, store.ErrNotFound)
	_, err = s.GetMemberByEmployeeNumber(ctx, "")
	wantErr(t, "GetMemberByEmployeeNumber(empty)", err, store.ErrNotFound)

	// A member without an employee number and with a caller-chosen ID.
	other := newMember("taro@example.com")
	other.ID = "member-taro"
	other.Consents = nil
	got2 := mustCreate(t, s, other)
	if got2.ID != "member-taro" {
		t.Fatalf("ID = %q, want the one given", got2.ID)
	}
	if got2.CreatedAt.IsZero() || got2.Consents != nil {
		t.Fatalf("second member: %+v", got2)
	}
}

func testMemberEmailUnique(t *testing.T, s store.Store) {
	ctx := context.Background()
	first := mustCreate(t, s, newMember("hanako@example.com"))
	_, err := s.CreateMember(ctx, newMember("HANAKO@Example.COM"))
	wantConflict(t, "same email, other case", err, "email")
	got, err := s.GetMemberByEmail(ctx, "hanako@example.com")
	if err != nil || got.ID != first.ID {
		t.Fatalf("the first member must stay: %v %v", got.ID, err)
	}
	if lines := exportLines(t, s, t0); len(lines) != 1 {
		t.Fatalf("store holds %d records after a rejected duplicate, want 1", len(lines))
	}
}

func testMemberEmployeeNumberUnique(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := newMember("a@example.com")
	a.EmployeeNumber = "1001"
	mustCreate(t, s, a)
	b := newMember("b@example.com")
	b.EmployeeNumber = "1001"
	_, err := s.CreateMember(ctx, b)
	wantConflict(t, "same employee number", err, "employeeNumber")
	_, err = s.GetMemberByEmail(ctx, "b@example.com")
	wantErr(t, "the rejected member must not be written", err, store.ErrNotFound)
	// Members without an employee number never collide with each other.
	mustCreate(t, s, newMember("c@example.com"))
	mustCreate(t, s, newMember("d@example.com"))
}

func testMemberIDUnique(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := newMember("a@example.com")
	a.ID = "same-id"
	mustCreate(t, s, a)
	b := newMember("b@example.com")
	b.ID = "same-id"
	_, err := s.CreateMember(ctx, b)
	wantConflict(t, "same id", err, "id")
	_, err = s.GetMemberByEmail(ctx, "b@example.com")
	wantErr(t, "the rejected member must not be written", err, store.ErrNotFound)
	got, err := s.GetMember(ctx, "same-id")
	if err != nil || got.Email != "a@example.com" {
		t.Fatalf("the first member must stay: %v %v", got.Email, err)
	}
}

func testMemberInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	cases := []struct {
		name  string
		edit  func(*store.Member)
		field string
	}{
		{"empty email", func(m *store.Member) { m.Email = "" }, "email"},
		{"blank email", func(m *store.Member) { m.Email = "   " }, "email"},
		{"email without at", func(m *store.Member) { m.Email = "hanako.example.com" }, "email"},
		{"email with name", func(m *store.Member) { m.Email = "Hanako <hanako@example.com>" }, "email"},
		{"email without domain dot", func(m *store.Member) { m.Email = "hanako@localhost" }, "email"},
		{"email with two ats", func(m *store.Member) { m.Email = "hanako@@example.com" }, "email"},
		{"invalid status", func(m *store.Member) { m.Status = "active" }, "status"},
		{"empty status", func(m *store.Member) { m.Status = "" }, "status"},
		{"bad joined month", func(m *store.Member) { m.Joined = "2015/04" }, "joined"},
		{"month 13", func(m *store.Member) { m.Left = "2023-13" }, "left"},
		{"left before joined", func(m *store.Member) { m.Joined, m.Left = "2020-04", "2019-03" }, "left"},
		{"unknown language", func(m *store.Member) { m.Language = "fr" }, "language"},
		{"no language", func(m *store.Member) { m.Language = "" }, "language"},
		{"no name", func(m *store.Member) { m.Name = "" }, "name"},
		{"name too long", func(m *store.Member) { m.Name = string(make([]rune, 101)) }, "name"},
		{"control character", func(m *store.Member) { m.Department = "営業\n本部" }, "department"},
		{"bad employee number", func(m *store.Member) { m.EmployeeNumber = "12 34" }, "employeeNumber"},
		{"bad id", func(m *store.Member) { m.ID = "a/b" }, "id"},
		{"consent without policy", func(m *store.Member) {
			m.Consents = map[string]store.Consent{"newsletter": {Given: true, At: t0}}
		}, "consents.newsletter.policyVersion"},
		{"consent without time", func(m *store.Member) {
			m.Consents = map[string]store.Consent{"newsletter": {Given: true, PolicyVersion: "1"}}
		}, "consents.newsletter.at"},
		{"bad consent purpose", func(m *store.Member) {
			m.Consents = map[string]store.Consent{"News Letter": {Given: true, PolicyVersion: "1", At: t0}}
		}, "consents"},
	}
	for _, c := range cases {
		m := newMember("hanako@example.com")
		m.EmployeeNumber = "E-1"
		c.edit(&m)
		_, err := s.CreateMember(ctx, m)
		wantField(t, c.name, err, c.field)
	}
	// Several broken fields are all reported.
	m := newMember("")
	m.Status = "bogus"
	_, err := s.CreateMember(ctx, m)
	wantField(t, "two errors", err, "email")
	wantField(t, "two errors", err, "status")

	wantEmpty(t, s)
	_, err = s.GetMemberByEmail(ctx, "hanako@example.com")
	wantErr(t, "nothing written", err, store.ErrNotFound)
	_, err = s.GetMemberByEmployeeNumber(ctx, "E-1")
	wantErr(t, "nothing written", err, store.ErrNotFound)
	page, _, err := s.ListMembersByStatus(ctx, store.StatusPending, store.Page{})
	if err != nil || len(page) != 0 {
		t.Fatalf("pending members after rejected creates: %d, %v", len(page), err)
	}
}

func testMemberUpdate(t *testing.T, s store.Store) {
	ctx := context.Background()
	m := newMember("hanako@example.com")
	m.EmployeeNumber = "1001"
	created := mustCreate(t, s, m)

	later := t0.Add(time.Hour)
	updated, err := s.UpdateMember(ctx, created.ID, func(old store.Member) (store.Member, error) {
		sameJSON(t, "old passed to update", old, created)
		old.Email = "Hanako.New@Example.com"
		old.EmployeeNumber = "2002"
		old.Status = store.StatusApproved
		old.Roman = "Hanako Suzuki"
		old.Consents["newsletter"] = store.Consent{Given: false, PolicyVersion: "2026-02", At: later}
		old.UpdatedAt = later
		// Attempts to change what the store owns are ignored.
		old.ID, old.Version, old.CreatedAt = "other", 99, later
		return old, nil
	})
	if err != nil {
		t.Fatalf("UpdateMember: %v", err)
	}
	if updated.ID != created.ID || updated.Version != 2 || !updated.CreatedAt.Equal(created.CreatedAt) || !updated.UpdatedAt.Equal(later) {
		t.Fatalf("updated: id %q version %d created %v updated %v", updated.ID, updated.Version, updated.CreatedAt, updated.UpdatedAt)
	}
	got, err := s.GetMember(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "stored after update", got, updated)
	if got.Consents["newsletter"].PolicyVersion != "2026-02" || got.Status != store.StatusApproved {
		t.Fatalf("update not stored: %+v", got)
	}

	// Indexes follow: the old email and number are free, the new ones find the member.
	_, err = s.GetMemberByEmail(ctx, "hanako@example.com")
	wantErr(t, "old email", err, store.ErrNotFound)
	_, err = s.GetMemberByEmployeeNumber(ctx, "1001")
	wantErr(t, "old employee number", err, store.ErrNotFound)
	if g, err := s.GetMemberByEmail(ctx, "hanako.new@example.com"); err != nil || g.ID != created.ID {
		t.Fatalf("new email: %v %v", g.ID, err)
	}
	if g, err := s.GetMemberByEmployeeNumber(ctx, "2002"); err != nil || g.ID != created.ID {
		t.Fatalf("new employee number: %v %v", g.ID, err)
	}
	// The status lists are on GSI1: the member may still be listed as
	// pending, and not yet as approved, for a moment.
	eventually(t, "pending after approval", func() error {
		pending, _, err := s.ListMembersByStatus(ctx, store.StatusPending, store.Page{})
		if err != nil {
			return err
		}
		return indexedIDs(listedMembers(pending), nil, created.ID)
	})
	eventually(t, "approved after approval", func() error {
		approved, _, err := s.ListMembersByStatus(ctx, store.StatusApproved, store.Page{})
		if err != nil {
			return err
		}
		if err := indexedIDs(listedMembers(approved), []string{created.ID}); err != nil {
			return err
		}
		if approved[0].Version != 2 {
			return fmt.Errorf("%+v", approved)
		}
		return nil
	})
	// The freed email can be registered again.
	mustCreate(t, s, newMember("HANAKO@example.com"))

	// Without touching UpdatedAt, the store sets it to its clock.
	again, err := s.UpdateMember(ctx, created.ID, func(old store.Member) (store.Member, error) {
		old.Department = "人事部"
		old.Consents = nil
		return old, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if again.Version != 3 {
		t.Fatalf("second update: version %d, want 3", again.Version)
	}
	if again.UpdatedAt.Equal(later) {
		t.Fatalf("UpdatedAt unchanged by an update that did not set it")
	}
	got, _ = s.GetMember(ctx, created.ID)
	if len(got.Consents) != 0 || got.Department != "人事部" {
		t.Fatalf("removing consents / changing department not stored: %+v", got)
	}
}

func testMemberUpdateConflict(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := newMember("a@example.com")
	a.EmployeeNumber = "1"
	a = mustCreate(t, s, a)
	b := newMember("b@example.com")
	b.EmployeeNumber = "2"
	b = mustCreate(t, s, b)

	_, err := s.UpdateMember(ctx, b.ID, func(old store.Member) (store.Member, error) {
		old.Email = "A@EXAMPLE.COM"
		return old, nil
	})
	wantConflict(t, "update to a taken email", err, "email")
	_, err = s.UpdateMember(ctx, b.ID, func(old store.Member) (store.Member, error) {
		old.EmployeeNumber = "1"
		return old, nil
	})
	wantConflict(t, "update to a taken employee number", err, "employeeNumber")

	got, err := s.GetMember(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "b after refused updates", got, b)
	if g, err := s.GetMemberByEmail(ctx, "a@example.com"); err != nil || g.ID != a.ID {
		t.Fatalf("a's email must still find a: %v %v", g.ID, err)
	}
	if g, err := s.GetMemberByEmployeeNumber(ctx, "2"); err != nil || g.ID != b.ID {
		t.Fatalf("b's number must still find b: %v %v", g.ID, err)
	}
	// Changing only the case of one's own email is not a conflict.
	if _, err := s.UpdateMember(ctx, a.ID, func(old store.Member) (store.Member, error) {
		old.Email = "A@Example.com"
		return old, nil
	}); err != nil {
		t.Fatalf("case change of own email: %v", err)
	}
	if g, err := s.GetMemberByEmail(ctx, "a@example.com"); err != nil || g.Email != "A@Example.com" {
		t.Fatalf("after case change: %v %v", g.Email, err)
	}
}

func testMemberUpdateErrors(t *testing.T, s store.Store) {
	ctx := context.Background()
	m := mustCreate(t, s, newMember("hanako@example.com"))

	_, err := s.UpdateMember(ctx, "no-such-id", func(old store.Member) (store.Member, error) { return old, nil })
	wantErr(t, "update unknown", err, store.ErrNotFound)

	errRefused := errors.New("refused by the caller")
	_, err = s.UpdateMember(ctx, m.ID, func(old store.Member) (store.Member, error) {
		old.Status = store.StatusApproved
		return old, errRefused
	})
	wantErr(t, "update callback error", err, errRefused)

	_, err = s.UpdateMember(ctx, m.ID, func(old store.Member) (store.Member, error) {
		old.Status = "bogus"
		return old, nil
	})
	wantField(t, "update to invalid status", err, "status")
	_, err = s.UpdateMember(ctx, m.ID, func(old store.Member) (store.Member, error) {
		old.Email = ""
		return old, nil
	})
	wantField(t, "update to empty email", err, "email")

	got, err := s.GetMember(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "member after failed updates", got, m)
	if g, err := s.GetMemberByEmail(ctx, "hanako@example.com"); err != nil || g.ID != m.ID {
		t.Fatalf("email index after failed updates: %v", err)
	}
}

func testMemberListByStatus(t *testing.T, s store.Store) {
	ctx := context.Background()
	var want []string
	// Created out of order: the list is ordered by CreatedAt, not by insertion.
	for _, i := range []int{4, 0, 6, 2, 5, 1, 3} {
		m := newMember(fmt.Sprintf("m%d@example.com", i))
		m.CreatedAt = t0.Add(time.Duration(i) * time.Minute)
		m.ID = fmt.Sprintf("m%d", i)
		if i == 3 {
			m.Status = store.StatusVerified
		}
		mustCreate(t, s, m)
	}
	for _, i := range []int{0, 1, 2, 4, 5, 6} {
		want = append(want, fmt.Sprintf("m%d", i))
	}
	// The status lists are on GSI1: each is read, every page, until the
	// index has every member.
	eventually(t, "pending members", func() error {
		var got []string
		cursor := ""
		pages := 0
		for {
			page, next, err := s.ListMembersByStatus(ctx, store.StatusPending, store.Page{Limit: 4, Cursor: cursor})
			if err != nil {
				t.Fatalf("ListMembersByStatus: %v", err)
			}
			if len(page) > 4 {
				t.Fatalf("page of %d, limit 4", len(page))
			}
			for _, m := range page {
				if m.Status != store.StatusPending {
					t.Fatalf("listed a %s member as pending", m.Status)
				}
				got = append(got, m.ID)
			}
			pages++
			if next == "" {
				break
			}
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			cursor = next
		}
		return indexedIDs(got, want)
	})
	eventually(t, "verified", func() error {
		verified, next, err := s.ListMembersByStatus(ctx, store.StatusVerified, store.Page{})
		if err != nil {
			return err
		}
		if err := indexedIDs(listedMembers(verified), []string{"m3"}); err != nil {
			return err
		}
		if next != "" {
			return fmt.Errorf("%v, next %q", verified, next)
		}
		return nil
	})
	// No member was ever suspended: nothing to wait for.
	none, next, err := s.ListMembersByStatus(ctx, store.StatusSuspended, store.Page{})
	if err != nil || len(none) != 0 || next != "" {
		t.Fatalf("suspended = %v, next %q, %v", none, next, err)
	}
	_, _, err = s.ListMembersByStatus(ctx, "bogus", store.Page{})
	wantErr(t, "unknown status", err, store.ErrInvalid)
}

func testMemberDelete(t *testing.T, s store.Store) {
	ctx := context.Background()
	m := newMember("hanako@example.com")
	m.EmployeeNumber = "1001"
	m = mustCreate(t, s, m)
	keep := mustCreate(t, s, newMember("taro@example.com"))
	if err := s.DeleteMember(ctx, m.ID); err != nil {
		t.Fatalf("DeleteMember: %v", err)
	}
	_, err := s.GetMember(ctx, m.ID)
	wantErr(t, "get deleted", err, store.ErrNotFound)
	_, err = s.GetMemberByEmail(ctx, "hanako@example.com")
	wantErr(t, "get deleted by email", err, store.ErrNotFound)
	_, err = s.GetMemberByEmployeeNumber(ctx, "1001")
	wantErr(t, "get deleted by number", err, store.ErrNotFound)
	// The status list is on GSI1: the deleted member may still be listed,
	// and the other not yet, for a moment.
	eventually(t, "pending after delete", func() error {
		list, _, err := s.ListMembersByStatus(ctx, store.StatusPending, store.Page{})
		if err != nil {
			return err
		}
		return indexedIDs(listedMembers(list), []string{keep.ID}, m.ID)
	})
	wantErr(t, "delete twice", s.DeleteMember(ctx, m.ID), store.ErrNotFound)
	// Email and number are free again.
	again := newMember("Hanako@example.com")
	again.EmployeeNumber = "1001"
	mustCreate(t, s, again)
}
