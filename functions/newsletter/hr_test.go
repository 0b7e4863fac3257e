package newsletter_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/cms"
	"github.com/okaeri/okaeri/functions/content/schema"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/idempotency"
	"github.com/okaeri/okaeri/functions/newsletter"
	"github.com/okaeri/okaeri/functions/newsletter/compose"
	"github.com/okaeri/okaeri/functions/store"
)

// portal puts the newsletter routes behind what `okaeri serve` puts in
// front of every route: security headers, the same-origin rule, and
// Idempotency-Key on state-changing routes (scoped to the member, as core's Guard does).
func (f *fixture) portal(accounts *account.Service) *httptest.Server {
	mux := http.NewServeMux()
	idem := idempotency.Middleware(f.store, idempotency.Options{Scope: func(r *http.Request) (string, bool) {
		if m, _, ok := accounts.Authenticate(r); ok {
			return "member:" + m.ID, true
		}
		return "client:" + httpapi.ClientIPOf(r), true
	}})
	for p, h := range (newsletter.Handler{S: f.svc, Accounts: accounts}).Routes() {
		if strings.HasPrefix(p, "POST ") {
			h = idem(h)
		}
		mux.Handle(p, h)
	}
	srv := httptest.NewServer(httpapi.Chain(mux, httpapi.SecurityHeaders, httpapi.SameOrigin(nil)))
	f.t.Cleanup(srv.Close)
	return srv
}

// page is one answer, redirects not followed.
type page struct {
	status int
	header http.Header
	body   string
}

