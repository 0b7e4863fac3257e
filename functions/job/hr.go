package job

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/blob"
	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// HR's pipeline: /hr/jobs lists postings with counts per status, /hr/jobs/{id}
// one posting's applications and referrals, /hr/applications every
// application on a board by stage (hr_board.go), /hr/applications/{id} one
// application with its history and the form that moves it, /hr/referrals
// every referral grouped by alumnus. The CSV exports speak the pages'
// language and carry a UTF-8 BOM, so Excel opens the Japanese text correctly.

// HRApplication is an application with what HR's pages show beside it.
type HRApplication struct {
	store.Application
	Job         store.Job
	Applicant   store.Member // zero once erased
	StatusLabel string
	Applied     string
	Updated     string
	Targets     []option // statuses it may move to
}

// HRReferral is a referral with its job and referrer.
type HRReferral struct {
	store.Referral
	Job          store.Job
	Referrer     store.Member
	OutcomeLabel string
	Relationship string
	Date         string
	// The friend's answer from the referral's landing page, if any.
	AnswerLabel, AnsweredLabel string
}

type option struct {
	Value, Label string
	Selected     bool
}

// hrLang is the administrator's language.
func hrLang(m store.Member) string { return memberLang(m) }

// allApplications reads the applications of every posting (tens of
// postings; each page of a job's list is one query), filtered.
func (s *Service) allApplications(ctx context.Context, jobs []store.Job, status store.ApplicationStatus) ([]store.Application, error) {
	var out []store.Application
	for _, j := range jobs {
		page := store.Page{Limit: store.MaxPageLimit}
		for {
			apps, next, err := s.Store.ListApplicationsByJob(ctx, j.ID, page)
			if err != nil {
				return nil, err
			}
			for _, a := range apps {
				if status == "" || a.Status == status {
					out = append(out, a)
				}
			}
			if next == "" {
				break
			}
			page.Cursor = next
		}
	}
	slices.SortFunc(out, func(a, b store.Application) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

func (s *Service) allReferrals(ctx context.Context, jobs []store.Job) ([]store.Referral, error) {
	var out []store.Referral
	for _, j := range jobs {
		page := store.Page{Limit: store.MaxPageLimit}
		for {
			refs, next, err := s.Store.ListReferralsByJob(ctx, j.ID, page)
			if err != nil {
				return nil, err
			}
			out = append(out, refs...)
			if next == "" {
				break
			}
			page.Cursor = next
		}
	}
	slices.SortFunc(out, func(a, b store.Referral) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

// members reads each person once per page.
type members struct {
	s     *Service
	cache map[string]store.Member
}

func (m *members) get(ctx context.Context, id string) store.Member {
	if id == "" {
		return store.Member{}
	}
	if v, ok := m.cache[id]; ok {
		return v
	}
	v, err := m.s.Store.GetMember(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		m.s.Log.ErrorContext(ctx, "read member", "err", err)
	}
	m.cache[id] = v
	return v
}

func (s *Service) hrApplication(ctx context.Context, ms *members, a store.Application, j store.Job, lang string) HRApplication {
	v := HRApplication{Application: a, Job: j, Applicant: ms.get(ctx, a.MemberID), StatusLabel: statusLabel(lang, a.Status),
		Applied: brand.DateTime(lang, a.CreatedAt), Updated: brand.DateTime(lang, a.UpdatedAt)}
	for _, st := range store.ApplicationStatuses {
		if st == a.Status || store.CanMove(a.Status, st) {
			v.Targets = append(v.Targets, option{string(st), statusLabel(lang, st), st == a.Status})
		}
	}
	return v
}

func (s *Service) hrReferral(ctx context.Context, ms *members, r store.Referral, j store.Job, lang string) HRReferral {
	return HRReferral{Referral: r, Job: j, Referrer: ms.get(ctx, r.ReferrerID), OutcomeLabel: outcomeLabel(lang, r.Outcome),
		Relationship: pick(lang, relationshipLabels[r.Relationship], r.Relationship), Date: brand.Date(lang, r.CreatedAt),
		AnswerLabel: answerLabel(lang, r.Answer), AnsweredLabel: brand.DateTime(lang, r.AnsweredAt)}
}

// csvTime writes a time in Japan to the minute for a spreadsheet, which
// reads and sorts 2026-10-01 10:00 as a date; pages use brand.DateTime.
func csvTime(t time.Time) string { return t.In(japan).Format("2006-01-02 15:04") }

var japan = time.FixedZone("JST", 9*3600)

// ---- pages

var hrText = map[string]map[string]string{
	"ja": {
		"skip": "本文へ移動", "jobs": "求人と応募", "applications": "すべての応募",
		"referrals": "紹介", "registrations": "登録申請", "title_jobs": "求人と応募の状況", "title_applications": "すべての応募",
		"title_referrals": "アルムナイからの紹介", "job": "求人", "type": "雇用形態", "department": "部署", "location": "勤務地",
		"closes": "締切", "closed": "募集終了", "archived": "掲載終了", "visibility": "公開範囲", "public": "一般公開",
		"members": "メンバー限定", "count": "件数", "total": "応募計", "applicant": "応募者", "applied": "応募日時",
		"updated": "更新日時", "status": "状況", "resume": "履歴書", "download": "ダウンロード", "contact": "連絡方法",
		"no_applications": "応募はまだありません。", "no_referrals": "紹介はまだありません。", "csv": "CSVでダウンロード（Excelで開けます）", "csv_apps": "応募をCSVでダウンロード", "csv_refs": "紹介をCSVでダウンロード", "csv_these": "この条件でCSVをダウンロード（Excelで開けます）",
		"filter": "絞り込む", "all": "すべて", "erased": "（退会済み）", "message": "応募メッセージ", "link": "リンク",
		"history": "経過", "by": "担当", "note": "メモ（社内用・応募者には表示されません）", "move": "状況を変更する",
		"move_to": "新しい状況", "notify": "応募者にメールで知らせる", "save": "保存する", "email": "メールアドレス",
		"period": "在籍期間", "referrer": "紹介者", "friend": "紹介された方", "relationship": "関係", "referral_note": "紹介者のひとこと", "friend_answer": "紹介された方からのメッセージ",
		"outcome": "結果", "outcome_note": "結果のメモ", "invited": "案内メール", "sent": "送信済み", "suppressed": "配信停止中（未送信）",
		"not_sent": "未送信", "by_alumnus": "アルムナイごとの紹介", "hires": "採用", "notified": "通知済み",
		"saved": "保存しました。", "applications_of": "応募", "referrals_of": "紹介", "show": "詳細",
		"type_rehire": "再入社", "type_contract": "業務委託", "type_sidework": "副業", "type_project": "プロジェクト",
		"stage": "選考段階", "from": "応募日（から）", "to": "応募日（まで）", "clear": "条件を解除", "none": "なし", "unit": "件", "none_match": "この条件に当てはまる応募はありません。",
		"moved": "%sさんを「%s」に移しました。", "moved_anon": "応募を「%s」に移しました。",
		"board_hint": "段階ごとに応募を並べています。カードのボタンで次の段階へ移せます（マウスでは別の列へドラッグしても移せます）。",
	},
	"en": {
		"skip": "Skip to content", "jobs": "Jobs and applications", "applications": "All applications",
		"referrals": "Referrals", "registrations": "Registrations", "title_jobs": "Jobs and applications", "title_applications": "All applications",
		"title_referrals": "Referrals from alumni", "job": "Job", "type": "Type", "department": "Department", "location": "Location",
		"closes": "Closes", "closed": "Closed", "archived": "Withdrawn", "visibility": "Visibility", "public": "Public",
		"members": "Members only", "count": "Count", "total": "Applications", "applicant": "Applicant", "applied": "Applied",
		"updated": "Updated", "status": "Status", "resume": "Résumé", "download": "Download", "contact": "Contact by",
		"no_applications": "No applications yet.", "no_referrals": "No referrals yet.", "csv": "Download CSV (opens in Excel)", "csv_apps": "Download applications as CSV", "csv_refs": "Download referrals as CSV", "csv_these": "Download these as CSV (opens in Excel)",
		"filter": "Filter", "all": "All", "erased": "(left the network)", "message": "Message", "link": "Link",
		"history": "History", "by": "By", "note": "Note (internal: never shown to the applicant)", "move": "Change the status",
		"move_to": "New status", "notify": "Email the applicant about it", "save": "Save", "email": "Email",
		"period": "Employment", "referrer": "Referred by", "friend": "Friend", "relationship": "Relationship", "referral_note": "Note from the referrer", "friend_answer": "The friend's message",
		"outcome": "Outcome", "outcome_note": "Outcome note", "invited": "Invitation", "sent": "Sent", "suppressed": "Unsubscribed (not sent)",
		"not_sent": "Not sent", "by_alumnus": "Referrals by alumnus", "hires": "Hired", "notified": "emailed",
		"saved": "Saved.", "applications_of": "Applications", "referrals_of": "Referrals", "show": "Open",
		"type_rehire": "Re-hire", "type_contract": "Contract", "type_sidework": "Side work", "type_project": "Project",
		"stage": "Stage", "from": "Applied from", "to": "Applied until", "clear": "Clear the filters", "none": "None", "unit": " in this stage", "none_match": "No applications match these filters.",
		"moved": "Moved %s to “%s”.", "moved_anon": "Moved the application to “%s”.",
		"board_hint": "Applications by stage. A card's buttons move it on (with a mouse you can also drag it to another column).",
	},
}

// hrHead starts every HR page's content, inside the site's frame.
const hrHead = `<div class="wrap hr">` + httpapi.HRNav + `
{{with .Job}}<p class="back"><a href="/hr/jobs">{{$.T.title_jobs}}</a></p>{{end}}
<h1>{{.Title}}</h1>
{{if .Saved}}<p class="notice" role="status">{{.T.saved}}</p>{{end}}`

const hrFoot = `</div>`

// The tables are partials shared by the pages.
const hrTables = `{{define "applications"}}{{if not .Apps}}<p>{{.T.no_applications}}</p>{{else}}
<div class="table-scroll"><table class="stacked names"><caption>{{.T.applications_of}} ({{len .Apps}})</caption>
<thead><tr><th scope="col">{{.T.applicant}}</th>{{if .ShowJob}}<th scope="col">{{.T.job}}</th>{{end}}<th scope="col">{{.T.applied}}</th><th scope="col">{{.T.status}}</th><th scope="col">{{.T.resume}}</th><th scope="col">{{.T.updated}}</th></tr></thead>
<tbody>{{range .Apps}}<tr id="application-{{.ID}}">
<td data-label="{{$.T.applicant}}"><a href="/hr/applications/{{.ID}}">{{if .Applicant.ID}}{{.Applicant.Name}}{{else}}{{$.T.erased}}{{end}}</a></td>
{{if $.ShowJob}}<td data-label="{{$.T.job}}"><a href="/hr/jobs/{{.JobID}}">{{if .Job.Title}}{{.Job.TitleIn $.Lang}}{{else}}{{.JobID}}{{end}}</a></td>{{end}}
<td data-label="{{$.T.applied}}">{{.Applied}}</td><td data-label="{{$.T.status}}" data-status="{{.Status}}">{{.StatusLabel}}</td>
<td data-label="{{$.T.resume}}">{{if .Resume}}<a href="/hr/applications/{{.ID}}/resume">{{$.T.download}}</a>{{else}}—{{end}}</td><td data-label="{{$.T.updated}}">{{.Updated}}</td></tr>
{{end}}</tbody></table></div>{{end}}{{end}}
{{define "referrals"}}{{if not .Refs}}<p>{{.T.no_referrals}}</p>{{else}}
<div class="table-scroll"><table class="stacked names referrals"><caption>{{.T.referrals_of}} ({{len .Refs}})</caption>
<thead><tr><th scope="col">{{.T.friend}}</th><th scope="col">{{.T.referrer}}</th>{{if .ShowJob}}<th scope="col">{{.T.job}}</th>{{end}}<th scope="col">{{.T.relationship}}</th><th scope="col">{{.T.invited}}</th><th scope="col">{{.T.outcome}}</th></tr></thead>
<tbody>{{range .Refs}}<tr id="referral-{{.ID}}">
<td data-label="{{$.T.friend}}"><div>{{if .FriendName}}{{.FriendName}}<br><small>{{.FriendEmail}}</small>{{else}}{{$.T.erased}}{{end}}{{if .Note}}<details><summary>{{$.T.referral_note}}</summary><p class="pre">{{.Note}}</p></details>{{end}}{{if .Answer}}<p class="referral-answer" data-answer="{{.Answer}}"><strong>{{.AnswerLabel}}</strong> <small>{{.AnsweredLabel}}</small>{{if .AnswerPhone}}<br><small>{{.AnswerPhone}}</small>{{end}}</p>{{if .AnswerMessage}}<details open><summary>{{$.T.friend_answer}}</summary><p class="pre">{{.AnswerMessage}}</p></details>{{end}}{{end}}</div></td>
<td data-label="{{$.T.referrer}}">{{if .Referrer.ID}}<a href="/hr/referrals?referrer={{.Referrer.ID}}">{{.Referrer.Name}}</a>{{else}}{{$.T.erased}}{{end}}</td>
{{if $.ShowJob}}<td data-label="{{$.T.job}}"><a href="/hr/jobs/{{.JobID}}">{{if .Job.Title}}{{.Job.TitleIn $.Lang}}{{else}}{{.JobID}}{{end}}</a></td>{{end}}
<td data-label="{{$.T.relationship}}">{{.Relationship}}</td>
<td data-label="{{$.T.invited}}">{{if .Suppressed}}{{$.T.suppressed}}{{else if not .InvitedAt.IsZero}}{{$.T.sent}} {{.Date}}{{else}}{{$.T.not_sent}}{{end}}</td>
<td data-label="{{$.T.outcome}}">{{if .ErasedAt.IsZero}}<form method="post" action="/api/hr/referrals/{{.ID}}/outcome">
<input type="hidden" name="back" value="{{$.Back}}">
<label for="outcome-{{.ID}}" class="visually-hidden">{{$.T.outcome}}</label>
<select id="outcome-{{.ID}}" name="outcome">{{$cur := .Outcome}}{{range $.Outcomes}}<option value="{{.Value}}"{{if eq .Value (printf "%s" $cur)}} selected{{end}}>{{.Label}}</option>{{end}}</select>
<label for="outcome-note-{{.ID}}">{{$.T.outcome_note}}</label>
<input id="outcome-note-{{.ID}}" name="note" value="{{.OutcomeNote}}" maxlength="2000">
<button type="submit" class="button">{{$.T.save}}</button></form>{{else}}{{.OutcomeLabel}}{{end}}</td></tr>
{{end}}</tbody></table></div>{{end}}{{end}}`

var hrJobsTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("hr-jobs").Parse(hrTables + hrHead + `
{{if or .AnyApps .AnyRefs}}<p class="actions-row">{{if .AnyApps}}<a class="button button-secondary" href="/hr/applications.csv">{{.T.csv_apps}}</a>{{end}} {{if .AnyRefs}}<a class="button button-secondary" href="/hr/referrals.csv">{{.T.csv_refs}}</a>{{end}}</p>{{end}}
<div class="table-scroll"><table class="stacked names hr-jobs"><caption>{{.T.title_jobs}} ({{len .Jobs}})</caption>
<thead><tr><th scope="col">{{.T.job}}</th><th scope="col">{{.T.closes}}</th><th scope="col">{{.T.applications_of}}</th><th scope="col">{{.T.referrals}}</th></tr></thead>
<tbody>{{range .Jobs}}<tr><td data-label="{{$.T.job}}"><div><a href="/hr/jobs/{{.Job.ID}}">{{.Job.TitleIn $.Lang}}</a>{{if eq .Job.Visibility "members"}} <small>{{if eq $.Lang "en"}}({{$.T.members}}){{else}}（{{$.T.members}}）{{end}}</small>{{end}}
<br><small>{{.Type}}{{with .Job.DepartmentIn $.Lang}} · {{.}}{{end}}</small></div></td>
<td class="date" data-label="{{$.T.closes}}"><div>{{.Closes}}{{if .Job.Archived}}<br><span class="badge">{{$.T.archived}}</span>{{else if .Closed}}<br><span class="badge">{{$.T.closed}}</span>{{end}}</div></td>
<td data-label="{{$.T.applications_of}}">{{if .Total}}<ul class="figures">{{range .Stages}}<li data-status="{{.Status}}">{{.Label}} <span class="count">{{.N}}</span></li>{{end}}<li class="total">{{$.T.total}} <span class="count">{{.Total}}</span></li></ul>{{else}}0{{end}}</td>
<td data-label="{{$.T.referrals}}">{{.Referrals}}</td></tr>
{{end}}</tbody></table></div>` + hrFoot))
})

var hrJobTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("hr-job").Parse(hrTables + hrHead + `
<dl class="facts"><div><dt>{{.T.type}}</dt><dd>{{.Type}}</dd></div><div><dt>{{.T.department}}</dt><dd>{{.Job.DepartmentIn $.Lang}}</dd></div><div><dt>{{.T.location}}</dt><dd>{{.Job.LocationIn $.Lang}}</dd></div>
<div><dt>{{.T.visibility}}</dt><dd>{{if eq .Job.Visibility "members"}}{{.T.members}}{{else}}{{.T.public}}{{end}}</dd></div>
<div><dt>{{.T.closes}}</dt><dd>{{.Closes}}{{if .Job.Archived}} <span class="badge">{{.T.archived}}</span>{{else if .Closed}} <span class="badge">{{.T.closed}}</span>{{end}}</dd></div>
{{if .Job.Contact}}<div><dt>{{.T.contact}}</dt><dd>{{.Job.Contact}}</dd></div>{{end}}</dl>
{{if or .Apps .Refs}}<p class="actions-row">{{if .Apps}}<a class="button button-secondary" href="/hr/applications.csv?job={{.Job.ID}}">{{.T.csv_apps}}</a>{{end}} {{if .Refs}}<a class="button button-secondary" href="/hr/referrals.csv?job={{.Job.ID}}">{{.T.csv_refs}}</a>{{end}}</p>{{end}}
<h2>{{.T.applications_of}}</h2>
{{template "applications" .}}
<h2>{{.T.referrals_of}}</h2>
{{template "referrals" .}}` + hrFoot))
})

var hrApplicationTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("hr-application").Parse(`<div class="wrap hr application-page">` + httpapi.HRNav + `
<p class="back"><a href="/hr/applications?job={{.A.JobID}}">{{.T.title_applications}}</a></p>
<h1>{{.Title}}</h1>
{{if .Saved}}<p class="notice" role="status">{{.T.saved}}</p>{{end}}
<p class="lead"><span class="badge" data-status="{{.A.Status}}" id="current-status">{{.A.StatusLabel}}</span> {{.T.applied}} {{.A.Applied}}{{if .A.ErasedAt.IsZero}} · <a href="#move">{{.T.move}}</a>{{end}}</p>
{{if .A.Message}}<h2>{{.T.message}}</h2><p class="pre">{{.A.Message}}</p>{{end}}
<dl class="facts">
<div><dt>{{.T.job}}</dt><dd><a href="/hr/jobs/{{.A.JobID}}">{{if .A.Job.Title}}{{.A.Job.TitleIn $.Lang}}{{else}}{{.A.JobID}}{{end}}</a></dd></div>
<div><dt>{{.T.applicant}}</dt><dd>{{if .A.Applicant.ID}}<a href="/hr/members/{{.A.Applicant.ID}}">{{.A.Applicant.Name}}</a>{{if .A.Applicant.Kana}}（{{.A.Applicant.Kana}}）{{end}}{{else}}{{.T.erased}}{{end}}</dd></div>
{{if .A.Applicant.ID}}<div><dt>{{.T.email}}</dt><dd><a href="mailto:{{.A.Applicant.Email}}">{{.A.Applicant.Email}}</a></dd></div>
<div><dt>{{.T.department}}</dt><dd>{{.A.Applicant.Department}}</dd></div><div><dt>{{.T.period}}</dt><dd>{{.A.Applicant.Joined}} – {{.A.Applicant.Left}}</dd></div>{{end}}
{{if .A.Contact}}<div><dt>{{.T.contact}}</dt><dd>{{.Contact}}{{if .A.Phone}}{{if eq $.Lang "en"}} ({{.A.Phone}}){{else}}（{{.A.Phone}}）{{end}}{{end}}</dd></div>{{end}}
{{if .A.Resume}}<div><dt>{{.T.resume}}</dt><dd><a href="/hr/applications/{{.A.ID}}/resume">{{.A.ResumeName}}</a></dd></div>{{end}}
{{if .A.Link}}<div><dt>{{.T.link}}</dt><dd><a href="{{.A.Link}}" rel="noopener noreferrer">{{.A.Link}}</a></dd></div>{{end}}
</dl>
<h2>{{.T.history}}</h2>
<ol class="history">{{range .History}}<li><time datetime="{{.ISO}}">{{.At}}</time> {{.Label}}{{if .By}} · {{.By}}{{end}}{{if .Notified}} · {{$.T.notified}}{{end}}{{if .Note}}<p class="pre">{{.Note}}</p>{{end}}</li>{{end}}</ol>
{{if .A.ErasedAt.IsZero}}<h2 id="move">{{.T.move}}</h2>
<form method="post" action="/api/hr/applications/{{.A.ID}}/status" class="form stack">
<div class="field"><label for="to">{{.T.move_to}}</label><select id="to" name="status">{{range .A.Targets}}<option value="{{.Value}}"{{if .Selected}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
<div class="field"><label for="note">{{.T.note}}</label><textarea id="note" name="note" rows="3" maxlength="2000"></textarea></div>
<div class="check"><input type="checkbox" id="notify" name="notify" value="on"><label for="notify">{{.T.notify}}</label></div>
<p><button type="submit" class="button">{{.T.save}}</button></p>
</form>{{end}}` + hrFoot))
})

var hrReferralsTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("hr-referrals").Parse(hrTables + hrHead + `
{{if .ByAlumnus}}<div class="table-scroll"><table><caption>{{.T.by_alumnus}}</caption>
<thead><tr><th scope="col">{{.T.referrer}}</th><th scope="col">{{.T.count}}</th><th scope="col">{{.T.hires}}</th></tr></thead>
<tbody>{{range .ByAlumnus}}<tr><td><a href="/hr/referrals?referrer={{.ID}}">{{.Name}}</a></td><td>{{.Count}}</td><td>{{.Hired}}</td></tr>{{end}}</tbody></table></div>{{end}}
{{if .Refs}}<p><a class="button button-secondary" href="/hr/referrals.csv">{{.T.csv}}</a></p>{{end}}
{{template "referrals" .}}` + hrFoot))
})

// hrPage renders an HR page in the site's frame; data is hrData's, its
// Title the page's.
func (h Handler) hrPage(w http.ResponseWriter, r *http.Request, tmpl *template.Template, data map[string]any) {
	lang, _ := data["Lang"].(string)
	title, _ := data["Title"].(string)
	w.Header().Set("Cache-Control", "no-store")
	httpapi.RenderTemplate(w, r, http.StatusOK, httpapi.View{Lang: lang, Title: title, Section: httpapi.SectionMembers}, tmpl, data)
}

