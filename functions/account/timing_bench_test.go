package account_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/queue"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
)

// slowMailer is a mail service that takes 100 ms to accept a message.
type slowMailer struct{ sent atomic.Int64 }

func (m *slowMailer) Send(ctx context.Context, _ mail.Message) error {
	select {
	case <-time.After(mailLatency):
	case <-ctx.Done():
		return ctx.Err()
	}
	m.sent.Add(1)
	return nil
}

// counting is the store the accounts service sees, counting the calls an
// answer makes: the cause when the two kinds of address differ.
type counting struct {
	store.Store
	writes, reads atomic.Int64
}

func (c *counting) HitRateLimit(ctx context.Context, key string, window time.Duration, now time.Time) (int, error) {
	c.writes.Add(1)
	return c.Store.HitRateLimit(ctx, key, window, now)
}

func (c *counting) CreateToken(ctx context.Context, t store.Token) error {
	c.writes.Add(1)
	return c.Store.CreateToken(ctx, t)
}

func (c *counting) EnqueueMail(ctx context.Context, m store.QueuedMail) (store.QueuedMail, error) {
	c.writes.Add(1)
	return c.Store.EnqueueMail(ctx, m)
}

func (c *counting) AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	c.writes.Add(1)
	return c.Store.AppendAudit(ctx, e)
}

func (c *counting) GetMemberByEmail(ctx context.Context, email string) (store.Member, error) {
	c.reads.Add(1)
	return c.Store.GetMemberByEmail(ctx, email)
}

func (c *counting) snapshot() (int64, int64) { return c.writes.Load(), c.reads.Load() }

const (
	mailLatency  = 100 * time.Millisecond
	timingTries  = 50 // per kind of address
	maxTimingGap = 5 * time.Millisecond
)

// BenchmarkLoginTiming: no timing oracle on POST /api/login. Against a mail
// service with 100 ms latency, the median answer for an approved member and
// for addresses nobody has differ by at most 5 ms over 50 tries each,
// interleaved, because the mail is queued in the store and sent after the
// answer (a sender drains the queue in the background, as okaeri serve
// does). Run it with -benchtime 1x (make bench).
func BenchmarkLoginTiming(b *testing.B) {
	dir := b.TempDir()
	st, err := bolt.Open(filepath.Join(dir, "okaeri.db"), nil) // with fsync, as in production
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	slow := &slowMailer{}
	sender := queue.NewSender(st, slow, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { sender.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	keys := auth.NewKeyring(auth.Key{ID: "t", Secret: []byte(strings.Repeat("k", 32))})
	lots := account.Limit{Count: 1 << 30, Window: time.Hour} // never the limit that answers
	seen := &counting{Store: st}
	svc := account.New(seen, queue.NewMailer(seen, sender), keys, account.Config{
		BaseURL: "http://portal.test", From: mail.Address{Email: "alumni@example.co.jp"},
		RegisterPerAddress: lots, RegisterPerClient: lots, LoginPerAddress: lots, LoginPerClient: lots,
	}, nil)
	mux := http.NewServeMux()
	for p, h := range (account.Handler{S: svc}).Routes() {
		mux.Handle(p, h)
	}
	const approved = "hanako.yamada@example.com"
	if _, err := st.CreateMember(ctx, store.Member{Email: approved, Name: "山田 花子", Language: store.LanguageJa,
		Status: store.StatusApproved, Joined: "2015-04", Left: "2022-03"}); err != nil {
		b.Fatal(err)
	}
	unknown := 0
	var calls [2][2]int64 // [approved, unknown][writes, reads] of the last answer
	login := func(email string) time.Duration {
		req := httptest.NewRequest("POST", "/api/login", strings.NewReader(`{"email":"`+email+`"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.RemoteAddr = "192.0.2.1:1234"
		rec := httptest.NewRecorder()
		w0, r0 := seen.snapshot()
		start := time.Now()
		mux.ServeHTTP(rec, req)
		d := time.Since(start)
		w1, r1 := seen.snapshot()
		kind := 1
		if email == approved {
			kind = 0
		}
		calls[kind] = [2]int64{w1 - w0, r1 - r0}
		if rec.Code != http.StatusAccepted {
			b.Fatalf("POST /api/login for %s: %d %s", email, rec.Code, rec.Body)
		}
		return d
	}
	next := func() string { unknown++; return fmt.Sprintf("nobody-%d@example.com", unknown) }
	// Warm up both paths (first writes, page cache, the sender's first claim).
	for range 5 {
		login(approved)
		login(next())
	}
	var known, nobody []time.Duration
	for b.Loop() {
		for range timingTries {
			known = append(known, login(approved))
			nobody = append(nobody, login(next()))
		}
	}
	b.StopTimer()
	// And the mail goes out after the answers: one per approved login.
	want := int64(len(known) + 5)
	for deadline := time.Now().Add(time.Minute); slow.sent.Load() < want; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("%d login mails sent a minute after the answers, want %d", slow.sent.Load(), want)
		}
	}
	if n := slow.sent.Load(); n != want {
		b.Fatalf("%d login mails sent, want %d: one per approved login", n, want)
	}
	mk, mn := median(known), median(nobody)
	diff := mk - mn
	b.ReportMetric(ms(mk), "ms-approved")
	b.ReportMetric(ms(mn), "ms-unknown")
	b.ReportMetric(ms(diff), "ms-difference")
	b.ReportMetric(float64(calls[0][0]), "writes-approved")
	b.ReportMetric(float64(calls[1][0]), "writes-unknown")
	b.Logf("median of %d tries each: approved %.2f ms, unknown %.2f ms, difference %.2f ms (mail service: %v per message, %d sent after the answers)",
		len(known), ms(mk), ms(mn), ms(diff), mailLatency, slow.sent.Load())
	b.Logf("store calls per answer: approved %d writes and %d reads, unknown %d writes and %d reads",
		calls[0][0], calls[0][1], calls[1][0], calls[1][1])
	if diff > maxTimingGap || diff < -maxTimingGap {
		b.Fatalf("median answers differ by %.2f ms (approved %.2f, unknown %.2f): more than %v, a timing oracle; "+
			"an approved address's answer makes %d store writes, an unknown one's %d",
			ms(diff), ms(mk), ms(mn), maxTimingGap, calls[0][0], calls[1][0])
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
