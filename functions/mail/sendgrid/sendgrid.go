// Package sendgrid is the SendGrid mail engine: transactional messages and
// newsletter batches through the v3 Mail Send API (/v3/mail/send), and the
// signature check of SendGrid's Event Webhook.
//
// It uses github.com/sendgrid/sendgrid-go for the request body types
// (helpers/mail: SGMailV3, Personalization) and the Event Webhook signature
// check (helpers/eventwebhook), and its rest client with our own
// http.Client. Retries are ours, not the library's (its
// MakeRequestRetry sleeps without a context and retries only 429), because
// a newsletter batch must record each attempt before making it: SendGrid v3
// has no idempotency key, so a request whose answer was lost may have been
// accepted and must never be sent again blindly.
package sendgrid

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sendgrid/rest"
	sgmail "github.com/sendgrid/sendgrid-go/helpers/mail"

	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/waitctx"
)

// DefaultBaseURL is SendGrid's API origin.
const DefaultBaseURL = "https://api.sendgrid.com"

// SendPath is the v3 Mail Send endpoint.
const SendPath = "/v3/mail/send"

// Config configures a Client.
type Config struct {
	APIKey  string
	BaseURL string // default DefaultBaseURL; tests and staging point elsewhere
	// HTTPClient makes the requests (default: 60s timeout; a request of
	// 1,000 personalizations can take SendGrid several seconds).
	HTTPClient *http.Client
	// MaxAttempts bounds the attempts of one transactional message (default 4).
	MaxAttempts int
	// MaxWait caps one wait between transactional attempts (default 30s).
	MaxWait time.Duration
	Log     *slog.Logger
	Now     func() time.Time
}

// Client sends mail through SendGrid. It implements mail.Mailer and
// mail.BulkSender and is safe for concurrent use.
type Client struct {
	cfg  Config
	rest *rest.Client
}

var (
	_ mail.Mailer     = (*Client)(nil)
	_ mail.BulkSender = (*Client)(nil)
)

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, errors.New("sendgrid: no API key (SENDGRID_API_KEY)")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if !strings.HasPrefix(cfg.BaseURL, "https://") && !strings.HasPrefix(cfg.BaseURL, "http://") {
		return nil, errors.New("sendgrid: the base URL must start with https:// or http://")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 4
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 30 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Client{cfg: cfg, rest: &rest.Client{HTTPClient: cfg.HTTPClient}}, nil
}

