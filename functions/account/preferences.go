package account

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// /members/preferences/ is what a member receives, apart from the long
// profile form: each purpose they can agree to, how often it comes, whether
// they agreed and when, under which policy version, and the history of
// their choices. The newsletter's "email preferences" link lands here.

var prefsText = map[string]map[string]string{
	"ja": {
		"title":          "受け取るメールの設定",
		"intro":          "何を受け取るかを、目的ごとに選べます。変更はいつでもでき、日時とプライバシーポリシーの版とともに記録されます。",
		"always":         "ログイン用のリンク、お申し込みや応募の受付、参加の確定といった、あなたの操作へのお知らせは、設定にかかわらず届きます。",
		"how_newsletter": "月に1回程度", "how_events": "イベントごとに、開催の数週間前",
		"how_jobs": "あなたに合いそうな求人が公開されたとき", "how_sidework": "募集があるとき",
		"how_directory": "メンバーだけが見られる名簿に、氏名と、プロフィールで選んだ項目を掲載します",
		"on":            "受け取る", "off": "受け取らない", "listed": "掲載する", "unlisted": "掲載しない",
		"since": "%s に選びました", "since_policy": "%s に選びました（%s）", "never": "まだ選んでいません。選ぶまではお送りしません。", "never_directory": "まだ選んでいません。選ぶまでは掲載しません。",
		"policy_dated": "%s版のプライバシーポリシー", "policy_named": "プライバシーポリシーの版: %s", "edition": "%s版",
		"save": "保存する", "saved": "保存しました。",
		"history": "これまでの変更", "when": "日時", "what": "目的", "choice": "選んだこと", "policy": "ポリシーの版",
		"no_history": "変更の記録はまだありません。", "profile": "プロフィールと名簿に表示する項目は、プロフィールのページで変更できます。",
		"yes": "同意", "no": "同意を取り消し",
		"purpose_newsletter": "ニュースレター", "purpose_events": "イベントの案内", "purpose_jobs": "求人の案内",
		"purpose_sidework": "副業・業務委託の案内", "purpose_directory": "アルムナイ名簿への掲載",
	},
	"en": {
		"title":          "What you receive",
		"intro":          "Choose what you receive, purpose by purpose. You can change it any time; each change is recorded with its time and the privacy policy's version.",
		"always":         "Messages about what you do yourself (login links, receipts for RSVPs and applications, a confirmed seat) always reach you, whatever you choose here.",
		"how_newsletter": "About once a month", "how_events": "For each event, a few weeks before it",
		"how_jobs": "When an opening that may suit you is published", "how_sidework": "When there is one",
		"how_directory": "Your name and the fields you chose on your profile, in a directory only members see",
		"on":            "Receive", "off": "Do not receive", "listed": "List me", "unlisted": "Do not list me",
		"since": "Chosen on %s", "since_policy": "Chosen on %s, under the %s", "never": "Not chosen yet: nothing is sent until you choose.", "never_directory": "Not chosen yet: you are not listed until you choose.",
		"policy_dated": "privacy policy of %s", "policy_named": "privacy policy version %s", "edition": "%s",
		"save": "Save", "saved": "Saved.",
		"history": "Your changes", "when": "When", "what": "Purpose", "choice": "Choice", "policy": "Policy version",
		"no_history": "No change recorded yet.", "profile": "Your profile and the fields shown in the directory are on your profile page.",
		"yes": "agreed", "no": "withdrew",
		"purpose_newsletter": "Newsletter", "purpose_events": "Event invitations", "purpose_jobs": "Job offers",
		"purpose_sidework": "Side-work offers", "purpose_directory": "Listing in the alumni directory",
	},
}

// prefsPurposes are the purposes in the page's order: what is sent first,
// the directory last.
var prefsPurposes = []string{"newsletter", "events", "jobs", "sidework", "directory"}

// prefsRow is one purpose of the form. Chosen is false when the member
// never chose (no record, as for a purpose added after they registered):
// then neither answer is ticked, and saving leaves the purpose unchosen.
type prefsRow struct {
	Name, Label, How, Since, Yes, No string
	On, Chosen                       bool
}

type consentRow struct {
	When, What, Choice, Policy string
}

var prefsTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("preferences").Parse(pageHead + `
<h1>{{.T.title}}</h1>
{{if .Saved}}<p class="notice" role="status" tabindex="-1">{{.T.saved}}</p>{{end}}
<p>{{.T.intro}}</p>
<form method="post" action="/api/me/preferences" class="form stack">
<input type="hidden" name="lang" value="{{.Lang}}">
{{range .Rows}}<fieldset class="preference"><legend>{{.Label}}</legend>
<p class="hint">{{.How}}</p>
<div class="check"><input type="radio" id="{{.Name}}-on" name="{{.Name}}" value="on"{{if and .Chosen .On}} checked{{end}}><label for="{{.Name}}-on">{{.Yes}}</label></div>
<div class="check"><input type="radio" id="{{.Name}}-off" name="{{.Name}}" value="off"{{if and .Chosen (not .On)}} checked{{end}}><label for="{{.Name}}-off">{{.No}}</label></div>
<p class="hint">{{.Since}}</p>
</fieldset>
{{end}}<p><button type="submit" class="button">{{.T.save}}</button></p>
</form>
<p>{{.T.always}}</p>
<p><a href="{{.Base}}/members/profile/">{{.T.profile}}</a></p>
<section aria-labelledby="history"><h2 id="history">{{.T.history}}</h2>
{{if .History}}<div class="table-scroll" role="region" aria-labelledby="history" tabindex="0"><table class="stacked"><thead><tr><th scope="col">{{.T.when}}</th><th scope="col">{{.T.what}}</th><th scope="col">{{.T.choice}}</th><th scope="col">{{.T.policy}}</th></tr></thead>
<tbody>{{range .History}}<tr><td data-label="{{$.T.when}}">{{.When}}</td><td data-label="{{$.T.what}}">{{.What}}</td><td data-label="{{$.T.choice}}">{{.Choice}}</td><td data-label="{{$.T.policy}}">{{.Policy}}</td></tr>
{{end}}</tbody></table></div>{{else}}<p>{{.T.no_history}}</p>{{end}}
</section>` + pageFoot))
})

