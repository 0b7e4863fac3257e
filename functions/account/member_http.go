package account

import (
	"cmp"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// HR's page for one member (/hr/members/{id}) and the actions on it, each
// a form with a confirmation checkbox that posts and comes back here with
// what was done.

func (h Handler) hrMember(w http.ResponseWriter, r *http.Request, admin store.Member) {
	ctx := r.Context()
	lang := hrLang(admin)
	T := memberText[lang]
	rec, err := h.S.Record(ctx, r.PathValue("id"))
	if err != nil {
		h.failIn(w, r, err, "/hr/members", lang)
		return
	}
	h.S.audit(ctx, "hr:"+admin.ID, "member.read", rec.Member.ID)
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		httpapi.WriteJSON(w, http.StatusOK, rec)
		return
	}
	holders, err := h.S.roleHolders(ctx)
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), "/hr/members")
		return
	}
	m := rec.Member
	when, date := hrWhen(lang), hrDate(lang)
	names := &auditNames{ctx: ctx, s: h.S.Store, lang: lang, cache: map[string]string{}}
	actorName := func(actor string) string {
		if actor == m.ID {
			return T["themselves"]
		}
		return names.actor(actor)
	}
	var consents, history, rsvps, decisions, audit [][]string
	for _, p := range sortedConsents(m) {
		c, ok := m.Consents[p]
		if !ok {
			continue
		}
		consents = append(consents, []string{cmp.Or(T["consent_"+p], p), yesNo(T, c.Given), policyEdition(lang, c.PolicyVersion), date(c.At)})
	}
	for i := len(m.ConsentHistory) - 1; i >= 0; i-- {
		c := m.ConsentHistory[i]
		history = append(history, []string{when(c.At), cmp.Or(T["consent_"+c.Purpose], c.Purpose), yesNo(T, c.Given), policyEdition(lang, c.PolicyVersion)})
	}
	for _, d := range m.Decisions {
		decisions = append(decisions, []string{when(d.At), cmp.Or(T["st_"+string(d.Status)], string(d.Status)), actorName(d.By)})
	}
	for _, x := range rec.RSVPs {
		e := rec.Events[x.EventID]
		title := cmp.Or(text(e.Title, lang), x.EventID)
		start := ""
		if !e.Start.IsZero() {
			start = date(e.Start)
		}
		rsvps = append(rsvps, []string{title, start, cmp.Or(T["rsvp_"+string(x.Status)], string(x.Status)), strconv.Itoa(x.Guests)})
	}
	type link struct{ Href, Text, Date, Status string }
	var apps, refs []link
	for _, a := range rec.Applications {
		apps = append(apps, link{"/hr/applications/" + a.ID, cmp.Or(rec.Jobs[a.JobID].TitleIn(lang), a.JobID), date(a.CreatedAt), httpapi.StageLabel(lang, string(a.Status))})
	}
	for _, x := range rec.Referrals {
		refs = append(refs, link{"", cmp.Or(rec.Jobs[x.JobID].TitleIn(lang), x.JobID), date(x.CreatedAt), cmp.Or(T["ref_"+string(x.Outcome)], string(x.Outcome))})
	}
	for _, e := range rec.Audit {
		audit = append(audit, []string{when(e.At), actorName(e.Actor), actionLabel(lang, e.Action), cmp.Or(strings.Join(fieldNames(lang, e.Fields), T["sep"]), "—")})
	}
	self := m.ID == admin.ID
	isHR := m.HasRole(store.RoleHR)
	data := map[string]any{"T": T, "M": m, "Menu": httpapi.NewHRMenu(lang, "/hr/members"),
		"Status":    T["st_"+string(m.Status)],
		"Consents":  hrTable{T["consents_caption"], T["none"], []string{T["purpose"], T["given"], T["policy"], T["since"]}, consents},
		"History":   hrTable{T["history"], T["none"], []string{T["when"], T["purpose"], T["given"], T["policy"]}, history},
		"Decisions": hrTable{T["decisions"], T["none"], []string{T["when"], T["decision"], T["by"]}, decisions},
		"RSVPs":     hrTable{T["rsvps"], T["none"], []string{T["event"], T["date"], T["status"], T["guests"]}, rsvps},
		"Audit":     hrTable{T["audit"], T["none"], []string{T["when"], T["by"], T["what"], T["fields"]}, audit},
		"Apps":      apps, "Refs": refs, "MoreAudit": rec.MoreAudit, "Registered": date(m.CreatedAt), "Updated": when(m.UpdatedAt),
		"Self": self, "IsHR": isHR, "Lang": T["lang_"+string(m.Language)], "Years": employment(lang, m.Joined, m.Left),
		"CanSuspend": !self && m.Status == store.StatusApproved, "CanRestore": !self && m.Status == store.StatusSuspended,
		"CanGrant": !isHR && m.Status == store.StatusApproved, "CanRevoke": !self && isHR && holders > 1,
		"CanErase": !self, "Notice": T["done_"+r.URL.Query().Get("done")],
		"Open": openWords(T, m.Profile.OpenTo),
	}
	httpapi.RenderTemplate(w, r, http.StatusOK, httpapi.View{Lang: lang, Title: m.Name + " · " + T["title"], Section: httpapi.SectionMembers},
		memberTmpl(), data)
}

