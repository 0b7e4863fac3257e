package account

import (
	"html/template"
	"net/http"
	"strings"
	"sync"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

func (h Handler) hrMembers(w http.ResponseWriter, r *http.Request, admin store.Member) {
	lang := hrLang(admin)
	f, err := ParseMemberFilter(r.URL.Query())
	if err != nil {
		h.failIn(w, r, err, "/hr/members", lang)
		return
	}
	res, err := h.S.SearchMembers(r.Context(), f, r.URL.Query().Get("cursor"), searchPage, searchMaxRead)
	if err != nil {
		if e := httpapi.AsError(err); e.Code == httpapi.EINVALID {
			h.failIn(w, r, err, "/hr/members", lang)
			return
		}
		h.fail(w, r, httpapi.Internal(err), "")
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		httpapi.WriteJSON(w, http.StatusOK, res)
		return
	}
	next := ""
	if res.Next != "" {
		q := f.Query()
		q.Set("cursor", res.Next)
		next = "/hr/members?" + q.Encode()
	}
	T := membersText[lang]
	statuses := []map[string]string{}
	for _, st := range searchStatuses {
		statuses = append(statuses, map[string]string{"Value": string(st), "Text": T["st_"+string(st)]})
	}
	opens := []map[string]any{}
	for _, o := range openFlags {
		opens = append(opens, map[string]any{"Value": o, "Text": T["open_"+o], "On": contains(f.Open, o)})
	}
	httpapi.RenderTemplate(w, r, http.StatusOK, httpapi.View{Lang: lang, Title: T["title"], Section: httpapi.SectionMembers},
		membersTmpl(), map[string]any{"T": T, "F": f, "R": res, "Next": next, "CSV": "/hr/members.csv?" + f.Query().Encode(),
			"Statuses": statuses, "Opens": opens, "Searched": !f.Empty() || r.URL.Query().Get("cursor") != "",
			"Date": hrDate(lang), "Years": yearsFunc(lang), "Done": T["done_"+r.URL.Query().Get("done")], "Menu": httpapi.NewHRMenu(lang, "/hr/members")})
}

var memberColumns = []httpapi.CSVColumn{{"ID", "ID"}, {"氏名", "Name"}, {"フリガナ", "Kana"}, {"メールアドレス", "Email"}, {"部署", "Department"},
	{"入社", "Joined"}, {"退職", "Left"}, {"状態", "Status"}, {openToLabel("ja", "rehire"), openToLabel("en", "rehire")}, {openToLabel("ja", "referrals"), openToLabel("en", "referrals")}, {"登録日", "Registered"}}

// hrMembersCSV exports the members the search keeps, for Excel (BOM,
// formula guard), at most csvMaxRows rows.
func (h Handler) hrMembersCSV(w http.ResponseWriter, r *http.Request, admin store.Member) {
	lang := hrLang(admin)
	f, err := ParseMemberFilter(r.URL.Query())
	if err != nil {
		h.failIn(w, r, err, "/hr/members", lang)
		return
	}
	var rows [][]string
	cursor := ""
	for {
		res, err := h.S.SearchMembers(r.Context(), f, cursor, csvMaxRows, csvMaxRows*10)
		if err != nil {
			h.fail(w, r, httpapi.Internal(err), "")
			return
		}
		for _, m := range res.Members {
			if len(rows) == csvMaxRows {
				break
			}
			yes := func(b bool) string {
				if b {
					return "1"
				}
				return ""
			}
			rows = append(rows, []string{m.ID, m.Name, m.Kana, m.Email, m.Department, m.Joined, m.Left, membersText[lang]["st_"+string(m.Status)],
				yes(m.Profile.OpenTo.Rehire), yes(m.Profile.OpenTo.Referrals), m.CreatedAt.In(jst).Format("2006-01-02")})
		}
		if res.Next == "" || len(rows) == csvMaxRows {
			break
		}
		cursor = res.Next
	}
	h.S.audit(r.Context(), "hr:"+admin.ID, "members.export", "members")
	httpapi.WriteCSV(w, "members.csv", lang, memberColumns, rows)
}

var membersTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("members").Parse(`<div class="wrap hr">` + httpapi.HRNav + `
<h1>{{.T.title}}</h1>
{{if .Done}}<p class="notice" role="status">{{.Done}}</p>{{end}}
<form method="get" action="/hr/members" class="form member-search" role="search">
<div class="field"><label for="q">{{.T.q}}</label><input id="q" name="q" type="search" value="{{.F.Q}}" maxlength="100" placeholder="{{.T.q_hint}}"></div>
<details{{if or .F.Status .F.Department .F.JoinedFrom .F.JoinedTo .F.LeftFrom .F.LeftTo .F.Open}} open{{end}}><summary>{{.T.more}}</summary>
<div class="field"><label for="status">{{.T.status}}</label><select id="status" name="status"><option value="">{{.T.any}}</option>{{range .Statuses}}<option value="{{.Value}}"{{if eq .Value (print $.F.Status)}} selected{{end}}>{{.Text}}</option>{{end}}</select></div>
<div class="field"><label for="department">{{.T.department}}</label><input id="department" name="department" value="{{.F.Department}}" maxlength="100"></div>
<fieldset><legend>{{.T.joined}}</legend><label>{{.T.from}} <input name="joined_from" inputmode="numeric" size="5" value="{{if .F.JoinedFrom}}{{.F.JoinedFrom}}{{end}}"></label> <label>{{.T.to}} <input name="joined_to" inputmode="numeric" size="5" value="{{if .F.JoinedTo}}{{.F.JoinedTo}}{{end}}"></label></fieldset>
<fieldset><legend>{{.T.left}}</legend><label>{{.T.from}} <input name="left_from" inputmode="numeric" size="5" value="{{if .F.LeftFrom}}{{.F.LeftFrom}}{{end}}"></label> <label>{{.T.to}} <input name="left_to" inputmode="numeric" size="5" value="{{if .F.LeftTo}}{{.F.LeftTo}}{{end}}"></label></fieldset>
<fieldset><legend>{{.T.open}}</legend>{{range .Opens}}<label><input type="checkbox" name="open" value="{{.Value}}"{{if .On}} checked{{end}}> {{.Text}}</label> {{end}}</fieldset>
</details>
<p><button type="submit" class="button">{{.T.search}}</button> <a class="button button-secondary" href="{{.CSV}}">{{.T.csv}}</a></p>
</form>
{{if not .R.Members}}<p class="lead">{{if .Searched}}{{.T.none}}{{else}}{{.T.empty}}{{end}}</p>{{else}}
<div class="table-scroll"><table class="stacked names">
<caption>{{.T.caption}} ({{len .R.Members}}{{if .Next}}+{{end}})</caption>
<thead><tr><th scope="col">{{.T.name}}</th><th scope="col">{{.T.email}}</th><th scope="col">{{.T.department}}</th><th scope="col">{{.T.years}}</th><th scope="col">{{.T.status}}</th></tr></thead>
<tbody>{{range .R.Members}}<tr><td data-label="{{$.T.name}}"><a href="/hr/members/{{.ID}}"><b>{{.Name}}</b></a>{{if .Kana}}<br><small>{{.Kana}}</small>{{end}}</td><td data-label="{{$.T.email}}">{{.Email}}</td><td data-label="{{$.T.department}}">{{.Department}}</td><td data-label="{{$.T.years}}">{{call $.Years .Joined .Left}}</td><td data-label="{{$.T.status}}">{{index $.T (printf "st_%s" .Status)}}</td></tr>
{{end}}</tbody></table></div>{{end}}
{{if .Next}}<p><a class="button button-secondary" href="{{.Next}}">{{.T.next}}</a></p>{{end}}
</div>`))
})

