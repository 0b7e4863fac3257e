package browsertest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/content"
	"github.com/okaeri/okaeri/functions/mail/outbox"
	"github.com/okaeri/okaeri/functions/servetest"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/jsonl"
)

// rsvpEvent is the event the RSVP test adds to a copy of content/: one seat,
// a month from now, so the test does not depend on the sample events' dates.
const rsvpEvent = "browser-rsvp"

// eventsSite is a portal of its own for the RSVP test: the real site built
// from content/ plus rsvpEvent, that event synced, and one member with a session.
type eventsSite struct {
	baseURL string
	cookie  string // the member's session cookie value; the member is also HR
	outbox  string
}

func startEventsSite(t *testing.T) eventsSite {
	t.Helper()
	ctx := context.Background()
	root := suite.root
	work := t.TempDir()

	// content/ with the test event, and the site built from it.
	contentDir := filepath.Join(work, "content")
	if err := os.CopyFS(contentDir, os.DirFS(filepath.Join(root, "content"))); err != nil {
		t.Fatal(err)
	}
	// The pages' photos, where content check looks for them (content.MediaDir).
	if err := os.CopyFS(content.MediaDir(contentDir), os.DirFS(filepath.Join(root, "site", "assets", "media"))); err != nil {
		t.Fatal(err)
	}
	start := time.Now().In(time.FixedZone("JST", 9*3600)).Add(30 * 24 * time.Hour).Truncate(time.Hour)
	for name, text := range map[string]string{
		rsvpEvent + ".md":    "---\ntitle: ブラウザで申し込む交流会\n",
		rsvpEvent + ".en.md": "---\ntitle: A meetup to RSVP to in the browser\n",
	} {
		text += fmt.Sprintf("date: %s\nstart: %s\nend: %s\nlocation: オンライン\nonline: true\nonline_url: https://meet.example.com/j/browser-secret\ncapacity: 1\n---\n本文\n",
			time.Now().Format("2006-01-02"), start.Format(time.RFC3339), start.Add(2*time.Hour).Format(time.RFC3339))
		if err := os.WriteFile(filepath.Join(contentDir, "events", name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	public := filepath.Join(work, "public")
	if out, err := servetest.Command(ctx, root, "go", "tool", "-modfile=tools/go.mod", "hugo", "--source", "site",
		"--contentDir", contentDir, "--destination", public, "--minify", "--logLevel", "warn").CombinedOutput(); err != nil {
		t.Fatalf("hugo: %v\n%s", err, out)
	}

	// One member with a session signed by a key the test knows.
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		t.Fatal(err)
	}
	keySpec := "browser:" + base64.StdEncoding.EncodeToString(secret)
	keys, err := auth.ParseKeys(keySpec)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	m := store.Member{ID: "browser-member", Email: "browser.member@example.net", Name: "浅野 ひかり", Language: store.LanguageJa,
		Status: store.StatusApproved, Roles: []store.Role{store.RoleHR}, CreatedAt: now, UpdatedAt: now, Version: 1} // HR too: the role is a record
	sessionSecret := store.NewID()
	sess := store.Session{ID: store.HashToken(sessionSecret), MemberID: m.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	var lines []string
	for _, r := range []store.Record{{Member: &m}, {Session: &sess}} {
		b, err := jsonl.MarshalRecord(r)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, string(b))
	}
	records := filepath.Join(work, "member.jsonl")
	if err := os.WriteFile(records, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(work, "data")
	for _, args := range [][]string{{"store", "import", "--data", data, "--in", records}, {"sync", "--dir", contentDir, "--data", data}} {
		if out, err := servetest.Command(ctx, root, suite.bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("okaeri %s: %v\n%s", args[0], err, out)
		}
	}
	srv, err := servetest.Start(ctx, servetest.Options{Bin: suite.bin, SiteDir: public, DataDir: data,
		LogFile: filepath.Join(work, "serve.log"), Env: []string{"OKAERI_SESSION_KEYS=" + keySpec, "OKAERI_ADMINS=" + m.Email}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	// The built site must not carry the meeting link anywhere.
	_ = filepath.WalkDir(public, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), "browser-secret") {
				t.Errorf("%s carries the meeting link", p)
			}
		}
		return err
	})
	return eventsSite{baseURL: srv.BaseURL, cookie: keys.Sign(sessionSecret), outbox: filepath.Join(data, "outbox")}
}

// setCookie gives the tab's browser a cookie for the portal: HttpOnly, but
// for the signed-in hint, which the site's scripts read.
func setCookie(t *testing.T, ctx context.Context, baseURL, name, value string) {
	t.Helper()
	httpOnly := name != "okaeri_signed_in"
	err := chromedp.Do(ctx, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, network.SetCookie, network.SetCookieParams{Name: name, Value: value, URL: baseURL + "/",
			HTTPOnly: &httpOnly, SameSite: network.CookieSameSiteLax})
		return chromedp.Void{}, err
	})
	if err != nil {
		t.Fatalf("set cookie: %v", err)
	}
}

