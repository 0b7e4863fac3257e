// Package entry starts a Lambda that needs the portal's services: it reads
// the configuration (secrets from SSM Parameter Store), builds everything
// with app.New and serves the function's own routes from lambda.Functions.
// Functions that need none of it (prefs) skip this package and stay small.
package entry

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/lambda/boot"
	"github.com/okaeri/okaeri/functions/paramstore"
)

// Tasks gives a function's scheduled jobs once the app is built.
type Tasks func(a *app.App) []lambda.Task

// Run starts function name and never returns; tasks may be nil. opt adds
// what only this function links (the bio renderer); DataDir is set here.
func Run(name string, tasks Tasks, opt app.Options) {
	ctx := context.Background()
	log := lambda.Logger(os.Getenv("OKAERI_LOG_LEVEL"))
	h, jobs, err := New(ctx, name, os.Environ(), paramstore.NewClient, log, tasks, opt)
	if err != nil {
		lambda.Exit(log, err)
	}
	lambda.Start(h, log, jobs...)
}

// New builds function name's handler and jobs from environ.
func New(ctx context.Context, name string, environ []string, ssm func(context.Context) (paramstore.Client, error),
	log *slog.Logger, tasks Tasks, opt app.Options) (http.Handler, []lambda.Task, error) {
	cfg, err := boot.Config(ctx, environ, ssm)
	if err != nil {
		return nil, nil, err
	}
	opt.DataDir = lambda.DataDir()
	a, err := app.New(ctx, cfg, opt, log)
	if err != nil {
		return nil, nil, err
	}
	h, err := lambda.Handler(name, a.Routes(), log)
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	var jobs []lambda.Task
	if tasks != nil {
		jobs = tasks(a)
	}
	return h, jobs, nil
}
