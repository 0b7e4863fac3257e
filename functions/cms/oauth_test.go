package cms_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/cms"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/mail/outbox"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
)

const (
	clientID     = "Ov23liOkaeriTest0001"
	clientSecret = "0123456789abcdef0123456789abcdef01234567"
	hrEmail      = "hr@example.co.jp"
)

var t0 = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)

// --- a fake GitHub: the two OAuth endpoints as GitHub documents them ------

// exchangeRequest is one request to the token endpoint, as GitHub got it.
type exchangeRequest struct {
	Method, Accept, ContentType string
	Form                        url.Values
}

// fakeGitHub is github.com's web application flow ("Authorizing OAuth
// apps"): GET /login/oauth/authorize sends the user back to the app's
// registered callback with a code and the app's state (or with
// error=access_denied); POST /login/oauth/access_token trades a code,
// once, for a token, and answers an error with status 200 and an "error"
// field, as JSON when asked with Accept: application/json and
// form-encoded otherwise.
type fakeGitHub struct {
	srv      *httptest.Server
	callback string // the OAuth app's registered callback URL

	mu         sync.Mutex
	deny       bool   // the user presses "Cancel"
	grant      string // the scope granted; empty: what was asked
	broken     bool   // the token endpoint drops the connection
	codes      map[string]string
	authorizes int
	exchanges  []exchangeRequest
	tokens     []string
}

func newFakeGitHub(t *testing.T) *fakeGitHub {
	g := &fakeGitHub{codes: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login/oauth/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		g.mu.Lock()
		defer g.mu.Unlock()
		g.authorizes++
		if q.Get("client_id") != clientID {
			http.Error(w, "unknown application", http.StatusNotFound)
			return
		}
		if q.Get("redirect_uri") != g.callback {
			http.Error(w, "The redirect_uri is not associated with this application.", http.StatusBadRequest)
			return
		}
		back := url.Values{"state": {q.Get("state")}}
		if g.deny {
			back.Set("error", "access_denied")
			back.Set("error_description", "The user has denied your application access.")
		} else {
			code := auth.NewToken()[:20]
			scope := g.grant
			if scope == "" {
				scope = q.Get("scope")
			}
			g.codes[code] = scope
			back.Set("code", code)
		}
		http.Redirect(w, r, g.callback+"?"+back.Encode(), http.StatusFound)
	})
	mux.HandleFunc("/login/oauth/access_token", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.broken {
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		g.exchanges = append(g.exchanges, exchangeRequest{Method: r.Method, Accept: r.Header.Get("Accept"),
			ContentType: r.Header.Get("Content-Type"), Form: r.PostForm})
		answer := map[string]string{}
		scope, known := g.codes[r.PostForm.Get("code")]
		switch {
		case r.PostForm.Get("client_id") != clientID || r.PostForm.Get("client_secret") != clientSecret:
			answer = map[string]string{"error": "incorrect_client_credentials",
				"error_description": "The client_id and/or client_secret passed are incorrect."}
		case r.PostForm.Get("redirect_uri") != g.callback:
			answer = map[string]string{"error": "redirect_uri_mismatch",
				"error_description": "The redirect_uri MUST match the registered callback URL for this application."}
		case !known:
			answer = map[string]string{"error": "bad_verification_code", "error_description": "The code passed is incorrect or expired."}
		default:
			delete(g.codes, r.PostForm.Get("code")) // a code works once
			token := "gho_" + strings.ReplaceAll(auth.NewToken(), "-", "")[:36]
			g.tokens = append(g.tokens, token)
			answer = map[string]string{"access_token": token, "scope": scope, "token_type": "bearer"}
		}
		if r.Header.Get("Accept") == "application/json" {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			json.NewEncoder(w).Encode(answer)
			return
		}
		v := url.Values{}
		for k, s := range answer {
			v.Set(k, s)
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		w.Write([]byte(v.Encode()))
	})
	g.srv = httptest.NewServer(mux)
	t.Cleanup(g.srv.Close)
	return g
}

func (g *fakeGitHub) counts() (authorizes, exchanges int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.authorizes, len(g.exchanges)
}