// visit opens an absolute URL in the tab and waits for it to load.
func visit(t *testing.T, ctx context.Context, u string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
	if err != nil || resp == nil || resp.Status != 200 {
		t.Fatalf("open %s: %v %v", u, err, resp)
	}
}

// waitFor waits until a JavaScript expression is truthy in the page.
func waitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(stepTimeout))); err != nil {
		t.Fatalf("waiting for %s: %v\npage text:\n%s", what, err, evaluate[string](t, context.WithoutCancel(ctx), `document.querySelector("#rsvp") ? document.querySelector("#rsvp").innerText : document.body.innerText`))
	}
}

// rsvpText is the visible text of one part of the RSVP box ("" when hidden).
func rsvpText(t *testing.T, ctx context.Context, part string) string {
	t.Helper()
	return evaluate[string](t, ctx, `(() => { const e = document.querySelector("[data-rsvp-`+part+`]"); return e && !e.hidden ? e.innerText.trim() : "" })()`)
}

func visible(t *testing.T, ctx context.Context, selector string) bool {
	t.Helper()
	sel, _ := json.Marshal(selector)
	return evaluate[bool](t, ctx, `(() => { const e = document.querySelector(`+string(sel)+`); return !!e && e.offsetParent !== null })()`)
}

func click(t *testing.T, ctx context.Context, selector string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(selector))); err != nil {
		t.Fatalf("click %s: %v", selector, err)
	}
}

// seatsLeft asks the API, not the page, how many seats are left.
func seatsLeft(t *testing.T, baseURL string) int {
	t.Helper()
	resp, err := http.Get(baseURL + "/api/events/" + rsvpEvent)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var info struct {
		SeatsLeft int `json:"seats_left"`
	}
	if err := json.Unmarshal(b, &info); err != nil {
		t.Fatalf("event info: %s", b)
	}
	return info.SeatsLeft
}

