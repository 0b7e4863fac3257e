package infra_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/feature/cloudfront/sign"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/edge"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/infra/lambdabuild"
	"github.com/okaeri/okaeri/infra/runtimeapi"
)

// testSessionKeys is OKAERI_SESSION_KEYS for every bootstrap of a test.
const testSessionKeys = "t1:dGVzdC1zZXNzaW9uLWtleS10aGF0LWlzLTMyLWJ5dGVzIQ=="

const portal = "https://alumni.example.co.jp"

// bootstraps holds every function built for this machine, by name.
var bootstraps string

// TestMain builds every function once, for this machine's architecture,
// with the Lambda build flags (but keeping paths, so that the build shares
// the test binary's compile cache).
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "okaeri-bootstraps-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	root, err := lambdabuild.ModuleRoot()
	if err == nil {
		host := lambdabuild.Target{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH}
		err = lambdabuild.Build(context.Background(), root, host, dir, []string{"-tags", "lambda.norpc"}, lambdabuild.Functions()...)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	bootstraps = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// Every function builds for Lambda (linux/arm64) with the flags
// `make lambdas` uses, and zips as a bootstrap.
func TestFunctionsBuildForLambda(t *testing.T) {
	root, err := lambdabuild.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := lambdabuild.Build(context.Background(), root, lambdabuild.Lambda, dir, lambdabuild.Flags, lambdabuild.Functions()...); err != nil {
		t.Fatal(err)
	}
	for _, f := range lambda.Functions {
		bin := filepath.Join(dir, f.Name)
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		// An ELF for AArch64: e_machine 183 at offset 18.
		if len(data) < 20 || string(data[1:4]) != "ELF" || data[18] != 183 {
			t.Errorf("%s is not a linux/arm64 executable", f.Name)
		}
		zipped := filepath.Join(dir, f.Name+".zip")
		if err := lambdabuild.Zip(bin, zipped); err != nil {
			t.Fatal(err)
		}
	}
}

// fixture is one function's bootstrap running on its own embedded store.
type fixture struct {
	p     *runtimeapi.Process
	store string
	env   []string
}

// baseEnv is what every function gets: its own bolt file and outbox in a
// temporary folder (TMPDIR, where lambda.DataDir points), shared keys.
func baseEnv(t *testing.T, name string, extra ...string) (env []string, dbPath string) {
	dir := t.TempDir()
	dbPath = filepath.Join(dir, "okaeri.db")
	env = append([]string{
		"TMPDIR=" + dir,
		"AWS_LAMBDA_FUNCTION_NAME=okaeri-test-" + name,
		"AWS_REGION=ap-northeast-1",
		"OKAERI_BASE_URL=" + portal,
		"OKAERI_STORE=bolt:" + dbPath,
		"OKAERI_MAIL=outbox",
		"OKAERI_SESSION_KEYS=" + testSessionKeys,
		"OKAERI_LOG_LEVEL=error",
	}, extra...)
	return env, dbPath
}

func start(t *testing.T, name string, env []string) *runtimeapi.Process {
	t.Helper()
	p, err := runtimeapi.Start(filepath.Join(bootstraps, name), env)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := p.Ready(ctx); err != nil {
		t.Fatalf("%s did not start: %v\n%s", name, err, p.Output())
	}
	return p
}

// request is the event API Gateway's HTTP API (payload 2.0) sends for a
// browser's request through CloudFront.
func request(method, path, query, body string, cookies ...string) events.APIGatewayV2HTTPRequest {
	h := map[string]string{"host": "abc123.execute-api.ap-northeast-1.amazonaws.com", "x-forwarded-host": "alumni.example.co.jp",
		"x-forwarded-proto": "https", "sec-fetch-site": "same-origin", "accept-language": "ja"}
	if body != "" {
		h["content-type"] = "application/json"
	}
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: "ANY " + path, RawPath: path, RawQueryString: query, Headers: h, Body: body, Cookies: cookies,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			DomainName: "abc123.execute-api.ap-northeast-1.amazonaws.com", Stage: "$default", RequestID: "r1",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "192.0.2.1"},
		},
	}
}

func invoke(t *testing.T, p *runtimeapi.Process, req events.APIGatewayV2HTTPRequest) events.APIGatewayV2HTTPResponse {
	t.Helper()
	var resp events.APIGatewayV2HTTPResponse
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := p.API.InvokeJSON(ctx, req, &resp); err != nil {
		t.Fatalf("%s %s: %v\n%s", req.RequestContext.HTTP.Method, req.RawPath, err, p.Output())
	}
	return resp
}

