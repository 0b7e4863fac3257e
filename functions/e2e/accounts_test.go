package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"

	"github.com/okaeri/okaeri/functions/mail/outbox"
	"github.com/okaeri/okaeri/functions/servetest"
)

// portal is one running server with what a test needs around it.
type portal struct {
	t      *testing.T
	root   string
	bin    string
	srv    *servetest.Server
	client *http.Client
	seen   map[string]bool // outbox files awaitMail has taken

	top  *testing.T // the test that owns the server (restart registers its cleanup there)
	site string     // the site the server serves
	env  []string   // the server's extra environment
}

const admin = "hr-admin@example.co.jp"

func startPortal(t *testing.T, env ...string) *portal {
	t.Helper()
	return startPortalSite(t, "", env...)
}

// startPortalSite is startPortal serving site (the repository's built site
// when "").
func startPortalSite(t *testing.T, site string, env ...string) *portal {
	t.Helper()
	ctx := context.Background()
	root, err := servetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	bin, err := servetest.BuildOkaeri(ctx, root, work)
	if err != nil {
		t.Fatal(err)
	}
	if site == "" {
		if site, err = servetest.BuiltSite(ctx, root); err != nil {
			t.Fatal(err)
		}
	}
	p := &portal{t: t, top: t, root: root, bin: bin, site: site, env: append([]string{"OKAERI_ADMINS=" + admin, "OKAERI_DECISION_MAIL_DELAY=0s"}, env...), seen: map[string]bool{}, client: &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       10 * time.Second,
	}}
	data := filepath.Join(work, "data")
	// A Shift_JIS roster, as Excel in Japan writes it.
	csv := "社員番号,メールアドレス,氏名,部署,入社年月,退職年月\r\n" +
		"E2001,hanako.yamada@example.net,山田 花子,開発部,2016/04,2022/03\r\n" +
		"E2002,,佐藤 健,営業部,2019-04,2024-06\r\n" +
		"bad line,,,,,\r\n"
	sjis, _, err := transform.Bytes(japanese.ShiftJIS.NewEncoder(), []byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	rosterFile := filepath.Join(work, "roster.csv")
	if err := os.WriteFile(rosterFile, sjis, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := p.okaeri(data, "roster", "import", "--dry-run", rosterFile)
	if err == nil || !strings.Contains(out, "roster (Shift_JIS): 2 valid, 1 invalid") || !strings.Contains(out, "roster.csv:4:") {
		t.Fatalf("dry run: err %v\n%s", err, out)
	}
	out, _ = p.okaeri(data, "roster", "import", rosterFile)
	if !strings.Contains(out, "2 imported, 1 invalid lines") {
		t.Fatalf("roster import:\n%s", out)
	}
	if out, err := p.okaeri(data, "member", "add", "--email", admin, "--name", "人事 担当", "--department", "人事部",
		"--joined", "2010-04", "--left", "2011-03"); err != nil {
		t.Fatalf("member add: %v\n%s", err, out)
	}
	// HR's role is a record the operator grants; OKAERI_ADMINS alone gives no rights.
	if out, err := p.okaeri(data, "admin", "grant", admin); err != nil {
		t.Fatalf("admin grant: %v\n%s", err, out)
	}
	p.srv, err = servetest.Start(ctx, servetest.Options{Bin: bin, SiteDir: site, DataDir: data, Env: p.env})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.srv.Stop)
	return p
}

// restart starts the stopped server again on the same data (on a new port:
// links from earlier mails are opened on the current one, see linkPage).
func (p *portal) restart() {
	p.t.Helper()
	srv, err := servetest.Start(context.Background(), servetest.Options{Bin: p.bin, SiteDir: p.site, DataDir: p.srv.DataDir,
		Env: p.env, LogFile: filepath.Join(p.srv.DataDir, fmt.Sprintf("serve-%d.log", time.Now().UnixNano()))})
	if err != nil {
		p.t.Fatal(err)
	}
	p.srv = srv
	p.top.Cleanup(srv.Stop)
}

