package browsertest

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/okaeri/okaeri/functions/job/jobtest"
)

// waitingEmail registers with no roster entry to match: HR decides.
const waitingEmail = "ken.yamamoto@example.org"

// TestHRDailyWork: HR's day on a phone, in real Chromium. HR logs in from
// the emailed link and lands on /hr/, approves a waiting registration from
// there, finds the member by kana typed in hiragana (registered in
// katakana), opens their page, moves an application to interview from the
// board, sees how many would get the newsletter and sends a test of it to
// themselves. Each page is checked by axe-core and never wider than the phone.
func TestHRDailyWork(t *testing.T) {
	// A registration the roster does not match: it waits for HR.
	person := newBrowser(t)
	open(t, person, "/register/")
	for sel, v := range map[string]string{`[name=email]`: waitingEmail, `[name=name]`: "山本 健", `[name=kana]`: "ヤマモト ケン",
		`[name=department]`: "営業部", `[name=joined]`: "2012-04", `[name=left]`: "2019-03"} {
		step(t, person, "fill "+sel, chromedp.SetValue(chromedp.CSS(sel), v))
	}
	eval[bool](t, person, `(document.querySelector("[name=privacy]").checked = true) && (document.querySelector("[name=newsletter]").checked = true)`)
	submit(t, person, `form[action="/api/register"] button[type=submit]`)
	if p := path(t, person); p != "/register/sent/" {
		t.Fatalf("after registering: %s\n%s", p, text(t, person))
	}
	verify := waitMails(t, waitingEmail, 1)
	open(t, person, strings.TrimPrefix(linkRE.FindString(verify[0].Text), suite.baseURL))
	submit(t, person, `main form[method=post] button[type=submit]`)

	// An application to a job HR will move.
	resume := filepath.Join(t.TempDir(), "resume.pdf")
	if err := os.WriteFile(resume, jobtest.PDF(5000), 0o600); err != nil {
		t.Fatal(err)
	}
	member := newBrowser(t)
	logIn(t, member, applicantEmail)
	open(t, member, "/jobs/product-manager-rehire/")
	step(t, member, "fill in the application",
		chromedp.SetValue(chromedp.CSS(`#apply-message`), "プロダクトづくりにまた関わりたいです。"),
		chromedp.SetUploadFiles(chromedp.CSS(`#apply-resume`), []string{resume}),
		chromedp.Click(chromedp.CSS(`#apply-contact-online`)))
	submit(t, member, `#apply-form button[type=submit]`)
	if !strings.Contains(text(t, member), "ご応募を受け付けました") {
		t.Fatalf("the application was not taken:\n%s", text(t, member))
	}

	// HR, on a phone: the login lands on HR's home.
	hr := newBrowser(t)
	step(t, hr, "phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)))
	before := len(mailsTo(t, hrEmail))
	open(t, hr, "/login/")
	step(t, hr, "type the address", chromedp.SetValue(chromedp.CSS(`[name=email]`), hrEmail))
	submit(t, hr, `form[action="/api/login"] button[type=submit]`)
	login := waitMails(t, hrEmail, before+1)
	open(t, hr, strings.TrimPrefix(linkRE.FindString(login[0].Text), suite.baseURL))
	submit(t, hr, `main form[method=post] button[type=submit]`)
	if p := path(t, hr); p != "/hr/" {
		t.Fatalf("HR's login landed on %s, want /hr/", p)
	}
	fits(t, hr)

	// Approve from HR's home: the row of the waiting registration has its button.
	approve := `[...document.querySelectorAll(".quick-review li")].find(li => li.textContent.includes("山本 健")).querySelector("button[type=submit]")`
	clickThen(t, hr, approve)
	if p := path(t, hr); !strings.HasPrefix(p, "/hr/?done=approved") || !strings.Contains(text(t, hr), "山本 健") {
		t.Fatalf("after approving from /hr/: %s\n%s", p, text(t, hr))
	}
	fits(t, hr)

	// Find them by kana, in hiragana; their page says approved.
	open(t, hr, "/hr/members?q="+url.QueryEscape("やまもと"))
	if !strings.Contains(text(t, hr), "山本 健") {
		t.Fatalf("the member search by kana:\n%s", text(t, hr))
	}
	fits(t, hr)
	saveScreenshot(t, hr, "hr-daily-members-390-ja.png")
	clickThen(t, hr, `[...document.querySelectorAll("main table a[href^='/hr/members/']")].find(a => a.textContent.includes("山本 健"))`)
	if got := eval[string](t, hr, `document.querySelector(".badge[data-status]").dataset.status`); got != "approved" {
		t.Fatalf("the member's page shows status %q, want approved\n%s", got, text(t, hr))
	}
	fits(t, hr)
	saveScreenshot(t, hr, "hr-daily-member-390-ja.png")

	// Move the application to interview from the board, with its button.
	open(t, hr, "/hr/applications?job=product-manager-rehire")
	submit(t, hr, `.board-card[data-status="received"] button[value="interview"]`)
	if !strings.Contains(text(t, hr), "鈴木 次郎さんを「面接」に移しました") {
		t.Fatalf("after moving to interview:\n%s", text(t, hr))
	}
	if n := eval[string](t, hr, `document.querySelector('.board-column[data-status="interview"] .board-count').dataset.count`); n != "1" {
		t.Errorf("interview's count after the move: %s", n)
	}
	fits(t, hr)

	// The newsletter: who would get it now, then a test to HR alone.
	open(t, hr, "/hr/newsletters/winter-2026")
	number := func(id string) int {
		t.Helper()
		s := eval[string](t, hr, `document.querySelector("#`+id+`").textContent`)
		n, err := strconv.Atoi(regexp.MustCompile(`\d+`).FindString(s))
		if err != nil {
			t.Fatalf("#%s reads %q", id, s)
		}
		return n
	}
	total, ja, en := number("audience-total"), number("audience-ja"), number("audience-en")
	if total < 1 || total != ja+en {
		t.Errorf("recipients: total %d, ja %d, en %d", total, ja, en)
	}
	fits(t, hr)
	others := map[string]int{applicantEmail: len(mailsTo(t, applicantEmail)), waitingEmail: len(mailsTo(t, waitingEmail))}
	before = len(mailsTo(t, hrEmail))
	submit(t, hr, `form[action="/api/hr/newsletters/winter-2026/test"] button[type=submit]`)
	mails := waitMails(t, hrEmail, before+1)
	if !strings.Contains(mails[0].Subject, "【テスト送信】") {
		t.Errorf("the test's subject: %q", mails[0].Subject)
	}
	if !strings.Contains(text(t, hr), "テスト送信") {
		t.Errorf("no notice after the test send:\n%s", text(t, hr))
	}
	for addr, n := range others {
		if got := len(mailsTo(t, addr)); got != n && !(addr == waitingEmail && got == n+1) {
			t.Errorf("%s got %d new mails from the test send", addr, got-n)
		}
	}
	for _, m := range mailsTo(t, waitingEmail) {
		if strings.Contains(m.Subject, "テスト送信") {
			t.Errorf("the test went to %s too", waitingEmail)
		}
	}
	saveScreenshot(t, hr, "hr-daily-newsletter-390-ja.png")
}

// clickThen clicks the element a JavaScript expression finds and waits for
// the page it leads to.
func clickThen(t *testing.T, ctx context.Context, element string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Evaluate[bool](`(() => { const e = `+element+`; if (!e) return false; e.click(); return true })()`))); err != nil {
		t.Fatalf("click %s: %v", element, err)
	}
}

// fits: axe-core finds nothing, and the page is no wider than the screen.
func fits(t *testing.T, ctx context.Context) {
	t.Helper()
	if overflow := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); overflow > 0 {
		t.Errorf("%s is %dpx wider than the screen", path(t, ctx), overflow)
	}
	assertAccessible(t, ctx)
}
