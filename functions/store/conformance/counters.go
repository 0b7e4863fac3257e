package conformance

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

// wantCounts fails unless s counts want (names not in want are not read).
func wantCounts(t *testing.T, what string, s store.Store, want map[string]int64) {
	t.Helper()
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	got, err := s.Counts(context.Background(), names...)
	if err != nil {
		t.Fatalf("%s: Counts: %v", what, err)
	}
	for n, w := range want {
		if got[n] != w {
			t.Errorf("%s: %s = %d, want %d", what, n, got[n], w)
		}
	}
}

// testCountersFollowMembers: registration, verification, approval,
// suspension and deletion move the status gauges and the funnel in the
// same write; an update that changes no status moves nothing.
func testCountersFollowMembers(t *testing.T, s store.Store) {
	ctx := context.Background()
	month := store.MonthOf(t0)
	wantCounts(t, "empty store", s, map[string]int64{store.CounterMembers(store.StatusPending): 0, store.CounterRegistered(month): 0})
	a := mustCreate(t, s, newMember("a@example.com"))
	b := mustCreate(t, s, newMember("b@example.com"))
	mustCreate(t, s, newMember("c@example.com"))
	wantCounts(t, "three registered", s, map[string]int64{
		store.CounterMembers(store.StatusPending): 3, store.CounterRegistered(month): 3,
		store.CounterReached(store.StatusVerified): 0,
	})
	set := func(id string, st store.Status) {
		t.Helper()
		if _, err := s.UpdateMember(ctx, id, func(m store.Member) (store.Member, error) { m.Status = st; return m, nil }); err != nil {
			t.Fatal(err)
		}
	}
	before := store.MonthOf(time.Now())
	set(a.ID, store.StatusVerified)
	set(a.ID, store.StatusApproved)
	set(b.ID, store.StatusApproved) // straight from pending (HR matched the roster)
	after := store.MonthOf(time.Now())
	if _, err := s.UpdateMember(ctx, a.ID, func(m store.Member) (store.Member, error) { m.Department = "人事部"; return m, nil }); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{
		store.CounterMembers(store.StatusPending): 1, store.CounterMembers(store.StatusVerified): 0,
		store.CounterMembers(store.StatusApproved): 2, store.CounterRegistered(month): 3,
		store.CounterReached(store.StatusVerified): 2, store.CounterReached(store.StatusApproved): 2,
	}
	if before == after {
		want[store.CounterApproved(after)] = 2
	}
	wantCounts(t, "two approved", s, want)
	// Suspending and restoring is no new approval for the funnel, but HR's
	// approvals of the month count the restore.
	set(b.ID, store.StatusSuspended)
	wantCounts(t, "one suspended", s, map[string]int64{store.CounterMembers(store.StatusApproved): 1, store.CounterMembers(store.StatusSuspended): 1})
	set(b.ID, store.StatusApproved)
	wantCounts(t, "restored", s, map[string]int64{store.CounterMembers(store.StatusSuspended): 0, store.CounterReached(store.StatusApproved): 2})
	if err := s.DeleteMember(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, "one erased", s, map[string]int64{
		store.CounterMembers(store.StatusApproved): 1, store.CounterRegistered(month): 3, store.CounterReached(store.StatusApproved): 2,
	})
}

