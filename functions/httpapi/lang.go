package httpapi

import (
	"net/http"
	"strconv"
	"strings"
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

// SafeNext returns next if it is a same-origin absolute path, else fallback:
// it keeps redirects from leading off the site ("//evil", "https://evil", "/\\evil").
func SafeNext(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return fallback
	}
	return next
}