var membersText = map[string]map[string]string{
	"ja": {"title": "メンバー", "q": "氏名・フリガナ・メール・部署で探す", "q_hint": "例: さとう、sato@example.com", "more": "条件を追加する",
		"status": "状態", "any": "すべて", "department": "部署", "joined": "入社年", "left": "退職年", "from": "から", "to": "まで",
		"open": openToWords["ja"]["open_to"], "search": "検索する", "csv": "この条件でCSVをダウンロード（Excelで開けます）", "none": "条件に合うメンバーはいません。条件を減らしてお試しください。",
		"empty": "メンバーはまだいません。", "caption": "メンバー", "name": "氏名", "email": "メールアドレス", "years": "在籍期間", "next": "さらに表示する",
		"st_approved": "承認済み", "st_verified": "審査待ち", "st_suspended": "利用停止", "st_rejected": "却下", "st_pending": "メール未確認",
		"open_rehire": openToWords["ja"]["rehire"], "open_referrals": openToWords["ja"]["referrals"], "open_sidework": openToWords["ja"]["sidework"], "open_mentoring": openToWords["ja"]["mentoring"],
		"done_erased": "メンバーを削除しました。ご本人に完了のメールを送りました。"},
	"en": {"title": "Members", "q": "Find by name, kana, email or department", "q_hint": "e.g. sato, sato@example.com", "more": "More filters",
		"status": "Status", "any": "Any", "department": "Department", "joined": "Year joined", "left": "Year left", "from": "from", "to": "to",
		"open": openToWords["en"]["open_to"], "search": "Search", "csv": "Download these as CSV (opens in Excel)", "none": "No member matches. Try fewer filters.",
		"empty": "No members yet.", "caption": "Members", "name": "Name", "email": "Email", "years": "Employed", "next": "Show more",
		"st_approved": "Approved", "st_verified": "Waiting for review", "st_suspended": "Suspended", "st_rejected": "Rejected", "st_pending": "Email not confirmed",
		"open_rehire": openToWords["en"]["rehire"], "open_referrals": openToWords["en"]["referrals"], "open_sidework": openToWords["en"]["sidework"], "open_mentoring": openToWords["en"]["mentoring"],
		"done_erased": "The member is erased, and was mailed that it is done."},
}
