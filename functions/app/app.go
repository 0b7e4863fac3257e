// Package app builds Okaeri's dependencies from configuration: the store,
// the mailer, the session keys and every function's handler. `okaeri serve`
// and each Lambda main call it, so the wiring is written once.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/awsenv"
	"github.com/okaeri/okaeri/functions/blob"
	blobengine "github.com/okaeri/okaeri/functions/blob/engine"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/edge"
	"github.com/okaeri/okaeri/functions/event"
	"github.com/okaeri/okaeri/functions/idempotency"
	"github.com/okaeri/okaeri/functions/job"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/outbox"
	"github.com/okaeri/okaeri/functions/newsletter"
	"github.com/okaeri/okaeri/functions/prefs"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/engine"
)

// App is a configured Okaeri.
type App struct {
	Config    config.Config
	Store     store.Store
	Mailer    mail.Mailer
	Keys      *auth.Keyring
	Accounts  *account.Service
	Blobs     blob.Store     // résumés
	Jobs      *job.Service   // postings, applications, referrals
	Events    *event.Service // events, RSVPs, waitlist, reminders, check-in
	OutboxDir string
	Log       *slog.Logger
	Secure    bool

	// Newsletters sends newsletters and serves unsubscribe and SendGrid's webhook.
	Newsletters *newsletter.Service
	bulk        mail.BulkSender // newsletter batches: SendGrid, or the outbox one by one
}

// Options are what the process decides beyond environment variables.
type Options struct {
	DataDir string // local data folder (bolt file, outbox, session key)
	Dev     bool   // plain-http cookies
	// AWS finds the region and credentials for DynamoDB and S3: nil is the
	// Lambda environment (awsenv.FromEnv); the okaeri command passes the
	// SDK's default chain (awsenv/chain), which Lambdas do not link.
	AWS awsenv.Loader
	// RenderBio renders members' bios (bio.Render). Only what serves the
	// profile and directory pages passes it: it links goldmark.
	RenderBio func(md string) string
}

// New opens everything. Close releases it.
func New(ctx context.Context, cfg config.Config, opt Options, log *slog.Logger) (*App, error) {
	a := &App{Config: cfg, Log: log, Secure: !opt.Dev}
	st, err := engine.Open(ctx, engine.Config{Spec: cfg.Store, Region: cfg.AWSRegion, Endpoint: cfg.DynamoDBEndpoint, Log: log, AWS: opt.AWS})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	a.Store = st
	switch cfg.Mail {
	case "outbox":
		a.OutboxDir = filepath.Join(opt.DataDir, "outbox")
		if a.Mailer, err = outbox.New(a.OutboxDir, log); err != nil {
			st.Close()
			return nil, err
		}
		a.bulk = mail.OneByOne{Mailer: a.Mailer}
	case "sendgrid":
		if a.Mailer, a.bulk, err = sendGridMail(cfg, log); err != nil {
			st.Close()
			return nil, err
		}
	default:
		st.Close()
		return nil, errors.New("OKAERI_MAIL=" + cfg.Mail + " is not available yet; use outbox")
	}
	// Transactional mail skips hard-bounced addresses (newsletter.BounceGuard).
	a.Mailer = newsletter.BounceGuard{Next: a.Mailer, Suppressions: st, Log: log}
	if cfg.SessionKeys != "" {
		a.Keys, err = auth.ParseKeys(cfg.SessionKeys)
	} else {
		a.Keys, err = auth.LocalKeyring(opt.DataDir)
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	a.Accounts = account.New(st, a.Mailer, a.Keys, account.Config{
		BaseURL: cfg.BaseURL, From: mail.Address{Name: cfg.MailFromName, Email: cfg.MailFrom},
		PolicyVersion: cfg.PrivacyVersion, Approval: account.ApprovalMode(cfg.Approval), Admins: cfg.Admins,
		Rules:         account.Rules{MinTenureMonths: cfg.MinTenureMonths, ExcludedDepartments: cfg.ExcludedDepartments},
		SecureCookies: a.Secure, RenderBio: opt.RenderBio,
		RegisterPerAddress: account.Limit(cfg.LimitRegisterAddress), RegisterPerClient: account.Limit(cfg.LimitRegisterClient),
		LoginPerAddress: account.Limit(cfg.LimitLoginAddress), LoginPerClient: account.Limit(cfg.LimitLoginClient),
	}, log)
	if cfg.CloudFrontKeyID != "" || cfg.CloudFrontPrivateKey != "" {
		signer, err := edge.New(cfg.CloudFrontKeyID, cfg.CloudFrontPrivateKey, cfg.BaseURL, a.Secure)
		if err != nil {
			st.Close()
			return nil, err
		}
		a.Accounts.Edge = signer
	}
	if a.Blobs, err = blobengine.Open(ctx, blobengine.Config{Spec: cfg.Blobs, DataDir: opt.DataDir, Region: cfg.AWSRegion, AWS: opt.AWS}); err != nil {
		st.Close()
		return nil, fmt.Errorf("open blobs: %w", err)
	}
	a.Jobs = job.New(st, st, a.Blobs, a.Mailer, a.Accounts, job.Config{BaseURL: cfg.BaseURL,
		From: mail.Address{Name: cfg.MailFromName, Email: cfg.MailFrom}, Admins: cfg.Admins,
		ReferralsPerMember: job.Limit(cfg.LimitReferrals)}, log)
	a.Accounts.Erasers = append(a.Accounts.Erasers, a.Jobs)
	a.Events = event.New(st, a.Mailer, a.Keys, event.Config{BaseURL: cfg.BaseURL,
		From: mail.Address{Name: cfg.MailFromName, Email: cfg.MailFrom}, OfferTTL: time.Duration(cfg.OfferHours) * time.Hour}, log)
	a.Accounts.Erasers = append(a.Accounts.Erasers, a.Events)
	a.Accounts.Exporters = append(a.Accounts.Exporters, a.Events, a.Jobs)
	if err := a.wireNewsletters(cfg); err != nil {
		st.Close()
		return nil, err
	}
	return a, nil
}

// Close releases the store.
func (a *App) Close() error {
	if a.Newsletters != nil {
		a.Newsletters.Close() // background sends stop between batches
	}
	return a.Store.Close()
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
	// Keys are scoped to the session cookie (hashed), not looked up in the
	// store: the handler authenticates anyway, so one store read per request
	// is enough, and a forged cookie only scopes keys nobody else uses.
	idem := idempotency.Middleware(a.Store, idempotency.Options{Log: a.Log, Scope: func(r *http.Request) string {
		if c, err := r.Cookie(account.SessionCookie); err == nil {
			return store.HashToken(c.Value)
		}
		return ""
	}})
	for p, h := range routes {
		method, _, _ := strings.Cut(p, " ")
		switch method {
		case http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
			routes[p] = idem(h)
		}
	}
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
