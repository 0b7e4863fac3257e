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

// jobTests are the rules of store.Jobs; RunTests includes them.
func jobTests(newStore Factory) []subtest {
	return []subtest{
		{"JobPutGetList", testJobPutGetList},
		{"JobInvalidRejected", testJobInvalid},
		{"ApplyOnce", testApplyOnce},
		{"ApplyClosedJob", testApplyClosedJob},
		{"ApplyInvalidRejected", testApplyInvalid},
		{"ApplicationTransitions", testApplicationTransitions},
		{"ReferOnce", testReferOnce},
		{"ReferralUpdate", testReferralUpdate},
		{"JobsErasure", testJobsErasure},
		{"JobsExportImport", func(t *testing.T, s store.Store) { testJobsBackup(t, s, newStore) }},
	}
}

// jobConcurrencyTests are the rules of store.Jobs that must hold under
// concurrency; RunConcurrencyTests includes them.
func jobConcurrencyTests() []subtest {
	return []subtest{
		{"ConcurrentApplySameMember", testConcurrentApplySameMember},
		{"ConcurrentApplyDistinctMembers", testConcurrentApplyDistinct},
		{"ConcurrentMoveApplication", testConcurrentMove},
		{"ConcurrentReferSameFriend", testConcurrentRefer},
	}
}

// closesDay is the closing date of the suite's open job: far after t0.
var closesDay = time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)

func newJob(id string) store.Job {
	return store.Job{
		ID: id, Title: "バックエンドエンジニア（再入社）", TitleEn: "Backend engineer (re-hire)",
		EmploymentType: store.EmploymentRehire, Department: "開発部", DepartmentEn: "Engineering",
		Location: "東京（リモート可）", LocationEn: "Tokyo (remote OK)",
		Visibility: store.VisibilityPublic, Closes: closesDay, Contact: "careers@example.co.jp", SyncedAt: t0,
	}
}

func mustPutJob(t *testing.T, s store.Store, j store.Job) {
	t.Helper()
	if err := s.PutJob(context.Background(), j); err != nil {
		t.Fatalf("PutJob(%s): %v", j.ID, err)
	}
}

func newApplication(jobID, memberID string) store.Application {
	return store.Application{JobID: jobID, MemberID: memberID, Message: "またご一緒できればうれしいです。\n2019年まで開発部でした。",
		Contact: store.ContactEmail, Link: "https://example.net/portfolio"}
}

func newReferral(jobID, referrerID, email string) store.Referral {
	return store.Referral{JobID: jobID, ReferrerID: referrerID, FriendName: "佐藤 次郎", FriendEmail: email,
		Relationship: "colleague", Note: "前職の同僚で、Goが得意です。"}
}

func mustApply(t *testing.T, s store.Store, a store.Application, now time.Time) store.Application {
	t.Helper()
	got, created, err := s.Apply(context.Background(), a, now)
	if err != nil || !created {
		t.Fatalf("Apply: created %v, %v", created, err)
	}
	return got
}

func testJobPutGetList(t *testing.T, s store.Store) {
	ctx := context.Background()
	if jobs, err := s.ListJobs(ctx); err != nil || len(jobs) != 0 {
		t.Fatalf("ListJobs on an empty store: %v %v", jobs, err)
	}
	b, a := newJob("sre-contract"), newJob("backend-engineer-rehire")
	b.EmploymentType, b.Visibility, b.Contact, b.TitleEn = store.EmploymentContract, store.VisibilityMembers, "", ""
	b.DepartmentEn, b.LocationEn = "", ""
	// A closing date given with a time of day is kept as its calendar day.
	a.Closes = time.Date(2026, 6, 30, 18, 0, 0, 0, time.UTC)
	mustPutJob(t, s, b)
	mustPutJob(t, s, a)
	a.Closes = closesDay
	got, err := s.GetJob(ctx, a.ID)
	if err != nil {
		t.Fatalf("GetJob: %v", err)
	}
	sameJSON(t, "stored job", got, a)
	jobs, err := s.ListJobs(ctx)
	if err != nil {
		t.Fatalf("ListJobs: %v", err)
	}
	sameJSON(t, "jobs by id", jobs, []store.Job{a, b})

	// Putting again replaces (sync archiving a job that left content/).
	a.Archived, a.Title, a.SyncedAt = true, "バックエンドエンジニア", t0.Add(time.Hour)
	mustPutJob(t, s, a)
	if got, err = s.GetJob(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "replaced job", got, a)
	_, err = s.GetJob(ctx, "no-such-job")
	wantErr(t, "GetJob(unknown)", err, store.ErrNotFound)

	// Deadline: the closing day ends at midnight in Japan.
	if d := a.Deadline(); !d.Equal(time.Date(2026, 6, 30, 15, 0, 0, 0, time.UTC)) {
		t.Fatalf("deadline %v, want 2026-06-30T15:00Z (midnight JST)", d)
	}
}

func testJobInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, tc := range []struct {
		field  string
		mutate func(*store.Job)
	}{
		{"id", func(j *store.Job) { j.ID = "../etc" }},
		{"title", func(j *store.Job) { j.Title = "" }},
		{"employmentType", func(j *store.Job) { j.EmploymentType = "fulltime" }},
		{"department", func(j *store.Job) { j.Department = "" }},
		{"visibility", func(j *store.Job) { j.Visibility = "secret" }},
		{"closes", func(j *store.Job) { j.Closes = time.Time{} }},
		{"contact", func(j *store.Job) { j.Contact = "not an address" }},
	} {
		j := newJob("job-1")
		tc.mutate(&j)
		wantField(t, "PutJob with a bad "+tc.field, s.PutJob(ctx, j), tc.field)
	}
	wantEmpty(t, s)
}

func testApplyOnce(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustPutJob(t, s, newJob("job-1"))
	mustPutJob(t, s, newJob("job-2"))
	member := store.NewID()
	in := newApplication("job-1", member)
	in.Resume, in.ResumeName, in.ResumeSize = "resumes/r1.pdf", "職務経歴書.pdf", 123456
	first := mustApply(t, s, in, t0)
	if first.ID == "" || first.Status != store.ApplicationReceived || first.Version != 1 || !first.CreatedAt.Equal(t0) ||
		len(first.History) != 1 || first.History[0].To != store.ApplicationReceived || first.History[0].Actor != member {
		t.Fatalf("new application: %+v", first)
	}
	// Asking again (another message, later) returns the first, unchanged.
	again := newApplication("job-1", member)
	again.Message = "二度目の送信"
	got, created, err := s.Apply(ctx, again, t0.Add(time.Minute))
	if err != nil || created {
		t.Fatalf("second Apply: created %v, %v", created, err)
	}
	sameJSON(t, "second Apply returns the first", got, first)

	for what, get := range map[string]func() (store.Application, error){
		"GetApplication":  func() (store.Application, error) { return s.GetApplication(ctx, first.ID) },
		"FindApplication": func() (store.Application, error) { return s.FindApplication(ctx, "job-1", member) },
	} {
		got, err := get()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		sameJSON(t, what, got, first)
	}
	_, err = s.FindApplication(ctx, "job-2", member)
	wantErr(t, "FindApplication(other job)", err, store.ErrNotFound)
	_, err = s.GetApplication(ctx, "NOSUCHAPPLICATION")
	wantErr(t, "GetApplication(unknown)", err, store.ErrNotFound)

	// The same member applies to another job; another member to the same job.
	second := mustApply(t, s, newApplication("job-2", member), t0.Add(time.Hour))
	other := mustApply(t, s, newApplication("job-1", store.NewID()), t0.Add(2*time.Hour))
	mine, err := s.ListApplicationsByMember(ctx, member)
	if err != nil {
		t.Fatalf("ListApplicationsByMember: %v", err)
	}
	sameJSON(t, "a member's applications, newest first", mine, []store.Application{second, first})
	// A job's applications are listed on GSI1, which may not have them
	// all yet: both pages are read until it has.
	var byJob []store.Application
	eventually(t, "ListApplicationsByJob", func() error {
		page1, next, err := s.ListApplicationsByJob(ctx, "job-1", store.Page{Limit: 1})
		if err != nil || len(page1) > 1 {
			return fmt.Errorf("page 1: %v %q %v", page1, next, err)
		}
		if next == "" {
			// No cursor: page 1 is the whole list, so at most one of the
			// two is in the index yet (late), or the list is wrong.
			return indexedIDs(listedApplications(page1), []string{first.ID, other.ID})
		}
		rest, next2, err := s.ListApplicationsByJob(ctx, "job-1", store.Page{Limit: 1, Cursor: next})
		if err != nil || len(rest) > 1 || next2 != "" {
			return fmt.Errorf("page 2: %v %q %v", rest, next2, err)
		}
		byJob = append(page1, rest...)
		return indexedIDs(listedApplications(byJob), []string{first.ID, other.ID})
	})
	sameJSON(t, "a job's applications in order", byJob, []store.Application{first, other})
	if none, _, err := s.ListApplicationsByJob(ctx, "job-9", store.Page{}); err != nil || len(none) != 0 {
		t.Fatalf("applications of a job nobody applied to: %v %v", none, err)
	}
}

