package account

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// maxBulk is the most registrations one bulk decision takes.
const maxBulk = 100

// reviewBacks are the pages a review decision may return to.
var reviewBacks = map[string]bool{"/hr/": true, "/hr/registrations": true}

func reviewBack(r *http.Request) string {
	if b := r.FormValue("back"); reviewBacks[b] {
		return b
	}
	return "/hr/registrations"
}

type bulkInput struct {
	IDs  []string `json:"ids"`
	Back string   `json:"back"`
}

type rejectInput struct {
	Reason string `json:"reason"`
	Back   string `json:"back"`
}

// decodeIDs reads and checks a bulk decision's ids: 1 to maxBulk, each an
// id, none twice.
func decodeIDs(w http.ResponseWriter, r *http.Request) ([]string, error) {
	var in bulkInput
	if err := httpapi.Decode(w, r, &in); err != nil {
		return nil, err
	}
	if len(in.IDs) == 0 {
		return nil, httpapi.Invalid(httpapi.FieldError{Field: "ids", Code: "required"})
	}
	if len(in.IDs) > maxBulk {
		return nil, httpapi.Invalid(httpapi.FieldError{Field: "ids", Code: "too_many", Params: []any{maxBulk}})
	}
	seen := map[string]bool{}
	for _, id := range in.IDs {
		if !store.ValidID(id) || seen[id] {
			return nil, httpapi.Invalid(httpapi.FieldError{Field: "ids", Code: "format"})
		}
		seen[id] = true
	}
	return in.IDs, nil
}

func (h Handler) hrApprove(w http.ResponseWriter, r *http.Request, admin store.Member) {
	m, err := h.S.Approve(r.Context(), r.PathValue("id"), "hr:"+admin.ID)
	if err != nil {
		h.fail(w, r, err, reviewBack(r))
		return
	}
	h.decided(w, r, "approved", []store.Member{m})
}

func (h Handler) hrReject(w http.ResponseWriter, r *http.Request, admin store.Member) {
	var in rejectInput
	if err := httpapi.Decode(w, r, &in); err != nil {
		h.fail(w, r, err, "/hr/registrations")
		return
	}
	m, err := h.S.Reject(r.Context(), r.PathValue("id"), "hr:"+admin.ID, in.Reason)
	if err != nil {
		h.fail(w, r, err, reviewBack(r))
		return
	}
	h.decided(w, r, "rejected", []store.Member{m})
}

// hrApproveMany approves several registrations. All are checked first
// (each must be waiting for review), so a stale selection changes nothing
// and says which one is no longer waiting.
func (h Handler) hrApproveMany(w http.ResponseWriter, r *http.Request, admin store.Member) {
	ids, err := decodeIDs(w, r)
	if err != nil {
		h.fail(w, r, err, reviewBack(r))
		return
	}
	for _, id := range ids {
		m, err := h.S.Store.GetMember(r.Context(), id)
		if err != nil {
			h.fail(w, r, storeError(err), reviewBack(r))
			return
		}
		if m.Status != store.StatusVerified {
			h.fail(w, r, httpapi.Errorf(httpapi.ECONFLICT, "not_reviewable"), reviewBack(r))
			return
		}
	}
	var done []store.Member
	for _, id := range ids {
		m, err := h.S.Approve(r.Context(), id, "hr:"+admin.ID)
		if err != nil {
			// Another HR decided this one a moment ago: keep what was done.
			if e := httpapi.AsError(err); e.Code == httpapi.ECONFLICT && len(done) > 0 {
				continue
			}
			h.fail(w, r, err, reviewBack(r))
			return
		}
		done = append(done, m)
	}
	h.decided(w, r, "approved", done)
}

