package newsletter

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/mailtext"
	"github.com/okaeri/okaeri/functions/mail/sendgrid"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/waitctx"
)

// Config is the newsletter function's configuration.
type Config struct {
	BaseURL string       // the portal's public origin, for links
	From    mail.Address // the sender
	// Concurrency is how many requests to the mail service may be in
	// flight at once (default 4).
	Concurrency int
	// BatchSize is the most recipients per request (default and maximum
	// store.MaxBatchRecipients, SendGrid's limit).
	BatchSize int
	// MaxAttempts bounds the requests made for one batch across 429 and
	// 5xx answers before it is marked failed (default 8).
	MaxAttempts int
	// MaxWait caps one wait between attempts (default 2 minutes).
	MaxWait time.Duration
	// RequestTimeout is how long one request to the mail service may take
	// and be recorded (default 65s: the SendGrid client's 60s timeout and
	// the store writes): a run with a deadline stops taking new batches this
	// long before it.
	RequestTimeout time.Duration
	// Lease is how long a runner holds a send before another process may
	// take it over (default 2 minutes, renewed as batches complete).
	Lease time.Duration
	// Background makes POST /api/hr/newsletters/{slug}/send run the job in
	// this process (okaeri serve). Off on AWS Lambda, where the request only
	// marks the send and the scheduled newsletter function runs it.
	Background bool
	// Webhook verifies SendGrid's Event Webhook; nil refuses every event
	// (OKAERI_SENDGRID_WEBHOOK_KEY is not set).
	Webhook *sendgrid.WebhookVerifier
}

func (c Config) withDefaults() Config {
	if c.Concurrency <= 0 {
		c.Concurrency = 4
	}
	if c.BatchSize <= 0 || c.BatchSize > store.MaxBatchRecipients {
		c.BatchSize = store.MaxBatchRecipients
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.MaxWait <= 0 {
		c.MaxWait = 2 * time.Minute
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 65 * time.Second
	}
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	return c
}

// Service sends newsletters and handles their links and SendGrid's events.
type Service struct {
	Store  store.Store
	Sender mail.BulkSender
	Keys   *auth.Keyring
	Config Config
	Log    *slog.Logger
	Now    func() time.Time
	// Sleep waits between attempts; tests replace it to skip the waits.
	Sleep func(ctx context.Context, d time.Duration) error
	// Company is whose newsletter it is, for the frame and the sender
	// (core.Core.Company); nil is brand.Sample.
	Company func(context.Context) brand.Company

	mu      sync.Mutex
	running map[string]context.CancelFunc // sends this process is running
	jobs    sync.WaitGroup
}

// New builds a Service with defaults applied.
func New(st store.Store, sender mail.BulkSender, keys *auth.Keyring, cfg Config, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{Store: st, Sender: sender, Keys: keys, Config: cfg.withDefaults(), Log: log, Now: time.Now, Sleep: waitctx.Sleep}
}

// Errors the HTTP layer and the CLI tell apart.
var (
	// ErrRunning: another runner holds the send's lease.
	ErrRunning = errors.New("newsletter: this send is already running")
	// ErrNotSynced: the newsletter has no send yet (run okaeri sync).
	ErrNotSynced = errors.New("newsletter: not in the store yet; run okaeri newsletter sync (or okaeri sync) after adding it")
	// ErrChanged: the send was written after the version the caller
	// decided on (HR's page was out of date, or its form was posted twice).
	ErrChanged = errors.New("newsletter: the send has changed since it was read")
	// ErrNotRendered: the send was stored by an older version, without the
	// rendered newsletter the send job reads; okaeri sync renders it.
	ErrNotRendered = errors.New("newsletter: 配信用の本文がありません（以前のバージョンで登録されました）。okaeri sync をもう一度実行してください / " +
		"the send was stored by an older version and has no rendered email; run okaeri sync again")
)

// Prepare stores a newsletter, composed from its files' text by c, as a
// ready send, or refreshes a ready one with new words or a new rendering.
// A started send keeps the words it started with and their rendering; one
// stored by an older version without a rendering gets the rendering of
// its own frozen words. changed is false when nothing was written.
func (s *Service) Prepare(ctx context.Context, c Composer, slug string, sources map[string]string, actor string) (changed bool, err error) {
	d, err := c.Compose(slug, sources)
	if err != nil {
		return false, err
	}
	_, err = s.Store.CreateNewsletterSend(ctx, store.NewsletterSend{
		Slug: slug, Status: store.SendReady, Source: sources, Rendered: &d.Rendered, SendAt: d.SendAt, Actor: actor, CreatedAt: s.Now(),
	})
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, store.ErrAlreadyExists) {
		return false, fmt.Errorf("store newsletter %s: %w", slug, err)
	}
	_, err = s.Store.UpdateNewsletterSend(ctx, slug, func(old store.NewsletterSend) (store.NewsletterSend, error) {
		switch {
		case old.Status == store.SendReady:
			if maps.Equal(old.Source, sources) && sameRendering(old.Rendered, &d.Rendered) {
				return old, errUnchanged
			}
			old.Source, old.Rendered, old.SendAt = sources, &d.Rendered, d.SendAt
		case old.Rendered != nil:
			return old, errUnchanged // started: frozen
		case maps.Equal(old.Source, sources):
			old.Rendered = &d.Rendered
		default:
			frozen, err := c.Compose(slug, old.Source)
			if err != nil {
				return old, fmt.Errorf("the send started with an earlier text, which this version cannot read: %w", err)
			}
			old.Rendered = &frozen.Rendered
		}
		if old.Error == short(notRenderedError(slug)) {
			old.Error = "" // what it asked for is done
		}
		return old, nil
	})
	if errors.Is(err, errUnchanged) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store newsletter %s: %w", slug, err)
	}
	return true, nil
}

// sameRendering reports whether a stored rendering is r, as it would be stored.
func sameRendering(stored, r *store.RenderedNewsletter) bool {
	if stored == nil {
		return false
	}
	a, errA := json.Marshal(stored)
	b, errB := json.Marshal(r)
	return errA == nil && errB == nil && bytes.Equal(a, b)
}

// errUnchanged aborts an update that has nothing to write.
var errUnchanged = errors.New("unchanged")

// EraseMember implements account.Eraser: the member's deliveries and
// engagement events go, and their address leaves every batch.
func (s *Service) EraseMember(ctx context.Context, memberID string) error {
	if err := s.Store.EraseNewsletterMember(ctx, memberID); err != nil {
		return fmt.Errorf("erase newsletter data: %w", err)
	}
	return nil
}

// Wait blocks until every send this process started in the background has
// stopped (for a clean shutdown and for tests).
func (s *Service) Wait() { s.jobs.Wait() }

// renderConfig is the frame's configuration now: the company as the
// portal publishes it, the sender's name if the operator overrides it.
func (s *Service) renderConfig(ctx context.Context) RenderConfig {
	b := mailtext.BrandOf(ctx, s.Company, s.Config.BaseURL)
	return RenderConfig{BaseURL: s.Config.BaseURL, Company: b.Company, Sender: s.Config.From.Name}
}
