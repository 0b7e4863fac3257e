package portal

import (
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/okaeri/okaeri/functions/httpapi"
)

// Hosts are the host names `okaeri serve` answers for: the host of
// OKAERI_BASE_URL (with its port, the scheme's when it names none) and, in
// --dev, localhost, 127.0.0.1 and [::1] on the port it listens on. Any
// other Host header is answered 421, so that a page on another site whose
// name an attacker re-points at this machine (DNS rebinding) cannot read
// the portal in the victim's browser: /_dev/outbox, with every login link,
// least of all.
func Hosts(baseURL string, dev bool, port int) []string {
	var hosts []string
	if u, err := url.Parse(baseURL); err == nil && u.Hostname() != "" {
		p := u.Port()
		if p == "" {
			p = "80"
			if u.Scheme == "https" {
				p = "443"
			}
		}
		hosts = append(hosts, net.JoinHostPort(u.Hostname(), p))
	}
	if dev && port > 0 {
		for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
			hosts = append(hosts, net.JoinHostPort(h, strconv.Itoa(port)))
		}
	}
	return hosts
}

// hostCheck answers 421 Misdirected Request to a Host that is not one of
// allowed ("name:port"). A Host without a port matches an allowed name on
// port 80 or 443 (a proxy in front may drop the default port). /healthz
// answers any host: it tells nothing but "ok", and load balancers and
// container health checks ask by address.
func hostCheck(allowed []string, log *slog.Logger) func(http.Handler) http.Handler {
	type hostPort struct{ host, port string }
	var ok []hostPort
	for _, a := range allowed {
		h, p := splitHost(a)
		ok = append(ok, hostPort{h, p})
	}
	return func(next http.Handler) http.Handler {
		if len(allowed) == 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			host, port := splitHost(r.Host)
			for _, a := range ok {
				if host == a.host && (port == a.port || port == "" && (a.port == "80" || a.port == "443")) {
					next.ServeHTTP(w, r)
					return
				}
			}
			if r.URL.Path == "/healthz" {
				next.ServeHTTP(w, r)
				return
			}
			w.Header().Set("Cache-Control", "no-store")
			httpapi.WriteError(w, r, log, httpapi.Errorf(httpapi.EMISDIRECTED, "misdirected_host"))
		})
	}
}

// splitHost is a Host header's name (lower case, without a trailing dot or
// IPv6 brackets) and port ("" when it names none).
func splitHost(hostport string) (string, string) {
	host, port := hostport, ""
	if h, p, err := net.SplitHostPort(hostport); err == nil {
		host, port = h, p
	} else {
		host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	}
	return strings.TrimSuffix(strings.ToLower(host), "."), port
}
