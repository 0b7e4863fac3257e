package queue_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/queue"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
)

var t0 = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)

// clock is a settable now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// recorder is a mailer that records what it sends and fails while fail
// says so.
type recorder struct {
	mu   sync.Mutex
	sent []mail.Message
	// fail, when set, is asked before each send; a non-nil error fails it.
	fail  func(n int) error
	calls int
}

func (r *recorder) Send(ctx context.Context, m mail.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.fail != nil {
		if err := r.fail(r.calls); err != nil {
			return err
		}
	}
	r.sent = append(r.sent, m)
	return nil
}

func (r *recorder) Sent() []mail.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]mail.Message(nil), r.sent...)
}

func newStore(t *testing.T) store.Store {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "okaeri.db"), &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func message(n int) mail.Message {
	return mail.Message{
		From:     mail.Address{Name: "アルムナイ事務局", Email: "alumni@example.co.jp"},
		To:       mail.Address{Name: "山田 花子", Email: fmt.Sprintf("hanako%d@example.com", n)},
		Subject:  "ログインのご案内",
		Text:     "こちらからログインしてください: https://alumni.example.co.jp/api/login/callback?token=secret",
		HTML:     `<p>こちらから<a href="https://alumni.example.co.jp/">ログイン</a></p>`,
		Headers:  map[string]string{"List-Unsubscribe": "<https://alumni.example.co.jp/u>"},
		Category: "login",
	}
}

type fixture struct {
	st     store.Store
	clock  *clock
	next   *recorder
	mailer *queue.Mailer
	sender *queue.Sender
	logs   *bytes.Buffer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{st: newStore(t), clock: &clock{now: t0}, next: &recorder{}, logs: &bytes.Buffer{}}
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: f.logs}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	f.sender = queue.NewSender(f.st, f.next, log)
	f.sender.Now = f.clock.Now
	f.sender.Backoff = func(int) time.Duration { return time.Minute }
	f.mailer = queue.NewMailer(f.st, f.sender)
	f.mailer.Now = f.clock.Now
	return f
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (f *fixture) drain(t *testing.T) queue.Report {
	t.Helper()
	r, err := f.sender.Drain(context.Background())
	if err != nil {
		t.Fatalf("Drain: %v", err)
	}
	return r
}

// queued counts what is in the queue, claimable or not, without claiming it
// for long: a claim far in the future, given back at once.
func (f *fixture) queued(t *testing.T) int {
	t.Helper()
	ctx := context.Background()
	items, err := f.st.ClaimMail(ctx, f.clock.Now().Add(48*time.Hour), time.Nanosecond, store.MaxMailClaim)
	if err != nil {
		t.Fatal(err)
	}
	return len(items)
}

func TestPayloadCarriesEveryField(t *testing.T) {
	// A field added to mail.Message must be added to the payload too.
	if n := reflect.TypeFor[mail.Message]().NumField(); n != 7 {
		t.Fatalf("mail.Message has %d fields; the queue's payload carries 7: add the new one to queue.payload", n)
	}
	m := message(1)
	data, err := queue.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	got, err := queue.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, m)
	}
	if _, err := queue.Decode([]byte(`{"v":2}`)); err == nil {
		t.Fatal("decoded a payload of an unknown version")
	}
}

func TestQueuedMessageIsSentOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.mailer.Send(ctx, message(1)); err != nil {
		t.Fatal(err)
	}
	if len(f.next.Sent()) != 0 {
		t.Fatal("Send reached the mail service: it must only queue")
	}
	if r := f.drain(t); r != (queue.Report{Sent: 1}) {
		t.Fatalf("drain: %+v, want 1 sent", r)
	}
	if got := f.next.Sent(); len(got) != 1 || !reflect.DeepEqual(got[0], message(1)) {
		t.Fatalf("sent %+v, want the message as given", got)
	}
	f.clock.Add(time.Hour)
	if r := f.drain(t); r != (queue.Report{}) {
		t.Fatalf("second drain: %+v, want nothing", r)
	}
	if n := f.queued(t); n != 0 {
		t.Fatalf("%d items left in the queue", n)
	}
	if len(f.next.Sent()) != 1 {
		t.Fatalf("sent %d times, want once", len(f.next.Sent()))
	}
}

