package infra_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	appcore "github.com/okaeri/okaeri/functions/app/core"
	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/cms"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
	"github.com/okaeri/okaeri/infra/cfn"
)

// cmsPattern is a behavior of HR's CMS, whose answers carry their own
// CSP and COOP (CMSHeaders).
func cmsPattern(p string) bool { return p == "/admin" || p == "/admin/*" || p == "/api/cms/*" }

// headersPolicy is a CloudFront response-headers policy, as the tests read it.
type headersPolicy struct {
	ResponseHeadersPolicyConfig struct {
		SecurityHeadersConfig struct {
			ContentSecurityPolicy struct {
				ContentSecurityPolicy string
				Override              bool
			}
			ContentTypeOptions struct{ Override bool }
			FrameOptions       struct {
				FrameOption string
				Override    bool
			}
			ReferrerPolicy struct {
				ReferrerPolicy string
				Override       bool
			}
			StrictTransportSecurity struct {
				AccessControlMaxAgeSec int
				IncludeSubdomains      bool
				Override               bool
			}
		}
		CustomHeadersConfig struct {
			Items []struct {
				Header, Value string
				Override      bool
			}
		}
	}
}

func policy(t *testing.T, name string) headersPolicy {
	t.Helper()
	var p headersPolicy
	resource(t, name, "AWS::CloudFront::ResponseHeadersPolicy", &p)
	return p
}

// apply is what CloudFront does to an origin's headers under the policy:
// a header set with Override replaces the origin's; one without is added
// only when the origin sent none.
func (p headersPolicy) apply(origin http.Header) http.Header {
	out := origin.Clone()
	set := func(name, value string, override bool) {
		if override || out.Get(name) == "" {
			out.Set(name, value)
		}
	}
	s := p.ResponseHeadersPolicyConfig.SecurityHeadersConfig
	set("Content-Security-Policy", s.ContentSecurityPolicy.ContentSecurityPolicy, s.ContentSecurityPolicy.Override)
	set("X-Content-Type-Options", "nosniff", s.ContentTypeOptions.Override)
	set("X-Frame-Options", s.FrameOptions.FrameOption, s.FrameOptions.Override)
	set("Referrer-Policy", s.ReferrerPolicy.ReferrerPolicy, s.ReferrerPolicy.Override)
	hsts := s.StrictTransportSecurity
	v := "max-age=" + strconv.Itoa(hsts.AccessControlMaxAgeSec)
	if hsts.IncludeSubdomains {
		v += "; includeSubDomains"
	}
	set("Strict-Transport-Security", v, hsts.Override)
	for _, h := range p.ResponseHeadersPolicyConfig.CustomHeadersConfig.Items {
		set(h.Header, h.Value, h.Override)
	}
	return out
}

// CMSHeaders is SecurityHeaders but for the three headers the CMS's
// answers choose themselves: where the function sends none, the browser
// gets the portal's; where it sends its own, that one.
func TestCMSHeadersAreThePortalsButForTheCMSsOwn(t *testing.T) {
	portalPolicy, cmsPolicy := policy(t, "SecurityHeaders"), policy(t, "CMSHeaders")
	none := http.Header{}
	if got, want := cmsPolicy.apply(none), portalPolicy.apply(none); !equalHeaders(got, want) {
		t.Errorf("on an answer without headers, CMSHeaders gives\n%v\nSecurityHeaders\n%v", got, want)
	}
	if csp := cmsPolicy.ResponseHeadersPolicyConfig.SecurityHeadersConfig.ContentSecurityPolicy.ContentSecurityPolicy; csp != httpapi.ContentSecurityPolicy {
		t.Errorf("CMSHeaders' default CSP %q is not the portal's", csp)
	}
	own := http.Header{
		"Content-Security-Policy":    {cms.AdminCSP},
		"Cross-Origin-Opener-Policy": {cms.AdminCOOP},
		"Referrer-Policy":            {"no-referrer"},
		// Not the CMS's to choose: the policy's win.
		"X-Frame-Options":        {"SAMEORIGIN"},
		"Permissions-Policy":     {"camera=*"},
		"X-Content-Type-Options": {"sniff"},
	}
	got, portal := cmsPolicy.apply(own), portalPolicy.apply(own)
	for name := range got {
		switch name {
		case "Content-Security-Policy", "Cross-Origin-Opener-Policy", "Referrer-Policy":
			if got.Get(name) != own.Get(name) {
				t.Errorf("%s: CloudFront replaces the function's %q with %q", name, own.Get(name), got.Get(name))
			}
		default:
			if got.Get(name) != portal.Get(name) {
				t.Errorf("%s: %q under CMSHeaders, %q under SecurityHeaders", name, got.Get(name), portal.Get(name))
			}
		}
	}
	// Under the portal's policy Decap would get the portal's CSP, which
	// refuses what it needs (inline styles, eval), and the popup would lose
	// its opener: the reason for the second policy.
	if portal.Get("Content-Security-Policy") == cms.AdminCSP || portal.Get("Cross-Origin-Opener-Policy") != "same-origin" {
		t.Error("SecurityHeaders lets the function's headers through: CMSHeaders would not be needed")
	}
}

func equalHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if a.Get(k) != b.Get(k) {
			return false
		}
	}
	return true
}

// CloudFront sends the CMS's paths to the API under CMSHeaders, and leaves
// Decap's own files (/cms/*, published with the site) on S3.
func TestCMSPathsAtTheEdge(t *testing.T) {
	d := dist(t)
	for _, p := range []string{"/admin", "/admin/", "/admin/config.yml", "/admin/status.json", "/api/cms/auth", cms.CallbackPath} {
		b := edgeBehavior(d, p)
		r, _, _ := cfn.Ref(b.ResponseHeadersPolicyId)
		if b.TargetOriginId != "api" || r != "CMSHeaders" {
			t.Errorf("%s: behavior %q, origin %q, headers %s; want the API under CMSHeaders", p, b.PathPattern, b.TargetOriginId, r)
		}
		if fn, ok := lambda.Owner(p); !ok || fn.Name != "cms" {
			t.Errorf("%s is not the cms function's", p)
		}
	}
	for _, p := range []string{"/cms/decap/decap-cms.js", "/cms/okaeri-cms.js", "/administration/", "/api/me", "/api/cmsx"} {
		b := edgeBehavior(d, p)
		if r, _, _ := cfn.Ref(b.ResponseHeadersPolicyId); r == "CMSHeaders" {
			t.Errorf("%s is under CMSHeaders (behavior %q)", p, b.PathPattern)
		}
	}
	if b := edgeBehavior(d, "/cms/decap/decap-cms.js"); b.PathPattern != d.DistributionConfig.DefaultCacheBehavior.PathPattern || b.TargetOriginId != "site" {
		t.Errorf("Decap's files are served by behavior %q from %q, not the site's default", b.PathPattern, b.TargetOriginId)
	}
	// Only the CMS's behaviors use CMSHeaders.
	for _, b := range d.DistributionConfig.CacheBehaviors {
		if r, _, _ := cfn.Ref(b.ResponseHeadersPolicyId); (r == "CMSHeaders") != cmsPattern(b.PathPattern) {
			t.Errorf("behavior %q uses %s", b.PathPattern, r)
		}
	}
}

