package conformance

import (
	"bytes"
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/jsonl"
)

// exportAt is when the backup tests export: after some of what populate
// writes has expired, before the rest has.
var exportAt = t0.Add(20 * time.Minute)

// populated is what populate wrote and what export must carry.
type populated struct {
	approved, pending store.Member
	live, used        store.Token
	session           store.Session
	auditSubject      string
	byType            map[store.RecordType]int // live records per type at exportAt
}

// populate writes every kind of record through the normal API, some of it
// expired at exportAt.
func populate(t *testing.T, s store.Store) populated {
	t.Helper()
	ctx := context.Background()
	var p populated

	m := newMember("Hanako@Example.com")
	m.EmployeeNumber = "E-1001"
	m.ID = "member-hanako"
	m = mustCreate(t, s, m)
	var err error
	p.approved, err = s.UpdateMember(ctx, m.ID, func(old store.Member) (store.Member, error) {
		old.Status = store.StatusApproved
		old.UpdatedAt = t0.Add(time.Minute)
		old.Lifecycle = map[string]time.Time{"welcome": t0.Add(time.Minute)}
		return old, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	pending := newMember("taro@example.com")
	pending.Name, pending.Kana, pending.Roman, pending.Language = "佐藤 太郎", "サトウ タロウ", "Taro Sato", store.LanguageEn
	pending.Consents = nil
	p.pending = mustCreate(t, s, pending)
	if _, _, err := s.Block(ctx, store.Block{Blocker: p.approved.ID, Blocked: p.pending.ID, At: t0.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}

	p.live = newToken("live", store.PurposeLogin)
	p.live.ExpiresAt = t0.Add(time.Hour)
	p.used = newToken("used", store.PurposeVerifyEmail)
	p.used.ExpiresAt = t0.Add(time.Hour)
	expiredToken := newToken("expired", store.PurposeLogin) // expires at t0+15m
	for _, tok := range []store.Token{p.live, p.used, expiredToken} {
		if err := s.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if p.used, err = s.ConsumeToken(ctx, p.used.Hash, store.PurposeVerifyEmail, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}

	p.session = newSession("session-live", p.approved.ID)
	p.session.LastSeenAt = t0.Add(time.Minute)
	expiredSession := newSession("session-expired", p.approved.ID)
	expiredSession.ExpiresAt = t0.Add(10 * time.Minute)
	for _, sess := range []store.Session{p.session, expiredSession} {
		if err := s.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
	}

	if err := s.PutMailSettings(ctx, store.MailSettings{Off: []string{store.LifecycleNudge}, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}

	if _, err := s.BeginIdempotency(ctx, "idem-done", "hash-1", time.Minute, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.CompleteIdempotency(ctx, "idem-done", testResponse, t0.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BeginIdempotency(ctx, "idem-running", "hash-2", time.Hour, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BeginIdempotency(ctx, "idem-dead", "hash-3", time.Minute, t0); err != nil {
		t.Fatal(err)
	}

	p.auditSubject = p.approved.ID
	for i, action := range []string{"member.register", "member.verify", "member.approve"} {
		if _, err := s.AppendAudit(ctx, store.AuditEntry{
			At: t0.Add(time.Duration(i) * time.Second), Actor: "hr:sato", Action: action,
			Subject: p.auditSubject, Fields: []string{"status"},
		}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.AppendAudit(ctx, store.AuditEntry{At: t0, Actor: "system", Action: "member.register", Subject: p.pending.ID}); err != nil {
		t.Fatal(err)
	}

	for range 3 {
		if _, err := s.HitRateLimit(ctx, "login:hour", time.Hour, t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.HitRateLimit(ctx, "login:minute", time.Minute, t0); err != nil {
		t.Fatal(err)
	}

	p.byType = map[store.RecordType]int{
		store.RecordMember: 2, store.RecordToken: 2, store.RecordSession: 1,
		store.RecordIdempotency: 2, store.RecordAudit: 4, store.RecordRateLimit: 1,
		store.RecordBlock: 1, store.RecordMailSettings: 1,
	}
	return p
}

func testExportSkipsExpired(t *testing.T, s store.Store) {
	p := populate(t, s)
	got := map[store.RecordType]int{}
	err := s.Export(context.Background(), exportAt, func(r store.Record) error {
		if r.Type() == "" {
			t.Fatalf("exported a record with no single item: %+v", r)
		}
		if r.Expired(exportAt) {
			t.Errorf("exported an expired %s", r.Type())
		}
		got[r.Type()]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "records per type", got, p.byType)

	// A callback error stops the export and comes back.
	stop := context.Canceled
	calls := 0
	err = s.Export(context.Background(), exportAt, func(store.Record) error { calls++; return stop })
	if calls != 1 || err == nil {
		t.Fatalf("export after a callback error: %d calls, err %v", calls, err)
	}
}

func testDeleteExpired(t *testing.T, s store.Store) {
	ctx := context.Background()
	p := populate(t, s)
	before := exportLines(t, s, exportAt)
	n, err := s.DeleteExpired(ctx, exportAt)
	if err != nil {
		t.Fatalf("DeleteExpired: %v", err)
	}
	// Expired at exportAt: one token, one session, one idempotency record,
	// one rate-limit window. An engine that leaves this to TTL reports 0.
	if n != 4 && n != 0 {
		t.Fatalf("DeleteExpired removed %d, want 4 (or 0 where TTL does it)", n)
	}
	sameLines(t, "live records after DeleteExpired", exportLines(t, s, exportAt), before)
	if _, err := s.GetSession(ctx, p.session.ID, exportAt); err != nil {
		t.Fatalf("live session after DeleteExpired: %v", err)
	}
	if _, err := s.ConsumeToken(ctx, p.live.Hash, p.live.Purpose, exportAt); err != nil {
		t.Fatalf("live token after DeleteExpired: %v", err)
	}
	// The session index is cleaned with the session: revoking counts only live ones.
	if n, err := s.DeleteMemberSessions(ctx, p.approved.ID); err != nil || (n != 1 && n != 2) {
		t.Fatalf("DeleteMemberSessions after DeleteExpired = %d, %v", n, err)
	}
}

// importAll copies every record of src into dst through Import.
func importAll(t *testing.T, src, dst store.Store) {
	t.Helper()
	ctx := context.Background()
	err := src.Export(ctx, exportAt, func(r store.Record) error { return dst.Import(ctx, r) })
	if err != nil {
		t.Fatalf("export into import: %v", err)
	}
}

func testImportKeepsEverything(t *testing.T, src, dst store.Store) {
	ctx := context.Background()
	p := populate(t, src)
	importAll(t, src, dst)
	sameLines(t, "export of the copy", exportLines(t, dst, exportAt), exportLines(t, src, exportAt))

	// The copy's indexes work, and it carries on from where the original was.
	got, err := dst.GetMemberByEmail(ctx, "hanako@example.com")
	if err != nil {
		t.Fatalf("imported member by email: %v", err)
	}
	sameJSON(t, "imported member", got, p.approved)
	if got.Version != 2 {
		t.Fatalf("imported version %d, want 2", got.Version)
	}
	if g, err := dst.GetMemberByEmployeeNumber(ctx, "E-1001"); err != nil || g.ID != p.approved.ID {
		t.Fatalf("imported member by employee number: %v", err)
	}
	// The status list is on GSI1, which may not have the import yet.
	eventually(t, "imported pending list", func() error {
		list, _, err := dst.ListMembersByStatus(ctx, store.StatusPending, store.Page{})
		if err != nil {
			return err
		}
		return indexedIDs(listedMembers(list), []string{p.pending.ID})
	})
	if _, err := dst.CreateMember(ctx, newMember("TARO@example.com")); !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("imported email must be taken: %v", err)
	}
	upd, err := dst.UpdateMember(ctx, p.approved.ID, func(old store.Member) (store.Member, error) { return old, nil })
	if err != nil || upd.Version != 3 {
		t.Fatalf("update of imported member: version %d, %v", upd.Version, err)
	}
	if sess, err := dst.GetSession(ctx, p.session.ID, exportAt); err != nil {
		t.Fatalf("imported session: %v", err)
	} else {
		sameJSON(t, "imported session", sess, p.session)
	}
	if n, err := dst.DeleteMemberSessions(ctx, p.approved.ID); err != nil || n != 1 {
		t.Fatalf("imported session index: %d %v", n, err)
	}
	if _, err := dst.ConsumeToken(ctx, p.used.Hash, p.used.Purpose, exportAt); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a used token must stay used after import: %v", err)
	}
	if tok, err := dst.ConsumeToken(ctx, p.live.Hash, p.live.Purpose, exportAt); err != nil || !tok.CreatedAt.Equal(t0) {
		t.Fatalf("imported live token: %+v %v", tok, err)
	}
	rec, err := dst.BeginIdempotency(ctx, "idem-done", "hash-1", time.Minute, exportAt)
	if err != nil || rec == nil || rec.Status != store.IdempotencyCompleted {
		t.Fatalf("imported idempotency record: %+v %v", rec, err)
	}
	resp := testResponse
	sameJSON(t, "replayed response", rec.Response, &resp)
	if rec, err := dst.BeginIdempotency(ctx, "idem-running", "hash-2", time.Minute, exportAt); err != nil || rec == nil || rec.Status != store.IdempotencyInProgress {
		t.Fatalf("imported in-progress record: %+v %v", rec, err)
	}
	if n, err := dst.HitRateLimit(ctx, "login:hour", time.Hour, exportAt); err != nil || n != 4 {
		t.Fatalf("imported rate limit continues: %d, %v; want 4", n, err)
	}
	if list, _, err := dst.ListAudit(ctx, store.AuditQuery{Subject: p.auditSubject}, store.Page{}); err != nil || len(list) != 3 || list[2].Action != "member.approve" {
		t.Fatalf("imported audit by subject: %+v %v", list, err)
	}
	// Without a subject the audit is listed on GSI1, which may not have
	// the import yet.
	eventually(t, "imported audit by time", func() error {
		list, _, err := dst.ListAudit(ctx, store.AuditQuery{From: t0, To: t0.Add(time.Second)}, store.Page{})
		if err != nil {
			return err
		}
		return indexedCount(listedAudit(list), 2)
	})
}

func testImportIdempotent(t *testing.T, src, dst store.Store) {
	populate(t, src)
	want := exportLines(t, src, exportAt)
	importAll(t, src, dst)
	importAll(t, src, dst)
	sameLines(t, "after importing twice", exportLines(t, dst, exportAt), want)
	// Importing a store into itself changes nothing either.
	importAll(t, src, src)
	sameLines(t, "after importing into itself", exportLines(t, src, exportAt), want)
}

func testImportConflictAndInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := newMember("a@example.com")
	a.ID = "member-a"
	a.EmployeeNumber = "1"
	a = mustCreate(t, s, a)
	before := exportLines(t, s, exportAt)

	other := a
	other.ID = "member-other"
	other.Email = "A@EXAMPLE.COM"
	other.EmployeeNumber = ""
	wantConflict(t, "import another member with a taken email", s.Import(ctx, store.Record{Member: &other}), "email")
	other.Email = "other@example.com"
	other.EmployeeNumber = "1"
	wantConflict(t, "import another member with a taken number", s.Import(ctx, store.Record{Member: &other}), "employeeNumber")

	bad := a
	bad.Status = "bogus"
	wantField(t, "import an invalid member", s.Import(ctx, store.Record{Member: &bad}), "status")
	badToken := newToken("x", store.PurposeLogin)
	badToken.Hash = "plaintext"
	wantField(t, "import an invalid token", s.Import(ctx, store.Record{Token: &badToken}), "hash")
	wantErr(t, "import an empty record", s.Import(ctx, store.Record{}), store.ErrInvalid)
	tok := newToken("y", store.PurposeLogin)
	wantErr(t, "import a record with two items", s.Import(ctx, store.Record{Member: &a, Token: &tok}), store.ErrInvalid)
	sameLines(t, "after refused imports", exportLines(t, s, exportAt), before)

	// The same identity replaces, and its old index entries go.
	changed := a
	changed.Email = "a.new@example.com"
	changed.EmployeeNumber = "2"
	changed.Version = 7
	if err := s.Import(ctx, store.Record{Member: &changed}); err != nil {
		t.Fatalf("import a changed member: %v", err)
	}
	got, err := s.GetMemberByEmail(ctx, "a.new@example.com")
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "replaced member", got, changed)
	_, err = s.GetMemberByEmail(ctx, "a@example.com")
	wantErr(t, "old email after replacing import", err, store.ErrNotFound)
	_, err = s.GetMemberByEmployeeNumber(ctx, "1")
	wantErr(t, "old number after replacing import", err, store.ErrNotFound)
	// Re-importing a token from before it was used does not make it usable again.
	fresh := newToken("once", store.PurposeLogin)
	if err := s.CreateToken(ctx, fresh); err != nil {
		t.Fatal(err)
	}
	if err := s.Import(ctx, store.Record{Token: &fresh}); err != nil {
		t.Fatalf("import an unused token over itself: %v", err)
	}
	if _, err := s.ConsumeToken(ctx, fresh.Hash, fresh.Purpose, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Import(ctx, store.Record{Token: &fresh}); err != nil {
		t.Fatalf("import an older copy of a used token: %v", err)
	}
	_, err = s.ConsumeToken(ctx, fresh.Hash, fresh.Purpose, t0.Add(2*time.Minute))
	wantErr(t, "a used token after importing its unused copy", err, store.ErrNotFound)

	// A token past its expiry may be imported (it is simply absent).
	old := newToken("old", store.PurposeLogin)
	if err := s.Import(ctx, store.Record{Token: &old}); err != nil {
		t.Fatalf("import an expired token: %v", err)
	}
	_, err = s.ConsumeToken(ctx, old.Hash, old.Purpose, exportAt)
	wantErr(t, "imported expired token", err, store.ErrNotFound)
}

func testJSONLRoundTrip(t *testing.T, src, dst store.Store) {
	ctx := context.Background()
	p := populate(t, src)
	var file bytes.Buffer
	stats, err := jsonl.Export(ctx, src, &file, exportAt, jsonl.Options{})
	if err != nil {
		t.Fatalf("jsonl.Export: %v", err)
	}
	sameJSON(t, "exported per type", stats, p.byType)
	lines := strings.Split(strings.TrimSuffix(file.String(), "\n"), "\n")
	if len(lines) != 1+stats.Total() || !strings.HasPrefix(lines[0], `{"type":"okaeri-export","version":1`) {
		t.Fatalf("export file: %d lines, header %s", len(lines), lines[0])
	}
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, `{"type":"`) {
			t.Fatalf("line without a leading type: %s", l)
		}
	}
	data := file.Bytes()
	for range 2 { // the second import must change nothing
		istats, err := jsonl.Import(ctx, dst, bytes.NewReader(data), jsonl.Options{Workers: 4})
		if err != nil {
			t.Fatalf("jsonl.Import: %v", err)
		}
		sameJSON(t, "imported per type", istats, p.byType)
		sameLines(t, "copy after JSONL round trip", exportLines(t, dst, exportAt), exportLines(t, src, exportAt))
	}

	// A broken line is reported with its number, and an unknown type refused.
	_, err = jsonl.Import(ctx, dst, strings.NewReader(lines[0]+"\n"+`{"type":"member","id":`+"\n"), jsonl.Options{})
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("broken line: %v", err)
	}
	_, err = jsonl.Import(ctx, dst, strings.NewReader(`{"type":"spaceship"}`+"\n"), jsonl.Options{})
	if err == nil || !strings.Contains(err.Error(), "spaceship") {
		t.Fatalf("unknown type: %v", err)
	}
	bad := `{"type":"member","id":"x","email":"","name":"n","language":"ja","status":"pending","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z","version":1}`
	_, err = jsonl.Import(ctx, dst, strings.NewReader(bad+"\n"), jsonl.Options{})
	if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("invalid member line: %v", err)
	}
}

// RunCrossEngineTests moves a populated store from one engine to the other
// and back through JSON Lines files, and checks each file holds the same
// records: export from `from`, import into `to`, export again, compare; then
// the way back into a fresh `from`.
func RunCrossEngineTests(t *testing.T, from, to Factory) {
	t.Run("CrossEngineRoundTrip", func(t *testing.T) {
		ctx := context.Background()
		src, mid, back := from(t), to(t), from(t)
		populate(t, src)
		export := func(s store.Store) []byte {
			var buf bytes.Buffer
			if _, err := jsonl.Export(ctx, s, &buf, exportAt, jsonl.Options{}); err != nil {
				t.Fatalf("export: %v", err)
			}
			return buf.Bytes()
		}
		first := export(src)
		if _, err := jsonl.Import(ctx, mid, bytes.NewReader(first), jsonl.Options{}); err != nil {
			t.Fatalf("import into the second engine: %v", err)
		}
		second := export(mid)
		sameLines(t, "second engine's export", fileRecords(second), fileRecords(first))
		if _, err := jsonl.Import(ctx, back, bytes.NewReader(second), jsonl.Options{}); err != nil {
			t.Fatalf("import back into the first engine: %v", err)
		}
		sameLines(t, "after the way back", fileRecords(export(back)), fileRecords(first))
	})
}

// fileRecords is an export file's record lines, sorted, without the header.
func fileRecords(data []byte) []string {
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	out := lines[1:]
	sort.Strings(out)
	return out
}
