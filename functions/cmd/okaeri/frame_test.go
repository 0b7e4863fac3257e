package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/servetest"
	"github.com/okaeri/okaeri/functions/store"
)

// hugoFrame is what a Hugo page of the built site shows around its
// content: the header landmark, the stylesheet and the brand.
type hugoFrame struct{ header, stylesheet, brand, footer string }

var (
	stylesheetLink = regexp.MustCompile(`<link rel=["]?stylesheet["]? href=["]?([^" >]+)`)
	brandLink      = regexp.MustCompile(`<span class=["]?brand-name["]?>([^<]+)</span>`)
)

func hugoFrameOf(t *testing.T, file string) hugoFrame {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	css, brand := stylesheetLink.FindStringSubmatch(s), brandLink.FindStringSubmatch(s)
	if css == nil || brand == nil || !regexp.MustCompile(`<header class=["]?site-header`).MatchString(s) {
		t.Fatalf("%s: no stylesheet, brand or site header", file)
	}
	return hugoFrame{header: `<header class="site-header">`, stylesheet: css[1], brand: brand[1], footer: `<footer class="site-footer">`}
}

// TestEveryFunctionPageHasTheSiteFrame renders every page the functions
// render, in Japanese and English, for a visitor, a member and HR, after
// `okaeri sync` published the built site's frame, and finds on each the
// same header landmark, stylesheet and brand as the site's own home page.
func TestEveryFunctionPageHasTheSiteFrame(t *testing.T) {
	ctx := context.Background()
	root, err := servetest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	siteDir, err := servetest.BuiltSite(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]hugoFrame{"ja": hugoFrameOf(t, filepath.Join(siteDir, "index.html")), "en": hugoFrameOf(t, filepath.Join(siteDir, "en", "index.html"))}

	data := t.TempDir()
	cfg, err := config.Load(func(k string) string {
		if k == "OKAERI_ADMINS" {
			return "hr@example.co.jp"
		}
		return ""
	}, data)
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(ctx, cfg, app.Options{DataDir: data, Dev: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if line, err := syncSite(ctx, a.Store, siteDir); err != nil || !strings.Contains(line, "2 languages") {
		t.Fatalf("sync site: %q, %v", line, err)
	}
	in := account.RegisterInput{Email: "hr@example.co.jp", Name: "事務局 花子", Department: "人事部", Joined: "2010-04", Left: "2015-03", Language: "ja"}
	hr, err := a.Accounts.AddMember(ctx, in, "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Accounts.SetRole(ctx, "test", hr.ID, store.RoleHR, true); err != nil {
		t.Fatal(err)
	}
	in.Email, in.Name = "member@example.com", "山田 太郎"
	member, err := a.Accounts.AddMember(ctx, in, "test")
	if err != nil {
		t.Fatal(err)
	}
	cookies := func(m store.Member) []*http.Cookie {
		secret := store.NewID()
		now := time.Now()
		sess := store.Session{ID: store.HashToken(secret), MemberID: m.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := a.Store.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		a.Accounts.SetSessionCookie(rec, account.Session{Session: sess, Secret: secret})
		return rec.Result().Cookies()
	}
	setLang := func(m store.Member, lang string) {
		if _, err := a.Store.UpdateMember(ctx, m.ID, func(old store.Member) (store.Member, error) {
			old.Language = store.Language(lang)
			return old, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	// A link that can still be used shows its one button (200); one that
	// cannot says so at once (410). Both are pages in the frame.
	fresh := func(purpose store.TokenPurpose) string {
		tok := store.NewID()
		now := time.Now()
		if err := a.Store.CreateToken(ctx, store.Token{Hash: store.HashToken(tok), Purpose: purpose, Subject: member.ID,
			CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		return tok
	}
	h := app.Handler(a.Routes(), a.Log)

	type page struct {
		who, method, path string
		form              url.Values
		status            int
	}
	var pages []page
	for _, lang := range []string{"ja", "en"} {
		base := ""
		if lang == "en" {
			base = "/en"
		}
		pages = append(pages,
			page{"visitor", "GET", "/api/login/callback?token=" + fresh(store.PurposeLogin) + "&lang=" + lang, nil, 200},
			page{"visitor", "GET", "/api/register/verify?token=" + fresh(store.PurposeVerifyEmail) + "&lang=" + lang, nil, 200},
			page{"visitor", "GET", "/api/login/callback?token=x&lang=" + lang, nil, 410},
			page{"visitor", "GET", "/api/register/verify?token=x&lang=" + lang, nil, 410},
			page{"visitor", "POST", "/api/login/callback", url.Values{"token": {"used"}, "lang": {lang}}, 410},
			page{"visitor", "POST", "/api/register/verify", url.Values{"token": {"used"}, "lang": {lang}}, 410},
			page{"visitor", "GET", "/api/unsubscribe?token=bad", nil, 400},
			page{"visitor", "GET", "/api/referrals/unsubscribe?token=bad", nil, 404},
			page{"visitor", "GET", "/api/events/none/rsvp/invite?token=bad", nil, 0},
			page{"member", "GET", base + "/members/profile/", nil, 200},
			page{"member", "GET", base + "/members/directory/", nil, 200},
			page{"member", "GET", base + "/members/me/applications/", nil, 200},
		)
		for _, p := range []string{"registrations", "admins", "events", "jobs", "applications", "referrals", "newsletters"} {
			pages = append(pages, page{"hr-" + lang, "GET", "/hr/" + p, nil, 200})
		}
	}
	for _, p := range pages {
		lang := "ja"
		if strings.HasPrefix(p.path, "/en/") || strings.HasSuffix(p.who, "-en") || p.form.Get("lang") == "en" || strings.Contains(p.path, "lang=en") {
			lang = "en"
		}
		var body *strings.Reader
		if p.form != nil {
			body = strings.NewReader(p.form.Encode())
		} else {
			body = strings.NewReader("")
		}
		req := httptest.NewRequest(p.method, p.path, body)
		req.Header.Set("Accept", "text/html")
		req.Header.Set("Accept-Language", lang)
		if p.form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		switch {
		case p.who == "member":
			for _, c := range cookies(member) {
				req.AddCookie(c)
			}
		case strings.HasPrefix(p.who, "hr-"):
			setLang(hr, lang)
			for _, c := range cookies(hr) {
				req.AddCookie(c)
			}
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		got := rec.Body.String()
		name := p.who + " " + p.method + " " + p.path
		if p.status != 0 && rec.Code != p.status {
			t.Errorf("%s: status %d, want %d", name, rec.Code, p.status)
		}
		w := want[lang]
		for what, s := range map[string]string{"header landmark": w.header, "stylesheet": `href="` + w.stylesheet + `"`,
			"brand": `<span class="brand-name">` + w.brand + `</span>`, "footer": w.footer, "language": `<html lang="` + lang + `">`} {
			if strings.Count(got, s) != 1 {
				t.Errorf("%s: %s %q found %d times, want once", name, what, s, strings.Count(got, s))
			}
		}
		// The header marks where the page belongs: HR's home on HR's
		// pages (always shown there), the members' entry on members' pages.
		hrMarked, membersMarked := strings.Contains(got, `<a href="/hr/" class="is-active">`), regexp.MustCompile(`href="(/en)?/members/" class="is-active"`).MatchString(got)
		switch {
		case strings.HasPrefix(p.path, "/hr/") && (!hrMarked || membersMarked || strings.Contains(got, "<li data-hr hidden>")):
			t.Errorf("%s: HR's page does not mark HR's home alone in the header (HR %v, members %v)", name, hrMarked, membersMarked)
		case strings.Contains(p.path, "/members/") && (hrMarked || !membersMarked):
			t.Errorf("%s: a members' page does not mark the members' entry alone (HR %v, members %v)", name, hrMarked, membersMarked)
		}
		if strings.Contains(got, "アルムナイネットワーク</a>") || strings.Contains(got, "@@") || strings.Contains(got, `style="`) || strings.Contains(got, "<script>") {
			t.Errorf("%s: another brand, an unfilled marker or inline code:\n%s", name, got)
		}
	}
}