func testApplyClosedJob(t *testing.T, s store.Store) {
	ctx := context.Background()
	j := newJob("closing")
	mustPutJob(t, s, j)
	lastMinute := j.Deadline().Add(-time.Nanosecond) // 23:59:59.999999999 in Japan on the closing day
	early := mustApply(t, s, newApplication("closing", store.NewID()), lastMinute)

	late := newApplication("closing", store.NewID())
	_, _, err := s.Apply(ctx, late, j.Deadline())
	wantErr(t, "Apply at the deadline", err, store.ErrJobClosed)
	wantErr(t, "ErrJobClosed is a precondition failure", err, store.ErrPrecondition)
	_, err = s.FindApplication(ctx, "closing", late.MemberID)
	wantErr(t, "a refused application", err, store.ErrNotFound)

	// Whoever applied in time still gets their application back.
	got, created, err := s.Apply(ctx, newApplication("closing", early.MemberID), j.Deadline().Add(time.Hour))
	if err != nil || created || got.ID != early.ID {
		t.Fatalf("asking again after closing: %+v created %v, %v", got, created, err)
	}

	archived := newJob("archived")
	archived.Archived = true
	mustPutJob(t, s, archived)
	_, _, err = s.Apply(ctx, newApplication("archived", store.NewID()), t0)
	wantErr(t, "Apply to an archived job", err, store.ErrJobClosed)
	_, _, err = s.Refer(ctx, newReferral("archived", store.NewID(), "jiro@example.com"), t0)
	wantErr(t, "Refer for an archived job", err, store.ErrJobClosed)

	_, _, err = s.Apply(ctx, newApplication("no-such-job", store.NewID()), t0)
	wantErr(t, "Apply to an unknown job", err, store.ErrNotFound)
	// A job's applications are listed on GSI1, which may not have the
	// early one yet.
	eventually(t, "applications after refusals", func() error {
		apps, _, err := s.ListApplicationsByJob(ctx, "closing", store.Page{})
		if err != nil {
			return err
		}
		return indexedCount(listedApplications(apps), 1)
	})
}

func testApplyInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustPutJob(t, s, newJob("job-1"))
	before := exportLines(t, s, t0)
	for _, tc := range []struct {
		field  string
		mutate func(*store.Application)
	}{
		{"message", func(a *store.Application) { a.Message = "  " }},
		{"message", func(a *store.Application) { a.Message = strings.Repeat("あ", 4001) }},
		{"memberId", func(a *store.Application) { a.MemberID = "hanako@example.com" }},
		{"contact", func(a *store.Application) { a.Contact = "fax" }},
		{"phone", func(a *store.Application) { a.Contact = store.ContactPhone }},
		{"phone", func(a *store.Application) { a.Contact, a.Phone = store.ContactPhone, "call me" }},
		{"link", func(a *store.Application) { a.Link = "javascript:alert(1)" }},
		{"resume", func(a *store.Application) { a.Resume, a.ResumeName = "resumes/a b.pdf", "x.pdf" }},
		{"resume", func(a *store.Application) { a.Resume = "resumes/x.pdf" }},
		{"jobId", func(a *store.Application) { a.JobID = "" }},
	} {
		a := newApplication("job-1", store.NewID())
		tc.mutate(&a)
		_, _, err := s.Apply(ctx, a, t0)
		wantField(t, "Apply with a bad "+tc.field, err, tc.field)
	}
	sameLines(t, "after refused applications", exportLines(t, s, t0), before)
}

