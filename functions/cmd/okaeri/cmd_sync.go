package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/content"
	"github.com/okaeri/okaeri/functions/newsletter/compose"
	"github.com/okaeri/okaeri/functions/store"
)

// syncStep puts one kind of HR's content into the store and returns one
// summary line. A feature adds its own step to syncSteps.
type syncStep struct {
	name string
	run  func(ctx context.Context, st store.Store, cat *content.Catalog) (string, error)
}

// syncSteps are the steps of `okaeri sync`, in order. A step that needs
// more than the store (mail, signing keys) closes over a's services.
func syncSteps(a *app.App, dir string) []syncStep {
	return []syncStep{
		{"events", func(ctx context.Context, _ store.Store, cat *content.Catalog) (string, error) {
			published, drafts := content.StoreEvents(cat.Events)
			return a.Events.Sync(ctx, published, drafts)
		}},
		{"jobs", syncJobs},
		{"newsletters", func(ctx context.Context, _ store.Store, _ *content.Catalog) (string, error) {
			lines, err := compose.Sync(ctx, a.Newsletters, dir)
			return fmt.Sprintf("newsletters: %d updated %v", len(lines), lines), err
		}},
	}
}

// cmdSync runs `okaeri sync [--dir content] [--data DIR]`: it reads content/,
// refuses to sync content that `okaeri content check` finds problems in,
// and upserts the machine-facing fields (capacity, deadlines, visibility)
// into the store, so no function parses the repository at request time.
func cmdSync(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("sync", flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	dir := fs.String("dir", "content", "content `folder` to sync")
	data := fs.String("data", ".okaeri", "data folder")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.Stderr, "okaeri sync: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	cat, problems, err := content.Load(*dir)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(e.Stdout, p)
		}
		return fmt.Errorf("content check found %d problems; nothing was synced (fix them, then run okaeri sync again)", len(problems))
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
	for _, step := range syncSteps(a, *dir) {
		line, err := step.run(ctx, a.Store, cat)
		if err != nil {
			return fmt.Errorf("sync %s: %w", step.name, err)
		}
		fmt.Fprintln(e.Stdout, line)
	}
	return nil
}
