package account

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
	omail "github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/store"
)

// Rules decide roster approval: a verified registration whose roster entry
// meets them is approved at once.
type Rules struct {
	MinTenureMonths     int
	ExcludedDepartments []string
}

// monthsBetween counts whole months from joined to left (YYYY-MM).
func monthsBetween(joined, left string) (int, bool) {
	j, err1 := time.Parse("2006-01", joined)
	l, err2 := time.Parse("2006-01", left)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return (l.Year()-j.Year())*12 + int(l.Month()-j.Month()), true
}

// Meets reports whether a roster entry passes the rules.
func (r Rules) Meets(e store.RosterEntry) bool { return r.Why(e) == "" }

// Why names the rule a roster entry breaks, or "" when it passes them all.
func (r Rules) Why(e store.RosterEntry) string {
	for _, d := range r.ExcludedDepartments {
		if strings.EqualFold(strings.TrimSpace(d), strings.TrimSpace(e.Department)) {
			return reasonExcluded
		}
	}
	if r.MinTenureMonths > 0 {
		n, ok := monthsBetween(e.Joined, e.Left)
		if !ok || n < r.MinTenureMonths {
			return reasonTenure
		}
	}
	return ""
}

// RosterMatch is what the leaver roster says about a registration.
type RosterMatch struct {
	// Entry is the roster record found by the verified address or, failing
	// that, by the employee number typed; nil when there is none.
	Entry *store.RosterEntry `json:"entry,omitempty"`
	// By says how Entry was found: "email" or "number".
	By string `json:"by,omitempty"`
	// Reason says why the registration is not approved at once, as a
	// message key suffix (roster.no_entry ...); empty when it is.
	Reason string `json:"reason,omitempty"`
}

// Reasons a registration waits for HR.
const (
	reasonNoEntry     = "no_entry"            // neither the address nor the number is in the roster
	reasonNumberOnly  = "number_only"         // only the typed employee number matched: anyone can type one
	reasonNumberDiffs = "number_differs"      // the address matched, the typed number is another's
	reasonExcluded    = "excluded_department" // the roster's department is excluded from automatic approval
	reasonTenure      = "tenure"              // shorter than OKAERI_MIN_TENURE_MONTHS by the roster's dates
	reasonTaken       = "entry_taken"         // the entry is already matched to another member
)

// MatchRoster finds the member in the leaver roster. Approval is automatic
// only when the member's verified address is the roster entry's own and
// the rules hold for the roster's record (HR's data, not what was typed).
// A match by employee number alone goes to HR, with the record beside
// what the person typed.
func (s *Service) MatchRoster(ctx context.Context, m store.Member) (RosterMatch, error) {
	e, err := s.Store.FindRosterByEmail(ctx, m.Email)
	by := "email"
	if errors.Is(err, store.ErrNotFound) && m.EmployeeNumber != "" {
		e, err = s.Store.GetRosterEntry(ctx, m.EmployeeNumber)
		by = "number"
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return RosterMatch{Reason: reasonNoEntry}, nil
	case err != nil:
		return RosterMatch{}, err
	}
	match := RosterMatch{Entry: &e, By: by}
	holder, err := s.Store.GetMemberByEmployeeNumber(ctx, e.EmployeeNumber)
	switch {
	case err == nil && holder.ID != m.ID && holder.RosterNumber == e.EmployeeNumber:
		match.Reason = reasonTaken
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return RosterMatch{}, err
	case by == "number":
		match.Reason = reasonNumberOnly
	case m.EmployeeNumber != "" && m.EmployeeNumber != e.EmployeeNumber:
		match.Reason = reasonNumberDiffs
	default:
		match.Reason = s.Config.Rules.Why(e)
	}
	return match, nil
}

// Reject refuses a registration waiting for HR and tells the person why.
func (s *Service) Reject(ctx context.Context, id, actor, reason string) (store.Member, error) {
	reason = strings.TrimSpace(reason)
	if fe := checkText("reason", reason, 500, true); fe != nil {
		return store.Member{}, httpapi.Invalid(*fe)
	}
	m, err := s.Store.UpdateMember(ctx, id, func(old store.Member) (store.Member, error) {
		if old.Status != store.StatusVerified {
			return old, errNotReviewable
		}
		old.Status = store.StatusRejected
		return old, nil
	})
	if errors.Is(err, errNotReviewable) {
		return m, httpapi.Errorf(httpapi.ECONFLICT, "not_reviewable")
	}
	if err != nil {
		return m, storeError(err)
	}
	s.audit(ctx, actor, "member.reject", m.ID, "status")
	_ = s.send(ctx, omail.Address{Name: m.Name, Email: m.Email}, emailRejected, string(m.Language), emailData{Name: m.Name, Reason: reason})
	return m, nil
}

