package httpapi

// sessionCookie is the session cookie's name without a prefix.
const sessionCookie = "okaeri_session"

// hostPrefix makes browsers keep a cookie only if it was set over HTTPS,
// Secure, with Path=/ and no Domain: a sibling subdomain or a plain-http
// man in the middle can then neither plant nor overwrite it.
const hostPrefix = "__Host-"

// SessionCookieName is the name of the session cookie: __Host-okaeri_session
// when cookies are Secure (everywhere but plain-http --dev), so that nobody
// but this host can fix a visitor's session; okaeri_session otherwise,
// because browsers refuse a __Host- cookie that is not Secure. The cookie
// must then be set with Path "/" and without a Domain.
func SessionCookieName(secure bool) string { return HostCookieName(sessionCookie, secure) }

// HostCookieName is name with the __Host- prefix when secure.
func HostCookieName(name string, secure bool) string {
	if secure {
		return hostPrefix + name
	}
	return name
}