// --- the portal --------------------------------------------------------------

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type fixture struct {
	t        *testing.T
	st       *bolt.Store
	keys     *auth.Keyring
	accounts *account.Service
	now      time.Time
	portal   *httptest.Server
	github   *fakeGitHub
	oauth    *cms.OAuth
	logs     *lockedBuffer
	client   *http.Client
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	st, err := bolt.Open(filepath.Join(dir, "okaeri.db"), &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ob, err := outbox.New(filepath.Join(dir, "outbox"), nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, st: st, now: t0, logs: &lockedBuffer{},
		keys:   auth.NewKeyring(auth.Key{ID: "t", Secret: bytes.Repeat([]byte("k"), 32)}),
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	log := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	mux := http.NewServeMux()
	f.portal = httptest.NewServer(mux)
	t.Cleanup(f.portal.Close)
	f.github = newFakeGitHub(t)
	f.github.callback = f.portal.URL + cms.CallbackPath
	f.accounts = account.New(st, ob, f.keys, account.Config{BaseURL: f.portal.URL}, log)
	f.accounts.Now = f.clock
	f.oauth = &cms.OAuth{Accounts: f.accounts, Tokens: st, Log: log, BaseURL: f.portal.URL,
		ClientID: clientID, ClientSecret: clientSecret, GitHub: f.github.srv.URL, Now: f.clock}
	// Each request sees the fixture's OAuth as it is then, so a test can
	// change its settings.
	for p := range f.oauth.Routes() {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) { f.oauth.Routes()[p].ServeHTTP(w, r) })
	}
	admin := cms.Handler{Accounts: f.accounts, Log: log, SiteURL: f.portal.URL,
		Backend: cms.Backend{Repo: "hikari-tech/alumni-portal", Branch: "main", BaseURL: f.portal.URL}}
	for p, h := range admin.Routes() {
		mux.Handle(p, h)
	}
	return f
}

func (f *fixture) clock() time.Time { return f.now }

// member is an approved member with a session, HR when hr is set; it
// returns the cookie header that carries the session.
func (f *fixture) member(email string, lang store.Language, hr bool) string {
	f.t.Helper()
	ctx := context.Background()
	var roles []store.Role
	if hr {
		roles = []store.Role{store.RoleHR}
	}
	m, err := f.st.GetMemberByEmail(ctx, email)
	if err != nil {
		m, err = f.st.CreateMember(ctx, store.Member{Email: email, Name: "テスト 花子", Kana: "テスト ハナコ", Department: "人事部",
			Language: lang, Status: store.StatusApproved, CreatedAt: t0, Roles: roles})
		if err != nil {
			f.t.Fatal(err)
		}
	}
	return f.session(m.ID)
}

// session opens one more session of member id.
func (f *fixture) session(id string) string {
	f.t.Helper()
	secret := store.NewID()
	if err := f.st.CreateSession(context.Background(), store.Session{ID: store.HashToken(secret), MemberID: id, CreatedAt: f.now,
		LastSeenAt: f.now, ExpiresAt: f.now.Add(14 * 24 * time.Hour)}); err != nil {
		f.t.Fatal(err)
	}
	return account.SessionCookie + "=" + f.keys.Sign(secret)
}

type response struct {
	*http.Response
	body string
}

func (f *fixture) get(rawURL, cookie string) response {
	f.t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		f.t.Fatal(err)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return response{resp, b.String()}
}

// authURL is what Decap CMS opens in its popup (netlify-auth.js).
func (f *fixture) authURL() string {
	return f.portal.URL + "/" + cms.AuthEndpoint + "?provider=github&site_id=alumni.example.co.jp&scope=repo"
}

