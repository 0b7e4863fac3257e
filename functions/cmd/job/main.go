// Command job is the jobs function as a Lambda: applications with résumés
// in S3, referrals and HR's hiring pipeline, on the core and the jobs
// service only.
package main

import (
	"context"
	"net/http"

	"github.com/okaeri/okaeri/functions/app/core"
	"github.com/okaeri/okaeri/functions/app/jobs"
	"github.com/okaeri/okaeri/functions/job"
	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/lambda/boot"
)

func main() {
	boot.Run("job", core.Options{}, func(ctx context.Context, c *core.Core, opt core.Options) (map[string]http.Handler, []lambda.Task, error) {
		s, err := jobs.New(ctx, c, opt)
		if err != nil {
			return nil, nil, err
		}
		return job.Handler{S: s}.Routes(), nil, nil
	})
}