// hrUndo takes back the decisions named, each only within its window.
func (h Handler) hrUndo(w http.ResponseWriter, r *http.Request, admin store.Member) {
	ids, err := decodeIDs(w, r)
	if err != nil {
		h.fail(w, r, err, reviewBack(r))
		return
	}
	var done []store.Member
	for _, id := range ids {
		m, err := h.S.Undo(r.Context(), id, "hr:"+admin.ID)
		if err != nil {
			h.fail(w, r, err, reviewBack(r))
			return
		}
		done = append(done, m)
	}
	h.decided(w, r, "undone", done)
}

// decided answers a decision: a form goes back to the page it came from,
// which then says what was done (and offers the undo); JSON gets the
// members' new statuses.
func (h Handler) decided(w http.ResponseWriter, r *http.Request, what string, ms []store.Member) {
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	if httpapi.IsForm(r) {
		q := url.Values{"done": {what}, "ids": {strings.Join(ids, ",")}}
		http.Redirect(w, r, reviewBack(r)+"?"+q.Encode(), http.StatusSeeOther)
		return
	}
	out := make([]map[string]any, len(ms))
	for i, m := range ms {
		out[i] = map[string]any{"id": m.ID, "status": string(m.Status), "undoUntil": undoUntil(m)}
	}
	if len(ms) == 1 {
		httpapi.WriteJSON(w, http.StatusOK, out[0])
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"members": out})
}

func undoUntil(m store.Member) string {
	if len(m.Decisions) == 0 {
		return ""
	}
	d := m.Decisions[len(m.Decisions)-1]
	if d.Status == store.StatusVerified {
		return ""
	}
	return d.At.Add(store.UndoWindow).UTC().Format(time.RFC3339)
}

// notice is what a page says after a decision: what was done to whom, and
// the undo while it is possible.
type notice struct {
	Text     string
	Names    []string
	UndoIDs  []string
	UndoNote string
	Back     string
}

// readNotice builds the notice from the redirect's query (done, ids): the
// names come from the records, so a crafted link can only name members
// HR may see anyway, and the undo is offered only when it would work.
func (h Handler) readNotice(ctx context.Context, r *http.Request, lang, back string) *notice {
	what := r.URL.Query().Get("done")
	if what != "approved" && what != "rejected" && what != "undone" {
		return nil
	}
	T := reviewText[lang]
	n := &notice{Back: back}
	now := h.S.Now()
	for i, id := range strings.Split(r.URL.Query().Get("ids"), ",") {
		if i >= maxBulk || !store.ValidID(id) {
			break
		}
		m, err := h.S.Store.GetMember(ctx, id)
		if err != nil {
			continue
		}
		n.Names = append(n.Names, m.Name)
		if what != "undone" && Undoable(m, now) {
			n.UndoIDs = append(n.UndoIDs, m.ID)
		}
	}
	if len(n.Names) == 0 {
		return nil
	}
	count := strconv.Itoa(len(n.Names))
	n.Text = strings.ReplaceAll(T["done_"+what], "%n", count)
	if len(n.UndoIDs) > 0 {
		n.UndoNote = T["undo_note"]
	}
	return n
}

// noticeHTML is the notice's markup, shared by the review page and HR's home.
const noticeHTML = `{{with .Notice}}<div class="notice" role="status">
<p><strong>{{.Text}}</strong> {{range $i, $n := .Names}}{{if $i}}、{{end}}{{$n}}{{end}}</p>
{{if .UndoIDs}}<form method="post" action="/api/hr/registrations/undo"><input type="hidden" name="back" value="{{.Back}}">{{range .UndoIDs}}<input type="hidden" name="ids" value="{{.}}">{{end}}
<p>{{.UndoNote}} <button type="submit" class="button button-secondary">{{$.RT.undo}}</button></p></form>{{end}}
</div>{{end}}`

// historyRow is one past decision on the review page.
type historyRow struct {
	At      time.Time
	Action  string
	By      string
	Subject string
	Name    string
}

// maxHistoryRead bounds the audit entries the review page reads to find
// the latest decisions (newest first, the last 30 days).
const maxHistoryRead = 1000