// hrTable is a small table of the member page, or None when it has no rows.
type hrTable struct {
	Caption, None string
	Heads         []string
	Rows          [][]string
}

func yesNo(T map[string]string, b bool) string {
	if b {
		return T["yes"]
	}
	return T["no"]
}

func fieldNames(lang string, fields []string) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = auditFieldLabel(lang, f)
	}
	return out
}

func openWords(T map[string]string, o store.OpenTo) string {
	var out []string
	for _, f := range []struct {
		on   bool
		name string
	}{{o.Rehire, "rehire"}, {o.Referrals, "referrals"}, {o.Sidework, "sidework"}, {o.Mentoring, "mentoring"}} {
		if f.on {
			out = append(out, T["open_"+f.name])
		}
	}
	return strings.Join(out, T["sep"])
}

type correctInput struct {
	Department string `json:"department"`
	Joined     string `json:"joined"`
	Left       string `json:"left"`
	Version    string `json:"version"`
	Confirm    string `json:"confirm"`
}

type confirmInput struct {
	Confirm string `json:"confirm"`
}

// memberBack is the member's page, where every action comes back to.
func memberBack(id string) string { return "/hr/members/" + url.PathEscape(id) }

func (h Handler) hrCorrect(w http.ResponseWriter, r *http.Request, admin store.Member) {
	id := r.PathValue("id")
	var in correctInput
	if err := httpapi.Decode(w, r, &in); err != nil {
		h.fail(w, r, err, memberBack(id))
		return
	}
	version, err := strconv.ParseInt(cmp.Or(in.Version, "0"), 10, 64)
	if err != nil || version < 0 {
		h.fail(w, r, httpapi.Invalid(httpapi.FieldError{Field: "version", Code: "format"}), memberBack(id))
		return
	}
	if httpapi.IsForm(r) && in.Confirm != "yes" {
		h.fail(w, r, httpapi.Invalid(httpapi.FieldError{Field: "confirm", Code: "must_true"}), memberBack(id))
		return
	}
	m, err := h.S.Correct(r.Context(), "hr:"+admin.ID, id, Correction{Department: in.Department, Joined: in.Joined, Left: in.Left, Version: version})
	h.done(w, r, m, err, id, "corrected")
}

func (h Handler) hrSuspend(w http.ResponseWriter, r *http.Request, admin store.Member) {
	h.confirmed(w, r, admin, "suspended", func(id string) (store.Member, error) { return h.S.Suspend(r.Context(), admin, id) })
}

func (h Handler) hrRestore(w http.ResponseWriter, r *http.Request, admin store.Member) {
	h.confirmed(w, r, admin, "restored", func(id string) (store.Member, error) { return h.S.Restore(r.Context(), admin, id) })
}

func (h Handler) hrMemberGrant(w http.ResponseWriter, r *http.Request, admin store.Member) {
	h.confirmed(w, r, admin, "granted", func(id string) (store.Member, error) {
		return h.S.SetRole(r.Context(), "hr:"+admin.ID, id, store.RoleHR, true)
	})
}

func (h Handler) hrMemberRevoke(w http.ResponseWriter, r *http.Request, admin store.Member) {
	h.confirmed(w, r, admin, "revoked", func(id string) (store.Member, error) {
		if id == admin.ID {
			return admin, errSelf
		}
		return h.S.SetRole(r.Context(), "hr:"+admin.ID, id, store.RoleHR, false)
	})
}

