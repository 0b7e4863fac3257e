package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/okaeri/okaeri/functions/mail/outbox"
)

// journeyEmail is the alumna of the account journey; the roster knows her.
const journeyEmail = "sakura.kimura@example.net"

var mailLink = regexp.MustCompile(`https?://\S+`)

// lastMailTo is the newest outbox message to addr, and how many there are.
func lastMailTo(t *testing.T, addr string) (outbox.Entry, int) {
	t.Helper()
	list, err := outbox.List(filepath.Join(suite.dataDir, "outbox"))
	if err != nil {
		t.Fatal(err)
	}
	var last outbox.Entry
	n := 0
	for _, e := range list {
		if strings.Contains(e.To, addr) {
			if n == 0 {
				last = e
			}
			n++
		}
	}
	return last, n
}

// mailWait bounds the wait for a mail: account mail is queued in the store
// and sent by the server after the answer, a moment after the request.
const mailWait = 10 * time.Second

// countMails is how many outbox messages to addr have a subject containing subject.
func countMails(t *testing.T, addr, subject string) int {
	t.Helper()
	return len(mailsIn(t, filepath.Join(suite.dataDir, "outbox"), addr, subject))
}

// waitMail waits until more than before outbox messages to addr have a
// subject containing subject, and returns the newest of them.
func waitMail(t *testing.T, addr, subject string, before int) outbox.Entry {
	t.Helper()
	deadline := time.Now().Add(mailWait)
	for {
		list, err := outbox.List(filepath.Join(suite.dataDir, "outbox"))
		if err != nil {
			t.Fatal(err)
		}
		var match []outbox.Entry
		for _, e := range list {
			if strings.Contains(e.To, addr) && strings.Contains(e.Subject, subject) {
				match = append(match, e)
			}
		}
		if len(match) > before {
			return match[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no new mail to %s with subject %q within %s", addr, subject, mailWait)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// followLink opens an emailed link as a person does: the link shows a page
// with one button (a GET never uses the link up), and the click posts it.
func followLink(t *testing.T, ctx context.Context, e outbox.Entry) {
	t.Helper()
	open(t, ctx, linkPath(t, e))
	if n := count(t, ctx, `main form[method=post] button[type=submit]`); n != 1 {
		t.Fatalf("link page %s: %d buttons, want one\n%s", location(t, ctx).Path, n, bodyText(t, ctx))
	}
	clickAndWait(t, ctx, `main form[method=post] button[type=submit]`)
}

// linkPath is the path and query of the first link in a mail, to open in the tab.
func linkPath(t *testing.T, e outbox.Entry) string {
	t.Helper()
	l := mailLink.FindString(e.Text)
	if l == "" {
		t.Fatalf("no link in mail %q", e.Subject)
	}
	return strings.TrimPrefix(l, suite.baseURL)
}

func setValue(t *testing.T, ctx context.Context, selector, value string) {
	t.Helper()
	sel, _ := json.Marshal(selector)
	val, _ := json.Marshal(value)
	if !evaluate[bool](t, ctx, `(() => { const e = document.querySelector(`+string(sel)+`); if (!e) return false; e.value = `+string(val)+`; return true })()`) {
		t.Fatalf("%s: no field %s", location(t, ctx).Path, selector)
	}
}

func check(t *testing.T, ctx context.Context, selector string, on bool) {
	t.Helper()
	sel, _ := json.Marshal(selector)
	js := `(() => { const e = document.querySelector(` + string(sel) + `); if (!e) return false; e.checked = ` + map[bool]string{true: "true", false: "false"}[on] + `; return true })()`
	if !evaluate[bool](t, ctx, js) {
		t.Fatalf("%s: no checkbox %s", location(t, ctx).Path, selector)
	}
}

// await evaluates an expression whose value is a promise and decodes what it resolves to.
func await[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("await %q: %v", expr, err)
	}
	return v
}

func bodyText(t *testing.T, ctx context.Context) string {
	return evaluate[string](t, ctx, `document.body.innerText`)
}

// TestAccountJourney: register on the site, confirm from the outbox, get
// approved by the roster, log in from the emailed link, edit the profile,
// find myself in the directory, export, erase, and then fail to log in.
func TestAccountJourney(t *testing.T) {
	ctx := newTab(t)

	open(t, ctx, "/register/")
	for sel, v := range map[string]string{
		`[name=email]`: journeyEmail, `[name=name]`: "木村 さくら", `[name=kana]`: "キムラ サクラ",
		`[name=department]`: "デザイン部", `[name=joined]`: "2014-04", `[name=left]`: "2021-09",
	} {
		setValue(t, ctx, sel, v)
	}
	check(t, ctx, `[name=privacy]`, true)
	check(t, ctx, `[name=directory]`, true)
	clickAndWait(t, ctx, `form[action="/api/register"] button[type=submit]`)
	if p := location(t, ctx).Path; p != "/register/sent/" {
		t.Fatalf("after registering: %s\n%s", p, bodyText(t, ctx))
	}

	followLink(t, ctx, waitMail(t, journeyEmail, "メールアドレスの確認", 0))
	if txt := bodyText(t, ctx); !strings.Contains(txt, "承認されました") {
		t.Fatalf("verification page: %s", txt)
	}

	logins := countMails(t, journeyEmail, "ログイン")
	open(t, ctx, "/login/")
	setValue(t, ctx, `[name=email]`, journeyEmail)
	clickAndWait(t, ctx, `form[action="/api/login"] button[type=submit]`)
	if p := location(t, ctx).Path; p != "/login/sent/" {
		t.Fatalf("after asking for a login link: %s", p)
	}
	followLink(t, ctx, waitMail(t, journeyEmail, "ログイン", logins))
	if p := location(t, ctx).Path; p != "/members/" {
		t.Fatalf("login link led to %s", p)
	}
	// The members' home greets her by name (filled in from /api/me).
	greeting := await[string](t, ctx, `new Promise(r => { let n = 0; const g = () => { const e = document.querySelector("[data-greeting]"); if (e && (e.textContent.includes("さくら") || n++ > 100)) r(e ? e.textContent.trim() : ""); else setTimeout(g, 50) }; g() })`)
	if got := evaluate[string](t, ctx, `[...document.querySelectorAll("header [data-guest], header [data-member]")].map(e => e.hidden ? "-" : "+").join("")`); got != "--+" {
		t.Errorf("header for a member: %q, want login and register hidden, logout shown", got)
	}
	if greeting != "おかえりなさい、木村 さくらさん。" {
		t.Errorf("greeting shows %q", greeting)
	}

	open(t, ctx, "/members/profile/")
	// Listed since registration, she is asked once what else to show.
	if txt := bodyText(t, ctx); !strings.Contains(txt, "名簿にほかに何を表示するか選んでください") {
		t.Errorf("the profile does not ask a newly listed member what to show:\n%s", txt)
	}
	setValue(t, ctx, `#company`, "ひだまりデザイン")
	setValue(t, ctx, `#bio`, "**UI デザイン**を担当しています。作品は [ひだまり](https://example.com/hidamari) に。")
	check(t, ctx, `#visible-company`, true)
	check(t, ctx, `#visible-bio`, true)
	clickAndWait(t, ctx, `form.stack[action="/api/me/profile"] button[type=submit]`)
	if u := location(t, ctx); u.Path != "/members/profile/" || !strings.Contains(bodyText(t, ctx), "保存しました") {
		t.Fatalf("after saving the profile: %s", u)
	}

	assertAccessible(t, ctx)
	saveScreenshot(t, ctx, "profile-ja.png")
	open(t, ctx, "/members/directory/?q=ひだまり")
	assertAccessible(t, ctx)
	saveScreenshot(t, ctx, "directory-ja.png")
	if txt := bodyText(t, ctx); !strings.Contains(txt, "木村 さくら") || !strings.Contains(txt, "ひだまりデザイン") || strings.Contains(txt, journeyEmail) {
		t.Fatalf("directory: %s", txt)
	}
	// What the registration promised: department and years, by default.
	if txt := bodyText(t, ctx); !strings.Contains(txt, "デザイン部") || !strings.Contains(txt, "2014年4月 – 2021年9月") {
		t.Errorf("directory without the department and years she agreed to show: %s", txt)
	}
	if txt := bodyText(t, ctx); strings.Contains(txt, "名簿にほかに何を表示するか") {
		t.Error("still asked after saving the profile")
	}
	// The bio was rendered when saved: the directory shows its HTML, a
	// bold phrase and a link, not the Markdown source.
	if got := evaluate[string](t, ctx, `(document.querySelector("main strong") || {}).textContent || ""`); got != "UI デザイン" {
		t.Errorf("directory bio: bold %q, want the rendered Markdown", got)
	}
	if strings.Contains(bodyText(t, ctx), "**") {
		t.Error("directory bio shows the Markdown source")
	}
	// Pictures of the two pages the bio shows on, phone and desktop.
	for _, w := range []int64{390, 1280} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, 844)); err != nil {
			t.Fatal(err)
		}
		for _, p := range []struct{ path, name string }{
			{"/members/profile/", "profile"}, {"/members/directory/?q=ひだまり", "directory"},
		} {
			open(t, ctx, p.path)
			if w == 390 {
				if overflow := evaluate[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); overflow > 0 {
					t.Errorf("%s at 390px: %dpx wider than the screen", p.path, overflow)
				}
			}
			saveScreenshot(t, ctx, fmt.Sprintf("%s-bio-ja-%d.png", p.name, w))
		}
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(viewportWidth, viewportHeight)); err != nil {
		t.Fatal(err)
	}

	export := await[string](t, ctx, `fetch("/api/me/export").then(r => r.text())`)
	if !strings.Contains(export, "木村 さくら") || !strings.Contains(export, "consentHistory") && !strings.Contains(export, "consents") {
		t.Fatalf("export: %.300s", export)
	}

	open(t, ctx, "/members/profile/")
	check(t, ctx, `#confirm`, true)
	clickAndWait(t, ctx, `form[action="/api/me/erase"] button[type=submit]`)
	if txt := bodyText(t, ctx); !strings.Contains(txt, "削除しました") {
		t.Fatalf("after erasing: %s", txt)
	}

	waitMail(t, journeyEmail, "削除しました", 0) // the last mail she is sent
	_, before := lastMailTo(t, journeyEmail)
	open(t, ctx, "/login/")
	setValue(t, ctx, `[name=email]`, journeyEmail)
	clickAndWait(t, ctx, `form[action="/api/login"] button[type=submit]`)
	// Mail leaves a moment after the answer: give a login mail the time it would take.
	time.Sleep(time.Second)
	if _, after := lastMailTo(t, journeyEmail); after != before {
		t.Errorf("an erased member was sent a login link")
	}
	if got := await[string](t, ctx, `fetch("/members/", {redirect: "manual"}).then(r => r.type)`); got != "opaqueredirect" {
		t.Errorf("/members/ after erasure: %s, want a redirect to login", got)
	}
}

