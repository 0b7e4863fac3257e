package httpapi

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestSessionCookieNameTakesTheHostPrefixWhenSecure(t *testing.T) {
	if got := SessionCookieName(true); got != "__Host-okaeri_session" {
		t.Errorf("secure: %q", got)
	}
	if got := SessionCookieName(false); got != "okaeri_session" {
		t.Errorf("plain-http dev: %q", got)
	}
	// What a browser requires of a __Host- cookie: Secure, Path=/, no Domain.
	rec := httptest.NewRecorder()
	http.SetCookie(rec, &http.Cookie{Name: SessionCookieName(true), Value: "v", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	line := rec.Header().Get("Set-Cookie")
	if !strings.HasPrefix(line, "__Host-okaeri_session=v;") || !strings.Contains(line, "; Secure") ||
		!strings.Contains(line, "; Path=/") || strings.Contains(line, "Domain=") {
		t.Errorf("Set-Cookie %q is not a valid __Host- cookie", line)
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", line[:strings.IndexByte(line, ';')])
	if c, err := r.Cookie(SessionCookieName(true)); err != nil || c.Value != "v" {
		t.Errorf("read back: %v %v", c, err)
	}
}
