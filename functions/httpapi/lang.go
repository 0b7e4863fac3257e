package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Languages the portal speaks, Japanese first.
const (
	LangJA = "ja"
	LangEN = "en"
)

// LangCookie remembers a visitor's chosen language.
const LangCookie = "okaeri_lang"

// Lang picks the language for a request: the okaeri_lang cookie, then
// Accept-Language (first supported tag by quality), then Japanese.
func Lang(r *http.Request) string {
	if c, err := r.Cookie(LangCookie); err == nil && (c.Value == LangJA || c.Value == LangEN) {
		return c.Value
	}
	return FromAcceptLanguage(r.Header.Get("Accept-Language"))
}

// FromAcceptLanguage picks ja or en from an Accept-Language header value.
func FromAcceptLanguage(h string) string {
	best, bestQ := LangJA, -1.0
	for _, part := range strings.Split(h, ",") {
		tag, q := parseLangRange(strings.TrimSpace(part))
		if tag == "" {
			continue
		}
		primary := strings.ToLower(strings.SplitN(tag, "-", 2)[0])
		if (primary == LangJA || primary == LangEN) && q > bestQ {
			best, bestQ = primary, q
		}
	}
	return best
}

func parseLangRange(s string) (string, float64) {
	tag, params, _ := strings.Cut(s, ";")
	q := 1.0
	if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			q = f
		}
	}
	return strings.TrimSpace(tag), q
}

// SafeNext returns next if it is a path on this site, else fallback. It
// keeps redirects after login, logout and the language switch from leading
// off the site. next must start with exactly one slash; hold no control
// character, no whitespace and no backslash anywhere (browsers drop TAB and
// newlines from URLs and read "\" as "/", so "/\t/evil.com" and "/\evil.com"
// are "//evil.com" to them); and parse, raw and percent-decoded, as a path
// with neither scheme nor host. site/assets/js/portal.js applies the same
// rule before it copies next into the login form.
func SafeNext(next, fallback string) string {
	if !safePath(next) {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!oneSlash(u.Path) || strings.ContainsRune(u.Path, '\\') {
		return fallback
	}
	return next
}

// oneSlash: p starts with exactly one slash (and no backslash after it).
func oneSlash(p string) bool {
	return len(p) > 0 && p[0] == '/' && (len(p) == 1 || (p[1] != '/' && p[1] != '\\'))
}

// safePath: one leading slash, then nothing a URL parser could read as a host.
func safePath(p string) bool {
	if len(p) > maxNext || !oneSlash(p) {
		return false
	}
	for _, r := range p {
		if r == '\\' || r == utf8.RuneError || unicode.IsControl(r) || unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// maxNext bounds a redirect target: longer is not a page of this site.
const maxNext = 2000

// HRLang is the language of an HR page. HR's pages have one address for
// both languages (/hr/...), so their language switch adds ?lang=en or
// ?lang=ja: that choice is remembered in LangCookie for HR's next pages;
// without one the cookie decides, and without a cookie the
// administrator's own language (own, "ja" or "en").
func HRLang(w http.ResponseWriter, r *http.Request, own string) string {
	if q := r.URL.Query().Get("lang"); q == LangJA || q == LangEN {
		http.SetCookie(w, &http.Cookie{
			Name: LangCookie, Value: q, Path: "/", MaxAge: 365 * 24 * 60 * 60,
			HttpOnly: true, Secure: r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https", SameSite: http.SameSiteLaxMode,
		})
		return q
	}
	if c, err := r.Cookie(LangCookie); err == nil && (c.Value == LangJA || c.Value == LangEN) {
		return c.Value
	}
	if own == LangEN {
		return LangEN
	}
	return LangJA
}

// hrSwitch is an HR page's address in the other language: the same path
// with ?lang= (see HRLang); "" for any other page. The rest of the query
// is left out: HR's searches carry addresses and names, which a link in
// the page must not repeat.
func hrSwitch(r *http.Request, lang string) string {
	if r.URL.Path != "/hr" && !strings.HasPrefix(r.URL.Path, "/hr/") {
		return ""
	}
	if lang == LangEN {
		return r.URL.Path + "?lang=" + LangJA
	}
	return r.URL.Path + "?lang=" + LangEN
}
