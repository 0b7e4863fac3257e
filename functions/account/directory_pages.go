package account

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"sync"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

var directoryText = map[string]map[string]string{
	"ja": {
		"dir_title": "アルムナイ名簿", "dir_intro": "掲載に同意したメンバーが、氏名と、本人が表示を選んだ項目（初期設定では在籍時の部署と在籍期間）とともに表示されます。",
		"q": "氏名・キーワード", "search": "検索", "filters": "条件で絞り込む", "clear": "条件をクリア",
		"department": "在籍時の部署", "company": "勤務先", "location": "地域", "skill": "スキル",
		"joined": "入社した年", "left": "退職した年", "from": "から", "to": "まで", "year_hint": "西暦4桁（例: 2015）",
		"open_to": openToWords["ja"]["open_to"], "filter_hint": "本人が表示している項目だけで絞り込みます。",
		"showing": "%d〜%d人目を表示しています", "none": "該当するメンバーはいません。", "pages": "ページ",
		"prev": "前のページ", "next": "次のページ", "page_n": "%dページ目",
		"v_department": "在籍時の部署", "years": "在籍期間", "v_company": "勤務先", "v_role": "役職・職種", "v_location": "地域",
		"v_skills": "スキル", "v_interests": "関心ごと", "v_open_to": openToWords["ja"]["open_to"],
		"rehire": openToWords["ja"]["rehire"], "sidework": openToWords["ja"]["sidework"], "mentoring": openToWords["ja"]["mentoring"], "referrals": openToWords["ja"]["referrals"],
		"contact": "メッセージを送る", "message": "メッセージ", "send": "送信",
		"sent":         "メッセージを送りました。返信があれば、あなたのメールアドレスに届きます。",
		"contact_hint": "相手にはあなたの名前とメッセージが届きます。相手のアドレスは、相手が返信した場合にだけあなたに伝わります。",
		"block":        "この人に表示しない（ブロック）", "block_hint": "この人は名簿であなたを見つけられなくなり、メッセージも送れなくなります。相手には知らされません。プロフィールのページでいつでも解除できます。",
		"blocked_mark": "ブロック中: この人にはあなたが表示されません。", "unblock": "ブロックを解除する",
		"blocked": "ブロックしました。この人には、あなたが名簿に表示されません。相手には知らされません。", "unblocked": "ブロックを解除しました。",
		"sep": "、", "back_list": "名簿に戻る", "you": "あなた（ほかのメンバーにはこのように表示されます）",
	},
	"en": {
		"dir_title": "Alumni directory", "dir_intro": "Members who agreed to be listed appear with their name and the fields they chose to show (at first, their department and years at the company).",
		"q": "Name or keywords", "search": "Search", "filters": "Filter", "clear": "Clear the filters",
		"department": "Department", "company": "Company", "location": "Location", "skill": "Skill",
		"joined": "Year joined", "left": "Year left", "from": "from", "to": "to", "year_hint": "Four digits, e.g. 2015",
		"open_to": openToWords["en"]["open_to"], "filter_hint": "Filters look only at what each member shows.",
		"showing": "Showing members %d to %d", "none": "No member matches.", "pages": "Pages",
		"prev": "Previous page", "next": "Next page", "page_n": "Page %d",
		"v_department": "Department", "years": "Years", "v_company": "Company", "v_role": "Role", "v_location": "Location",
		"v_skills": "Skills", "v_interests": "Interests", "v_open_to": openToWords["en"]["open_to"],
		"rehire": openToWords["en"]["rehire"], "sidework": openToWords["en"]["sidework"], "mentoring": openToWords["en"]["mentoring"], "referrals": openToWords["en"]["referrals"],
		"contact": "Send a message", "message": "Message", "send": "Send",
		"sent":         "Message sent. If they reply, it will reach your email address.",
		"contact_hint": "They receive your name and message. You learn their address only if they reply.",
		"block":        "Hide me from this person (block)", "block_hint": "They will no longer find you in the directory and cannot message you. They are not told. You can undo it on your profile page at any time.",
		"blocked_mark": "Blocked: you are hidden from this person.", "unblock": "Unblock",
		"blocked": "Blocked. You no longer appear in the directory for this person; they are not told.", "unblocked": "Unblocked.",
		"sep": ", ", "back_list": "Back to the directory", "you": "You (this is how other members see you)",
	},
}

