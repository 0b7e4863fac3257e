package mail

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"strings"
	"time"
)

// MaxBulkRecipients is the most recipients one Bulk may have: SendGrid v3's
// documented maximum of personalizations per /v3/mail/send request.
const MaxBulkRecipients = 1000

// Bulk is one message to many recipients in one request to the mail
// service, personalized by substitution: each recipient's Substitutions are
// put in for their keys in Subject, Text and HTML.
type Bulk struct {
	ID         string // the batch id, for logs
	From       Address
	Subject    string
	Text       string
	HTML       string
	Headers    map[string]string // for every recipient
	Category   string
	Recipients []BulkRecipient
}

// BulkRecipient is one recipient of a Bulk.
type BulkRecipient struct {
	To            Address
	Substitutions map[string]string // key -> this recipient's value
	Headers       map[string]string // this recipient's own, e.g. List-Unsubscribe
	// Args come back with the service's events about this message
	// (SendGrid's custom_args), so a webhook can tell which batch and member
	// an event is about.
	Args map[string]string
}

// BulkReceipt is what the mail service answered to an accepted Bulk.
type BulkReceipt struct {
	MessageID string // SendGrid's X-Message-Id
}

// BulkSender hands a Bulk to the mail service in one attempt. It never
// retries: the caller records each attempt first, so that a crash can never
// make it send twice (see SendError).
type BulkSender interface {
	SendBulk(ctx context.Context, b Bulk) (BulkReceipt, error)
}

// SendError is a failed attempt, classified for the caller's retry rules.
type SendError struct {
	Status int // the HTTP status; 0 when there was no answer
	// Retryable: nothing was accepted and a later attempt may work (429,
	// 5xx, or a connection that failed before the request was sent).
	Retryable bool
	// Uncertain: the request was sent but no answer came back, so the
	// service may have accepted it. Sending it again could send twice.
	Uncertain bool
	// RetryAfter is how long the service asked to wait (429), or 0.
	RetryAfter time.Duration
	// Detail is the service's reason, without addresses.
	Detail string
	Err    error
}

func (e *SendError) Error() string {
	var b strings.Builder
	b.WriteString("mail service")
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Detail != "" {
		b.WriteString(": " + e.Detail)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	switch {
	case e.Uncertain:
		b.WriteString(" (no answer: it may have been accepted)")
	case e.Retryable:
		b.WriteString(" (retryable)")
	}
	return b.String()
}

func (e *SendError) Unwrap() error { return e.Err }

// Validate checks what every engine needs of a Bulk.
func (b Bulk) Validate() error {
	switch {
	case len(b.Recipients) == 0:
		return errors.Join(ErrInvalidMessage, errors.New("no recipients"))
	case len(b.Recipients) > MaxBulkRecipients:
		return errors.Join(ErrInvalidMessage, fmt.Errorf("%d recipients, at most %d per request", len(b.Recipients), MaxBulkRecipients))
	case strings.TrimSpace(b.Subject) == "" || strings.TrimSpace(b.Text) == "":
		return errors.Join(ErrInvalidMessage, errors.New("subject and text are required"))
	}
	if _, err := mail.ParseAddress(b.From.Email); err != nil {
		return errors.Join(ErrInvalidMessage, errors.New("bad sender"))
	}
	if err := checkHeaders(b.Headers); err != nil {
		return err
	}
	seen := make(map[string]bool, len(b.Recipients))
	for _, r := range b.Recipients {
		if _, err := mail.ParseAddress(r.To.Email); err != nil {
			return errors.Join(ErrInvalidMessage, errors.New("bad recipient"))
		}
		key := strings.ToLower(r.To.Email)
		if seen[key] {
			return errors.Join(ErrInvalidMessage, errors.New("a recipient appears twice"))
		}
		seen[key] = true
		if err := checkHeaders(r.Headers); err != nil {
			return err
		}
	}
	return nil
}

func checkHeaders(h map[string]string) error {
	for k, v := range h {
		if strings.ContainsAny(k+v, "\r\n") {
			return errors.Join(ErrInvalidMessage, errors.New("header with a line break"))
		}
	}
	return nil
}

// Expand turns a Bulk into one Message per recipient with the
// substitutions made, as the mail service would. Keys are replaced in one
// pass, so a value that happens to contain a key is left as it is.
func (b Bulk) Expand() []Message {
	out := make([]Message, 0, len(b.Recipients))
	for _, r := range b.Recipients {
		pairs := make([]string, 0, 2*len(r.Substitutions))
		for k, v := range r.Substitutions {
			pairs = append(pairs, k, v)
		}
		rep := strings.NewReplacer(pairs...)
		headers := maps.Clone(b.Headers)
		if headers == nil && len(r.Headers) > 0 {
			headers = map[string]string{}
		}
		maps.Copy(headers, r.Headers)
		out = append(out, Message{
			From: b.From, To: r.To, Subject: rep.Replace(b.Subject),
			Text: rep.Replace(b.Text), HTML: rep.Replace(b.HTML),
			Headers: headers, Category: b.Category,
		})
	}
	return out
}

// OneByOne sends a Bulk as separate messages through a Mailer: how the
// local outbox takes a newsletter. A failure part-way is Uncertain, because
// the recipients before it already have their copy.
type OneByOne struct{ Mailer Mailer }

// SendBulk implements BulkSender.
func (o OneByOne) SendBulk(ctx context.Context, b Bulk) (BulkReceipt, error) {
	if err := b.Validate(); err != nil {
		return BulkReceipt{}, &SendError{Detail: "invalid bulk message", Err: err}
	}
	for i, m := range b.Expand() {
		if err := o.Mailer.Send(ctx, m); err != nil {
			return BulkReceipt{}, &SendError{Uncertain: i > 0, Retryable: i == 0, Err: err}
		}
	}
	return BulkReceipt{}, nil
}
