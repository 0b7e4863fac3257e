package main

import (
	"context"
	"fmt"
	"time"

	"github.com/okaeri/okaeri/functions/content"
	"github.com/okaeri/okaeri/functions/job"
	"github.com/okaeri/okaeri/functions/store"
)

// syncJobs is the jobs step of `okaeri sync`: every published posting is
// written when it changed, and one that left content/ is archived (its
// applications stay; it takes no new ones).
func syncJobs(ctx context.Context, st store.Store, cat *content.Catalog) (string, error) {
	rep, err := job.Sync(ctx, st, content.StoreJobs(cat.Jobs), time.Now())
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("jobs: %d written, %d unchanged, %d archived", rep.Put, rep.Unchanged, rep.Archived), nil
}