func (p *portal) okaeri(data string, args ...string) (string, error) {
	// Flags follow the subcommand's verb: okaeri roster import --data D FILE.
	full := append([]string{args[0], args[1], "--data", data}, args[2:]...)
	out, err := servetest.Command(context.Background(), p.root, p.bin, full...).CombinedOutput()
	return string(out), err
}

type response struct {
	*http.Response
	body string
}

func (p *portal) do(method, path string, body any, hdr ...string) response {
	p.t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case []byte: // a raw JSON body, sent byte for byte
		rd, ctype = bytes.NewReader(b), "application/json"
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		j, _ := json.Marshal(b)
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	u := path
	if !strings.HasPrefix(u, "http") {
		u = p.srv.BaseURL + path
	}
	req, _ := http.NewRequest(method, u, rd)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(hdr); i += 2 {
		if strings.EqualFold(hdr[i], "Host") {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := p.client.Do(req)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp, string(b)}
}

func (p *portal) outbox() []outbox.Entry {
	p.t.Helper()
	list, err := outbox.List(filepath.Join(p.srv.DataDir, "outbox"))
	if err != nil {
		p.t.Fatal(err)
	}
	return list
}

func (p *portal) countMailTo(addr string) int {
	n := 0
	for _, e := range p.outbox() {
		if strings.Contains(e.To, addr) {
			n++
		}
	}
	return n
}

var linkRE = regexp.MustCompile(`https?://\S+`)

func link(t *testing.T, e outbox.Entry) string {
	t.Helper()
	l := linkRE.FindString(e.Text)
	if l == "" {
		t.Fatalf("no link in %q", e.Subject)
	}
	return l
}

func registration(email string) map[string]any {
	return map[string]any{"email": email, "name": "山田 花子", "kana": "ヤマダ ハナコ", "department": "開発部",
		"joined": "2016-04", "left": "2022-03", "language": "ja", "privacy": true, "privacy_version": "2026-04-01",
		"newsletter": true, "directory": true}
}

func cookieFrom(r response) *http.Cookie {
	for _, c := range r.Cookies() {
		if c.Name == "okaeri_session" || c.Name == "__Host-okaeri_session" {
			return c
		}
	}
	return nil
}

// TestAccountJourney walks one alumna from registration to erasure.
func TestAccountJourney(t *testing.T) {
	p := startPortal(t)
	const email = "hanako.yamada@example.net"

	// Register: 202, and the same body as for an address nobody knows.
	r := p.do("POST", "/api/register", registration(email))
	stranger := registration("someone.else@example.org")
	stranger["name"], stranger["kana"] = "田中 一郎", "タナカ イチロウ"
	other := p.do("POST", "/api/register", stranger)
	if r.StatusCode != 202 || other.StatusCode != 202 || r.body != other.body {
		t.Fatalf("register: %d %s / %d %s", r.StatusCode, r.body, other.StatusCode, other.body)
	}
	verify := p.awaitMail(email, "メールアドレスの確認")
	// Open the link and click its button: the roster (imported from
	// Shift_JIS) matches by the roster's own address, so approved at once.
	r = p.followLink(link(t, verify))
	if r.StatusCode != 200 || !strings.Contains(r.body, "承認されました") {
		t.Fatalf("verify: %d %s", r.StatusCode, r.body)
	}
	p.awaitMail(email, "承認されました")
	// The same link again: refused with a clear page.
	if r = p.followLink(link(t, verify)); r.StatusCode != 410 || !strings.Contains(r.body, "このリンクはすでに使われています") {
		t.Errorf("reused verification link: %d %s", r.StatusCode, r.body)
	}

	// Members-only pages need a session.
	if r = p.do("GET", "/members/", nil); r.StatusCode != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/login/") {
		t.Fatalf("members without session: %d %s", r.StatusCode, r.Header.Get("Location"))
	}

	// Log in by the emailed link.
	before := p.countMailTo(email)
	if r = p.do("POST", "/api/login", map[string]string{"email": email}); r.StatusCode != 202 {
		t.Fatalf("login: %d %s", r.StatusCode, r.body)
	}
	unknown := p.do("POST", "/api/login", map[string]string{"email": "nobody@example.org"})
	if unknown.StatusCode != 202 || unknown.body != r.body {
		t.Errorf("login for an unknown address differs: %d %s", unknown.StatusCode, unknown.body)
	}
	loginLink := link(t, p.awaitMail(email, "ログイン"))
	p.settle()
	if p.countMailTo("nobody@example.org") != 0 {
		t.Errorf("login for an unknown address sent mail")
	}
	if n := p.countMailTo(email); n != before+1 {
		t.Fatalf("%d login mails, want 1", n-before)
	}
	r = p.followLink(loginLink)
	session := cookieFrom(r)
	if r.StatusCode != 303 || r.Header.Get("Location") != "/members/" || session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("callback: %d %q cookie %+v", r.StatusCode, r.Header.Get("Location"), session)
	}
	if r = p.followLink(loginLink); r.StatusCode != 410 || cookieFrom(r) != nil || !strings.Contains(r.body, "このリンクはすでに使われています") {
		t.Errorf("login link used twice: %d", r.StatusCode)
	}
	auth := []string{"Cookie", session.Name + "=" + session.Value}
	if r = p.do("GET", "/members/", nil, auth...); r.StatusCode != 200 {
		t.Fatalf("members' home with session: %d", r.StatusCode)
	}
	r = p.do("GET", "/api/me", nil, auth...)
	var me struct {
		Name     string                     `json:"name"`
		Consents map[string]json.RawMessage `json:"consents"`
	}
	if err := json.Unmarshal([]byte(r.body), &me); err != nil || me.Name != "山田 花子" || len(me.Consents) != 6 {
		t.Fatalf("me: %d %s", r.StatusCode, r.body)
	}

	// Edit the profile: shown fields, a bio with a link and raw HTML.
	r = p.do("PATCH", "/api/me/profile", map[string]any{"company": "ミライ工房", "role": "エンジニアリングマネージャー",
		"bio":    "Go と **AWS** が好きです。[ブログ](https://example.net/blog) <script>alert(1)</script>",
		"skills": "Go, AWS、Hugo", "open_to_sidework": true, "visible": []string{"company", "bio", "skills", "open_to"}}, auth...)
	if r.StatusCode != 200 || !strings.Contains(r.body, `**AWS**`) {
		t.Fatalf("patch me: %d %s", r.StatusCode, r.body)
	}
	// Find myself in the directory, with only the chosen fields and never an address.
	r = p.do("GET", "/api/directory?q=AWS&open_to=sidework", nil, auth...)
	if r.StatusCode != 200 || !strings.Contains(r.body, "ミライ工房") || strings.Contains(r.body, "example.net\"") ||
		strings.Contains(r.body, "開発部") || strings.Contains(r.body, email) {
		t.Fatalf("directory: %d %s", r.StatusCode, r.body)
	}
	// The bio is rendered there: Markdown, links marked as members', no raw HTML.
	if !strings.Contains(r.body, `\u003cstrong\u003eAWS\u003c/strong\u003e`) || !strings.Contains(r.body, `rel=\"nofollow ugc\"`) || strings.Contains(r.body, "script") {
		t.Fatalf("directory bio: %s", r.body)
	}
	if r = p.do("GET", "/members/directory/?q=AWS", nil, auth...); r.StatusCode != 200 || !strings.Contains(r.body, "山田 花子") {
		t.Errorf("directory page: %d", r.StatusCode)
	}
	if r = p.do("GET", "/members/profile/", nil, auth...); r.StatusCode != 200 || !strings.Contains(r.body, `value="ミライ工房"`) {
		t.Errorf("profile page: %d", r.StatusCode)
	}

	// Export: everything about me, consent history included.
	r = p.do("GET", "/api/me/export", nil, auth...)
	if r.StatusCode != 200 || !strings.Contains(r.body, "山田 花子") || !strings.Contains(r.body, "member.register") ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %s", r.StatusCode, r.body)
	}

	// Erase: 204, a confirmation mail, the session is gone, and login sends nothing.
	if r = p.do("DELETE", "/api/me", nil, auth...); r.StatusCode != 204 {
		t.Fatalf("erase: %d %s", r.StatusCode, r.body)
	}
	p.awaitMail(email, "削除しました")
	if r = p.do("GET", "/api/me", nil, auth...); r.StatusCode != 401 {
		t.Errorf("session survives erasure: %d", r.StatusCode)
	}
	p.settle()
	n := p.countMailTo(email)
	p.do("POST", "/api/login", map[string]string{"email": email})
	p.settle()
	if p.countMailTo(email) != n {
		t.Errorf("an erased member got a login link")
	}

	// After erasure, the store holds neither the address nor the name.
	p.srv.Stop()
	out, err := p.okaeri(p.srv.DataDir, "store", "export")
	if err != nil {
		t.Fatalf("store export: %v\n%s", err, out)
	}
	if strings.Contains(strings.ToLower(out), email) || strings.Contains(out, "ヤマダ ハナコ") || strings.Contains(out, "ミライ工房") {
		for _, line := range strings.Split(out, "\n") {
			if strings.Contains(strings.ToLower(line), email) || strings.Contains(line, "ミライ工房") || strings.Contains(line, "ヤマダ ハナコ") {
				t.Errorf("erased member still in the store export: %.300s", line)
			}
		}
	}
	// The roster is HR's own record and stays; the member item is gone.
	if !strings.Contains(out, `"type":"audit"`) || !strings.Contains(out, "member.erase") {
		t.Errorf("no audit record of the erasure")
	}
}

