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

// HR's pages write a registration's months as the rest of the site does
// (2015年4月, Apr 2015), never as stored (2015-04); a member's audit row
// without fields reads "—", not an empty cell.
func TestHRPagesWriteMonthsInWords(t *testing.T) {
	rf := newReviewFixture(t, "waiting@example.com")
	mux := http.NewServeMux()
	for pattern, h := range rf.routes {
		mux.Handle(pattern, h)
	}
	get := func(target string) string {
		t.Helper()
		req := httptest.NewRequest("GET", target, nil)
		req.Header.Set("Accept", "text/html")
		req.AddCookie(rf.hr)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d", target, rec.Code)
		}
		return rec.Body.String()
	}
	for _, c := range []struct{ path, want string }{
		{"/hr/", "2015年4月 – 2020年3月"}, {"/hr/registrations", "2015年4月 – 2020年3月"},
		{"/hr/?lang=en", "Apr 2015 – Mar 2020"}, {"/hr/registrations?lang=en", "Apr 2015 – Mar 2020"},
	} {
		if body := get(c.path); !strings.Contains(body, c.want) || strings.Contains(body, "2015-04") {
			t.Errorf("%s: the months are not %q", c.path, c.want)
		}
	}
	get("/hr/members/" + rf.waiting[0].ID + "?lang=ja") // HR's look is recorded, without fields
	if body := get("/hr/members/" + rf.waiting[0].ID); !strings.Contains(body, `<td data-label="項目">—</td>`) || strings.Contains(body, `<td data-label="項目"></td>`) {
		t.Errorf("a member's audit row without fields shows an empty cell")
	}
}

// An error on a page whose language is known is in that language, not in
// the browser's: a Japanese member's directory, HR's pages in HR's
// language, the HR-only answer to a member in the member's language.
func TestErrorPagesFollowThePagesLanguage(t *testing.T) {
	f := newFixture(t, ApprovalManual)
	hr := f.hr(t)
	hrCookie, memberCookie := f.sessionCookie(t, hr), f.sessionCookie(t, f.approvedByHand(t, "member@example.com"))
	mux := http.NewServeMux()
	for pattern, h := range (Handler{S: f.s}).Routes() {
		mux.Handle(pattern, h)
	}
	for _, c := range []struct {
		cookie     *http.Cookie
		path, lang string
		status     int
	}{
		{memberCookie, "/members/directory/" + strings.Repeat("A", 26) + "/", "ja", http.StatusNotFound},
		{memberCookie, "/hr/", "ja", http.StatusForbidden},
		{hrCookie, "/hr/members/" + strings.Repeat("A", 26), "ja", http.StatusNotFound},
		{hrCookie, "/hr/members?joined_from=abc", "ja", http.StatusBadRequest},
	} {
		req := httptest.NewRequest("GET", c.path, nil)
		req.Header.Set("Accept", "text/html")
		req.Header.Set("Accept-Language", "en-US,en;q=0.9")
		req.AddCookie(c.cookie)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), `<html lang="`+c.lang+`"`) {
			t.Errorf("%s in an English browser: %d, want %d in %s", c.path, rec.Code, c.status, c.lang)
		}
	}
}

// The only administrator is not told that another one can revoke them.
func TestTheOnlyAdministratorIsToldSo(t *testing.T) {
	f := newFixture(t, ApprovalManual)
	rec := f.page(t, f.hr(t), "GET /hr/admins", "/hr/admins")
	if page := rec.Body.String(); !strings.Contains(page, "ほかに管理者がいないため") || strings.Contains(page, "ほかの管理者が解除できます") {
		t.Errorf("the only administrator's card does not say so: %d", rec.Code)
	}
}
