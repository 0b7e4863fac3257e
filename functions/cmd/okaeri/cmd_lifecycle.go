package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/config"
)

// cmdLifecycle runs the lifecycle mails' job:
//
//	okaeri lifecycle run   nudge empty profiles a week after approval, send the yearly check on anniversaries
//
// Safe to run as often as a scheduler likes: each mail is claimed on the
// member before it is sent, once per member (per year for the yearly one).
func cmdLifecycle(ctx context.Context, e *env, args []string) error {
	usage := func() { fmt.Fprint(e.Stderr, "usage: okaeri lifecycle run [--data DIR]\n") }
	if len(args) == 0 || args[0] != "run" {
		usage()
		return errUsage
	}
	fs := flag.NewFlagSet("lifecycle run", flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = usage
	data := fs.String("data", ".okaeri", "data folder")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() != 0 {
		usage()
		return errUsage
	}
	cfg, err := config.Load(e.Getenv, *data)
	if err != nil {
		return err
	}
	a, err := e.newApp(ctx, cfg, app.Options{DataDir: *data})
	if err != nil {
		return err
	}
	defer a.Close()
	res, err := a.Accounts.RunLifecycle(ctx)
	fmt.Fprintf(e.Stdout, "lifecycle run: %d profile nudges, %d yearly checks sent\n", res.Nudges, res.Yearly)
	return err
}