func TestInvalidMessageRefusedAtOnce(t *testing.T) {
	f := newFixture(t)
	bad := message(1)
	bad.To.Email = "not an address"
	if err := f.mailer.Send(context.Background(), bad); !errors.Is(err, mail.ErrInvalidMessage) {
		t.Fatalf("Send of an invalid message: %v, want ErrInvalidMessage", err)
	}
	if n := f.queued(t); n != 0 {
		t.Fatalf("an invalid message was queued")
	}
}

func TestFailingMailerIsRetried(t *testing.T) {
	f := newFixture(t)
	f.next.fail = func(n int) error {
		if n <= 2 {
			return &mail.SendError{Status: 503, Retryable: true, Detail: "unavailable"}
		}
		return nil
	}
	if err := f.mailer.Send(context.Background(), message(1)); err != nil {
		t.Fatal(err)
	}
	if r := f.drain(t); r != (queue.Report{Retried: 1}) {
		t.Fatalf("first drain: %+v, want 1 retried", r)
	}
	// Not again before its backoff.
	f.clock.Add(time.Minute - time.Nanosecond)
	if r := f.drain(t); r != (queue.Report{}) {
		t.Fatalf("drain during the backoff: %+v, want nothing", r)
	}
	f.clock.Add(time.Nanosecond)
	if r := f.drain(t); r != (queue.Report{Retried: 1}) {
		t.Fatalf("second attempt: %+v, want 1 retried", r)
	}
	f.clock.Add(time.Minute)
	if r := f.drain(t); r != (queue.Report{Sent: 1}) {
		t.Fatalf("third attempt: %+v, want 1 sent", r)
	}
	if f.next.calls != 3 || len(f.next.Sent()) != 1 || f.queued(t) != 0 {
		t.Fatalf("%d calls, %d sent, %d queued; want 3, 1, 0", f.next.calls, len(f.next.Sent()), f.queued(t))
	}
	// The service's Retry-After wins over a shorter backoff.
	f.next.calls, f.next.fail = 0, func(n int) error {
		if n == 1 {
			return &mail.SendError{Status: 429, Retryable: true, RetryAfter: 10 * time.Minute}
		}
		return nil
	}
	if err := f.mailer.Send(context.Background(), message(2)); err != nil {
		t.Fatal(err)
	}
	f.drain(t)
	f.clock.Add(9 * time.Minute)
	if r := f.drain(t); r != (queue.Report{}) {
		t.Fatalf("drain before Retry-After: %+v", r)
	}
	f.clock.Add(time.Minute)
	if r := f.drain(t); r != (queue.Report{Sent: 1}) {
		t.Fatalf("drain after Retry-After: %+v", r)
	}
}

// A sender claimed the item and died (no delete, no retry): once its lease
// lapses, the next drain sends it.
func TestCrashedClaimIsResentAfterLease(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.mailer.Send(ctx, message(1)); err != nil {
		t.Fatal(err)
	}
	f.sender.Lease = 5 * time.Minute
	if claimed, err := f.st.ClaimMail(ctx, f.clock.Now(), f.sender.Lease, 10); err != nil || len(claimed) != 1 {
		t.Fatalf("the crashed sender's claim: %v, %v", claimed, err)
	}
	if r := f.drain(t); r != (queue.Report{}) {
		t.Fatalf("drain while the dead claim's lease holds: %+v, want nothing", r)
	}
	f.clock.Add(f.sender.Lease)
	if r := f.drain(t); r != (queue.Report{Sent: 1}) {
		t.Fatalf("drain after the lease: %+v, want 1 sent", r)
	}
	if got := f.next.Sent(); len(got) != 1 || !reflect.DeepEqual(got[0], message(1)) {
		t.Fatalf("resent %+v", got)
	}
}