// wantProblem checks a problem+json answer.
func wantProblem(t *testing.T, resp events.APIGatewayV2HTTPResponse, status int) {
	t.Helper()
	if resp.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", resp.StatusCode, status, resp.Body)
	}
	if ct := resp.Headers["Content-Type"]; !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("Content-Type %q, want problem+json", ct)
	}
	var p httpapi.Problem
	if err := json.Unmarshal([]byte(resp.Body), &p); err != nil || p.Status != status || p.Title == "" {
		t.Errorf("problem %+v (%v)", p, err)
	}
	if resp.Headers["Content-Security-Policy"] != httpapi.ContentSecurityPolicy {
		t.Errorf("no security headers: %v", resp.Headers)
	}
}

func cookies(t *testing.T, resp events.APIGatewayV2HTTPResponse) map[string]*http.Cookie {
	t.Helper()
	out := map[string]*http.Cookie{}
	for _, line := range resp.Cookies {
		c, err := http.ParseSetCookie(line)
		if err != nil {
			t.Fatalf("cookie %q: %v", line, err)
		}
		out[c.Name] = c
	}
	return out
}

func TestPrefsAnswersAPIGatewayEvents(t *testing.T) {
	t.Parallel()
	env, _ := baseEnv(t, "prefs")
	p := start(t, "prefs", env)
	resp := invoke(t, p, request("POST", "/api/preferences/language", "", `{"lang":"en"}`))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, resp.Body)
	}
	c := cookies(t, resp)[httpapi.LangCookie]
	if c == nil || c.Value != "en" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Errorf("Set-Cookie in the v2 cookies field: %v", resp.Cookies)
	}
	// Another site's form is refused, as by `okaeri serve`.
	cross := request("POST", "/api/preferences/language", "", `{"lang":"en"}`)
	cross.Headers["sec-fetch-site"] = "cross-site"
	wantProblem(t, invoke(t, p, cross), http.StatusForbidden)
	// A path of another function is not served here.
	wantProblem(t, invoke(t, p, request("GET", "/api/me", "", "")), http.StatusNotFound)
}

// The accounts function: 401 without a session; the login link sets the
// session cookie and CloudFront's signed cookies for the members' pages,
// expiring with the session; logout clears all of them.
func TestAccountSignsMembersCookies(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	env, db := baseEnv(t, "account", "OKAERI_CLOUDFRONT_KEY_ID=KTESTKEY", "OKAERI_CLOUDFRONT_PRIVATE_KEY="+pemKey)
	token := seedLogin(t, env, db)

	p := start(t, "account", env)
	wantProblem(t, invoke(t, p, request("GET", "/api/me", "", "")), http.StatusUnauthorized)
	wantProblem(t, invoke(t, p, request("GET", "/api/jobs/x1/applications", "", "")), http.StatusNotFound)

	before := time.Now()
	// The emailed link shows a button; only its POST uses the token.
	page := invoke(t, p, request("GET", "/api/login/callback", "token="+token, ""))
	if page.StatusCode != http.StatusOK || len(page.Cookies) != 0 || !strings.Contains(page.Body, `action="/api/login/callback"`) {
		t.Fatalf("link page: status %d, cookies %v: %s", page.StatusCode, page.Cookies, page.Body)
	}
	resp := invoke(t, p, request("POST", "/api/login/callback", "", `{"token":"`+token+`"}`))
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("callback: status %d: %s", resp.StatusCode, resp.Body)
	}
	got := cookies(t, resp)
	session := got[httpapi.SessionCookieName(true)]
	if session == nil || !session.Secure {
		t.Fatalf("no Secure session cookie: %v", resp.Cookies)
	}
	if d := session.Expires.Sub(before); d < 14*24*time.Hour-time.Minute || d > 14*24*time.Hour+time.Minute {
		t.Errorf("session expires in %v, want 14 days", d)
	}
	for _, name := range edge.CookieNames {
		c := got[name]
		if c == nil {
			t.Fatalf("no %s cookie: %v", name, resp.Cookies)
		}
		if !c.Secure || !c.HttpOnly || c.Path != "/" || !c.Expires.Equal(session.Expires) {
			t.Errorf("%s: %+v; want Secure, HttpOnly, Path=/ and the session's expiry %v", name, c, session.Expires)
		}
	}
	if got[sign.CookieKeyIDName].Value != "KTESTKEY" {
		t.Errorf("key pair id %q", got[sign.CookieKeyIDName].Value)
	}
	policy := cloudFrontDecode(t, got[sign.CookiePolicyName].Value)
	var pol struct {
		Statement []struct {
			Resource  string
			Condition struct {
				DateLessThan struct {
					Epoch int64 `json:"AWS:EpochTime"`
				}
			}
		}
	}
	if err := json.Unmarshal(policy, &pol); err != nil || len(pol.Statement) != 1 {
		t.Fatalf("policy %s: %v", policy, err)
	}
	st := pol.Statement[0]
	if st.Resource != portal+edge.MembersResource {
		t.Errorf("policy resource %q", st.Resource)
	}
	for _, path := range []string{"/members/", "/en/members/events/x/", "/members/profile/"} {
		if !cloudFrontMatch(strings.TrimPrefix(st.Resource, portal), path) {
			t.Errorf("the policy does not cover %s", path)
		}
	}
	if st.Condition.DateLessThan.Epoch != session.Expires.Unix() {
		t.Errorf("policy expires at %d, the session at %d", st.Condition.DateLessThan.Epoch, session.Expires.Unix())
	}
	sig := cloudFrontDecode(t, got[sign.CookieSignatureName].Value)
	sum := sha1.Sum(policy)
	if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA1, sum[:], sig); err != nil {
		t.Errorf("the signature does not verify with the public key: %v", err)
	}

	// Logout with the session: every cookie is cleared.
	out := invoke(t, p, request("POST", "/api/logout", "", "", session.Name+"="+session.Value))
	if out.StatusCode != http.StatusNoContent {
		t.Fatalf("logout: status %d: %s", out.StatusCode, out.Body)
	}
	cleared := cookies(t, out)
	for _, name := range append([]string{session.Name}, edge.CookieNames...) {
		if c := cleared[name]; c == nil || c.MaxAge >= 0 || c.Value != "" {
			t.Errorf("logout does not clear %s: %v", name, out.Cookies)
		}
	}
	// The session is gone.
	wantProblem(t, invoke(t, p, request("GET", "/api/me", "", "", session.Name+"="+session.Value)), http.StatusUnauthorized)
}

