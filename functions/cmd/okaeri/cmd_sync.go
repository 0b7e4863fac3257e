package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/brand"
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
func syncSteps(a *app.App, dir, site string) []syncStep {
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
		{"site", func(ctx context.Context, st store.Store, _ *content.Catalog) (string, error) {
			return syncSite(ctx, st, site)
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
	site := fs.String("site", "site/public", "the built site `folder`, whose page frame and company the functions use")
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
	for _, step := range syncSteps(a, *dir, *site) {
		line, err := step.run(ctx, a.Store, cat)
		if err != nil {
			return fmt.Errorf("sync %s: %w", step.name, err)
		}
		fmt.Fprintln(e.Stdout, line)
	}
	return nil
}

// syncSite puts the built site's page frame and company
// (/_okaeri/site.json per language, site/layouts/home.site.json) into the
// store as one document, for the pages the functions render. A site not
// built yet is skipped: the functions keep the built-in frame.
func syncSite(ctx context.Context, st store.Store, dir string) (string, error) {
	var docs [][]byte
	for _, p := range []string{"_okaeri/site.json", "en/_okaeri/site.json"} {
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		docs = append(docs, b)
	}
	if len(docs) == 0 {
		return fmt.Sprintf("site: no %s/_okaeri/site.json (build the site first: make site); pages keep the built-in frame", dir), nil
	}
	site, err := brand.ParseSite(docs...)
	if err != nil {
		return "", err
	}
	data, err := json.Marshal(site)
	if err != nil {
		return "", err
	}
	if err := st.PutSiteDocument(ctx, store.SiteDocument{Data: data}); err != nil {
		return "", err
	}
	return fmt.Sprintf("site: page frame and company of %s (%d languages)", brand.In(site.Company.Portal, "ja"), len(site.Frames)), nil
}