// TestBadRegistrationsChangeNothing: each bad field gives 400 naming it, in
// the request's language, and nothing is stored or mailed.
func TestBadRegistrationsChangeNothing(t *testing.T) {
	p := startPortal(t)
	cases := []struct {
		field string
		set   func(m map[string]any)
	}{
		{"email", func(m map[string]any) { delete(m, "email") }},
		{"email", func(m map[string]any) { m["email"] = "not-an-address" }},
		{"email", func(m map[string]any) { m["email"] = strings.Repeat("a", 250) + "@example.com" }},
		{"name", func(m map[string]any) { m["name"] = "" }},
		{"name", func(m map[string]any) { m["name"] = strings.Repeat("名", 101) }},
		{"name", func(m map[string]any) { m["name"] = "山田\n花子" }},
		{"kana", func(m map[string]any) { m["kana"] = "Yamada" }},
		{"department", func(m map[string]any) { m["department"] = "開発部\u0007" }},
		{"joined", func(m map[string]any) { m["joined"] = "2016年" }}, // a year alone names no month; 2016/04 is good (the roster's forms)
		{"joined", func(m map[string]any) { m["joined"] = "" }},
		{"left", func(m map[string]any) { m["left"] = "2015-01" }},
		{"left", func(m map[string]any) { m["left"] = "2099-01" }},
		{"employee_number", func(m map[string]any) { m["employee_number"] = "E 1;DROP" }},
		{"language", func(m map[string]any) { m["language"] = "fr" }},
		{"privacy", func(m map[string]any) { m["privacy"] = false }},
		{"privacy_version", func(m map[string]any) { m["privacy_version"] = "2019-01-01" }},
	}
	for i, c := range cases {
		for _, lang := range []string{"ja", "en"} {
			email := fmt.Sprintf("bad%d-%s@example.org", i, lang)
			body := registration(email)
			c.set(body)
			r := p.do("POST", "/api/register", body, "Accept-Language", lang)
			var prob struct {
				Status int `json:"status"`
				Errors []struct{ Field, Message string }
			}
			_ = json.Unmarshal([]byte(r.body), &prob)
			if r.StatusCode != 400 || r.Header.Get("Content-Type") != "application/problem+json; charset=utf-8" || len(prob.Errors) == 0 {
				t.Errorf("case %d (%s, %s): %d %s", i, c.field, lang, r.StatusCode, r.body)
				continue
			}
			found := false
			for _, e := range prob.Errors {
				if e.Field == c.field {
					found = true
					isJA := regexp.MustCompile(`[ぁ-んァ-ン一-龯]`).MatchString(e.Message)
					if (lang == "ja") != isJA {
						t.Errorf("case %d: %s message in the wrong language: %q", i, lang, e.Message)
					}
				}
			}
			if !found {
				t.Errorf("case %d: no error for %s in %s", i, c.field, r.body)
			}
		}
	}
	// Stopping the server sends whatever is still queued: the outbox is then complete.
	p.srv.Stop()
	for _, m := range p.outbox() {
		if !strings.Contains(m.To, admin) { // HR's own approval mail from `okaeri member add`
			t.Errorf("a bad registration sent mail to %s", m.To)
		}
	}
	out, _ := p.okaeri(p.srv.DataDir, "store", "export")
	if strings.Contains(out, "@example.org") {
		t.Errorf("a bad registration was stored")
	}
}

