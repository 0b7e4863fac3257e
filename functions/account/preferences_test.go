package account

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/store"
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

// The form says in words what the member chose and under which policy: a
// purpose never chosen has neither answer ticked and says what that means
// (saving the form leaves it unchosen); a choice names its day and the
// policy's date as the site writes dates, and a version that is not a
// date is shown as it is.
func TestPreferencesSayWhatWasChosenInWords(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := context.Background()
	m := f.approvedMember(t, "words@example.com")
	if _, err := f.s.Store.UpdateMember(ctx, m.ID, func(old store.Member) (store.Member, error) {
		delete(old.Consents, "sidework")
		delete(old.Consents, "directory")
		c := old.Consents["events"]
		c.PolicyVersion = "v3"
		old.Consents["events"] = c
		return old, nil
	}); err != nil {
		t.Fatal(err)
	}
	c := f.client(t, m)
	if rec := c.post("/api/me/preferences", url.Values{"consent_newsletter": {"on"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("saving: %d %s", rec.Code, rec.Body)
	}
	if got, _ := f.s.Store.GetMember(ctx, m.ID); !got.Consents["sidework"].At.IsZero() || !got.Consents["directory"].At.IsZero() {
		t.Errorf("saving the newsletter chose for the member: %+v", got.Consents)
	}
	for path, c2 := range map[string]struct{ want, not []string }{
		"/members/preferences/": {
			want: []string{
				`id="consent_sidework-on" name="consent_sidework" value="on">`, `id="consent_sidework-off" name="consent_sidework" value="off">`,
				`id="consent_directory-off" name="consent_directory" value="off">`,
				"まだ選んでいません。選ぶまではお送りしません。", "まだ選んでいません。選ぶまでは掲載しません。",
				`id="consent_newsletter-on" name="consent_newsletter" value="on" checked>`,
				`id="consent_jobs-off" name="consent_jobs" value="off" checked>`,
				"に選びました（2026年4月1日版のプライバシーポリシー）", "に選びました（プライバシーポリシーの版: v3）",
				`<td data-label="ポリシーの版">2026年4月1日版</td>`,
			},
			not: []string{"ポリシー 2026-04-01", ">2026-04-01<", `value="on" checked><label for="consent_sidework-on"`, `value="off" checked><label for="consent_sidework-off"`},
		},
		"/en/members/preferences/": {
			want: []string{
				`id="consent_sidework-off" name="consent_sidework" value="off">`,
				"Not chosen yet: nothing is sent until you choose.", "Not chosen yet: you are not listed until you choose.",
				", under the privacy policy of April 1, 2026", ", under the privacy policy version v3",
				`<td data-label="Policy version">April 1, 2026</td>`,
			},
			not: []string{"(policy 2026-04-01)", ">2026-04-01<", "not chosen yet"},
		},
	} {
		body := c.get(path, "text/html").Body.String()
		for _, w := range c2.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", path, w)
			}
		}
		for _, w := range c2.not {
			if strings.Contains(body, w) {
				t.Errorf("%s shows %q", path, w)
			}
		}
	}
}

func TestPolicyVersionsAndMonthsInWords(t *testing.T) {
	for _, c := range []struct{ lang, v, name, edition string }{
		{"ja", "2026-04-01", "2026年4月1日版のプライバシーポリシー", "2026年4月1日版"},
		{"en", "2026-04-01", "privacy policy of April 1, 2026", "April 1, 2026"},
		{"ja", "2026-01", "2026年1月版のプライバシーポリシー", "2026年1月版"},
		{"en", "2026-01", "privacy policy of Jan 2026", "Jan 2026"},
		{"ja", "v3", "プライバシーポリシーの版: v3", "v3"},
		{"en", "2026-13-01", "privacy policy version 2026-13-01", "2026-13-01"},
		{"ja", "", "", ""},
	} {
		if got := policyName(c.lang, c.v); got != c.name {
			t.Errorf("policyName(%s, %q) = %q, want %q", c.lang, c.v, got, c.name)
		}
		if got := policyEdition(c.lang, c.v); got != c.edition {
			t.Errorf("policyEdition(%s, %q) = %q, want %q", c.lang, c.v, got, c.edition)
		}
	}
	for _, c := range []struct{ lang, joined, left, want string }{
		{"ja", "2016-04", "2022-06", "2016年4月 – 2022年6月"},
		{"en", "2016-04", "2022-06", "Apr 2016 – Jun 2022"},
		{"ja", "2016", "2022年6月", "2016 – 2022年6月"}, // not a stored month: as it is
	} {
		if got := employment(c.lang, c.joined, c.left); got != c.want {
			t.Errorf("employment(%s, %q, %q) = %q, want %q", c.lang, c.joined, c.left, got, c.want)
		}
	}
}
