package account

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"

	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// The profile and directory pages are rendered here, not by Hugo, because
// they show one member's own data and must work without JavaScript.

// openToWords name the open-to choices (Profile.OpenTo) and the field
// itself as the member's profile form does; the directory and HR's member
// pages, list, CSV and audit log take the same words from here.
var openToWords = map[string]map[string]string{
	"ja": {"open_to": "興味のあること", "rehire": "再入社（出戻り）", "sidework": "副業・業務委託", "mentoring": "メンタリング", "referrals": "知人の紹介"},
	"en": {"open_to": "Open to", "rehire": "Coming back (re-hire)", "sidework": "Side work and contracts", "mentoring": "Mentoring", "referrals": "Referring friends"},
}

// openToLabel is one open-to choice with the field's name, for a column
// or a changed field: 興味のあること：知人の紹介, Open to: Referring friends.
func openToLabel(lang, flag string) string {
	sep := "："
	if lang == "en" {
		sep = ": "
	}
	return openToWords[lang]["open_to"] + sep + openToWords[lang][flag]
}

var pageText = map[string]map[string]string{
	"ja": {
		"home": "メンバートップ", "profile": "プロフィール", "directory": "アルムナイ名簿", "nav": "メンバーメニュー",
		"profile_title": "プロフィール", "saved": "保存しました。", "basics": "基本情報", "name": "氏名", "kana": "フリガナ",
		"email": "メールアドレス", "email_hint": "変更すると新しいアドレスに確認メールが届きます。確認するまでは今のアドレスが使われます。",
		"pending": "確認待ちの新しいアドレス", "language": "言語", "now": "現在のこと", "company": "現在の勤務先", "role": "役職・職種",
		"location": "地域", "bio": "自己紹介", "bio_hint": "段落のあいだは1行あけてください。行の頭に「- 」を付けると箇条書きになり、ウェブのアドレスはそのままリンクになります。",
		"skills": "スキル（「、」で区切って複数書けます）", "interests": "関心ごと（「、」で区切って複数書けます）",
		"open_to": openToWords["ja"]["open_to"], "rehire": openToWords["ja"]["rehire"], "sidework": openToWords["ja"]["sidework"],
		"mentoring": openToWords["ja"]["mentoring"], "referrals": openToWords["ja"]["referrals"],
		"consents": "メールと掲載への同意", "consent_hint": "いつでも変更できます。変更は日時とポリシーの版とともに記録されます。",
		"c_newsletter": "ニュースレターを受け取る", "c_events": "イベントの案内を受け取る", "c_jobs": "求人の案内を受け取る",
		"c_directory": "アルムナイ名簿に掲載する", "c_sidework": "副業・業務委託の案内を受け取る",
		"visible": "名簿に表示する項目", "visible_hint": "名簿に掲載されると、氏名は常に表示されます。ほかの項目は、チェックしたものだけが表示されます（はじめは在籍時の部署と在籍期間）。メールアドレスは表示されません。",
		"step_title": "名簿にほかに何を表示するか選んでください", "step_body": "いまは氏名・在籍時の部署・在籍期間が名簿に表示されています。勤務先・地域・スキル・自己紹介・興味のあることなどは、選ぶまで表示されません。",
		"step_choose": "表示する項目を選ぶ", "step_keep": "いまの表示のままにする",
		"blocks": "表示しない人（ブロック）", "blocks_hint": "ここにいる人には、名簿であなたが表示されず、あなたにメッセージも送れません。相手には知らされません。",
		"blocks_none": "ブロックしている人はいません。名簿の各メンバーの「この人に表示しない（ブロック）」から追加できます。", "unblock": "ブロックを解除する", "blocked_on": "%sから",
		"unblocked": "ブロックを解除しました。",
		"v_kana":    "フリガナ", "v_department": "在籍時の部署", "v_years": "在籍期間", "v_company": "勤務先", "v_role": "役職・職種",
		"v_location": "地域", "v_bio": "自己紹介", "v_skills": "スキル", "v_interests": "関心ごと", "v_open_to": openToWords["ja"]["open_to"],
		"save": "保存する", "mydata": "わたしのデータ", "export": "登録データをダウンロードする", "export_hint": "登録内容、同意の記録、イベントのお申し込み、応募などを1つのファイルにまとめて保存します。ほかのサービスでも読み込める形式（JSON形式）です。",
		"erase_title": "退会してデータを削除する", "erase_hint": "個人情報をすべて削除し、ログインできなくなります。元に戻せません。",
		"erase_confirm": "削除することを確認しました", "erase": "データを削除する",
		"mine": "応募と紹介",
	},
	"en": {
		"home": "Members' home", "profile": "Profile", "directory": "Alumni directory", "nav": "Members' menu",
		"profile_title": "Your profile", "saved": "Saved.", "basics": "Basics", "name": "Name", "kana": "Kana",
		"email": "Email", "email_hint": "A new address gets a confirmation email; your current address stays in use until you confirm.",
		"pending": "New address waiting for confirmation", "language": "Language", "now": "Now", "company": "Current company", "role": "Role",
		"location": "Location", "bio": "About you", "bio_hint": "Leave an empty line between paragraphs. Start a line with “- ” for a bulleted list; web addresses become links by themselves.",
		"skills": "Skills (separate them with commas)", "interests": "Interests (separate them with commas)",
		"open_to": openToWords["en"]["open_to"], "rehire": openToWords["en"]["rehire"], "sidework": openToWords["en"]["sidework"],
		"mentoring": openToWords["en"]["mentoring"], "referrals": openToWords["en"]["referrals"],
		"consents": "Email and listing consents", "consent_hint": "Change them any time; each change is recorded with its time and policy version.",
		"c_newsletter": "Receive the newsletter", "c_events": "Receive event invitations", "c_jobs": "Receive job offers",
		"c_directory": "List me in the alumni directory", "c_sidework": "Receive side-work offers",
		"visible": "Fields shown in the directory", "visible_hint": "Once you are listed, your name is always shown; of the rest, only what you tick (at first, your department and years at the company). Your email address never is.",
		"step_title": "Choose what else the directory shows", "step_body": "The directory now shows your name, department and years at the company. Your company, location, skills, bio, what you are open to and the rest stay hidden until you choose them.",
		"step_choose": "Choose the fields", "step_keep": "Keep it as it is",
		"blocks": "People you are hidden from (blocks)", "blocks_hint": "The people here do not see you in the directory and cannot message you. They are not told.",
		"blocks_none": "You block nobody. Use “Hide me from this person (block)” on a member in the directory to add someone.", "unblock": "Unblock", "blocked_on": "since %s",
		"unblocked": "Unblocked.",
		"v_kana":    "Kana", "v_department": "Department", "v_years": "Years at the company", "v_company": "Company", "v_role": "Role",
		"v_location": "Location", "v_bio": "Bio", "v_skills": "Skills", "v_interests": "Interests", "v_open_to": openToWords["en"]["open_to"],
		"save": "Save", "mydata": "My data", "export": "Download my data", "export_hint": "Saves your record, consent history, event sign-ups, applications and the rest in one file, in a format other services can read (JSON).",
		"erase_title": "Leave and erase my data", "erase_hint": "Erases all your personal data; you will not be able to log in. This cannot be undone.",
		"erase_confirm": "I understand my data will be erased", "erase": "Erase my data",
		"mine": "Applications and referrals",
	},
}

