package httpapi

import (
	"html/template"

	"github.com/okaeri/okaeri/functions/brand"
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
	// Section is View.Section: SectionMembers for a page of members or HR.
	Section string
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
	m.Links = append(m.Links, HRLink{PageLink: PageLink{Href: "/hr/", Text: Message(lang, "hr.console")}, Current: current == "/hr/"})
	for _, p := range hrPages {
		href := "/hr/" + p
		m.Links = append(m.Links, HRLink{PageLink: PageLink{Href: href, Text: Message(lang, "hr."+p)}, Current: href == current})
	}
	return m
}

// hrPages are the HR pages after HR's home (/hr/), in menu order.
var hrPages = []string{"registrations", "members", "events", "jobs", "applications", "referrals", "newsletters", "mails", "admins", "audit"}

// HRNav is the sub-navigation at the top of every HR page, inside the
// site's frame: HR's home and every HR page, the one being shown marked
// (the members' home is in the site's header). The page's data gives .Menu (NewHRMenu).
const HRNav = `{{with .Menu}}<nav class="sub-nav" aria-label="{{.Label}}"><ul>
{{range .Links}}<li><a href="{{.Href}}"{{if .Current}} aria-current="page"{{end}}>{{.Text}}</a></li>
{{end}}</ul></nav>{{end}}`

// NewMemberMenu is the sub-navigation of the members' own pages in lang;
// current is the path (without /en) of the page being shown
// ("/members/events/"), or "" to mark none. The page's data gives .Menu.
func NewMemberMenu(lang, current string) HRMenu {
	base := ""
	if lang == LangEN {
		base = "/en"
	}
	m := HRMenu{Label: Message(lang, "members.menu")}
	for _, p := range memberPages {
		href := "/members/" + p
		m.Links = append(m.Links, HRLink{PageLink: PageLink{Href: base + href, Text: Message(lang, "members."+memberPageKey(p))}, Current: href == current})
	}
	return m
}

// memberPages are the members' own pages under /members/, in menu order.
var memberPages = []string{"", "events/", "me/applications/", "profile/", "preferences/", "directory/"}

func memberPageKey(p string) string {
	switch p {
	case "":
		return "home"
	case "me/applications/":
		return "applications"
	}
	return p[:len(p)-1]
}

// MemberNav draws NewMemberMenu, as HRNav draws HR's (the same markup).
const MemberNav = HRNav

// StylesheetPath is the site's stylesheet at a stable (not fingerprinted) path.
const StylesheetPath = brand.FallbackStylesheet

var pageTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Parse(`<div class="wrap narrow result-page">
<header class="page-header"><h1>{{.Title}}</h1></header>
{{if .Message}}<p class="lead">{{.Message}}</p>{{end}}
{{if .Items}}<ul class="errors">{{range .Items}}<li>{{.}}</li>{{end}}</ul>{{end}}
{{with .Form}}<form method="post" action="{{.Action}}">{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}<p class="actions"><button class="button" type="submit">{{.Button}}</button></p></form>{{end}}
{{if .Links}}<p class="actions">{{range $i, $l := .Links}}<a class="button{{if or $i $.Form}} button-secondary{{end}}" href="{{$l.Href}}">{{$l.Text}}</a>{{end}}</p>{{end}}
</div>`))
})

// WritePage answers with a result page in the site's frame.
func WritePage(w http.ResponseWriter, r *http.Request, status int, p Page) {
	if p.Lang == "" {
		p.Lang = LangJA
	}
	w.Header().Set("Cache-Control", "no-store")
	RenderTemplate(w, r, status, View{Lang: p.Lang, Title: p.Title, Section: p.Section}, pageTmpl(), p)
}

// WriteFormError answers a failed form post with a page listing what is
// wrong, in the visitor's language, and a link back to the form.
func WriteFormError(w http.ResponseWriter, r *http.Request, err error, back string) {
	writeFormError(w, r, AsError(err), back, Lang(r))
}

func writeFormError(w http.ResponseWriter, r *http.Request, e *Error, back, lang string) {
	p := ProblemFor(e, lang)
	page := Page{Lang: lang, Title: p.Title, Message: p.Detail}
	for _, f := range p.Errors {
		page.Items = append(page.Items, FieldLabel(lang, f.Field)+": "+f.Message)
	}
	if back != "" {
		page.Links = append(page.Links, PageLink{Href: back, Text: Message(lang, "back")})
	} else { // always a way back
		page.Links = append(page.Links, PageLink{Href: HomePath(lang), Text: Message(lang, "to_home")})
	}
	addHeaders(w, e)
	WritePage(w, r, p.Status, page)
}

// FieldLabel names a form field for people; unknown fields show as themselves.
func FieldLabel(lang, field string) string {
	if _, ok := messages["label."+field]; ok {
		return Message(lang, "label."+field)
	}
	return field
}