// authorize starts a login with cookie and lets the fake GitHub answer:
// it returns GitHub's redirect back to the portal's callback.
func (f *fixture) authorize(cookie string) *url.URL {
	f.t.Helper()
	start := f.get(f.authURL(), cookie)
	if start.StatusCode != http.StatusFound {
		f.t.Fatalf("auth: %d %s", start.StatusCode, start.body)
	}
	back := f.get(start.Header.Get("Location"), "") // GitHub has its own cookies
	if back.StatusCode != http.StatusFound {
		f.t.Fatalf("GitHub's authorize: %d %s", back.StatusCode, back.body)
	}
	u, err := url.Parse(back.Header.Get("Location"))
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

var resultAttr = regexp.MustCompile(`data-result="([^"]*)"`)

// posted is what the popup's page posts to the CMS after the handshake.
func posted(t *testing.T, body string) string {
	t.Helper()
	m := resultAttr.FindAllStringSubmatch(body, -1)
	if len(m) != 1 {
		t.Fatalf("the page has %d results for the CMS:\n%s", len(m), body)
	}
	return html.UnescapeString(m[0][1])
}

// failure checks a page that posts an error to the CMS, and returns the
// message it carries.
func failure(t *testing.T, r response, status int) string {
	t.Helper()
	if r.StatusCode != status {
		t.Errorf("status %d, want %d", r.StatusCode, status)
	}
	if loc := r.Header.Get("Location"); loc != "" {
		t.Errorf("redirected to %s", loc)
	}
	wantPopupHeaders(t, r)
	msg, ok := strings.CutPrefix(posted(t, r.body), "authorization:github:error:")
	if !ok {
		t.Fatalf("posts %q, not an error", posted(t, r.body))
	}
	var e struct{ Message, Code, Token, Provider string }
	if err := json.Unmarshal([]byte(msg), &e); err != nil {
		t.Fatal(err)
	}
	if e.Token != "" || e.Provider != "github" || e.Message == "" {
		t.Errorf("error %+v", e)
	}
	if !strings.Contains(r.body, html.EscapeString(e.Message)) {
		t.Errorf("the page does not show the message %q", e.Message)
	}
	return e.Message
}

func wantPopupHeaders(t *testing.T, r response) {
	t.Helper()
	for name, want := range map[string]string{
		"Content-Security-Policy":    cms.PopupCSP(),
		"Cross-Origin-Opener-Policy": "unsafe-none",
		"Cache-Control":              "no-store",
		"Referrer-Policy":            "no-referrer",
	} {
		if got := r.Header.Get(name); got != want {
			t.Errorf("%s: %q, want %q", name, got, want)
		}
	}
}

// --- tests -------------------------------------------------------------------

func TestHRLogsInWithGitHub(t *testing.T) {
	f := newFixture(t)
	hr := f.member(hrEmail, store.LanguageJa, true)

	start := f.get(f.authURL(), hr)
	if start.StatusCode != http.StatusFound {
		t.Fatalf("auth: %d %s", start.StatusCode, start.body)
	}
	wantPopupHeaders(t, start)
	to, err := url.Parse(start.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if got := to.Scheme + "://" + to.Host + to.Path; got != f.github.srv.URL+"/login/oauth/authorize" {
		t.Errorf("sent to %s", got)
	}
	q := to.Query()
	for k, want := range map[string]string{"client_id": clientID, "redirect_uri": f.portal.URL + "/api/cms/callback", "scope": "repo", "allow_signup": "false"} {
		if q.Get(k) != want {
			t.Errorf("authorize %s=%q, want %q", k, q.Get(k), want)
		}
	}
	state := q.Get("state")
	if raw, err := base64.RawURLEncoding.DecodeString(state); err != nil || len(raw) < 32 {
		t.Errorf("state %q is not 256 random bits", state)
	}
	if len(q) != 5 {
		t.Errorf("authorize carries %v", q)
	}

	back := f.get(to.String(), "")
	callback, _ := url.Parse(back.Header.Get("Location"))
	if callback.Query().Get("state") != state {
		t.Fatalf("GitHub sent back %s", callback)
	}
	page := f.get(callback.String(), hr)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("callback: %d %s", page.StatusCode, page.body)
	}
	wantPopupHeaders(t, page)
	if len(f.github.tokens) != 1 {
		t.Fatalf("GitHub issued %d tokens", len(f.github.tokens))
	}
	token := f.github.tokens[0]
	want := `authorization:github:success:{"token":"` + token + `","provider":"github"}`
	if got := posted(t, page.body); got != want {
		t.Errorf("posts %q\nwant  %q", got, want)
	}
	// The token is in the success message only.
	if n := strings.Count(page.body, token); n != 1 {
		t.Errorf("the token appears %d times in the page", n)
	}
	for _, s := range []string{"GitHubにログインしました", "このウィンドウは自動で閉じます", `data-origin="` + f.portal.URL + `"`} {
		if !strings.Contains(page.body, s) {
			t.Errorf("the page lacks %q", s)
		}
	}

	// The exchange is what GitHub documents.
	if len(f.github.exchanges) != 1 {
		t.Fatalf("%d exchanges", len(f.github.exchanges))
	}
	ex := f.github.exchanges[0]
	if ex.Method != http.MethodPost || ex.Accept != "application/json" || ex.ContentType != "application/x-www-form-urlencoded" {
		t.Errorf("exchange %s, Accept %q, Content-Type %q", ex.Method, ex.Accept, ex.ContentType)
	}
	wantForm := url.Values{"client_id": {clientID}, "client_secret": {clientSecret}, "code": {callback.Query().Get("code")},
		"redirect_uri": {f.portal.URL + "/api/cms/callback"}}
	if fmt.Sprint(ex.Form) != fmt.Sprint(wantForm) {
		t.Errorf("exchange form %v\nwant %v", ex.Form, wantForm)
	}

	// Nothing secret is logged.
	logs := f.logs.String()
	if !strings.Contains(logs, "HR logged in with GitHub") {
		t.Errorf("the login is not logged:\n%s", logs)
	}
	for name, secret := range map[string]string{"token": token, "client secret": clientSecret, "state": state, "code": callback.Query().Get("code")} {
		if strings.Contains(logs, secret) {
			t.Errorf("the log holds the %s:\n%s", name, logs)
		}
	}
}

// The script in the page is the one the CSP allows, by its hash.
func TestPopupScriptIsAllowedByItsHash(t *testing.T) {
	f := newFixture(t)
	page := f.get(f.authURL(), "") // a visitor's error page has the same script
	scripts := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindAllStringSubmatch(page.body, -1)
	if len(scripts) != 1 {
		t.Fatalf("%d inline scripts", len(scripts))
	}
	sum := sha256.Sum256([]byte(scripts[0][1]))
	hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	csp := page.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self' "+hash+";") {
		t.Errorf("CSP %q does not allow the inline script %s", csp, hash)
	}
	// Otherwise it is the portal's policy.
	if strings.Replace(csp, " "+hash, "", 1) != httpapi.ContentSecurityPolicy {
		t.Errorf("CSP %q differs from the portal's beyond the script's hash", csp)
	}
}