const pageHead = `<div class="wrap">` + httpapi.MemberNav

const pageFoot = `</div>`

var profileTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("profile").Parse(pageHead + `
<h1>{{.T.profile_title}}</h1>
{{if .Saved}}<p class="notice" role="status">{{.T.saved}}</p>{{end}}
{{if .Unblocked}}<p class="notice" role="status">{{.T.unblocked}}</p>{{end}}
{{if .Step}}<section class="notice step" aria-labelledby="step-title"><h2 id="step-title">{{.T.step_title}}</h2><p>{{.T.step_body}}</p>
<form method="post" action="/api/me/profile" class="step-actions"><input type="hidden" name="visible_set" value="true">{{range .Visible}}{{if .On}}<input type="hidden" name="visible" value="{{.Name}}">{{end}}{{end}}
<a class="button" href="#visible">{{.T.step_choose}}</a> <button type="submit" class="button button-secondary">{{.T.step_keep}}</button></form></section>{{end}}
<form method="post" action="/api/me/profile" class="form stack">
<fieldset><legend>{{.T.basics}}</legend>
<div class="field"><label for="name">{{.T.name}}</label><input id="name" name="name" value="{{.M.Name}}" required maxlength="100" autocomplete="name"></div>
<div class="field"><label for="kana">{{.T.kana}}</label><input id="kana" name="kana" value="{{.M.Kana}}" maxlength="100"></div>
<div class="field"><label for="email">{{.T.email}}</label><input id="email" name="email" type="email" value="{{.M.Email}}" required autocomplete="email" aria-describedby="email-hint"><p id="email-hint" class="hint">{{.T.email_hint}}</p>
{{if .M.PendingEmail}}<p class="notice">{{.T.pending}}: {{.M.PendingEmail}}</p>{{end}}</div>
<div class="field"><label for="language">{{.T.language}}</label><select id="language" name="language"><option value="ja"{{if eq .M.Language "ja"}} selected{{end}}>日本語</option><option value="en"{{if eq .M.Language "en"}} selected{{end}}>English</option></select></div>
</fieldset>
<fieldset><legend>{{.T.now}}</legend>
<div class="field"><label for="company">{{.T.company}}</label><input id="company" name="company" value="{{.M.Profile.Company}}" maxlength="100" autocomplete="organization"></div>
<div class="field"><label for="role">{{.T.role}}</label><input id="role" name="role" value="{{.M.Profile.Role}}" maxlength="100" autocomplete="organization-title"></div>
<div class="field"><label for="location">{{.T.location}}</label><input id="location" name="location" value="{{.M.Profile.Location}}" maxlength="100"></div>
<div class="field"><label for="bio">{{.T.bio}}</label><textarea id="bio" name="bio" rows="6" maxlength="2000" aria-describedby="bio-hint">{{.M.Profile.Bio}}</textarea><p id="bio-hint" class="hint">{{.T.bio_hint}}</p></div>
<div class="field"><label for="skills">{{.T.skills}}</label><input id="skills" name="skills" value="{{.Skills}}"></div>
<div class="field"><label for="interests">{{.T.interests}}</label><input id="interests" name="interests" value="{{.Interests}}"></div>
</fieldset>
<fieldset><legend>{{.T.open_to}}</legend>
{{range .OpenTo}}<div class="check"><input type="hidden" name="{{.Name}}" value="off"><input type="checkbox" id="{{.Name}}" name="{{.Name}}"{{if .On}} checked{{end}}><label for="{{.Name}}">{{.Label}}</label></div>
{{end}}</fieldset>
<fieldset><legend>{{.T.consents}}</legend><p class="hint">{{.T.consent_hint}}</p>
{{range .Consents}}<div class="check"><input type="hidden" name="{{.Name}}" value="off"><input type="checkbox" id="{{.Name}}" name="{{.Name}}"{{if .On}} checked{{end}}><label for="{{.Name}}">{{.Label}}</label></div>
{{end}}</fieldset>
<fieldset id="visible" tabindex="-1"><legend>{{.T.visible}}</legend><p class="hint">{{.T.visible_hint}}</p><input type="hidden" name="visible_set" value="true">
{{range .Visible}}<div class="check"><input type="checkbox" id="visible-{{.Name}}" name="visible" value="{{.Name}}"{{if .On}} checked{{end}}><label for="visible-{{.Name}}">{{.Label}}</label></div>
{{end}}</fieldset>
<p><button type="submit" class="button">{{.T.save}}</button></p>
</form>
<section aria-labelledby="blocks" class="blocks"><h2 id="blocks">{{.T.blocks}}</h2><p class="hint">{{.T.blocks_hint}}</p>
{{if .Blocks}}<ul role="list">{{range .Blocks}}<li><form method="post" action="/api/directory/{{.ID}}/unblock"><input type="hidden" name="next" value="{{$.Base}}/members/profile/?unblocked=1#blocks">
<span>{{.Name}}</span> <span class="hint">{{.Since}}</span> <button type="submit" class="button button-secondary" aria-label="{{$.T.unblock}}: {{.Name}}">{{$.T.unblock}}</button></form></li>
{{end}}</ul>{{else}}<p>{{.T.blocks_none}}</p>{{end}}</section>
<section aria-labelledby="mydata" class="my-data"><h2 id="mydata">{{.T.mydata}}</h2>
<p class="hint" id="export-hint">{{.T.export_hint}}</p>
<p><a class="button button-secondary" href="/api/me/export" download aria-describedby="export-hint">{{.T.export}}</a></p>
<form method="post" action="/api/me/erase" class="danger">
<h3>{{.T.erase_title}}</h3><p>{{.T.erase_hint}}</p>
<div class="check"><input type="checkbox" id="confirm" name="confirm" value="yes" required><label for="confirm">{{.T.erase_confirm}}</label></div>
<p><button type="submit" class="button button-danger">{{.T.erase}}</button></p></form>
</section>` + pageFoot))
})

