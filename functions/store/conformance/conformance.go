// Package conformance is the store's rulebook: every rule of store.Store is
// written here once and run against each engine, in the manner of dexidp/dex's
// storage/conformance. An engine's whole test is
//
//	func TestStore(t *testing.T) {
//		conformance.RunTests(t, newStore)
//		conformance.RunConcurrencyTests(t, newStore)
//	}
package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/jsonl"
)

// Factory returns a fresh, empty store for one test and registers its
// cleanup (Close, removing files or tables) with t.Cleanup.
type Factory func(t *testing.T) store.Store

// subtest is one rule, run on a fresh store.
type subtest struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// RunTests runs every functional rule, each on a fresh store from newStore.
func RunTests(t *testing.T, newStore Factory) {
	run(t, newStore, []subtest{
		{"MemberCreateGet", testMemberCreateGet},
		{"MemberEmailUniqueCaseInsensitive", testMemberEmailUnique},
		{"MemberEmployeeNumberUnique", testMemberEmployeeNumberUnique},
		{"MemberIDUnique", testMemberIDUnique},
		{"MemberInvalidRejected", testMemberInvalid},
		{"MemberUpdate", testMemberUpdate},
		{"MemberUpdateConflict", testMemberUpdateConflict},
		{"MemberLifecycle", testMemberLifecycle},
		{"MailSettings", testMailSettings},
		{"MemberUpdateErrors", testMemberUpdateErrors},
		{"MemberListByStatus", testMemberListByStatus},
		{"MemberDelete", testMemberDelete},
		{"MemberEveryField", testMemberEveryField},
		{"MemberRoles", testMemberRoles},
		{"TokenAddress", testTokenAddress},
		{"TokenSingleUse", testTokenSingleUse},
		{"TokenExpiry", testTokenExpiry},
		{"TokenPeek", testTokenPeek},
		{"TokenInvalidRejected", testTokenInvalid},
		{"Session", testSession},
		{"SessionDeleteForMember", testSessionDeleteForMember},
		{"Idempotency", testIdempotency},
		{"IdempotencyLockTakeover", testIdempotencyTakeover},
		{"IdempotencyInvalidRejected", testIdempotencyInvalid},
		{"Audit", testAudit},
		{"AuditInvalidRejected", testAuditInvalid},
		{"RateLimit", testRateLimit},
		{"DeleteExpired", testDeleteExpired},
		{"ExportSkipsExpired", testExportSkipsExpired},
		{"ImportKeepsEverything", withSecond(newStore, testImportKeepsEverything)},
		{"ImportIdempotent", withSecond(newStore, testImportIdempotent)},
		{"ImportConflictAndInvalid", testImportConflictAndInvalid},
		{"CountersFollowMembers", testCountersFollowMembers},
		{"CountersUnderConcurrency", testCountersUnderConcurrency},
		{"CountersRebuiltByImport", withSecond(newStore, testCountersRebuiltByImport)},
		{"CountersFollowJobs", func(t *testing.T, s store.Store) { testCountersFollowJobs(t, s, newStore) }},
		{"CountersFollowActivity", func(t *testing.T, s store.Store) { testCountersFollowActivity(t, s, newStore) }},
		{"CountersFollowAttendance", func(t *testing.T, s store.Store) { testCountersFollowAttendance(t, s, newStore) }},
		{"CountersFollowEngagement", func(t *testing.T, s store.Store) { testCountersFollowEngagement(t, s, newStore) }},
		{"JSONLRoundTrip", withSecond(newStore, testJSONLRoundTrip)},
		{"RosterPutGet", testRosterPutGet},
		{"RosterReplace", testRosterReplace},
		{"RosterEmailUniqueCaseInsensitive", testRosterEmailUnique},
		{"RosterInvalidRejected", testRosterInvalid},
		{"RosterDelete", testRosterDelete},
		{"RosterExportImport", func(t *testing.T, s store.Store) { testRosterBackup(t, s, newStore) }},
	})
	run(t, newStore, jobTests(newStore))
	run(t, newStore, eventTests(newStore))
	run(t, newStore, newsletterTests(newStore))
	run(t, newStore, mailQueueTests())
	run(t, newStore, siteDocumentTests())
	run(t, newStore, blockTests(newStore))
}

