package browsertest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/mail/outbox"
	"github.com/okaeri/okaeri/functions/servetest"
)

// fnPortal is a portal of its own for the checks of the pages the Go
// functions render (the Nu HTML checker, Lighthouse): the built site, the
// whole content/ synced, `okaeri demo`'s members, one registration waiting
// for HR and one application, and a session for a member and one for HR,
// obtained through the real login link. It is started once, by the first
// test that asks, and stopped after every test has run.
type fnPortal struct {
	baseURL   string
	outbox    string
	member    *http.Cookie // haruto.aoki@example.net, a demo member
	hr        *http.Cookie // hr@example.co.jp, demo's HR (the role is a record)
	loginLink string       // an unused login link: the page it opens with GET
}

// Demo members (functions/cmd/okaeri/cmd_demo.go).
const (
	fnMemberEmail = "haruto.aoki@example.net"
	fnHREmail     = "hr@example.co.jp"
	fnWaiting     = "waiting.person@example.net" // registers and waits for HR
)

var (
	fnOnce sync.Once
	fnErr  error
	fnSite fnPortal
)

// atExit runs after every test (runSuite), last added first.
var atExit []func()

// functionPortal starts the portal on first use and returns it.
func functionPortal(t *testing.T) fnPortal {
	t.Helper()
	fnOnce.Do(func() { fnSite, fnErr = startFunctionPortal() })
	if fnErr != nil {
		t.Fatalf("the functions' portal: %v", fnErr)
	}
	return fnSite
}

func startFunctionPortal() (fnPortal, error) {
	var p fnPortal
	ctx := context.Background()
	work, err := os.MkdirTemp("", "okaeri-fnportal-")
	if err != nil {
		return p, err
	}
	atExit = append(atExit, func() { os.RemoveAll(work) })
	data := filepath.Join(work, "data")
	for _, args := range [][]string{
		{"sync", "--dir", filepath.Join(suite.root, "content"), "--data", data, "--site", suite.siteDir},
		{"demo", "--data", data},
	} {
		if out, err := servetest.Command(ctx, suite.root, suite.bin, args...).CombinedOutput(); err != nil {
			return p, fmt.Errorf("okaeri %s: %w\n%s", args[0], err, out)
		}
	}
	srv, err := servetest.Start(ctx, servetest.Options{Bin: suite.bin, SiteDir: suite.siteDir, DataDir: data,
		LogFile: filepath.Join(work, "serve.log")})
	if err != nil {
		return p, err
	}
	atExit = append(atExit, srv.Stop)
	p.baseURL, p.outbox = srv.BaseURL, filepath.Join(data, "outbox")

	if p.member, err = p.logIn(fnMemberEmail); err != nil {
		return p, err
	}
	if p.hr, err = p.logIn(fnHREmail); err != nil {
		return p, err
	}
	// An unused login link, for the page a link opens.
	if p.loginLink, err = p.mailLink(fnMemberEmail, func() error {
		return p.postForm(nil, "/api/login", url.Values{"email": {fnMemberEmail}})
	}); err != nil {
		return p, err
	}
	// A registration the roster does not know: it waits for HR.
	verify, err := p.mailLink(fnWaiting, func() error {
		return p.postForm(nil, "/api/register", url.Values{"email": {fnWaiting}, "name": {"待合 太郎"}, "kana": {"マチアイ タロウ"},
			"department": {"営業部"}, "joined": {"2015-04"}, "left": {"2020-03"}, "language": {"ja"},
			"privacy_version": {privacyVersion()}, "privacy": {"on"}, "newsletter": {"on"}})
	})
	if err != nil {
		return p, err
	}
	if err := p.followLink(nil, verify); err != nil {
		return p, err
	}
	// An application for HR's board.
	if err := p.postForm(p.member, "/api/jobs/backend-engineer-rehire/applications",
		url.Values{"message": {"決済チームに戻りたいです。"}, "contact": {"email"}}); err != nil {
		return p, err
	}
	return p, nil
}

var privacyField = regexp.MustCompile(`name="?privacy_version"? value="?([0-9-]+)`)

// privacyVersion is the policy version the built register page asks to accept.
func privacyVersion() string {
	b, _ := os.ReadFile(filepath.Join(suite.siteDir, "register", "index.html"))
	if m := privacyField.FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return ""
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{Timeout: stepTimeout,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// postForm posts a form as the browser does without JavaScript; a 303 (on
// to the next page) or a 200 (a page saying what happened) is success.
func (p fnPortal) postForm(session *http.Cookie, path string, form url.Values) error {
	req, err := http.NewRequest(http.MethodPost, p.baseURL+path, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if session != nil {
		req.AddCookie(session)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 2000))
		return fmt.Errorf("POST %s: %d, want 303 or 200\n%s", path, resp.StatusCode, b)
	}
	return nil
}

// mailLink runs send and returns the first link of the new mail to addr.
func (p fnPortal) mailLink(addr string, send func() error) (string, error) {
	count := func() ([]outbox.Entry, error) {
		list, err := outbox.List(p.outbox)
		var out []outbox.Entry
		for _, e := range list {
			if strings.Contains(e.To, addr) {
				out = append(out, e)
			}
		}
		return out, err
	}
	before, err := count()
	if err != nil && !os.IsNotExist(err) {
		return "", err
	}
	if err := send(); err != nil {
		return "", err
	}
	for deadline := time.Now().Add(mailWait); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		after, _ := count()
		if len(after) > len(before) {
			l := mailLink.FindString(after[0].Text)
			if l == "" {
				return "", fmt.Errorf("no link in the mail %q to %s", after[0].Subject, addr)
			}
			return strings.TrimPrefix(l, p.baseURL), nil
		}
	}
	return "", fmt.Errorf("no mail to %s within %s", addr, mailWait)
}

// followLink posts an emailed link's token, as its page's button does.
func (p fnPortal) followLink(session *http.Cookie, link string) error {
	u, err := url.Parse(link)
	if err != nil {
		return err
	}
	return p.postForm(session, u.Path, u.Query())
}

// logIn asks for a login link for addr and follows it; it returns the session cookie.
func (p fnPortal) logIn(addr string) (*http.Cookie, error) {
	link, err := p.mailLink(addr, func() error { return p.postForm(nil, "/api/login", url.Values{"email": {addr}}) })
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(link)
	if err != nil {
		return nil, err
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Timeout: stepTimeout, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.PostForm(p.baseURL+u.Path, u.Query())
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	for _, c := range resp.Cookies() {
		if c.Name == "okaeri_session" && c.Value != "" {
			return &http.Cookie{Name: c.Name, Value: c.Value}, nil
		}
	}
	return nil, fmt.Errorf("login of %s: %d and no session cookie", addr, resp.StatusCode)
}

// get fetches a page with a session (or none) and returns its status and body.
func (p fnPortal) get(session *http.Cookie, path string) (int, string, []byte, error) {
	req, err := http.NewRequest(http.MethodGet, p.baseURL+path, nil)
	if err != nil {
		return 0, "", nil, err
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8") // as a browser asks
	if session != nil {
		req.AddCookie(session)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b, err
}
