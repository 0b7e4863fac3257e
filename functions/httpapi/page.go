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
	// Form, when set, is one button that posts hidden fields: an emailed
	// link opened with GET shows it and the POST does the work, so a mail
	// scanner that fetches links does not use them up.
	Form *PageForm
}

// PageForm is a form of hidden fields and one button.
type PageForm struct {
	Action string
	Fields []PageField
	Button string
}

// PageField is one hidden field of a PageForm.
type PageField struct{ Name, Value string }

// HRMenu is the menu at the top of every HR page: the members' home and
// every HR page, the one being shown marked.
type HRMenu struct {
	Label string // the nav's accessible name
	Home  PageLink
	Links []HRLink
}

// HRLink is one HR page in the menu.
type HRLink struct {
	PageLink
	Current bool
}

// NewHRMenu is the HR menu in lang; current is the path of the page being
// shown ("/hr/newsletters"), or "" to mark none.
func NewHRMenu(lang, current string) HRMenu {
	home := "/members/"
	if lang == LangEN {
		home = "/en/members/"
	}
	m := HRMenu{Label: Message(lang, "hr.menu"), Home: PageLink{Href: home, Text: Message(lang, "hr.home")}}
	for _, p := range hrPages {
		href := "/hr/" + p
		m.Links = append(m.Links, HRLink{PageLink: PageLink{Href: href, Text: Message(lang, "hr."+p)}, Current: href == current})
	}
	return m
}

var hrPages = []string{"registrations", "events", "jobs", "applications", "referrals", "newsletters", "admins"}

// HRHeader starts the body of every HR page: the skip link and the HR
// menu. The page's data gives .T.skip (the skip link's words) and .Menu
// (NewHRMenu).
const HRHeader = `<a class="skip-link" href="#main">{{.T.skip}}</a>
<header class="site-header"><div class="wrap header-inner">
{{with .Menu}}<nav aria-label="{{.Label}}"><ul>
<li><a href="{{.Home.Href}}">{{.Home.Text}}</a></li>
{{range .Links}}<li><a href="{{.Href}}"{{if .Current}} aria-current="page"{{end}}>{{.Text}}</a></li>
{{end}}</ul></nav>{{end}}</div></header>`

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
{{with .Form}}<form method="post" action="{{.Action}}">{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}<p class="actions"><button class="button" type="submit">{{.Button}}</button></p></form>{{end}}
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