// testCountersUnderConcurrency: registrations and status changes racing
// each other (and losing compare-and-swap races) are each counted once.
func testCountersUnderConcurrency(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 24
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, 4*n)
	for i := range n {
		wg.Go(func() {
			m, err := s.CreateMember(ctx, newMember(fmt.Sprintf("m%02d@example.com", i)))
			if err != nil {
				errs <- err
				return
			}
			ids[i] = m.ID
		})
	}
	wg.Wait()
	// Three writers at once on each member: two approve it, one edits the
	// department; whatever order they win in, it is approved once.
	for i := range n {
		for w := range 3 {
			wg.Go(func() {
				_, err := s.UpdateMember(ctx, ids[i], func(m store.Member) (store.Member, error) {
					if w == 2 {
						m.Department = "開発本部"
					} else {
						m.Status = store.StatusApproved
					}
					return m, nil
				})
				if err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	wantCounts(t, "after the races", s, map[string]int64{
		store.CounterMembers(store.StatusPending): 0, store.CounterMembers(store.StatusApproved): n,
		store.CounterRegistered(store.MonthOf(t0)): n, store.CounterReached(store.StatusApproved): n,
	})
}

// testCountersRebuiltByImport: counters are not exported (they are not
// records) and an import rebuilds them from the records.
func testCountersRebuiltByImport(t *testing.T, src, dst store.Store) {
	ctx := context.Background()
	a := mustCreate(t, src, newMember("a@example.com"))
	mustCreate(t, src, newMember("b@example.com"))
	if _, err := src.UpdateMember(ctx, a.ID, func(m store.Member) (store.Member, error) { m.Status = store.StatusApproved; return m, nil }); err != nil {
		t.Fatal(err)
	}
	for _, line := range exportLines(t, src, exportAt) {
		if containsFold(line, "members.status") {
			t.Fatalf("export holds a counter: %s", line)
		}
	}
	importAll(t, src, dst)
	importAll(t, src, dst) // again: an import is idempotent, counters too
	wantCounts(t, "imported", dst, map[string]int64{
		store.CounterMembers(store.StatusPending): 1, store.CounterMembers(store.StatusApproved): 1,
		store.CounterRegistered(store.MonthOf(t0)): 2, store.CounterReached(store.StatusApproved): 1,
	})
}

// testCountersFollowJobs: applications by stage, arrivals and re-hires per
// quarter, referrals made and hired, each counted once whatever races and
// repeats happen, and rebuilt by an import.
func testCountersFollowJobs(t *testing.T, s store.Store, newStore Factory) {
	ctx := context.Background()
	mustPutJob(t, s, newJob("job-1"))
	a := mustApply(t, s, newApplication("job-1", store.NewID()), t0)
	b := mustApply(t, s, newApplication("job-1", store.NewID()), t0)
	if _, created, err := s.Apply(ctx, newApplication("job-1", a.MemberID), t0); err != nil || created {
		t.Fatalf("the same member again: created %v, %v", created, err)
	}
	q := store.QuarterOf(t0)
	wantCounts(t, "two applications", s, map[string]int64{
		store.CounterApplications(store.ApplicationReceived): 2, store.CounterApplied(q): 2,
	})
	before := store.QuarterOf(time.Now())
	for _, to := range []store.ApplicationStatus{store.ApplicationScreening, store.ApplicationInterview, store.ApplicationOffer, store.ApplicationHired} {
		if _, err := s.MoveApplication(ctx, a.ID, store.StatusChange{At: t0.Add(time.Hour), Actor: "hr:x", To: to}); err != nil {
			t.Fatalf("move to %s: %v", to, err)
		}
	}
	// Two HR members close b at once: one wins, counted once.
	errs := together(8, func(i int) error {
		to := store.ApplicationDeclined
		if i%2 == 1 {
			to = store.ApplicationWithdrawn
		}
		_, err := s.MoveApplication(ctx, b.ID, store.StatusChange{At: t0.Add(time.Hour), Actor: "hr:x", To: to})
		return err
	})
	if ok, _ := tally(t, "closing b", errs, store.ErrPrecondition); ok != 1 {
		t.Fatalf("%d final moves of b succeeded", ok)
	}
	after := store.QuarterOf(time.Now())
	closed, err := s.GetApplication(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{
		store.CounterApplications(store.ApplicationReceived): 0, store.CounterApplications(store.ApplicationScreening): 0,
		store.CounterApplications(store.ApplicationOffer): 0, store.CounterApplications(store.ApplicationHired): 1,
		store.CounterApplications(closed.Status): 1, store.CounterApplied(q): 2,
	}
	if before == after {
		want[store.CounterRehired(after)] = 1
	}
	wantCounts(t, "one hired, one closed", s, want)

	r := mustRefer(t, s, newReferral("job-1", a.MemberID, "jiro@example.com"), t0)
	mustRefer(t, s, newReferral("job-1", a.MemberID, "saburo@example.com"), t0)
	if _, created, err := s.Refer(ctx, newReferral("job-1", a.MemberID, "Jiro@Example.com"), t0); err != nil || created {
		t.Fatalf("the same friend again: created %v, %v", created, err)
	}
	for range 2 { // recorded twice: counted once
		if _, err := s.UpdateReferral(ctx, r.ID, func(old store.Referral) (store.Referral, error) {
			old.Outcome = store.ReferralHired
			return old, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	hiredAt := store.QuarterOf(time.Now())
	wantCounts(t, "referrals", s, map[string]int64{store.CounterReferred(q): 2, store.CounterReferralsHired(hiredAt): 1})

	dst := newStore(t)
	importAll(t, s, dst)
	got, err := s.GetApplication(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	gotR, err := s.GetReferral(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantCounts(t, "imported", dst, map[string]int64{
		store.CounterApplications(store.ApplicationHired): 1, store.CounterApplications(closed.Status): 1,
		store.CounterApplied(q): 2, store.CounterRehired(store.QuarterOf(got.UpdatedAt)): 1,
		store.CounterReferred(q): 2, store.CounterReferralsHired(store.QuarterOf(gotR.UpdatedAt)): 1,
	})
}

// testCountersFollowActivity: a member counts once, in the day they were
// last active (a session opened or renewed) and once in each month they
// were active, whatever the number of sessions and renewals, under
// concurrency; deleting the member takes them out of their day; an import
// of their sessions rebuilds it.
func testCountersFollowActivity(t *testing.T, s store.Store, newStore Factory) {
	ctx := context.Background()
	a := mustCreate(t, s, newMember("a@example.com"))
	b := mustCreate(t, s, newMember("b@example.com"))
	day0, day1 := store.DayOf(t0), store.DayOf(t0.Add(24*time.Hour))
	later := t0.AddDate(0, 1, 0) // the next month
	dayL, month0, monthL := store.DayOf(later), store.MonthOf(t0), store.MonthOf(later)
	open := func(id, member string, at time.Time) {
		t.Helper()
		sess := store.Session{ID: id, MemberID: member, CreatedAt: at, LastSeenAt: at, ExpiresAt: at.Add(90 * 24 * time.Hour)}
		if err := s.CreateSession(ctx, sess); err != nil {
			t.Fatalf("CreateSession(%s): %v", id, err)
		}
	}
	open("sa-1", a.ID, t0)
	open("sa-2", a.ID, t0.Add(time.Hour)) // the same day: no change
	open("sb-1", b.ID, t0)
	wantCounts(t, "two active on day 0", s, map[string]int64{
		store.CounterLastActive(day0): 2, store.CounterActive(month0): 2,
	})
	if _, err := s.TouchSession(ctx, "sa-1", t0.Add(30*24*time.Hour), t0.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, "a moved to day 1", s, map[string]int64{
		store.CounterLastActive(day0): 1, store.CounterLastActive(day1): 1, store.CounterActive(month0): 2,
	})
	// Eight renewals and sessions of b at once, a month later: b moves once.
	errs := together(8, func(i int) error {
		if i%2 == 0 {
			_, err := s.TouchSession(ctx, "sb-1", later.Add(24*time.Hour), later)
			return err
		}
		return s.CreateSession(ctx, store.Session{ID: fmt.Sprintf("sb-%d", i+2), MemberID: b.ID, CreatedAt: later, ExpiresAt: later.Add(24 * time.Hour)})
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]int64{
		store.CounterLastActive(day0): 0, store.CounterLastActive(day1): 1, store.CounterLastActive(dayL): 1,
		store.CounterActive(month0): 2, store.CounterActive(monthL): 1,
	}
	wantCounts(t, "b moved a month on", s, want)

	dst := newStore(t)
	importAll(t, s, dst)
	importAll(t, s, dst) // twice: counted once
	wantCounts(t, "imported", dst, map[string]int64{store.CounterLastActive(dayL): 1})

	if err := s.DeleteMember(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	want[store.CounterLastActive(dayL)] = 0 // the month's figure stays
	wantCounts(t, "b deleted", s, want)
}

// testCountersFollowAttendance: checking in counts the member's seats
// (their guests too) once however often it is recorded; undoing it
// uncounts them; erasure keeps the figure; an import rebuilds it.
func testCountersFollowAttendance(t *testing.T, s store.Store, newStore Factory) {
	ctx := context.Background()
	mustPutEvent(t, s, newEvent("ev-1", 10))
	mustRSVP(t, s, rsvp("ev-1", "member-a", 2), store.RSVPConfirmed)
	mustRSVP(t, s, rsvp("ev-1", "member-b", 0), store.RSVPConfirmed)
	at := t0.Add(30 * 24 * time.Hour)
	check := func(member string, on bool) {
		t.Helper()
		if _, err := s.SetAttendance(ctx, "ev-1", member, on, "hr:x", at); err != nil {
			t.Fatalf("SetAttendance(%s, %v): %v", member, on, err)
		}
	}
	errs := together(6, func(int) error {
		_, err := s.SetAttendance(ctx, "ev-1", "member-a", true, "hr:x", at)
		return err
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	wantCounts(t, "a and guests checked in", s, map[string]int64{store.CounterAttended("ev-1"): 3})
	check("member-b", true)
	check("member-b", false)
	wantCounts(t, "b undone", s, map[string]int64{store.CounterAttended("ev-1"): 3})
	check("member-b", true)
	if _, err := s.EraseMemberRSVPs(ctx, "member-b", at); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, "b erased", s, map[string]int64{store.CounterAttended("ev-1"): 4})
	dst := newStore(t)
	importAll(t, s, dst)
	importAll(t, s, dst)
	wantCounts(t, "imported", dst, map[string]int64{store.CounterAttended("ev-1"): 4})
}

// testCountersFollowEngagement: a send's opens, clicks and unsubscribes
// count members, each once per send and type, whatever repeats, races and
// second events happen; erasure keeps the figures and drops what the member
// did; an import rebuilds them and importing again counts nothing more.
func testCountersFollowEngagement(t *testing.T, s store.Store, newStore Factory) {
	ctx := context.Background()
	record := func(id string, kind store.EngagementType, slug, member string) bool {
		t.Helper()
		created, err := s.RecordEngagement(ctx, store.Engagement{EventID: id, Type: kind, Slug: slug, MemberID: member, At: t0})
		if err != nil {
			t.Fatalf("RecordEngagement(%s): %v", id, err)
		}
		return created
	}
	// m1 opens three times (one event reported twice) and clicks twice.
	for _, id := range []string{"o1", "o1", "o2", "o3"} {
		record(id, store.EngagementOpen, "autumn", "m1")
	}
	record("c1", store.EngagementClick, "autumn", "m1")
	record("c2", store.EngagementClick, "autumn", "m1")
	// m2 opens autumn and unsubscribes through its link; m1 opens winter.
	record("o4", store.EngagementOpen, "autumn", "m2")
	record("u1", store.EngagementUnsubscribe, "autumn", "m2")
	record("o5", store.EngagementOpen, "winter", "m1")
	// m3's opens, from many SendGrid posts at once: one member.
	errs := together(8, func(i int) error {
		_, err := s.RecordEngagement(ctx, store.Engagement{EventID: fmt.Sprintf("race-%d", i), Type: store.EngagementOpen, Slug: "autumn", MemberID: "m3", At: t0})
		return err
	})
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if !record("race-x", store.EngagementClick, "autumn", "m3") || record("race-0", store.EngagementOpen, "autumn", "m3") {
		t.Fatal("a new event was not created, or a repeated one was")
	}
	want := map[string]store.SendEngagement{"autumn": {Opened: 3, Clicked: 2, Unsubscribed: 1}, "winter": {Opened: 1}, "spring": {}}
	got, err := store.EngagementOf(ctx, s, "autumn", "winter", "spring")
	if err != nil || len(got) != 3 || got["autumn"] != want["autumn"] || got["winter"] != want["winter"] || got["spring"] != want["spring"] {
		t.Fatalf("EngagementOf = %+v, %v; want %+v", got, err, want)
	}
	if events, _ := s.ListMemberEngagement(ctx, "m3"); len(events) != 9 {
		t.Fatalf("m3 has %d events stored, want 9 (8 opens, 1 click)", len(events))
	}
	for _, line := range exportLines(t, s, exportAt) {
		if containsFold(line, "newsletters.open") || containsFold(line, "NLFIRST") || containsFold(line, "engagement_first") {
			t.Fatalf("export holds derived data: %s", line)
		}
	}
	dst := newStore(t)
	importAll(t, s, dst)
	importAll(t, s, dst)
	if got, err := store.EngagementOf(ctx, dst, "autumn", "winter"); err != nil || got["autumn"] != want["autumn"] || got["winter"] != want["winter"] {
		t.Fatalf("imported EngagementOf = %+v, %v; want %+v", got, err, want)
	}
	// Erasure: m1's events and first-event marks go, the counts stay.
	if err := s.EraseNewsletterMember(ctx, "m1"); err != nil {
		t.Fatal(err)
	}
	if events, _ := s.ListMemberEngagement(ctx, "m1"); len(events) != 0 {
		t.Fatalf("erased member keeps %d events", len(events))
	}
	for _, line := range exportLines(t, s, exportAt) {
		if containsFold(line, `"m1"`) {
			t.Fatalf("export after erasure names the member: %s", line)
		}
	}
	if got, _ := store.EngagementOf(ctx, s, "autumn"); got["autumn"] != want["autumn"] {
		t.Fatalf("after erasure EngagementOf = %+v, want %+v", got["autumn"], want["autumn"])
	}
	// Nothing says m1 opened autumn any more: an open under that id (which
	// a real erased member never makes) counts as a first one.
	record("o6", store.EngagementOpen, "autumn", "m1")
	if got, _ := store.EngagementOf(ctx, s, "autumn"); got["autumn"].Opened != want["autumn"].Opened+1 {
		t.Fatalf("after erasure the member's mark stayed: opened %d", got["autumn"].Opened)
	}
	if _, err := s.RecordEngagement(ctx, store.Engagement{EventID: "x", Type: "bounce", Slug: "autumn", MemberID: "m2", At: t0}); !errors.Is(err, store.ErrInvalid) {
		t.Fatalf("engagement of another type: %v", err)
	}
}