// seedLogin puts an approved member and a login token in the function's
// store before it starts, as `okaeri member add` and POST /api/login would.
func seedLogin(t *testing.T, env []string, db string) string {
	t.Helper()
	vars := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	dir := filepath.Dir(db)
	cfg, err := config.Load(func(k string) string { return vars[k] }, dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := app.New(ctx, cfg, app.Options{DataDir: dir}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	m, err := a.Accounts.AddMember(ctx, account.RegisterInput{Email: "hanako@example.com", Name: "山田 花子", Department: "開発部",
		Joined: "2015-04", Left: "2022-03", Language: "ja", Privacy: true}, "hr:test")
	if err != nil {
		t.Fatal(err)
	}
	tok := auth.NewToken()
	now := time.Now()
	if err := a.Store.CreateToken(ctx, store.Token{Hash: store.HashToken(tok), Purpose: store.PurposeLogin, Subject: m.ID,
		CreatedAt: now, ExpiresAt: now.Add(15 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	return tok
}

// cloudFrontDecode undoes CloudFront's URL-safe base64 (- _ ~ for + = /).
func cloudFrontDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(strings.NewReplacer("-", "+", "_", "=", "~", "/").Replace(s))
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return b
}

func TestJobRefusesWithoutSession(t *testing.T) {
	t.Parallel()
	env, _ := baseEnv(t, "job")
	p := start(t, "job", env)
	wantProblem(t, invoke(t, p, request("GET", "/api/me/applications", "", "")), http.StatusUnauthorized)
}

// Scheduled jobs run through the same binary: {"job": name} instead of an
// HTTP event; an unknown job fails the invocation, as Lambda must see.
func TestScheduledJobsRun(t *testing.T) {
	t.Parallel()
	for _, f := range lambda.Functions {
		if len(f.Jobs) == 0 {
			continue
		}
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			env, _ := baseEnv(t, f.Name)
			p := start(t, f.Name, env)
			ctx := context.Background()
			for _, j := range f.Jobs {
				var res lambda.JobResult
				if err := p.API.InvokeJSON(ctx, map[string]string{"job": j.Name}, &res); err != nil {
					t.Fatalf("%s: %v\n%s", j.Name, err, p.Output())
				}
				if res.Job != j.Name {
					t.Errorf("answer %+v", res)
				}
			}
			err := p.API.InvokeJSON(ctx, map[string]string{"job": "no-such-job"}, nil)
			var fe *runtimeapi.FunctionError
			if !errors.As(err, &fe) || !strings.Contains(fe.Message, "no-such-job") {
				t.Errorf("unknown job: %v", err)
			}
			// And it still serves HTTP.
			wantProblem(t, invoke(t, p, request("GET", "/api/no-such-thing", "", "")), http.StatusNotFound)
		})
	}
}

func TestEventsAndNewslettersAnswer(t *testing.T) {
	t.Parallel()
	t.Run("event", func(t *testing.T) {
		t.Parallel()
		env, _ := baseEnv(t, "event")
		p := start(t, "event", env)
		wantProblem(t, invoke(t, p, request("GET", "/api/events/no-such-event", "", "")), http.StatusNotFound)
	})
	t.Run("newsletter", func(t *testing.T) {
		t.Parallel()
		wk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKIXPublicKey(&wk.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		env, _ := baseEnv(t, "newsletter", "OKAERI_SENDGRID_WEBHOOK_KEY="+base64.StdEncoding.EncodeToString(der))
		p := start(t, "newsletter", env)
		resp := invoke(t, p, request("POST", "/api/webhooks/sendgrid", "", `[]`))
		if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusForbidden {
			t.Errorf("an unsigned webhook: status %d: %s", resp.StatusCode, resp.Body)
		}
	})
}

// A function that cannot start reports it instead of serving half-configured.
func TestMissingSessionKeysFailInit(t *testing.T) {
	t.Parallel()
	env, _ := baseEnv(t, "job")
	env = slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "OKAERI_SESSION_KEYS=") })
	p, err := runtimeapi.Start(filepath.Join(bootstraps, "job"), env)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := p.Ready(ctx); !errors.Is(err, runtimeapi.ErrExited) || !strings.Contains(p.Output(), "OKAERI_SESSION_KEYS") {
		t.Errorf("started without session keys: %v\n%s", err, p.Output())
	}
}

