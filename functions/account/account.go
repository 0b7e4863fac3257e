// Package account is the alumni's way in: registration with consent per
// purpose, email verification, approval (roster, manual or open), login by
// emailed link, sessions, and the member's own data.
package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/store"
)

// ApprovalMode decides what happens to a verified registration.
type ApprovalMode string

// Approval modes (OKAERI_APPROVAL).
const (
	ApprovalRoster ApprovalMode = "roster" // approve at once when the leaver roster matches; else HR decides
	ApprovalManual ApprovalMode = "manual" // HR approves every registration
	ApprovalOpen   ApprovalMode = "open"   // every verified registration is approved
)

// Limit is a fixed-window rate limit.
type Limit struct {
	Count  int
	Window time.Duration
}

// Config is the accounts function's configuration.
type Config struct {
	BaseURL       string // public origin, for links in emails
	From          mail.Address
	PolicyVersion string // the privacy policy version a registration must accept
	Approval      ApprovalMode
	Rules         Rules // eligibility rules for roster approval
	// Admins are OKAERI_ADMINS (normalized): a registration that verifies
	// one of these addresses is approved and granted HR's role, once; they
	// also get HR's notices. No right follows from them otherwise.
	Admins        []string
	SecureCookies bool

	VerifyTTL  time.Duration // verification link lifetime (default 24h)
	LoginTTL   time.Duration // login link lifetime (default 15m)
	WelcomeTTL time.Duration // the welcome mail's one-click login lifetime (default 72h)
	// DecisionDelay is how long the mail of HR's review decision waits in
	// the queue so that the decision can be undone first (at most
	// store.UndoWindow; 0: at once).
	DecisionDelay time.Duration
	SessionTTL    time.Duration // idle session lifetime, renewed while used (default 14 days)

	RegisterPerAddress Limit
	RegisterPerClient  Limit
	LoginPerAddress    Limit
	LoginPerClient     Limit

	// RenderBio turns a bio's Markdown into sanitized HTML when a member
	// saves it, to be stored beside it (store.Profile.BioHTML): bio.Render,
	// which only what saves profiles sets (the directory function, which
	// owns the profile, and the okaeri command), so that no other function
	// links goldmark. nil refuses to save a bio.
	RenderBio func(md string) string
}

// Defaults fills zero fields with the documented defaults.
func (c Config) Defaults() Config {
	if c.PolicyVersion == "" {
		c.PolicyVersion = "2026-04-01"
	}
	if c.Approval == "" {
		c.Approval = ApprovalRoster
	}
	if c.VerifyTTL == 0 {
		c.VerifyTTL = 24 * time.Hour
	}
	if c.LoginTTL == 0 {
		c.LoginTTL = 15 * time.Minute
	}
	if c.WelcomeTTL == 0 {
		c.WelcomeTTL = 72 * time.Hour
	}
	if c.SessionTTL == 0 {
		c.SessionTTL = 14 * 24 * time.Hour
	}
	def := func(l *Limit, n int, w time.Duration) {
		if l.Count == 0 {
			*l = Limit{n, w}
		}
	}
	def(&c.RegisterPerAddress, 3, time.Hour)
	def(&c.RegisterPerClient, 20, time.Hour)
	def(&c.LoginPerAddress, 5, 15*time.Minute)
	def(&c.LoginPerClient, 30, 15*time.Minute)
	return c
}

// Service holds the accounts logic; Handler puts it on HTTP.
type Service struct {
	Store  store.Store
	Mailer mail.Mailer
	Keys   *auth.Keyring
	Config Config
	Log    *slog.Logger
	Now    func() time.Time
	// Erasers remove a member's data held by other features on erasure.
	Erasers []Eraser
	// Exporters add other features' data to a member's export.
	Exporters []Exporter
	// Homes are other features' parts of a member's home (/api/me/home).
	Homes []HomePart
	// Defer queues address-dependent work of register and login to run
	// after the answer (queue.Mailer.Defer; the sender runs Tasks). nil
	// runs it in the request.
	Defer func(ctx context.Context, kind string, data any) error
	// DeferAt queues a task to run no sooner than at (queue.Mailer.DeferAt):
	// a review decision's mail waits out its undo window. nil sends at once.
	DeferAt func(ctx context.Context, kind string, data any, at time.Time) error
	// Company is the company the portal belongs to, for every email's
	// frame and sender (core.Core.Company); nil is brand.Sample.
	Company func(context.Context) brand.Company
	// Edge sets and clears the cookies a CDN checks before members-only
	// pages (CloudFront signed cookies on AWS); nil when nothing checks them.
	Edge EdgeCookies
}

