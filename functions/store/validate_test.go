package store_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

func TestHashes(t *testing.T) {
	// SHA-256("abc"), the FIPS 180-2 test vector.
	if got := store.HashToken("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("HashToken = %s", got)
	}
	if store.EmailHash(" Hanako@Example.COM ") != store.EmailHash("hanako@example.com") {
		t.Error("EmailHash must not depend on case or surrounding spaces")
	}
	if store.EmailHash("a@example.com") == store.EmailHash("b@example.com") {
		t.Error("EmailHash collides")
	}
	if a, b := store.NewID(), store.NewID(); a == b || len(a) != 26 {
		t.Errorf("NewID: %q %q", a, b)
	}
}

func TestEmails(t *testing.T) {
	valid := []string{"hanako@example.com", "hanako.yamada+alumni@mail.example.co.jp", "H_Yamada@Example.JP", "taro-1@sub.example.com"}
	invalid := []string{"", "hanako", "@example.com", "hanako@", "hanako@example", "hanako@example.com.", "hanako@.example.com",
		"hanako @example.com", "<hanako@example.com>", "Hanako <hanako@example.com>", "hanako@example.com, taro@example.com"}
	for _, e := range valid {
		m, err := store.PrepareMember(store.Member{Email: e, Name: "山田", Language: "ja", Status: "pending"}, time.Now())
		if err != nil {
			t.Errorf("%q refused: %v", e, err)
		}
		if m.Email != e {
			t.Errorf("%q stored as %q: the address is kept as entered", e, m.Email)
		}
	}
	for _, e := range invalid {
		_, err := store.PrepareMember(store.Member{Email: e, Name: "山田", Language: "ja", Status: "pending"}, time.Now())
		if fe := store.FieldErrors(err); len(fe) != 1 || fe[0].Field != "email" {
			t.Errorf("%q: %v, want one email error", e, err)
		}
	}
}

func TestValidationErrors(t *testing.T) {
	_, err := store.PrepareMember(store.Member{Status: "bogus", Joined: "2020-1"}, time.Now())
	if !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("err = %v", err)
	}
	wrapped := fmt.Errorf("create member: %w", err)
	var got []string
	for _, fe := range store.FieldErrors(wrapped) {
		got = append(got, fe.Field+":"+fe.Code)
	}
	want := "[email:required name:required joined:format language:required status:unknown]"
	if fmt.Sprint(got) != want {
		t.Errorf("field errors = %v, want %s", got, want)
	}
	var ve *store.ValidationError
	if !errors.As(wrapped, &ve) || ve.Error() != "invalid email: required" {
		t.Errorf("errors.As: %v", ve)
	}
	if store.FieldErrors(errors.New("other")) != nil || store.FieldErrors(nil) != nil {
		t.Error("FieldErrors of a non-validation error must be empty")
	}
	conflict := fmt.Errorf("x: %w", &store.ConflictError{Field: "email"})
	if !errors.Is(conflict, store.ErrAlreadyExists) || errors.Is(conflict, store.ErrInvalid) {
		t.Error("ConflictError must match ErrAlreadyExists only")
	}
}

// A bio's stored HTML has its own limit, far above what a bio of the
// bio's limit renders to, so that no member record nears an item's limit.
func TestBioHTMLLimit(t *testing.T) {
	m := store.Member{Email: "hanako@example.com", Name: "山田", Language: "ja", Status: "pending"}
	m.Profile.BioHTML = strings.Repeat("あ", store.MaxBioHTML)
	if _, err := store.PrepareMember(m, time.Now()); err != nil {
		t.Errorf("HTML at the limit refused: %v", err)
	}
	m.Profile.BioHTML += "a"
	_, err := store.PrepareMember(m, time.Now())
	if fe := store.FieldErrors(err); len(fe) != 1 || fe[0].Field != "profile.bioHtml" || fe[0].Code != "too_long" {
		t.Errorf("HTML over the limit: %v", err)
	}
}

func TestPrepareAndApply(t *testing.T) {
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.FixedZone("JST", 9*3600))
	m, err := store.PrepareMember(store.Member{
		Email: " hanako@example.com ", Name: " 山田 花子 ", Language: "ja", Status: "pending",
		Consents: map[string]store.Consent{},
	}, now)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID == "" || m.Version != 1 || m.Email != "hanako@example.com" || m.Name != "山田 花子" || m.Consents != nil {
		t.Errorf("prepared: %+v", m)
	}
	if m.CreatedAt.Location() != time.UTC || !m.CreatedAt.Equal(now) || !m.UpdatedAt.Equal(now) {
		t.Errorf("times: %v %v", m.CreatedAt, m.UpdatedAt)
	}
	later := now.Add(time.Hour)
	next := m
	next.ID, next.Version, next.Status = "x", 42, store.StatusVerified
	u, err := store.ApplyUpdate(m, next, later)
	if err != nil || u.ID != m.ID || u.Version != 2 || !u.UpdatedAt.Equal(later) || u.Status != store.StatusVerified {
		t.Errorf("applied: %+v %v", u, err)
	}
}

func TestPageAndWindow(t *testing.T) {
	for limit, want := range map[int]int{-1: 50, 0: 50, 1: 1, 500: 500, 501: 500} {
		if got := (store.Page{Limit: limit}).Size(); got != want {
			t.Errorf("Page{%d}.Size() = %d, want %d", limit, got, want)
		}
	}
	now := time.Date(2026, 4, 1, 9, 30, 15, 0, time.UTC)
	start, end := store.RateLimitWindow(time.Minute, now)
	if !start.Equal(now.Add(-15*time.Second)) || !end.Equal(start.Add(time.Minute)) {
		t.Errorf("window = %v - %v", start, end)
	}
	r := store.IdempotencyRecord{Status: store.IdempotencyInProgress, LockedUntil: now, ExpiresAt: now.Add(time.Hour)}
	if !r.Expired(now) || r.Expired(now.Add(-time.Nanosecond)) {
		t.Error("an in-progress record is absent exactly when its lock runs out")
	}
	r.Status = store.IdempotencyCompleted
	if r.Expired(now) || !r.Expired(now.Add(time.Hour)) {
		t.Error("a completed record lives until ExpiresAt")
	}
	if (store.Record{}).Type() != "" || (store.Record{Member: &store.Member{}, Token: &store.Token{}}).Type() != "" {
		t.Error("Type of an empty or double record must be empty")
	}
}