// directoryCard is one member's card, on the list and on the member's page.
const directoryCard = `{{define "card"}}<article class="card member-card" id="m-{{.E.ID}}" aria-labelledby="n-{{.E.ID}}">
<div class="member-head"><span class="avatar tone-{{.Tone}}" aria-hidden="true">{{.E.Initials}}</span>
{{if .Link}}<h2 id="n-{{.E.ID}}"><a href="{{.Base}}/members/directory/{{.E.ID}}/">{{.E.Name}}</a>{{if .E.Kana}} <small>（{{.E.Kana}}）</small>{{end}}</h2>{{else}}<h1 id="n-{{.E.ID}}">{{.E.Name}}{{if .E.Kana}} <small>（{{.E.Kana}}）</small>{{end}}</h1>{{end}}</div>
{{if .Self}}<p class="hint">{{.T.you}}</p>{{end}}
<dl>{{if .E.Department}}<dt>{{.T.v_department}}</dt><dd>{{.E.Department}}</dd>{{end}}
{{if .Years}}<dt>{{.T.years}}</dt><dd>{{.Years}}</dd>{{end}}
{{if .E.Company}}<dt>{{.T.v_company}}</dt><dd>{{.E.Company}}</dd>{{end}}
{{if .E.Role}}<dt>{{.T.v_role}}</dt><dd>{{.E.Role}}</dd>{{end}}
{{if .E.Location}}<dt>{{.T.v_location}}</dt><dd>{{.E.Location}}</dd>{{end}}
{{if .E.Skills}}<dt>{{.T.v_skills}}</dt><dd>{{range $i, $s := .E.Skills}}{{if $i}}{{$.T.sep}}{{end}}{{$s}}{{end}}</dd>{{end}}
{{if .E.Interests}}<dt>{{.T.v_interests}}</dt><dd>{{range $i, $s := .E.Interests}}{{if $i}}{{$.T.sep}}{{end}}{{$s}}{{end}}</dd>{{end}}
{{if .Open}}<dt>{{.T.v_open_to}}</dt><dd>{{range $i, $s := .Open}}{{if $i}}{{$.T.sep}}{{end}}{{$s}}{{end}}</dd>{{end}}
</dl>
{{if .E.BioHTML}}<div class="bio">{{.Bio}}</div>{{end}}
{{if not .Self}}{{if .E.BlockedByMe}}<form method="post" action="/api/directory/{{.E.ID}}/unblock" class="block-form"><input type="hidden" name="next" value="{{.Back}}">
<p class="hint">{{.T.blocked_mark}}</p><p><button type="submit" class="button button-secondary">{{.T.unblock}}</button></p></form>
{{else}}<details><summary>{{.T.contact}}</summary>
<form method="post" action="/api/directory/{{.E.ID}}/contact"><p class="hint" id="ch-{{.E.ID}}">{{.T.contact_hint}}</p>
<label for="msg-{{.E.ID}}">{{.T.message}}</label><textarea id="msg-{{.E.ID}}" name="message" rows="4" maxlength="2000" required aria-describedby="ch-{{.E.ID}}"></textarea>
<p><button type="submit" class="button">{{.T.send}}</button></p></form></details>
<details><summary>{{.T.block}}</summary>
<form method="post" action="/api/directory/{{.E.ID}}/block" class="block-form"><input type="hidden" name="next" value="{{.Back}}"><p class="hint">{{.T.block_hint}}</p>
<p><button type="submit" class="button button-secondary">{{.T.block}}</button></p></form></details>{{end}}{{end}}
</article>{{end}}`

var directoryTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("directory").Parse(directoryCard + pageHead + `
<h1>{{.T.dir_title}}</h1>
<p>{{.T.dir_intro}}</p>
{{if .Notice}}<p class="notice" role="status">{{.Notice}}</p>{{end}}
<form method="get" action="{{.Base}}/members/directory/" class="form search directory-search" role="search">
<div class="field"><label for="q">{{.T.q}}</label><input id="q" name="q" value="{{.Q.Q}}" type="search" maxlength="100"></div>
<details class="filters"{{if .Q.Filtered}} open{{end}}><summary>{{.T.filters}}</summary>
<p class="hint">{{.T.filter_hint}}</p>
<div class="filter-grid">
<div class="field"><label for="department">{{.T.department}}</label><input id="department" name="department" value="{{.Q.Department}}" maxlength="100"></div>
<div class="field"><label for="company">{{.T.company}}</label><input id="company" name="company" value="{{.Q.Company}}" maxlength="100"></div>
<div class="field"><label for="location">{{.T.location}}</label><input id="location" name="location" value="{{.Q.Location}}" maxlength="100"></div>
<div class="field"><label for="skill">{{.T.skill}}</label><input id="skill" name="skill" value="{{.Q.Skill}}" maxlength="100"></div>
<fieldset class="years"><legend>{{.T.joined}}</legend><p class="hint" id="yh-j">{{.T.year_hint}}</p>
<label>{{.T.from}} <input name="joined_from" inputmode="numeric" size="5" maxlength="5" aria-describedby="yh-j" value="{{if .Q.JoinedFrom}}{{.Q.JoinedFrom}}{{end}}"></label>
<label>{{.T.to}} <input name="joined_to" inputmode="numeric" size="5" maxlength="5" aria-describedby="yh-j" value="{{if .Q.JoinedTo}}{{.Q.JoinedTo}}{{end}}"></label></fieldset>
<fieldset class="years"><legend>{{.T.left}}</legend><p class="hint" id="yh-l">{{.T.year_hint}}</p>
<label>{{.T.from}} <input name="left_from" inputmode="numeric" size="5" maxlength="5" aria-describedby="yh-l" value="{{if .Q.LeftFrom}}{{.Q.LeftFrom}}{{end}}"></label>
<label>{{.T.to}} <input name="left_to" inputmode="numeric" size="5" maxlength="5" aria-describedby="yh-l" value="{{if .Q.LeftTo}}{{.Q.LeftTo}}{{end}}"></label></fieldset>
<fieldset><legend>{{.T.open_to}}</legend>
{{range .OpenTo}}<div class="check"><input type="checkbox" id="open-{{.Name}}" name="open_to" value="{{.Name}}"{{if .On}} checked{{end}}><label for="open-{{.Name}}">{{.Label}}</label></div>
{{end}}</fieldset>
</div></details>
<p class="actions-row"><button type="submit" class="button">{{.T.search}}</button>{{if .Searched}} <a href="{{.Base}}/members/directory/">{{.T.clear}}</a>{{end}}</p></form>
<p role="status">{{if .Cards}}{{.Showing}}{{else}}{{.T.none}}{{end}}</p>
{{if .Cards}}<ul class="directory" role="list">
{{range .Cards}}<li>{{template "card" .}}</li>
{{end}}</ul>{{end}}
{{if or .Prev .Next}}<nav class="pager" aria-label="{{.T.pages}}">{{if .Prev}}<a href="{{.Prev}}" rel="prev">{{.T.prev}}</a>{{end}}
<span aria-current="page">{{.PageN}}</span>{{if .Next}}<a href="{{.Next}}" rel="next">{{.T.next}}</a>{{end}}</nav>{{end}}
` + pageFoot))
})

var directoryMemberTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("directory-member").Parse(directoryCard + pageHead + `
<p><a href="{{.Base}}/members/directory/">{{.T.back_list}}</a></p>
{{if .Notice}}<p class="notice" role="status">{{.Notice}}</p>{{end}}
{{template "card" .Card}}
` + pageFoot))
})

// cardView is what the card template needs of one entry.
type cardView struct {
	E          DirectoryEntry
	T          map[string]string
	Base, Back string
	Years      string // in the reader's language
	Tone       int
	Link, Self bool
	Open       []string
	Bio        template.HTML
}