func testApplicationTransitions(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustPutJob(t, s, newJob("job-1"))
	a := mustApply(t, s, newApplication("job-1", store.NewID()), t0)
	hr := "hr:" + store.NewID()
	move := func(to store.ApplicationStatus, note string, at time.Duration) (store.Application, error) {
		return s.MoveApplication(ctx, a.ID, store.StatusChange{At: t0.Add(at), Actor: hr, To: to, Note: note, Notified: to == store.ApplicationInterview})
	}

	_, err := move(store.ApplicationHired, "", time.Minute)
	var te *store.TransitionError
	if !errors.As(err, &te) || te.From != store.ApplicationReceived || te.To != store.ApplicationHired || !errors.Is(err, store.ErrPrecondition) {
		t.Fatalf("received -> hired: %v, want a *TransitionError", err)
	}
	_, err = move(store.ApplicationReceived, "", time.Minute)
	wantErr(t, "a move to the same status without a note", err, store.ErrPrecondition)
	_, err = move("archived", "", time.Minute)
	wantField(t, "a move to an unknown status", err, "to")
	_, err = s.MoveApplication(ctx, a.ID, store.StatusChange{At: t0, Actor: "hanako@example.com", To: store.ApplicationScreening})
	wantField(t, "an address as actor", err, "actor")
	if got, err := s.GetApplication(ctx, a.ID); err != nil || got.Version != 1 || len(got.History) != 1 {
		t.Fatalf("refused moves changed the application: %+v %v", got, err)
	}

	steps := []struct {
		to   store.ApplicationStatus
		note string
	}{
		{store.ApplicationScreening, "書類選考へ"},
		{store.ApplicationScreening, "推薦者にも確認する"}, // a note alone
		{store.ApplicationInterview, ""},
		{store.ApplicationOffer, "条件提示済み"},
		{store.ApplicationHired, ""},
	}
	var got store.Application
	for i, st := range steps {
		if got, err = move(st.to, st.note, time.Duration(i+1)*time.Hour); err != nil {
			t.Fatalf("move %d to %s: %v", i, st.to, err)
		}
	}
	if got.Status != store.ApplicationHired || got.Version != 6 || len(got.History) != 6 || !got.UpdatedAt.Equal(t0.Add(5*time.Hour)) {
		t.Fatalf("after the pipeline: status %s version %d history %d updated %v", got.Status, got.Version, len(got.History), got.UpdatedAt)
	}
	h := got.History[3]
	if h.From != store.ApplicationScreening || h.To != store.ApplicationInterview || h.Actor != hr || !h.Notified || !h.At.Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("history entry: %+v", h)
	}
	stored, err := s.GetApplication(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "stored after moves", stored, got)

	// A final status never changes, but HR may still add a note.
	_, err = move(store.ApplicationDeclined, "", 6*time.Hour)
	wantErr(t, "hired -> declined", err, store.ErrPrecondition)
	if _, err := move(store.ApplicationHired, "入社日決定", 7*time.Hour); err != nil {
		t.Fatalf("a note on a final status: %v", err)
	}

	// Withdrawal by the applicant and decline by HR from any open stage.
	b := mustApply(t, s, newApplication("job-1", store.NewID()), t0)
	w, err := s.MoveApplication(ctx, b.ID, store.StatusChange{At: t0.Add(time.Hour), Actor: b.MemberID, To: store.ApplicationWithdrawn})
	if err != nil || w.Status != store.ApplicationWithdrawn {
		t.Fatalf("withdraw: %+v %v", w, err)
	}
	_, err = s.MoveApplication(ctx, b.ID, store.StatusChange{At: t0.Add(2 * time.Hour), Actor: hr, To: store.ApplicationScreening})
	wantErr(t, "withdrawn -> screening", err, store.ErrPrecondition)
	_, err = s.MoveApplication(ctx, "NOSUCHAPPLICATION", store.StatusChange{At: t0, Actor: hr, To: store.ApplicationScreening})
	wantErr(t, "moving an unknown application", err, store.ErrNotFound)

	for _, tc := range []struct {
		from, to store.ApplicationStatus
		ok       bool
	}{
		{store.ApplicationReceived, store.ApplicationInterview, true},
		{store.ApplicationInterview, store.ApplicationScreening, false},
		{store.ApplicationOffer, store.ApplicationHired, true},
		{store.ApplicationScreening, store.ApplicationHired, false},
		{store.ApplicationInterview, store.ApplicationDeclined, true},
		{store.ApplicationDeclined, store.ApplicationReceived, false},
	} {
		if store.CanMove(tc.from, tc.to) != tc.ok {
			t.Errorf("CanMove(%s, %s) = %v", tc.from, tc.to, !tc.ok)
		}
	}
}

