package core

import (
	"net/http"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/idempotency"
)

// Guard wraps every route of the portal, for `okaeri serve` and each Lambda
// alike, in the controls that must hold before a handler runs
// (docs/security.md), outermost first:
//
//   - the client's address, found once: the connection's, or the right-most
//     X-Forwarded-For entry outside OKAERI_TRUSTED_PROXIES when the
//     connection comes from one of them (httpapi.WithClientIP; rate limits
//     and anonymous idempotency keys read it with httpapi.ClientIPOf);
//   - the route's body limit, before anything is read: httpapi.MaxBodyBytes
//     for JSON and forms, or what the feature declared with
//     httpapi.WithBodyLimit (a résumé upload, SendGrid's webhook); a larger
//     Content-Length is a 413 unread, a chunked body is cut at the limit;
//   - Idempotency-Key on state-changing requests, read only after the
//     caller is authenticated and kept in the caller's own scope: the
//     member's id, or for anonymous callers the client's address (a forged
//     session cookie is anonymous). Anonymous requests to a route that
//     takes large bodies are not recorded, so nothing of a stranger's
//     upload is buffered. The body compared between retries is read up to
//     the route's limit, never more;
//   - the site's frame for every page a handler renders (httpapi.WithSite:
//     the header, menus and footer that Hugo built, from c.Site).
func (c *Core) Guard(routes map[string]http.Handler) map[string]http.Handler {
	clientIP := httpapi.WithClientIP(c.Config.TrustedProxies)
	site := httpapi.WithSite(c.Site)
	for p, h := range routes {
		limit := httpapi.BodyLimitOf(h)
		idem := idempotency.Middleware(c.Store, idempotency.Options{Log: c.Log, MaxBody: limit,
			Scope: c.idempotencyScope(limit > httpapi.MaxBodyBytes)})
		// Safe methods pass through the idempotency middleware untouched.
		routes[p] = clientIP(site(httpapi.BodyLimit(limit, c.Log)(idem(h))))
	}
	return routes
}

// Idempotent is Guard by its former name (app.Routes calls it so).
func (c *Core) Idempotent(routes map[string]http.Handler) map[string]http.Handler {
	return c.Guard(routes)
}

// idempotencyScope is whose Idempotency-Keys a request's are: the
// authenticated member's, else the anonymous client's; on an upload route
// an anonymous request is not recorded at all.
func (c *Core) idempotencyScope(upload bool) func(r *http.Request) (string, bool) {
	return func(r *http.Request) (string, bool) {
		if c.Accounts != nil {
			if m, _, ok := c.Accounts.Authenticate(r); ok {
				return "member:" + m.ID, true
			}
		}
		if upload {
			return "", false
		}
		return "client:" + httpapi.ClientIPOf(r), true
	}
}
