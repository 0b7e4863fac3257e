package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"time"

	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/portal"
)

func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	addr := fs.String("addr", "localhost:8080", "address to listen on")
	data := fs.String("data", ".okaeri", "data folder: embedded store and outbox")
	siteDir := fs.String("site", "site/public", "built Hugo site to serve")
	dev := fs.Bool("dev", false, "developer mode: /_dev/outbox, plain-http cookies, and (with --content) the site rebuilt when content changes")
	contentDir := fs.String("content", "", "HR's content `folder`: with --dev, the site is rebuilt and synced when it changes")
	hugoBin := fs.String("hugo", "", "the pinned Hugo `binary` for those rebuilds (default: go tool -n -modfile=tools/go.mod hugo beside the content folder)")
	decapServer := fs.String("decap-server", "", "Decap CMS's local backend (decap-server's dist/index.js, from scripts/decap server): HR edits content/ at /admin/")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	cfg, err := config.Load(e.Getenv, *data)
	if err != nil {
		return err
	}
	log := e.Log
	a, err := newApp(ctx, cfg, app.Options{DataDir: *data, Dev: *dev}, log)
	if err != nil {
		return err
	}
	defer a.Close()
	defer startMailSender(ctx, a)() // account mail is sent after the answer (mailqueue.go)
	// okaeri sync and the other store commands run inside this process
	// while it holds the store (control.go).
	if stopControl, err := serveControl(ctx, a, *data, log); err != nil {
		// The portal works without it; only those commands must wait.
		log.Warn("okaeri sync and the other store commands cannot run beside this server", "err", err)
	} else {
		defer stopControl()
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer ln.Close()
	// Only the portal's own host names are answered (DNS rebinding): the
	// base URL's, and in --dev the loopback names on the port it listens on.
	port := 0
	if ta, ok := ln.Addr().(*net.TCPAddr); ok {
		port = ta.Port
	}
	routes := a.Routes()
	if *dev && *contentDir != "" {
		b, err := devCMS(ctx, a, *contentDir, *siteDir, *decapServer, *hugoBin, cfg.BaseURL, log)
		if err != nil {
			return err
		}
		defer b.stop()
		maps.Copy(routes, b.routes)
	}
	h, err := portal.New(portal.Config{SiteDir: *siteDir, OutboxDir: a.OutboxDir, Dev: *dev, Log: log,
		API: routes, IsMember: a.Accounts.IsMember, AllowedHosts: portal.Hosts(cfg.BaseURL, *dev, port)})
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	log.Info("okaeri serving", "url", cfg.BaseURL, "listen", ln.Addr().String(), "site", *siteDir, "store", storeKind(cfg.Store), "mail", cfg.Mail, "dev", *dev)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// Waitlist offers that lapse and event reminders run beside the server:
	// the embedded store allows one process at a time.
	go a.Events.RunSchedule(ctx, 5*time.Minute)
	// The lifecycle mails (profile nudge, yearly check) are due by the day.
	go a.Accounts.RunLifecycleSchedule(ctx, time.Hour)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func storeKind(spec string) string {
	for i, c := range spec {
		if c == ':' {
			return spec[:i]
		}
	}
	return spec
}
