package httpapi

import (
	"bytes"
	"context"
	"html"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/okaeri/okaeri/functions/brand"
)

// The one way a function renders a page (in the manner of miniflux's
// view): the page gives its title and content, Render puts them in the
// site's frame, the head, header, menus and footer that Hugo builds for
// its own pages (functions/brand.Site), so no handler can forget the
// frame or draw another.

// View is one page a function renders.
type View struct {
	Lang  string // "ja" or "en"
	Title string
	// Section "members" is a members' or HR page: the header marks the
	// Members entry and shows logout. Otherwise the header is drawn for
	// whoever the request says is signed in.
	Section string
	// Other is this page in the other language, for the language switch;
	// empty: on HR's pages the same page with ?lang= (HRLang), elsewhere
	// the other language's home.
	Other string
	// Main is the page's content, inside <main>: start it with a
	// <div class="wrap"> as the site's pages do.
	Main template.HTML
}

// SectionMembers is View.Section of members' and HR pages.
const SectionMembers = "members"

// SignedInCookie is the non-secret hint, set beside the session, that a
// member is signed in (functions/account); portal.js reads it too.
const SignedInCookie = "okaeri_signed_in"

// SiteSource gives the site document: brand.Source, cached from the store.
type SiteSource interface {
	Site(ctx context.Context) brand.Site
}

type siteKey struct{}

// WithSite makes src the frame of every page rendered under it
// (app/core.Guard puts it around every route).
func WithSite(src SiteSource) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), siteKey{}, src)))
		})
	}
}

// SiteOf is the site document for r: the synced one under WithSite, else
// the built-in frame and sample company.
func SiteOf(r *http.Request) brand.Site {
	if src, ok := r.Context().Value(siteKey{}).(SiteSource); ok && src != nil {
		return src.Site(r.Context())
	}
	return brand.Fallback()
}

// Render answers with v in the site's frame. Pages are never cached
// (they show a member's own data, or the answer to one request) unless
// the handler set its own Cache-Control.
func Render(w http.ResponseWriter, r *http.Request, status int, v View) {
	if v.Lang != LangEN {
		v.Lang = LangJA
	}
	who := brand.Guest
	switch {
	case v.Section == SectionMembers && isHRPath(r.URL.Path):
		who = brand.HR
	case v.Section == SectionMembers:
		who = brand.Members
	case signedIn(r):
		who = brand.Member
	}
	other := v.Other
	if other == "" {
		other = hrSwitch(r, v.Lang)
	}
	if other == "" {
		other = "/en/"
		if v.Lang == LangEN {
			other = "/"
		}
	}
	frame := SiteOf(r).Frame(v.Lang, who)
	head, rest, _ := strings.Cut(frame, brand.MarkMain)
	fill := strings.NewReplacer(brand.MarkTitle, html.EscapeString(v.Title), brand.MarkOther, html.EscapeString(other))
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", v.Lang)
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "private, no-store")
	}
	w.WriteHeader(status)
	_, _ = fill.WriteString(w, head)
	_, _ = w.Write([]byte(v.Main))
	_, _ = fill.WriteString(w, rest)
}

func signedIn(r *http.Request) bool {
	c, err := r.Cookie(SignedInCookie)
	return err == nil && c.Value == "1"
}

// RenderTemplate renders t with data as v's content. A template that
// fails is a bug: it is logged (without the data) and answered with a 500
// page.
func RenderTemplate(w http.ResponseWriter, r *http.Request, status int, v View, t *template.Template, data any) {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		slog.ErrorContext(r.Context(), "page template", "template", t.Name(), "err", err)
		WritePage(w, r, http.StatusInternalServerError, Page{Lang: v.Lang, Title: Message(v.Lang, "title."+string(EINTERNAL)),
			Message: Message(v.Lang, "internal"), Links: []PageLink{{Href: HomePath(v.Lang), Text: Message(v.Lang, "to_home")}}})
		return
	}
	v.Main = template.HTML(b.String())
	Render(w, r, status, v)
}

// HomePath is the site's home in lang.
func HomePath(lang string) string {
	return PathIn(lang, "/")
}

// PathIn is the site path p (as the Japanese pages have it) in lang: the
// English pages live under /en.
func PathIn(lang, p string) string {
	if lang == LangEN {
		return "/en" + p
	}
	return p
}

// OtherLangPath is a site path p (in lang) in the other language.
func OtherLangPath(lang, p string) string {
	if lang == LangEN {
		return strings.TrimPrefix(p, "/en")
	}
	return "/en" + p
}

// isHRPath says whether path is one of HR's pages (/hr/, /hr/jobs ...),
// which only an administrator is shown: their header marks HR's home.
func isHRPath(path string) bool {
	return path == "/hr" || strings.HasPrefix(path, "/hr/")
}