func (h Handler) hrData(r *http.Request, admin store.Member, titleKey string) (map[string]any, string) {
	lang := hrLang(admin)
	T := hrText[lang]
	var outcomes []option
	for _, o := range store.ReferralOutcomes {
		outcomes = append(outcomes, option{Value: string(o), Label: outcomeLabel(lang, o)})
	}
	return map[string]any{"Lang": lang, "T": T, "Title": T[titleKey], "Menu": httpapi.NewHRMenu(lang, r.URL.Path),
		"Saved": r.URL.Query().Get("saved") != "", "Outcomes": outcomes, "Back": r.URL.RequestURI()}, lang
}

func typeLabel(T map[string]string, t store.EmploymentType) string {
	if v := T["type_"+string(t)]; v != "" {
		return v
	}
	return string(t)
}

func (h Handler) hrJobs(w http.ResponseWriter, r *http.Request, admin store.Member) {
	ctx := r.Context()
	data, lang := h.hrData(r, admin, "title_jobs")
	jobs, err := h.S.Store.ListJobs(ctx)
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), "")
		return
	}
	type row struct {
		Job              store.Job
		Type, Closes     string
		Closed           bool
		Stages           []stageCount // the stages with applications, in order
		Total, Referrals int
	}
	now := h.S.Now()
	var rows []row
	for _, j := range jobs {
		apps, err := h.S.allApplications(ctx, []store.Job{j}, "")
		if err != nil {
			h.fail(w, r, httpapi.Internal(err), "")
			return
		}
		refs, err := h.S.allReferrals(ctx, []store.Job{j})
		if err != nil {
			h.fail(w, r, httpapi.Internal(err), "")
			return
		}
		counts := make([]int, len(store.ApplicationStatuses))
		for _, a := range apps {
			counts[slices.Index(store.ApplicationStatuses, a.Status)]++
		}
		var stages []stageCount
		for i, n := range counts {
			if n > 0 {
				st := store.ApplicationStatuses[i]
				stages = append(stages, stageCount{Status: st, Label: statusLabel(lang, st), N: n})
			}
		}
		rows = append(rows, row{Job: j, Type: typeLabel(data["T"].(map[string]string), j.EmploymentType), Closes: brand.Date(lang, j.Closes),
			Closed: j.Closed(now), Stages: stages, Total: len(apps), Referrals: len(refs)})
	}
	// Open postings first, then by closing date.
	slices.SortStableFunc(rows, func(a, b row) int {
		if a.Closed != b.Closed {
			if a.Closed {
				return 1
			}
			return -1
		}
		return a.Job.Closes.Compare(b.Job.Closes)
	})
	data["Jobs"] = rows
	data["AnyApps"] = slices.ContainsFunc(rows, func(r row) bool { return r.Total > 0 })
	data["AnyRefs"] = slices.ContainsFunc(rows, func(r row) bool { return r.Referrals > 0 })
	h.hrPage(w, r, hrJobsTmpl(), data)
}