// A bio is rendered by the function that saves it, the directory
// function, which owns profiles; the accounts function (login) serves no
// profile route and links no Markdown renderer (TestFunctionImports).
func TestDirectoryRendersBiosWhenSaved(t *testing.T) {
	t.Parallel()
	env, db := baseEnv(t, "account")
	token := seedLogin(t, env, db)
	p := start(t, "account", env)
	login := invoke(t, p, request("POST", "/api/login/callback", "", `{"token":"`+token+`"}`))
	session := cookies(t, login)[httpapi.SessionCookieName(true)]
	if session == nil {
		t.Fatalf("no session cookie: %v", login.Cookies)
	}
	cookie := session.Name + "=" + session.Value
	body := `{"bio":"Go と **AWS**。詳しくはhttps://example.jp/blog を。<script>alert(1)</script>[x](javascript:alert(1))",` +
		`"consent_directory":true,"visible":["bio"]}`
	if r := invoke(t, p, request("PATCH", "/api/me/profile", "", body, cookie)); r.StatusCode != http.StatusNotFound {
		t.Errorf("the accounts function answered a profile save with %d, want 404 (profiles are the directory's)", r.StatusCode)
	}
	p.Stop() // the bolt file is the directory's now

	env = slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "AWS_LAMBDA_FUNCTION_NAME=") })
	d := start(t, "directory", append(env, "AWS_LAMBDA_FUNCTION_NAME=okaeri-test-directory"))
	save := invoke(t, d, request("PATCH", "/api/me/profile", "", body, cookie))
	if save.StatusCode != http.StatusOK {
		t.Fatalf("save the profile: status %d: %s", save.StatusCode, save.Body)
	}
	var me account.MeView
	if err := json.Unmarshal([]byte(save.Body), &me); err != nil {
		t.Fatal(err)
	}
	html := me.Profile.BioHTML
	if !strings.Contains(html, "<strong>AWS</strong>") || !strings.Contains(html, `<a href="https://example.jp/blog" rel="nofollow ugc">`) ||
		strings.Contains(html, "<script") || strings.Contains(html, "javascript:") {
		t.Fatalf("stored bio HTML %q", html)
	}
	list := invoke(t, d, request("GET", "/api/directory", "", "", cookie))
	var dir struct {
		Members []account.DirectoryEntry `json:"members"`
	}
	if err := json.Unmarshal([]byte(list.Body), &dir); list.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("directory: status %d (%v): %s", list.StatusCode, err, list.Body)
	}
	if len(dir.Members) != 1 || dir.Members[0].BioHTML != html {
		t.Errorf("the directory shows %+v, want the stored bio %q", dir.Members, html)
	}
	// The profile page and its form, as a member's browser uses them.
	page := invoke(t, d, request("GET", "/members/profile/", "", "", cookie))
	if page.StatusCode != http.StatusOK || !strings.Contains(page.Body, `action="/api/me/profile"`) || !strings.Contains(page.Body, "Go と **AWS**") {
		t.Errorf("the profile page: status %d: %.400s", page.StatusCode, page.Body)
	}
	form := request("POST", "/api/me/profile", "", url.Values{"company": {"ミライ工房"}}.Encode(), cookie)
	form.Headers["content-type"] = "application/x-www-form-urlencoded"
	if r := invoke(t, d, form); r.StatusCode != http.StatusSeeOther || r.Headers["Location"] != "/members/profile/?saved=1" {
		t.Errorf("the profile form: status %d, Location %q: %.300s", r.StatusCode, r.Headers["Location"], r.Body)
	}
}
