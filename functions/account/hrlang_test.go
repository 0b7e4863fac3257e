package account

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// HR's pages have one address for both languages: the language switch on
// one leads to the same page in the other language, and HR's next pages
// stay in it; the administrator's stored language (their mails') is
// unchanged.
func TestHRPagesSwitchLanguage(t *testing.T) {
	rf := newReviewFixture(t)
	get := func(target string, cookies ...*http.Cookie) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest("GET", target, nil)
		req.Header.Set("Accept", "text/html")
		req.AddCookie(rf.hr)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		route := "GET " + strings.SplitN(target, "?", 2)[0]
		rf.routes[route].ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", target, rec.Code)
		}
		return rec
	}
	ja := get("/hr/mails").Body.String()
	if !strings.Contains(ja, `<html lang="ja"`) || !strings.Contains(ja, `href="/hr/mails?lang=en"`) {
		t.Fatalf("HR's page in Japanese: no switch to the same page in English")
	}
	rec := get("/hr/mails?lang=en")
	en := rec.Body.String()
	if !strings.Contains(en, `<html lang="en"`) || !strings.Contains(en, "Automatic") || !strings.Contains(en, `href="/hr/mails?lang=ja"`) {
		t.Fatalf("?lang=en did not give the page in English with a switch back")
	}
	var chosen *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == httpapi.LangCookie {
			chosen = c
		}
	}
	if chosen == nil || chosen.Value != "en" || !chosen.HttpOnly {
		t.Fatalf("the choice is not remembered: %v", rec.Result().Cookies())
	}
	next := get("/hr/members?q=sato.hanako%40example.com", chosen).Body.String()
	if !strings.Contains(next, `<html lang="en"`) || !strings.Contains(next, `href="/hr/members?lang=ja"`) {
		t.Errorf("HR's next page does not follow the choice")
	}
	if strings.Contains(next, "lang=ja&") || strings.Contains(next, "lang=ja&amp;q=") {
		t.Errorf("the switch repeats HR's search (an address) in a link")
	}
	if back := get("/hr/members?lang=ja", chosen).Body.String(); !strings.Contains(back, `<html lang="ja"`) {
		t.Errorf("?lang=ja does not switch back")
	}
	if bad := get("/hr/mails?lang=fr").Body.String(); !strings.Contains(bad, `<html lang="ja"`) {
		t.Errorf("an unknown language is not ignored")
	}
	admin := rf.status(t, rf.hrID)
	if admin.Language != store.LanguageJa {
		t.Errorf("the administrator's stored language changed to %q", admin.Language)
	}
}
