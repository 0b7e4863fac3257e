package portal_test

import (
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/portal"
)

func TestHosts(t *testing.T) {
	for _, c := range []struct {
		base string
		dev  bool
		port int
		want []string
	}{
		{"https://alumni.example.co.jp", false, 8080, []string{"alumni.example.co.jp:443"}},
		{"http://localhost:8080", false, 8080, []string{"localhost:8080"}},
		{"http://localhost:8080", true, 8080, []string{"localhost:8080", "localhost:8080", "127.0.0.1:8080", "[::1]:8080"}},
		{"http://127.0.0.1:41234", true, 41234, []string{"127.0.0.1:41234", "localhost:41234", "127.0.0.1:41234", "[::1]:41234"}},
		{"http://alumni.test", true, 9000, []string{"alumni.test:80", "localhost:9000", "127.0.0.1:9000", "[::1]:9000"}},
	} {
		if got := portal.Hosts(c.base, c.dev, c.port); !slices.Equal(got, c.want) {
			t.Errorf("Hosts(%q, %v, %d) = %v, want %v", c.base, c.dev, c.port, got, c.want)
		}
	}
}

// Only the portal's own host names are answered: a rebound DNS name
// reaching the same socket gets 421, /_dev/outbox included.
func TestOtherHostsAreMisdirected(t *testing.T) {
	h, err := portal.New(portal.Config{SiteDir: writeSite(t, miniSite), OutboxDir: t.TempDir(), Dev: true,
		AllowedHosts: portal.Hosts("http://localhost:8080", true, 8080)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		host, path string
		want       int
	}{
		{"localhost:8080", "/", 200},
		{"LOCALHOST:8080", "/", 200},
		{"localhost.:8080", "/", 200},
		{"127.0.0.1:8080", "/", 200},
		{"[::1]:8080", "/_dev/outbox", 200},
		{"localhost:8080", "/_dev/outbox", 200},
		{"evil.example:8080", "/_dev/outbox", 421},
		{"evil.example", "/", 421},
		{"localhost:9999", "/", 421},
		{"localhost", "/", 421}, // port 80 is not this server's
		{"127.0.0.2:8080", "/", 421},
		{"localhost.evil.example:8080", "/api/preferences/language", 421},
		{"", "/", 421},
		{"evil.example", "/healthz", 200}, // health checks ask by address; it tells nothing
	} {
		r := httptest.NewRequest("GET", "http://x"+c.path, nil)
		r.Host = c.host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != c.want {
			t.Errorf("Host %q %s: %d, want %d", c.host, c.path, rec.Code, c.want)
		}
		if c.want == 421 {
			body, _ := io.ReadAll(rec.Body)
			if rec.Header().Get("Content-Type") != "application/problem+json; charset=utf-8" || !strings.Contains(string(body), `"status":421`) {
				t.Errorf("Host %q: not problem+json: %s %s", c.host, rec.Header().Get("Content-Type"), body)
			}
			if rec.Header().Get("Content-Security-Policy") == "" {
				t.Errorf("Host %q: the refusal lacks the security headers", c.host)
			}
		}
	}
	// Behind a TLS proxy that drops the default port.
	h, _ = portal.New(portal.Config{SiteDir: writeSite(t, miniSite), AllowedHosts: portal.Hosts("https://alumni.example.co.jp", false, 8080)})
	for host, want := range map[string]int{"alumni.example.co.jp": 200, "alumni.example.co.jp:443": 200, "alumni.example.co.jp:8080": 421, "127.0.0.1:8080": 421} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Host = host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != want {
			t.Errorf("Host %q: %d, want %d", host, rec.Code, want)
		}
	}
}
