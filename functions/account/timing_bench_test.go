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

// rig is an accounts service as core wires it, over bolt with fsync: mail
// queued in the store, address lookups deferred to a sender that drains
// the queue in the background into a mail service with 100 ms latency.
type rig struct {
	mux  *http.ServeMux
	seen *counting
	slow *slowMailer
}

func newRig(b *testing.B) *rig {
	b.Helper()
	st, err := bolt.Open(filepath.Join(b.TempDir(), "okaeri.db"), nil) // with fsync, as in production
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	slow := &slowMailer{}
	sender := queue.NewSender(st, slow, nil)
	sender.Parallel = 16
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { sender.Run(ctx); close(done) }()
	b.Cleanup(func() { cancel(); <-done })
	keys := auth.NewKeyring(auth.Key{ID: "t", Secret: []byte(strings.Repeat("k", 32))})
	lots := account.Limit{Count: 1 << 30, Window: time.Hour} // never the limit that answers
	seen := &counting{Store: st}
	svc := account.New(seen, nil, keys, account.Config{
		BaseURL: "http://portal.test", From: mail.Address{Email: "alumni@example.co.jp"},
		RegisterPerAddress: lots, RegisterPerClient: lots, LoginPerAddress: lots, LoginPerClient: lots,
	}, nil)
	// As core wires it: mail queued, address lookups deferred to the sender.
	svc.UseQueue(queue.NewMailer(seen, sender), sender)
	mux := http.NewServeMux()
	for p, h := range (account.Handler{S: svc}).Routes() {
		mux.Handle(p, h)
	}
	if _, err := st.CreateMember(ctx, store.Member{Email: approvedAddr, Name: "山田 花子", Language: store.LanguageJa,
		Status: store.StatusApproved, Joined: "2015-04", Left: "2022-03"}); err != nil {
		b.Fatal(err)
	}
	return &rig{mux: mux, seen: seen, slow: slow}
}

const approvedAddr = "hanako.yamada@example.com"

// post answers one request and returns its time and store calls.
func (r *rig) post(b *testing.B, path, body string, want int) (time.Duration, [2]int64) {
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.RemoteAddr = "192.0.2.1:1234"
	rec := httptest.NewRecorder()
	w0, r0 := r.seen.snapshot()
	start := time.Now()
	r.mux.ServeHTTP(rec, req)
	d := time.Since(start)
	w1, r1 := r.seen.snapshot()
	if rec.Code != want {
		b.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body)
	}
	return d, [2]int64{w1 - w0, r1 - r0}
}

// compare interleaves timingTries answers of each kind (after a warm-up),
// waits for the mail the first kind sends, reports the medians and fails
// past maxTimingGap.
func (r *rig) compare(b *testing.B, what string, first, second func() (time.Duration, [2]int64), mails func(n int) int64) {
	for range 5 {
		first()
		second()
	}
	var a, c []time.Duration
	var ca, cc [2]int64
	for b.Loop() {
		for range timingTries {
			d, calls := first()
			a, ca = append(a, d), calls
			d, calls = second()
			c, cc = append(c, d), calls
		}
	}
	b.StopTimer()
	want := mails(len(a) + 5)
	for deadline := time.Now().Add(time.Minute); r.slow.sent.Load() < want; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("%s: %d mails sent a minute after the answers, want %d", what, r.slow.sent.Load(), want)
		}
	}
	if n := r.slow.sent.Load(); n != want {
		b.Fatalf("%s: %d mails sent, want %d", what, n, want)
	}
	ma, mc := median(a), median(c)
	diff := ma - mc
	b.ReportMetric(ms(ma), "ms-member")
	b.ReportMetric(ms(mc), "ms-unknown")
	b.ReportMetric(ms(diff), "ms-difference")
	b.ReportMetric(float64(ca[0]), "writes-member")
	b.ReportMetric(float64(cc[0]), "writes-unknown")
	b.Logf("%s: median of %d tries each: member %.2f ms, unknown %.2f ms, difference %.2f ms (mail service: %v per message, %d sent after the answers)",
		what, len(a), ms(ma), ms(mc), ms(diff), mailLatency, r.slow.sent.Load())
	b.Logf("%s: store calls per answer: member %d writes and %d reads, unknown %d writes and %d reads", what, ca[0], ca[1], cc[0], cc[1])
	if diff > maxTimingGap || diff < -maxTimingGap {
		b.Fatalf("%s: median answers differ by %.2f ms (member %.2f, unknown %.2f): more than %v, a timing oracle; "+
			"a member's answer makes %d store writes, an unknown address's %d", what, ms(diff), ms(ma), ms(mc), maxTimingGap, ca[0], cc[0])
	}
}

// BenchmarkLoginTiming: no timing oracle on POST /api/login. Against a mail
// service with 100 ms latency, the median answer for an approved member and
// for addresses nobody has differ by at most 5 ms over 50 tries each,
// interleaved: the request only counts its rate limits and queues the
// lookup, which the sender does after the answer. Run it with -benchtime
// 1x (make bench).
func BenchmarkLoginTiming(b *testing.B) {
	r := newRig(b)
	n := 0
	r.compare(b, "login",
		func() (time.Duration, [2]int64) {
			return r.post(b, "/api/login", `{"email":"`+approvedAddr+`"}`, http.StatusAccepted)
		},
		func() (time.Duration, [2]int64) {
			n++
			return r.post(b, "/api/login", fmt.Sprintf(`{"email":"nobody-%d@example.com"}`, n), http.StatusAccepted)
		},
		func(approvedLogins int) int64 { return int64(approvedLogins) }) // one link per approved login, none for the rest
}

// BenchmarkRegisterTiming: the same for POST /api/register, an address
// that is already a member's against new addresses. Each gets one mail
// (already registered; a verification link).
func BenchmarkRegisterTiming(b *testing.B) {
	r := newRig(b)
	n := 0
	reg := func(email string) string {
		return `{"email":"` + email + `","name":"山田 花子","department":"開発部","joined":"2016-04","left":"2022-03",` +
			`"language":"ja","privacy":true,"privacy_version":"2026-04-01"}`
	}
	r.compare(b, "register",
		func() (time.Duration, [2]int64) {
			return r.post(b, "/api/register", reg(approvedAddr), http.StatusAccepted)
		},
		func() (time.Duration, [2]int64) {
			n++
			return r.post(b, "/api/register", reg(fmt.Sprintf("new-%d@example.com", n)), http.StatusAccepted)
		},
		func(each int) int64 { return int64(2 * each) })
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
