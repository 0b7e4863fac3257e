package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// ParseProxies reads a comma-separated list of CIDR ranges (a bare address
// is a range of one), as OKAERI_TRUSTED_PROXIES holds them. Empty is none.
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%q is not a CIDR range such as 10.0.0.0/8 or 2001:db8::/32", f)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		if p.Addr().Is4In6() {
			return nil, fmt.Errorf("%q: write IPv4 ranges as IPv4 (10.0.0.0/8)", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// ClientIP is the address of the client that sent r, for rate limits and
// anonymous idempotency keys. It is the connection's address (RemoteAddr;
// on Lambda the API Gateway event's sourceIp) unless that address is one of
// the trusted proxies: then X-Forwarded-For is read from the right, past
// every trusted hop, and the first entry that is not trusted is the client.
// Whatever a client writes into X-Forwarded-For itself lies to the left of
// what the trusted proxies appended, so it is never reached; an entry that
// is not an address ends the walk at the last trusted hop. Addresses come
// back canonical (IPv4 without the ::ffff: form, no zone).
func ClientIP(r *http.Request, trusted []netip.Prefix) string {
	remote, ok := parseHop(r.RemoteAddr)
	if !ok {
		return strings.TrimSpace(r.RemoteAddr)
	}
	if !isTrusted(remote, trusted) {
		return remote.String()
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := remote
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break
		}
		client = a
		if !isTrusted(a, trusted) {
			break
		}
	}
	return client.String()
}

// parseHop reads an address, with or without a port.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.Unmap().WithZone(""), true
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

type clientIPKey struct{}

// WithClientIP finds each request's client once (ClientIP with trusted) and
// keeps it in the request's context for ClientIPOf: the one place where
// X-Forwarded-For is believed or not.
func WithClientIP(trusted []netip.Prefix) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ip := ClientIP(r, trusted)
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), clientIPKey{}, ip)))
		})
	}
}

// ClientIPOf is the client WithClientIP found for r; without it, the
// connection's address (X-Forwarded-For is then never believed).
func ClientIPOf(r *http.Request) string {
	if ip, ok := r.Context().Value(clientIPKey{}).(string); ok {
		return ip
	}
	return ClientIP(r, nil)
}
