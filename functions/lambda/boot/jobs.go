package boot

import (
	"context"
	"os"

	"github.com/okaeri/okaeri/functions/app/core"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/paramstore"
)

// Jobs makes the tasks of a function that serves no route.
type Jobs func(ctx context.Context, c *core.Core) ([]lambda.Task, error)

// RunJobs starts function name, which serves no route (every request
// gets a 404), only its tasks: scheduled jobs and the table's stream. It
// checks no session and so needs no session keys. It never returns.
func RunJobs(name string, opt core.Options, jobs Jobs) {
	ctx := context.Background()
	log := lambda.Logger(os.Getenv("OKAERI_LOG_LEVEL"))
	t := newPhases()
	getenv, err := paramstore.Getenv(ctx, os.Environ(), paramstore.NewClient)
	if err != nil {
		lambda.Exit(log, err)
	}
	cfg, err := config.Load(getenv, lambda.DataDir())
	if err != nil {
		lambda.Exit(log, err)
	}
	t.done("config")
	opt.DataDir = lambda.DataDir()
	c, err := core.New(ctx, cfg, opt, log)
	if err != nil {
		lambda.Exit(log, err)
	}
	t.done("core")
	tasks, err := jobs(ctx, c)
	if err != nil {
		lambda.Exit(log, err)
	}
	t.done("build")
	t.log(log)
	h, err := lambda.Handler(name, nil, log)
	if err != nil {
		lambda.Exit(log, err)
	}
	lambda.Start(h, log, tasks...)
}
