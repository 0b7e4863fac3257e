package account

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/mail/outbox"
)

// The page a login was asked from is bound to the login token: the mailed
// link does not carry it, and neither an edited link nor a posted next can
// send the member anywhere else. A next that is not a path of this site is
// dropped when the login is asked, so the member lands on their home.
func TestLoginComesBackToThePageBoundToItsToken(t *testing.T) {
	for _, c := range []struct{ asked, want string }{
		{"/jobs/2026-backend/?ref=list#apply", "/jobs/2026-backend/?ref=list#apply"},
		{"/en/events/summer-meetup/", "/en/events/summer-meetup/"},
		{"//evil.example/", "/members/"},
		{"https://evil.example/jobs/", "/members/"},
		{"/\\evil.example", "/members/"},
		{"", "/members/"},
	} {
		f := newFixture(t, ApprovalOpen)
		ctx := context.Background()
		m := f.approvedByHand(t, "next@example.com")
		if err := f.s.Login(ctx, m.Email, c.asked, "c"); err != nil {
			t.Fatal(err)
		}
		list, err := outbox.List(f.outbox)
		if err != nil || len(list) == 0 {
			t.Fatal(list, err)
		}
		if strings.Contains(list[0].Text, "next=") {
			t.Errorf("%q: the login mail's link carries next:\n%s", c.asked, list[0].Text)
		}
		tok := f.lastToken(t, m.Email)
		h := Handler{S: f.s}.Routes()
		rec := httptest.NewRecorder()
		// A tampered post: the token's own next wins.
		req := httptest.NewRequest("POST", "/api/login/callback", strings.NewReader(url.Values{"token": {tok}, "next": {"/members/profile/"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		h["POST /api/login/callback"].ServeHTTP(rec, req)
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != c.want {
			t.Errorf("asked from %q: %d to %q, want %q", c.asked, rec.Code, rec.Header().Get("Location"), c.want)
		}
	}
}