// decisionHistory lists the latest review decisions (at most n), who made
// them and on whom, from the audit log.
func (h Handler) decisionHistory(ctx context.Context, n int) ([]historyRow, error) {
	now := h.S.Now()
	q := store.AuditQuery{From: now.AddDate(0, 0, -30), Newest: true}
	names := map[string]string{}
	name := func(id string) string {
		if v, ok := names[id]; ok {
			return v
		}
		m, err := h.S.Store.GetMember(ctx, id)
		if err != nil {
			names[id] = ""
			return ""
		}
		names[id] = m.Name
		return m.Name
	}
	var out []historyRow
	cursor := ""
	for read := 0; read < maxHistoryRead && len(out) < n; {
		es, next, err := h.S.Store.ListAudit(ctx, q, store.Page{Limit: 200, Cursor: cursor})
		if err != nil {
			return nil, err
		}
		read += len(es)
		for _, e := range es {
			if e.Action != "member.approve" && e.Action != "member.reject" && e.Action != "member.undo" {
				continue
			}
			row := historyRow{At: e.At, Action: strings.TrimPrefix(e.Action, "member."), Subject: e.Subject, Name: name(e.Subject)}
			if id, ok := strings.CutPrefix(e.Actor, "hr:"); ok {
				row.By = name(id)
			}
			out = append(out, row)
			if len(out) == n {
				break
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return out, nil
}

var reviewTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("review").Parse(`<div class="wrap hr">` + httpapi.HRNav + `
<h1>{{.RT.title}}</h1>
` + noticeHTML + `
<p>{{.RT.intro}}</p>
{{if not .Rows}}<p class="lead">{{.RT.none}}</p>{{else}}
<form id="bulk" method="post" action="/api/hr/registrations/approve" class="bulk"><input type="hidden" name="back" value="/hr/registrations">
<p>{{.RT.bulk_hint}} <button type="submit" class="button">{{.RT.approve_selected}}</button></p></form>
<div class="table-scroll"><table class="review">
<caption>{{.RT.caption}} ({{len .Rows}})</caption>
<thead><tr><th scope="col"><span class="visually-hidden">{{.RT.select}}</span></th><th scope="col">{{.RT.typed}}</th><th scope="col">{{.RT.roster}}</th><th scope="col">{{.RT.registered}}</th><th scope="col">{{.RT.decision}}</th></tr></thead>
<tbody>
{{range .Rows}}<tr>
{{with .Member}}<td><input type="checkbox" name="ids" value="{{.ID}}" form="bulk" id="pick-{{.ID}}" aria-label="{{printf $.RT.pick .Name}}"></td>
<td><b>{{.Name}}</b>{{if .Kana}} <small>（{{.Kana}}）</small>{{end}}<br>{{.Email}}<br>{{.Department}} / {{call $.Years .Joined .Left}}{{if .EmployeeNumber}}<br>{{$.RT.empno}}: {{.EmployeeNumber}}{{end}}</td>{{end}}
<td data-label="{{$.RT.roster}}">{{with .Match.Entry}}<b>{{.Name}}</b><br>{{if .Email}}{{.Email}}{{else}}{{$.RT.no_email}}{{end}}<br>{{.Department}} / {{call $.Years .Joined .Left}}<br>{{$.RT.empno}}: {{.EmployeeNumber}}<br>{{else}}{{$.RT.no_record}}<br>{{end}}<strong>{{index $.RT (printf "reason_%s" .Match.Reason)}}</strong></td>
{{with .Member}}<td data-label="{{$.RT.registered}}">{{call $.Date .CreatedAt}}</td>
<td>
<form method="post" action="/api/hr/registrations/{{.ID}}/approve"><input type="hidden" name="back" value="/hr/registrations"><button type="submit" class="button">{{$.RT.approve}}</button></form>
<form method="post" action="/api/hr/registrations/{{.ID}}/reject" class="form"><input type="hidden" name="back" value="/hr/registrations">
<div class="field"><label for="reason-{{.ID}}">{{$.RT.reason}}</label>
<input id="reason-{{.ID}}" name="reason" required maxlength="500"></div>
<button type="submit" class="button button-secondary">{{$.RT.reject}}</button></form>
</td>{{end}}</tr>
{{end}}</tbody></table></div>{{end}}
<section aria-labelledby="history">
<h2 id="history">{{.RT.history}}</h2>
{{if not .History}}<p>{{.RT.no_history}}</p>{{else}}
<div class="table-scroll"><table>
<caption>{{.RT.history_caption}}</caption>
<thead><tr><th scope="col">{{.RT.when}}</th><th scope="col">{{.RT.what}}</th><th scope="col">{{.RT.whom}}</th><th scope="col">{{.RT.who}}</th></tr></thead>
<tbody>{{range .History}}<tr><td>{{call $.When .At}}</td><td>{{index $.RT (printf "h_%s" .Action)}}</td><td>{{if .Name}}<a href="/hr/members/{{.Subject}}">{{.Name}}</a>{{else}}{{$.RT.erased}}{{end}}</td><td>{{if .By}}{{.By}}{{else}}{{$.RT.automatic}}{{end}}</td></tr>
{{end}}</tbody></table></div>{{end}}
</section>
</div>`))
})

