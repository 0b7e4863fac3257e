package browsertest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/okaeri/okaeri/functions/servetest"
)

// visitorEmail is the member of the visitor journey.
const visitorEmail = "sho.hayashi@example.net"

// shoot saves the page at a phone's and a laptop's width.
func shoot(t *testing.T, ctx context.Context, path, name string) {
	t.Helper()
	for _, v := range []struct {
		w, h   int64
		mobile bool
		suffix string
	}{{390, 844, true, "390"}, {viewportWidth, viewportHeight, false, "1280"}} {
		var opts []chromedp.EmulateViewportOption
		if v.mobile {
			opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateScale(2))
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(v.w, v.h, opts...)); err != nil {
			t.Fatal(err)
		}
		open(t, ctx, path)
		if overflow := evaluate[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); overflow > 0 {
			t.Errorf("%s at %dpx: %dpx wider than the screen", path, v.w, overflow)
		}
		saveScreenshot(t, ctx, name+"-"+v.suffix+".png")
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(viewportWidth, viewportHeight)); err != nil {
		t.Fatal(err)
	}
}

// shown: the element exists and takes space on the page.
func shown(t *testing.T, ctx context.Context, selector string) bool {
	t.Helper()
	return evaluate[bool](t, ctx, `(() => { const e = document.querySelector(`+jsString(selector)+`); return !!e && e.getClientRects().length > 0 })()`)
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// logInFromMail asks for a login link on the login page the tab is on and
// follows it from the outbox.
func logInFromMail(t *testing.T, ctx context.Context) {
	t.Helper()
	_, before := lastMailTo(t, visitorEmail)
	setValue(t, ctx, "#login-email", visitorEmail)
	clickAndWait(t, ctx, `#login button[type=submit]`)
	followLink(t, ctx, waitMail(t, visitorEmail, "", before))
}

// TestVisitorLogsInToApplyAndComesBack: a visitor sees one "log in to
// apply" button instead of the forms, logs in from the emailed link and is
// back on the same job with the form; a member whose session ran out while
// typing keeps what they typed across the login. Screenshots of a job and
// an event, as a visitor and as a member, and of a referred friend's
// landing page.
func TestVisitorLogsInToApplyAndComesBack(t *testing.T) {
	ctx := newTab(t)
	bg := context.Background()
	for _, args := range [][]string{
		{"member", "add", "--data", suite.dataDir, "--email", visitorEmail, "--name", "林 翔", "--department", "開発部", "--joined", "2012-04", "--left", "2019-03"},
		{"sync", "--dir", filepath.Join(suite.root, "content"), "--data", suite.dataDir},
	} {
		if out, err := servetest.Command(bg, ".", suite.bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("okaeri %v: %v\n%s", args, err, out)
		}
	}
	const job, event = "/jobs/backend-engineer-rehire/", "/events/hackathon-2027-03/"

	// A visitor: the button, no form.
	for _, p := range []struct{ path, button string }{{job, "ログインして応募する"}, {"/en" + job, "Log in to apply"},
		{event, "ログインして申し込む"}, {"/en" + event, "Log in to sign up"}} {
		open(t, ctx, p.path)
		got := evaluate[[]string](t, ctx, `[...document.querySelectorAll("main .login-to-act a.button")].filter(a => a.getClientRects().length).map(a => a.textContent)`)
		if len(got) != 1 || got[0] != p.button {
			t.Errorf("%s: visitor's buttons %q, want one %q", p.path, got, p.button)
		}
		for _, f := range []string{"#apply-form", "#refer-form", "[data-rsvp-create]", "[data-rsvp-cancel]"} {
			if shown(t, ctx, f) {
				t.Errorf("%s: a visitor sees %s", p.path, f)
			}
		}
		assertAccessible(t, ctx)
	}
	shoot(t, ctx, job, "visitor-job-ja")
	shoot(t, ctx, "/en"+job, "visitor-job-en")
	shoot(t, ctx, event, "visitor-event-ja")
	shoot(t, ctx, "/en"+event, "visitor-event-en")

	// Log in from the button and come back to the same job, form in view.
	open(t, ctx, job)
	clickAndWait(t, ctx, "main .login-to-act a.button")
	if u := location(t, ctx); u.Path != "/login/" || evaluate[string](t, ctx, `document.querySelector("#login input[name=next]").value`) != job+"#apply" {
		t.Fatalf("login page %s, next %q", u, evaluate[string](t, ctx, `document.querySelector("#login input[name=next]").value`))
	}
	logInFromMail(t, ctx)
	if u := location(t, ctx); u.Path != job || u.Fragment != "apply" {
		t.Fatalf("after login: %s, want %s#apply", u, job)
	}
	if !shown(t, ctx, "#apply-form") || shown(t, ctx, "main .login-to-act") {
		t.Fatalf("a member does not see the form (or still sees the login button)")
	}

	// The session runs out while the member types: nothing typed is lost.
	const typed = "前回は決済チームにいました。戻って同じ領域を担当したいです。"
	setValue(t, ctx, "#apply-message", typed)
	evaluate[bool](t, ctx, `document.querySelector("#apply-message").dispatchEvent(new Event("input", {bubbles: true}))`)
	check(t, ctx, "#apply-contact-phone", true)
	evaluate[bool](t, ctx, `document.querySelector("#apply-contact-phone").dispatchEvent(new Event("change", {bubbles: true}))`)
	await[bool](t, ctx, `fetch("/api/logout", {method: "POST", credentials: "same-origin"}).then(r => r.ok)`)
	clickAndWait(t, ctx, `#apply-form button[type=submit]`)
	if u := location(t, ctx); u.Path != "/login/" {
		t.Fatalf("a lapsed session's submit led to %s, want the login page", u)
	}
	logInFromMail(t, ctx)
	if u := location(t, ctx); u.Path != job {
		t.Fatalf("after the second login: %s", u)
	}
	if got := evaluate[string](t, ctx, `document.querySelector("#apply-message").value`); got != typed {
		t.Errorf("message after login %q, want %q", got, typed)
	}
	if !evaluate[bool](t, ctx, `document.querySelector("#apply-contact-phone").checked`) || !shown(t, ctx, ".draft-restored") {
		t.Errorf("the contact choice or the restored notice is missing")
	}

	// As a member: the forms, no login button.
	for _, p := range []string{job, "/en" + job, event, "/en" + event} {
		open(t, ctx, p)
		if shown(t, ctx, "main .login-to-act") {
			t.Errorf("%s: a member sees the login button", p)
		}
	}
	shoot(t, ctx, job, "member-job-ja")
	shoot(t, ctx, "/en"+job, "member-job-en")
	shoot(t, ctx, event, "member-event-ja")
	shoot(t, ctx, "/en"+event, "member-event-en")

	// Refer a friend; the friend opens the link of their email and answers.
	open(t, ctx, job+"#refer")
	evaluate[bool](t, ctx, `(() => { sessionStorage.clear(); return true })()`)
	const friend = "aoi.friend@example.org"
	setValue(t, ctx, "#refer-name", "森 葵")
	setValue(t, ctx, "#refer-email", friend)
	_, before := lastMailTo(t, friend)
	clickAndWait(t, ctx, `#refer-form button[type=submit]`)
	if u := location(t, ctx); u.Path != "/members/me/applications/" {
		t.Fatalf("after referring: %s", u)
	}
	mail := waitMail(t, friend, "", before)
	i := strings.Index(mail.Text, "/api/referrals/answer?token=")
	if i < 0 {
		t.Fatalf("no landing link in the friend's mail:\n%s", mail.Text)
	}
	landing := strings.Fields(mail.Text[i:])[0]
	await[bool](t, ctx, `fetch("/api/logout", {method: "POST", credentials: "same-origin"}).then(r => r.ok)`) // the friend has no session
	open(t, ctx, landing)
	assertAccessible(t, ctx)
	shoot(t, ctx, landing, "referral-landing-ja")
	shoot(t, ctx, strings.Replace(landing, "lang=ja", "lang=en", 1), "referral-landing-en")
	open(t, ctx, landing)
	check(t, ctx, "#answer-talk", true)
	setValue(t, ctx, "#answer-message", "まずはお話を伺いたいです。")
	clickAndWait(t, ctx, `#answer-form button[type=submit]`)
	if !strings.Contains(bodyText(t, ctx), "お返事をありがとうございます") {
		t.Fatalf("after answering:\n%s", bodyText(t, ctx))
	}
	saveScreenshot(t, ctx, "referral-answered-ja-1280.png")
}