// hrMemberErase erases a member on their request, from their page: the
// member's data goes (Service.Erase) and HR lands on the member list.
func (h Handler) hrMemberErase(w http.ResponseWriter, r *http.Request, admin store.Member) {
	id := r.PathValue("id")
	var in confirmInput
	if err := httpapi.Decode(w, r, &in); err != nil {
		h.fail(w, r, err, memberBack(id))
		return
	}
	switch {
	case in.Confirm != "yes":
		h.fail(w, r, httpapi.Invalid(httpapi.FieldError{Field: "confirm", Code: "must_true"}), memberBack(id))
		return
	case id == admin.ID:
		h.fail(w, r, errSelf, memberBack(id))
		return
	}
	if err := h.S.Erase(r.Context(), id, "hr:"+admin.ID); err != nil {
		h.fail(w, r, err, memberBack(id))
		return
	}
	if httpapi.IsForm(r) {
		http.Redirect(w, r, "/hr/members?done=erased", http.StatusSeeOther)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// confirmed runs an action that needs only the confirmation checkbox.
func (h Handler) confirmed(w http.ResponseWriter, r *http.Request, admin store.Member, done string, act func(id string) (store.Member, error)) {
	id := r.PathValue("id")
	var in confirmInput
	if err := httpapi.Decode(w, r, &in); err != nil {
		h.fail(w, r, err, memberBack(id))
		return
	}
	if httpapi.IsForm(r) && in.Confirm != "yes" {
		h.fail(w, r, httpapi.Invalid(httpapi.FieldError{Field: "confirm", Code: "must_true"}), memberBack(id))
		return
	}
	m, err := act(id)
	h.done(w, r, m, err, id, done)
}

// done answers an action: back to the member's page with what was done
// (a form), or the member's id, status and roles (JSON).
func (h Handler) done(w http.ResponseWriter, r *http.Request, m store.Member, err error, id, done string) {
	if err != nil {
		h.fail(w, r, err, memberBack(id))
		return
	}
	if httpapi.IsForm(r) {
		http.Redirect(w, r, memberBack(id)+"?done="+done, http.StatusSeeOther)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"id": m.ID, "status": m.Status, "roles": m.Roles, "department": m.Department,
		"joined": m.Joined, "left": m.Left, "version": m.Version})
}

var memberTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("member").Parse(`<div class="wrap hr member-page">` + httpapi.HRNav + `
<p class="back"><a href="/hr/members">{{.T.back}}</a></p>
<h1>{{.M.Name}}{{if .M.Kana}} <small>（{{.M.Kana}}）</small>{{end}}</h1>
{{if .Notice}}<p class="notice" role="status">{{.Notice}}</p>{{end}}
<p><span class="badge" data-status="{{.M.Status}}">{{.Status}}</span>{{if .IsHR}} <span class="badge">{{.T.hr_role}}</span>{{end}}{{if .Self}} {{.T.you}}{{end}}</p>
<h2>{{.T.basics}}</h2>
<dl class="facts">
<div><dt>{{.T.email}}</dt><dd>{{.M.Email}}{{if .M.PendingEmail}}<br><small>{{.T.pending_email}} {{.M.PendingEmail}}</small>{{end}}</dd></div>
{{if .M.Roman}}<div><dt>{{.T.roman}}</dt><dd>{{.M.Roman}}</dd></div>{{end}}
<div><dt>{{.T.department}}</dt><dd id="m-department">{{.M.Department}}</dd></div>
<div><dt>{{.T.years}}</dt><dd id="m-years">{{.Years}}</dd></div>
{{if .M.EmployeeNumber}}<div><dt>{{.T.employee_number}}</dt><dd>{{.M.EmployeeNumber}}</dd></div>{{end}}
<div><dt>{{.T.roster}}</dt><dd>{{if .M.RosterNumber}}{{.M.RosterNumber}}{{else}}{{.T.roster_none}}{{end}}</dd></div>
<div><dt>{{.T.language}}</dt><dd>{{.Lang}}</dd></div>
<div><dt>{{.T.registered}}</dt><dd>{{.Registered}}</dd></div>
<div><dt>{{.T.updated}}</dt><dd>{{.Updated}}</dd></div>
</dl>
<h2>{{.T.profile}}</h2>
<dl class="facts">
<div><dt>{{.T.company}}</dt><dd>{{or .M.Profile.Company "—"}}</dd></div>
<div><dt>{{.T.role}}</dt><dd>{{or .M.Profile.Role "—"}}</dd></div>
<div><dt>{{.T.location}}</dt><dd>{{or .M.Profile.Location "—"}}</dd></div>
<div><dt>{{.T.open}}</dt><dd>{{or .Open "—"}}</dd></div>
</dl>
<h2>{{.T.consents}}</h2>
{{template "table" .Consents}}
{{if .History.Rows}}<details><summary>{{.T.history}} ({{len .History.Rows}})</summary>
{{template "table" .History}}</details>{{end}}
{{if .Decisions.Rows}}<h2>{{.T.decisions}}</h2>
{{template "table" .Decisions}}{{end}}
<h2>{{.T.rsvps}}</h2>
{{template "table" .RSVPs}}
<h2>{{.T.apps}}</h2>
{{if .Apps}}<ul class="plain">{{range .Apps}}<li><a href="{{.Href}}">{{.Text}}</a> · {{.Date}} · {{.Status}}</li>{{end}}</ul>{{else}}<p>{{.T.none}}</p>{{end}}
<h2>{{.T.refs}}</h2>
{{if .Refs}}<ul class="plain">{{range .Refs}}<li>{{.Text}} · {{.Date}} · {{.Status}}</li>{{end}}</ul>{{else}}<p>{{.T.none}}</p>{{end}}
<h2>{{.T.audit}}</h2>
{{template "table" .Audit}}
{{if .MoreAudit}}<p class="hint">{{.T.more_audit}}</p>{{end}}

<h2 id="actions">{{.T.actions}}</h2>
<details class="action"><summary>{{.T.correct}}</summary>
<form method="post" action="/api/hr/members/{{.M.ID}}/correct" class="form stack">
<p class="hint">{{.T.correct_note}}</p>
<input type="hidden" name="version" value="{{.M.Version}}">
<div class="field"><label for="c-department">{{.T.department}}</label><input id="c-department" name="department" value="{{.M.Department}}" required maxlength="100"></div>
<div class="field"><label for="c-joined">{{.T.joined}}</label><input id="c-joined" name="joined" value="{{.M.Joined}}" required inputmode="numeric" placeholder="2015-04"></div>
<div class="field"><label for="c-left">{{.T.left}}</label><input id="c-left" name="left" value="{{.M.Left}}" required inputmode="numeric" placeholder="2020-03"></div>
<div class="check"><input type="checkbox" id="c-confirm" name="confirm" value="yes" required><label for="c-confirm">{{.T.correct_confirm}}</label></div>
<p><button type="submit" class="button">{{.T.correct_button}}</button></p>
</form></details>
{{if .CanSuspend}}<details class="action"><summary>{{.T.suspend}}</summary>
<form method="post" action="/api/hr/members/{{.M.ID}}/suspend" class="form stack">
<p class="hint">{{.T.suspend_note}}</p>
<div class="check"><input type="checkbox" id="s-confirm" name="confirm" value="yes" required><label for="s-confirm">{{.T.suspend_confirm}}</label></div>
<p><button type="submit" class="button button-secondary">{{.T.suspend_button}}</button></p>
</form></details>{{end}}
{{if .CanRestore}}<details class="action" open><summary>{{.T.restore}}</summary>
<form method="post" action="/api/hr/members/{{.M.ID}}/restore" class="form stack">
<div class="check"><input type="checkbox" id="r-confirm" name="confirm" value="yes" required><label for="r-confirm">{{.T.restore_confirm}}</label></div>
<p><button type="submit" class="button">{{.T.restore_button}}</button></p>
</form></details>{{end}}
{{if .CanGrant}}<details class="action"><summary>{{.T.grant}}</summary>
<form method="post" action="/api/hr/members/{{.M.ID}}/grant" class="form stack">
<div class="check"><input type="checkbox" id="g-confirm" name="confirm" value="yes" required><label for="g-confirm">{{.T.grant_confirm}}</label></div>
<p><button type="submit" class="button button-secondary">{{.T.grant_button}}</button></p>
</form></details>{{end}}
{{if .CanRevoke}}<details class="action"><summary>{{.T.revoke}}</summary>
<form method="post" action="/api/hr/members/{{.M.ID}}/revoke" class="form stack">
<div class="check"><input type="checkbox" id="v-confirm" name="confirm" value="yes" required><label for="v-confirm">{{.T.revoke_confirm}}</label></div>
<p><button type="submit" class="button button-secondary">{{.T.revoke_button}}</button></p>
</form></details>{{end}}
{{if .CanErase}}<details class="action danger"><summary>{{.T.erase}}</summary>
<form method="post" action="/api/hr/members/{{.M.ID}}/erase" class="form stack">
<p class="hint">{{.T.erase_note}}</p>
<div class="check"><input type="checkbox" id="e-confirm" name="confirm" value="yes" required><label for="e-confirm">{{.T.erase_confirm}}</label></div>
<p><button type="submit" class="button button-danger">{{.T.erase_button}}</button></p>
</form></details>{{end}}
{{if .Self}}<p class="hint">{{.T.self_note}}</p>{{end}}
</div>
{{define "table"}}{{if .Rows}}<div class="table-scroll" role="region" aria-label="{{.Caption}}" tabindex="0"><table class="stacked">
<thead><tr>{{range .Heads}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>{{range .Rows}}<tr>{{range $i, $c := .}}<td data-label="{{index $.Heads $i}}">{{$c}}</td>{{end}}</tr>
{{end}}</tbody></table></div>{{else}}<p>{{.None}}</p>{{end}}{{end}}`))
})