// stageCount is how many of a job's applications are at one stage.
type stageCount struct {
	Status store.ApplicationStatus
	Label  string
	N      int
}

func (h Handler) hrJob(w http.ResponseWriter, r *http.Request, admin store.Member) {
	ctx := r.Context()
	data, lang := h.hrData(r, admin, "title_jobs")
	j, err := h.S.job(ctx, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err, "/hr/jobs")
		return
	}
	apps, err := h.S.allApplications(ctx, []store.Job{j}, "")
	if err == nil {
		slices.SortFunc(apps, func(a, b store.Application) int { return a.CreatedAt.Compare(b.CreatedAt) })
	}
	var refs []store.Referral
	if err == nil {
		refs, err = h.S.allReferrals(ctx, []store.Job{j})
	}
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), "/hr/jobs")
		return
	}
	ms := &members{s: h.S, cache: map[string]store.Member{}}
	var views []HRApplication
	for _, a := range apps {
		views = append(views, h.S.hrApplication(ctx, ms, a, j, lang))
	}
	var rviews []HRReferral
	for _, ref := range refs {
		rviews = append(rviews, h.S.hrReferral(ctx, ms, ref, j, lang))
	}
	data["Title"], data["Job"], data["Apps"], data["Refs"] = j.TitleIn(lang), j, views, rviews
	data["Type"], data["Closes"], data["Closed"] = typeLabel(data["T"].(map[string]string), j.EmploymentType), brand.Date(lang, j.Closes), j.Closed(h.S.Now())
	h.hrPage(w, r, hrJobTmpl(), data)
}