type option struct {
	Name, Label string
	On          bool
}

func pageLang(m store.Member, r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, "/en/") {
		return "en"
	}
	return "ja"
}

func pageBase(lang string) string {
	if lang == "en" {
		return "/en"
	}
	return ""
}

func otherLangPath(lang, path string) string {
	if lang == "en" {
		return strings.TrimPrefix(path, "/en")
	}
	return "/en" + path
}

func (h Handler) profilePage(w http.ResponseWriter, r *http.Request, m store.Member) {
	lang := pageLang(m, r)
	T := pageText[lang]
	flags := []struct {
		name, label string
		on          bool
	}{{"open_to_rehire", T["rehire"], m.Profile.OpenTo.Rehire}, {"open_to_sidework", T["sidework"], m.Profile.OpenTo.Sidework},
		{"open_to_mentoring", T["mentoring"], m.Profile.OpenTo.Mentoring}, {"open_to_referrals", T["referrals"], m.Profile.OpenTo.Referrals}}
	var openTo, consents, visible []option
	for _, f := range flags {
		openTo = append(openTo, option{f.name, f.label, f.on})
	}
	for _, p := range OptionalPurposes {
		consents = append(consents, option{"consent_" + p, T["c_"+p], m.Consents[p].Given})
	}
	for _, f := range DirectoryFields {
		visible = append(visible, option{f, T["v_"+f], contains(m.Profile.Visible, f)})
	}
	blocks, err := h.S.Blocks(r.Context(), m)
	if err != nil {
		h.failIn(w, r, err, "", lang)
		return
	}
	type blockRow struct{ ID, Name, Since string }
	var rows []blockRow
	for _, b := range blocks {
		rows = append(rows, blockRow{b.ID, b.Name, fmt.Sprintf(T["blocked_on"], brand.Date(lang, b.At))})
	}
	httpapi.RenderTemplate(w, r, http.StatusOK, httpapi.View{Lang: lang, Title: T["profile_title"], Section: httpapi.SectionMembers,
		Other: otherLangPath(lang, "/members/profile/")}, profileTmpl(), map[string]any{
		"Blocks": rows, "Unblocked": r.URL.Query().Get("unblocked") != "",
		// The first time, a listed member is asked what else to show.
		"Step": listed(m) && m.Profile.VisibleChosenAt.IsZero(),
		"Lang": lang, "T": T, "Title": T["profile_title"], "Base": pageBase(lang), "Page": "profile", "Menu": httpapi.NewMemberMenu(lang, "/members/profile/"),
		"Other": otherLangPath(lang, "/members/profile/"), "M": m, "Saved": r.URL.Query().Get("saved") != "",
		"Skills": strings.Join(m.Profile.Skills, ", "), "Interests": strings.Join(m.Profile.Interests, ", "),
		"OpenTo": openTo, "Consents": consents, "Visible": visible,
	})
}