var memberText = map[string]map[string]string{
	"ja": {"title": "メンバー", "back": "メンバー一覧へ", "hr_role": "管理者", "you": "（あなたです）",
		"basics": "登録内容", "email": "メールアドレス", "pending_email": "確認待ちの新しいアドレス:", "roman": "ローマ字", "department": "部署",
		"years": "在籍期間", "employee_number": "社員番号（本人入力）", "roster": "照合した退職者名簿", "roster_none": "照合していません",
		"language": "言語", "lang_ja": "日本語", "lang_en": "英語", "registered": "登録日", "updated": "最終更新",
		"profile": "プロフィール", "company": "現在の勤務先", "role": "役職・職種", "location": "地域", "open": openToWords["ja"]["open_to"],
		"consents": "同意", "consents_caption": "現在の同意", "purpose": "目的", "given": "同意", "policy": "ポリシーの版", "since": "日付",
		"history": "同意の変更履歴", "when": "日時", "decisions": "審査の記録", "decision": "判断", "by": "操作した人",
		"rsvps": "イベント", "event": "イベント", "date": "開催日", "status": "状態", "guests": "同伴者",
		"apps": "応募", "refs": "紹介した方", "audit": "操作の記録（新しい順）", "what": "内容", "fields": "項目",
		"more_audit": "新しい 50 件を表示しています。", "none": "ありません。", "yes": "あり", "no": "なし",
		"themselves": "本人", "sep": "、",
		"st_undone":       "取り消し",
		"consent_privacy": "プライバシーポリシー", "consent_newsletter": "ニュースレター", "consent_events": "イベントの案内", "consent_jobs": "求人の案内",
		"consent_directory": "名簿への掲載", "consent_sidework": "副業・業務委託の案内",
		"rsvp_confirmed": "参加", "rsvp_waitlisted": "キャンセル待ち", "rsvp_offered": "空席のご案内中", "rsvp_cancelled": "キャンセル", "rsvp_lapsed": "期限切れ",
		"ref_referred": "紹介済み", "ref_contacted": "連絡済み", "ref_applied": "応募あり", "ref_hired": "採用", "ref_not-hired": "不採用", "ref_declined": "辞退",
		"actions": "操作", "correct": "部署・在籍期間を訂正する", "correct_note": "ご本人から訂正の依頼があったときに使います。名簿の照合はやり直しません。",
		"joined": "入社年月", "left": "退職年月", "correct_confirm": "ご本人の依頼に基づく訂正であることを確認しました", "correct_button": "訂正する",
		"suspend": "利用を停止する", "suspend_note": "すぐにログインが切れ、再開するまでログインできなくなります。ニュースレターやイベントの案内も届かなくなります。データは消えません。",
		"suspend_confirm": "この方の利用を停止してよいことを確認しました", "suspend_button": "利用を停止する",
		"restore": "利用を再開する", "restore_confirm": "この方の利用を再開してよいことを確認しました", "restore_button": "利用を再開する",
		"grant": "管理者にする", "grant_confirm": "この方に事務局の全ページを見せてよいことを確認しました", "grant_button": "管理者にする",
		"revoke": "管理者の役割を解除する", "revoke_confirm": "解除してよいことを確認しました", "revoke_button": "役割を解除する",
		"erase": "削除する（本人の依頼）", "erase_note": "登録内容、ログイン、イベントの申し込み、応募の個人情報、照合した名簿の行を削除し、ご本人に完了のメールを送ります。元に戻せません。操作の記録（ID と項目名だけ）は残ります。",
		"erase_confirm": "ご本人から削除の依頼を受けたこと、元に戻せないことを確認しました", "erase_button": "完全に削除する",
		"self_note":      "ご自身の利用停止・削除・管理者の解除は、ほかの管理者が行います。",
		"done_corrected": "登録内容を訂正しました。", "done_suspended": "利用を停止しました。ログインは切れています。", "done_restored": "利用を再開しました。",
		"done_granted": "管理者の役割を付与しました。", "done_revoked": "管理者の役割を解除しました。"},
	"en": {"title": "Member", "back": "All members", "hr_role": "Administrator", "you": "(this is you)",
		"basics": "Record", "email": "Email", "pending_email": "New address waiting for confirmation:", "roman": "In roman letters", "department": "Department",
		"years": "Employed", "employee_number": "Employee number (as entered)", "roster": "Matched roster entry", "roster_none": "Not matched",
		"language": "Language", "lang_ja": "Japanese", "lang_en": "English", "registered": "Registered", "updated": "Last updated",
		"profile": "Profile", "company": "Current company", "role": "Role", "location": "Location", "open": openToWords["en"]["open_to"],
		"consents": "Consents", "consents_caption": "Current consents", "purpose": "Purpose", "given": "Given", "policy": "Policy version", "since": "Date",
		"history": "Consent history", "when": "When", "decisions": "Review decisions", "decision": "Decision", "by": "By",
		"rsvps": "Events", "event": "Event", "date": "Date", "status": "Status", "guests": "Guests",
		"apps": "Applications", "refs": "Referrals made", "audit": "Audit trail (newest first)", "what": "What", "fields": "Fields",
		"more_audit": "Showing the newest 50.", "none": "None.", "yes": "Yes", "no": "No",
		"themselves": "The member", "sep": ", ",
		"st_undone":       "Undone",
		"consent_privacy": "Privacy policy", "consent_newsletter": "Newsletter", "consent_events": "Event news", "consent_jobs": "Job news",
		"consent_directory": "Listed in the directory", "consent_sidework": "Side-work news",
		"rsvp_confirmed": "Attending", "rsvp_waitlisted": "Waitlisted", "rsvp_offered": "Seat offered", "rsvp_cancelled": "Cancelled", "rsvp_lapsed": "Offer lapsed",
		"ref_referred": "Referred", "ref_contacted": "Contacted", "ref_applied": "Applied", "ref_hired": "Hired", "ref_not-hired": "Not hired", "ref_declined": "Declined",
		"actions": "Actions", "correct": "Correct the department or years", "correct_note": "Use this when the member asks for a correction. The roster match is not redone.",
		"joined": "Joined (year and month)", "left": "Left (year and month)", "correct_confirm": "I confirm the member asked for this correction", "correct_button": "Correct",
		"suspend": "Suspend", "suspend_note": "They are logged out at once and cannot log in until restored; newsletters and event news stop too. Nothing is deleted.",
		"suspend_confirm": "I confirm this member may be suspended", "suspend_button": "Suspend",
		"restore": "Restore", "restore_confirm": "I confirm this member may use the portal again", "restore_button": "Restore",
		"grant": "Make administrator", "grant_confirm": "I confirm this person may see every HR page", "grant_button": "Make administrator",
		"revoke": "Revoke the administrator role", "revoke_confirm": "I confirm the removal", "revoke_button": "Revoke the role",
		"erase": "Erase (on their request)", "erase_note": "Deletes their record, logins, event sign-ups, the personal part of their applications and their matched roster entry, and mails them that it is done. This cannot be undone. The audit log (ids and field names only) stays.",
		"erase_confirm": "I confirm the member asked to be erased and that this cannot be undone", "erase_button": "Erase for good",
		"self_note":      "Suspending, erasing or revoking your own record is done by another administrator.",
		"done_corrected": "The record is corrected.", "done_suspended": "The member is suspended and logged out.", "done_restored": "The member is restored.",
		"done_granted": "The administrator role was granted.", "done_revoked": "The administrator role was revoked."},
}

// The member list's words for statuses and open-to flags are the page's too.
func init() {
	for lang, words := range membersText {
		for k, v := range words {
			if strings.HasPrefix(k, "st_") || strings.HasPrefix(k, "open_") {
				memberText[lang][k] = v
			}
		}
	}
}
