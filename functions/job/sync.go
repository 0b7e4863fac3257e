package job

import (
	"context"
	"fmt"
	"time"

	"github.com/okaeri/okaeri/functions/content"
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
// again changes nothing.
func Sync(ctx context.Context, st store.Jobs, jobs []content.Job, now time.Time) (SyncReport, error) {
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
	for _, cj := range jobs {
		if cj.Draft {
			continue
		}
		published[cj.ID] = true
		j := FromContent(cj)
		if prev, ok := old[j.ID]; ok && sameJob(prev, j) {
			rep.Unchanged++
			continue
		}
		j.SyncedAt = now
		if err := st.PutJob(ctx, j); err != nil {
			return rep, fmt.Errorf("sync job %s: %w", cj.ID, err)
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

// FromContent is a posting's machine-facing fields as the store keeps them.
func FromContent(cj content.Job) store.Job {
	return store.Job{
		ID: cj.ID, Title: cj.Title[content.Japanese], TitleEn: cj.Title[content.English],
		EmploymentType: store.EmploymentType(cj.EmploymentType),
		Department:     cj.Department[content.Japanese], Location: cj.Location[content.Japanese],
		Visibility: cj.Visibility, Closes: cj.Closes, Contact: cj.Contact,
	}.Normalized()
}

// sameJob compares everything sync owns (not SyncedAt).
func sameJob(a, b store.Job) bool {
	if !a.Closes.Equal(b.Closes) {
		return false
	}
	a.SyncedAt, b.SyncedAt, a.Closes, b.Closes = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return a == b
}
