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
	"net/http"
	"os"

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
	cfg, err := Config(ctx, os.Environ(), paramstore.NewClient)
	if err != nil {
		lambda.Exit(log, err)
	}
	opt.DataDir = lambda.DataDir()
	c, err := core.New(ctx, cfg, opt, log)
	if err != nil {
		lambda.Exit(log, err)
	}
	routes, tasks, err := build(ctx, c, opt)
	if err != nil {
		lambda.Exit(log, err)
	}
	h, err := lambda.Handler(name, c.Guard(routes), log)
	if err != nil {
		lambda.Exit(log, err)
	}
	lambda.Start(h, log, tasks...)
}