// Approve approves a registration waiting for HR. The roster entry HR saw
// beside it (by address or by number) becomes the member's roster match.
func (s *Service) Approve(ctx context.Context, id, actor string) (store.Member, error) {
	m, err := s.Store.GetMember(ctx, id)
	if err != nil {
		return m, storeError(err)
	}
	match, err := s.MatchRoster(ctx, m)
	if err != nil {
		return m, httpapi.Internal(err)
	}
	number := ""
	if match.Entry != nil && match.Reason != reasonTaken {
		number = match.Entry.EmployeeNumber
	}
	return s.approve(ctx, id, actor, number)
}

// AddMember is HR adding and approving a person by hand (`okaeri member
// add`), for alumni who left before the roster begins.
func (s *Service) AddMember(ctx context.Context, in RegisterInput, actor string) (store.Member, error) {
	now := s.Now()
	in.Privacy, in.PrivacyVersion = true, s.Config.PolicyVersion
	if err := in.Validate(s.Config.PolicyVersion, now); err != nil {
		return store.Member{}, err
	}
	consents := map[string]store.Consent{"privacy": {Given: true, PolicyVersion: s.Config.PolicyVersion, At: now}}
	m, err := s.Store.CreateMember(ctx, store.Member{Email: in.Email, Name: in.Name, Kana: in.Kana, Department: in.Department,
		Joined: in.Joined, Left: in.Left, EmployeeNumber: in.EmployeeNumber, Language: store.Language(in.Language),
		Status: store.StatusApproved, Consents: consents, CreatedAt: now})
	if errors.Is(err, store.ErrAlreadyExists) {
		return store.Member{}, httpapi.Invalid(httpapi.FieldError{Field: conflictFieldName(err), Code: "taken"})
	}
	if err != nil {
		return store.Member{}, storeError(err)
	}
	s.audit(ctx, actor, "member.add", m.ID, "email", "name")
	_ = s.sendWelcome(ctx, m)
	return m, nil
}

func conflictFieldName(err error) string {
	if f := conflictField(err); f == "employeeNumber" {
		return "employee_number"
	} else if f != "" {
		return f
	}
	return "email"
}

var hrTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("hr").Parse(`<div class="wrap hr">` + httpapi.HRNav + `
<h1>{{.T.title}}</h1>
<p>{{.T.intro}}</p>
{{if not .Members}}<p>{{.T.none}}</p>{{else}}
<table>
<caption>{{.T.caption}} ({{len .Members}})</caption>
<thead><tr><th scope="col">{{.T.typed}}</th><th scope="col">{{.T.roster}}</th><th scope="col">{{.T.registered}}</th><th scope="col">{{.T.decision}}</th></tr></thead>
<tbody>
{{range .Rows}}{{with .Member}}<tr>
<td><b>{{.Name}}</b>{{if .Kana}} <small>（{{.Kana}}）</small>{{end}}<br>{{.Email}}<br>{{.Department}} / {{.Joined}} – {{.Left}}{{if .EmployeeNumber}}<br>{{$.T.empno}}: {{.EmployeeNumber}}{{end}}</td>{{end}}
<td>{{with .Match.Entry}}<b>{{.Name}}</b><br>{{if .Email}}{{.Email}}{{else}}{{$.T.no_email}}{{end}}<br>{{.Department}} / {{.Joined}} – {{.Left}}<br>{{$.T.empno}}: {{.EmployeeNumber}}<br>{{end}}<strong>{{index $.T (printf "reason_%s" .Match.Reason)}}</strong></td>
{{with .Member}}<td>{{.CreatedAt.Format "2006-01-02"}}</td>
<td>
<form method="post" action="/api/hr/registrations/{{.ID}}/approve"><button type="submit" class="button">{{$.T.approve}}</button></form>
<form method="post" action="/api/hr/registrations/{{.ID}}/reject" class="form">
<div class="field"><label for="reason-{{.ID}}">{{$.T.reason}}</label>
<input id="reason-{{.ID}}" name="reason" required maxlength="500"></div>
<button type="submit" class="button button-secondary">{{$.T.reject}}</button></form>
</td></tr>{{end}}
{{end}}</tbody></table>{{end}}
</div>`))
})