// TestRSVPInTheBrowser: a logged-in member opens an event page, RSVPs, sees
// "confirmed" and the meeting link, cancels, and sees the seat freed; then
// the same without JavaScript, through the plain forms.
func TestRSVPInTheBrowser(t *testing.T) {
	site := startEventsSite(t)
	page := site.baseURL + "/events/" + rsvpEvent + "/"

	ctx := newTab(t)
	setCookie(t, ctx, site.baseURL, "okaeri_session", site.cookie)
	setCookie(t, ctx, site.baseURL, "okaeri_signed_in", "hr") // set beside the session at login
	visit(t, ctx, page)
	waitFor(t, ctx, "the member's RSVP state", `document.querySelector("[data-rsvp-status]").innerText.includes("まだお申し込みはありません")`)
	if s := rsvpText(t, ctx, "seats"); s != "残り1席" {
		t.Fatalf("seats before: %q", s)
	}
	if visible(t, ctx, "[data-rsvp-cancel]") || visible(t, ctx, "[data-rsvp-guest]") || !visible(t, ctx, "[data-rsvp-create] button") {
		t.Fatal("before RSVPing: want only the RSVP button, no cancel button and no login invitation")
	}
	assertAccessible(t, ctx)

	click(t, ctx, "[data-rsvp-create] button[type=submit]")
	waitFor(t, ctx, "confirmed", `document.querySelector("[data-rsvp-status]").innerText.includes("参加が確定しています")`)
	waitFor(t, ctx, "the event full", `document.querySelector("[data-rsvp-seats]").innerText === "満席です（キャンセル待ちを受け付けています）"`)
	if link := evaluate[string](t, ctx, `document.querySelector("[data-rsvp-online-link]").href`); link != "https://meet.example.com/j/browser-secret" {
		t.Fatalf("meeting link for the confirmed member: %q", link)
	}
	if visible(t, ctx, "[data-rsvp-create]") || !visible(t, ctx, "[data-rsvp-cancel] button") {
		t.Fatal("after RSVPing: want only the cancel button")
	}
	if ics := evaluate[string](t, ctx, `document.querySelector("[data-rsvp-ics]").href`); !strings.Contains(ics, "token=") {
		t.Fatalf("the confirmed member's calendar link: %q", ics)
	}
	if n := seatsLeft(t, site.baseURL); n != 0 {
		t.Fatalf("the API says %d seats left after the RSVP", n)
	}
	assertAccessible(t, ctx)
	saveScreenshot(t, ctx, "event-rsvp-confirmed.png")

	// The pages the server renders are accessible too: the page the emailed
	// "manage my RSVP" link opens, HR's attendee list and HR's newsletter pages.
	mails, err := outbox.List(site.outbox)
	for deadline := time.Now().Add(mailWait); err == nil && len(mails) == 0 && time.Now().Before(deadline); {
		time.Sleep(25 * time.Millisecond) // mail may leave a moment after the answer
		mails, err = outbox.List(site.outbox)
	}
	if err != nil || len(mails) == 0 {
		t.Fatalf("no confirmation mail: %v", err)
	}
	manage := mailLink.FindAllString(mails[0].Text, -1)
	i := slices.IndexFunc(manage, func(l string) bool { return strings.Contains(l, "/rsvp/invite?token=") })
	if i < 0 {
		t.Fatalf("no manage link in %q", mails[0].Text)
	}
	visit(t, ctx, manage[i])
	if txt := bodyText(t, ctx); !strings.Contains(txt, "参加が確定しています") {
		t.Fatalf("manage page: %s", txt)
	}
	assertAccessible(t, ctx)
	visit(t, ctx, site.baseURL+"/hr/events/"+rsvpEvent)
	if txt := bodyText(t, ctx); !strings.Contains(txt, "浅野 ひかり") {
		t.Fatalf("HR page: %s", txt)
	}
	assertAccessible(t, ctx)
	checkHRNewsletters(t, ctx, site.baseURL)
	checkHRHome(t, ctx, site.baseURL)
	visit(t, ctx, page)
	waitFor(t, ctx, "the member's RSVP state again", `document.querySelector("[data-rsvp-status]").innerText.includes("参加が確定しています")`)

	// Cancelling asks once, in place: the first button shows the question,
	// and only its "yes" cancels.
	click(t, ctx, "[data-rsvp-cancel] button[type=submit]")
	waitFor(t, ctx, "the question", `!document.querySelector("[data-rsvp-cancel-confirm]").hidden`)
	if n := seatsLeft(t, site.baseURL); n != 0 {
		t.Fatalf("asking cancelled already: %d seats left", n)
	}
	assertAccessible(t, ctx)
	click(t, ctx, "[data-rsvp-cancel-yes]")
	waitFor(t, ctx, "cancelled", `document.querySelector("[data-rsvp-status]").innerText.includes("取り消されています")`)
	waitFor(t, ctx, "the seat freed", `document.querySelector("[data-rsvp-seats]").innerText === "残り1席"`)
	if visible(t, ctx, "[data-rsvp-online]") || !visible(t, ctx, "[data-rsvp-create] button") {
		t.Fatal("after cancelling: the meeting link must go and the RSVP button come back")
	}
	if n := seatsLeft(t, site.baseURL); n != 1 {
		t.Fatalf("the API says %d seats left after cancelling", n)
	}

	// Without JavaScript: the forms post, the server answers 303 back to the
	// page, and the fragment shows the message.
	plain := newTab(t)
	if err := chromedp.Do(plain, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := cdp.Call(ctx, tg, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return chromedp.Void{}, err
	}); err != nil {
		t.Fatal(err)
	}
	setCookie(t, plain, site.baseURL, "okaeri_session", site.cookie)
	visit(t, plain, page)
	if !visible(t, plain, "[data-rsvp-create] button") || !visible(t, plain, "[data-rsvp-cancel] button") || visible(t, plain, "#rsvp-confirmed") {
		t.Fatal("without JavaScript: want both forms and no message yet")
	}
	clickAndWait(t, plain, "[data-rsvp-create] button[type=submit]")
	if u := location(t, plain); u.Path != "/events/"+rsvpEvent+"/" || u.Fragment != "rsvp-confirmed" {
		t.Fatalf("after the plain RSVP form: %s", u)
	}
	if !visible(t, plain, "#rsvp-confirmed") || visible(t, plain, "#rsvp-cancelled") {
		t.Fatal("without JavaScript: the confirmation message does not show")
	}
	// Without JavaScript the cancel button opens a page that asks; its
	// button cancels and comes back to the event page.
	clickAndWait(t, plain, "[data-rsvp-cancel] button[type=submit]")
	if u := location(t, plain); u.Path != "/api/events/"+rsvpEvent+"/rsvp/cancel" || seatsLeft(t, site.baseURL) != 0 {
		t.Fatalf("the plain cancel button did not ask first: %s", u)
	}
	clickAndWait(t, plain, "form[action$='/rsvp/cancel'] button[type=submit]")
	if u := location(t, plain); u.Fragment != "rsvp-cancelled" || !visible(t, plain, "#rsvp-cancelled") {
		t.Fatalf("after the plain cancel form: %s", u)
	}
	if n := seatsLeft(t, site.baseURL); n != 1 {
		t.Fatalf("the API says %d seats left after the plain cancel", n)
	}
}