func testReferOnce(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustPutJob(t, s, newJob("job-1"))
	mustPutJob(t, s, newJob("job-2"))
	referrer := store.NewID()
	first, created, err := s.Refer(ctx, newReferral("job-1", referrer, "Jiro.Sato@Example.com"), t0)
	if err != nil || !created || first.Outcome != store.ReferralReferred || first.Version != 1 || first.ID == "" {
		t.Fatalf("Refer: %+v created %v, %v", first, created, err)
	}
	// The same friend again, in another case: the first referral.
	again := newReferral("job-1", referrer, "jiro.sato@example.com")
	again.Note = "もう一度"
	got, created, err := s.Refer(ctx, again, t0.Add(time.Minute))
	if err != nil || created {
		t.Fatalf("second Refer: created %v, %v", created, err)
	}
	sameJSON(t, "second Refer returns the first", got, first)
	if got, err = s.GetReferral(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "GetReferral", got, first)

	other := mustRefer(t, s, newReferral("job-1", store.NewID(), "jiro.sato@example.com"), t0.Add(time.Hour)) // another referrer
	job2 := mustRefer(t, s, newReferral("job-2", referrer, "jiro.sato@example.com"), t0.Add(2*time.Hour))     // another job
	friend2 := mustRefer(t, s, newReferral("job-1", referrer, "hanako@example.com"), t0.Add(3*time.Hour))     // another friend

	mine, err := s.ListReferralsByReferrer(ctx, referrer)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "a referrer's referrals, newest first", mine, []store.Referral{friend2, job2, first})
	// A job's referrals are listed on GSI1, which may not have them all yet.
	var byJob []store.Referral
	eventually(t, "a job's referrals", func() error {
		var err error
		if byJob, _, err = s.ListReferralsByJob(ctx, "job-1", store.Page{}); err != nil {
			return err
		}
		return indexedIDs(listedReferrals(byJob), []string{first.ID, other.ID, friend2.ID})
	})
	sameJSON(t, "a job's referrals in order", byJob, []store.Referral{first, other, friend2})

	_, _, err = s.Refer(ctx, newReferral("no-such-job", referrer, "x@example.com"), t0)
	wantErr(t, "Refer for an unknown job", err, store.ErrNotFound)
	closed := newJob("closed")
	closed.Closes = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	mustPutJob(t, s, closed)
	_, _, err = s.Refer(ctx, newReferral("closed", referrer, "x@example.com"), t0)
	wantErr(t, "Refer for a closed job", err, store.ErrJobClosed)
	for _, tc := range []struct {
		field  string
		mutate func(*store.Referral)
	}{
		{"friendEmail", func(r *store.Referral) { r.FriendEmail = "jiro" }},
		{"friendName", func(r *store.Referral) { r.FriendName = "" }},
		{"relationship", func(r *store.Referral) { r.Relationship = "enemy" }},
		{"referrerId", func(r *store.Referral) { r.ReferrerID = "" }},
	} {
		r := newReferral("job-1", referrer, "new@example.com")
		tc.mutate(&r)
		_, _, err := s.Refer(ctx, r, t0)
		wantField(t, "Refer with a bad "+tc.field, err, tc.field)
	}
	if byJob, _, _ := s.ListReferralsByJob(ctx, "job-1", store.Page{}); len(byJob) != 3 {
		t.Fatalf("refused referrals were stored: %d", len(byJob))
	}
}

func mustRefer(t *testing.T, s store.Store, r store.Referral, now time.Time) store.Referral {
	t.Helper()
	got, created, err := s.Refer(context.Background(), r, now)
	if err != nil || !created {
		t.Fatalf("Refer: created %v, %v", created, err)
	}
	return got
}

func testReferralUpdate(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustPutJob(t, s, newJob("job-1"))
	r := mustRefer(t, s, newReferral("job-1", store.NewID(), "jiro@example.com"), t0)
	got, err := s.UpdateReferral(ctx, r.ID, func(old store.Referral) (store.Referral, error) {
		old.Outcome, old.OutcomeNote, old.InvitedAt = store.ReferralContacted, "電話で話した", t0.Add(time.Minute)
		old.FriendEmail, old.ReferrerID, old.JobID = "changed@example.com", store.NewID(), "job-9" // not changeable
		return old, nil
	})
	if err != nil {
		t.Fatalf("UpdateReferral: %v", err)
	}
	if got.Outcome != store.ReferralContacted || got.OutcomeNote != "電話で話した" || !got.InvitedAt.Equal(t0.Add(time.Minute)) ||
		got.Version != 2 || got.FriendEmail != r.FriendEmail || got.ReferrerID != r.ReferrerID || got.JobID != r.JobID {
		t.Fatalf("updated referral: %+v", got)
	}
	stored, err := s.GetReferral(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "stored referral", stored, got)

	_, err = s.UpdateReferral(ctx, r.ID, func(old store.Referral) (store.Referral, error) {
		old.Outcome = "lost"
		return old, nil
	})
	wantField(t, "an unknown outcome", err, "outcome")
	stop := errors.New("changed my mind")
	_, err = s.UpdateReferral(ctx, r.ID, func(old store.Referral) (store.Referral, error) { return old, stop })
	wantErr(t, "an error from the callback", err, stop)
	_, err = s.UpdateReferral(ctx, "NOSUCHREFERRAL", func(old store.Referral) (store.Referral, error) { return old, nil })
	wantErr(t, "UpdateReferral(unknown)", err, store.ErrNotFound)
	if again, _ := s.GetReferral(ctx, r.ID); again.Version != 2 {
		t.Fatalf("refused updates changed the referral: version %d", again.Version)
	}
}

