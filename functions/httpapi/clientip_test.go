package httpapi

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func TestParseProxies(t *testing.T) {
	got, err := ParseProxies(" 10.0.0.0/8, 2001:db8::/32 ,192.0.2.7,,130.176.0.1/16")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32", "130.176.0.0/16"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("%d: %s, want %s", i, got[i], want[i])
		}
	}
	if p, err := ParseProxies(""); err != nil || p != nil {
		t.Errorf("empty: %v %v", p, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "cloudfront", "10.0.0", "::ffff:10.0.0.0/104", "fe80::1%eth0"} {
		if _, err := ParseProxies("10.0.0.0/8," + bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("%q: error %v does not name it", bad, err)
		}
	}
}

func TestClientIP(t *testing.T) {
	edge := netip.MustParsePrefix("130.176.0.0/16") // a proxy's range (CloudFront's, say)
	lb := netip.MustParsePrefix("10.0.0.0/8")       // and a load balancer behind it
	trusted := []netip.Prefix{edge, lb}
	for _, c := range []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxy", "203.0.113.9:51234", nil, nil, "203.0.113.9"},
		{"spoofed header, nothing trusted", "203.0.113.9:51234", []string{"198.51.100.1"}, nil, "203.0.113.9"},
		{"spoofed header from an untrusted peer", "203.0.113.9:51234", []string{"198.51.100.1"}, trusted, "203.0.113.9"},
		{"Lambda's bare sourceIp", "203.0.113.9", []string{"198.51.100.1"}, nil, "203.0.113.9"},
		{"one trusted proxy", "130.176.1.2", []string{"203.0.113.9"}, trusted, "203.0.113.9"},
		{"a client's own entry stays left of the proxy's", "130.176.1.2:443", []string{"198.51.100.1, 203.0.113.9"}, trusted, "203.0.113.9"},
		{"two trusted hops", "10.1.2.3:80", []string{"198.51.100.1, 203.0.113.9, 130.176.1.2"}, trusted, "203.0.113.9"},
		{"the header split over lines (as the Lambda adapter does)", "10.1.2.3", []string{"198.51.100.1", "203.0.113.9", "130.176.1.2"}, trusted, "203.0.113.9"},
		{"entries with ports", "130.176.1.2", []string{"[2001:db8::7]:1234"}, trusted, "2001:db8::7"},
		{"IPv4-mapped", "130.176.1.2", []string{"::ffff:203.0.113.9"}, trusted, "203.0.113.9"},
		{"a spoofed trusted address left of the client", "130.176.1.2", []string{"130.176.9.9, 203.0.113.9"}, trusted, "203.0.113.9"},
		{"garbage stops at the last trusted hop", "10.1.2.3", []string{"203.0.113.9, nonsense, 130.176.1.2"}, trusted, "130.176.1.2"},
		{"trusted peer without the header", "130.176.1.2:443", nil, trusted, "130.176.1.2"},
		{"all trusted", "10.1.2.3", []string{"10.9.9.9, 130.176.1.2"}, trusted, "10.9.9.9"},
		{"IPv6 peer", "[2001:db8::1]:443", nil, nil, "2001:db8::1"},
		{"not an address", "@", []string{"203.0.113.9"}, trusted, "@"},
	} {
		r := httptest.NewRequest("POST", "/api/login", nil)
		r.RemoteAddr = c.remote
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := ClientIP(r, c.trusted); got != c.want {
			t.Errorf("%s: ClientIP = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestClientIPOfUsesTheMiddlewaresAnswer(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("130.176.0.0/16")}
	r := httptest.NewRequest("POST", "/api/login", nil)
	r.RemoteAddr = "130.176.1.2:443"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	if got := ClientIPOf(r); got != "130.176.1.2" {
		t.Errorf("without the middleware X-Forwarded-For must not count: %q", got)
	}
	var seen string
	WithClientIP(trusted)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = ClientIPOf(r) })).
		ServeHTTP(httptest.NewRecorder(), r)
	if seen != "203.0.113.9" {
		t.Errorf("with the middleware: %q", seen)
	}
}
