// Package queue sends mail after the answer: Mailer puts each message in
// the store's mail queue (one write, the same for any message, so a request
// answers in the same time whoever the address belongs to), and Sender
// takes them out and hands them to the real mailer.
//
// Where the sender runs:
//   - okaeri serve runs Sender.Run beside the server; the Mailer kicks it
//     after each enqueue, so mail leaves within milliseconds of the answer.
//   - A command run outside the server (okaeri member add, demo) drains the
//     queue once when it closes the app (app.App.Close).
//   - On AWS the mailer function drains it, started by the table's stream
//     on each new item and by a schedule every 5 minutes (retries).
//
// Delivery is at least once: a sender that crashes between the mail
// service's acceptance and its DeleteMail leaves the item leased, and once
// the lease lapses another sender sends it again. A crash before that never
// loses it: the item stays in the store until it is sent, given up (a
// permanent error, or MaxAttempts) or expired (TTL, 3 days).
package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/store"
)

// DefaultTTL is how long a message waits in the queue before it is given
// up: long enough for the mail service to come back from an outage.
const DefaultTTL = 72 * time.Hour

// payloadVersion is the version of the JSON a queued item carries.
const payloadVersion = 1

// payload is a mail.Message as the queue stores it. Every field of
// mail.Message is here (a test checks it), with names of its own so that
// renaming a Go field does not strand what is queued.
type payload struct {
	V        int               `json:"v"`
	From     address           `json:"from"`
	To       address           `json:"to"`
	Subject  string            `json:"subject"`
	Text     string            `json:"text"`
	HTML     string            `json:"html,omitempty"`
	Headers  map[string]string `json:"headers,omitempty"`
	Category string            `json:"category,omitempty"`
	// Task, when set, makes the item work to do rather than a message.
	Task *taskPayload `json:"task,omitempty"`
}

// taskPayload is a deferred task: its kind names the handler.
type taskPayload struct {
	Kind string          `json:"kind"`
	Data json.RawMessage `json:"data"`
}

type address struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email"`
}

// Encode turns a message into a queued item's payload.
func Encode(m mail.Message) ([]byte, error) {
	return json.Marshal(payload{
		V:    payloadVersion,
		From: address(m.From), To: address(m.To),
		Subject: m.Subject, Text: m.Text, HTML: m.HTML, Headers: m.Headers, Category: m.Category,
	})
}

// Decode reads a payload written by Encode.
func Decode(data []byte) (mail.Message, error) {
	var p payload
	if err := json.Unmarshal(data, &p); err != nil {
		return mail.Message{}, fmt.Errorf("queue: decode: %w", err)
	}
	if p.V != payloadVersion {
		return mail.Message{}, fmt.Errorf("queue: payload version %d, this okaeri reads %d", p.V, payloadVersion)
	}
	return mail.Message{
		From: mail.Address(p.From), To: mail.Address(p.To),
		Subject: p.Subject, Text: p.Text, HTML: p.HTML, Headers: p.Headers, Category: p.Category,
	}, nil
}

// TaskFunc does a deferred task. An error wrapping ErrPermanent drops the
// task; any other is retried with the backoff, like a failed send.
type TaskFunc func(ctx context.Context, data []byte) error

// ErrPermanent marks a task's error that no retry can mend.
var ErrPermanent = errors.New("queue: permanent")

// Mailer implements mail.Mailer by queueing: Send validates the message,
// writes it to the queue and returns; it never talks to the mail service.
type Mailer struct {
	Queue store.MailQueue
	// Sender, when one runs in this process, is kicked after each enqueue.
	Sender *Sender
	TTL    time.Duration // default DefaultTTL
	Now    func() time.Time
}

var _ mail.Mailer = (*Mailer)(nil)

// NewMailer queues into q and kicks s (which may be nil).
func NewMailer(q store.MailQueue, s *Sender) *Mailer {
	return &Mailer{Queue: q, Sender: s, TTL: DefaultTTL, Now: time.Now}
}

// Send implements mail.Mailer: one store write. A message the mail service
// could never take (mail.ErrInvalidMessage) is refused here, at once, as
// the mailer behind would have.
func (m *Mailer) Send(ctx context.Context, msg mail.Message) error {
	if err := msg.Validate(); err != nil {
		return err
	}
	data, err := Encode(msg)
	if err != nil {
		return err
	}
	return m.enqueue(ctx, data, "queue mail", time.Time{})
}

// Defer queues a task (kind names a handler given to Sender.Handle) with
// its data as JSON: one store write whatever the task will do, so that a
// request that defers its address-dependent work answers in the same time
// for any address. The task runs after the answer, at least once.
func (m *Mailer) Defer(ctx context.Context, kind string, data any) error {
	return m.DeferAt(ctx, kind, data, time.Time{})
}

