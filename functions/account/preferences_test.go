package account

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// /members/preferences/: each purpose with how often it comes and since
// when; saving the form changes only what it sends, records the change in
// the history shown newest first, and comes back to the page; bad input
// changes nothing; a visitor is sent to log in.
func TestPreferencesPage(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := context.Background()
	m := f.approvedMember(t, "prefs@example.com")
	cookie := f.sessionCookie(t, m)
	routes := Handler{S: f.s}.Routes()
	page := func(path string, c *http.Cookie) (int, string) {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Accept", "text/html")
		if c != nil {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		routes["GET "+strings.TrimSuffix(path, "?saved=1")].ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	post := func(form url.Values) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/api/me/preferences", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		routes["POST /api/me/preferences"].ServeHTTP(rec, req)
		return rec
	}

	if code, _ := page("/members/preferences/", nil); code != http.StatusSeeOther {
		t.Errorf("a visitor: %d, want 303 to the login page", code)
	}
	code, body := page("/members/preferences/", cookie)
	if code != http.StatusOK || !strings.Contains(body, "月に1回程度") || !strings.Contains(body, `name="consent_events"`) {
		t.Fatalf("the page: %d\n%s", code, body)
	}
	before, _ := f.s.Store.GetMember(ctx, m.ID)
	wasEvents := before.Consents["events"].Given

	// Turn the newsletter on, then off; events are not sent and stay as they were.
	if rec := post(url.Values{"consent_newsletter": {"on"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("saving: %d %s", rec.Code, rec.Body.String())
	}
	if on, _ := f.s.Store.GetMember(ctx, m.ID); !on.Consents["newsletter"].Given {
		t.Fatal("the newsletter was not turned on")
	}
	rec := post(url.Values{"consent_newsletter": {"off"}, "lang": {"en"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/en/members/preferences/?saved=1" {
		t.Fatalf("saving: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	after, _ := f.s.Store.GetMember(ctx, m.ID)
	if after.Consents["newsletter"].Given || after.Consents["events"].Given != wasEvents {
		t.Errorf("after saving: newsletter %v, events %v (was %v)", after.Consents["newsletter"].Given, after.Consents["events"].Given, wasEvents)
	}
	last := after.ConsentHistory[len(after.ConsentHistory)-1]
	if last.Purpose != "newsletter" || last.Given || last.PolicyVersion == "" {
		t.Errorf("the history's newest entry: %+v", last)
	}
	code, body = page("/en/members/preferences/?saved=1", cookie)
	if code != http.StatusOK || !strings.Contains(body, "Saved.") || !strings.Contains(body, "withdrew") || !strings.Contains(body, `id="consent_newsletter-off" name="consent_newsletter" value="off" checked`) {
		t.Errorf("the English page after saving: %d\n%s", code, body)
	}

	// Bad input: a clear 400, nothing changed.
	rec = post(url.Values{"consent_jobs": {"maybe"}})
	if rec.Code < 400 || rec.Code >= 500 {
		t.Errorf("consent_jobs=maybe: %d, want a 4xx", rec.Code)
	}
	again, _ := f.s.Store.GetMember(ctx, m.ID)
	if again.Version != after.Version || len(again.ConsentHistory) != len(after.ConsentHistory) {
		t.Errorf("a refused form changed the member: version %d → %d", after.Version, again.Version)
	}
}