// EdgeCookies are cookies that go and come with the session cookie.
type EdgeCookies interface {
	Set(w http.ResponseWriter, expires time.Time) error
	Clear(w http.ResponseWriter)
}

// New builds a Service with defaults applied.
func New(st store.Store, m mail.Mailer, keys *auth.Keyring, cfg Config, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{Store: st, Mailer: m, Keys: keys, Config: cfg.Defaults(), Log: log, Now: time.Now}
}

// send renders and sends one email; a failure is logged (without the
// address) and returned.
func (s *Service) send(ctx context.Context, to mail.Address, kind emailKind, lang string, d emailData) error {
	msg, err := s.email(ctx, to, kind, lang, d)
	if err != nil {
		return err
	}
	if err := s.Mailer.Send(ctx, msg); err != nil {
		s.Log.ErrorContext(ctx, "send mail", "kind", kind, "to_domain", to.Domain(), "err", err)
		return fmt.Errorf("send %s mail: %w", kind, err)
	}
	return nil
}

// audit appends an audit entry; the audit log names fields, never values.
func (s *Service) audit(ctx context.Context, actor, action, subject string, fields ...string) {
	if _, err := s.Store.AppendAudit(ctx, store.AuditEntry{At: s.Now(), Actor: actor, Action: action, Subject: subject, Fields: fields}); err != nil {
		s.Log.ErrorContext(ctx, "audit", "action", action, "err", err)
	}
}

// limit counts a hit on key and refuses past the limit with 429 and Retry-After.
func (s *Service) limit(ctx context.Context, key string, l Limit) error {
	now := s.Now()
	n, err := s.Store.HitRateLimit(ctx, key, l.Window, now)
	if err != nil {
		return httpapi.Internal(fmt.Errorf("rate limit: %w", err))
	}
	if n > l.Count {
		end := now.Truncate(l.Window).Add(l.Window)
		secs := int(end.Sub(now).Seconds()) + 1
		return &httpapi.Error{Code: httpapi.ERATELIMITED, Key: "rate_limited",
			Headers: http.Header{"Retry-After": {fmt.Sprint(secs)}}}
	}
	return nil
}

// clientKey identifies the client for rate limits without keeping its
// address: the client that httpapi.WithClientIP found around every route
// (core's Guard; X-Forwarded-For counts only from OKAERI_TRUSTED_PROXIES,
// read from the right), else the connection's own address. The first
// X-Forwarded-For entry is whatever the client wrote there.
// ClientKey names the request's client for rate limits: a hash of its
// address, never the address itself.
func ClientKey(r *http.Request) string {
	return store.EmailHash("client:" + httpapi.ClientIPOf(r))[:32]
}

// link builds an absolute link to the API with a token.
func (s *Service) link(path, token string, extra ...string) string {
	u := s.Config.BaseURL + path + "?token=" + token
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] != "" {
			u += "&" + extra[i] + "=" + urlEscape(extra[i+1])
		}
	}
	return u
}

// storeError maps store errors that reach the HTTP layer.
func storeError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return httpapi.Errorf(httpapi.ENOTFOUND, "not_found")
	case errors.Is(err, store.ErrInvalid):
		var fields []httpapi.FieldError
		for _, fe := range store.FieldErrors(err) {
			fields = append(fields, httpapi.FieldError{Field: fe.Field, Code: "format"})
		}
		return httpapi.Invalid(fields...)
	}
	return httpapi.Internal(err)
}
