package browsertest

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/okaeri/okaeri/functions/mail/outbox"
	"github.com/okaeri/okaeri/functions/servetest"
)

// A new alumna on the leaver roster, for TestNewAlumnaJourney.
const (
	alumnaEmail = "mio.takeda@example.net"
	alumnaName  = "武田 美緒"
)

// mailsTo lists the mails to addr in the functions' portal's outbox whose
// subject contains part.
func (p fnPortal) mailsTo(t *testing.T, addr, part string) []outbox.Entry {
	t.Helper()
	return mailsIn(t, p.outbox, addr, part)
}

// mailsIn lists the mails to addr in the outbox dir whose subject contains
// part (none when the outbox does not exist yet).
func mailsIn(t *testing.T, dir, addr, part string) []outbox.Entry {
	t.Helper()
	list, err := outbox.List(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []outbox.Entry
	for _, e := range list {
		if strings.Contains(e.To, addr) && strings.Contains(e.Subject, part) {
			out = append(out, e)
		}
	}
	return out
}

// TestNewAlumnaJourney is issue 17's walk, as a new alumna takes it in real
// Chromium: registered and approved (the roster knows her), she gets the
// welcome mail and logs in with its one click; her page shows her profile's
// completeness with the next step; she RSVPs to an event and her page lists
// it; she applies for a job and the job's page then says 応募済み; the
// directory shows her department and years; she blocks a member, who no
// longer finds her. The lifecycle job run twice sends her welcome no second
// time.
func TestNewAlumnaJourney(t *testing.T) {
	p := functionPortal(t)
	ctx := context.Background()
	data := filepath.Dir(p.outbox)
	roster := filepath.Join(t.TempDir(), "roster.csv")
	if err := os.WriteFile(roster, []byte("employee_number,email,name,department,joined,left\nJ7001,"+alumnaEmail+","+alumnaName+",広報部,2015-04,2022-03\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := servetest.Command(ctx, "", suite.bin, "roster", "import", "--data", data, roster).CombinedOutput(); err != nil {
		t.Fatalf("roster import: %v\n%s", err, out)
	}
	verify, err := p.mailLink(alumnaEmail, func() error {
		return p.postForm(nil, "/api/register", url.Values{"email": {alumnaEmail}, "name": {alumnaName}, "kana": {"タケダ ミオ"},
			"department": {"広報部"}, "joined": {"2015-04"}, "left": {"2022-03"}, "language": {"ja"},
			"privacy_version": {privacyVersion()}, "privacy": {"on"}, "directory": {"on"}, "newsletter": {"on"}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.mailLink(alumnaEmail, func() error { return p.followLink(nil, verify) }); err != nil {
		t.Fatalf("no welcome mail after the roster's approval: %v", err)
	}
	mails := p.mailsTo(t, alumnaEmail, "")
	var welcome string
	for _, m := range mails {
		if l := regexp.MustCompile(`https?://[^\s]+/api/login/callback\?[^\s]+`).FindString(m.Text); l != "" && strings.Contains(m.Text, "プロフィール") {
			welcome = strings.TrimPrefix(l, p.baseURL)
		}
	}
	if len(mails) != 2 || welcome == "" {
		t.Fatalf("after registering: %d mails, a welcome with a one-click login: %q", len(mails), welcome)
	}

	// One click in the welcome mail: the link's page, its one button, her page.
	her := newTab(t)
	visit(t, her, p.baseURL+welcome)
	clickAndWait(t, her, "main form button[type=submit]")
	if u := location(t, her); u.Path != "/members/" {
		t.Fatalf("the welcome's login led to %s", u)
	}
	waitFor(t, her, "the profile's completeness", `(() => { const e = document.querySelector("[data-home-profile-text]"); return !!e && !e.hidden && /\d+%/.test(e.textContent) })()`)
	profile := evaluate[string](t, her, `document.querySelector("[data-home-profile-text]").textContent`)
	pct, _ := strconv.Atoi(regexp.MustCompile(`(\d+)%`).FindStringSubmatch(profile)[1])
	next := evaluate[string](t, her, `document.querySelector("[data-home-profile-next]").getAttribute("href")`)
	if pct <= 0 || pct >= 100 || !strings.Contains(next, "/members/profile/") {
		t.Errorf("her page: profile %q (%d%%), next step %q", profile, pct, next)
	}
	assertAccessible(t, her)

	// An RSVP, then her page lists the event.
	const event = "/events/online-meetup-2026-12/"
	visit(t, her, p.baseURL+event)
	// The page first says she has no RSVP; wait for that, then for the
	// POST's own answer (the cancel form), not just any status text.
	waitFor(t, her, "the RSVP form", `(() => { const f = document.querySelector("form[data-rsvp-create]"); const s = document.querySelector("[data-rsvp-status]"); return !!f && !f.hidden && !!s && !s.hidden })()`)
	title := evaluate[string](t, her, `document.querySelector("h1").textContent`)
	click(t, her, "form[data-rsvp-create] button[type=submit]")
	waitFor(t, her, "the RSVP's answer", `(() => { const c = document.querySelector("form[data-rsvp-cancel]"); const f = document.querySelector("form[data-rsvp-create]"); return !!c && !c.hidden && f.hidden })()`)
	visit(t, her, p.baseURL+"/members/")
	waitFor(t, her, "the event on her page", `(() => { const l = document.querySelector("[data-home-events]"); return !!l && l.textContent.includes(`+strconv.Quote(title)+`) })()`)

	// An application, then the job's page says she applied.
	const job = "/jobs/data-migration-project/"
	visit(t, her, p.baseURL+job)
	waitFor(t, her, "the application form", `(() => { const f = document.querySelector("#apply-form"); return !!f && f.offsetParent !== null })()`)
	setValue(t, her, "#apply-message", "広報の経験を活かして、移行の社内周知を担当したいです。")
	check(t, her, "#apply-contact-online", true)
	clickAndWait(t, her, "#apply-form button[type=submit]")
	if u := location(t, her); u.Path != "/members/me/applications/" {
		t.Fatalf("after applying: %s\n%s", u, bodyText(t, her))
	}
	visit(t, her, p.baseURL+job)
	waitFor(t, her, "応募済み", `(() => { const n = document.querySelector("[data-job-applied]"); return !!n && !n.hidden && n.textContent.includes("応募済み") })()`)
	assertAccessible(t, her)

	// The directory shows what registration promised: department and years.
	visit(t, her, p.baseURL+"/members/directory/?q="+url.QueryEscape("武田"))
	if txt := bodyText(t, her); !strings.Contains(txt, alumnaName) || !strings.Contains(txt, "広報部") || !strings.Contains(txt, "2015年4月 – 2022年3月") {
		t.Errorf("the directory shows her as:\n%s", txt)
	}

	// She blocks 松本 結衣, who found her before and no longer does.
	yui, err := p.logIn("yui.matsumoto@example.net")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, body, err := p.get(yui, "/members/directory/?q="+url.QueryEscape("武田")); err != nil || !strings.Contains(string(body), alumnaName) {
		t.Fatalf("before the block, 松本 結衣 does not find her: %v", err)
	}
	visit(t, her, p.baseURL+"/members/directory/?q="+url.QueryEscape("松本"))
	yuiID := evaluate[string](t, her, `(document.querySelector("li.member-card[id^=m-], [id^=m-]") || {id: ""}).id.replace(/^m-/, "")`)
	if yuiID == "" {
		t.Fatalf("松本 結衣 is not in the directory:\n%s", bodyText(t, her))
	}
	if _, err := chromedp.Run(her, chromedp.Click(chromedp.CSS("#m-"+yuiID+" details:last-of-type summary"))); err != nil {
		t.Fatal(err)
	}
	clickAndWait(t, her, "#m-"+yuiID+` form[action$="/block"] button[type=submit]`)
	if _, _, body, err := p.get(yui, "/members/directory/"); err != nil || !strings.Contains(string(body), "青木 陽翔") {
		t.Fatalf("the directory for 松本 結衣 after the block shows no one else: %v", err)
	}
	for _, path := range []string{"/members/directory/?q=" + url.QueryEscape("武田"), "/members/directory/?department=" + url.QueryEscape("広報部"), "/members/directory/"} {
		if _, _, body, err := p.get(yui, path); err != nil || strings.Contains(string(body), alumnaName) {
			t.Errorf("%s still shows her to the member she blocked (%v)", path, err)
		}
	}
	_, _, body, err := p.get(yui, "/api/directory?q="+url.QueryEscape("武田"))
	if err != nil || strings.Contains(string(body), alumnaName) {
		t.Errorf("the directory API still shows her to the member she blocked: %v %s", err, body)
	}

	// The lifecycle job, run twice: her welcome was claimed when sent, so no
	// second one; nothing else is due yet (the nudge waits 7 days).
	before := len(p.mailsTo(t, alumnaEmail, ""))
	for range 2 {
		if out, err := servetest.Command(ctx, "", suite.bin, "lifecycle", "run", "--data", data).CombinedOutput(); err != nil {
			t.Fatalf("okaeri lifecycle run: %v\n%s", err, out)
		}
	}
	if after := len(p.mailsTo(t, alumnaEmail, "")); after != before {
		t.Errorf("the lifecycle job sent her %d more mails, want none", after-before)
	}
	if code, _, _, _ := p.get(yui, "/members/directory/"); code != http.StatusOK {
		t.Errorf("the directory for the blocked member: %d", code)
	}
}