func TestVisitorsAndMembersNeverReachGitHub(t *testing.T) {
	f := newFixture(t)
	member := f.member("alumna@example.com", store.LanguageJa, false)
	english := f.member("alumnus@example.com", store.LanguageEn, false)
	forged := account.SessionCookie + "=" + store.NewID() + ".t.AAAA"
	for _, tc := range []struct {
		name, cookie string
		status       int
		message      string
	}{
		{"visitor", "", http.StatusUnauthorized, "ポータルにログインしていません"},
		{"forged session", forged, http.StatusUnauthorized, "ポータルにログインしていません"},
		{"member", member, http.StatusForbidden, "人事の管理者だけ"},
		{"member reading English", english, http.StatusForbidden, "Only HR administrators"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := failure(t, f.get(f.authURL(), tc.cookie), tc.status)
			if !strings.Contains(msg, tc.message) {
				t.Errorf("message %q, want %q", msg, tc.message)
			}
		})
	}
	if a, e := f.github.counts(); a != 0 || e != 0 {
		t.Fatalf("GitHub was reached: %d authorizations, %d exchanges", a, e)
	}

	// HR's own state and code, in the hands of anyone else, get no token
	// either, and do not use them up.
	hr := f.member(hrEmail, store.LanguageJa, true)
	callback := f.authorize(hr)
	failure(t, f.get(callback.String(), ""), http.StatusUnauthorized)
	failure(t, f.get(callback.String(), member), http.StatusForbidden)
	if _, e := f.github.counts(); e != 0 {
		t.Fatalf("%d exchanges for others", e)
	}
	if page := f.get(callback.String(), hr); page.StatusCode != http.StatusOK {
		t.Errorf("HR's own callback afterwards: %d %s", page.StatusCode, page.body)
	}
}

