// Package boot starts a Lambda function that needs the portal's services:
// it reads the configuration (secrets from SSM Parameter Store), builds the
// core (store, mail, sessions, accounts) and what the function's Build adds
// on it, and serves the function's own routes from lambda.Functions. Each
// function adds only its own feature (the accounts function, whose erasure
// and export reach every feature, adds them all), so that it links and
// initialises nothing it does not serve. prefs needs none of it.
package boot

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/okaeri/okaeri/functions/app/core"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/paramstore"
)

// Config is the function's configuration from environ, with the values of
// ssm: references read from Parameter Store.
func Config(ctx context.Context, environ []string, ssm func(context.Context) (paramstore.Client, error)) (config.Config, error) {
	getenv, err := paramstore.Getenv(ctx, environ, ssm)
	if err != nil {
		return config.Config{}, err
	}
	cfg, err := config.Load(getenv, lambda.DataDir())
	if err != nil {
		return config.Config{}, err
	}
	if cfg.SessionKeys == "" {
		// A key generated per instance would log everyone out at random.
		return config.Config{}, errors.New("OKAERI_SESSION_KEYS is required on Lambda: every function checks sessions with the same keys")
	}
	return cfg, nil
}

// Build makes a function's routes and scheduled jobs on the core.
type Build func(ctx context.Context, c *core.Core, opt core.Options) (map[string]http.Handler, []lambda.Task, error)

// Run starts function name on the core and what build adds to it, and
// never returns. The state-changing routes are made idempotent.
func Run(name string, opt core.Options, build Build) {
	ctx := context.Background()
	log := lambda.Logger(os.Getenv("OKAERI_LOG_LEVEL"))
	t := newPhases()
	cfg, err := Config(ctx, os.Environ(), paramstore.NewClient)
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
	routes, tasks, err := build(ctx, c, opt)
	if err != nil {
		lambda.Exit(log, err)
	}
	t.done("build")
	h, err := lambda.Handler(name, c.Guard(routes), log)
	if err != nil {
		lambda.Exit(log, err)
	}
	t.done("handler")
	t.log(log)
	lambda.Start(h, log, tasks...)
}

// phases times the steps of main for the debug log (`lambdabench -why`
// reads it): what a function's init spends after package init.
type phases struct {
	last  time.Time
	attrs []any
}

func newPhases() *phases { return &phases{last: time.Now()} }

func (p *phases) done(step string) {
	now := time.Now()
	p.attrs = append(p.attrs, step+"_ms", float64(now.Sub(p.last).Microseconds())/1000)
	p.last = now
}

func (p *phases) log(log *slog.Logger) { log.Debug("init phases", p.attrs...) }