func (h Handler) hrApplications(w http.ResponseWriter, r *http.Request, admin store.Member) {
	ctx := r.Context()
	data, lang := h.hrData(r, admin, "title_applications")
	views, jobs, filter, err := h.S.hrApplicationList(ctx, r.URL.Query(), lang)
	if err != nil {
		h.fail(w, r, err, boardPath)
		return
	}
	var statuses, jobOptions []option
	for _, st := range store.ApplicationStatuses {
		statuses = append(statuses, option{string(st), statusLabel(lang, st), st == filter.Stage})
	}
	for _, j := range jobs {
		jobOptions = append(jobOptions, option{j.ID, j.TitleIn(lang), j.ID == filter.Job})
	}
	data["Columns"], data["Statuses"], data["JobOptions"], data["Filter"] = h.S.boardColumns(views, filter.Stage, lang), statuses, jobOptions, filter
	data["Count"], data["Query"] = len(views), template.URL(filter.query().Encode())
	data["BoardBack"] = filter.url()
	data["Moved"] = h.S.movedNotice(ctx, r.URL.Query(), lang)
	h.hrPage(w, r, hrBoardTmpl(), data)
}

// hrApplicationList is every application matching the board's filter
// (?job=, ?stage= or ?status=, ?from=, ?to=), newest first, with the list
// of postings for the filter.
func (s *Service) hrApplicationList(ctx context.Context, q url.Values, lang string) ([]HRApplication, []store.Job, boardFilter, error) {
	filter, err := parseBoardFilter(q)
	if err != nil {
		return nil, nil, filter, err
	}
	jobs, err := s.Store.ListJobs(ctx)
	if err != nil {
		return nil, nil, filter, httpapi.Internal(err)
	}
	selected := jobs
	if filter.Job != "" {
		selected = nil
		for _, j := range jobs {
			if j.ID == filter.Job {
				selected = []store.Job{j}
			}
		}
	}
	apps, err := s.allApplications(ctx, selected, filter.Stage)
	if err != nil {
		return nil, nil, filter, httpapi.Internal(err)
	}
	apps = slices.DeleteFunc(apps, func(a store.Application) bool { return !filter.keep(a) })
	byID := map[string]store.Job{}
	for _, j := range jobs {
		byID[j.ID] = j
	}
	ms := &members{s: s, cache: map[string]store.Member{}}
	views := make([]HRApplication, 0, len(apps))
	for _, a := range apps {
		views = append(views, s.hrApplication(ctx, ms, a, byID[a.JobID], lang))
	}
	return views, jobs, filter, nil
}

