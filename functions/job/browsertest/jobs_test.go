package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/okaeri/okaeri/functions/job/jobtest"
	"github.com/okaeri/okaeri/functions/mail/outbox"
	"github.com/okaeri/okaeri/functions/servetest"
)

const (
	memberEmail = "hanako.yamada@example.net"
	// applicantEmail applies in HR's daily work (TestHRDailyWork).
	applicantEmail = "jiro.suzuki@example.net"
	hrEmail        = "hr-admin@example.co.jp"
	stepTimeout    = 20 * time.Second
)

// suite is what TestMain prepared: set once before the tests run, then only read.
var suite struct {
	baseURL, dataDir, chromium, axe string
}

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	ctx := context.Background()
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "job browsertest:", err); return 1 }
	root, err := servetest.RepoRoot()
	if err != nil {
		return fail(err)
	}
	work, err := os.MkdirTemp("", "okaeri-job-browser-")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(work)
	if suite.chromium, err = scriptOutput(ctx, root, "scripts/ensure-chromium"); err != nil {
		return fail(fmt.Errorf("chromium is needed: %w", err)) // never skip: CI must run this
	}
	axePath, err := scriptOutput(ctx, root, "scripts/axe")
	if err != nil {
		return fail(err)
	}
	axe, err := os.ReadFile(axePath)
	if err != nil {
		return fail(err)
	}
	suite.axe = string(axe)
	bin, err := servetest.BuildOkaeri(ctx, root, work)
	if err != nil {
		return fail(err)
	}
	site, err := servetest.BuiltSite(ctx, root)
	if err != nil {
		return fail(err)
	}
	suite.dataDir = filepath.Join(work, "data")
	for _, args := range [][]string{
		{"member", "add", "--data", suite.dataDir, "--email", memberEmail, "--name", "山田 花子", "--department", "開発部", "--joined", "2016-04", "--left", "2022-03"},
		{"member", "add", "--data", suite.dataDir, "--email", applicantEmail, "--name", "鈴木 次郎", "--department", "企画部", "--joined", "2013-04", "--left", "2021-03"},
		{"member", "add", "--data", suite.dataDir, "--email", hrEmail, "--name", "人事 担当", "--department", "人事部", "--joined", "2010-04", "--left", "2011-03"},
		{"admin", "grant", hrEmail, "--data", suite.dataDir}, // HR's role is a record the operator grants
		{"sync", "--dir", "content", "--data", suite.dataDir},
	} {
		if out, err := servetest.Command(ctx, root, bin, args...).CombinedOutput(); err != nil {
			return fail(fmt.Errorf("okaeri %s: %w\n%s", args[0], err, out))
		}
	}
	srv, err := servetest.Start(ctx, servetest.Options{Bin: bin, SiteDir: site, DataDir: suite.dataDir, Env: []string{"OKAERI_ADMINS=" + hrEmail}})
	if err != nil {
		return fail(err)
	}
	defer srv.Stop()
	suite.baseURL = srv.BaseURL
	return m.Run()
}

func scriptOutput(ctx context.Context, root, script string) (string, error) {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(root, script))
	cmd.Dir, cmd.Stderr = root, &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w\n%s", script, err, stderr.String())
	}
	return servetest.LastLine(out), nil
}

// newBrowser starts a headless Chromium with its own empty profile (its own
// cookies: one browser per person) and returns its tab.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(suite.chromium), chromedp.UserDataDir(t.TempDir()), chromedp.Headless, chromedp.NoSandbox,
		chromedp.NoFirstRun, chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true), chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = chromedp.Cancel(closeCtx)
		cancelTab()
		cancelAlloc()
	})
	// The first action starts the browser: a broken Chromium fails here, not on a page.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// step runs actions, bounded by stepTimeout.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func eval[T any](t *testing.T, ctx context.Context, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		t.Fatalf("evaluate %.80q: %v", expr, err)
	}
	return v
}

// open loads a site path and fails unless it answers 200.
func open(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(suite.baseURL+path))
	if err != nil || resp == nil || resp.Status != 200 {
		t.Fatalf("open %s: %v (response %+v)", path, err, resp)
	}
}

