package job

import (
	"context"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// The member's applications page and the HR pages are rendered here, not
// by Hugo: they show one person's data and must work without JavaScript.

// ApplicationView is an application as its applicant sees it: HR's notes
// and the actors of the history stay with HR.
type ApplicationView struct {
	ID           string        `json:"id"`
	JobID        string        `json:"job_id"`
	JobTitle     string        `json:"job_title"`
	JobURL       string        `json:"job_url"`
	Status       string        `json:"status"`
	StatusLabel  string        `json:"status_label"`
	StatusNote   string        `json:"status_note"`
	Message      string        `json:"message"`
	Link         string        `json:"link,omitempty"`
	Contact      string        `json:"contact"`
	Phone        string        `json:"phone,omitempty"`
	ResumeName   string        `json:"resume_name,omitempty"`
	CanWithdraw  bool          `json:"can_withdraw"`
	History      []HistoryView `json:"history"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
	AppliedLabel string        `json:"-"`
}

// HistoryView is one step of an application's history, as its applicant sees it.
type HistoryView struct {
	At          time.Time `json:"at"`
	Status      string    `json:"status"`
	StatusLabel string    `json:"status_label"`
	AtLabel     string    `json:"-"`
}

// ReferralView is a referral as its referrer sees it.
type ReferralView struct {
	ID           string    `json:"id"`
	JobID        string    `json:"job_id"`
	JobTitle     string    `json:"job_title"`
	JobURL       string    `json:"job_url"`
	FriendName   string    `json:"friend_name"`
	FriendEmail  string    `json:"friend_email"`
	Relationship string    `json:"relationship"`
	Outcome      string    `json:"outcome"`
	OutcomeLabel string    `json:"outcome_label"`
	Invited      bool      `json:"invited"`
	Suppressed   bool      `json:"suppressed"`
	CreatedAt    time.Time `json:"created_at"`
	DateLabel    string    `json:"-"`
}

// MineView is GET /api/me/applications.
type MineView struct {
	Applications []ApplicationView `json:"applications"`
	Referrals    []ReferralView    `json:"referrals"`
}

func applicantView(a store.Application, j store.Job, lang string) ApplicationView {
	v := ApplicationView{ID: a.ID, JobID: a.JobID, JobTitle: j.TitleIn(lang), Status: string(a.Status),
		StatusLabel: statusLabel(lang, a.Status), StatusNote: statusNote(lang, a.Status), Message: a.Message, Link: a.Link,
		Contact: string(a.Contact), Phone: a.Phone, ResumeName: a.ResumeName, CanWithdraw: !a.Status.Final(),
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt, AppliedLabel: brand.Date(lang, a.CreatedAt)}
	if j.ID != "" {
		v.JobURL = JobPath(lang, j)
	}
	if v.JobTitle == "" {
		v.JobTitle = a.JobID
	}
	for _, c := range a.History {
		if c.From == c.To && c.From != "" {
			continue // a note only: HR's business
		}
		v.History = append(v.History, HistoryView{At: c.At, Status: string(c.To), StatusLabel: statusLabel(lang, c.To), AtLabel: brand.Date(lang, c.At)})
	}
	return v
}

func referrerView(r store.Referral, j store.Job, lang string) ReferralView {
	v := ReferralView{ID: r.ID, JobID: r.JobID, JobTitle: j.TitleIn(lang), FriendName: r.FriendName, FriendEmail: r.FriendEmail,
		Relationship: r.Relationship, Outcome: string(r.Outcome), OutcomeLabel: outcomeLabel(lang, r.Outcome),
		Invited: !r.InvitedAt.IsZero(), Suppressed: r.Suppressed, CreatedAt: r.CreatedAt, DateLabel: brand.Date(lang, r.CreatedAt)}
	if j.ID != "" {
		v.JobURL = JobPath(lang, j)
	}
	if v.JobTitle == "" {
		v.JobTitle = r.JobID
	}
	return v
}

// Mine gathers a member's applications and referrals.
func (s *Service) Mine(ctx context.Context, m store.Member) (MineView, error) {
	lang := memberLang(m)
	return s.mineIn(ctx, m, lang)
}

func (s *Service) mineIn(ctx context.Context, m store.Member, lang string) (MineView, error) {
	apps, err := s.Store.ListApplicationsByMember(ctx, m.ID)
	if err != nil {
		return MineView{}, httpapi.Internal(err)
	}
	refs, err := s.Store.ListReferralsByReferrer(ctx, m.ID)
	if err != nil {
		return MineView{}, httpapi.Internal(err)
	}
	jobs := s.jobsByID(ctx)
	v := MineView{Applications: []ApplicationView{}, Referrals: []ReferralView{}}
	for _, a := range apps {
		v.Applications = append(v.Applications, applicantView(a, jobs[a.JobID], lang))
	}
	for _, r := range refs {
		v.Referrals = append(v.Referrals, referrerView(r, jobs[r.JobID], lang))
	}
	return v, nil
}

// jobsByID reads every posting once for a page (there are tens); a failure
// only costs the titles, which fall back to ids.
func (s *Service) jobsByID(ctx context.Context) map[string]store.Job {
	jobs, err := s.Store.ListJobs(ctx)
	out := make(map[string]store.Job, len(jobs))
	if err != nil {
		s.Log.ErrorContext(ctx, "list jobs", "err", err)
		return out
	}
	for _, j := range jobs {
		out[j.ID] = j
	}
	return out
}

var outcomeLabels = map[store.ReferralOutcome][2]string{
	store.ReferralReferred:  {"紹介済み", "Referred"},
	store.ReferralContacted: {"連絡済み", "Contacted"},
	store.ReferralApplied:   {"応募あり", "Applied"},
	store.ReferralHired:     {"採用", "Hired"},
	store.ReferralNotHired:  {"不採用", "Not hired"},
	store.ReferralDeclined:  {"辞退", "Declined"},
}

func outcomeLabel(lang string, o store.ReferralOutcome) string {
	return pick(lang, outcomeLabels[o], string(o))
}

var relationshipLabels = map[string][2]string{
	"colleague": {"元同僚・同僚", "Colleague"}, "friend": {"友人・知人", "Friend"},
	"professional": {"仕事上の知り合い", "Professional contact"}, "other": {"その他", "Other"},
}

var contactLabels = map[string][2]string{
	"email": {"メール", "Email"}, "phone": {"電話", "Phone"}, "online": {"オンライン面談", "Online meeting"},
}

var pageText = map[string]map[string]string{
	"ja": {
		"nav": "メンバーメニュー", "home": "メンバートップ", "jobs": "求人",
		"mine": "応募と紹介", "profile": "プロフィール", "directory": "アルムナイ名簿",
		"title": "応募と紹介の状況", "applied": "ご応募を受け付けました。確認メールをお送りしました。",
		"referred":  "ご紹介ありがとうございます。ご友人にご案内のメールをお送りしました（配信停止中のアドレスには送りません）。",
		"withdrawn": "応募を取り下げました。", "applications": "応募", "no_applications": "まだ応募はありません。",
		"browse": "求人を見る", "applied_on": "応募日", "status": "状況", "history": "これまでの経過", "your_message": "送った内容",
		"resume": "履歴書", "link": "リンク", "contact": "希望する連絡方法", "withdraw": "応募を取り下げる",
		"withdraw_hint": "取り下げると元に戻せません。", "withdraw_confirm": "取り下げることを確認しました",
		"referrals": "紹介", "no_referrals": "まだ紹介はありません。", "friend": "紹介した方", "job": "求人", "referred_on": "紹介日",
		"outcome": "結果", "invited": "ご案内メール", "sent": "送信済み", "not_sent": "未送信", "suppressed": "配信停止中のため送信していません",
		"unsubscribe_title": "求人紹介メールの配信停止", "unsubscribe_intro": "このアドレスに、求人紹介のメールを今後お送りしないようにします。",
		"unsubscribe": "配信を停止する", "unsubscribed_title": "配信を停止しました", "unsubscribed": "今後、このアドレスに求人紹介のメールはお送りしません。",
	},
	"en": {
		"nav": "Members' menu", "home": "Members' home", "jobs": "Jobs",
		"mine": "Applications and referrals", "profile": "Profile", "directory": "Alumni directory",
		"title": "Your applications and referrals", "applied": "We have received your application and sent you a confirmation email.",
		"referred":  "Thank you for your referral. We have emailed your friend (unless their address has unsubscribed).",
		"withdrawn": "Your application has been withdrawn.", "applications": "Applications", "no_applications": "You have not applied for a job yet.",
		"browse": "Browse jobs", "applied_on": "Applied", "status": "Status", "history": "So far", "your_message": "What you sent",
		"resume": "Résumé", "link": "Link", "contact": "Contact by", "withdraw": "Withdraw this application",
		"withdraw_hint": "This cannot be undone.", "withdraw_confirm": "I want to withdraw",
		"referrals": "Referrals", "no_referrals": "You have not referred anyone yet.", "friend": "Friend", "job": "Job", "referred_on": "Referred",
		"outcome": "Outcome", "invited": "Invitation email", "sent": "Sent", "not_sent": "Not sent", "suppressed": "Not sent: the address has unsubscribed",
		"unsubscribe_title": "Stop job referral emails", "unsubscribe_intro": "We will send no more job referral emails to this address.",
		"unsubscribe": "Unsubscribe", "unsubscribed_title": "Unsubscribed", "unsubscribed": "We will send no more job referral emails to this address.",
	},
}

// memberHead starts the members' page's content, inside the site's frame,
// with the members' sub-navigation of functions/account's pages.
const memberHead = `<div class="wrap">` + httpapi.MemberNav

const memberFoot = `</div>`

var applicationsTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("applications").Parse(memberHead + `
<h1>{{.T.title}}</h1>
{{with .Notice}}<p class="notice" role="status">{{.}}</p>{{end}}
<section aria-labelledby="apps"><h2 id="apps">{{.T.applications}}</h2>
{{if not .V.Applications}}<p>{{.T.no_applications}}</p><p><a class="button" href="{{.Base}}/jobs/">{{.T.browse}}</a></p>{{end}}
{{range .V.Applications}}<article class="card application" id="application-{{.ID}}">
<h3>{{if .JobURL}}<a href="{{.JobURL}}">{{.JobTitle}}</a>{{else}}{{.JobTitle}}{{end}}</h3>
<dl class="facts">
<div><dt>{{$.T.applied_on}}</dt><dd><time datetime="{{.CreatedAt.Format "2006-01-02T15:04:05Z07:00"}}">{{.AppliedLabel}}</time></dd></div>
<div><dt>{{$.T.status}}</dt><dd><strong class="status status-{{.Status}}" data-status="{{.Status}}">{{.StatusLabel}}</strong> {{.StatusNote}}</dd></div>
<div><dt>{{$.T.contact}}</dt><dd>{{index $.Contact .Contact}}{{if .Phone}}{{if eq $.Lang "en"}} ({{.Phone}}){{else}}（{{.Phone}}）{{end}}{{end}}</dd></div>
{{if .ResumeName}}<div><dt>{{$.T.resume}}</dt><dd>{{.ResumeName}}</dd></div>{{end}}
{{if .Link}}<div><dt>{{$.T.link}}</dt><dd><a href="{{.Link}}" rel="noopener noreferrer">{{.Link}}</a></dd></div>{{end}}
</dl>
<details><summary>{{$.T.your_message}}</summary><p class="pre">{{.Message}}</p></details>
<h4>{{$.T.history}}</h4>
<ol class="history">{{range .History}}<li><time datetime="{{.At.Format "2006-01-02T15:04:05Z07:00"}}">{{.AtLabel}}</time> {{.StatusLabel}}</li>{{end}}</ol>
{{if .CanWithdraw}}<form method="post" action="/api/me/applications/{{.ID}}/withdraw" class="danger">
<input type="hidden" name="lang" value="{{$.Lang}}">
<p class="hint">{{$.T.withdraw_hint}}</p>
<div class="check"><input type="checkbox" id="confirm-{{.ID}}" name="confirm" value="yes" required><label for="confirm-{{.ID}}">{{$.T.withdraw_confirm}}</label></div>
<p><button type="submit" class="button button-danger">{{$.T.withdraw}}</button></p></form>{{end}}
</article>
{{end}}</section>
<section aria-labelledby="refs"><h2 id="refs">{{.T.referrals}}</h2>
{{if not .V.Referrals}}<p>{{.T.no_referrals}}</p>{{else}}
<div class="table-scroll"><table class="stacked names"><caption>{{.T.referrals}}</caption>
<thead><tr><th scope="col">{{.T.friend}}</th><th scope="col">{{.T.job}}</th><th scope="col">{{.T.referred_on}}</th><th scope="col">{{.T.invited}}</th><th scope="col">{{.T.outcome}}</th></tr></thead>
<tbody>{{range .V.Referrals}}<tr id="referral-{{.ID}}"><td data-label="{{$.T.friend}}">{{.FriendName}}</td><td data-label="{{$.T.job}}"><div>{{if .JobURL}}<a href="{{.JobURL}}">{{.JobTitle}}</a>{{else}}{{.JobTitle}}{{end}}</div></td>
<td data-label="{{$.T.referred_on}}" class="date">{{.DateLabel}}</td><td data-label="{{$.T.invited}}">{{if .Suppressed}}{{$.T.suppressed}}{{else if .Invited}}{{$.T.sent}}{{else}}{{$.T.not_sent}}{{end}}</td><td data-label="{{$.T.outcome}}">{{.OutcomeLabel}}</td></tr>
{{end}}</tbody></table></div>{{end}}</section>
` + memberFoot))
})

var unsubscribeTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("unsubscribe").Parse(`<div class="wrap narrow result-page">
<header class="page-header"><h1>{{.T.unsubscribe_title}}</h1></header>
<p class="lead">{{.T.unsubscribe_intro}}</p>
<form method="post" action="/api/referrals/unsubscribe"><input type="hidden" name="token" value="{{.Token}}">
<p><button type="submit" class="button">{{.T.unsubscribe}}</button></p></form>
</div>`))
})

func pageLang(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, "/en/") {
		return httpapi.LangEN
	}
	return httpapi.LangJA
}

func (h Handler) applicationsPage(w http.ResponseWriter, r *http.Request, m store.Member) {
	lang := pageLang(r)
	T := pageText[lang]
	v, err := h.S.mineIn(r.Context(), m, lang)
	if err != nil {
		httpapi.WriteFormError(w, r, err, httpapi.PathIn(lang, "/members/"))
		return
	}
	notice := ""
	q := r.URL.Query()
	switch {
	case q.Get("applied") != "":
		notice = T["applied"]
	case q.Get("referred") != "":
		notice = T["referred"]
	case q.Get("withdrawn") != "":
		notice = T["withdrawn"]
	}
	contact := map[string]string{}
	for k, pair := range contactLabels {
		contact[k] = pick(lang, pair, k)
	}
	other := "/en/members/me/applications/"
	if lang == httpapi.LangEN {
		other = "/members/me/applications/"
	}
	httpapi.RenderTemplate(w, r, http.StatusOK, httpapi.View{Lang: lang, Title: T["title"], Section: httpapi.SectionMembers, Other: other},
		applicationsTmpl(), map[string]any{"Lang": lang, "T": T, "Base": httpapi.PathIn(lang, ""), "Menu": httpapi.NewMemberMenu(lang, "/members/me/applications/"), "Other": other,
			"V": v, "Notice": notice, "Contact": contact})
}
