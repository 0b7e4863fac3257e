// Package boot reads a Lambda function's configuration and starts
// functions built on the core alone (the directory). Package entry starts
// those that need the whole app; both share Config.
package boot

import (
	"context"
	"errors"
	"os"

	"github.com/okaeri/okaeri/functions/account"
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

// RunAccounts starts function name, which serves accounts' routes only,
// on the core; it never returns.
func RunAccounts(name string, opt core.Options) {
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
	h, err := lambda.Handler(name, c.Idempotent(account.Handler{S: c.Accounts}.Routes()), log)
	if err != nil {
		lambda.Exit(log, err)
	}
	lambda.Start(h, log)
}