// DeferAt queues a task like Defer that runs no sooner than at (zero: at
// once): what a decision sends once it can no longer be undone. The
// task's handler reads the records again, so a task whose reason has
// gone by then can decide to do nothing.
func (m *Mailer) DeferAt(ctx context.Context, kind string, data any, at time.Time) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("queue task %s: %w", kind, err)
	}
	payload, err := json.Marshal(payload{V: payloadVersion, Task: &taskPayload{Kind: kind, Data: raw}})
	if err != nil {
		return fmt.Errorf("queue task %s: %w", kind, err)
	}
	return m.enqueue(ctx, payload, "queue task "+kind, at)
}

func (m *Mailer) enqueue(ctx context.Context, data []byte, op string, at time.Time) error {
	now := time.Now()
	if m.Now != nil {
		now = m.Now()
	}
	ttl := m.TTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	it := store.QueuedMail{Payload: data, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if at.After(now) {
		it.LeaseUntil, it.ExpiresAt = at, at.Add(ttl)
	}
	if _, err := m.Queue.EnqueueMail(ctx, it); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if m.Sender != nil {
		m.Sender.Kick()
	}
	return nil
}

// Sender drains the queue into the real mailer.
type Sender struct {
	Queue store.MailQueue
	Next  mail.Mailer
	Log   *slog.Logger
	Now   func() time.Time
	// Lease is how long a claimed item is left to its sender before
	// another may take it (default 5 minutes). Each send is given at most
	// half of it, so a live sender never loses its claim.
	Lease time.Duration
	// Parallel is how many items one claim takes and sends at once
	// (default 4): a claimed item's send starts at once, inside its lease.
	Parallel int
	// Interval is how often Run looks for retries that have come due
	// (default 10 s).
	Interval time.Duration
	// MaxAttempts: after that many failed attempts an item is given up
	// (default 24: with Backoff, about 17 hours of retries).
	MaxAttempts int
	// Backoff is the wait after a failed attempt (default: 30 s doubling
	// up to an hour, with jitter).
	Backoff func(attempts int) time.Duration
	// Tasks are the handlers of deferred tasks by kind (Handle).
	Tasks map[string]TaskFunc

	kick chan struct{}
	once sync.Once
}

// NewSender returns a Sender with the defaults.
func NewSender(q store.MailQueue, next mail.Mailer, log *slog.Logger) *Sender {
	return &Sender{Queue: q, Next: next, Log: log}
}

func (s *Sender) init() {
	s.once.Do(func() {
		s.kick = make(chan struct{}, 1)
		if s.Log == nil {
			s.Log = slog.New(slog.DiscardHandler)
		}
		if s.Now == nil {
			s.Now = time.Now
		}
		if s.Lease <= 0 {
			s.Lease = 5 * time.Minute
		}
		if s.Parallel <= 0 {
			s.Parallel = 4
		}
		s.Parallel = min(s.Parallel, store.MaxMailClaim)
		if s.Interval <= 0 {
			s.Interval = 10 * time.Second
		}
		if s.MaxAttempts <= 0 {
			s.MaxAttempts = 24
		}
		if s.Backoff == nil {
			s.Backoff = DefaultBackoff
		}
	})
}

// Handle makes fn the handler of deferred tasks of this kind. Call it
// before Run or Drain.
func (s *Sender) Handle(kind string, fn TaskFunc) {
	if s.Tasks == nil {
		s.Tasks = map[string]TaskFunc{}
	}
	s.Tasks[kind] = fn
}

// DefaultBackoff waits 30 s after the first failed attempt, doubling up to
// an hour, each wait between 75% and 125% of that so retries spread out.
func DefaultBackoff(attempts int) time.Duration {
	d := min(30*time.Second<<min(max(attempts-1, 0), 8), time.Hour)
	return d*3/4 + rand.N(d/2+1)
}

// Kick wakes Run at once; it never blocks, and does nothing when no Run is
// waiting (a wake-up already pending is enough).
func (s *Sender) Kick() {
	s.init()
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Run drains the queue at start (what a crash left), on every Kick and
// every Interval, until ctx ends.
func (s *Sender) Run(ctx context.Context) {
	s.init()
	t := time.NewTicker(s.Interval)
	defer t.Stop()
	for {
		if _, err := s.Drain(ctx); err != nil && ctx.Err() == nil {
			s.Log.ErrorContext(ctx, "mail queue: drain failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
		case <-t.C:
		}
	}
}

// Report is what one Drain did.
type Report struct {
	Sent    int `json:"sent"`
	Retried int `json:"retried"` // failed, to be tried again later
	Dropped int `json:"dropped"` // given up: a permanent error, too many attempts, unreadable
}

// Drain sends every item that is due, claim by claim, until none is left
// or ctx ends. Mail that fails is given back with a backoff, not retried
// in this Drain. The error is the store's; the mail service's failures are
// counted in the report and logged.
func (s *Sender) Drain(ctx context.Context) (Report, error) {
	s.init()
	var (
		r  Report
		mu sync.Mutex
	)
	for ctx.Err() == nil {
		items, err := s.Queue.ClaimMail(ctx, s.Now(), s.Lease, s.Parallel)
		if len(items) == 0 {
			if err != nil {
				return r, err
			}
			break
		}
		var wg sync.WaitGroup
		for _, it := range items {
			wg.Go(func() {
				outcome := s.sendOne(ctx, it)
				mu.Lock()
				switch outcome {
				case sent:
					r.Sent++
				case retried:
					r.Retried++
				case dropped:
					r.Dropped++
				}
				mu.Unlock()
			})
		}
		wg.Wait()
		if err != nil {
			return r, err // what it did claim is settled first
		}
	}
	return r, nil
}

type outcome int

const (
	sent outcome = iota
	retried
	dropped
)

// sendOne sends one claimed item and settles it. Logs carry the item's id,
// the category and the attempt: never an address or a subject.
func (s *Sender) sendOne(ctx context.Context, it store.QueuedMail) outcome {
	var task struct {
		Task *taskPayload `json:"task"`
	}
	if json.Unmarshal(it.Payload, &task) == nil && task.Task != nil {
		return s.runTask(ctx, it, *task.Task)
	}
	msg, err := Decode(it.Payload)
	if err != nil {
		s.Log.ErrorContext(ctx, "mail queue: unreadable item dropped", "id", it.ID, "err", err)
		s.delete(ctx, it)
		return dropped
	}
	sendCtx, cancel := context.WithTimeout(ctx, s.Lease/2)
	err = s.Next.Send(sendCtx, msg)
	cancel()
	return s.settle(ctx, it, msg.Category, err)
}

// runTask runs a deferred task and settles it as a send is settled.
func (s *Sender) runTask(ctx context.Context, it store.QueuedMail, t taskPayload) outcome {
	fn := s.Tasks[t.Kind]
	if fn == nil {
		s.Log.ErrorContext(ctx, "mail queue: no handler for a task; dropped", "id", it.ID, "task", t.Kind)
		s.delete(ctx, it)
		return dropped
	}
	runCtx, cancel := context.WithTimeout(ctx, s.Lease/2)
	err := fn(runCtx, t.Data)
	cancel()
	if errors.Is(err, ErrPermanent) {
		s.Log.ErrorContext(ctx, "mail queue: task failed for good; dropped", "id", it.ID, "task", t.Kind, "err", err)
		s.delete(ctx, it)
		return dropped
	}
	return s.settle(ctx, it, "task:"+t.Kind, err)
}

// settle deletes a done item, drops a hopeless one, or schedules a retry.
func (s *Sender) settle(ctx context.Context, it store.QueuedMail, category string, err error) outcome {
	if err == nil {
		s.delete(ctx, it)
		return sent
	}
	attrs := []any{"id", it.ID, "category", category, "attempt", it.Attempts, "err", err}
	switch {
	case Permanent(err):
		s.Log.ErrorContext(ctx, "mail queue: the mail service refused the message; dropped", attrs...)
		s.delete(ctx, it)
		return dropped
	case it.Attempts >= s.MaxAttempts:
		s.Log.ErrorContext(ctx, "mail queue: too many attempts; dropped", attrs...)
		s.delete(ctx, it)
		return dropped
	}
	wait := s.Backoff(it.Attempts)
	var se *mail.SendError
	if errors.As(err, &se) && se.RetryAfter > wait {
		wait = se.RetryAfter
	}
	s.Log.WarnContext(ctx, "mail queue: send failed; will retry", append(attrs, "wait", wait)...)
	// The store's context, not ctx: a drain cut short must still give the
	// item back (else it waits out its lease).
	if err := s.Queue.RetryMail(context.WithoutCancel(ctx), it, s.Now().Add(wait)); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.Log.WarnContext(ctx, "mail queue: could not schedule the retry; it comes back after its lease", "id", it.ID, "err", err)
	}
	return retried
}

func (s *Sender) delete(ctx context.Context, it store.QueuedMail) {
	// Sent already: removing it must not depend on ctx ending just now.
	if err := s.Queue.DeleteMail(context.WithoutCancel(ctx), it); err != nil && !errors.Is(err, store.ErrNotFound) {
		// At least once: it will be sent again after its lease.
		s.Log.ErrorContext(ctx, "mail queue: could not remove a sent item; it may be sent again", "id", it.ID, "err", err)
	}
}

// Permanent reports whether a mailer's error means the message can never
// be sent as it is: an invalid message, or the mail service's 400 or 413.
// Everything else (429, 5xx, no answer, a refused API key, an outbox that
// cannot write) may pass and is retried.
func Permanent(err error) bool {
	if errors.Is(err, mail.ErrInvalidMessage) {
		return true
	}
	var se *mail.SendError
	if errors.As(err, &se) && !se.Retryable && !se.Uncertain {
		return se.Status == 400 || se.Status == 413
	}
	return false
}