// TestRegisterErrorsShowBesideFields: with JavaScript, a refused
// registration shows each message beside its field, in the page's language.
func TestRegisterErrorsShowBesideFields(t *testing.T) {
	for _, tc := range []struct{ path, want string }{
		{"/register/", "退職年月は入社年月より後にしてください。"},
		{"/en/register/", "The month you left must not be before the month you joined."},
	} {
		ctx := newTab(t)
		open(t, ctx, tc.path)
		for sel, v := range map[string]string{
			`[name=email]`: "inline.errors@example.org", `[name=name]`: "誤入力 太郎", `[name=department]`: "営業部",
			`[name=joined]`: "2020-04", `[name=left]`: "2019-01",
		} {
			setValue(t, ctx, sel, v)
		}
		check(t, ctx, `[name=privacy]`, true)
		if _, err := chromedp.Run(ctx, chromedp.Click(`form[action="/api/register"] button[type=submit]`)); err != nil {
			t.Fatal(err)
		}
		msg := await[string](t, ctx, `new Promise(r => { let n = 0; const g = () => { const e = document.querySelector("#reg-left-error"); if (e || n++ > 100) r(e ? e.textContent : ""); else setTimeout(g, 50) }; g() })`)
		if msg != tc.want {
			t.Errorf("%s: message beside 'left' is %q, want %q", tc.path, msg, tc.want)
		}
		if got := evaluate[string](t, ctx, `document.querySelector("#reg-left").getAttribute("aria-invalid") || ""`); got != "true" {
			t.Errorf("%s: the field is not marked invalid", tc.path)
		}
		if p := location(t, ctx).Path; p != tc.path {
			t.Errorf("the page changed to %s", p)
		}
	}
}

// assertAccessible runs axe-core on the server-rendered page in the tab.
func assertAccessible(t *testing.T, ctx context.Context) {
	t.Helper()
	violations, err := axeCheck(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range violations {
		t.Errorf("%s: axe %+v", location(t, ctx).Path, v)
	}
}

// saveScreenshot keeps a picture of the page for a person to look at.
func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(suite.screenshots, name), screenshot(t, ctx), 0o644); err != nil {
		t.Fatal(err)
	}
}