// request asks srv for path; hdr are header name, value pairs.
func request(t *testing.T, srv *httptest.Server, method, path string, form url.Values, c *http.Cookie, hdr ...string) page {
	t.Helper()
	var req *http.Request
	if form != nil {
		req, _ = http.NewRequest(method, srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req, _ = http.NewRequest(method, srv.URL+path, nil)
	}
	if c != nil {
		req.AddCookie(c)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := noRedirect().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return page{resp.StatusCode, resp.Header, body(t, resp)}
}

// browser is what a browser sends with a page request and a form post
// from the portal's own page.
var (
	browserGet  = []string{"Accept", "text/html,application/xhtml+xml", "Accept-Language", "ja"}
	browserPost = []string{"Accept", "text/html", "Origin", "", "Sec-Fetch-Site", "same-origin"}
)

func mustContain(t *testing.T, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Fatalf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

func mustNotContain(t *testing.T, what, s string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(s, w) {
			t.Fatalf("%s has %q:\n%s", what, w, s)
		}
	}
}

// hrSends stores the sends HR's pages show: autumn-2026 synced from
// testdata (Japanese and English, ready), spring-2026 stored by an older
// version (no rendering), summer-2026 failed halfway with a report.
func (f *fixture) hrSends(ctx context.Context) {
	f.t.Helper()
	f.svc.Now = func() time.Time { return time.Date(2026, 9, 20, 0, 0, 0, 0, time.UTC) }
	if _, err := compose.Sync(ctx, f.svc, testContent); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.store.CreateNewsletterSend(ctx, store.NewsletterSend{Slug: "spring-2026", Status: store.SendReady,
		Source: map[string]string{"ja": springJa}, Actor: "cli", CreatedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		f.t.Fatal(err)
	}
	prepareIn(f.t, f.svc, "summer-2026")
	if _, err := f.store.UpdateNewsletterSend(ctx, "summer-2026", func(s store.NewsletterSend) (store.NewsletterSend, error) {
		s.Status, s.Actor = store.SendFailed, "cli"
		s.StartedAt, s.FinishedAt = time.Date(2026, 7, 1, 1, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 1, 5, 0, 0, time.UTC)
		s.Report = store.SendReport{Recipients: 2400, Sent: 1000, Failed: 1000, Suppressed: 37, Uncertain: 0, Pending: 363, Batches: 3, Requests: 9}
		s.Error = "SendGrid refused batch 000002: 400 invalid from address"
		return s, nil
	}); err != nil {
		f.t.Fatal(err)
	}
}

// HR's newsletter pages: who may see them, what they show, in which
// language, and the form that starts a send exactly once.
func TestHRNewsletterPages(t *testing.T) {
	f := newFixture(t, newsletter.Config{}) // as on AWS: the request only marks the send
	ctx := context.Background()
	f.addMembers(0, 5, memberSpec{consent: true})
	f.hrSends(ctx)
	hr, err := f.store.CreateMember(ctx, store.Member{Email: "hr@example.co.jp", Name: "人事 担当", Language: store.LanguageJa, Status: store.StatusApproved, Roles: []store.Role{store.RoleHR}})
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := f.store.CreateMember(ctx, store.Member{Email: "plain@example.co.jp", Name: "一般 会員", Language: store.LanguageJa, Status: store.StatusApproved})
	srv := f.portal(f.accounts())
	admin, member := f.sessionCookie(hr), f.sessionCookie(plain)
	post := append([]string(nil), browserPost...)
	post[3] = srv.URL

	// Nobody but HR: a visitor is sent to log in and back, a member is refused.
	for _, path := range []string{"/hr/newsletters", "/hr/newsletters/autumn-2026"} {
		if p := request(t, srv, "GET", path, nil, nil, browserGet...); p.status != 303 || p.header.Get("Location") != "/login/?next="+url.QueryEscape(path) {
			t.Fatalf("visitor on %s: %d %q", path, p.status, p.header.Get("Location"))
		}
		if p := request(t, srv, "GET", path, nil, nil); p.status != 401 || !strings.HasPrefix(p.header.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("API client without a session on %s: %d %s", path, p.status, p.header.Get("Content-Type"))
		}
		p := request(t, srv, "GET", path, nil, member, browserGet...)
		if p.status != 403 || !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") {
			t.Fatalf("member on %s: %d", path, p.status)
		}
		mustContain(t, "the member's refusal", p.body, "事務局（管理者）専用", `href="/members/"`)
		mustNotContain(t, "the member's refusal", p.body, "アルムナイ通信 2026年秋号")
		if p := request(t, srv, "GET", path, nil, member, "Accept", "application/json"); p.status != 403 || !strings.HasPrefix(p.header.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("member's API call on %s: %d %s", path, p.status, p.header.Get("Content-Type"))
		}
	}

	// The list: every send, newest first, in words and Japan time.
	list := request(t, srv, "GET", "/hr/newsletters", nil, admin, browserGet...)
	if list.status != 200 || list.header.Get("Content-Language") != "ja" {
		t.Fatalf("list: %d %q", list.status, list.header.Get("Content-Language"))
	}
	mustContain(t, "the list", list.body, `<table class="stacked names sends">`, `<td data-label="送信レポート"><ul class="figures">`, `<html lang="ja">`, `<a href="/hr/newsletters" aria-current="page">ニュースレター</a>`,
		`href="/hr/events"`, `href="/hr/jobs"`, `href="/hr/registrations"`,
		`<a href="/hr/newsletters/autumn-2026" lang="ja">アルムナイ通信 2026年秋号</a>`, `<span lang="en">Alumni News, Autumn 2026</span>`,
		"【アルムナイ通信】秋号", "ニュースレターの受け取りに同意したすべてのメンバー",
		`<time datetime="2026-10-01T01:00:00Z">2026年10月1日 10:00</time>`, `data-status="ready">未配信`,
		`data-status="failed">停止（エラー）`, `<li>送った人数 <span class="count">2037 人</span></li><li>届いた <span class="count">1000 人</span></li><li>開封 <span class="count">0 人</span></li><li>クリック <span class="count">0 人</span></li><li>配信停止 <span class="count">0 人</span></li><li>届かなかった <span class="count">1037 人</span></li><li>送信待ち <span class="count">363 人</span></li></ul>`,
		`<time datetime="2026-07-01T01:00:00Z">2026年7月1日 10:00</time>`, `<time datetime="2026-07-01T01:05:00Z">2026年7月1日 10:05</time>`,
		`<a href="/hr/newsletters/spring-2026" lang="ja">spring-2026</a>`)
	order := regexp.MustCompile(`id="send-([a-z0-9-]+)"`).FindAllStringSubmatch(list.body, -1)
	if len(order) != 3 || order[0][1] != "autumn-2026" || order[1][1] != "summer-2026" || order[2][1] != "spring-2026" {
		t.Fatalf("order %v, want newest first: autumn (goes 10-01), summer (started 07-01), spring (synced 03-01)", order)
	}

	// One send: facts, the email in a sandboxed frame, the text part, the form.
	autumn := f.storedSend("autumn-2026")
	detail := request(t, srv, "GET", "/hr/newsletters/autumn-2026", nil, admin, browserGet...)
	if detail.status != 200 {
		t.Fatalf("detail: %d", detail.status)
	}
	if csp := detail.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") ||
		detail.header.Get("X-Frame-Options") != "DENY" {
		t.Fatalf("the page may be framed or run inline code: %q %q", csp, detail.header.Get("X-Frame-Options"))
	}
	mustContain(t, "the detail", detail.body, `<h1 lang="ja">アルムナイ通信 2026年秋号</h1>`, `id="send-status" data-status="ready">未配信`,
		"10月17日のホームカミングデー、参加受付中です。", // the preheader, beside the frame
		`<section class="newsletter-edition" lang="ja"`, `<div class="newsletter-frame" role="region" aria-label="メールのプレビュー (日本語版)" tabindex="0"><iframe`, `<section class="newsletter-edition" lang="en"`,
		`<iframe class="newsletter-preview" title="メールのプレビュー (日本語版)" sandbox srcdoc="&lt;!DOCTYPE html&gt;`,
		"山田 花子 様", "Dear Hanako Yamada,", `<pre class="pre newsletter-text">山田 花子 様`,
		`<form method="post" action="/api/hr/newsletters/autumn-2026/send" class="form stack">`,
		`<input type="hidden" name="version" value="`+strconv.FormatInt(autumn.Version, 10)+`">`,
		`<input type="checkbox" id="confirmed" name="confirmed" value="on" required>`, "配信を予約する", "2026年10月1日 10:00")
	// HR is told what to do in words, not commands, and opens the
	// newsletter in the CMS's own collection rather than by its file name.
	mustNotContain(t, "the detail", detail.body, "okaeri newsletter preview", "content/newsletters/")
	collection := ""
	for _, k := range schema.Schema {
		if k.Name == schema.Newsletters {
			collection = cms.CollectionName(k, false)
		}
	}
	mustContain(t, "the detail", detail.body, `<a href="/admin/#/collections/`+collection+`/entries/autumn-2026">「コンテンツの編集」でこのニュースレターを開く</a>`)
	// The email is the frame's document only: nothing of it is markup of the page.
	mustNotContain(t, "the detail", detail.body, `<html lang="ja" dir="ltr"`, "[[okaeri:", `<div role="article"`, "<script")
	frames := regexp.MustCompile(`<iframe [^>]*>`).FindAllString(detail.body, -1)
	if len(frames) != 2 {
		t.Fatalf("%d frames, want one per edition", len(frames))
	}
	for _, fr := range frames {
		// The frame's own attributes: the mail in srcdoc has its own src= (the logo).
		own, _, _ := strings.Cut(fr, "srcdoc=")
		if !regexp.MustCompile(` sandbox srcdoc="`).MatchString(fr) || strings.Contains(own, "allow-") || strings.Contains(own, " src=") {
			t.Fatalf("a frame that is not fully sandboxed: %.200s", fr)
		}
	}

	// Not rendered: the message that says to run okaeri sync, and no form.
	spring := request(t, srv, "GET", "/hr/newsletters/spring-2026", nil, admin, browserGet...)
	mustContain(t, "the unrendered send", spring.body, `id="not-rendered"`, "okaeri sync をもう一度実行してから")
	mustNotContain(t, "the unrendered send", spring.body, "<iframe", `action="/api/hr/newsletters/spring-2026/send"`) // the header has its logout form

	// Failed halfway: the last error, every count, and a form that resumes.
	summer := request(t, srv, "GET", "/hr/newsletters/summer-2026", nil, admin, browserGet...)
	mustContain(t, "the failed send", summer.body, `id="last-error"`, "400 invalid from address", `id="count-went-to">2037 人<`,
		`id="count-delivered">1000 人 <span class="rate">(49%)</span>`, `id="count-not-delivered">1037 人 <span class="rate">(51%)</span>`,
		`id="count-opened">0 人 <span class="rate">(0%)</span>`, "配信停止や宛先エラーで除外 37 人、送信失敗 1000 人、送信できたか不明 0 人",
		`id="count-pending">まだ送っていない人が 363 人います。`, "運用担当者（管理コマンド）", "配信を再開する")
	mustNotContain(t, "the failed send", summer.body, "バッチ", "リクエスト")

	// A slug that is not there: 404, as a problem for an API client and as a page for a browser.
	p := request(t, srv, "GET", "/hr/newsletters/no-such-issue", nil, admin, "Accept", "application/json")
	if p.status != 404 || !strings.HasPrefix(p.header.Get("Content-Type"), "application/problem+json") || !strings.Contains(p.body, "okaeri sync") {
		t.Fatalf("bad slug, API: %d %s %s", p.status, p.header.Get("Content-Type"), p.body)
	}
	if p = request(t, srv, "GET", "/hr/newsletters/no-such-issue", nil, admin, browserGet...); p.status != 404 || !strings.Contains(p.body, `href="/hr/newsletters"`) {
		t.Fatalf("bad slug, browser: %d %s", p.status, p.body)
	}

	// The form. Unconfirmed, or from another site: refused, nothing written.
	f.svc.Now = func() time.Time { return time.Date(2026, 10, 2, 0, 0, 0, 0, time.UTC) } // send_at has passed
	version := strconv.FormatInt(autumn.Version, 10)
	if p = request(t, srv, "POST", "/api/hr/newsletters/autumn-2026/send", url.Values{"version": {version}}, admin, post...); p.status != 400 ||
		!strings.Contains(p.body, "配信前の確認") {
		t.Fatalf("unconfirmed: %d %s", p.status, p.body)
	}
	if p = request(t, srv, "POST", "/api/hr/newsletters/autumn-2026/send", url.Values{"version": {version}, "confirmed": {"on"}}, admin,
		"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); p.status != 403 {
		t.Fatalf("cross-site: %d", p.status)
	}
	if got := f.storedSend("autumn-2026"); got.Version != autumn.Version || got.Status != store.SendReady {
		t.Fatalf("a refused form wrote the send: v%d %s", got.Version, got.Status)
	}

	// Posted twice (a double click, or the browser sending it again): it
	// starts once, and the second answer says so.
	form := url.Values{"version": {version}, "confirmed": {"on"}}
	first := request(t, srv, "POST", "/api/hr/newsletters/autumn-2026/send", form, admin, post...)
	if first.status != 303 || first.header.Get("Location") != "/hr/newsletters/autumn-2026?started=1" {
		t.Fatalf("first post: %d %q %s", first.status, first.header.Get("Location"), first.body)
	}
	started := f.storedSend("autumn-2026")
	second := request(t, srv, "POST", "/api/hr/newsletters/autumn-2026/send", form, admin, post...)
	if second.status != 303 || second.header.Get("Location") != "/hr/newsletters/autumn-2026?already=1" {
		t.Fatalf("second post: %d %q %s", second.status, second.header.Get("Location"), second.body)
	}
	after := f.storedSend("autumn-2026")
	if started.Version != autumn.Version+1 || after.Version != started.Version || after.Status != store.SendSending || after.Actor != "hr:"+hr.ID {
		t.Fatalf("versions %d → %d → %d, status %s, actor %s: want one write by HR", autumn.Version, started.Version, after.Version, after.Status, after.Actor)
	}
	if entries, _, _ := f.store.ListAudit(ctx, store.AuditQuery{Subject: "autumn-2026"}, store.Page{}); len(entries) != 1 || entries[0].Action != "newsletter.send" {
		t.Fatalf("audit: %+v, want one newsletter.send", entries)
	}
	p = request(t, srv, "GET", first.header.Get("Location"), nil, admin, browserGet...)
	mustContain(t, "the page after starting", p.body, `<p class="notice" role="status">配信を開始しました。</p>`, `data-status="sending">配信中`)
	mustNotContain(t, "the page after starting", p.body, `action="/api/hr/newsletters/autumn-2026/send"`)
	p = request(t, srv, "GET", second.header.Get("Location"), nil, admin, browserGet...)
	mustContain(t, "the page after the second post", p.body, "この配信はすでに開始されています。")
	// The scheduler sends it: everyone once.
	if done, err := f.svc.RunDue(ctx); err != nil || len(done) != 1 || done[0].Status != store.SendDone {
		t.Fatalf("RunDue: %+v %v", done, err)
	}
	f.exactlyOnce(addresses(0, 5))

	// The JSON API: a stale version is a 409 problem; an Idempotency-Key
	// retry replays the first answer and writes nothing more.
	summerSend := f.storedSend("summer-2026")
	stale := `{"version":` + strconv.FormatInt(summerSend.Version-1, 10) + `}`
	if p = requestJSON(t, srv, "/api/hr/newsletters/summer-2026/send", stale, admin); p.status != 409 || !strings.Contains(p.body, "確認したあとに") {
		t.Fatalf("stale version: %d %s", p.status, p.body)
	}
	a := requestJSON(t, srv, "/api/hr/newsletters/summer-2026/send", "{}", admin, idempotency.Header, "retry-1")
	b := requestJSON(t, srv, "/api/hr/newsletters/summer-2026/send", "{}", admin, idempotency.Header, "retry-1")
	if a.status != 202 || b.status != 202 || a.body != b.body || f.storedSend("summer-2026").Version != summerSend.Version+1 {
		t.Fatalf("Idempotency-Key retry: %d %d, version %d → %d", a.status, b.status, summerSend.Version, f.storedSend("summer-2026").Version)
	}

	// An administrator who reads English gets the pages in English.
	if _, err := f.store.UpdateMember(ctx, hr.ID, func(m store.Member) (store.Member, error) { m.Language = store.LanguageEn; return m, nil }); err != nil {
		t.Fatal(err)
	}
	list = request(t, srv, "GET", "/hr/newsletters", nil, admin, browserGet...)
	mustContain(t, "the English list", list.body, `<html lang="en">`, "<h1>Newsletters</h1>", `data-status="done">Done`, `data-status="sending">Sending`,
		"Every member who agreed to receive the newsletter", `<p class="subject">Subject: <span lang="ja">`, `href="/en/members/"`, `aria-current="page">Newsletters</a>`)
	// English first for HR who reads English; no warning before the time.
	mustContain(t, "the English list", list.body, `<a href="/hr/newsletters/autumn-2026" lang="en">Alumni News, Autumn 2026</a><br><span lang="ja">アルムナイ通信 2026年秋号</span>`)
	mustNotContain(t, "the English list", list.body, "Planned time passed")
	p = request(t, srv, "GET", "/hr/newsletters/spring-2026", nil, admin, browserGet...)
	mustContain(t, "the English detail", p.body, `<html lang="en">`, "Run okaeri sync again", "Send report")
}

// A ready send whose planned time has passed does not start by itself:
// HR's list says so beside the time, as HR's home does.
func TestHRNewsletterListSaysAPlannedTimePassed(t *testing.T) {
	f := newFixture(t, newsletter.Config{})
	ctx := context.Background()
	f.hrSends(ctx)
	hr, err := f.store.CreateMember(ctx, store.Member{Email: "hr@example.co.jp", Name: "人事 担当", Language: store.LanguageJa, Status: store.StatusApproved, Roles: []store.Role{store.RoleHR}})
	if err != nil {
		t.Fatal(err)
	}
	srv := f.portal(f.accounts())
	const late = `<time datetime="2026-10-01T01:00:00Z">2026年10月1日 10:00</time><br><span class="badge badge-warn">予定の時刻を過ぎています</span>`
	list := request(t, srv, "GET", "/hr/newsletters", nil, f.sessionCookie(hr), browserGet...)
	mustContain(t, "the list before the time", list.body, `<time datetime="2026-10-01T01:00:00Z">2026年10月1日 10:00</time>`)
	mustNotContain(t, "the list before the time", list.body, "予定の時刻を過ぎています")
	f.svc.Now = func() time.Time { return time.Date(2026, 10, 1, 2, 0, 0, 0, time.UTC) }
	list = request(t, srv, "GET", "/hr/newsletters", nil, f.sessionCookie(hr), browserGet...)
	mustContain(t, "the list an hour after autumn's planned time", list.body, late)
	if strings.Count(list.body, "badge-warn") != 1 {
		t.Error("a send without a planned time, or a failed one, is said to be late")
	}
}

// requestJSON posts a JSON body as an API client of the portal's origin.
func requestJSON(t *testing.T, srv *httptest.Server, path, payload string, c *http.Cookie, hdr ...string) page {
	t.Helper()
	req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	req.AddCookie(c)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return page{resp.StatusCode, resp.Header, body(t, resp)}
}