// Send implements mail.Mailer for transactional mail: one personalization,
// retried on 429 (after the wait SendGrid asks for) and 5xx with backoff,
// never when the request may have been accepted.
func (c *Client) Send(ctx context.Context, m mail.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	body := newRequest(m.From, m.Subject, m.Text, m.HTML, m.Category)
	p := sgmail.NewPersonalization()
	p.AddTos(sgmail.NewEmail(m.To.Name, m.To.Email))
	for k, v := range m.Headers {
		p.SetHeader(k, v)
	}
	body.AddPersonalizations(p)
	for attempt := 1; ; attempt++ {
		_, err := c.post(ctx, body)
		var se *mail.SendError
		if err == nil || !errors.As(err, &se) || !se.Retryable || attempt >= c.cfg.MaxAttempts {
			if err != nil {
				c.cfg.Log.WarnContext(ctx, "sendgrid: send failed", "category", m.Category, "to_domain", m.To.Domain(), "attempts", attempt, "err", err)
			}
			return err
		}
		wait := Backoff(attempt, se.RetryAfter, c.cfg.MaxWait)
		c.cfg.Log.InfoContext(ctx, "sendgrid: retrying", "category", m.Category, "status", se.Status, "attempt", attempt, "wait", wait)
		if err := waitctx.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// SendBulk implements mail.BulkSender: one request with one personalization
// per recipient, tried once.
func (c *Client) SendBulk(ctx context.Context, b mail.Bulk) (mail.BulkReceipt, error) {
	if err := b.Validate(); err != nil {
		return mail.BulkReceipt{}, &mail.SendError{Detail: "invalid bulk message", Err: err}
	}
	return c.post(ctx, BulkRequest(b))
}

// BulkRequest is the v3 request body for a Bulk.
func BulkRequest(b mail.Bulk) *sgmail.SGMailV3 {
	body := newRequest(b.From, b.Subject, b.Text, b.HTML, b.Category)
	for k, v := range b.Headers {
		body.SetHeader(k, v)
	}
	for _, r := range b.Recipients {
		p := sgmail.NewPersonalization()
		p.AddTos(sgmail.NewEmail(r.To.Name, r.To.Email))
		for k, v := range r.Substitutions {
			p.SetSubstitution(k, v)
		}
		for k, v := range r.Headers {
			p.SetHeader(k, v)
		}
		for k, v := range r.Args {
			p.SetCustomArg(k, v)
		}
		body.AddPersonalizations(p)
	}
	return body
}

// newRequest is a v3 body with sender, subject and content: text/plain
// first, as SendGrid requires.
func newRequest(from mail.Address, subject, text, html, category string) *sgmail.SGMailV3 {
	body := sgmail.NewV3Mail()
	body.SetFrom(sgmail.NewEmail(from.Name, from.Email))
	body.Subject = subject
	body.AddContent(sgmail.NewContent("text/plain", text))
	if html != "" {
		body.AddContent(sgmail.NewContent("text/html", html))
	}
	if category != "" {
		body.AddCategories(category)
	}
	return body
}

// post makes one request and classifies the outcome.
func (c *Client) post(ctx context.Context, body *sgmail.SGMailV3) (mail.BulkReceipt, error) {
	req := rest.Request{
		Method:  rest.Post,
		BaseURL: c.cfg.BaseURL + SendPath,
		Headers: map[string]string{
			"Authorization": "Bearer " + c.cfg.APIKey,
			"Content-Type":  "application/json",
			"User-Agent":    "okaeri",
		},
		Body: sgmail.GetRequestBody(body),
	}
	// Whether the whole request went out decides what a lost answer means.
	var wrote atomic.Bool
	traced := httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(info httptrace.WroteRequestInfo) {
			if info.Err == nil {
				wrote.Store(true)
			}
		},
	})
	resp, err := c.rest.SendWithContext(traced, req)
	if resp == nil || resp.StatusCode == 0 {
		if err == nil {
			err = errors.New("no answer")
		}
		if wrote.Load() {
			return mail.BulkReceipt{}, &mail.SendError{Uncertain: true, Err: err}
		}
		return mail.BulkReceipt{}, &mail.SendError{Retryable: ctx.Err() == nil, Err: err}
	}
	switch s := resp.StatusCode; {
	case s >= 200 && s < 300:
		return mail.BulkReceipt{MessageID: header(resp.Headers, "X-Message-Id")}, nil
	case s == http.StatusTooManyRequests:
		return mail.BulkReceipt{}, &mail.SendError{Status: s, Retryable: true, RetryAfter: retryAfter(resp.Headers, c.cfg.Now()), Detail: "rate limited"}
	case s >= 500:
		return mail.BulkReceipt{}, &mail.SendError{Status: s, Retryable: true, Detail: errorDetail(resp.Body)}
	default:
		return mail.BulkReceipt{}, &mail.SendError{Status: s, Detail: errorDetail(resp.Body)}
	}
}

func header(h map[string][]string, name string) string {
	if v := http.Header(h).Values(name); len(v) > 0 {
		return v[0]
	}
	return ""
}

// retryAfter reads how long SendGrid asks to wait: Retry-After (seconds) or
// X-RateLimit-Reset (the Unix time the window resets); 0 if neither.
func retryAfter(h map[string][]string, now time.Time) time.Duration {
	if s := header(h, "Retry-After"); s != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
		if t, err := http.ParseTime(s); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	if s := header(h, "X-RateLimit-Reset"); s != "" {
		if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil {
			return max(time.Unix(n, 0).Sub(now), 0)
		}
	}
	return 0
}

// Backoff is the wait before attempt+1: what the service asked for if it
// said, else exponential from 500ms with full jitter; at most maxWait.
func Backoff(attempt int, asked, maxWait time.Duration) time.Duration {
	if asked > 0 {
		return min(asked, maxWait)
	}
	ceiling := 500 * time.Millisecond << min(attempt-1, 10)
	return min(rand.N(ceiling)+ceiling/2, maxWait)
}

// addressPattern finds things that look like addresses, to keep them out
// of errors and logs.
var addressPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[^\s"'<>(),;:]+@[^\s"'<>(),;:]+`) })

// errorDetail summarizes SendGrid's {"errors":[{"message","field"}]} answer
// without any address it may echo.
func errorDetail(body string) string {
	var parsed struct {
		Errors []struct {
			Message string  `json:"message"`
			Field   *string `json:"field"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &parsed); err != nil || len(parsed.Errors) == 0 {
		return ""
	}
	var parts []string
	for i, e := range parsed.Errors {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("and %d more", len(parsed.Errors)-3))
			break
		}
		msg := addressPattern().ReplaceAllString(e.Message, "<address>")
		if e.Field != nil && *e.Field != "" {
			msg = *e.Field + ": " + msg
		}
		parts = append(parts, msg)
	}
	return strings.Join(parts, "; ")
}
