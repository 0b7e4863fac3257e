package httpapi

import (
	"html/template"
	"net/http"
	"sync"
)

// PageLink is a link on a result page.
type PageLink struct {
	Href, Text string
}

// Page is a small server-rendered page: the answer to a form post or an
// emailed link when there is no JavaScript to show it in place.
type Page struct {
	Lang    string
	Title   string
	Message string
	Items   []string // e.g. one line per invalid field
	Links   []PageLink
}

// HRPages are HR's server-rendered pages, named in lang, in the order HR's
// menus list them: each HR page links every other from one list.
func HRPages(lang string) []PageLink {
	out := make([]PageLink, 0, len(hrPages))
	for _, p := range hrPages {
		out = append(out, PageLink{Href: "/hr/" + p, Text: Message(lang, "hr."+p)})
	}
	return out
}

var hrPages = []string{"registrations", "events", "jobs", "applications", "referrals", "newsletters"}

// StylesheetPath is the site's stylesheet at a stable (not fingerprinted) path.
const StylesheetPath = "/css/okaeri.css"

var pageTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title><link rel="stylesheet" href="` + StylesheetPath + `"></head>
<body><main id="main" class="wrap result-page">
<h1>{{.Title}}</h1>
{{if .Message}}<p>{{.Message}}</p>{{end}}
{{if .Items}}<ul class="errors">{{range .Items}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{if .Links}}<ul class="actions">{{range .Links}}<li><a href="{{.Href}}">{{.Text}}</a></li>{{end}}</ul>{{end}}
</main></body></html>`))
})

// WritePage answers with a result page.
func WritePage(w http.ResponseWriter, status int, p Page) {
	if p.Lang == "" {
		p.Lang = LangJA
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", p.Lang)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pageTmpl().Execute(w, p)
}

// WriteFormError answers a failed form post with a page listing what is
// wrong, in the visitor's language, and a link back to the form.
func WriteFormError(w http.ResponseWriter, r *http.Request, err error, back string) {
	e := AsError(err)
	lang := Lang(r)
	p := ProblemFor(e, lang)
	page := Page{Lang: lang, Title: p.Title, Message: p.Detail}
	for _, f := range p.Errors {
		page.Items = append(page.Items, FieldLabel(lang, f.Field)+": "+f.Message)
	}
	if back != "" {
		page.Links = append(page.Links, PageLink{Href: back, Text: Message(lang, "back")})
	}
	for k, vs := range e.Headers {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	WritePage(w, p.Status, page)
}

// FieldLabel names a form field for people; unknown fields show as themselves.
func FieldLabel(lang, field string) string {
	if _, ok := messages["label."+field]; ok {
		return Message(lang, "label."+field)
	}
	return field
}
