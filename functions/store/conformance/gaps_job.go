package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

// jobGapTests are the job races and failures of RunGapTests.
func jobGapTests() []subtest {
	return []subtest{
		{"ApplyReferRacingArchive", testApplyReferRacingArchive},
		{"EraseRacingApply", testEraseRacingApply},
	}
}

// raceAttempt is one Apply or Refer of testApplyReferRacingArchive, by a
// member of its own (the applicant, or the referrer).
type raceAttempt struct {
	refer    bool
	memberID string
	// late: it began after PutJob archiving the job had returned.
	late bool
	// absent: it was running when the archive returned, and a consistent
	// read made after that found nothing of it.
	absent  atomic.Bool
	done    atomic.Bool
	created bool
	id      string
	err     error
}

// testApplyReferRacingArchive: applications and referrals race the job's
// archive (sync's PutJob with Archived). Every one that was stored must have
// been stored while the job was open, that is before the archive's write:
// none may begin after the archive returned and succeed, and none that was
// still running when it returned may be stored after a read that, made
// after the archive returned, did not see it. (Checking that the job is
// open outside the transaction that stores the record fails the second
// rule: the record lands after the archive.) A refused one leaves nothing.
func testApplyReferRacingArchive(t *testing.T, s store.Store) {
	ctx := context.Background()
	const rounds, workers = 4, 12
	for round := range rounds {
		job := newJob(fmt.Sprintf("racing-archive-%d", round))
		mustPutJob(t, s, job)

		var (
			mu       sync.Mutex // attempts and archived
			attempts []*raceAttempt
			archived bool
			stored   atomic.Int32
			stopped  atomic.Int32
			wg       sync.WaitGroup
		)
		for w := range workers {
			wg.Go(func() {
				defer stopped.Add(1)
				for n := 0; n < 500; n++ {
					at := &raceAttempt{refer: w%2 == 1, memberID: store.NewID()}
					mu.Lock()
					at.late = archived
					attempts = append(attempts, at)
					mu.Unlock()
					if at.refer {
						var r store.Referral
						r, at.created, at.err = s.Refer(ctx, newReferral(job.ID, at.memberID, "jiro.sato@example.com"), t0)
						at.id = r.ID
					} else {
						var a store.Application
						a, at.created, at.err = s.Apply(ctx, newApplication(job.ID, at.memberID), t0)
						at.id = a.ID
					}
					at.done.Store(true)
					if at.err != nil || at.late {
						return
					}
					stored.Add(1)
				}
			})
		}

		// Archive once the crowd is under way, then look at once, and
		// consistently, for what the attempts still running have stored.
		for stored.Load() < 2*workers && stopped.Load() < workers {
			time.Sleep(time.Millisecond)
		}
		closed := job
		closed.Archived, closed.SyncedAt = true, t0.Add(time.Hour)
		if err := s.PutJob(ctx, closed); err != nil {
			t.Fatalf("archive: %v", err)
		}
		mu.Lock()
		archived = true
		var running []*raceAttempt
		for _, at := range attempts {
			if !at.done.Load() {
				running = append(running, at)
			}
		}
		mu.Unlock()
		var probes sync.WaitGroup
		for _, at := range running {
			probes.Go(func() {
				found, err := storedFor(ctx, s, job.ID, at)
				if err != nil {
					t.Errorf("reading %s's record after the archive: %v", at.memberID, err)
					return
				}
				at.absent.Store(!found)
			})
		}
		probes.Wait()
		wg.Wait()

		created, refused, missed := 0, 0, 0
		for _, at := range attempts {
			what := "Apply"
			if at.refer {
				what = "Refer"
			}
			switch {
			case at.err != nil && !errors.Is(at.err, store.ErrJobClosed):
				t.Errorf("round %d: %s: unexpected error %v", round, what, at.err)
			case at.err != nil:
				refused++
				found, err := storedFor(ctx, s, job.ID, at)
				if err != nil || found {
					t.Errorf("round %d: a refused %s left a record (%v, %v)", round, what, found, err)
				}
			case !at.created:
				t.Errorf("round %d: %s by a new member answered created=false", round, what)
			case at.late:
				t.Errorf("round %d: %s began after the job was archived and stored %s", round, what, at.id)
			case at.absent.Load():
				missed++
				t.Errorf("round %d: %s stored %s after the job was archived: a read after the archive returned did not see it", round, what, at.id)
			default:
				created++
				if found, err := storedFor(ctx, s, job.ID, at); err != nil || !found {
					t.Errorf("round %d: %s %s reported created is not stored (%v)", round, what, at.id, err)
				}
			}
		}
		if refused < workers {
			t.Errorf("round %d: %d attempts refused, want at least one per worker (%d)", round, refused, workers)
		}
		t.Logf("round %d: %d stored before the archive, %d refused, %d running at the archive, %d stored after it", round, created, refused, len(running), missed)
		if t.Failed() {
			return
		}
	}
}

