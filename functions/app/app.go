// Package app builds Okaeri's dependencies from configuration: the store,
// the mailer, the session keys and every function's handler. `okaeri serve`
// and each Lambda main call it, so the wiring is written once.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/app/core"
	"github.com/okaeri/okaeri/functions/blob"
	blobengine "github.com/okaeri/okaeri/functions/blob/engine"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/event"
	"github.com/okaeri/okaeri/functions/job"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/newsletter"
	"github.com/okaeri/okaeri/functions/prefs"
)

// App is a configured Okaeri: the core (store, mail, keys, accounts) and
// every feature's service.
type App struct {
	*core.Core
	Blobs  blob.Store     // résumés
	Jobs   *job.Service   // postings, applications, referrals
	Events *event.Service // events, RSVPs, waitlist, reminders, check-in

	// Newsletters sends newsletters and serves unsubscribe and SendGrid's webhook.
	Newsletters *newsletter.Service

	borrowed bool // Close does nothing: the app is another's (Borrow)
}

// Borrow returns the app for a caller that will Close it without owning
// it: a command run inside a running okaeri serve, on the server's store.
func (a *App) Borrow() *App {
	b := *a
	b.borrowed = true
	return &b
}

// Options are what the process decides beyond environment variables.
type Options = core.Options

// New opens everything. Close releases it.
func New(ctx context.Context, cfg config.Config, opt Options, log *slog.Logger) (*App, error) {
	c, err := core.New(ctx, cfg, opt, log)
	if err != nil {
		return nil, err
	}
	a := &App{Core: c}
	if a.Blobs, err = blobengine.Open(ctx, blobengine.Config{Spec: cfg.Blobs, DataDir: opt.DataDir, Region: cfg.AWSRegion, AWS: opt.AWS}); err != nil {
		c.Close()
		return nil, fmt.Errorf("open blobs: %w", err)
	}
	st := c.Store
	a.Jobs = job.New(st, st, a.Blobs, a.Mailer, a.Accounts, job.Config{BaseURL: cfg.BaseURL,
		From: mail.Address{Name: cfg.MailFromName, Email: cfg.MailFrom}, Admins: cfg.Admins,
		ReferralsPerMember: job.Limit(cfg.LimitReferrals)}, log)
	a.Accounts.Erasers = append(a.Accounts.Erasers, a.Jobs)
	a.Events = event.New(st, a.Mailer, a.Keys, event.Config{BaseURL: cfg.BaseURL,
		From: mail.Address{Name: cfg.MailFromName, Email: cfg.MailFrom}, OfferTTL: time.Duration(cfg.OfferHours) * time.Hour}, log)
	a.Accounts.Erasers = append(a.Accounts.Erasers, a.Events)
	a.Accounts.Exporters = append(a.Accounts.Exporters, a.Events, a.Jobs)
	if err := a.wireNewsletters(cfg); err != nil {
		c.Close()
		return nil, err
	}
	return a, nil
}

// Close releases the store.
func (a *App) Close() error {
	if a.borrowed {
		return nil
	}
	if a.Newsletters != nil {
		a.Newsletters.Close() // background sends stop between batches
	}
	return a.Core.Close()
}

// Routes is every function's routes, state-changing ones made idempotent
// under an Idempotency-Key header (scoped to the session).
func (a *App) Routes() map[string]http.Handler {
	routes := map[string]http.Handler{}
	add := func(m map[string]http.Handler) {
		for p, h := range m {
			routes[p] = h
		}
	}
	add((&prefs.Handler{Log: a.Log, Secure: a.Secure}).Routes())
	add(account.Handler{S: a.Accounts}.Routes())
	add(job.Handler{S: a.Jobs}.Routes())
	add(event.Handler{S: a.Events, Accounts: a.Accounts}.Routes())
	add(newsletter.Handler{S: a.Newsletters, Accounts: a.Accounts}.Routes())
	return a.Idempotent(routes)
}

// Handler serves one function's routes on their own (for a Lambda).
func Handler(routes map[string]http.Handler, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	for p, h := range routes {
		mux.Handle(p, h)
	}
	return mux
}