// submit clicks a submit button and waits for the page the form post leads to.
func submit(t *testing.T, ctx context.Context, button string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Click(chromedp.CSS(button)))); err != nil {
		t.Fatalf("submit %s: %v", button, err)
	}
}

func text(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `document.body.innerText`)
}

func path(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `decodeURIComponent(location.pathname) + location.search`)
}

var linkRE = regexp.MustCompile(`https?://\S+`)

// logIn asks for a login link on the site's form, opens it from the outbox
// and clicks the one button of the page it shows (a GET never uses a link).
func logIn(t *testing.T, ctx context.Context, email string) {
	t.Helper()
	before := len(mailsTo(t, email))
	open(t, ctx, "/login/")
	step(t, ctx, "type the address", chromedp.SetValue(chromedp.CSS(`[name=email]`), email))
	submit(t, ctx, `form[action="/api/login"] button[type=submit]`)
	mails := waitMails(t, email, before+1)
	link := strings.TrimPrefix(linkRE.FindString(mails[0].Text), suite.baseURL)
	open(t, ctx, link)
	if n := eval[int](t, ctx, `document.querySelectorAll("main form[method=post] button[type=submit]").length`); n != 1 {
		t.Fatalf("the login link's page has %d buttons, want one:\n%s", n, text(t, ctx))
	}
	submit(t, ctx, `main form[method=post] button[type=submit]`)
	if p, want := path(t, ctx), map[bool]string{true: "/hr/", false: "/members/"}[email == hrEmail]; p != want {
		t.Fatalf("the login link led to %s, want %s (HR lands on HR's home)", p, want)
	}
}

// waitMails waits until there are at least n mails to addr and returns them,
// newest first: account mail is queued and sent a moment after the answer.
func waitMails(t *testing.T, addr string, n int) []outbox.Entry {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mails := mailsTo(t, addr)
		if len(mails) >= n {
			return mails
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d mails to %s after 10s, want %d", len(mails), addr, n)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func mailsTo(t *testing.T, addr string) []outbox.Entry {
	t.Helper()
	list, err := outbox.List(filepath.Join(suite.dataDir, "outbox"))
	if err != nil {
		t.Fatal(err)
	}
	var out []outbox.Entry
	for _, e := range list {
		if strings.Contains(e.To, addr) {
			out = append(out, e)
		}
	}
	return out
}

// saveScreenshot writes the whole page as a PNG to $OKAERI_SCREENSHOTS (or
// a fixed folder in the temp dir), for a person to look at after the run.
func saveScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("OKAERI_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "okaeri-screenshots")
	}
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name), png, 0o644)
	}
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
	}
}

// assertAccessible runs axe-core on the page and fails on any violation.
func assertAccessible(t *testing.T, ctx context.Context) {
	t.Helper()
	type violation struct {
		ID    string   `json:"id"`
		Help  string   `json:"help"`
		Nodes []string `json:"nodes"`
	}
	eval[bool](t, ctx, suite.axe+";true")
	violations := eval[[]violation](t, ctx, `axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.html)})))`,
		chromedp.EvalAwaitPromise)
	for _, v := range violations {
		t.Errorf("axe %s on %s: %s\n\t%s", v.ID, path(t, ctx), v.Help, strings.Join(v.Nodes, "\n\t"))
	}
}