var reviewText = map[string]map[string]string{
	"ja": {"title": "登録申請の審査", "intro": "メール確認済みで、名簿と自動照合できなかった申請です。承認するか、理由を添えて却下してください。お知らせのメールは10分後に送られ、それまでは取り消せます。",
		"none": "審査待ちの申請はありません。", "caption": "審査待ちの申請", "empno": "社員番号", "select": "選択",
		"pick": "%sさんを選択", "bulk_hint": "チェックした申請をまとめて承認できます。", "approve_selected": "選択した申請を承認する",
		"registered": "申請日", "decision": "判断", "approve": "承認する", "reject": "却下する", "reason": "却下の理由",
		"typed": "申請の内容", "roster": "名簿の記録と照合結果", "no_email": "（名簿にメールアドレスなし）", "no_record": "（該当する名簿の記録なし）",
		"reason_no_entry":            "名簿にメールアドレスも社員番号も見つかりません。",
		"reason_number_only":         "社員番号だけが一致しました（メールアドレスは名簿と異なります）。本人かどうか確認してください。",
		"reason_number_differs":      "メールアドレスは名簿と一致しますが、入力された社員番号が名簿と異なります。",
		"reason_excluded_department": "名簿の部署が自動承認の対象外です。",
		"reason_tenure":              "名簿の在籍期間が自動承認の条件より短いです。",
		"reason_entry_taken":         "この名簿の記録はすでに別のメンバーに照合されています。",
		"reason_":                    "名簿と一致しています（承認方式により事務局の判断を待っています）。",
		"done_approved":              "%n件の登録を承認しました：", "done_rejected": "%n件の登録を却下しました：", "done_undone": "%n件の判断を取り消し、審査待ちに戻しました：",
		"undo_note": "お知らせのメールは10分後に送られます。それまでは取り消せます。", "undo": "取り消す",
		"history": "最近の判断", "no_history": "この30日間の判断はまだありません。", "history_caption": "最近の審査の判断（新しい順、30日間）",
		"when": "日時", "what": "判断", "whom": "申請者", "who": "判断した人", "automatic": "自動（名簿と一致）", "erased": "（削除済み）",
		"h_approve": "承認", "h_reject": "却下", "h_undo": "取り消し"},
	"en": {"title": "Review registrations", "intro": "Verified registrations that did not match the leaver roster. Approve, or reject with a reason. The person is emailed 10 minutes later; until then you can undo.",
		"none": "No registration is waiting.", "caption": "Registrations waiting for review", "empno": "Employee no.", "select": "Select",
		"pick": "Select %s", "bulk_hint": "Tick registrations to approve them together.", "approve_selected": "Approve selected",
		"registered": "Registered", "decision": "Decision", "approve": "Approve", "reject": "Reject", "reason": "Reason for rejecting",
		"typed": "What they entered", "roster": "Roster record and result", "no_email": "(no email in the roster)", "no_record": "(no matching roster record)",
		"reason_no_entry":            "Neither the address nor the employee number is in the roster.",
		"reason_number_only":         "Only the employee number matched (the address differs from the roster's). Check that this is the person.",
		"reason_number_differs":      "The address matches the roster, but the employee number entered is different.",
		"reason_excluded_department": "The roster's department is excluded from automatic approval.",
		"reason_tenure":              "The roster's employment is shorter than the automatic approval rule.",
		"reason_entry_taken":         "This roster record is already matched to another member.",
		"reason_":                    "Matches the roster (the approval mode leaves the decision to HR).",
		"done_approved":              "Approved %n registration(s):", "done_rejected": "Rejected %n registration(s):", "done_undone": "Undid %n decision(s); waiting for review again:",
		"undo_note": "The email goes out in 10 minutes; until then you can undo.", "undo": "Undo",
		"history": "Recent decisions", "no_history": "No decisions in the last 30 days.", "history_caption": "Recent review decisions (newest first, 30 days)",
		"when": "When", "what": "Decision", "whom": "Applicant", "who": "Decided by", "automatic": "Automatic (matched the roster)", "erased": "(erased)",
		"h_approve": "Approved", "h_reject": "Rejected", "h_undo": "Undone"},
}