func (h Handler) hrApplication(w http.ResponseWriter, r *http.Request, admin store.Member) {
	ctx := r.Context()
	data, lang := h.hrData(r, admin, "title_applications")
	a, err := h.S.Store.GetApplication(ctx, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, storeError(err), "/hr/applications")
		return
	}
	j, _ := h.S.Store.GetJob(ctx, a.JobID)
	ms := &members{s: h.S, cache: map[string]store.Member{}}
	v := h.S.hrApplication(ctx, ms, a, j, lang)
	type step struct {
		At, ISO, Label, By, Note string
		Notified                 bool
	}
	var history []step
	for _, c := range a.History {
		by := ""
		switch {
		case strings.HasPrefix(c.Actor, "hr:"):
			by = ms.get(ctx, strings.TrimPrefix(c.Actor, "hr:")).Name
		case c.Actor != "" && c.Actor == a.MemberID:
			by = v.Applicant.Name
		}
		history = append(history, step{At: brand.DateTime(lang, c.At), ISO: c.At.UTC().Format(time.RFC3339), Label: statusLabel(lang, c.To), By: by, Note: c.Note, Notified: c.Notified})
	}
	if v.Applicant.ID != "" {
		data["Title"] = v.Applicant.Name + " · " + j.TitleIn(lang)
	}
	data["A"], data["History"], data["Contact"] = v, history, pick(lang, contactLabels[string(a.Contact)], string(a.Contact))
	h.S.audit(ctx, hrActor(admin), "application.read", a.ID)
	h.hrPage(w, r, hrApplicationTmpl(), data)
}

func (h Handler) hrResume(w http.ResponseWriter, r *http.Request, admin store.Member) {
	ctx := r.Context()
	a, err := h.S.Store.GetApplication(ctx, r.PathValue("id"))
	if err != nil || a.Resume == "" {
		h.fail(w, r, httpapi.Errorf(httpapi.ENOTFOUND, "not_found"), "/hr/applications")
		return
	}
	rc, size, err := h.S.Blobs.Get(ctx, a.Resume)
	if errors.Is(err, blob.ErrNotFound) {
		h.fail(w, r, httpapi.Errorf(httpapi.ENOTFOUND, "not_found"), "/hr/applications/"+a.ID)
		return
	}
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), "/hr/applications/"+a.ID)
		return
	}
	defer rc.Close()
	h.S.audit(ctx, hrActor(admin), "application.resume.read", a.ID, "resume")
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Length", fmt.Sprint(size))
	// An attachment, never rendered in the portal's origin.
	w.Header().Set("Content-Disposition", "attachment; filename=\"resume.pdf\"; filename*=UTF-8''"+url.PathEscape(a.ResumeName))
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = io.Copy(w, rc)
}

func (h Handler) hrReferrals(w http.ResponseWriter, r *http.Request, admin store.Member) {
	ctx := r.Context()
	data, lang := h.hrData(r, admin, "title_referrals")
	jobs, err := h.S.Store.ListJobs(ctx)
	var refs []store.Referral
	if err == nil {
		refs, err = h.S.allReferrals(ctx, jobs)
	}
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), "/hr/jobs")
		return
	}
	byID := map[string]store.Job{}
	for _, j := range jobs {
		byID[j.ID] = j
	}
	type alumnus struct {
		ID, Name     string
		Count, Hired int
	}
	ms := &members{s: h.S, cache: map[string]store.Member{}}
	referrer := r.URL.Query().Get("referrer")
	var views []HRReferral
	var tally []alumnus
	for _, ref := range refs {
		v := h.S.hrReferral(ctx, ms, ref, byID[ref.JobID], lang)
		if v.Referrer.ID != "" {
			i := slices.IndexFunc(tally, func(a alumnus) bool { return a.ID == v.Referrer.ID })
			if i < 0 {
				tally = append(tally, alumnus{ID: v.Referrer.ID, Name: v.Referrer.Name})
				i = len(tally) - 1
			}
			tally[i].Count++
			if ref.Outcome == store.ReferralHired {
				tally[i].Hired++
			}
		}
		if referrer == "" || ref.ReferrerID == referrer {
			views = append(views, v)
		}
	}
	slices.SortStableFunc(tally, func(a, b alumnus) int { return b.Count - a.Count })
	if referrer != "" {
		if m := ms.get(ctx, referrer); m.ID != "" {
			data["Title"] = data["Title"].(string) + " · " + m.Name
		}
		tally = nil
	}
	data["Refs"], data["ShowJob"], data["ByAlumnus"] = views, true, tally
	h.hrPage(w, r, hrReferralsTmpl(), data)
}

type moveInput struct {
	Status string `json:"status"`
	Note   string `json:"note"`
	Notify bool   `json:"notify"`
	// Back, from the board's forms, is the board with its filter (see
	// boardBack); anything else is ignored.
	Back string `json:"back"`
}

