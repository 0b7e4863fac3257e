package conformance

import (
	"context"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

func newToken(name string, purpose store.TokenPurpose) store.Token {
	return store.Token{
		Hash:      hashOf(name),
		Purpose:   purpose,
		Subject:   store.EmailHash("hanako@example.com"),
		CreatedAt: t0,
		ExpiresAt: t0.Add(15 * time.Minute),
	}
}

func testTokenSingleUse(t *testing.T, s store.Store) {
	ctx := context.Background()
	tok := newToken("a", store.PurposeLogin)
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	wantConflict(t, "same hash twice", s.CreateToken(ctx, tok), "hash")

	// Another purpose does not consume it.
	_, err := s.ConsumeToken(ctx, tok.Hash, store.PurposeVerifyEmail, t0.Add(time.Minute))
	wantErr(t, "consume with another purpose", err, store.ErrNotFound)
	_, err = s.ConsumeToken(ctx, hashOf("unknown"), store.PurposeLogin, t0.Add(time.Minute))
	wantErr(t, "consume unknown", err, store.ErrNotFound)

	usedAt := t0.Add(2 * time.Minute)
	got, err := s.ConsumeToken(ctx, tok.Hash, store.PurposeLogin, usedAt)
	if err != nil {
		t.Fatalf("ConsumeToken: %v", err)
	}
	want := tok
	want.UsedAt = usedAt
	sameJSON(t, "consumed token", got, want)

	_, err = s.ConsumeToken(ctx, tok.Hash, store.PurposeLogin, usedAt.Add(time.Second))
	wantErr(t, "consume twice", err, store.ErrNotFound)
	wantConflict(t, "recreate a used token", s.CreateToken(ctx, tok), "hash")
}

func testTokenExpiry(t *testing.T, s store.Store) {
	ctx := context.Background()
	tok := newToken("b", store.PurposeVerifyEmail)
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	// Expired exactly at ExpiresAt, even though it is still stored.
	_, err := s.ConsumeToken(ctx, tok.Hash, store.PurposeVerifyEmail, tok.ExpiresAt)
	wantErr(t, "consume at expiry", err, store.ErrNotFound)
	_, err = s.ConsumeToken(ctx, tok.Hash, store.PurposeVerifyEmail, tok.ExpiresAt.Add(time.Hour))
	wantErr(t, "consume after expiry", err, store.ErrNotFound)
	// A refused consume changed nothing: just before expiry it still works.
	if _, err := s.ConsumeToken(ctx, tok.Hash, store.PurposeVerifyEmail, tok.ExpiresAt.Add(-time.Nanosecond)); err != nil {
		t.Fatalf("consume just before expiry: %v", err)
	}
}

func testTokenInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	cases := []struct {
		name  string
		edit  func(*store.Token)
		field string
	}{
		{"already expired", func(tk *store.Token) { tk.ExpiresAt = tk.CreatedAt.Add(-time.Second) }, "expiresAt"},
		{"expires when created", func(tk *store.Token) { tk.ExpiresAt = tk.CreatedAt }, "expiresAt"},
		{"no expiry", func(tk *store.Token) { tk.ExpiresAt = time.Time{} }, "expiresAt"},
		{"no creation time", func(tk *store.Token) { tk.CreatedAt = time.Time{} }, "createdAt"},
		{"plaintext instead of hash", func(tk *store.Token) { tk.Hash = "my-secret-token" }, "hash"},
		{"uppercase hash", func(tk *store.Token) { tk.Hash = "ABCDEF" + tk.Hash[6:] }, "hash"},
		{"no purpose", func(tk *store.Token) { tk.Purpose = "" }, "purpose"},
		{"bad purpose", func(tk *store.Token) { tk.Purpose = "Log In" }, "purpose"},
		{"no subject", func(tk *store.Token) { tk.Subject = "" }, "subject"},
		{"address as subject", func(tk *store.Token) { tk.Subject = "hanako@example.com" }, "subject"},
		{"already used", func(tk *store.Token) { tk.UsedAt = tk.CreatedAt }, "usedAt"},
	}
	for _, c := range cases {
		tok := newToken("c", store.PurposeLogin)
		c.edit(&tok)
		wantField(t, c.name, s.CreateToken(ctx, tok), c.field)
	}
	wantEmpty(t, s)
	_, err := s.ConsumeToken(ctx, hashOf("c"), store.PurposeLogin, t0.Add(-time.Hour))
	wantErr(t, "nothing written", err, store.ErrNotFound)
}

func newSession(id, member string) store.Session {
	return store.Session{ID: id, MemberID: member, CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}
}

