package newsletter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/sendgrid"
	"github.com/okaeri/okaeri/functions/store"
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

	mu      sync.Mutex
	running map[string]context.CancelFunc // sends this process is running
	jobs    sync.WaitGroup
}

// New builds a Service with defaults applied.
func New(st store.Store, sender mail.BulkSender, keys *auth.Keyring, cfg Config, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{Store: st, Sender: sender, Keys: keys, Config: cfg.withDefaults(), Log: log, Now: time.Now, Sleep: sleep}
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Errors the HTTP layer and the CLI tell apart.
var (
	// ErrRunning: another runner holds the send's lease.
	ErrRunning = errors.New("newsletter: this send is already running")
	// ErrNotSynced: the newsletter has no send yet (run okaeri sync).
	ErrNotSynced = errors.New("newsletter: not in the store yet; run okaeri newsletter sync (or okaeri sync) after adding it")
)

// Sync puts every newsletter under contentDir in the store as a ready send,
// or refreshes its text while it is still ready (a started send keeps the
// words it started with). It returns the slugs it wrote.
func (s *Service) Sync(ctx context.Context, contentDir string) ([]string, error) {
	slugs, err := List(contentDir)
	if err != nil {
		return nil, err
	}
	var written []string
	var errs []error
	for _, slug := range slugs {
		n, sources, err := Load(contentDir, slug)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		changed, err := s.put(ctx, n, sources, "sync")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if changed {
			written = append(written, slug)
		}
	}
	return written, errors.Join(errs...)
}

// put stores a newsletter as a ready send, or refreshes a ready one.
// changed is false when the stored send already has this text or has started.
func (s *Service) put(ctx context.Context, n *Newsletter, sources map[string]string, actor string) (changed bool, err error) {
	_, err = s.Store.CreateNewsletterSend(ctx, store.NewsletterSend{
		Slug: n.Slug, Status: store.SendReady, Source: sources, SendAt: n.SendAt, Actor: actor, CreatedAt: s.Now(),
	})
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, store.ErrAlreadyExists) {
		return false, fmt.Errorf("store newsletter %s: %w", n.Slug, err)
	}
	_, err = s.Store.UpdateNewsletterSend(ctx, n.Slug, func(old store.NewsletterSend) (store.NewsletterSend, error) {
		changed = false
		if old.Status != store.SendReady || maps.Equal(old.Source, sources) {
			return old, errUnchanged
		}
		changed = true
		old.Source, old.SendAt = sources, n.SendAt
		return old, nil
	})
	if errors.Is(err, errUnchanged) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store newsletter %s: %w", n.Slug, err)
	}
	return changed, nil
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