var hrText = map[string]map[string]string{
	"ja": {"title": "登録申請の審査", "skip": "本文へ移動", "intro": "メール確認済みで、名簿と自動照合できなかった申請です。承認または理由を添えて却下してください。申請者にはメールでお知らせします。",
		"none": "審査待ちの申請はありません。", "caption": "審査待ちの申請", "name": "氏名", "department": "部署", "period": "在籍期間", "empno": "社員番号",
		"registered": "申請日", "decision": "判断", "approve": "承認する", "reject": "却下する", "reason": "却下の理由",
		"typed": "申請の内容", "roster": "名簿の記録と照合結果", "no_email": "（名簿にメールアドレスなし）",
		"reason_no_entry":            "名簿にメールアドレスも社員番号も見つかりません。",
		"reason_number_only":         "社員番号だけが一致しました（メールアドレスは名簿と異なります）。本人かどうか確認してください。",
		"reason_number_differs":      "メールアドレスは名簿と一致しますが、入力された社員番号が名簿と異なります。",
		"reason_excluded_department": "名簿の部署が自動承認の対象外です。",
		"reason_tenure":              "名簿の在籍期間が自動承認の条件より短いです。",
		"reason_entry_taken":         "この名簿の記録はすでに別のメンバーに照合されています。",
		"reason_":                    "名簿と一致しています（承認方式により事務局の判断を待っています）。"},
	"en": {"title": "Review registrations", "skip": "Skip to content", "intro": "Verified registrations that did not match the leaver roster. Approve, or reject with a reason; the person is emailed either way.",
		"none": "No registration is waiting.", "caption": "Registrations waiting for review", "name": "Name", "department": "Department", "period": "Employment", "empno": "Employee no.",
		"registered": "Registered", "decision": "Decision", "approve": "Approve", "reject": "Reject", "reason": "Reason for rejecting",
		"typed": "What they entered", "roster": "Roster record and result", "no_email": "(no email in the roster)",
		"reason_no_entry":            "Neither the address nor the employee number is in the roster.",
		"reason_number_only":         "Only the employee number matched (the address differs from the roster's). Check that this is the person.",
		"reason_number_differs":      "The address matches the roster, but the employee number entered is different.",
		"reason_excluded_department": "The roster's department is excluded from automatic approval.",
		"reason_tenure":              "The roster's employment is shorter than the automatic approval rule.",
		"reason_entry_taken":         "This roster record is already matched to another member.",
		"reason_":                    "Matches the roster (the approval mode leaves the decision to HR)."},
}

func (h Handler) hrRegistrations(w http.ResponseWriter, r *http.Request, admin store.Member) {
	lang := string(admin.Language)
	if lang != "en" {
		lang = "ja"
	}
	ms, _, err := h.S.Store.ListMembersByStatus(r.Context(), store.StatusVerified, store.Page{Limit: store.MaxPageLimit, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), "")
		return
	}
	// Each registration beside what the roster says of it.
	type row struct {
		Member store.Member `json:"member"`
		Match  RosterMatch  `json:"roster"`
	}
	rows := make([]row, 0, len(ms))
	for _, m := range ms {
		match, err := h.S.MatchRoster(r.Context(), m)
		if err != nil {
			h.fail(w, r, httpapi.Internal(err), "")
			return
		}
		rows = append(rows, row{m, match})
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"registrations": rows, "count": strconv.Itoa(len(ms))})
		return
	}
	httpapi.RenderTemplate(w, r, http.StatusOK, httpapi.View{Lang: lang, Title: hrText[lang]["title"], Section: httpapi.SectionMembers},
		hrTmpl(), map[string]any{"Lang": lang, "T": hrText[lang], "Members": ms, "Rows": rows, "Menu": httpapi.NewHRMenu(lang, "/hr/registrations")})
}

type rejectInput struct {
	Reason string `json:"reason"`
}

func (h Handler) hrApprove(w http.ResponseWriter, r *http.Request, admin store.Member) {
	m, err := h.S.Approve(r.Context(), r.PathValue("id"), "hr:"+admin.ID)
	h.hrDone(w, r, m, err)
}

func (h Handler) hrReject(w http.ResponseWriter, r *http.Request, admin store.Member) {
	var in rejectInput
	if err := httpapi.Decode(w, r, &in); err != nil {
		h.fail(w, r, err, "/hr/registrations")
		return
	}
	m, err := h.S.Reject(r.Context(), r.PathValue("id"), "hr:"+admin.ID, in.Reason)
	h.hrDone(w, r, m, err)
}

func (h Handler) hrDone(w http.ResponseWriter, r *http.Request, m store.Member, err error) {
	if err != nil {
		h.fail(w, r, err, "/hr/registrations")
		return
	}
	if httpapi.IsForm(r) {
		http.Redirect(w, r, "/hr/registrations", http.StatusSeeOther)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"id": m.ID, "status": string(m.Status)})
}