func testSession(t *testing.T, s store.Store) {
	ctx := context.Background()
	sess := newSession("sess-1", "member-1")
	if err := s.CreateSession(ctx, sess); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	wantConflict(t, "same session id", s.CreateSession(ctx, newSession("sess-1", "member-2")), "id")

	got, err := s.GetSession(ctx, "sess-1", t0.Add(time.Hour))
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	want := sess
	want.LastSeenAt = t0
	sameJSON(t, "session", got, want)

	_, err = s.GetSession(ctx, "sess-1", sess.ExpiresAt)
	wantErr(t, "get at expiry", err, store.ErrNotFound)
	_, err = s.GetSession(ctx, "nope", t0)
	wantErr(t, "get unknown", err, store.ErrNotFound)

	// Renewing moves the expiry: the session lives past its first expiry.
	seen := t0.Add(23 * time.Hour)
	renewed, err := s.TouchSession(ctx, "sess-1", seen.Add(24*time.Hour), seen)
	if err != nil {
		t.Fatalf("TouchSession: %v", err)
	}
	want.LastSeenAt, want.ExpiresAt = seen, seen.Add(24*time.Hour)
	sameJSON(t, "renewed", renewed, want)
	got, err = s.GetSession(ctx, "sess-1", t0.Add(30*time.Hour))
	if err != nil {
		t.Fatalf("GetSession after renewal: %v", err)
	}
	sameJSON(t, "renewed, read back", got, want)

	_, err = s.TouchSession(ctx, "sess-1", seen, seen)
	wantErr(t, "touch with a past expiry", err, store.ErrInvalid)
	_, err = s.TouchSession(ctx, "sess-1", want.ExpiresAt.Add(time.Hour), want.ExpiresAt)
	wantErr(t, "touch an expired session", err, store.ErrNotFound)
	_, err = s.TouchSession(ctx, "nope", t0.Add(time.Hour), t0)
	wantErr(t, "touch unknown", err, store.ErrNotFound)

	if err := s.DeleteSession(ctx, "sess-1"); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	_, err = s.GetSession(ctx, "sess-1", t0)
	wantErr(t, "get after logout", err, store.ErrNotFound)
	wantErr(t, "delete twice", s.DeleteSession(ctx, "sess-1"), store.ErrNotFound)

	bad := newSession("sess-2", "member-1")
	bad.ExpiresAt = bad.CreatedAt
	wantField(t, "expired session", s.CreateSession(ctx, bad), "expiresAt")
	bad = newSession("", "member-1")
	wantField(t, "no id", s.CreateSession(ctx, bad), "id")
	bad = newSession("sess-3", "")
	wantField(t, "no member", s.CreateSession(ctx, bad), "memberId")
	wantEmpty(t, s)
}

func testSessionDeleteForMember(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, sess := range []store.Session{
		newSession("a1", "member-a"), newSession("a2", "member-a"), newSession("a3", "member-a"),
		newSession("b1", "member-b"), newSession("member-a-x", "member-ab"),
	} {
		if err := s.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.DeleteMemberSessions(ctx, "member-a")
	if err != nil || n != 3 {
		t.Fatalf("DeleteMemberSessions = %d, %v; want 3", n, err)
	}
	for _, id := range []string{"a1", "a2", "a3"} {
		_, err := s.GetSession(ctx, id, t0)
		wantErr(t, "revoked session "+id, err, store.ErrNotFound)
	}
	for _, id := range []string{"b1", "member-a-x"} {
		if _, err := s.GetSession(ctx, id, t0); err != nil {
			t.Fatalf("another member's session %s: %v", id, err)
		}
	}
	n, err = s.DeleteMemberSessions(ctx, "member-a")
	if err != nil || n != 0 {
		t.Fatalf("DeleteMemberSessions again = %d, %v; want 0", n, err)
	}
}

// testTokenPeek: PeekToken answers as ConsumeToken would (unknown, another
// purpose, expired, used: ErrNotFound) and leaves the token unused.
func testTokenPeek(t *testing.T, s store.Store) {
	ctx := context.Background()
	tok := newToken("peek", store.PurposeLogin)
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	at := t0.Add(time.Minute)
	for i := range 2 { // twice: a peek consumes nothing
		got, err := s.PeekToken(ctx, tok.Hash, store.PurposeLogin, at)
		if err != nil {
			t.Fatalf("peek %d: %v", i+1, err)
		}
		sameJSON(t, "peeked token", got, tok)
	}
	_, err := s.PeekToken(ctx, tok.Hash, store.PurposeVerifyEmail, at)
	wantErr(t, "peek with another purpose", err, store.ErrNotFound)
	_, err = s.PeekToken(ctx, hashOf("unknown"), store.PurposeLogin, at)
	wantErr(t, "peek unknown", err, store.ErrNotFound)
	_, err = s.PeekToken(ctx, "", store.PurposeLogin, at)
	wantErr(t, "peek no hash", err, store.ErrNotFound)
	_, err = s.PeekToken(ctx, tok.Hash, store.PurposeLogin, tok.ExpiresAt)
	wantErr(t, "peek at expiry", err, store.ErrNotFound)

	if _, err := s.ConsumeToken(ctx, tok.Hash, store.PurposeLogin, at); err != nil {
		t.Fatalf("ConsumeToken after peeks: %v", err)
	}
	_, err = s.PeekToken(ctx, tok.Hash, store.PurposeLogin, at)
	wantErr(t, "peek a used token", err, store.ErrNotFound)
}