func testJobsErasure(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustPutJob(t, s, newJob("job-1"))
	mustPutJob(t, s, newJob("job-2"))
	member, other := store.NewID(), store.NewID()
	withResume := newApplication("job-1", member)
	withResume.Resume, withResume.ResumeName, withResume.ResumeSize = "resumes/erase-me.pdf", "山田花子_職務経歴書.pdf", 2048
	withResume.Contact, withResume.Phone = store.ContactPhone, "090-1234-5678"
	a1 := mustApply(t, s, withResume, t0)
	a2 := mustApply(t, s, newApplication("job-2", member), t0.Add(time.Minute))
	kept := mustApply(t, s, newApplication("job-1", other), t0.Add(2*time.Minute))
	hr := "hr:" + store.NewID()
	if _, err := s.MoveApplication(ctx, a1.ID, store.StatusChange{At: t0.Add(time.Hour), Actor: hr, To: store.ApplicationInterview, Note: "山田さんは経験十分"}); err != nil {
		t.Fatal(err)
	}
	ref := mustRefer(t, s, newReferral("job-1", member, "jiro.sato@example.com"), t0)
	keptRef := mustRefer(t, s, newReferral("job-1", other, "jiro.sato@example.com"), t0)

	erasedAt := t0.Add(24 * time.Hour)
	keys, err := s.EraseMemberJobs(ctx, member, erasedAt)
	if err != nil {
		t.Fatalf("EraseMemberJobs: %v", err)
	}
	sameJSON(t, "résumé keys to delete", keys, []string{"resumes/erase-me.pdf"})

	for _, id := range []string{a1.ID, a2.ID} {
		got, err := s.GetApplication(ctx, id)
		if err != nil {
			t.Fatalf("an erased application stays for the figures: %v", err)
		}
		if got.ErasedAt.IsZero() || got.MemberID != "" || got.Message != "" || got.Resume != "" || got.ResumeName != "" ||
			got.Link != "" || got.Phone != "" || got.JobID == "" || got.Status == "" {
			t.Fatalf("erased application: %+v", got)
		}
		for _, h := range got.History {
			if h.Note != "" || h.Actor == member {
				t.Fatalf("erased history keeps personal data: %+v", h)
			}
		}
		_, err = s.MoveApplication(ctx, id, store.StatusChange{At: erasedAt, Actor: hr, To: store.ApplicationDeclined})
		wantErr(t, "moving an erased application", err, store.ErrNotFound)
	}
	gotRef, err := s.GetReferral(ctx, ref.ID)
	if err != nil || gotRef.ErasedAt.IsZero() || gotRef.ReferrerID != "" || gotRef.FriendEmail != "" || gotRef.FriendName != "" || gotRef.Note != "" {
		t.Fatalf("erased referral: %+v %v", gotRef, err)
	}
	_, err = s.UpdateReferral(ctx, ref.ID, func(old store.Referral) (store.Referral, error) { return old, nil })
	wantErr(t, "updating an erased referral", err, store.ErrNotFound)

	if mine, err := s.ListApplicationsByMember(ctx, member); err != nil || len(mine) != 0 {
		t.Fatalf("an erased member's applications: %v %v", mine, err)
	}
	if mine, err := s.ListReferralsByReferrer(ctx, member); err != nil || len(mine) != 0 {
		t.Fatalf("an erased member's referrals: %v %v", mine, err)
	}
	_, err = s.FindApplication(ctx, "job-1", member)
	wantErr(t, "FindApplication after erasure", err, store.ErrNotFound)
	// A job's applications are listed on GSI1, which may not have them all yet.
	eventually(t, "a job's applications after erasure", func() error {
		byJob, _, err := s.ListApplicationsByJob(ctx, "job-1", store.Page{})
		if err != nil {
			return err
		}
		return indexedCount(listedApplications(byJob), 2)
	})

	// Nothing personal is left anywhere in the store.
	for _, line := range exportLines(t, s, erasedAt) {
		for _, secret := range []string{member, "erase-me", "山田", "090-1234", "前職の同僚"} {
			if strings.Contains(line, secret) && !strings.Contains(line, kept.ID) && !strings.Contains(line, keptRef.ID) {
				t.Fatalf("export still holds %q after erasure:\n%s", secret, line)
			}
		}
	}
	// Others' records are untouched.
	if got, err := s.GetApplication(ctx, kept.ID); err != nil {
		t.Fatal(err)
	} else {
		sameJSON(t, "another member's application", got, kept)
	}
	if got, err := s.GetReferral(ctx, keptRef.ID); err != nil {
		t.Fatal(err)
	} else {
		sameJSON(t, "another member's referral", got, keptRef)
	}
	// Erasing again finds nothing; the member may even apply afresh.
	if keys, err := s.EraseMemberJobs(ctx, member, erasedAt); err != nil || len(keys) != 0 {
		t.Fatalf("second erasure: %v %v", keys, err)
	}
	mustApply(t, s, newApplication("job-1", member), erasedAt)
}

