package account

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

// edgeRecorder is an EdgeCookies that records what the handlers asked.
type edgeRecorder struct {
	set     []time.Time
	cleared int
}

func (e *edgeRecorder) Set(w http.ResponseWriter, expires time.Time) error {
	e.set = append(e.set, expires)
	http.SetCookie(w, &http.Cookie{Name: "edge", Value: "1", Expires: expires})
	return nil
}

func (e *edgeRecorder) Clear(w http.ResponseWriter) { e.cleared++ }

// Login sets the edge cookies with the session's expiry; logout and
// erasure clear them.
func TestEdgeCookiesFollowTheSession(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	edge := &edgeRecorder{}
	f.s.Edge = edge
	h := Handler{S: f.s}.Routes()
	m, err := f.s.AddMember(t.Context(), RegisterInput{Email: "taro@example.com", Name: "山田 太郎", Department: "営業部",
		Joined: "2012-04", Left: "2020-03", Language: "ja", Privacy: true}, "hr:test")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.Login(t.Context(), m.Email, "", "c1"); err != nil {
		t.Fatal(err)
	}
	tok := f.lastToken(t, m.Email)
	rec := httptest.NewRecorder()
	post := httptest.NewRequest("POST", "/api/login/callback", strings.NewReader("token="+url.QueryEscape(tok)))
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	h["POST /api/login/callback"].ServeHTTP(rec, post)
	if rec.Code != http.StatusSeeOther || len(edge.set) != 1 {
		t.Fatalf("callback: %d, edge sets %v", rec.Code, edge.set)
	}
	var session *http.Cookie
	for _, c := range rec.Result().Cookies() {
		if c.Name == SessionCookie {
			session = c
		}
	}
	if session == nil || edge.set[0].Unix() != session.Expires.Unix() {
		t.Fatalf("edge cookies expire at %v, the session cookie at %v", edge.set, session)
	}
	if want := f.clock.Now().Add(f.s.Config.SessionTTL); !edge.set[0].Equal(want) {
		t.Errorf("edge expiry %v, want the session's %v", edge.set[0], want)
	}
	req := httptest.NewRequest("POST", "/api/logout", nil)
	req.AddCookie(session)
	rec = httptest.NewRecorder()
	h["POST /api/logout"].ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent || edge.cleared != 1 {
		t.Errorf("logout: %d, cleared %d times", rec.Code, edge.cleared)
	}
}
