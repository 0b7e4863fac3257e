package e2e

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/mail/outbox"
)

// mailWait bounds how long a test waits for a mail: the server queues
// account mail in the store and sends it after the answer, so it reaches
// the outbox a moment after the request that asked for it.
const mailWait = 10 * time.Second

// awaitMail waits for the oldest mail to addr, not yet taken by an earlier
// awaitMail, whose subject contains subject ("" for any), and takes it.
// Taking mails in order means that a test asking twice for a login link
// gets the second link the second time, even if the first is still unread
// in the outbox.
func (p *portal) awaitMail(addr, subject string) outbox.Entry {
	p.t.Helper()
	deadline := time.Now().Add(mailWait)
	for {
		list := p.outbox()
		for i := len(list) - 1; i >= 0; i-- { // oldest first
			e := list[i]
			if strings.Contains(e.To, addr) && strings.Contains(e.Subject, subject) && !p.seen[e.File] {
				p.seen[e.File] = true
				return e
			}
		}
		if time.Now().After(deadline) {
			var got []string
			for _, e := range list {
				if strings.Contains(e.To, addr) {
					got = append(got, e.Subject)
				}
			}
			p.t.Fatalf("no new mail to %s with subject %q within %s (mails to it: %q)", addr, subject, mailWait, got)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// settle waits until the outbox has not changed for a moment, so that a
// count of mails after a request includes what the request queued. It is
// not proof that nothing more comes: the attack tests prove that by
// stopping the server (which sends everything still queued) and reading
// the outbox then.
func (p *portal) settle() {
	p.t.Helper()
	const quiet = 400 * time.Millisecond
	last, since := -1, time.Now()
	for deadline := time.Now().Add(mailWait); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		n := len(p.outbox())
		if n != last {
			last, since = n, time.Now()
			continue
		}
		if time.Since(since) >= quiet {
			return
		}
	}
}

var (
	formRE   = regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	inputRE  = regexp.MustCompile(`<input\b([^>]*)>`)
	buttonRE = regexp.MustCompile(`<button\b[^>]*type="submit"`)
	attrRE   = regexp.MustCompile(`([a-zA-Z_:-]+)="([^"]*)"`)
)

func attrs(tag string) map[string]string {
	out := map[string]string{}
	for _, m := range attrRE.FindAllStringSubmatch(tag, -1) {
		out[strings.ToLower(m[1])] = html.UnescapeString(m[2])
	}
	return out
}

// linkForm is the one form of an emailed link's page.
type linkForm struct {
	Action string     // absolute URL the button posts to
	Fields url.Values // the hidden fields
}

// linkPage opens an emailed link as a browser does (GET) and reads the page's
// form: a POST form with hidden fields and one button. The GET itself must
// not use the link; only the POST does.
func (p *portal) linkPage(link string) linkForm {
	p.t.Helper()
	link = p.local(link)
	page := p.do("GET", link, nil, "Accept", "text/html")
	if page.StatusCode != 200 {
		p.t.Fatalf("GET %s: %d, want the page with the button\n%.500s", redact(link), page.StatusCode, page.body)
	}
	return p.linkFormOf(link, page)
}

// linkFormOf reads the one form of a link's page (see linkPage).
func (p *portal) linkFormOf(link string, page response) linkForm {
	p.t.Helper()
	var forms [][]string
	for _, f := range formRE.FindAllStringSubmatch(page.body, -1) {
		if attrs(f[1])["action"] != "/api/logout" { // the header's, for members
			forms = append(forms, f)
		}
	}
	if len(forms) != 1 {
		p.t.Fatalf("GET %s: %d forms on the page, want one\n%.1000s", redact(link), len(forms), page.body)
	}
	fa := attrs(forms[0][1])
	if !strings.EqualFold(fa["method"], "post") {
		p.t.Fatalf("GET %s: the form's method is %q, want post", redact(link), fa["method"])
	}
	if n := len(buttonRE.FindAllString(forms[0][2], -1)); n != 1 {
		p.t.Fatalf("GET %s: %d submit buttons, want one", redact(link), n)
	}
	base, _ := url.Parse(link)
	action, err := base.Parse(fa["action"])
	if err != nil {
		p.t.Fatalf("GET %s: form action %q: %v", redact(link), fa["action"], err)
	}
	if action.Host != base.Host || action.Path != base.Path {
		p.t.Fatalf("GET %s: the form posts to %s, want the link's own path", redact(link), action.Redacted())
	}
	fields := url.Values{}
	for _, in := range inputRE.FindAllStringSubmatch(forms[0][2], -1) {
		a := attrs(in[1])
		if a["type"] != "hidden" {
			p.t.Fatalf("GET %s: a visible field %q on the link page", redact(link), a["name"])
		}
		fields.Add(a["name"], a["value"])
	}
	return linkForm{Action: action.String(), Fields: fields}
}

// post sends the link page's form as the browser does when the button is
// clicked: application/x-www-form-urlencoded, from the page's own origin.
func (p *portal) post(f linkForm, hdr ...string) response {
	p.t.Helper()
	u, _ := url.Parse(f.Action)
	origin := u.Scheme + "://" + u.Host
	return p.do("POST", f.Action, f.Fields, append([]string{"Origin", origin, "Sec-Fetch-Site", "same-origin"}, hdr...)...)
}

// followLink opens an emailed link and clicks its one button: the answer is
// what a person sees after clicking. A link the page already knows to be
// used or expired has no button: its page (410, or 303 straight on with a
// session) is the answer.
func (p *portal) followLink(link string, hdr ...string) response {
	p.t.Helper()
	link = p.local(link)
	page := p.do("GET", link, nil, append([]string{"Accept", "text/html"}, hdr...)...)
	if page.StatusCode != 200 {
		return page
	}
	return p.post(p.linkFormOf(link, page), hdr...)
}

// redact hides a link's token in failure messages.
func redact(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		return "(link)"
	}
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	return u.String()
}

// local points a link at the running server: a restarted server listens
// on another port than the one that mailed the link.
func (p *portal) local(link string) string {
	u, err := url.Parse(link)
	if err != nil {
		p.t.Fatalf("link %q: %v", redact(link), err)
	}
	base, _ := url.Parse(p.srv.BaseURL)
	u.Scheme, u.Host = base.Scheme, base.Host
	return u.String()
}

// use makes failures go to t (a subtest) until the returned func is called.
// Subtests sharing a portal run one after another, never in parallel.
func (p *portal) use(t *testing.T) func() {
	prev := p.t
	p.t = t
	return func() { p.t = prev }
}