func testJobsBackup(t *testing.T, src store.Store, newStore Factory) {
	ctx := context.Background()
	mustPutJob(t, src, newJob("job-1"))
	archived := newJob("job-2")
	archived.Archived, archived.Visibility = true, store.VisibilityMembers
	mustPutJob(t, src, archived)
	member := store.NewID()
	a := mustApply(t, src, newApplication("job-1", member), t0)
	if _, err := src.MoveApplication(ctx, a.ID, store.StatusChange{At: t0.Add(time.Hour), Actor: "hr:x", To: store.ApplicationScreening, Note: "確認中", Notified: true}); err != nil {
		t.Fatal(err)
	}
	gone := mustApply(t, src, newApplication("job-1", store.NewID()), t0)
	r := mustRefer(t, src, newReferral("job-1", member, "jiro@example.com"), t0)
	if _, err := src.UpdateReferral(ctx, r.ID, func(old store.Referral) (store.Referral, error) {
		old.InvitedAt = t0.Add(time.Second)
		return old, nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := src.EraseMemberJobs(ctx, gone.MemberID, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	want := exportLines(t, src, exportAt)
	if len(want) != 5 {
		t.Fatalf("export holds %d records, want 2 jobs, 2 applications, 1 referral", len(want))
	}

	dst := newStore(t)
	importAll(t, src, dst)
	importAll(t, src, dst)
	sameLines(t, "copy after Export/Import", exportLines(t, dst, exportAt), want)
	// The copy's natural keys hold.
	got, created, err := dst.Apply(ctx, newApplication("job-1", member), t0.Add(2*time.Hour))
	if err != nil || created || got.ID != a.ID {
		t.Fatalf("Apply in the copy: %+v created %v, %v", got, created, err)
	}
	gotRef, created, err := dst.Refer(ctx, newReferral("job-1", member, "JIRO@example.com"), t0.Add(2*time.Hour))
	if err != nil || created || gotRef.ID != r.ID {
		t.Fatalf("Refer in the copy: created %v, %v", created, err)
	}
	if mine, err := dst.ListApplicationsByMember(ctx, member); err != nil || len(mine) != 1 {
		t.Fatalf("member index in the copy: %v %v", mine, err)
	}

	// An application with another id but a taken natural key is refused.
	clash := got
	clash.ID = store.NewID()
	wantConflict(t, "import a second application by the same member", dst.Import(ctx, store.Record{Application: &clash}), "memberId")
	sameLines(t, "after a refused import", exportLines(t, dst, exportAt), want)

	var file bytes.Buffer
	stats, err := jsonl.Export(ctx, src, &file, exportAt, jsonl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if stats[store.RecordJob] != 2 || stats[store.RecordApplication] != 2 || stats[store.RecordReferral] != 1 {
		t.Fatalf("export stats %v", stats)
	}
	viaFile := newStore(t)
	if _, err := jsonl.Import(ctx, viaFile, bytes.NewReader(file.Bytes()), jsonl.Options{Workers: 4}); err != nil {
		t.Fatalf("jsonl.Import: %v", err)
	}
	sameLines(t, "copy after JSON Lines", exportLines(t, viaFile, exportAt), want)
}

// ---- concurrency

func testConcurrentApplySameMember(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustPutJob(t, s, newJob("job-1"))
	member := store.NewID()
	const n = 32
	ids := make([]string, n)
	createdCount := make([]bool, n)
	errs := together(n, func(i int) error {
		a := newApplication("job-1", member)
		a.Message = "応募します " + strings.Repeat("!", i)
		got, created, err := s.Apply(ctx, a, t0)
		ids[i], createdCount[i] = got.ID, created
		return err
	})
	if ok, _ := tally(t, "concurrent Apply", errs, nil); ok != n {
		t.Fatalf("%d of %d concurrent applies succeeded", ok, n)
	}
	created := 0
	for i := range n {
		if createdCount[i] {
			created++
		}
		if ids[i] != ids[0] {
			t.Fatalf("goroutine %d got application %s, goroutine 0 got %s", i, ids[i], ids[0])
		}
	}
	if created != 1 {
		t.Fatalf("%d applies reported created, want 1", created)
	}
	// A job's applications are listed on GSI1, which may not have it yet.
	eventually(t, "applications stored", func() error {
		apps, _, err := s.ListApplicationsByJob(ctx, "job-1", store.Page{})
		if err != nil {
			return err
		}
		return indexedIDs(listedApplications(apps), []string{ids[0]})
	})
}

func testConcurrentApplyDistinct(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustPutJob(t, s, newJob("job-1"))
	const n = 32
	errs := together(n, func(i int) error {
		_, created, err := s.Apply(ctx, newApplication("job-1", store.NewID()), t0.Add(time.Duration(i)))
		if err == nil && !created {
			return errors.New("not created")
		}
		return err
	})
	if ok, _ := tally(t, "concurrent Apply by distinct members", errs, nil); ok != n {
		t.Fatalf("%d of %d succeeded", ok, n)
	}
	// A job's applications are listed on GSI1, which may not have them all yet.
	eventually(t, "applications stored", func() error {
		apps, _, err := s.ListApplicationsByJob(ctx, "job-1", store.Page{})
		if err != nil {
			return err
		}
		return indexedCount(listedApplications(apps), n)
	})
}

func testConcurrentMove(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustPutJob(t, s, newJob("job-1"))
	a := mustApply(t, s, newApplication("job-1", store.NewID()), t0)
	// Notes from many hands: none lost.
	const n = 16
	errs := together(n, func(i int) error {
		_, err := s.MoveApplication(ctx, a.ID, store.StatusChange{At: t0.Add(time.Minute), Actor: "hr:x", To: store.ApplicationReceived, Note: "メモ"})
		return err
	})
	if ok, _ := tally(t, "concurrent notes", errs, nil); ok != n {
		t.Fatalf("%d of %d notes stored", ok, n)
	}
	got, err := s.GetApplication(ctx, a.ID)
	if err != nil || len(got.History) != n+1 || got.Version != n+1 {
		t.Fatalf("after %d notes: history %d version %d, %v", n, len(got.History), got.Version, err)
	}
	// Two HR members decide at once: exactly one final decision.
	errs = together(n, func(i int) error {
		to := store.ApplicationDeclined
		if i%2 == 1 {
			to = store.ApplicationWithdrawn
		}
		_, err := s.MoveApplication(ctx, a.ID, store.StatusChange{At: t0.Add(time.Hour), Actor: "hr:x", To: to})
		return err
	})
	if ok, refused := tally(t, "concurrent final moves", errs, store.ErrPrecondition); ok != 1 || refused != n-1 {
		t.Fatalf("final moves: %d succeeded, %d refused", ok, refused)
	}
	if got, err = s.GetApplication(ctx, a.ID); err != nil || !got.Status.Final() || len(got.History) != n+2 {
		t.Fatalf("after the final move: %s, history %d, %v", got.Status, len(got.History), err)
	}
}

func testConcurrentRefer(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustPutJob(t, s, newJob("job-1"))
	referrer := store.NewID()
	const n = 32
	ids := make([]string, n)
	errs := together(n, func(i int) error {
		got, _, err := s.Refer(ctx, newReferral("job-1", referrer, mixedCase("jiro.sato@example.com", i)), t0)
		ids[i] = got.ID
		return err
	})
	if ok, _ := tally(t, "concurrent Refer", errs, nil); ok != n {
		t.Fatalf("%d of %d succeeded", ok, n)
	}
	for i := range n {
		if ids[i] != ids[0] {
			t.Fatalf("goroutine %d got referral %s, goroutine 0 got %s", i, ids[i], ids[0])
		}
	}
	// A job's referrals are listed on GSI1, which may not have it yet.
	eventually(t, "referrals stored", func() error {
		refs, _, err := s.ListReferralsByJob(ctx, "job-1", store.Page{})
		if err != nil {
			return err
		}
		return indexedCount(listedReferrals(refs), 1)
	})
}