// The cms function's answers, as Lambda and then CloudFront give them to
// the browser, carry the CMS's own CSP and COOP: /admin/ Decap's, the
// popup its script's hash and unsafe-none.
func TestCMSAnswersKeepTheirOwnHeaders(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{
		"OKAERI_BASE_URL": portal, "OKAERI_STORE": "bolt:" + filepath.Join(dir, "okaeri.db"), "OKAERI_SESSION_KEYS": testSessionKeys,
		"OKAERI_CMS_GITHUB_REPO": "hikari-tech/alumni-portal", "OKAERI_CMS_GITHUB_CLIENT_ID": "Ov23liExample",
		"OKAERI_CMS_GITHUB_CLIENT_SECRET": "secret",
	}
	cfg, err := config.Load(func(k string) string { return env[k] }, dir)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	c, err := appcore.New(context.Background(), cfg, appcore.Options{DataDir: dir}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	h, err := lambda.Handler("cms", c.Guard(cms.GitHubRoutes(c.Accounts, c.Store, c.Config, log)), log)
	if err != nil {
		t.Fatal(err)
	}
	hr := hrSession(t, c.Store, c.Keys, c.Accounts.SessionCookieName())
	cmsPolicy := policy(t, "CMSHeaders")
	for _, tc := range []struct {
		path       string
		status     int
		csp, coop  string
		locationOn string
	}{
		{"/admin/", http.StatusOK, cms.AdminCSP, "same-origin-allow-popups", ""},
		{"/api/cms/auth?provider=github&site_id=alumni.example.co.jp&scope=repo", http.StatusFound, cms.PopupCSP(), "unsafe-none", "github.com"},
		{cms.CallbackPath + "?code=x&state=unknown", http.StatusBadRequest, cms.PopupCSP(), "unsafe-none", ""},
	} {
		req := httptest.NewRequest(http.MethodGet, portal+tc.path, nil)
		req.Header.Set("Cookie", hr)
		req.Header.Set("X-Forwarded-Proto", "https")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tc.status {
			t.Errorf("%s: %d, want %d: %s", tc.path, rec.Code, tc.status, rec.Body)
		}
		browser := cmsPolicy.apply(rec.Result().Header)
		if got := browser.Get("Content-Security-Policy"); got != tc.csp {
			t.Errorf("%s: the browser gets CSP %q, want %q", tc.path, got, tc.csp)
		}
		if got := browser.Get("Cross-Origin-Opener-Policy"); got != tc.coop {
			t.Errorf("%s: the browser gets COOP %q, want %q", tc.path, got, tc.coop)
		}
		if browser.Get("X-Frame-Options") != "DENY" || browser.Get("Strict-Transport-Security") == "" {
			t.Errorf("%s: %v", tc.path, browser)
		}
		if tc.locationOn != "" {
			u, err := url.Parse(rec.Header().Get("Location"))
			if err != nil || u.Host != tc.locationOn || u.Query().Get("redirect_uri") != portal+cms.CallbackPath {
				t.Errorf("%s: Location %q", tc.path, rec.Header().Get("Location"))
			}
		}
	}
}

// hrSession puts an HR administrator with a session in st and returns the
// Cookie header that carries it.
func hrSession(t *testing.T, st store.Store, keys *auth.Keyring, cookie string) string {
	t.Helper()
	ctx := context.Background()
	now := time.Now()
	m, err := st.CreateMember(ctx, store.Member{Email: "hr@example.co.jp", Name: "人事 花子", Kana: "ジンジ ハナコ", Department: "人事部",
		Language: store.LanguageJa, Status: store.StatusApproved, CreatedAt: now, Roles: []store.Role{store.RoleHR}})
	if err != nil {
		t.Fatal(err)
	}
	secret := store.NewID()
	if err := st.CreateSession(ctx, store.Session{ID: store.HashToken(secret), MemberID: m.ID, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return cookie + "=" + keys.Sign(secret)
}

// The cms bootstrap starts with its template environment's kind of
// configuration and answers API Gateway events: /admin/ for HR, the popup
// that refuses a visitor, and HR sent on to GitHub.
func TestCMSFunctionAnswers(t *testing.T) {
	t.Parallel()
	env, db := baseEnv(t, "cms", "OKAERI_CMS_GITHUB_REPO=hikari-tech/alumni-portal",
		"OKAERI_CMS_GITHUB_CLIENT_ID=Ov23liExample", "OKAERI_CMS_GITHUB_CLIENT_SECRET=secret")
	st, err := bolt.Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := auth.ParseKeys(testSessionKeys)
	if err != nil {
		t.Fatal(err)
	}
	cookie := hrSession(t, st, keys, httpapi.SessionCookieName(true))
	st.Close()
	p := start(t, "cms", env)

	visitor := invoke(t, p, request("GET", "/api/cms/auth", "provider=github&site_id=alumni.example.co.jp&scope=repo", ""))
	if visitor.StatusCode != http.StatusUnauthorized || !strings.Contains(visitor.Body, "authorization:github:error:") ||
		visitor.Headers["Cross-Origin-Opener-Policy"] != "unsafe-none" || visitor.Headers["Location"] != "" {
		t.Errorf("visitor: %d %v\n%s", visitor.StatusCode, visitor.Headers, visitor.Body)
	}
	admin := invoke(t, p, request("GET", "/admin/", "", "", cookie))
	if admin.StatusCode != http.StatusOK || admin.Headers["Content-Security-Policy"] != cms.AdminCSP ||
		admin.Headers["Cross-Origin-Opener-Policy"] != cms.AdminCOOP {
		t.Errorf("/admin/: %d %v", admin.StatusCode, admin.Headers)
	}
	toGitHub := invoke(t, p, request("GET", "/api/cms/auth", "provider=github", "", cookie))
	if toGitHub.StatusCode != http.StatusFound || !strings.HasPrefix(toGitHub.Headers["Location"], "https://github.com/login/oauth/authorize?") {
		t.Errorf("HR: %d %v", toGitHub.StatusCode, toGitHub.Headers)
	}
}
