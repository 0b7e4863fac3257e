// Package app builds Okaeri's dependencies from configuration: the store,
// the mailer, the session keys and every function's handler. `okaeri serve`
// and each Lambda main call it, so the wiring is written once.
package app

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/app/core"
	"github.com/okaeri/okaeri/functions/app/events"
	"github.com/okaeri/okaeri/functions/app/jobs"
	"github.com/okaeri/okaeri/functions/app/newsletters"
	"github.com/okaeri/okaeri/functions/blob"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/event"
	"github.com/okaeri/okaeri/functions/job"
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
	a, err := FromCore(ctx, c, opt)
	if err != nil {
		c.Close()
		return nil, err
	}
	return a, nil
}

// FromCore builds every feature on c.
func FromCore(ctx context.Context, c *core.Core, opt Options) (*App, error) {
	a := &App{Core: c}
	var err error
	if a.Jobs, err = jobs.New(ctx, c, opt); err != nil {
		return nil, err
	}
	a.Blobs = a.Jobs.Blobs
	a.Events = events.New(c)
	if a.Newsletters, err = newsletters.New(c); err != nil {
		return nil, err
	}
	// Erasure and export reach every feature's data.
	a.Accounts.Erasers = append(a.Accounts.Erasers, a.Jobs, a.Events, a.Newsletters)
	a.Accounts.Exporters = append(a.Accounts.Exporters, a.Events, a.Jobs, a.Newsletters)
	// The members' home shows the member's events, applications and referrals.
	a.Accounts.Homes = append(a.Accounts.Homes, a.Events, a.Jobs)
	return a, nil
}

// Close sends the mail this process queued and has not sent yet (a
// command such as okaeri member add, which runs no sender; at most
// closeDrain), then releases the store.
func (a *App) Close() error {
	if a.borrowed {
		return nil
	}
	if a.Newsletters != nil {
		a.Newsletters.Close() // background sends stop between batches
	}
	if a.MailSender != nil {
		ctx, cancel := context.WithTimeout(context.Background(), closeDrain)
		if _, err := a.MailSender.Drain(ctx); err != nil {
			a.Log.Warn("mail queue: not drained before closing; the next okaeri serve sends it", "err", err)
		}
		cancel()
	}
	return a.Core.Close()
}

// closeDrain bounds the mail Close sends: what is left waits in the queue
// for the next okaeri serve (or the mailer function on AWS).
const closeDrain = 30 * time.Second

// Routes is every function's routes, state-changing ones made idempotent
// under an Idempotency-Key header (scoped to the session).
func (a *App) Routes() map[string]http.Handler { return a.Idempotent(a.Handlers()) }

// Handlers is every function's routes as the features give them.
func (a *App) Handlers() map[string]http.Handler {
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
	return routes
}

// Handler serves one function's routes on their own (for a Lambda).
func Handler(routes map[string]http.Handler, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	for p, h := range routes {
		mux.Handle(p, h)
	}
	return mux
}