func (h Handler) preferencesPage(w http.ResponseWriter, r *http.Request, m store.Member) {
	lang := pageLang(m, r)
	T := prefsText[lang]
	var rows []prefsRow
	for _, p := range prefsPurposes {
		c, ok := m.Consents[p]
		row := prefsRow{Name: "consent_" + p, Label: T["purpose_"+p], How: T["how_"+p], On: c.Given, Yes: T["on"], No: T["off"], Since: T["never"]}
		if p == "directory" {
			row.Yes, row.No, row.Since = T["listed"], T["unlisted"], T["never_directory"]
		}
		if ok && !c.At.IsZero() {
			row.Chosen = true
			row.Since = fmt.Sprintf(T["since"], brand.DateTime(lang, c.At))
			if v := policyName(lang, c.PolicyVersion); v != "" {
				row.Since = fmt.Sprintf(T["since_policy"], brand.DateTime(lang, c.At), v)
			}
		}
		rows = append(rows, row)
	}
	var history []consentRow
	for _, c := range slices.Backward(m.ConsentHistory) { // newest first
		choice := T["no"]
		if c.Given {
			choice = T["yes"]
		}
		label := T["purpose_"+c.Purpose]
		if label == "" {
			label = c.Purpose
		}
		history = append(history, consentRow{When: brand.DateTime(lang, c.At), What: label, Choice: choice, Policy: policyEdition(lang, c.PolicyVersion)})
	}
	w.Header().Set("Cache-Control", "private, no-store")
	httpapi.RenderTemplate(w, r, http.StatusOK, httpapi.View{Lang: lang, Title: T["title"], Section: httpapi.SectionMembers,
		Other: otherLangPath(lang, "/members/preferences/")}, prefsTmpl(), map[string]any{
		"Lang": lang, "T": T, "Base": pageBase(lang), "Menu": httpapi.NewMemberMenu(lang, "/members/preferences/"),
		"Saved": r.URL.Query().Get("saved") != "", "Rows": rows, "History": history,
	})
}

// policyDate reads a privacy policy version that is a date (2026-04-01,
// or a month, 2026-04) and writes it as the site writes dates; ok is false
// for any other version, to be shown as it is.
func policyDate(lang, v string) (string, bool) {
	if t, err := time.ParseInLocation("2006-01-02", v, brand.Tokyo); err == nil {
		return brand.Date(lang, t), true
	}
	if m := yearMonth(lang, v); m != v {
		return m, true
	}
	return v, false
}

// policyName names the policy a choice was made under, in a sentence:
// 2026年4月1日版のプライバシーポリシー, privacy policy of April 1, 2026.
func policyName(lang, v string) string {
	if v == "" {
		return ""
	}
	d, ok := policyDate(lang, v)
	if !ok {
		return fmt.Sprintf(prefsText[lang]["policy_named"], v)
	}
	return fmt.Sprintf(prefsText[lang]["policy_dated"], d)
}

// policyEdition is the version in a column headed as such: 2026年4月1日版,
// April 1, 2026, or the version as it is.
func policyEdition(lang, v string) string {
	d, ok := policyDate(lang, v)
	if !ok {
		return v
	}
	return fmt.Sprintf(prefsText[lang]["edition"], d)
}

// preferencesInput is the preferences form: each purpose on or off; a
// purpose left out is not changed.
type preferencesInput struct {
	Lang       string `json:"lang"`
	Newsletter *bool  `json:"consent_newsletter"`
	Events     *bool  `json:"consent_events"`
	Jobs       *bool  `json:"consent_jobs"`
	Sidework   *bool  `json:"consent_sidework"`
	Directory  *bool  `json:"consent_directory"`
}

func (h Handler) savePreferences(w http.ResponseWriter, r *http.Request, m store.Member) {
	back := httpapi.PathIn(string(m.Language), "/members/preferences/")
	var in preferencesInput
	if err := httpapi.Decode(w, r, &in); err != nil {
		h.fail(w, r, err, back)
		return
	}
	if in.Lang == "en" || in.Lang == "ja" {
		back = httpapi.PathIn(in.Lang, "/members/preferences/")
	}
	updated, err := h.S.UpdateProfile(r.Context(), m.ID, ProfileInput{ConsentNewsletter: in.Newsletter, ConsentEvents: in.Events,
		ConsentJobs: in.Jobs, ConsentSidework: in.Sidework, ConsentDirectory: in.Directory})
	if err != nil {
		h.fail(w, r, err, back)
		return
	}
	if httpapi.IsForm(r) {
		http.Redirect(w, r, back+"?saved=1", http.StatusSeeOther)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, h.S.meView(updated))
}