func TestStateIsThisSessionsAndWorksOnce(t *testing.T) {
	f := newFixture(t)
	hr := f.member(hrEmail, store.LanguageJa, true)
	refused := func(t *testing.T, u *url.URL, cookie string) {
		t.Helper()
		_, before := f.github.counts()
		if msg := failure(t, f.get(u.String(), cookie), http.StatusBadRequest); !strings.Contains(msg, "ログインを確認できませんでした") {
			t.Errorf("message %q", msg)
		}
		if _, after := f.github.counts(); after != before {
			t.Error("GitHub was asked for a token")
		}
	}
	with := func(u *url.URL, k, v string) *url.URL {
		c := *u
		q := c.Query()
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		c.RawQuery = q.Encode()
		return &c
	}

	t.Run("wrong", func(t *testing.T) {
		u := f.authorize(hr)
		refused(t, with(u, "state", auth.NewToken()), hr)
		refused(t, with(u, "state", ""), hr)
		refused(t, with(u, "state", strings.Repeat("A", 4096)), hr)
	})
	t.Run("replayed", func(t *testing.T) {
		u := f.authorize(hr)
		if page := f.get(u.String(), hr); page.StatusCode != http.StatusOK {
			t.Fatalf("first use: %d", page.StatusCode)
		}
		refused(t, u, hr)
		// A fresh code does not revive a used state.
		refused(t, with(u, "code", "0123456789abcdef0123"), hr)
	})
	t.Run("another session's", func(t *testing.T) {
		u := f.authorize(hr)
		m, err := f.st.GetMemberByEmail(context.Background(), hrEmail)
		if err != nil {
			t.Fatal(err)
		}
		refused(t, u, f.session(m.ID)) // the same HR administrator, logged in elsewhere
		refused(t, u, hr)              // and it is used up
	})
	t.Run("expired", func(t *testing.T) {
		u := f.authorize(hr)
		f.now = f.now.Add(cms.StateTTL + time.Second)
		refused(t, u, hr)
	})
}

func TestGitHubsRefusalsAreExplained(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(f *fixture)
		tamper  func(u *url.URL)
		status  int
		message string
	}{
		{"the user cancels", func(f *fixture) { f.github.deny = true }, nil, http.StatusForbidden, "アクセスが許可されませんでした"},
		{"a code GitHub never issued", nil, func(u *url.URL) {
			q := u.Query()
			q.Set("code", "ffffffffffffffffffff")
			u.RawQuery = q.Encode()
		}, http.StatusBadGateway, "期限切れか、使用済み"},
		{"a wrong client secret", func(f *fixture) { f.oauth.ClientSecret = "not-the-secret" }, nil, http.StatusBadGateway, "OAuthアプリの設定"},
		{"a scope not granted", func(f *fixture) { f.github.grant = "public_repo" }, nil, http.StatusBadGateway, "書き込みを許可しませんでした"},
		{"GitHub drops the connection", func(f *fixture) { f.github.broken = true }, nil, http.StatusBadGateway, "トークンを受け取れませんでした"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			hr := f.member(hrEmail, store.LanguageJa, true)
			if tc.setup != nil {
				f.github.mu.Lock()
				tc.setup(f)
				f.github.mu.Unlock()
			}
			u := f.authorize(hr)
			if tc.tamper != nil {
				tc.tamper(u)
			}
			page := f.get(u.String(), hr)
			if msg := failure(t, page, tc.status); !strings.Contains(msg, tc.message) {
				t.Errorf("message %q, want %q", msg, tc.message)
			}
			logs := f.logs.String()
			if strings.Contains(page.body, "gho_") || strings.Contains(logs, "gho_") {
				t.Error("a token reached the page or the log")
			}
			if strings.Contains(logs, clientSecret) || strings.Contains(logs, "not-the-secret") {
				t.Errorf("the client secret reached the log:\n%s", logs)
			}
		})
	}
}

func TestUnconfiguredOrOtherProvidersAreExplained(t *testing.T) {
	f := newFixture(t)
	hr := f.member(hrEmail, store.LanguageEn, true)
	f.oauth.ClientID = ""
	if msg := failure(t, f.get(f.authURL(), hr), http.StatusServiceUnavailable); !strings.Contains(msg, "not set up") {
		t.Errorf("no client id: %q", msg)
	}
	f.oauth.ClientID = clientID
	gitlab := strings.Replace(f.authURL(), "provider=github", "provider=gitlab", 1)
	if msg := failure(t, f.get(gitlab, hr), http.StatusBadRequest); !strings.Contains(msg, "GitHub only") {
		t.Errorf("gitlab: %q", msg)
	}
	if a, _ := f.github.counts(); a != 0 {
		t.Error("GitHub was reached")
	}
}