func TestGivenUpWithoutPersonalDataInLogs(t *testing.T) {
	for _, c := range []struct {
		name string
		fail func(int) error
		max  int
	}{
		{"permanent", func(int) error { return &mail.SendError{Status: 400, Detail: "bad request"} }, 0},
		{"invalid", func(int) error { return fmt.Errorf("engine: %w", mail.ErrInvalidMessage) }, 0},
		{"too many attempts", func(int) error { return errors.New("connection refused") }, 3},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t)
			f.next.fail = c.fail
			if c.max > 0 {
				f.sender.MaxAttempts = c.max
			}
			if err := f.mailer.Send(context.Background(), message(1)); err != nil {
				t.Fatal(err)
			}
			var total queue.Report
			for range 5 {
				r := f.drain(t)
				total.Sent += r.Sent
				total.Retried += r.Retried
				total.Dropped += r.Dropped
				f.clock.Add(time.Hour)
			}
			want := queue.Report{Dropped: 1}
			if c.max > 0 {
				want.Retried = c.max - 1
			}
			if total != want {
				t.Fatalf("reports add up to %+v, want %+v", total, want)
			}
			if n := f.queued(t); n != 0 {
				t.Fatalf("%d items left after giving up", n)
			}
			logs := f.logs.String()
			if !strings.Contains(logs, "dropped") {
				t.Fatalf("no log line says it was dropped:\n%s", logs)
			}
			for _, secret := range []string{"hanako1@example.com", "example.com", "ログインのご案内", "山田", "token=secret"} {
				if strings.Contains(logs, secret) {
					t.Errorf("logs carry %q:\n%s", secret, logs)
				}
			}
		})
	}
}

// Run drains what is queued when it starts (what a crash left), and a
// Kick after each enqueue sends at once, long before the interval.
func TestRunDrainsAtStartAndOnKick(t *testing.T) {
	f := newFixture(t)
	f.sender.Now = time.Now
	f.mailer.Now = time.Now
	f.sender.Interval = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	if err := f.mailer.Send(ctx, message(1)); err != nil { // before Run: the kick waits
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { f.sender.Run(ctx); close(done) }()
	waitSent(t, f.next, 1)
	for i := 2; i <= 5; i++ {
		if err := f.mailer.Send(ctx, message(i)); err != nil {
			t.Fatal(err)
		}
		waitSent(t, f.next, i)
	}
	cancel()
	<-done
}

func waitSent(t *testing.T, r *recorder, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(r.Sent()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("sent %d after 5 s, want %d", len(r.Sent()), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// Two processes drain one queue at once: each message goes out once.
func TestConcurrentDrainsSendOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const n = 40
	for i := range n {
		if err := f.mailer.Send(ctx, message(i)); err != nil {
			t.Fatal(err)
		}
	}
	other := queue.NewSender(f.st, f.next, nil)
	other.Now = f.clock.Now
	var wg sync.WaitGroup
	for _, s := range []*queue.Sender{f.sender, other, f.sender} {
		wg.Go(func() {
			if _, err := s.Drain(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	seen := map[string]int{}
	for _, m := range f.next.Sent() {
		seen[m.To.Email]++
	}
	for i := range n {
		if c := seen[message(i).To.Email]; c != 1 {
			t.Errorf("message %d sent %d times", i, c)
		}
	}
}

func TestPermanent(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{mail.ErrInvalidMessage, true},
		{&mail.SendError{Status: 400}, true},
		{&mail.SendError{Status: 413}, true},
		{&mail.SendError{Status: 401}, false}, // a wrong API key: fix it and the mail goes
		{&mail.SendError{Status: 429, Retryable: true}, false},
		{&mail.SendError{Status: 503, Retryable: true}, false},
		{&mail.SendError{Uncertain: true}, false},
		{errors.New("outbox: write: disk full"), false},
	} {
		if got := queue.Permanent(c.err); got != c.want {
			t.Errorf("Permanent(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}