// TestManualReviewAndRateLimits: a registration the roster does not know
// waits for HR, who approves it; repeated logins hit the limit.
func TestManualReviewAndRateLimits(t *testing.T) {
	p := startPortal(t, "OKAERI_LIMIT_LOGIN_ADDRESS=3/15m")
	const email = "newcomer@example.org"
	body := registration(email)
	body["language"] = "en"
	p.do("POST", "/api/register", body)
	r := p.followLink(link(t, p.awaitMail(email, "confirm your email")))
	if r.StatusCode != 200 || !strings.Contains(r.body, "checks your registration") {
		t.Fatalf("verify (no roster match): %d %s", r.StatusCode, r.body)
	}
	// Log in as HR.
	p.do("POST", "/api/login", map[string]string{"email": admin})
	hr := cookieFrom(p.followLink(link(t, p.awaitMail(admin, "ログイン"))))
	if hr == nil {
		t.Fatal("HR could not log in")
	}
	hrAuth := []string{"Cookie", hr.Name + "=" + hr.Value}
	r = p.do("GET", "/hr/registrations", nil, append(hrAuth, "Accept", "application/json")...)
	var list struct {
		Registrations []struct {
			Member struct{ ID, Email string } `json:"member"`
			Roster struct{ Reason string }    `json:"roster"`
		}
	}
	if err := json.Unmarshal([]byte(r.body), &list); err != nil || len(list.Registrations) != 1 || list.Registrations[0].Member.ID == "" {
		t.Fatalf("hr list: %d %s", r.StatusCode, r.body)
	}
	if page := p.do("GET", "/hr/registrations", nil, hrAuth...); page.StatusCode != 200 || !strings.Contains(page.body, "承認する") {
		t.Errorf("hr page: %d", page.StatusCode)
	}
	id := list.Registrations[0].Member.ID
	if r = p.do("POST", "/api/hr/registrations/"+id+"/approve", url.Values{}, hrAuth...); r.StatusCode != 303 {
		t.Fatalf("approve: %d %s", r.StatusCode, r.body)
	}
	p.awaitMail(email, "approved") // in English, the registration's language
	// A member who is not HR cannot see the review page.
	p.do("POST", "/api/login", map[string]string{"email": email})
	member := cookieFrom(p.followLink(link(t, p.awaitMail(email, "login link"))))
	if r = p.do("GET", "/hr/registrations", nil, "Cookie", member.Name+"="+member.Value, "Accept", "application/json"); r.StatusCode != 403 {
		t.Errorf("non-admin on /hr: %d", r.StatusCode)
	}
	// Two more logins reach the limit of 3 per window; the next is refused.
	p.do("POST", "/api/login", map[string]string{"email": email})
	p.do("POST", "/api/login", map[string]string{"email": email})
	r = p.do("POST", "/api/login", map[string]string{"email": email}, "Accept-Language", "en")
	if r.StatusCode != 429 || r.Header.Get("Retry-After") == "" || !strings.Contains(r.body, "Too many requests") {
		t.Errorf("rate limit: %d %q %s", r.StatusCode, r.Header.Get("Retry-After"), r.body)
	}
}