// /admin/ may talk to the popup it opens: its COOP is not same-origin.
func TestAdminPageKeepsThePopupsOpener(t *testing.T) {
	f := newFixture(t)
	page := f.get(f.portal.URL+"/admin/", f.member(hrEmail, store.LanguageJa, true))
	if page.StatusCode != http.StatusOK {
		t.Fatalf("/admin/: %d", page.StatusCode)
	}
	if got := page.Header.Get("Cross-Origin-Opener-Policy"); got != "same-origin-allow-popups" {
		t.Errorf("/admin/ COOP %q", got)
	}
	if got := page.Header.Get("Content-Security-Policy"); got != cms.AdminCSP {
		t.Errorf("/admin/ CSP %q", got)
	}
	cfg := f.get(f.portal.URL+"/admin/config.yml", f.member(hrEmail, store.LanguageJa, true))
	for _, s := range []string{"name: github", "base_url: " + f.portal.URL, "auth_endpoint: " + cms.AuthEndpoint} {
		if !strings.Contains(cfg.body, s) {
			t.Errorf("config.yml lacks %q:\n%s", s, cfg.body)
		}
	}
}

// The page's script, run in node against a stand-in for the browser:
// it speaks first, answers only its opener from the portal's origin, and
// posts the result to that origin alone. Skipped where node is not
// installed.
func TestPopupScriptHandsTheResultToTheOpenerOnly(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	f := newFixture(t)
	hr := f.member(hrEmail, store.LanguageJa, true)
	page := f.get(f.authorize(hr).String(), hr)
	script := regexp.MustCompile(`(?s)<script>(.*?)</script>`).FindStringSubmatch(page.body)[1]
	origin := f.portal.URL
	harness := `
var posted = [], listeners = [], shown = false;
var opener = {postMessage: function (data, target) { posted.push([data, target]); }};
var el = {
  getAttribute: function (n) { return {"data-origin": ORIGIN, "data-result": RESULT}[n]; },
  querySelector: function () { return {set hidden(v) { shown = !v; }}; }
};
var document = {getElementById: function (id) { return id === "okaeri-cms-auth" ? el : null; }};
var window = {opener: opener,
  addEventListener: function (t, fn) { if (t === "message") listeners.push(fn); },
  removeEventListener: function (t, fn) { listeners = listeners.filter(function (l) { return l !== fn; }); }};
SCRIPT
var steps = [JSON.stringify(posted)];
function send(e) { listeners.slice().forEach(function (l) { l(e); }); steps.push(JSON.stringify(posted)); }
send({source: opener, origin: "https://evil.example", data: "authorizing:github"});
send({source: {}, origin: ORIGIN, data: "authorizing:github"});
send({source: opener, origin: ORIGIN, data: "something else"});
send({source: opener, origin: ORIGIN, data: "authorizing:github"});
send({source: opener, origin: ORIGIN, data: "authorizing:github"});
window.opener = null;
console.log(JSON.stringify({steps: steps, shown: shown}));
`
	result := posted(t, page.body)
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	run := func(h string) string {
		out, err := exec.Command(node, "-e", h).CombinedOutput()
		if err != nil {
			t.Fatalf("node: %v\n%s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	out := run(strings.NewReplacer("ORIGIN", q(origin), "RESULT", q(result), "SCRIPT", script).Replace(harness))
	var got struct {
		Steps []string
		Shown bool
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	hello := `[["authorizing:github",` + q(origin) + `]]`
	done := `[["authorizing:github",` + q(origin) + `],[` + q(result) + `,` + q(origin) + `]]`
	want := []string{hello, hello, hello, hello, done, done}
	if !slices.Equal(got.Steps, want) {
		t.Errorf("posted, step by step:\n%s\nwant\n%s", strings.Join(got.Steps, "\n"), strings.Join(want, "\n"))
	}
	if got.Shown {
		t.Error("the no-opener note is shown with an opener")
	}
	// Without an opener nothing is posted and the page says why.
	alone := strings.Replace(harness, "var window = {opener: opener,", "var window = {opener: null,", 1)
	out = run(strings.NewReplacer("ORIGIN", q(origin), "RESULT", q(result), "SCRIPT", script).Replace(alone))
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got.Steps[len(got.Steps)-1] != "[]" || !got.Shown {
		t.Errorf("without an opener: %s", out)
	}
}
