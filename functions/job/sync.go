package job

import (
	"context"
	"fmt"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

// SyncReport counts what Sync did.
type SyncReport struct {
	Put       int // postings written (new or changed)
	Unchanged int
	Archived  int // postings that left content/ (deleted, or made drafts)
}

// Sync makes the store's postings match content/: every published job is
// written when it changed, and a stored job that is no longer published is
// archived, keeping its applications but taking no new ones. Running it
// again changes nothing. jobs are the published postings, as
// content.StoreJobs gives them: the content parser is `okaeri sync`'s, and
// the jobs Lambda does not link it.
func Sync(ctx context.Context, st store.Jobs, jobs []store.Job, now time.Time) (SyncReport, error) {
	var rep SyncReport
	stored, err := st.ListJobs(ctx)
	if err != nil {
		return rep, fmt.Errorf("sync jobs: %w", err)
	}
	old := make(map[string]store.Job, len(stored))
	for _, j := range stored {
		old[j.ID] = j
	}
	published := map[string]bool{}
	for _, j := range jobs {
		j = j.Normalized()
		published[j.ID] = true
		if prev, ok := old[j.ID]; ok && sameJob(prev, j) {
			rep.Unchanged++
			continue
		}
		j.SyncedAt = now
		if err := st.PutJob(ctx, j); err != nil {
			return rep, fmt.Errorf("sync job %s: %w", j.ID, err)
		}
		rep.Put++
	}
	for _, j := range stored {
		if published[j.ID] || j.Archived {
			continue
		}
		j.Archived, j.SyncedAt = true, now
		if err := st.PutJob(ctx, j); err != nil {
			return rep, fmt.Errorf("archive job %s: %w", j.ID, err)
		}
		rep.Archived++
	}
	return rep, nil
}

// sameJob compares everything sync owns (not SyncedAt).
func sameJob(a, b store.Job) bool {
	if !a.Closes.Equal(b.Closes) {
		return false
	}
	a.SyncedAt, b.SyncedAt, a.Closes, b.Closes = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return a == b
}
