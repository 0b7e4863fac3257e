package core_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/account/bio"
	"github.com/okaeri/okaeri/functions/app/core"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/idempotency"
	"github.com/okaeri/okaeri/functions/store"
)

func newCore(t *testing.T, env map[string]string) *core.Core {
	t.Helper()
	dir := t.TempDir()
	cfg, err := config.Load(func(k string) string { return env[k] }, dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := core.New(context.Background(), cfg, core.Options{DataDir: dir, Dev: true}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// serve guards routes as `okaeri serve` and the Lambdas do.
func serve(t *testing.T, c *core.Core, routes map[string]http.Handler) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	for p, h := range c.Guard(routes) {
		mux.Handle(p, h)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// memberCookie is the session cookie of a new approved member.
func memberCookie(t *testing.T, c *core.Core, email string) *http.Cookie {
	t.Helper()
	ctx, now := context.Background(), time.Now()
	m, err := c.Store.CreateMember(ctx, store.Member{ID: store.NewID(), Email: email, Name: "山田 花子", Language: store.LanguageJa, Status: store.StatusApproved})
	if err != nil {
		t.Fatal(err)
	}
	secret := store.NewID()
	sess := store.Session{ID: store.HashToken(secret), MemberID: m.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := c.Store.CreateSession(ctx, sess); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	c.Accounts.SetSessionCookie(rec, account.Session{Session: sess, Secret: secret})
	for _, ck := range rec.Result().Cookies() {
		if ck.HttpOnly {
			return &http.Cookie{Name: ck.Name, Value: ck.Value}
		}
	}
	t.Fatal("no session cookie set")
	return nil
}

func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// counting answers 201 with how often it ran.
func counting(runs *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "run %d", runs.Add(1))
	})
}

// Idempotency-Keys belong to the authenticated caller: a forged session
// cookie is an anonymous caller like any other from its address, not a
// scope of its own; a member's keys are the member's.
func TestGuardScopesIdempotencyKeysToTheAuthenticatedCaller(t *testing.T) {
	c := newCore(t, nil)
	var runs atomic.Int64
	srv := serve(t, c, map[string]http.Handler{"POST /api/things": counting(&runs)})
	member := memberCookie(t, c, "hanako@example.jp")
	post := func(ck *http.Cookie) string {
		req, _ := http.NewRequest("POST", srv.URL+"/api/things", strings.NewReader(`{"x":1}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(idempotency.Header, "same-key")
		if ck != nil {
			req.AddCookie(ck)
		}
		_, body := do(t, req)
		return body
	}
	if got := post(nil); got != "run 1" {
		t.Fatalf("anonymous: %q", got)
	}
	forged := &http.Cookie{Name: member.Name, Value: "forged." + strings.Repeat("x", 40)}
	if got := post(forged); got != "run 1" {
		t.Errorf("a forged cookie must be the anonymous client (replay of run 1), got %q", got)
	}
	if got := post(member); got != "run 2" {
		t.Errorf("the member's key is the member's own: %q", got)
	}
	if got := post(member); got != "run 2" {
		t.Errorf("the member's retry: %q", got)
	}
	if runs.Load() != 2 {
		t.Errorf("runs = %d", runs.Load())
	}
}

func TestGuardLimitsBodiesPerRoute(t *testing.T) {
	c := newCore(t, nil)
	var runs, uploads atomic.Int64
	decode := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Text string `json:"text"`
		}
		if err := httpapi.Decode(w, r, &in); err != nil {
			httpapi.WriteError(w, r, nil, err)
			return
		}
		runs.Add(1)
		w.WriteHeader(http.StatusNoContent)
	})
	srv := serve(t, c, map[string]http.Handler{
		"POST /api/form":   decode,
		"POST /api/upload": httpapi.WithBodyLimit(counting(&uploads), 1<<20),
	})
	member := memberCookie(t, c, "taro@example.jp")
	big := `{"text":"` + strings.Repeat("a", httpapi.MaxBodyBytes) + `"}`
	for _, c := range []struct {
		name    string
		path    string
		body    string
		chunked bool
		key     string
		want    int
	}{
		{"a form within the limit", "/api/form", `{"text":"ok"}`, false, "", 204},
		{"Content-Length over the limit", "/api/form", big, false, "", 413},
		{"chunked over the limit", "/api/form", big, true, "", 413},
		{"over the limit with an Idempotency-Key", "/api/form", big, false, "k1", 413},
		{"chunked over the limit with an Idempotency-Key", "/api/form", big, true, "k2", 413},
		{"an upload over the form limit", "/api/upload", strings.Repeat("a", 512<<10), false, "", 201},
		{"an upload over its own limit", "/api/upload", strings.Repeat("a", 1<<20+1), false, "", 413},
		{"a chunked upload over its own limit", "/api/upload", strings.Repeat("a", 1<<20+1), true, "k3", 413},
	} {
		var body io.Reader = strings.NewReader(c.body)
		if c.chunked {
			body = io.MultiReader(body) // no length known: sent chunked
		}
		req, _ := http.NewRequest("POST", srv.URL+c.path, body)
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(member)
		if c.key != "" {
			req.Header.Set(idempotency.Header, c.key)
		}
		status, got := do(t, req)
		if status != c.want {
			t.Errorf("%s: %d %.200s, want %d", c.name, status, got, c.want)
		}
		if status == 413 && !strings.Contains(got, `"status":413`) {
			t.Errorf("%s: not problem+json: %.200s", c.name, got)
		}
	}
	if runs.Load() != 1 || uploads.Load() != 1 {
		t.Errorf("handlers ran %d and %d times, want once each", runs.Load(), uploads.Load())
	}
}

// The JSON and form limit is measured on the largest form the portal takes:
// the profile form, every field at its longest in 4-byte characters (𠮷),
// which the browser sends as 12 bytes of percent escapes each.
func TestMaxBodyBytesFitsTheLargestForm(t *testing.T) {
	c := newCore(t, nil)
	c.Accounts.Config.RenderBio = bio.Render // as the directory function wires it
	srv := serve(t, c, account.Handler{S: c.Accounts}.Routes())
	member := memberCookie(t, c, "jiro@example.jp")
	long := func(n int) string { return strings.Repeat("𠮷", n) }
	list := func(seed rune) string {
		items := make([]string, 30)
		for i := range items {
			items[i] = long(49) + string(seed+rune(i))
		}
		return strings.Join(items, ",")
	}
	form := url.Values{
		"name": {long(100)}, "kana": {strings.Repeat("ヴ", 100)}, "company": {long(100)}, "role": {long(100)},
		"location": {long(100)}, "bio": {long(2000)}, "skills": {list(0x20000)}, "interests": {list(0x20100)},
		"language": {"ja"}, "visible": account.DirectoryFields, "visible_set": {"1"},
		"open_to_rehire": {"on"}, "open_to_sidework": {"on"}, "open_to_mentoring": {"on"}, "open_to_referrals": {"on"},
		"consent_newsletter": {"on"}, "consent_events": {"on"}, "consent_jobs": {"on"}, "consent_directory": {"on"}, "consent_sidework": {"on"},
	}
	body := form.Encode()
	t.Logf("the largest profile form is %d bytes; MaxBodyBytes is %d", len(body), httpapi.MaxBodyBytes)
	if len(body) > httpapi.MaxBodyBytes || len(body) < httpapi.MaxBodyBytes*3/4 {
		t.Errorf("the largest form is %d bytes: MaxBodyBytes %d should be it plus a little slack", len(body), httpapi.MaxBodyBytes)
	}
	post := func(body string) (int, string) {
		req, _ := http.NewRequest("POST", srv.URL+"/api/me/profile", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(member)
		return do(t, req)
	}
	http.DefaultClient.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	defer func() { http.DefaultClient.CheckRedirect = nil }()
	if status, got := post(body); status != http.StatusSeeOther {
		t.Fatalf("the largest legitimate profile form: %d %.300s", status, got)
	}
	form.Set("bio", long(4000))
	if status, _ := post(form.Encode()); status != http.StatusRequestEntityTooLarge {
		t.Errorf("a form past the limit: %d", status)
	}
}

// Rate limits key on the client: X-Forwarded-For counts only from a
// trusted proxy, and then its right-most entry outside the trusted ranges.
func TestGuardFindsTheClientForRateLimits(t *testing.T) {
	login := func(c *core.Core, xff []string) []int {
		srv := serve(t, c, account.Handler{S: c.Accounts}.Routes())
		var statuses []int
		for i, x := range xff {
			form := url.Values{"email": {fmt.Sprintf("someone%d@example.jp", i)}}
			req, _ := http.NewRequest("POST", srv.URL+"/api/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept", "application/json")
			req.Header.Set("X-Forwarded-For", x)
			s, _ := do(t, req)
			statuses = append(statuses, s)
		}
		return statuses
	}
	// Each request claims another client; none is believed without a trusted proxy.
	spoofed := []string{"198.51.100.1", "198.51.100.2", "198.51.100.3"}
	got := login(newCore(t, map[string]string{"OKAERI_LIMIT_LOGIN_CLIENT": "2/15m"}), spoofed)
	if got[2] != http.StatusTooManyRequests {
		t.Errorf("a spoofed X-Forwarded-For changed the client: %v", got)
	}
	// Behind a trusted proxy (the test's loopback), each right-most entry is its own client,
	// whatever the client wrote before it.
	behind := []string{"10.9.9.9, 203.0.113.1", "10.9.9.9, 203.0.113.2", "10.9.9.9, 203.0.113.3"}
	c := newCore(t, map[string]string{"OKAERI_LIMIT_LOGIN_CLIENT": "2/15m", "OKAERI_TRUSTED_PROXIES": "127.0.0.0/8,::1"})
	if got := login(c, behind); got[2] == http.StatusTooManyRequests {
		t.Errorf("clients behind the proxy share a key: %v", got)
	}
	same := []string{"203.0.113.7, 127.0.0.1", "198.51.100.9, 203.0.113.7", "203.0.113.7"}
	if got := login(c, same); got[2] != http.StatusTooManyRequests {
		t.Errorf("one client behind the proxy must be one key: %v", got)
	}
	if c.Config.TrustedProxies[0] != netip.MustParsePrefix("127.0.0.0/8") {
		t.Errorf("config: %v", c.Config.TrustedProxies)
	}
}

// Bad bodies are a 400 naming the field, and nothing is stored.
func TestRegisterRefusesHostileBodies(t *testing.T) {
	c := newCore(t, nil)
	srv := serve(t, c, account.Handler{S: c.Accounts}.Routes())
	good := `"name":"山田 花子","department":"開発部","joined":"2015-04","left":"2020-03","language":"ja","privacy":true,"privacy_version":"2026-04-01"`
	for _, b := range []struct {
		name, body, field, code string
	}{
		{"a bidi override in the name", `{"email":"a1@example.jp",` + strings.Replace(good, "山田 花子", "山田\u202E花子", 1) + `}`, "name", "invisible"},
		{"a zero-width space in the department", `{"email":"a2@example.jp",` + strings.Replace(good, "開発部", "開\u200B発部", 1) + `}`, "department", "invisible"},
		{"a byte order mark in the name", `{"email":"a3@example.jp",` + strings.Replace(good, "山田 花子", "\uFEFF山田", 1) + `}`, "name", "invisible"},
		{"the email twice", `{"email":"a4@example.jp",` + good + `,"email":"victim@example.jp"}`, "email", "duplicate"},
		{"invalid UTF-8", "{\"email\":\"a5@example.jp\"," + strings.Replace(good, "山田 花子", "\xff\xfe", 1) + "}", "name", "utf8"},
		{"a number for a string", `{"email":"a6@example.jp",` + strings.Replace(good, `"開発部"`, `7`, 1) + `}`, "department", "format"},
		{"a second value", `{"email":"a7@example.jp",` + good + `}{"email":"a7@example.jp"}`, "", ""}, // no field to name
	} {
		req, _ := http.NewRequest("POST", srv.URL+"/api/register", strings.NewReader(b.body))
		req.Header.Set("Content-Type", "application/json")
		status, got := do(t, req)
		named := b.field == "" || strings.Contains(got, `"field":"`+b.field+`"`) && strings.Contains(got, `"code":"`+b.code+`"`)
		if status != http.StatusBadRequest || !named {
			t.Errorf("%s: %d %s", b.name, status, got)
		}
	}
	for i := 1; i <= 7; i++ {
		if _, err := c.Store.GetMemberByEmail(context.Background(), fmt.Sprintf("a%d@example.jp", i)); err == nil {
			t.Errorf("a%d@example.jp was stored from a refused body", i)
		}
	}
	if _, err := c.Store.GetMemberByEmail(context.Background(), "victim@example.jp"); err == nil {
		t.Error("the second email of a duplicated key was stored")
	}
}
