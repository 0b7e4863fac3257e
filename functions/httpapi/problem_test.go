package httpapi

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A failed request is answered in the language the page gives, not the
// browser's cookie, as a page for a browser and as problem+json otherwise,
// and an internal error is logged whichever it is, without its request's
// query.
func TestFailInAnswersInThePagesLanguageAndLogsInternalErrors(t *testing.T) {
	for _, c := range []struct {
		name, method, ctype, accept string
		page                        bool
	}{
		{"form post", http.MethodPost, "application/x-www-form-urlencoded", "text/html", true},
		{"form post asking for JSON", http.MethodPost, "application/x-www-form-urlencoded", "application/json", false},
		{"page opened", http.MethodGet, "", "text/html,application/xhtml+xml", true},
		{"API call", http.MethodPost, "application/json", "application/json", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var logged bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logged, nil))
			r := httptest.NewRequest(c.method, "/hr/members?q=hanako@example.com", strings.NewReader(""))
			if c.ctype != "" {
				r.Header.Set("Content-Type", c.ctype)
			}
			r.Header.Set("Accept", c.accept)
			r.AddCookie(&http.Cookie{Name: LangCookie, Value: LangJA})
			w := httptest.NewRecorder()
			FailIn(w, r, log, errors.New("disk full"), "/en/hr/members", LangEN)
			if w.Code != 500 {
				t.Fatalf("status %d", w.Code)
			}
			body := w.Body.String()
			if !strings.Contains(body, Message(LangEN, "internal")) || strings.Contains(body, Message(LangJA, "internal")) {
				t.Errorf("not in English: %s", body)
			}
			isPage := strings.HasPrefix(w.Header().Get("Content-Type"), "text/html")
			if isPage != c.page {
				t.Errorf("page %v, want %v (Content-Type %q)", isPage, c.page, w.Header().Get("Content-Type"))
			}
			if c.page && !strings.Contains(body, `href="/en/hr/members"`) {
				t.Errorf("no link back: %s", body)
			}
			if !c.page && w.Header().Get("Content-Language") != LangEN {
				t.Errorf("Content-Language %q", w.Header().Get("Content-Language"))
			}
			if !strings.Contains(logged.String(), "disk full") || strings.Contains(logged.String(), "hanako") {
				t.Errorf("log: %q", logged.String())
			}
		})
	}
}

// Fail without a known language speaks the request's.
func TestFailSpeaksTheRequestsLanguage(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/api/x", nil)
	r.Header.Set("Accept-Language", "en-US")
	w := httptest.NewRecorder()
	Fail(w, r, nil, Errorf(ENOTFOUND, "not_found"), "")
	if w.Code != 404 || !strings.Contains(w.Body.String(), Message(LangEN, "not_found")) || w.Header().Get("Content-Language") != LangEN {
		t.Errorf("%d %q %s", w.Code, w.Header().Get("Content-Language"), w.Body.String())
	}
}

// English pages live under /en; Japanese ones at the path itself.
func TestPathIn(t *testing.T) {
	for _, c := range []struct{ lang, path, want string }{
		{LangJA, "/members/", "/members/"}, {LangEN, "/members/", "/en/members/"}, {"", "/login/", "/login/"}, {LangEN, "/", "/en/"},
	} {
		if got := PathIn(c.lang, c.path); got != c.want {
			t.Errorf("PathIn(%q, %q) = %q, want %q", c.lang, c.path, got, c.want)
		}
	}
	if HomePath(LangEN) != "/en/" || HomePath(LangJA) != "/" {
		t.Error("HomePath")
	}
}
