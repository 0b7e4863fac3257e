package newsletter_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/outbox"
	"github.com/okaeri/okaeri/functions/mail/sendgrid"
	"github.com/okaeri/okaeri/functions/mail/sendgrid/sendgridtest"
	"github.com/okaeri/okaeri/functions/newsletter"
	"github.com/okaeri/okaeri/functions/newsletter/compose"
	"github.com/okaeri/okaeri/functions/store"
)

// server puts the newsletter routes behind the portal's own same-origin
// middleware, as okaeri serve does for everything under /api/.
func (f *fixture) server(accounts *account.Service) *httptest.Server {
	mux := http.NewServeMux()
	for p, h := range (newsletter.Handler{S: f.svc, Accounts: accounts}).Routes() {
		mux.Handle(p, h)
	}
	srv := httptest.NewServer(httpapi.SameOrigin(slog.New(slog.DiscardHandler))(mux))
	f.t.Cleanup(srv.Close)
	return srv
}

// accounts is the account service the HR routes check sessions with:
// hr@example.co.jp is HR's administrator.
func (f *fixture) accounts() *account.Service {
	return account.New(f.store, mail.Mailer(nil), testKeys, account.Config{BaseURL: "https://alumni.example.co.jp", Admins: []string{"hr@example.co.jp"}}, nil)
}

// sessionCookie logs m in and returns the session cookie.
func (f *fixture) sessionCookie(m store.Member) *http.Cookie {
	f.t.Helper()
	secret := auth.NewToken()
	if err := f.store.CreateSession(context.Background(), store.Session{ID: store.HashToken(secret), MemberID: m.ID, CreatedAt: time.Now(), LastSeenAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		f.t.Fatal(err)
	}
	return &http.Cookie{Name: account.SessionCookie, Value: testKeys.Sign(secret)}
}

// call makes a request to srv, with a session cookie if c is set, and
// returns the status and body.
func call(t *testing.T, srv *httptest.Server, method, path string, c *http.Cookie) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, nil)
	if c != nil {
		req.AddCookie(c)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, body(t, resp)
}

