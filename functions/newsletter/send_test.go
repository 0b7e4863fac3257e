package newsletter_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/mail/sendgrid/sendgridtest"
	"github.com/okaeri/okaeri/functions/newsletter"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
)

// Checked by: 10,000 subscribers -> exactly 10 /v3/mail/send requests,
// none over 1,000 personalizations, no address twice.
func TestTenThousandSubscribersTenRequests(t *testing.T) {
	f := newFixture(t, newsletter.Config{})
	ids := f.addMembers(0, 10_000, memberSpec{consent: true})
	f.prepare("autumn")
	send, err := f.svc.Send(context.Background(), "autumn", newsletter.RunOptions{Actor: "cli"})
	if err != nil {
		t.Fatal(err)
	}
	reqs := f.fake.Requests()
	if len(reqs) != 10 {
		t.Fatalf("%d requests to /v3/mail/send, want exactly 10", len(reqs))
	}
	for _, r := range reqs {
		if r.Status != http.StatusAccepted {
			t.Fatalf("request %d answered %d", r.N, r.Status)
		}
		if n := len(r.Body.Personalizations); n > 1000 || n == 0 {
			t.Fatalf("request %d has %d personalizations", r.N, n)
		}
	}
	f.exactlyOnce(addresses(0, 10_000))
	want := store.SendReport{Recipients: 10_000, Sent: 10_000, Batches: 10, Requests: 10}
	if send.Status != store.SendDone || send.Report != want {
		t.Fatalf("send: %s %+v, want done %+v", send.Status, send.Report, want)
	}

	// Each message carries its member's name, a signed unsubscribe link for
	// that member, and the one-click headers.
	byMember := map[string]string{}
	for i, id := range ids {
		byMember[id] = fmt.Sprintf("alum%d@example.jp", i)
	}
	r := reqs[3]
	if r.Body.Headers["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" || r.Body.Subject == "" || r.Body.From.Address != sender.Email {
		t.Fatalf("request headers %v, subject %q, from %+v", r.Body.Headers, r.Body.Subject, r.Body.From)
	}
	p := r.Body.Personalizations[17]
	addr := p.To[0].Address
	member := p.CustomArgs[newsletter.ArgMember]
	if byMember[member] != addr || p.CustomArgs[newsletter.ArgSend] != "autumn" || p.CustomArgs[newsletter.ArgBatch] == "" {
		t.Fatalf("custom_args %v for %s", p.CustomArgs, addr)
	}
	lu := p.Headers["List-Unsubscribe"]
	if !strings.HasPrefix(lu, "<https://alumni.example.co.jp/api/unsubscribe?token=") || !strings.Contains(lu, ">, <mailto:alumni@example.co.jp?subject=unsubscribe") {
		t.Fatalf("List-Unsubscribe %q", lu)
	}
	link := p.Substitutions[newsletter.KeyUnsubscribe]
	wantName := "卒業生 " + strings.TrimSuffix(strings.TrimPrefix(addr, "alum"), "@example.jp")
	if !strings.Contains(lu, link) || p.Substitutions[newsletter.KeyName] != wantName || p.To[0].Name != wantName {
		t.Fatalf("substitutions %v for %s", p.Substitutions, addr)
	}
	u, _ := url.Parse(link)
	if _, err := f.svc.Unsubscribe(context.Background(), u.Query().Get("token")); err != nil {
		t.Fatalf("the link's token does not unsubscribe: %v", err)
	}
	m, _ := f.store.GetMember(context.Background(), member)
	if m.Consents["newsletter"].Given {
		t.Fatal("the unsubscribe link of a message unsubscribed nobody")
	}

	// Running the finished send again sends nothing.
	again, err := f.svc.Send(context.Background(), "autumn", newsletter.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.fake.Requests()) != 10 || again.Report.Sent != 10_000 {
		t.Fatalf("a second run made %d more requests; report %+v", len(f.fake.Requests())-10, again.Report)
	}
}

// Checked by: injected 429 and 500 answers: the send completes with no
// duplicate; the runner waits as Retry-After says.
func TestInjected429And500(t *testing.T) {
	f := newFixture(t, newsletter.Config{Concurrency: 2})
	f.addMembers(0, 3_000, memberSpec{consent: true})
	f.prepare("autumn")
	f.fake.Fail(sendgridtest.TooManyRequests(7*time.Second), sendgridtest.ServerError(500), sendgridtest.ServerError(503), sendgridtest.ServerError(500))
	send, err := f.svc.Send(context.Background(), "autumn", newsletter.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.exactlyOnce(addresses(0, 3_000))
	reqs := f.fake.Requests()
	if len(reqs) != 7 || len(f.fake.Accepted()) != 3 {
		t.Fatalf("%d requests (%d accepted), want 3 batches + 4 refused = 7", len(reqs), len(f.fake.Accepted()))
	}
	if send.Status != store.SendDone || send.Report.Sent != 3_000 || send.Report.Requests != 7 {
		t.Fatalf("send %s %+v", send.Status, send.Report)
	}
	var asked bool
	for _, d := range f.waits.list() {
		if d >= 6*time.Second && d <= 7*time.Second {
			asked = true
		}
	}
	if !asked {
		t.Fatalf("no wait of ~7s after the 429 (Retry-After / X-RateLimit-Reset); waits: %v", f.waits.list())
	}
}

// A 4xx other than 429 stops the send with a clear error and marks the
// batch failed; once fixed, the next run sends it, still exactly once.
func TestRefusedBatchStopsAndResumes(t *testing.T) {
	f := newFixture(t, newsletter.Config{Concurrency: 1})
	f.addMembers(0, 2_500, memberSpec{consent: true})
	f.prepare("autumn")
	f.fake.Fail(sendgridtest.Answer{Status: 400, Body: `{"errors":[{"message":"The from address does not match a verified Sender Identity.","field":"from"}]}`})
	send, err := f.svc.Send(context.Background(), "autumn", newsletter.RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "verified Sender Identity") {
		t.Fatalf("Send error %v, want the 400 and SendGrid's reason", err)
	}
	if send.Status != store.SendFailed || !strings.Contains(send.Error, "400") {
		t.Fatalf("send %s, error %q", send.Status, send.Error)
	}
	if n := len(f.fake.Requests()); n != 1 {
		t.Fatalf("%d requests after a 400, want the run to stop after 1", n)
	}
	batches, _ := f.store.ListDeliveryBatches(context.Background(), "autumn")
	if batches[0].Status != store.BatchFailed {
		t.Fatalf("the refused batch is %s", batches[0].Status)
	}
	send, err = f.svc.Send(context.Background(), "autumn", newsletter.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.exactlyOnce(addresses(0, 2_500))
	if send.Status != store.SendDone || send.Report.Sent != 2_500 || send.Report.Failed != 0 {
		t.Fatalf("after the retry: %s %+v", send.Status, send.Report)
	}
}

// Checked by: no unsubscribed, bounced or complaining address in any
// request (nor anyone without consent, not approved, or out of segment).
func TestNoSuppressedAddressIsSent(t *testing.T) {
	f := newFixture(t, newsletter.Config{Concurrency: 1, BatchSize: 100})
	ctx := context.Background()
	ids := f.addMembers(0, 500, memberSpec{consent: true})
	f.addMembers(500, 20, memberSpec{consent: false})                              // no consent
	f.addMembers(520, 20, memberSpec{consent: true, status: store.StatusVerified}) // not approved
	f.addMembers(540, 20, memberSpec{consent: true, lang: store.LanguageEn})       // English: the en edition
	f.prepare("autumn")
	now := time.Now()
	barred := map[string]bool{}
	for i := 0; i < 30; i++ {
		addr := fmt.Sprintf("alum%d@example.jp", i)
		barred[addr] = true
		switch i % 3 {
		case 0: // unsubscribed through the link
			token := tokenFor(t, f.svc, ids[i])
			if _, err := f.svc.Unsubscribe(ctx, token); err != nil {
				t.Fatal(err)
			}
		case 1: // hard bounce (upper case: the list is case-insensitive)
			if _, err := f.store.Suppress(ctx, strings.ToUpper(addr), store.SuppressBounce, store.SuppressionMark{At: now}); err != nil {
				t.Fatal(err)
			}
		case 2: // spam complaint
			if _, err := f.store.Suppress(ctx, addr, store.SuppressSpamReport, store.SuppressionMark{At: now}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// Someone who unsubscribed and later subscribed again on their preferences page gets it.
	if _, err := f.store.Suppress(ctx, "alum40@example.jp", store.SuppressUnsubscribe, store.SuppressionMark{At: now.Add(-2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// A member who unsubscribes while the send runs is dropped from the batch claimed before.
	late := fmt.Sprintf("alum%d@example.jp", 450)
	barred[late] = true
	var once sync.Once
	f.fake.SetBefore(func(n int, _ *sendgridtest.Request) *sendgridtest.Answer {
		once.Do(func() {
			if _, err := f.svc.Unsubscribe(ctx, tokenFor(t, f.svc, ids[450])); err != nil {
				t.Error(err)
			}
		})
		return nil
	})
	send, err := f.svc.Send(ctx, "autumn", newsletter.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := addresses(0, 500)
	for a := range barred {
		delete(want, a)
	}
	for a := range addresses(540, 20) {
		want[a] = true
	}
	f.exactlyOnce(want)
	// The unsubscribed withdrew their consent, so they are not recipients;
	// the bounced, the complaining and the late unsubscriber are suppressed.
	if send.Report.Recipients != 510 || send.Report.Suppressed != 21 || send.Report.Sent != len(want) {
		t.Fatalf("report %+v, want 510 recipients, 21 suppressed and %d sent", send.Report, len(want))
	}
	english := addresses(540, 20)
	for _, r := range f.fake.Requests() {
		en := strings.HasPrefix(r.Body.Subject, "[Alumni News]")
		for _, p := range r.Body.Personalizations {
			if en != english[p.To[0].Address] {
				t.Fatalf("%s got the wrong edition (English: %v)", p.To[0].Address, en)
			}
		}
	}
}

func tokenFor(t *testing.T, svc *newsletter.Service, memberID string) string {
	t.Helper()
	return testKeys.Sign("unsub~" + memberID + "~autumn")
}

// Two runners on one send (a second process, or a lease that ran out):
// the claims and the claimed -> sending step keep every address to one message.
func TestConcurrentRunnersNeverDuplicate(t *testing.T) {
	f := newFixture(t, newsletter.Config{Concurrency: 3, BatchSize: 50, Lease: time.Nanosecond})
	f.addMembers(0, 1_000, memberSpec{consent: true})
	f.prepare("autumn")
	f.fake.Latency = 2 * time.Millisecond
	second := newService(f.store, f.fake.URL, newsletter.Config{Concurrency: 3, BatchSize: 50, Lease: time.Nanosecond})
	second.Sleep = f.waits.sleep
	var wg sync.WaitGroup
	for _, svc := range []*newsletter.Service{f.svc, second, f.svc, second} {
		wg.Go(func() { _, _ = svc.Send(context.Background(), "autumn", newsletter.RunOptions{}) })
	}
	wg.Wait()
	// Whatever the race left (a runner that lost its lease stops), a last run finishes it.
	send, err := f.svc.Send(context.Background(), "autumn", newsletter.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.exactlyOnce(addresses(0, 1_000))
	if send.Status != store.SendDone || send.Report.Sent != 1_000 || send.Report.Uncertain != 0 {
		t.Fatalf("send %s %+v", send.Status, send.Report)
	}
}

// A lease held by a live runner keeps a second one out.
func TestLeaseKeepsSecondRunnerOut(t *testing.T) {
	f := newFixture(t, newsletter.Config{Concurrency: 1})
	f.addMembers(0, 10, memberSpec{consent: true})
	f.prepare("autumn")
	started := make(chan struct{})
	release := make(chan struct{})
	f.fake.SetBefore(func(n int, _ *sendgridtest.Request) *sendgridtest.Answer {
		if n == 1 {
			close(started)
			<-release
		}
		return nil
	})
	done := make(chan error)
	go func() {
		_, err := f.svc.Send(context.Background(), "autumn", newsletter.RunOptions{})
		done <- err
	}()
	<-started
	_, err := f.svc.Send(context.Background(), "autumn", newsletter.RunOptions{})
	if !errors.Is(err, newsletter.ErrRunning) {
		t.Fatalf("second runner: %v, want ErrRunning", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	f.exactlyOnce(addresses(0, 10))
}

// --limit sends to at most N new recipients and pauses; the next run goes on.
func TestLimitPauses(t *testing.T) {
	f := newFixture(t, newsletter.Config{})
	f.addMembers(0, 30, memberSpec{consent: true})
	f.prepare("autumn")
	send, err := f.svc.Send(context.Background(), "autumn", newsletter.RunOptions{Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if send.Status != store.SendPaused || send.Report.Sent != 5 || len(f.fake.Delivered()) != 5 {
		t.Fatalf("limited run: %s %+v, %d delivered", send.Status, send.Report, len(f.fake.Delivered()))
	}
	send, err = f.svc.Send(context.Background(), "autumn", newsletter.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.exactlyOnce(addresses(0, 30))
	if send.Status != store.SendDone {
		t.Fatalf("status %s", send.Status)
	}
}

// --dry-run counts and sends nothing.
func TestDryRun(t *testing.T) {
	f := newFixture(t, newsletter.Config{})
	f.addMembers(0, 2_345, memberSpec{consent: true})
	f.addMembers(2_345, 10, memberSpec{consent: true, lang: store.LanguageEn})
	if _, err := f.store.Suppress(context.Background(), "alum1@example.jp", store.SuppressBounce, store.SuppressionMark{At: time.Now()}); err != nil {
		t.Fatal(err)
	}
	f.prepare("autumn")
	send, err := f.svc.Send(context.Background(), "autumn", newsletter.RunOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.fake.Requests()) != 0 {
		t.Fatal("a dry run made requests")
	}
	if send.Report.Recipients != 2_355 || send.Report.Suppressed != 1 || send.Report.Pending != 2_354 || send.Report.Requests != 4 {
		t.Fatalf("dry run report %+v, want 2,355 recipients, 1 suppressed, 3 ja + 1 en requests", send.Report)
	}
	stored, _ := f.store.GetNewsletterSend(context.Background(), "autumn")
	if stored.Status != store.SendReady {
		t.Fatalf("a dry run changed the send to %s", stored.Status)
	}
	if b, _ := f.store.ListDeliveryBatches(context.Background(), "autumn"); len(b) != 0 {
		t.Fatal("a dry run claimed batches")
	}
}

// ---- the send killed (SIGKILL) and run again

const childEnv = "OKAERI_NEWSLETTER_TEST_CHILD"

// runChild is the sender in a separate process: it runs the send and, if
// told to, kills itself with SIGKILL right after a given number of batches
// were recorded sent, as a crash would.
func runChild() int {
	st, err := bolt.Open(os.Getenv("CHILD_DB"), &bolt.Options{NoSync: false})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	conc, _ := strconv.Atoi(os.Getenv("CHILD_CONCURRENCY"))
	size, _ := strconv.Atoi(os.Getenv("CHILD_BATCH"))
	killAfter, _ := strconv.Atoi(os.Getenv("CHILD_KILL_AFTER"))
	svc := newService(st, os.Getenv("CHILD_FAKE"), newsletter.Config{Concurrency: conc, BatchSize: size})
	_, err = svc.Send(context.Background(), "autumn", newsletter.RunOptions{Progress: func(p newsletter.Progress) {
		if killAfter > 0 && p.Batches >= killAfter {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
	}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// startChild runs the sender in a child process against the fixture's store.
func (f *fixture) startChild(killAfter, concurrency, batch int) *exec.Cmd {
	f.t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", "CHILD_DB="+filepath.Join(f.dir, "okaeri.db"), "CHILD_FAKE="+f.fake.URL,
		fmt.Sprint("CHILD_KILL_AFTER=", killAfter), fmt.Sprint("CHILD_CONCURRENCY=", concurrency), fmt.Sprint("CHILD_BATCH=", batch))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	return cmd
}

// Checked by: the send killed after 3 batches and run again: the other 7
// batches go, and every subscriber got exactly one.
func TestKilledAfterThreeBatchesAndRunAgain(t *testing.T) {
	f := newFixture(t, newsletter.Config{})
	f.addMembers(0, 10_000, memberSpec{consent: true})
	f.prepare("autumn")
	f.store.Close() // the child takes the file lock

	cmd := f.startChild(3, 1, 1000)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want killed by SIGKILL", err)
	}
	if n := len(f.fake.Accepted()); n != 3 {
		t.Fatalf("%d batches accepted before the kill, want 3", n)
	}

	f.open(newsletter.Config{})
	// The dead process's lease holds the send for its length (2 minutes):
	// the operator runs it again after that (or with --take-over).
	_, err = f.svc.Send(context.Background(), "autumn", newsletter.RunOptions{})
	if !errors.Is(err, newsletter.ErrRunning) {
		t.Fatalf("a run right after the crash: %v, want ErrRunning while the lease lasts", err)
	}
	f.svc.Now = func() time.Time { return time.Now().Add(3 * time.Minute) }
	send, err := f.svc.Send(context.Background(), "autumn", newsletter.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(f.fake.Requests()); n != 10 {
		t.Fatalf("%d requests in all, want 3 before the kill and the other 7 after", n)
	}
	f.exactlyOnce(addresses(0, 10_000))
	if send.Status != store.SendDone || send.Report.Sent != 10_000 || send.Report.Uncertain != 0 || send.Report.Batches != 10 {
		t.Fatalf("send %s %+v", send.Status, send.Report)
	}
}

// The worst moment: killed while a batch's request is on the wire, with no
// answer recorded. The next run never sends that batch again (SendGrid has
// no idempotency key); it reports it uncertain. Either SendGrid's events
// show the batch went (it becomes sent), or HR resends it on purpose.
func TestKilledMidRequestNeverSendsTwice(t *testing.T) {
	for _, accepted := range []bool{true, false} {
		t.Run(fmt.Sprintf("accepted=%v", accepted), func(t *testing.T) {
			f := newFixture(t, newsletter.Config{BatchSize: 100})
			f.addMembers(0, 1_000, memberSpec{consent: true})
			f.prepare("autumn")
			f.store.Close()

			var held sendgridtest.Request
			child := make(chan *exec.Cmd, 1)
			killed := make(chan struct{})
			f.fake.SetBefore(func(n int, r *sendgridtest.Request) *sendgridtest.Answer {
				if n == 4 {
					held = *r
					cmd := <-child
					cmd.Process.Signal(syscall.SIGKILL)
					close(killed)
					return &sendgridtest.Answer{Drop: true}
				}
				return nil
			})
			cmd := f.startChild(0, 1, 100)
			child <- cmd
			_ = cmd.Wait()
			<-killed
			f.fake.SetBefore(nil)
			if n := len(f.fake.Accepted()); n != 3 {
				t.Fatalf("%d accepted before the kill, want 3", n)
			}

			f.open(newsletter.Config{BatchSize: 100})
			send, err := f.svc.Send(context.Background(), "autumn", newsletter.RunOptions{TakeOver: true})
			if err != nil {
				t.Fatal(err)
			}
			heldAddrs := map[string]bool{}
			for _, p := range held.Body.Personalizations {
				heldAddrs[p.To[0].Address] = true
			}
			for _, r := range f.fake.Requests()[4:] {
				for _, p := range r.Body.Personalizations {
					if heldAddrs[p.To[0].Address] {
						t.Fatalf("%s was in the interrupted batch and was sent again", p.To[0].Address)
					}
				}
			}
			if len(f.fake.Requests()) != 10 || send.Report.Sent != 900 || send.Report.Uncertain != 100 || send.Status != store.SendDone {
				t.Fatalf("%d requests; send %s %+v; want 9 batches sent and 1 uncertain", len(f.fake.Requests()), send.Status, send.Report)
			}

			batch := held.Body.Personalizations[0].CustomArgs[newsletter.ArgBatch]
			if accepted {
				// SendGrid had taken it: its processed events reconcile the batch.
				held.MessageID = "held-message"
				events := sendgridtest.Events(held, "processed", time.Now())
				res, err := f.svc.ApplyEvents(context.Background(), decodeEvents(t, events))
				if err != nil || res.Reconciled != 1 {
					t.Fatalf("reconcile: %+v, %v", res, err)
				}
				got, _ := f.store.GetDeliveryBatch(context.Background(), "autumn", batch)
				send, _ = f.store.GetNewsletterSend(context.Background(), "autumn")
				if got.Status != store.BatchSent || send.Report.Sent != 1_000 || send.Report.Uncertain != 0 {
					t.Fatalf("after reconciling: batch %s, report %+v", got.Status, send.Report)
				}
				delivered := f.fake.Delivered()
				for a := range heldAddrs {
					delivered[strings.ToLower(a)]++ // SendGrid delivered the held request
				}
				for a := range addresses(0, 1_000) {
					if delivered[a] != 1 {
						t.Fatalf("%s got %d", a, delivered[a])
					}
				}
				return
			}
			// It had not gone: HR checks SendGrid's activity and resends on purpose.
			send, err = f.svc.Send(context.Background(), "autumn", newsletter.RunOptions{ResendUncertain: true})
			if err != nil {
				t.Fatal(err)
			}
			f.exactlyOnce(addresses(0, 1_000))
			if send.Report.Sent != 1_000 || send.Report.Uncertain != 0 {
				t.Fatalf("after resending: %+v", send.Report)
			}
		})
	}
}

func decodeEvents(t *testing.T, events []map[string]any) []newsletter.Event {
	t.Helper()
	b, err := json.Marshal(events)
	if err != nil {
		t.Fatal(err)
	}
	var out []newsletter.Event
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// A run with a deadline (a Lambda invocation) stops taking batches in time
// to record the last one; the send stays resumable and the next run (the
// next scheduled invocation) finishes it, exactly once.
func TestDeadlineInterruptsAndResumes(t *testing.T) {
	cfg := newsletter.Config{Concurrency: 1, BatchSize: 10, RequestTimeout: time.Millisecond}
	f := newFixture(t, cfg)
	f.addMembers(0, 300, memberSpec{consent: true})
	f.prepare("autumn")
	f.fake.Latency = 50 * time.Millisecond // 30 batches: 1.5s at least
	// The run's deadline passes while the third batch is being sent (not
	// at a fixed time, which a loaded machine might reach before the first).
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f.fake.SetBefore(func(n int, r *sendgridtest.Request) *sendgridtest.Answer {
		if n == 3 {
			cancel()
		}
		return nil
	})
	send, err := f.svc.Send(ctx, "autumn", newsletter.RunOptions{})
	if !errors.Is(err, newsletter.ErrInterrupted) {
		t.Fatalf("run with a deadline: %v", err)
	}
	if send.Status != store.SendSending || send.Report.Sent == 0 || send.Report.Sent >= 300 || send.LeaseOwner != "" {
		t.Fatalf("interrupted send: %s %+v lease %q", send.Status, send.Report, send.LeaseOwner)
	}
	done, err := f.svc.RunDue(context.Background())
	if err != nil || len(done) != 1 || done[0].Status != store.SendDone {
		t.Fatalf("RunDue: %+v, %v", done, err)
	}
	f.exactlyOnce(addresses(0, 300))
}

// A batch claimed by a run that crashed is sent by the next run only to
// those still on the list: a member who withdrew consent on their
// preferences page or was erased in between is left out.
func TestResumedBatchRechecksMembers(t *testing.T) {
	f := newFixture(t, newsletter.Config{})
	ctx := context.Background()
	ids := f.addMembers(0, 5, memberSpec{consent: true})
	f.prepare("autumn")
	var rs []store.BatchRecipient
	for i, id := range ids {
		rs = append(rs, store.BatchRecipient{MemberID: id, Email: fmt.Sprintf("alum%d@example.jp", i), Name: "x"})
	}
	if _, err := f.store.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "autumn", ID: "000001", Language: store.LanguageJa, Recipients: rs}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.UpdateMember(ctx, ids[1], func(m store.Member) (store.Member, error) {
		m.Consents["newsletter"] = store.Consent{Given: false, PolicyVersion: "2026-04-01", At: time.Now()}
		return m, nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.EraseMember(ctx, ids[3]); err != nil {
		t.Fatal(err)
	}
	if err := f.store.DeleteMember(ctx, ids[3]); err != nil {
		t.Fatal(err)
	}
	send, err := f.svc.Send(ctx, "autumn", newsletter.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f.exactlyOnce(map[string]bool{"alum0@example.jp": true, "alum2@example.jp": true, "alum4@example.jp": true})
	if send.Report.Sent != 3 || send.Report.Suppressed != 2 {
		t.Fatalf("report %+v", send.Report)
	}
	b, _ := f.store.GetDeliveryBatch(ctx, "autumn", "000001")
	if b.Recipients[1].Skipped != "unsubscribed" || b.Recipients[3].Skipped != "erased" {
		t.Fatalf("skipped: %+v", b.Recipients)
	}
}