// RunConcurrencyTests runs the rules that must hold under concurrency.
func RunConcurrencyTests(t *testing.T, newStore Factory) {
	run(t, newStore, []subtest{
		{"ConcurrentRegisterSameEmail", testConcurrentRegister},
		{"ConcurrentRegisterSameEmployeeNumber", testConcurrentEmployeeNumber},
		{"ConcurrentUpdateMember", testConcurrentUpdate},
		{"ConcurrentConsumeToken", testConcurrentConsume},
		{"ConcurrentBeginIdempotency", testConcurrentIdempotency},
		{"ConcurrentRateLimit", testConcurrentRateLimit},
		{"ConcurrentAppendAudit", testConcurrentAudit},
		{"ConcurrentRosterPuts", testConcurrentRosterPuts},
		{"ConcurrentRosterSameEmail", testConcurrentRosterSameEmail},
		{"ConcurrentRosterReplace", testConcurrentRosterReplace},
	})
	run(t, newStore, jobConcurrencyTests())
	run(t, newStore, eventConcurrencyTests())
	run(t, newStore, newsletterConcurrencyTests())
	run(t, newStore, blockConcurrencyTests())
}

func run(t *testing.T, newStore Factory, tests []subtest) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, newStore(t))
		})
	}
}

// withSecond adapts a rule that copies between two stores of the same engine.
func withSecond(newStore Factory, rule func(t *testing.T, src, dst store.Store)) func(*testing.T, store.Store) {
	return func(t *testing.T, s store.Store) { rule(t, s, newStore(t)) }
}

// t0 is the suite's "now": nanoseconds included, so an engine that loses
// precision fails the equality checks.
var t0 = time.Date(2026, 4, 1, 9, 30, 15, 123456789, time.UTC)

// newMember is a valid member with every field set.
func newMember(email string) store.Member {
	return store.Member{
		Email:      email,
		Name:       "山田 花子",
		Kana:       "ヤマダ ハナコ",
		Roman:      "Hanako Yamada",
		Department: "営業本部",
		Joined:     "2015-04",
		Left:       "2023-03",
		Language:   store.LanguageJa,
		Status:     store.StatusPending,
		Consents: map[string]store.Consent{
			"newsletter": {Given: true, PolicyVersion: "2026-01", At: t0},
			"directory":  {Given: false, PolicyVersion: "2026-01", At: t0},
		},
		CreatedAt: t0,
	}
}

func mustCreate(t *testing.T, s store.Store, m store.Member) store.Member {
	t.Helper()
	got, err := s.CreateMember(context.Background(), m)
	if err != nil {
		t.Fatalf("CreateMember: %v", err)
	}
	return got
}

// hashOf is a token hash for a test token name.
func hashOf(name string) string { return store.HashToken("token:" + name) }

// wantErr fails unless errors.Is(err, want).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

// wantField fails unless err is ErrInvalid naming field.
func wantField(t *testing.T, what string, err error, field string) {
	t.Helper()
	if !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("%s: got error %v, want ErrInvalid", what, err)
	}
	var names []string
	for _, fe := range store.FieldErrors(err) {
		if fe.Field == field {
			return
		}
		names = append(names, fe.Field)
	}
	t.Fatalf("%s: invalid fields %v, want %q among them", what, names, field)
}

// wantConflict fails unless err is ErrAlreadyExists naming field.
func wantConflict(t *testing.T, what string, err error, field string) {
	t.Helper()
	wantErr(t, what, err, store.ErrAlreadyExists)
	var ce *store.ConflictError
	if !errors.As(err, &ce) || ce.Field != field {
		t.Fatalf("%s: got %v, want a *store.ConflictError on %q", what, err, field)
	}
}

// sameJSON fails unless got and want encode to the same JSON, which compares
// times by instant and nil and empty collections alike.
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	w, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if string(g) != string(w) {
		t.Fatalf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// exportLines is the sorted JSON Lines encoding of everything s exports at now.
func exportLines(t *testing.T, s store.Store, now time.Time) []string {
	t.Helper()
	var lines []string
	err := s.Export(context.Background(), now, func(r store.Record) error {
		b, err := jsonl.MarshalRecord(r)
		if err != nil {
			return err
		}
		lines = append(lines, string(b))
		return nil
	})
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	sort.Strings(lines)
	return lines
}

// wantEmpty fails if s holds any record: the check behind "nothing written".
func wantEmpty(t *testing.T, s store.Store) {
	t.Helper()
	if lines := exportLines(t, s, t0); len(lines) > 0 {
		t.Fatalf("store should be empty, holds %d records:\n%s", len(lines), strings.Join(lines, "\n"))
	}
}

// sameLines fails unless two sorted exports are equal, showing the first difference.
func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	for i := 0; i < len(got) || i < len(want); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Fatalf("%s: %d records vs %d; first difference at %d:\n got %s\nwant %s", what, len(got), len(want), i, g, w)
		}
	}
}
