package portal_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/outbox"
	"github.com/okaeri/okaeri/functions/portal"
	"github.com/okaeri/okaeri/functions/prefs"
)

// writeSite lays out a miniature Hugo output: name -> content.
func writeSite(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var miniSite = map[string]string{
	"index.html":         `<html lang="ja"><h1>おかえりなさい</h1></html>`,
	"en/index.html":      `<html lang="en"><h1>Welcome back</h1></html>`,
	"404.html":           `<html lang="ja">ページが見つかりません</html>`,
	"en/404.html":        `<html lang="en">Page not found</html>`,
	"news/index.html":    `<html lang="ja">お知らせ</html>`,
	"members/index.html": `<html lang="ja">メンバー専用 SECRET</html>`,
	"css/main.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.css": `body{}`,
}

type harness struct {
	srv    *httptest.Server
	client *http.Client
	outbox string
}

func newHarness(t *testing.T, dev bool, isMember func(*http.Request) bool) *harness {
	t.Helper()
	return newHarnessOf(t, miniSite, dev, isMember)
}

// newHarnessWith serves another miniature site.
func newHarnessWith(t *testing.T, files map[string]string) *harness {
	t.Helper()
	return newHarnessOf(t, files, false, nil)
}

func newHarnessOf(t *testing.T, files map[string]string, dev bool, isMember func(*http.Request) bool) *harness {
	t.Helper()
	ob := t.TempDir()
	h, err := portal.New(portal.Config{
		SiteDir: writeSite(t, files), OutboxDir: ob, Dev: dev, IsMember: isMember,
		API: (&prefs.Handler{}).Routes(),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &harness{srv: srv, outbox: ob, client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (h *harness) do(t *testing.T, method, path string, hdr map[string]string, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestPagesAndSecurityHeaders(t *testing.T) {
	h := newHarness(t, false, nil)
	for _, tc := range []struct {
		path, want string
		status     int
	}{
		{"/", "おかえりなさい", 200},
		{"/en/", "Welcome back", 200},
		{"/news/", "お知らせ", 200},
		{"/nope/", "ページが見つかりません", 404},
		{"/en/nope/", "Page not found", 404},
	} {
		resp, body := h.do(t, "GET", tc.path, nil, "")
		if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("GET %s: %d %q", tc.path, resp.StatusCode, body)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("GET %s: CSP %q", tc.path, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") == "" {
			t.Errorf("GET %s: missing nosniff or Referrer-Policy", tc.path)
		}
	}
	for _, p := range []string{"/../../../etc/passwd", "/..%2f..%2fetc/passwd", "/news/..%2f..%2f..%2fetc%2fpasswd"} {
		resp, body := h.do(t, "GET", p, nil, "")
		if resp.StatusCode == 307 { // ServeMux cleans the path first
			resp, body = h.do(t, "GET", resp.Header.Get("Location"), nil, "")
		}
		if resp.StatusCode != 404 || strings.Contains(body, "root:") {
			t.Errorf("GET %s: %d", p, resp.StatusCode)
		}
	}
	resp, _ := h.do(t, "GET", "/news", nil, "")
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/news/" {
		t.Errorf("/news: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = h.do(t, "GET", "/css/main.0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.css", nil, "")
	if !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("fingerprinted asset Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	resp, _ = h.do(t, "GET", "/", nil, "")
	if resp.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("html Cache-Control %q", resp.Header.Get("Cache-Control"))
	}
	resp, body := h.do(t, "GET", "/healthz", nil, "")
	if resp.StatusCode != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("/healthz %d %s", resp.StatusCode, body)
	}
	resp, body = h.do(t, "POST", "/", nil, "")
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST / = %d %s", resp.StatusCode, body)
	}
}

func TestMembersAreaNeedsSession(t *testing.T) {
	h := newHarness(t, false, nil)
	for path, want := range map[string]string{
		"/members/":        "/login/?next=%2Fmembers%2F",
		"/members/news/x/": "/login/?next=%2Fmembers%2Fnews%2Fx%2F",
		"/en/members/":     "/en/login/?next=%2Fen%2Fmembers%2F",
	} {
		resp, body := h.do(t, "GET", path, nil, "")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
			t.Errorf("GET %s: %d -> %q", path, resp.StatusCode, resp.Header.Get("Location"))
		}
		if strings.Contains(body, "SECRET") {
			t.Errorf("GET %s leaked the members page", path)
		}
	}
	member := newHarness(t, false, func(*http.Request) bool { return true })
	resp, body := member.do(t, "GET", "/members/", nil, "")
	if resp.StatusCode != 200 || !strings.Contains(body, "SECRET") || !strings.Contains(resp.Header.Get("Cache-Control"), "private") {
		t.Errorf("member GET /members/: %d %q %q", resp.StatusCode, resp.Header.Get("Cache-Control"), body)
	}
}

func TestAPIProblemsAndSameOrigin(t *testing.T) {
	h := newHarness(t, false, nil)
	resp, body := h.do(t, "GET", "/api/nothing-here", map[string]string{"Accept-Language": "en"}, "")
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json; charset=utf-8" || !strings.Contains(body, "Not found") {
		t.Errorf("unknown api: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	json := map[string]string{"Content-Type": "application/json"}
	cross := map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}
	resp, body = h.do(t, "POST", "/api/preferences/language", cross, `{"lang":"en"}`)
	if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 || !strings.Contains(body, "別のサイト") {
		t.Errorf("cross-site POST: %d cookies %v %s", resp.StatusCode, resp.Cookies(), body)
	}
	evil := map[string]string{"Content-Type": "application/json", "Origin": "https://evil.example"}
	if resp, _ = h.do(t, "POST", "/api/preferences/language", evil, `{"lang":"en"}`); resp.StatusCode != http.StatusForbidden {
		t.Errorf("foreign Origin: %d", resp.StatusCode)
	}
	same := map[string]string{"Content-Type": "application/json", "Origin": h.srv.URL}
	if resp, _ = h.do(t, "POST", "/api/preferences/language", same, `{"lang":"en"}`); resp.StatusCode != http.StatusOK || len(resp.Cookies()) != 1 {
		t.Errorf("same Origin: %d", resp.StatusCode)
	}
	if resp, _ = h.do(t, "POST", "/api/preferences/language", json, `{"lang":`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed JSON: %d", resp.StatusCode)
	}
}

func TestDevOutboxListsMailNewestFirst(t *testing.T) {
	h := newHarness(t, true, nil)
	ob, err := outbox.New(h.outbox, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, subj := range []string{"最初のメール", "二通目のメール"} {
		if err := ob.Send(context.Background(), mail.Message{
			From: mail.Address{Email: "alumni@example.co.jp"}, To: mail.Address{Email: "someone@example.net"},
			Subject: subj, Text: "ログイン: http://localhost:8080/api/login/callback?token=t0k3n&x=1\n"}); err != nil {
			t.Fatal(err)
		}
	}
	resp, body := h.do(t, "GET", "/_dev/outbox", nil, "")
	if resp.StatusCode != 200 {
		t.Fatalf("outbox page %d", resp.StatusCode)
	}
	first, second := strings.Index(body, "二通目のメール"), strings.Index(body, "最初のメール")
	if first < 0 || second < 0 || first > second {
		t.Errorf("not newest first (%d, %d)", first, second)
	}
	if !strings.Contains(body, `<a href="http://localhost:8080/api/login/callback?token=t0k3n&amp;x=1">`) {
		t.Errorf("link not clickable:\n%s", body)
	}
	// A mail's HTML part, as a mail program shows it, in a sandbox.
	if err := ob.Send(context.Background(), mail.Message{
		From: mail.Address{Email: "alumni@example.co.jp"}, To: mail.Address{Email: "someone@example.net"},
		Subject: "HTMLのメール", Text: "本文\n", HTML: "<p>ボタンのメール</p>"}); err != nil {
		t.Fatal(err)
	}
	_, body = h.do(t, "GET", "/_dev/outbox", nil, "")
	href := regexp.MustCompile(`href="(/_dev/outbox/[^"]+/html)"`).FindStringSubmatch(body)
	if href == nil {
		t.Fatalf("no link to the HTML part:\n%s", body)
	}
	resp, body = h.do(t, "GET", href[1], nil, "")
	if resp.StatusCode != 200 || !strings.Contains(body, "<p>ボタンのメール</p>") || !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "sandbox;") {
		t.Errorf("HTML part: %d %q %s", resp.StatusCode, resp.Header.Get("Content-Security-Policy"), body)
	}
	if resp, _ = h.do(t, "GET", "/_dev/outbox/..%2Fokaeri.db/html", nil, ""); resp.StatusCode != 404 {
		t.Errorf("a path outside the outbox: %d", resp.StatusCode)
	}
	prod := newHarness(t, false, nil)
	if resp, _ := prod.do(t, "GET", "/_dev/outbox", nil, ""); resp.StatusCode != 404 {
		t.Errorf("outbox visible without --dev: %d", resp.StatusCode)
	}
}