func newCard(lang string, e DirectoryEntry, base, back string, me string, link bool) cardView {
	T := directoryText[lang]
	c := cardView{E: e, T: T, Base: base, Back: back, Tone: avatarTone(e.ID), Link: link, Self: e.ID == me,
		// Bios were rendered when saved, raw HTML escaped and unsafe links
		// dropped (functions/account/bio), so they are safe to insert.
		Bio: template.HTML(e.BioHTML)}
	if e.Years != "" {
		c.Years = employment(lang, e.Joined, e.Left)
	}
	if o := e.OpenTo; o != nil {
		for _, f := range openFlags {
			if openTo(*o, f) {
				c.Open = append(c.Open, T[f])
			}
		}
	}
	return c
}

// directoryNotice is the notice a form's redirect asked for.
func directoryNotice(r *http.Request, T map[string]string) string {
	v := r.URL.Query()
	for _, k := range []string{"sent", "blocked", "unblocked"} {
		if v.Get(k) != "" {
			return T[k]
		}
	}
	return ""
}

func (h Handler) directoryPage(w http.ResponseWriter, r *http.Request, m store.Member) {
	lang := pageLang(m, r)
	T := directoryText[lang]
	base := pageBase(lang)
	q, err := ParseDirectoryQuery(r.URL.Query())
	if err != nil {
		h.failIn(w, r, err, base+"/members/directory/", lang)
		return
	}
	p, err := h.S.Directory(r.Context(), m, q)
	if err != nil {
		h.failIn(w, r, err, base+"/members/directory/", lang)
		return
	}
	link := func(page int) string {
		v := q.Values()
		if page > 1 {
			v.Set("page", strconv.Itoa(page))
		}
		if len(v) == 0 {
			return base + "/members/directory/"
		}
		return base + "/members/directory/?" + v.Encode()
	}
	here := link(p.Page)
	var cards []cardView
	for _, e := range p.Members {
		cards = append(cards, newCard(lang, e, base, here+"#m-"+e.ID, m.ID, true))
	}
	var prev, next string
	if p.Page > 1 {
		prev = link(p.Page - 1)
	}
	if p.HasNext {
		next = link(p.Page + 1)
	}
	var opts []option
	for _, o := range openFlags {
		opts = append(opts, option{o, T[o], contains(q.OpenTo, o)})
	}
	w.Header().Set("Cache-Control", "private, no-store")
	httpapi.RenderTemplate(w, r, http.StatusOK, httpapi.View{Lang: lang, Title: T["dir_title"], Section: httpapi.SectionMembers,
		Other: otherLangPath(lang, "/members/directory/")}, directoryTmpl(), map[string]any{
		"Lang": lang, "T": T, "Base": base, "Menu": httpapi.NewMemberMenu(lang, "/members/directory/"),
		"Q": q, "Cards": cards, "Prev": prev, "Next": next, "OpenTo": opts, "Notice": directoryNotice(r, T),
		"Searched": len(q.Values()) > 0,
		"Showing":  fmt.Sprintf(T["showing"], p.First, p.First+len(p.Members)-1),
		"PageN":    fmt.Sprintf(T["page_n"], p.Page),
	})
}

func (h Handler) directoryMemberPage(w http.ResponseWriter, r *http.Request, m store.Member) {
	lang := pageLang(m, r)
	T := directoryText[lang]
	base := pageBase(lang)
	e, err := h.S.DirectoryMember(r.Context(), m, r.PathValue("id"))
	if err != nil {
		h.failIn(w, r, err, base+"/members/directory/", lang)
		return
	}
	here := base + "/members/directory/" + e.ID + "/"
	w.Header().Set("Cache-Control", "private, no-store")
	httpapi.RenderTemplate(w, r, http.StatusOK, httpapi.View{Lang: lang, Title: e.Name + " | " + T["dir_title"], Section: httpapi.SectionMembers,
		Other: otherLangPath(lang, "/members/directory/"+e.ID+"/")}, directoryMemberTmpl(), map[string]any{
		"Lang": lang, "T": T, "Base": base, "Menu": httpapi.NewMemberMenu(lang, "/members/directory/"),
		"Card": newCard(lang, e, base, here, m.ID, false), "Notice": directoryNotice(r, T),
	})
}
