package account

import (
	"html/template"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// mailsTmpl is HR's page of the lifecycle mails' switches: one form of
// checkboxes that works without JavaScript.
var mailsTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("mails").Parse(`<div class="wrap hr">` + httpapi.HRNav + `
<h1>{{.T.title}}</h1>
<p>{{.T.intro}}</p>
{{if .Done}}<p class="notice" role="status">{{.Done}}</p>{{end}}
<form method="post" action="/api/hr/mails" class="form stack">
<fieldset><legend>{{.T.legend}}</legend>
{{range .Mails}}<div class="check"><input type="checkbox" id="mail-{{.Key}}" name="on" value="{{.Key}}"{{if .On}} checked{{end}} aria-describedby="mail-{{.Key}}-hint"><label for="mail-{{.Key}}">{{.Label}}</label>
<p class="help" id="mail-{{.Key}}-hint">{{.Hint}}</p></div>
{{end}}</fieldset>
<p><button type="submit" class="button">{{.T.save}}</button></p>
</form>
</div>`))
})

var mailsText = map[string]map[string]string{
	"ja": {"title": "自動メール",
		"intro":  "メンバーの登録の節目に、事務局から自動で送るメールです。どれも一人に一度だけ（年に一度の確認は一年に一度）送り、配信停止や不達のアドレスには送りません。止めている間に時期が来た方には送りません。再開すると、それから時期が来た方に送ります。",
		"legend": "送るメール", "save": "保存する", "saved": "自動メールの設定を保存しました。",
		"welcome": "承認のお知らせ（おかえりなさいメール）", "welcome_hint": "承認した直後。ワンクリックのログインと、はじめの3つのこと。",
		"nudge": "プロフィール入力のお願い", "nudge_hint": "承認から7日後に、プロフィールが空のままで、任意のお知らせに1つ以上同意している方へ。",
		"yearly": "年に一度の登録内容の確認", "yearly_hint": "承認した日から毎年。プロフィールと同意の見直しのお願い（承認済みのすべてのメンバーへ）。"},
	"en": {"title": "Automatic mails",
		"intro":  "Mails the office sends by itself at milestones of a membership. Each goes once per member (the yearly check once a year), never to an unsubscribed or bouncing address. Members who fall due while a mail is off do not get it; switched on again, it goes to those who fall due from then on.",
		"legend": "Mails to send", "save": "Save", "saved": "The automatic mails were saved.",
		"welcome": "Approval (the welcome mail)", "welcome_hint": "Right after approval: a one-click login and three first steps.",
		"nudge": "Profile nudge", "nudge_hint": "7 days after approval, to members whose profile is still empty and who gave at least one optional consent.",
		"yearly": "Yearly check", "yearly_hint": "On each anniversary of approval: a request to look over the profile and consents (every approved member)."},
}

type mailSwitch struct {
	Key, Label, Hint string
	On               bool
}

func (h Handler) hrMails(w http.ResponseWriter, r *http.Request, admin store.Member) {
	lang := string(admin.Language)
	if lang != httpapi.LangEN {
		lang = httpapi.LangJA
	}
	ms, err := h.S.Store.GetMailSettings(r.Context())
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), "")
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		on := map[string]bool{}
		for _, m := range store.LifecycleMails {
			on[m] = ms.On(m)
		}
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"mails": on})
		return
	}
	var mails []mailSwitch
	for _, m := range store.LifecycleMails {
		mails = append(mails, mailSwitch{Key: m, Label: mailsText[lang][m], Hint: mailsText[lang][m+"_hint"], On: ms.On(m)})
	}
	done := ""
	if r.URL.Query().Get("done") == "saved" {
		done = mailsText[lang]["saved"]
	}
	httpapi.RenderTemplate(w, r, http.StatusOK, httpapi.View{Lang: lang, Title: mailsText[lang]["title"], Section: httpapi.SectionMembers},
		mailsTmpl(), map[string]any{"T": mailsText[lang], "Mails": mails, "Done": done, "Menu": httpapi.NewHRMenu(lang, "/hr/mails")})
}

// hrSaveMails takes the mails to keep on: a form's checked "on" boxes,
// or JSON {"on": ["welcome", ...]}.
func (h Handler) hrSaveMails(w http.ResponseWriter, r *http.Request, admin store.Member) {
	var in struct {
		On []string `json:"on"`
	}
	if err := httpapi.Decode(w, r, &in); err != nil {
		h.fail(w, r, err, "/hr/mails")
		return
	}
	for _, m := range in.On {
		if !slices.Contains(store.LifecycleMails, m) {
			h.fail(w, r, httpapi.Invalid(httpapi.FieldError{Field: "on", Code: "invalid"}), "/hr/mails")
			return
		}
	}
	ms, err := h.S.SetMailSettings(r.Context(), "hr:"+admin.ID, in.On)
	if err != nil {
		h.fail(w, r, err, "/hr/mails")
		return
	}
	if httpapi.IsForm(r) {
		http.Redirect(w, r, "/hr/mails?done=saved", http.StatusSeeOther)
		return
	}
	on := map[string]bool{}
	for _, m := range store.LifecycleMails {
		on[m] = ms.On(m)
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"mails": on})
}