func (h Handler) hrMove(w http.ResponseWriter, r *http.Request, admin store.Member) {
	id := r.PathValue("id")
	back := "/hr/applications/" + id
	var in moveInput
	if err := httpapi.Decode(w, r, &in); err != nil {
		h.fail(w, r, err, back)
		return
	}
	board := boardBack(in.Back)
	if board != "" {
		back = board
	}
	a, err := h.S.Move(r.Context(), admin, id, store.ApplicationStatus(in.Status), in.Note, in.Notify)
	if err != nil {
		h.fail(w, r, err, back)
		return
	}
	if httpapi.IsForm(r) {
		if board != "" {
			sep := "?"
			if strings.Contains(board, "?") {
				sep = "&"
			}
			http.Redirect(w, r, board+sep+url.Values{"moved": {a.ID}, "moved_to": {string(a.Status)}}.Encode(), http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, back+"?saved=1", http.StatusSeeOther)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, a)
}

type outcomeInput struct {
	Outcome string `json:"outcome"`
	Note    string `json:"note"`
	Back    string `json:"back"`
}

func (h Handler) hrOutcome(w http.ResponseWriter, r *http.Request, admin store.Member) {
	var in outcomeInput
	if err := httpapi.Decode(w, r, &in); err != nil {
		h.fail(w, r, err, "/hr/referrals")
		return
	}
	back := httpapi.SafeNext(in.Back, "/hr/referrals")
	if !strings.HasPrefix(back, "/hr/") {
		back = "/hr/referrals"
	}
	ref, err := h.S.SetOutcome(r.Context(), admin, r.PathValue("id"), store.ReferralOutcome(in.Outcome), in.Note)
	if err != nil {
		h.fail(w, r, err, back)
		return
	}
	if httpapi.IsForm(r) {
		sep := "?"
		if strings.Contains(back, "?") {
			sep = "&"
		}
		http.Redirect(w, r, back+sep+"saved=1", http.StatusSeeOther)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, ref)
}

// ---- CSV

// applicationColumns are the columns of applications.csv.
var applicationColumns = []httpapi.CSVColumn{
	{"応募ID", "Application ID"}, {"求人ID", "Job ID"}, {"求人", "Job"}, {"応募者", "Applicant"}, {"メールアドレス", "Email"},
	{"在籍時の部署", "Department"}, {"状況", "Status"}, {"応募日時", "Applied"}, {"更新日時", "Updated"}, {"連絡方法", "Contact by"},
	{"電話番号", "Phone"}, {"リンク", "Link"}, {"履歴書", "Résumé"}, {"応募メッセージ", "Message"},
}

// referralColumns are the columns of referrals.csv.
var referralColumns = []httpapi.CSVColumn{
	{"紹介ID", "Referral ID"}, {"求人ID", "Job ID"}, {"求人", "Job"}, {"紹介者", "Referred by"}, {"紹介された方", "Friend"},
	{"メールアドレス", "Email"}, {"関係", "Relationship"}, {"紹介日", "Referred"}, {"案内メール", "Invitation"}, {"結果", "Outcome"},
	{"結果のメモ", "Outcome note"}, {"紹介者のひとこと", "Note from the referrer"},
}

// hrApplicationsCSV exports the applications /hr/applications lists (same
// filters). Both exports speak the language of HR's pages (the
// administrator's own): the header row, the words in cells (status,
// contact, invitation, outcome, relationship) and the job's title when it
// has an English one. Names, notes and messages stay as people wrote them.
func (h Handler) hrApplicationsCSV(w http.ResponseWriter, r *http.Request, admin store.Member) {
	ctx := r.Context()
	lang := hrLang(admin)
	views, _, _, err := h.S.hrApplicationList(ctx, r.URL.Query(), lang)
	if err != nil {
		h.fail(w, r, err, "/hr/applications")
		return
	}
	rows := make([][]string, 0, len(views))
	for _, v := range views {
		name := v.Applicant.Name
		if v.Applicant.ID == "" {
			name = hrText[lang]["erased"]
		}
		resume := ""
		if v.Resume != "" {
			resume = v.ResumeName
		}
		rows = append(rows, []string{v.ID, v.JobID, v.Job.TitleIn(lang), name, v.Applicant.Email, v.Applicant.Department, v.StatusLabel,
			csvTime(v.CreatedAt), csvTime(v.UpdatedAt), pick(lang, contactLabels[string(v.Contact)], string(v.Contact)), v.Phone, v.Link, resume, v.Message})
	}
	h.S.audit(ctx, hrActor(admin), "application.export", "applications")
	httpapi.WriteCSV(w, "applications.csv", lang, applicationColumns, rows)
}

// hrReferralsCSV exports the referrals, of one job with ?job=.
func (h Handler) hrReferralsCSV(w http.ResponseWriter, r *http.Request, admin store.Member) {
	ctx := r.Context()
	lang := hrLang(admin)
	jobs, err := h.S.Store.ListJobs(ctx)
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), "/hr/referrals")
		return
	}
	selected := jobs
	if id := r.URL.Query().Get("job"); id != "" {
		selected = slices.DeleteFunc(slices.Clone(jobs), func(j store.Job) bool { return j.ID != id })
	}
	refs, err := h.S.allReferrals(ctx, selected)
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), "/hr/referrals")
		return
	}
	byID := map[string]store.Job{}
	for _, j := range jobs {
		byID[j.ID] = j
	}
	ms := &members{s: h.S, cache: map[string]store.Member{}}
	T := hrText[lang]
	var rows [][]string
	for _, ref := range refs {
		v := h.S.hrReferral(ctx, ms, ref, byID[ref.JobID], lang)
		invited := T["not_sent"]
		switch {
		case ref.Suppressed:
			invited = T["suppressed"]
		case !ref.InvitedAt.IsZero():
			invited = csvTime(ref.InvitedAt)
		}
		rows = append(rows, []string{ref.ID, ref.JobID, v.Job.TitleIn(lang), v.Referrer.Name, ref.FriendName, ref.FriendEmail, v.Relationship,
			v.Date, invited, v.OutcomeLabel, ref.OutcomeNote, ref.Note})
	}
	h.S.audit(ctx, hrActor(admin), "referral.export", "referrals")
	httpapi.WriteCSV(w, "referrals.csv", lang, referralColumns, rows)
}