func hrLang(admin store.Member) string {
	if admin.Language == store.LanguageEn {
		return httpapi.LangEN
	}
	return httpapi.LangJA
}

// hrDate and hrWhen format times for HR's pages in Japan time, as the
// site writes them (brand.Date: 2026年12月6日, brand.DateTime: 2026年12月6日
// 0:34), the year always there: a member's record spans years.
func hrDate(lang string) func(time.Time) string {
	return func(t time.Time) string { return brand.Date(lang, t) }
}

func hrWhen(lang string) func(time.Time) string {
	return func(t time.Time) string { return brand.DateTime(lang, t) }
}

// reviewRow is a registration beside what the roster says of it.
type reviewRow struct {
	Member store.Member `json:"member"`
	Match  RosterMatch  `json:"roster"`
}

// waitingRows lists up to limit registrations waiting for HR, each with its roster match.
func (h Handler) waitingRows(ctx context.Context, limit int, cursor string) ([]reviewRow, error) {
	ms, _, err := h.S.Store.ListMembersByStatus(ctx, store.StatusVerified, store.Page{Limit: limit, Cursor: cursor})
	if err != nil {
		return nil, err
	}
	rows := make([]reviewRow, 0, len(ms))
	for _, m := range ms {
		match, err := h.S.MatchRoster(ctx, m)
		if err != nil {
			return nil, err
		}
		rows = append(rows, reviewRow{m, match})
	}
	return rows, nil
}

func (h Handler) hrRegistrations(w http.ResponseWriter, r *http.Request, admin store.Member) {
	lang := hrLang(admin)
	cursor := r.URL.Query().Get("cursor")
	rows, err := h.waitingRows(r.Context(), store.MaxPageLimit, cursor)
	var ve *store.ValidationError
	if errors.As(err, &ve) {
		h.fail(w, r, storeError(err), "/hr/registrations")
		return
	}
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), "")
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"registrations": rows, "count": strconv.Itoa(len(rows))})
		return
	}
	history, err := h.decisionHistory(r.Context(), 20)
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), "")
		return
	}
	httpapi.RenderTemplate(w, r, http.StatusOK, httpapi.View{Lang: lang, Title: reviewText[lang]["title"], Section: httpapi.SectionMembers},
		reviewTmpl(), map[string]any{"RT": reviewText[lang], "Rows": rows, "History": history,
			"Notice": h.readNotice(r.Context(), r, lang, "/hr/registrations"),
			"Date":   hrDate(lang), "When": hrWhen(lang), "Years": yearsFunc(lang), "Menu": httpapi.NewHRMenu(lang, "/hr/registrations")})
}