// TestApplyMoveAndSeeStatus: a member applies from a job's page with a PDF
// résumé, HR moves the application to interview (and chooses to email her),
// and the member sees "面接" on her applications page.
func TestApplyMoveAndSeeStatus(t *testing.T) {
	resume := filepath.Join(t.TempDir(), "職務経歴書.pdf")
	if err := os.WriteFile(resume, jobtest.PDF(20000), 0o600); err != nil {
		t.Fatal(err)
	}

	member := newBrowser(t)
	logIn(t, member, memberEmail)
	open(t, member, "/jobs/backend-engineer-rehire/")
	assertAccessible(t, member)
	saveScreenshot(t, member, "job-apply-ja.png")
	step(t, member, "fill in the application",
		chromedp.SetValue(chromedp.CSS(`#apply-message`), "またご一緒できればうれしいです。退職後はSREをしていました。"),
		chromedp.SetUploadFiles(chromedp.CSS(`#apply-resume`), []string{resume}),
		chromedp.Click(chromedp.CSS(`#apply-contact-online`)))
	submit(t, member, `#apply-form button[type=submit]`)
	if p := path(t, member); p != "/members/me/applications/?applied=backend-engineer-rehire" {
		t.Fatalf("after applying: %s\n%s", p, text(t, member))
	}
	if txt := text(t, member); !strings.Contains(txt, "ご応募を受け付けました") || !strings.Contains(txt, "受付済み") || !strings.Contains(txt, "職務経歴書.pdf") {
		t.Fatalf("applications page after applying:\n%s", txt)
	}
	assertAccessible(t, member)

	// Back on the job's page, the member sees that they applied, with the
	// date and a link to follow it, not an empty form.
	open(t, member, "/jobs/backend-engineer-rehire/")
	if _, err := chromedp.Run(member, chromedp.Poll[bool](`(() => { const n = document.querySelector("[data-job-applied]"); return !!n && !n.hidden })()`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("the job page does not show 応募済み: %v\n%s", err, text(t, member))
	}
	applied := eval[string](t, member, `document.querySelector("[data-job-applied]").innerText`)
	follow := eval[string](t, member, `document.querySelector("[data-job-applied] a").getAttribute("href")`)
	formShown := eval[bool](t, member, `document.querySelector("#apply-form").offsetParent !== null`)
	if !strings.Contains(applied, "応募済みです") || !strings.Contains(applied, "年") || !strings.HasPrefix(follow, "/members/me/applications/#application-") || formShown {
		t.Errorf("the job page after applying: %q, link %q, form shown %v", applied, follow, formShown)
	}
	assertAccessible(t, member)

	hr := newBrowser(t)
	logIn(t, hr, hrEmail)
	open(t, hr, "/hr/jobs/backend-engineer-rehire")
	assertAccessible(t, hr)
	submit(t, hr, `td > a[href^="/hr/applications/"]:not([href$="/resume"])`)
	if txt := text(t, hr); !strings.Contains(txt, "山田 花子") || !strings.Contains(txt, "退職後はSREをしていました") {
		t.Fatalf("HR's application page:\n%s", txt)
	}
	assertAccessible(t, hr)
	saveScreenshot(t, hr, "hr-application-ja.png")
	step(t, hr, "choose interview",
		chromedp.SetValue(chromedp.CSS(`#to`), "interview"),
		chromedp.SetValue(chromedp.CSS(`#note`), "一次面接を来週に"),
		chromedp.Click(chromedp.CSS(`#notify`)))
	before := len(mailsTo(t, memberEmail))
	submit(t, hr, `form[action$="/status"] button[type=submit]`)
	status := eval[string](t, hr, `document.querySelector("#current-status").dataset.status`)
	if status != "interview" || !strings.Contains(text(t, hr), "保存しました") {
		t.Fatalf("HR's page after the move: status %q\n%s", status, text(t, hr))
	}
	waitMails(t, memberEmail, before+1)
	time.Sleep(500 * time.Millisecond) // a second mail would follow within it
	if n := len(mailsTo(t, memberEmail)); n != before+1 {
		t.Errorf("the member got %d new mails, want the one HR chose to send", n-before)
	}

	open(t, member, "/members/me/applications/")
	shown := eval[string](t, member, `(document.querySelector("[data-status]") || {}).textContent || ""`)
	if shown != "面接" {
		t.Fatalf("the member sees status %q, want 面接\n%s", shown, text(t, member))
	}
	if strings.Contains(text(t, member), "一次面接を来週に") {
		t.Error("HR's internal note is shown to the applicant")
	}
	saveScreenshot(t, member, "member-applications-ja.png")
	history := eval[[]string](t, member, `[...document.querySelectorAll(".history li")].map(li => li.textContent.trim())`)
	if len(history) != 2 || !strings.HasSuffix(history[1], "面接") {
		t.Errorf("history shown: %q", history)
	}
	buf, _ := json.Marshal(history)
	t.Logf("the member's history: %s", buf)

	// The members' job list, filtered without a script, is accessible too.
	open(t, member, "/members/jobs/type/project/")
	assertAccessible(t, member)
	saveScreenshot(t, member, "members-jobs-filtered-ja.png")

	// HR's board: a column per stage, stacked on a phone, side by side
	// from 900px, wrapping so every column is inside the window; the page
	// never overflows.
	for _, w := range []int64{390, 1280} {
		step(t, hr, "viewport", chromedp.EmulateViewport(w, 844))
		open(t, hr, "/hr/applications?job=backend-engineer-rehire")
		if overflow := eval[int](t, hr, `document.documentElement.scrollWidth - window.innerWidth`); overflow > 0 {
			t.Errorf("the board at %dpx overflows the page by %dpx", w, overflow)
		}
		columns := eval[[]string](t, hr, `[...document.querySelectorAll(".board-column")].map(c => c.dataset.status + ":" + c.querySelector(".board-count").dataset.count)`)
		if strings.Join(columns, " ") != "received:0 screening:0 interview:1 offer:0 hired:0 declined:0 withdrawn:0" {
			t.Fatalf("the board's columns at %dpx: %q", w, columns)
		}
		stacked := eval[bool](t, hr, `(() => { const c = document.querySelectorAll(".board-column"); return c[1].getBoundingClientRect().top > c[0].getBoundingClientRect().bottom })()`)
		if stacked != (w < 900) {
			t.Errorf("at %dpx the columns are stacked: %v", w, stacked)
		}
		if outside := eval[[]string](t, hr, `[...document.querySelectorAll(".board-column")].filter(c => c.getBoundingClientRect().right > document.documentElement.clientWidth).map(c => c.dataset.status)`); len(outside) > 0 {
			t.Errorf("at %dpx the columns %q are outside the window", w, outside)
		}
		assertAccessible(t, hr)
		saveScreenshot(t, hr, fmt.Sprintf("hr-board-%d-ja.png", w))
	}
	// With the script, dropping the card on the offer column submits its form.
	dropCtx, cancelDrop := context.WithTimeout(hr, stepTimeout)
	defer cancelDrop()
	if _, err := chromedp.Run(dropCtx, chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Evaluate[bool](`(() => {
		const card = document.querySelector('.board-card[data-status="interview"]');
		const to = document.querySelector('.board-column[data-status="offer"]');
		const dt = new DataTransfer();
		card.dispatchEvent(new DragEvent("dragstart", {bubbles: true, dataTransfer: dt}));
		to.dispatchEvent(new DragEvent("dragover", {bubbles: true, cancelable: true, dataTransfer: dt}));
		to.dispatchEvent(new DragEvent("drop", {bubbles: true, cancelable: true, dataTransfer: dt}));
		return true;
	})()`))); err != nil {
		t.Fatalf("drag the card to offer: %v", err)
	}
	if p := path(t, hr); !strings.HasPrefix(p, "/hr/applications?job=backend-engineer-rehire&moved=") || !strings.Contains(text(t, hr), "山田 花子さんを「内定」に移しました") {
		t.Fatalf("after the drop: %s\n%s", p, text(t, hr))
	}
	if n := eval[string](t, hr, `document.querySelector('.board-column[data-status="offer"] .board-count').dataset.count`); n != "1" {
		t.Errorf("offer's count after the drop: %s", n)
	}
	// Without it, the card's button does the same.
	submit(t, hr, `.board-card[data-status="offer"] button[value="hired"]`)
	if !strings.Contains(text(t, hr), "山田 花子さんを「採用決定」に移しました") {
		t.Fatalf("after the button:\n%s", text(t, hr))
	}
	saveScreenshot(t, hr, "hr-board-moved-ja.png")
}