func noRedirect() *http.Client {
	return &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// One-click unsubscribe without logging in: GET confirms, POST (the
// page's button or RFC 8058 one-click) unsubscribes; both idempotent.
func TestUnsubscribeHTTP(t *testing.T) {
	f := newFixture(t, newsletter.Config{})
	ids := f.addMembers(0, 2, memberSpec{consent: true})
	srv := f.server(nil)
	link := srv.URL + newsletter.UnsubscribePath + "?token=" + url.QueryEscape(tokenFor(t, f.svc, ids[0]))
	c := noRedirect()

	get := func(u string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, u, nil)
		req.Header.Set("Accept", "text/html")
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body(t, resp)
	}
	status, page := get(link)
	if status != 200 || !strings.Contains(page, `<form method="post" action="/api/unsubscribe?token=`) || !strings.Contains(page, "配信を停止する") || !strings.Contains(page, `lang="ja"`) {
		t.Fatalf("confirmation page %d:\n%s", status, page)
	}
	m, _ := f.store.GetMember(context.Background(), ids[0])
	if !m.Consents["newsletter"].Given {
		t.Fatal("GET unsubscribed: it must only confirm")
	}

	// RFC 8058: the mail provider POSTs List-Unsubscribe=One-Click, with no Origin.
	for range 2 {
		resp, err := c.Post(link, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
		if err != nil {
			t.Fatal(err)
		}
		if b := body(t, resp); resp.StatusCode != 200 || !strings.Contains(b, `"unsubscribed"`) {
			t.Fatalf("one-click POST: %d %s", resp.StatusCode, b)
		}
	}
	m, _ = f.store.GetMember(context.Background(), ids[0])
	if m.Consents["newsletter"].Given || len(m.ConsentHistory) != 1 || m.ConsentHistory[0].Purpose != "newsletter" || m.ConsentHistory[0].Given {
		t.Fatalf("after unsubscribing twice: consent %+v, history %+v", m.Consents["newsletter"], m.ConsentHistory)
	}
	if ok, _ := store.IsSuppressed(context.Background(), f.store, m.Email); !ok {
		t.Fatal("the address is not on the suppression list")
	}
	entries, _, _ := f.store.ListAudit(context.Background(), store.AuditQuery{Subject: ids[0]}, store.Page{})
	if len(entries) != 1 || entries[0].Action != "newsletter.unsubscribe" {
		t.Fatalf("audit: %+v (one entry, not one per click)", entries)
	}
	status, page = get(link)
	if status != 200 || !strings.Contains(page, "配信は停止されています") || strings.Contains(page, `action="/api/unsubscribe`) {
		t.Fatalf("GET after unsubscribing: %d\n%s", status, page)
	}

	// The page's own button: a same-origin form post from a browser.
	link2 := srv.URL + newsletter.UnsubscribePath + "?token=" + url.QueryEscape(tokenFor(t, f.svc, ids[1]))
	req, _ := http.NewRequest(http.MethodPost, link2, strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	req.Header.Set("Origin", srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if b := body(t, resp); resp.StatusCode != 200 || !strings.Contains(b, "配信を停止しました") || !strings.Contains(b, "/members/preferences/") {
		t.Fatalf("form post: %d\n%s", resp.StatusCode, b)
	}

	// A forged token is refused and changes nothing.
	for _, bad := range []string{"", "abc", testKeys.Sign("session-id"), strings.Replace(tokenFor(t, f.svc, ids[1]), "unsub", "unsuB", 1)} {
		resp, err := c.Post(srv.URL+newsletter.UnsubscribePath+"?token="+url.QueryEscape(bad), "application/x-www-form-urlencoded", nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != 400 {
			t.Fatalf("forged token %q: %d", bad, resp.StatusCode)
		}
		resp.Body.Close()
		if status, _ := get(srv.URL + newsletter.UnsubscribePath + "?token=" + url.QueryEscape(bad)); status != 400 {
			t.Fatalf("GET with forged token %q: %d", bad, status)
		}
	}
	// Another site's page cannot post it (the browser says so).
	req, _ = http.NewRequest(http.MethodPost, link2, nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, _ = c.Do(req)
	if resp.StatusCode != 403 {
		t.Fatalf("cross-site POST: %d", resp.StatusCode)
	}
	resp.Body.Close()

	// An English member sees English.
	en := f.addMembers(10, 1, memberSpec{consent: true, lang: store.LanguageEn})
	_, page = get(srv.URL + newsletter.UnsubscribePath + "?token=" + url.QueryEscape(tokenFor(t, f.svc, en[0])))
	if !strings.Contains(page, `lang="en"`) || !strings.Contains(page, "Stop receiving the alumni newsletter?") {
		t.Fatalf("English page:\n%s", page)
	}
}

// The SendGrid Event Webhook: a bad signature is 401, a stale one too, the
// same event twice is applied once, and the route needs no same-origin
// headers (SendGrid sends none).
func TestWebhookHTTP(t *testing.T) {
	key, err := sendgridtest.NewWebhookKey()
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := sendgrid.NewWebhookVerifier(key.PublicBase64)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, newsletter.Config{Webhook: verifier})
	ids := f.addMembers(0, 3, memberSpec{consent: true})
	srv := f.server(nil)
	now := time.Now()
	events := []map[string]any{
		{"email": "alum0@example.jp", "event": "bounce", "type": "bounce", "sg_event_id": "ev-bounce-0", "timestamp": now.Unix(), "okaeri_send": "autumn", "okaeri_member": ids[0]},
		{"email": "alum1@example.jp", "event": "bounce", "type": "blocked", "sg_event_id": "ev-blocked-1", "timestamp": now.Unix()},
		{"email": "alum2@example.jp", "event": "spamreport", "sg_event_id": "ev-spam-2", "timestamp": now.Unix(), "okaeri_send": "autumn"},
		{"email": "alum1@example.jp", "event": "open", "sg_event_id": "ev-open-1", "timestamp": now.Unix(), "okaeri_send": "autumn", "okaeri_member": ids[1], "okaeri_batch": "000001"},
		{"email": "alum1@example.jp", "event": "click", "sg_event_id": "ev-click-1", "timestamp": now.Unix(), "url": "https://alumni.example.co.jp/events/x/?token=secret", "okaeri_send": "autumn", "okaeri_member": ids[1]},
		{"email": "alum1@example.jp", "event": "delivered", "sg_event_id": "ev-delivered-1", "timestamp": now.Unix()},
	}
	post := func(req *http.Request) (int, newsletter.WebhookResult) {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var res newsletter.WebhookResult
		b := body(t, resp)
		_ = json.Unmarshal([]byte(b), &res)
		return resp.StatusCode, res
	}
	signed := func(evs []map[string]any, at time.Time) *http.Request {
		req, err := key.WebhookRequest(srv.URL+newsletter.WebhookPath, evs, at)
		if err != nil {
			t.Fatal(err)
		}
		return req
	}

	// Bad signature: 401 and nothing applied.
	req := signed(events, now)
	req.Header.Set(sendgrid.SignatureHeader, "MEUCIQDxxxx")
	if status, _ := post(req); status != 401 {
		t.Fatalf("bad signature: %d", status)
	}
	other, _ := sendgridtest.NewWebhookKey()
	req, _ = other.WebhookRequest(srv.URL+newsletter.WebhookPath, events, now)
	if status, _ := post(req); status != 401 {
		t.Fatalf("signed by another key: %d", status)
	}
	if status, _ := post(signed(events, now.Add(-11*time.Minute))); status != 401 {
		t.Fatalf("stale timestamp: %d", status)
	}
	unsigned, _ := http.NewRequest(http.MethodPost, srv.URL+newsletter.WebhookPath, strings.NewReader("[]"))
	if status, _ := post(unsigned); status != 401 {
		t.Fatalf("no signature: %d", status)
	}
	if ok, _ := store.IsSuppressed(context.Background(), f.store, "alum0@example.jp"); ok {
		t.Fatal("a refused webhook changed the suppression list")
	}

	// Good signature, twice: applied once.
	status, res := post(signed(events, now))
	if status != 200 || res.Suppressed != 2 || res.Engagement != 2 || res.Events != 6 {
		t.Fatalf("first delivery: %d %+v", status, res)
	}
	status, res = post(signed(events, now))
	if status != 200 || res.Suppressed != 0 || res.Engagement != 0 || res.Duplicates != 4 || res.Unsupported != 2 {
		t.Fatalf("second delivery: %d %+v, want nothing applied again", status, res)
	}
	ctx := context.Background()
	sup, err := f.store.GetSuppression(ctx, "alum0@example.jp")
	if err != nil || !sup.Has(store.SuppressBounce) || sup.Reasons[store.SuppressBounce].EventID != "ev-bounce-0" || sup.Reasons[store.SuppressBounce].Slug != "autumn" {
		t.Fatalf("bounce suppression: %+v, %v", sup, err)
	}
	if ok, _ := store.IsSuppressed(ctx, f.store, "alum1@example.jp"); ok {
		t.Fatal("a soft bounce (blocked) suppressed the address")
	}
	m2, _ := f.store.GetMember(ctx, ids[2])
	if m2.Consents["newsletter"].Given {
		t.Fatal("a spam report left the newsletter consent on")
	}
	m0, _ := f.store.GetMember(ctx, ids[0])
	if !m0.Consents["newsletter"].Given {
		t.Fatal("a bounce changed the member's consent")
	}
	eng, _ := f.store.ListMemberEngagement(ctx, ids[1])
	if len(eng) != 2 || eng[1].URL != "https://alumni.example.co.jp/events/x/" && eng[0].URL != "https://alumni.example.co.jp/events/x/" {
		t.Fatalf("engagement %+v", eng)
	}

	// A cross-site browser post is still refused by the same-origin rule;
	// SendGrid's posts carry no Origin and pass it.
	req = signed(events, now)
	req.Header.Set("Origin", "https://evil.example")
	if status, _ := post(req); status != 403 {
		t.Fatalf("a browser post from another site: %d", status)
	}

	// No key configured: every event is refused.
	f.svc.Config.Webhook = nil
	if status, _ := post(signed(events, now)); status != 503 {
		t.Fatalf("without a key: %d", status)
	}
}

// HR starts a send with an admin session; it runs in this process and
// the status endpoint reports it.
func TestHRStartsSend(t *testing.T) {
	f := newFixture(t, newsletter.Config{Background: true})
	f.svc.Sleep = func(ctx context.Context, d time.Duration) error { return ctx.Err() }
	f.addMembers(0, 1_500, memberSpec{consent: true})
	ctx := context.Background()
	hr, err := f.store.CreateMember(ctx, store.Member{Email: "hr@example.co.jp", Name: "人事 担当", Language: store.LanguageJa, Status: store.StatusApproved, Roles: []store.Role{store.RoleHR}})
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := f.store.CreateMember(ctx, store.Member{Email: "plain@example.co.jp", Name: "一般 会員", Language: store.LanguageJa, Status: store.StatusApproved})
	srv := f.server(f.accounts())
	cookie := f.sessionCookie
	do := func(method, path string, c *http.Cookie) (int, string) { return call(t, srv, method, path, c) }
	if status, _ := do("POST", "/api/hr/newsletters/autumn/send", nil); status != 401 {
		t.Fatalf("no session: %d", status)
	}
	if status, _ := do("POST", "/api/hr/newsletters/autumn/send", cookie(plain)); status != 403 {
		t.Fatalf("not an admin: %d", status)
	}
	admin := cookie(hr)
	if status, b := do("POST", "/api/hr/newsletters/autumn/send", admin); status != 404 || !strings.Contains(b, "okaeri sync") {
		t.Fatalf("not synced yet: %d %s", status, b)
	}
	if _, err := compose.Sync(ctx, f.svc, testContent); err != nil {
		t.Fatal(err)
	}
	// testdata's send_at is 2026-10-01: on a clock after it, it goes at once.
	f.svc.Now = func() time.Time { return time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC) }
	status, b := do("POST", "/api/hr/newsletters/autumn-2026/send", admin)
	if status != 202 || !strings.Contains(b, `"status":"sending"`) {
		t.Fatalf("start: %d %s", status, b)
	}
	f.svc.Wait()
	status, b = do("GET", "/api/hr/newsletters/autumn-2026", admin)
	var view newsletter.SendView
	_ = json.Unmarshal([]byte(b), &view)
	if status != 200 || view.Status != store.SendDone || view.Report.Sent != 1_500 || view.Actor != "hr:"+hr.ID || view.Running {
		t.Fatalf("status: %d %s", status, b)
	}
	f.exactlyOnce(addresses(0, 1_500))
	entries, _, _ := f.store.ListAudit(ctx, store.AuditQuery{Subject: "autumn-2026"}, store.Page{})
	if len(entries) != 1 || entries[0].Action != "newsletter.send" || entries[0].Actor != "hr:"+hr.ID {
		t.Fatalf("audit %+v", entries)
	}
	if status, b := do("GET", "/api/hr/newsletters", admin); status != 200 || !strings.Contains(b, `"slug":"autumn-2026"`) || strings.Contains(b, "source") {
		t.Fatalf("list: %d %s", status, b)
	}
}

// A send_at in the future schedules the send; RunDue sends it when due.
func TestScheduledSend(t *testing.T) {
	f := newFixture(t, newsletter.Config{})
	f.addMembers(0, 20, memberSpec{consent: true})
	ctx := context.Background()
	if _, err := compose.Sync(ctx, f.svc, testContent); err != nil {
		t.Fatal(err)
	}
	f.svc.Now = func() time.Time { return time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC) }
	send, err := f.svc.Send(ctx, "autumn-2026", newsletter.RunOptions{})
	if err != nil || send.Status != store.SendScheduled || len(f.fake.Requests()) != 0 {
		t.Fatalf("before send_at: %s, %v, %d requests", send.Status, err, len(f.fake.Requests()))
	}
	if done, err := f.svc.RunDue(ctx); err != nil || len(done) != 0 {
		t.Fatalf("RunDue before send_at ran %d: %v", len(done), err)
	}
	f.svc.Now = func() time.Time { return time.Date(2026, 10, 1, 1, 0, 1, 0, time.UTC) }
	done, err := f.svc.RunDue(ctx)
	if err != nil || len(done) != 1 || done[0].Status != store.SendDone {
		t.Fatalf("RunDue after send_at: %+v, %v", done, err)
	}
	f.exactlyOnce(addresses(0, 20))
}

// Transactional mail skips hard-bounced addresses, and only those.
func TestBounceGuard(t *testing.T) {
	f := newFixture(t, newsletter.Config{})
	dir := t.TempDir()
	box, err := outbox.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := newsletter.BounceGuard{Next: box, Suppressions: f.store}
	ctx := context.Background()
	now := time.Now()
	f.store.Suppress(ctx, "bounced@example.jp", store.SuppressBounce, store.SuppressionMark{At: now})
	f.store.Suppress(ctx, "unsub@example.jp", store.SuppressUnsubscribe, store.SuppressionMark{At: now})
	f.store.Suppress(ctx, "spam@example.jp", store.SuppressSpamReport, store.SuppressionMark{At: now})
	for _, to := range []string{"Bounced@Example.jp", "unsub@example.jp", "spam@example.jp", "fine@example.jp"} {
		if err := g.Send(ctx, mail.Message{From: sender, To: mail.Address{Email: to}, Subject: "ログイン", Text: "リンク", Category: "login"}); err != nil {
			t.Fatal(err)
		}
	}
	msgs, err := outbox.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 {
		t.Fatalf("%d messages written, want 3 (all but the hard bounce)", len(msgs))
	}
}
