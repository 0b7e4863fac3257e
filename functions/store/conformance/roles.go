package conformance

import (
	"context"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

// fullMember is newMember with every optional field set as well, so an
// engine that drops one (the profile, the consent history, the pending
// address, roles, the roster match) fails the round trip.
func fullMember(email string) store.Member {
	m := newMember(email)
	m.EmployeeNumber = "E-07001"
	m.RosterNumber = "E-07001"
	m.Roles = []store.Role{store.RoleHR}
	m.PendingEmail = "new." + email
	m.PendingEmailToken = hashOf("pending:" + email)
	m.PreviousEmail = "before." + email
	m.ConsentHistory = []store.ConsentChange{{Purpose: "newsletter", Given: true, PolicyVersion: "2026-01", At: t0}}
	m.Profile = store.Profile{
		Company: "株式会社みらい", Role: "PM", Location: "福岡", Bio: "**こんにちは**",
		Skills: []string{"Go", "SQL"}, Interests: []string{"登山"},
		OpenTo:  store.OpenTo{Rehire: true, Mentoring: true},
		Visible: []string{"company", "bio"}, VisibleChosenAt: t0.Add(time.Minute),
	}
	return m
}

func testMemberEveryField(t *testing.T, s store.Store) {
	ctx := context.Background()
	in := fullMember("every.field@example.co.jp")
	got := mustCreate(t, s, in)
	want := in
	want.ID, want.Version, want.UpdatedAt = got.ID, 1, t0
	sameJSON(t, "created member", got, want)
	read, err := s.GetMember(ctx, got.ID)
	if err != nil {
		t.Fatalf("GetMember: %v", err)
	}
	sameJSON(t, "GetMember", read, want)

	updated, err := s.UpdateMember(ctx, got.ID, func(m store.Member) (store.Member, error) {
		m.Profile.Bio = "更新しました"
		m.ConsentHistory = append(m.ConsentHistory, store.ConsentChange{Purpose: "directory", Given: true, PolicyVersion: "2026-01", At: t0})
		m.PendingEmail, m.PendingEmailToken = "", ""
		return m, nil
	})
	if err != nil {
		t.Fatalf("UpdateMember: %v", err)
	}
	read, err = s.GetMember(ctx, got.ID)
	if err != nil {
		t.Fatalf("GetMember after update: %v", err)
	}
	sameJSON(t, "GetMember after update", read, updated)
	if read.Profile.Bio != "更新しました" || len(read.ConsentHistory) != 2 || read.PendingEmail != "" {
		t.Fatalf("update not kept: %+v", read)
	}
}

func testMemberRoles(t *testing.T, s store.Store) {
	ctx := context.Background()
	list := func(what string, want ...string) {
		t.Helper()
		ms, err := s.ListMembersByRole(ctx, store.RoleHR)
		if err != nil {
			t.Fatalf("%s: ListMembersByRole: %v", what, err)
		}
		var ids []string
		for _, m := range ms {
			if !m.HasRole(store.RoleHR) {
				t.Fatalf("%s: listed member %s does not hold the role", what, m.ID)
			}
			ids = append(ids, m.ID)
		}
		if len(ids) != len(want) {
			t.Fatalf("%s: HR members %v, want %v", what, ids, want)
		}
		for _, w := range want {
			found := false
			for _, id := range ids {
				found = found || id == w
			}
			if !found {
				t.Fatalf("%s: HR members %v, want %v", what, ids, want)
			}
		}
	}
	list("empty store")
	a := newMember("role.a@example.co.jp")
	a.Roles = []store.Role{store.RoleHR}
	a = mustCreate(t, s, a)
	b := mustCreate(t, s, newMember("role.b@example.co.jp"))
	list("created with the role", a.ID)

	grant := func(id string, on bool) {
		t.Helper()
		if _, err := s.UpdateMember(ctx, id, func(m store.Member) (store.Member, error) {
			if on {
				m.Roles = append(m.Roles, store.RoleHR)
			} else {
				m.Roles = nil
			}
			return m, nil
		}); err != nil {
			t.Fatalf("UpdateMember(roles): %v", err)
		}
	}
	grant(b.ID, true)
	list("granted", a.ID, b.ID)
	grant(a.ID, false)
	list("revoked", b.ID)
	// An update that changes something else keeps the role and its index.
	if _, err := s.UpdateMember(ctx, b.ID, func(m store.Member) (store.Member, error) {
		m.Email = "role.b2@example.co.jp"
		return m, nil
	}); err != nil {
		t.Fatalf("UpdateMember(email): %v", err)
	}
	list("after an address change", b.ID)
	if err := s.DeleteMember(ctx, b.ID); err != nil {
		t.Fatalf("DeleteMember: %v", err)
	}
	list("deleted")

	// A role the store does not know, or the same role twice, is refused.
	bad := newMember("role.bad@example.co.jp")
	bad.Roles = []store.Role{"owner"}
	_, err := s.CreateMember(ctx, bad)
	wantField(t, "unknown role", err, "roles")
	bad.Roles = []store.Role{store.RoleHR, store.RoleHR}
	_, err = s.CreateMember(ctx, bad)
	wantField(t, "role twice", err, "roles")
}

func testTokenAddress(t *testing.T, s store.Store) {
	ctx := context.Background()
	tok := newToken("bound", store.PurposeChangeEmail)
	tok.AddressHash = store.EmailHash("new.address@example.co.jp")
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	got, err := s.ConsumeToken(ctx, tok.Hash, store.PurposeChangeEmail, t0.Add(time.Minute))
	if err != nil {
		t.Fatalf("ConsumeToken: %v", err)
	}
	if got.AddressHash != tok.AddressHash {
		t.Fatalf("token address hash = %q, want the hash of the address it was mailed to", got.AddressHash)
	}
	// A login token keeps the page it leads back to.
	login := newToken("next", store.PurposeLogin)
	login.Next = "/jobs/2026-backend/?from=list"
	if err := s.CreateToken(ctx, login); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if got, err := s.ConsumeToken(ctx, login.Hash, store.PurposeLogin, t0.Add(time.Minute)); err != nil || got.Next != login.Next {
		t.Fatalf("ConsumeToken = %q, %v; want next %q", got.Next, err, login.Next)
	}
}