// storedFor reports whether at's member holds a record for jobID, by a
// consistent read: the natural-key lookup for an application, the
// referrer's list for a referral.
func storedFor(ctx context.Context, s store.Store, jobID string, at *raceAttempt) (bool, error) {
	if at.refer {
		refs, err := s.ListReferralsByReferrer(ctx, at.memberID)
		return len(refs) > 0, err
	}
	_, err := s.FindApplication(ctx, jobID, at.memberID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// testEraseRacingApply: a member's erasure (two EraseMemberJobs at once, as
// a retried request makes, each run three times) races that member's
// applications and referrals, each asked twice, to jobs where the member
// already has one and to new ones. Records stored after an erasure read
// the member's partitions are not erased by it, but must stay whole and
// findable, so that the next erasure takes them: none may be left with the
// member's data and no natural key leading to it, nor erased and still
// named by it. After one more erasure nothing of the member remains under
// their id, and every résumé key was handed back exactly once.
func testEraseRacingApply(t *testing.T, s store.Store) {
	ctx := context.Background()
	const rounds, jobs, erasers = 4, 6, 2
	jobID := func(j int) string { return fmt.Sprintf("erase-race-%d", j) }
	for j := range jobs {
		mustPutJob(t, s, newJob(jobID(j)))
	}
	for round := range rounds {
		member := store.NewID()
		erasedAt := t0.Add(time.Duration(round+1) * time.Hour)
		var (
			mu      sync.Mutex
			apps    = map[string]store.Application{} // every one created, by id
			refs    = map[string]store.Referral{}
			resumes []string // the keys the erasures handed back
		)
		apply := func(j int) error {
			a := newApplication(jobID(j), member)
			a.Resume, a.ResumeName, a.ResumeSize = "resumes/"+store.NewID()+".pdf", "職務経歴書.pdf", 1000
			got, created, err := s.Apply(ctx, a, t0)
			if err == nil && created {
				mu.Lock()
				apps[got.ID] = got
				mu.Unlock()
			}
			return err
		}
		refer := func(j int) error {
			got, created, err := s.Refer(ctx, newReferral(jobID(j), member, "jiro.sato@example.com"), t0)
			if err == nil && created {
				mu.Lock()
				refs[got.ID] = got
				mu.Unlock()
			}
			return err
		}
		// The member already applied to half the jobs and referred a friend for them.
		for j := range jobs / 2 {
			if err := apply(j); err != nil {
				t.Fatal(err)
			}
			if err := refer(j); err != nil {
				t.Fatal(err)
			}
		}
		errs := together(erasers+2*jobs, func(i int) error {
			switch {
			case i < erasers:
				for range 3 {
					keys, err := s.EraseMemberJobs(ctx, member, erasedAt)
					mu.Lock()
					resumes = append(resumes, keys...)
					mu.Unlock()
					if err != nil {
						return err
					}
				}
				return nil
			case i < erasers+jobs:
				return errors.Join(apply(i-erasers), apply(i-erasers))
			default:
				return errors.Join(refer(i-erasers-jobs), refer(i-erasers-jobs))
			}
		})
		if ok, _ := tally(t, "erasure racing applications", errs, nil); ok != len(errs) {
			t.Fatalf("round %d: %d of %d calls succeeded", round, ok, len(errs))
		}

		// Each record is erased with no natural key naming it, or whole and
		// reachable through the member's id.
		mine, err := s.ListApplicationsByMember(ctx, member)
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := s.ListReferralsByReferrer(ctx, member)
		if err != nil {
			t.Fatal(err)
		}
		whole := 0
		for id, a := range apps {
			got, err := s.GetApplication(ctx, id)
			if err != nil {
				t.Fatalf("round %d: application %s: %v", round, id, err)
			}
			found, ferr := s.FindApplication(ctx, a.JobID, member)
			listed := slices.ContainsFunc(mine, func(m store.Application) bool { return m.ID == id })
			switch {
			case got.ErasedAt.IsZero():
				whole++
				if got.MemberID != member || ferr != nil || found.ID != id || !listed {
					t.Fatalf("round %d: application %s keeps the member's data but their id no longer leads to it (find: %v, listed %v)", round, id, ferr, listed)
				}
			case got.MemberID != "" || got.Resume != "":
				t.Fatalf("round %d: erased application %s keeps personal data: %+v", round, id, got)
			case ferr == nil && found.ID == id || listed:
				t.Fatalf("round %d: erased application %s is still listed under the member", round, id)
			}
		}
		for id := range refs {
			got, err := s.GetReferral(ctx, id)
			if err != nil {
				t.Fatalf("round %d: referral %s: %v", round, id, err)
			}
			listed := slices.ContainsFunc(theirs, func(m store.Referral) bool { return m.ID == id })
			switch {
			case got.ErasedAt.IsZero():
				whole++
				if got.ReferrerID != member || !listed {
					t.Fatalf("round %d: referral %s keeps the member's data but their id no longer leads to it", round, id)
				}
			case got.ReferrerID != "" || got.FriendEmail != "":
				t.Fatalf("round %d: erased referral %s keeps personal data: %+v", round, id, got)
			case listed:
				t.Fatalf("round %d: erased referral %s is still listed under the member", round, id)
			}
		}

		// One more erasure takes the rest.
		keys, err := s.EraseMemberJobs(ctx, member, erasedAt)
		if err != nil {
			t.Fatalf("round %d: final erasure: %v", round, err)
		}
		resumes = append(resumes, keys...)
		if mine, err := s.ListApplicationsByMember(ctx, member); err != nil || len(mine) != 0 {
			t.Fatalf("round %d: applications under the erased member's id: %v %v", round, mine, err)
		}
		if theirs, err := s.ListReferralsByReferrer(ctx, member); err != nil || len(theirs) != 0 {
			t.Fatalf("round %d: referrals under the erased member's id: %v %v", round, theirs, err)
		}
		for j := range jobs {
			_, err := s.FindApplication(ctx, jobID(j), member)
			wantErr(t, "FindApplication after the erasure", err, store.ErrNotFound)
		}
		var want []string
		for id, a := range apps {
			want = append(want, a.Resume)
			got, err := s.GetApplication(ctx, id)
			if err != nil || got.ErasedAt.IsZero() || got.MemberID != "" || got.Resume != "" {
				t.Fatalf("round %d: application %s after the final erasure: %+v %v", round, id, got, err)
			}
		}
		for id := range refs {
			got, err := s.GetReferral(ctx, id)
			if err != nil || got.ErasedAt.IsZero() || got.ReferrerID != "" {
				t.Fatalf("round %d: referral %s after the final erasure: %+v %v", round, id, got, err)
			}
		}
		slices.Sort(want)
		slices.Sort(resumes)
		sameJSON(t, fmt.Sprintf("round %d: résumé keys handed back", round), resumes, want)
		for _, line := range exportLines(t, s, erasedAt) {
			if strings.Contains(line, member) {
				t.Fatalf("round %d: export still holds the erased member's id:\n%s", round, line)
			}
		}
		t.Logf("round %d: %d applications and %d referrals created, %d of them whole after the race", round, len(apps), len(refs), whole)
	}
}
