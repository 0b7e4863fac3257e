package account

import (
	"cmp"
	"context"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// Bounds of the audit log viewer: a page shows about auditPageRows
// entries and reads at most auditMaxRead entries from the store to find
// them, in queries of auditMinChunk to auditMaxChunk entries, so a
// request never walks the whole log.
const (
	auditPageRows = 50
	auditMaxRead  = 1000
	auditMinChunk = 25
	auditMaxChunk = 200
	auditDays     = 30 // the default range: the last 30 days, today included
	// The CSV holds the matches among at most auditCSVMaxRead entries.
	auditCSVMaxRead = 10000
)

// auditBounds bound one read of the log: rows wanted, entries read, the
// largest query.
type auditBounds struct{ rows, read, chunk int }

var (
	auditPageBounds = auditBounds{auditPageRows, auditMaxRead, auditMaxChunk}
	auditCSVBounds  = auditBounds{auditCSVMaxRead, auditCSVMaxRead, store.MaxPageLimit}
)

// auditAction is one kind of audit entry, with its label in plain words.
type auditAction struct {
	Action string
	ja, en string
}

// auditArea groups actions for the "what" filter; its prefix ("member")
// selects every action that starts with it and a dot.
type auditArea struct {
	Prefix  string
	ja, en  string
	Actions []auditAction
}

// auditAreas are the actions the functions record (grep audit( and
// AppendAudit across functions/), in the filter's order.
var auditAreas = []auditArea{
	{"member", "メンバーの登録と審査", "Members and registrations", []auditAction{
		{"member.register", "登録を申し込んだ", "Registered"},
		{"member.verify", "メールアドレスを確認した", "Confirmed their email address"},
		{"member.employee_number_held", "社員番号がほかのメンバーと重なった（審査へ）", "Employee number already held (sent to review)"},
		{"member.add", "事務局がメンバーを追加した", "Added by HR"},
		{"lifecycle.nudge", "プロフィール入力のお願いを送った", "Sent the profile nudge"},
		{"lifecycle.yearly", "年に一度の登録内容の確認を送った", "Sent the yearly check"},
		{"settings.mails", "事務局が自動メールの設定を変えた", "HR changed the automatic mails"},
		{"member.approve", "登録を承認した", "Approved a registration"},
		{"member.reject", "登録を却下した", "Rejected a registration"},
		{"member.undo", "審査の判断を取り消した", "Undid a review decision"},
		{"member.update", "プロフィールを変更した", "Changed the profile"},
		{"member.email_change", "メールアドレスを変更した", "Changed the email address"},
		{"member.email_undo", "メールアドレスを元に戻した", "Put the email address back"},
		{"member.export", "自分のデータをダウンロードした", "Downloaded their data"},
		{"member.read", "事務局がメンバーのページを開いた", "HR opened the member's page"},
		{"member.correct", "事務局が部署・在籍期間を訂正した", "HR corrected the department or years"},
		{"member.suspend", "利用を停止した", "Suspended"},
		{"member.restore", "利用を再開した", "Restored"},
		{"member.erase", "メンバーを削除した", "Erased a member"},
	}},
	{"members", "メンバー一覧", "Member lists", []auditAction{
		{"members.export", "メンバー一覧をCSVでダウンロードした", "Downloaded the member list (CSV)"},
	}},
	{"audit", "操作の記録", "Audit log", []auditAction{
		{"audit.export", "操作の記録をCSVでダウンロードした", "Downloaded the audit log (CSV)"},
	}},
	{"role", "管理者の役割", "Administrator role", []auditAction{
		{"role.grant", "管理者にした", "Made an administrator"},
		{"role.revoke", "管理者から外した", "Removed an administrator"},
	}},
	{"session", "ログイン", "Logins", []auditAction{
		{"session.create", "ログインした", "Logged in"},
		{"session.delete", "ログアウトした", "Logged out"},
	}},
	{"directory", "アルムナイ名簿", "Directory", []auditAction{
		{"directory.contact", "名簿から連絡した", "Contacted someone through the directory"},
		{"directory.block", "名簿で誰かをブロックした（相手は記録しない）", "Blocked someone in the directory (whom is not recorded)"},
		{"directory.unblock", "名簿でブロックを解除した", "Lifted a block in the directory"},
		{"directory.defaults", "名簿の表示項目の初期設定を、まだ選んでいないメンバーに適用した", "Applied the directory's default fields to members who had not chosen"},
	}},
	{"rsvp", "イベントの受付", "Event check-in", []auditAction{
		{"rsvp.checkin", "出席を記録した", "Checked in"},
		{"rsvp.checkin_undo", "出席の記録を取り消した", "Undid a check-in"},
	}},
	{"application", "求人への応募", "Job applications", []auditAction{
		{"application.create", "求人に応募した", "Applied for a job"},
		{"application.withdraw", "応募を取り下げた", "Withdrew an application"},
		{"application.move", "応募の状況を変えた", "Moved an application"},
		{"application.read", "応募を開いた", "Opened an application"},
		{"application.resume.read", "履歴書を開いた", "Opened a résumé"},
		{"application.export", "応募をCSVでダウンロードした", "Downloaded applications (CSV)"},
	}},
	{"referral", "友人の紹介", "Referrals", []auditAction{
		{"referral.create", "友人を紹介した", "Referred a friend"},
		{"referral.answer", "紹介された方が返事をした", "The friend answered"},
		{"referral.unsubscribe", "紹介された方がメールを止めた", "The friend stopped the mails"},
		{"referral.outcome", "紹介の結果を記録した", "Recorded the outcome"},
		{"referral.export", "紹介をCSVでダウンロードした", "Downloaded referrals (CSV)"},
	}},
	{"newsletter", "ニュースレター", "Newsletters", []auditAction{
		{"newsletter.test", "テスト送信した", "Sent a test"},
		{"newsletter.send", "配信を始めた", "Started a send"},
		{"newsletter.unsubscribe", "配信を停止した", "Unsubscribed"},
		{"newsletter.spamreport", "迷惑メールとして報告した（配信停止）", "Reported it as spam (unsubscribed)"},
	}},
}

// auditLabels maps each known action to its labels.
var auditLabels = sync.OnceValue(func() map[string]auditAction {
	out := map[string]auditAction{}
	for _, a := range auditAreas {
		for _, act := range a.Actions {
			out[act.Action] = act
		}
	}
	return out
})

// actionLabel is an action in plain words; an action not in the list
// shows as itself.
func actionLabel(lang, action string) string {
	a, ok := auditLabels()[action]
	switch {
	case !ok:
		return action
	case lang == httpapi.LangEN:
		return a.en
	}
	return a.ja
}

// memberSubject reports whether an action's subject is a member id.
func memberSubject(action string) bool {
	switch action {
	case "directory.contact", "directory.block", "directory.unblock", "newsletter.unsubscribe", "newsletter.spamreport":
		return true
	}
	for _, p := range []string{"member.", "role.", "session.", "rsvp."} {
		if strings.HasPrefix(action, p) {
			return true
		}
	}
	return false
}

// The actors that are not a member, as the "who" filter takes them.
const (
	whoSystem = "system" // automatic: the roster matched, a webhook, the bootstrap
	whoCLI    = "cli"    // the okaeri command, run by an operator
)

func isCLIActor(a string) bool {
	return a == "cli" || a == "operator" || strings.HasPrefix(a, "operator:") || a == "hr:cli" || a == "hr:demo"
}

func isSystemActor(a string) bool { return a == "system" || strings.HasPrefix(a, "system:") }

// whoWord reads the "who" filter's words for the actors that are not a
// member: the page's own (自動処理, Server command, in either language)
// and the stored names (system, cli) that links and bookmarks carry.
func whoWord(v string) (string, bool) {
	for _, who := range []string{whoSystem, whoCLI} {
		words := []string{who, auditText["ja"]["a_"+who], auditText["en"]["a_"+who]}
		if who == whoCLI {
			words = append(words, "管理コマンド")
		}
		for _, w := range words {
			if strings.EqualFold(v, w) {
				return who, true
			}
		}
	}
	return "", false
}

// AuditFilter is what HR asks of the audit log, as parsed from the query.
type AuditFilter struct {
	Who, Whom, What string // as the form shows them: an email typed is replaced by the member's id
	From, To        string // YYYY-MM-DD, Japan time, both days included
	Cursor          string

	actor, subject string // resolved: a member id (or whoSystem, whoCLI) and a subject
	from, to       time.Time
}

// Query is the filter as a URL query (without the cursor).
func (f AuditFilter) Query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"who": f.Who, "whom": f.Whom, "what": f.What, "from": f.From, "to": f.To} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return q
}

// match reports whether an entry passes the filters the store does not apply.
func (f AuditFilter) match(e store.AuditEntry) bool {
	switch {
	case f.actor == whoSystem:
		if !isSystemActor(e.Actor) {
			return false
		}
	case f.actor == whoCLI:
		if !isCLIActor(e.Actor) {
			return false
		}
	case f.actor != "":
		if e.Actor != f.actor && e.Actor != "hr:"+f.actor {
			return false
		}
	}
	if p, ok := strings.CutSuffix(f.What, ".*"); ok {
		return strings.HasPrefix(e.Action, p+".")
	}
	return f.What == "" || e.Action == f.What
}

// validWhat reports whether v is a known action or an area ("member.*").
func validWhat(v string) bool {
	if p, ok := strings.CutSuffix(v, ".*"); ok {
		return slices.ContainsFunc(auditAreas, func(a auditArea) bool { return a.Prefix == p })
	}
	_, ok := auditLabels()[v]
	return ok
}

// subjectKey reports whether s can be an audit subject: printable ASCII
// without spaces or @, as store.AuditEntry.Validate keeps them.
func subjectKey(s string) bool {
	if s == "" || len(s) > 200 || strings.ContainsRune(s, '@') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// auditNameMax is the longest name the who and whom filters look up.
const auditNameMax = 100

// auditNamedSuggestions is how many administrators the who field
// suggests by name (each is one look-up); the rest by id.
const auditNamedSuggestions = 20

// namedBy reports whether typing name in the who or whom field finds the
// member id, and nobody else.
func (h Handler) namedBy(ctx context.Context, name, id string) bool {
	if name == "" || checkText("who", name, auditNameMax, false) != nil {
		return false
	}
	got, found, _, err := h.memberNamed(ctx, name)
	return err == nil && found && got == id
}

// memberNamed finds the one member whose name, kana or roman name is v
// (spaces, width and kana kind aside), or, when none is, the one whose
// name contains it, reading at most searchMaxRead members (as HR's member
// search). found is false when nobody matches; many counts the members
// matching when more than one does.
func (h Handler) memberNamed(ctx context.Context, v string) (id string, found bool, many int, err error) {
	res, err := h.S.SearchMembers(ctx, MemberFilter{Q: v}, "", searchPage, searchMaxRead)
	if err != nil {
		return "", false, 0, err
	}
	q := fold(v)
	var exact, part []store.Member
	for _, m := range res.Members {
		names := []string{fold(m.Name), fold(m.Kana), fold(m.Roman)}
		switch {
		case slices.Contains(names, q):
			exact = append(exact, m)
		case slices.ContainsFunc(names, func(n string) bool { return n != "" && strings.Contains(n, q) }):
			part = append(part, m)
		}
	}
	for _, ms := range [][]store.Member{exact, part} {
		switch len(ms) {
		case 0:
			continue
		case 1:
			return ms[0].ID, true, 0, nil
		}
		return "", false, len(ms), nil
	}
	return "", false, 0, nil
}

// ParseAuditFilter reads the viewer's filters. who and whom take a
// member's email address or name (looked up, and replaced by the member's
// id, which the page's links carry) or an id; whom also takes an
// application's, a referral's or a newsletter's id, and who the words for
// automatic actions and server commands (whoWord), kept as "system" and
// "cli" in the query. Dates default to the last 30 days in Japan time.
func (h Handler) ParseAuditFilter(ctx context.Context, q url.Values) (AuditFilter, error) {
	f := AuditFilter{What: strings.TrimSpace(q.Get("what")), Cursor: q.Get("cursor")}
	var errs []httpapi.FieldError
	// byName looks v up as a member's name: ok with the member's id;
	// else, when other says v may be something else, "" and true; else
	// the field's error.
	byName := func(field, v string, other bool) (string, bool) {
		if fe := checkText(field, v, auditNameMax, false); fe != nil {
			errs = append(errs, httpapi.FieldError{Field: field, Code: "member_name", Params: []any{auditNameMax}})
			return "", false
		}
		id, found, many, err := h.memberNamed(ctx, v)
		switch {
		case err != nil:
			errs = append(errs, httpapi.FieldError{Field: field, Code: "format"})
		case found:
			return id, true
		case many > 0:
			errs = append(errs, httpapi.FieldError{Field: field, Code: "many_members", Params: []any{v, many}})
		case other:
			return "", true
		default:
			errs = append(errs, httpapi.FieldError{Field: field, Code: "no_member"})
		}
		return "", false
	}
	resolve := func(field, v string) (string, bool) {
		m, err := h.S.Store.GetMemberByEmail(ctx, v)
		switch {
		case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrInvalid):
			errs = append(errs, httpapi.FieldError{Field: field, Code: "no_member"})
			return "", false
		case err != nil:
			errs = append(errs, httpapi.FieldError{Field: field, Code: "format"})
			return "", false
		}
		return m.ID, true
	}
	if v := strings.TrimSpace(q.Get("who")); v != "" {
		who, word := whoWord(v)
		switch {
		case word:
			f.actor = who
		case strings.Contains(v, "@"):
			f.actor, _ = resolve("who", v)
		case store.ValidID(strings.TrimPrefix(v, "hr:")):
			f.actor = strings.TrimPrefix(v, "hr:")
		default:
			f.actor, _ = byName("who", v, false)
		}
		f.Who = v
		if f.actor != "" {
			f.Who = f.actor
		}
	}
	if v := strings.TrimSpace(q.Get("whom")); v != "" {
		switch {
		case strings.Contains(v, "@"):
			f.subject, _ = resolve("whom", v)
		case store.ValidID(v):
			f.subject = v
		default:
			// A name first; else an application's, a referral's or a
			// newsletter's id ("winter-2026").
			if id, ok := byName("whom", v, subjectKey(v)); ok {
				f.subject = cmp.Or(id, v)
			}
		}
		f.Whom = v
		if f.subject != "" {
			f.Whom = f.subject
		}
	}
	if f.What != "" && !validWhat(f.What) {
		errs = append(errs, httpapi.FieldError{Field: "what", Code: "choice"})
	}
	day := func(field string) (time.Time, bool) {
		v := strings.TrimSpace(q.Get(field))
		if v == "" {
			return time.Time{}, true
		}
		t, err := time.ParseInLocation("2006-01-02", v, jst)
		if err != nil {
			errs = append(errs, httpapi.FieldError{Field: field, Code: "date"})
			return time.Time{}, false
		}
		return t, true
	}
	from, okFrom := day("from")
	to, okTo := day("to")
	if okFrom && okTo {
		now := h.S.Now().In(jst)
		today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, jst)
		switch {
		case from.IsZero() && to.IsZero():
			to = today
			from = today.AddDate(0, 0, 1-auditDays)
		case from.IsZero():
			from = to.AddDate(0, 0, 1-auditDays)
		case to.IsZero():
			to = today
			if to.Before(from) {
				to = from
			}
		}
		if to.Before(from) {
			errs = append(errs, httpapi.FieldError{Field: "to", Code: "date_order"})
		}
		f.From, f.To = from.Format("2006-01-02"), to.Format("2006-01-02")
		f.from, f.to = from, to.AddDate(0, 0, 1) // the store's To is exclusive
	} else {
		f.From, f.To = strings.TrimSpace(q.Get("from")), strings.TrimSpace(q.Get("to"))
	}
	if len(errs) > 0 {
		return f, httpapi.Invalid(errs...)
	}
	return f, nil
}

// AuditRow is one audit entry as the viewer shows it: names looked up
// now from the member records (an erased member has none), never stored
// in the entry.
type AuditRow struct {
	At          time.Time `json:"at"`
	Actor       string    `json:"actor"`
	ActorName   string    `json:"actorName"`
	Action      string    `json:"action"`
	ActionLabel string    `json:"actionLabel"`
	Subject     string    `json:"subject"`
	SubjectName string    `json:"subjectName"`
	Fields      []string  `json:"fields,omitempty"`
	FieldNames  []string  `json:"fieldNames,omitempty"`
}

// AuditPage is one page of the viewer.
type AuditPage struct {
	Rows []AuditRow `json:"rows"`
	// Next continues the listing (the store's cursor); Read is how many
	// entries were read for this page, Capped whether it stopped at
	// auditMaxRead with entries left.
	Next   string `json:"next,omitempty"`
	Read   int    `json:"read"`
	Capped bool   `json:"capped,omitempty"`
}

// auditEntries reads one page: the subject's own partition when whom is
// given, else the time-ordered log, newest first; who and what filter in
// memory, reading at most auditMaxRead entries.
func (h Handler) auditEntries(ctx context.Context, f AuditFilter, b auditBounds) ([]store.AuditEntry, AuditPage, error) {
	q := store.AuditQuery{Subject: f.subject, From: f.from, To: f.to, Newest: true}
	var out []store.AuditEntry
	var page AuditPage
	cursor := f.Cursor
	for {
		limit := min(max(b.rows-len(out), auditMinChunk), b.chunk, b.read-page.Read)
		es, next, err := h.S.Store.ListAudit(ctx, q, store.Page{Limit: limit, Cursor: cursor})
		if err != nil {
			return nil, AuditPage{}, err
		}
		page.Read += len(es)
		for _, e := range es {
			if f.match(e) {
				out = append(out, e)
			}
		}
		cursor = next
		if next == "" || len(out) >= b.rows || page.Read >= b.read {
			break
		}
	}
	page.Next = cursor
	page.Capped = cursor != "" && len(out) < b.rows
	return out, page, nil
}

// auditNames looks members up once per request.
type auditNames struct {
	ctx   context.Context
	s     store.Store
	lang  string
	cache map[string]string
}

// member is the member's name now, or 「削除されたメンバー」 when there is
// no such member (erased).
func (n *auditNames) member(id string) string {
	if v, ok := n.cache[id]; ok {
		return v
	}
	v := auditText[n.lang]["erased"]
	if store.ValidID(id) {
		if m, err := n.s.GetMember(n.ctx, id); err == nil && m.Name != "" {
			v = m.Name
		}
	}
	n.cache[id] = v
	return v
}

func (n *auditNames) actor(a string) string {
	T := auditText[n.lang]
	switch {
	case isCLIActor(a):
		return T["a_cli"]
	case a == "system:bootstrap":
		return T["a_bootstrap"]
	case isSystemActor(a):
		return T["a_system"]
	case strings.HasPrefix(a, "referral:"):
		return T["a_referral"]
	}
	return n.member(strings.TrimPrefix(a, "hr:"))
}

func (n *auditNames) subject(e store.AuditEntry) string {
	if memberSubject(e.Action) {
		return n.member(e.Subject)
	}
	if v, ok := auditText[n.lang]["s_"+e.Subject]; ok { // "members", "applications", "referrals"
		return v
	}
	return e.Subject
}

// auditFieldLabels name stored field names for people where the shared
// labels do not.
var auditFieldLabels = map[string][2]string{
	"consents":                  {"同意", "Consents"},
	"consents.newsletter":       {"ニュースレターの受け取り", "Newsletter subscription"},
	"roles.hr":                  {"管理者の役割", "Administrator role"},
	"sessions":                  {"ログイン", "Logins"},
	"attended":                  {"出席", "Attendance"},
	"employeeNumber":            {"社員番号", "Employee number"},
	"outcomeNote":               {"結果のメモ", "Outcome note"},
	"friendEmail":               {"紹介された方のメールアドレス", "Friend's email address"},
	"profile":                   {"プロフィール", "Profile"},
	"consents.events":           {"イベント案内の受け取り", "Event news"},
	"consents.jobs":             {"求人案内の受け取り", "Job news"},
	"consents.directory":        {"名簿への掲載", "Listed in the directory"},
	"consents.sidework":         {"副業案内の受け取り", "Side-work news"},
	"profile.company":           {"勤務先", "Company"},
	"profile.role":              {"役職", "Role"},
	"profile.location":          {"地域", "Location"},
	"profile.bio":               {"自己紹介", "Bio"},
	"profile.skills":            {"スキル", "Skills"},
	"profile.interests":         {"関心ごと", "Interests"},
	"profile.visible":           {"名簿に表示する項目", "Fields shown in the directory"},
	"profile.open_to.rehire":    {openToLabel("ja", "rehire"), openToLabel("en", "rehire")},
	"profile.open_to.referrals": {openToLabel("ja", "referrals"), openToLabel("en", "referrals")},
	"profile.open_to.sidework":  {openToLabel("ja", "sidework"), openToLabel("en", "sidework")},
	"profile.open_to.mentoring": {openToLabel("ja", "mentoring"), openToLabel("en", "mentoring")},
}

func auditFieldLabel(lang, f string) string {
	if l, ok := auditFieldLabels[f]; ok {
		if lang == httpapi.LangEN {
			return l[1]
		}
		return l[0]
	}
	return httpapi.FieldLabel(lang, f)
}

func (h Handler) auditRows(ctx context.Context, lang string, es []store.AuditEntry) []AuditRow {
	n := &auditNames{ctx: ctx, s: h.S.Store, lang: lang, cache: map[string]string{}}
	rows := make([]AuditRow, 0, len(es))
	for _, e := range es {
		row := AuditRow{At: e.At, Actor: e.Actor, ActorName: n.actor(e.Actor), Action: e.Action, ActionLabel: actionLabel(lang, e.Action),
			Subject: e.Subject, SubjectName: n.subject(e), Fields: e.Fields}
		for _, f := range e.Fields {
			row.FieldNames = append(row.FieldNames, auditFieldLabel(lang, f))
		}
		rows = append(rows, row)
	}
	return rows
}

// hrAudit is GET /hr/audit: who did what to whom, when, filtered by HR.
func (h Handler) hrAudit(w http.ResponseWriter, r *http.Request, admin store.Member) {
	lang := hrLang(admin)
	wantsJSON := strings.Contains(r.Header.Get("Accept"), "application/json")
	f, err := h.ParseAuditFilter(r.Context(), r.URL.Query())
	var page AuditPage
	var rows []AuditRow
	if err == nil {
		var es []store.AuditEntry
		es, page, err = h.auditEntries(r.Context(), f, auditPageBounds)
		var ve *store.ValidationError
		if errors.As(err, &ve) { // a cursor of another listing
			err = storeError(err)
		}
		if err == nil {
			rows = h.auditRows(r.Context(), lang, es)
		}
	}
	status := http.StatusOK
	fieldErrs := map[string]string{}
	if err != nil {
		e := httpapi.AsError(err)
		if wantsJSON || e.Code != httpapi.EINVALID {
			h.failIn(w, r, err, "/hr/audit", lang)
			return
		}
		status = e.Code.Status()
		for _, fe := range httpapi.ProblemFor(e, lang).Errors {
			fieldErrs[fe.Field] = fe.Message
		}
	}
	if wantsJSON {
		httpapi.WriteJSON(w, http.StatusOK, page.withRows(rows))
		return
	}
	next := ""
	if page.Next != "" {
		q := f.Query()
		q.Set("cursor", page.Next)
		next = "/hr/audit?" + q.Encode()
	}
	T := auditText[lang]
	type option struct {
		Value, Text string
		On          bool
	}
	type group struct {
		Label   string
		Options []option
	}
	var groups []group
	for _, a := range auditAreas {
		g := group{Label: a.ja}
		all := T["all_of"]
		if lang == httpapi.LangEN {
			g.Label = a.en
		}
		g.Options = append(g.Options, option{a.Prefix + ".*", strings.ReplaceAll(all, "%s", g.Label), f.What == a.Prefix+".*"})
		for _, act := range a.Actions {
			g.Options = append(g.Options, option{act.Action, actionLabel(lang, act.Action), f.What == act.Action})
		}
		groups = append(groups, g)
	}
	var admins []option
	if hrs, err := h.S.Store.ListMembersByRole(r.Context(), store.RoleHR); err == nil {
		for i, m := range hrs {
			// A suggestion fills in the name, not an id HR cannot read,
			// when the name finds the administrator again.
			if i < auditNamedSuggestions && h.namedBy(r.Context(), m.Name, m.ID) {
				admins = append(admins, option{Value: m.Name})
				continue
			}
			admins = append(admins, option{Value: m.ID, Text: m.Name})
		}
	}
	// Automatic actions and server commands are offered, and shown in the
	// field, in words; the query keeps their stored names.
	admins = append(admins, option{Value: T["a_"+whoSystem]}, option{Value: T["a_"+whoCLI]})
	// A member the fields found shows as their name, as HR would type
	// it, when the name finds them again; else as the id, with the name
	// beside. The links keep the id.
	who, whom := f.Who, f.Whom
	n := &auditNames{ctx: r.Context(), s: h.S.Store, lang: lang, cache: map[string]string{}}
	resolved := map[string]string{}
	switch {
	case f.actor == whoSystem || f.actor == whoCLI:
		who = T["a_"+f.actor]
	case f.actor != "" && err == nil:
		if name := n.actor(f.actor); h.namedBy(r.Context(), name, f.actor) {
			who = name
		} else {
			resolved["who"] = name
		}
	}
	if f.subject != "" && err == nil && store.ValidID(f.subject) {
		if m, err := h.S.Store.GetMember(r.Context(), f.subject); err == nil {
			if h.namedBy(r.Context(), m.Name, m.ID) {
				whom = m.Name
			} else {
				resolved["whom"] = m.Name
			}
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	httpapi.RenderTemplate(w, r, status, httpapi.View{Lang: lang, Title: T["title"], Section: httpapi.SectionMembers},
		auditTmpl(), map[string]any{"T": T, "F": f, "P": page, "Rows": rows, "Next": next, "Errors": fieldErrs,
			"Groups": groups, "Admins": admins, "Resolved": resolved, "Who": who, "Whom": whom, "Failed": err != nil,
			"When": func(t time.Time) string { return brand.DateTime(lang, t) }, "CSV": "/hr/audit.csv?" + f.Query().Encode(),
			"Menu": httpapi.NewHRMenu(lang, "/hr/audit")})
}

var auditColumns = []httpapi.CSVColumn{{"日時", "When"}, {"操作した人", "Who"}, {"操作", "What"}, {"対象", "To whom or what"},
	{"変更した項目", "Fields changed"}, {"操作した人のID", "Actor"}, {"操作のID", "Action"}, {"対象のID", "Subject"}}

// hrAuditCSV is GET /hr/audit.csv: the page's filters, newest first, the
// matches among at most auditCSVMaxRead entries, for Excel. It is audited
// itself: it lists people's names.
func (h Handler) hrAuditCSV(w http.ResponseWriter, r *http.Request, admin store.Member) {
	lang := hrLang(admin)
	q := r.URL.Query()
	q.Del("cursor")
	f, err := h.ParseAuditFilter(r.Context(), q)
	if err != nil {
		h.failIn(w, r, err, "/hr/audit", lang)
		return
	}
	es, _, err := h.auditEntries(r.Context(), f, auditCSVBounds)
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), "")
		return
	}
	sep := "、"
	if lang == httpapi.LangEN {
		sep = ", "
	}
	var rows [][]string
	for _, row := range h.auditRows(r.Context(), lang, es) {
		rows = append(rows, []string{row.At.In(jst).Format("2006-01-02 15:04:05"), row.ActorName, row.ActionLabel, row.SubjectName,
			strings.Join(row.FieldNames, sep), row.Actor, row.Action, row.Subject})
	}
	h.S.audit(r.Context(), "hr:"+admin.ID, "audit.export", "audit")
	httpapi.WriteCSV(w, "audit.csv", lang, auditColumns, rows)
}

func (p AuditPage) withRows(rows []AuditRow) AuditPage {
	if rows == nil {
		rows = []AuditRow{}
	}
	p.Rows = rows
	return p
}

var auditTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("audit").Parse(`<div class="wrap hr">` + httpapi.HRNav + `
<h1>{{.T.title}}</h1>
<p>{{.T.intro}}</p>
<form method="get" action="/hr/audit" class="form audit-filter" role="search" aria-label="{{.T.filter}}">
{{if .Errors}}<p class="field-error" role="alert">{{.T.fix}}</p>{{end}}
<div class="field"><label for="who">{{.T.who}}</label>
<input id="who" name="who" value="{{.Who}}" maxlength="254" list="hr-admins" autocomplete="off" aria-describedby="who-hint{{if .Errors.who}} who-error{{end}}"{{if .Errors.who}} aria-invalid="true"{{end}}>
<datalist id="hr-admins">{{range .Admins}}<option value="{{.Value}}"{{with .Text}} label="{{.}}"{{end}}></option>{{end}}</datalist>
<p id="who-hint" class="hint">{{.T.who_hint}}{{with .Resolved.who}} <b>{{.}}</b>{{end}}</p>
{{with .Errors.who}}<p class="field-error" id="who-error">{{.}}</p>{{end}}</div>
<div class="field"><label for="whom">{{.T.whom}}</label>
<input id="whom" name="whom" value="{{.Whom}}" maxlength="254" autocomplete="off" aria-describedby="whom-hint{{if .Errors.whom}} whom-error{{end}}"{{if .Errors.whom}} aria-invalid="true"{{end}}>
<p id="whom-hint" class="hint">{{.T.whom_hint}}{{with .Resolved.whom}} <b>{{.}}</b>{{end}}</p>
{{with .Errors.whom}}<p class="field-error" id="whom-error">{{.}}</p>{{end}}</div>
<div class="field"><label for="what">{{.T.what}}</label>
<select id="what" name="what"{{if .Errors.what}} aria-invalid="true" aria-describedby="what-error"{{end}}><option value="">{{.T.any}}</option>
{{range .Groups}}<optgroup label="{{.Label}}">{{range .Options}}<option value="{{.Value}}"{{if .On}} selected{{end}}>{{.Text}}</option>{{end}}</optgroup>
{{end}}</select>
{{with .Errors.what}}<p class="field-error" id="what-error">{{.}}</p>{{end}}</div>
<fieldset class="date-range"><legend>{{.T.when}}</legend>
<label>{{.T.from}}<input name="from" type="date" value="{{.F.From}}"{{if .Errors.from}} aria-invalid="true" aria-describedby="from-error"{{end}}></label>
<label>{{.T.to}}<input name="to" type="date" value="{{.F.To}}"{{if .Errors.to}} aria-invalid="true" aria-describedby="to-error"{{end}}></label>
<p class="hint">{{.T.when_hint}}</p>
{{with .Errors.from}}<p class="field-error" id="from-error">{{$.T.from}}: {{.}}</p>{{end}}
{{with .Errors.to}}<p class="field-error" id="to-error">{{$.T.to}}: {{.}}</p>{{end}}</fieldset>
<p><button type="submit" class="button">{{.T.search}}</button> <a class="button button-secondary" href="/hr/audit">{{.T.reset}}</a>{{if not .Failed}} <a class="button button-secondary" href="{{.CSV}}">{{.T.csv}}</a>{{end}}</p>
</form>
{{if not .Failed}}
{{if not .Rows}}<p class="lead">{{if .P.Capped}}{{.T.none_yet}}{{else}}{{.T.none}}{{end}}</p>{{else}}
<div class="table-scroll"><table class="audit stacked">
<caption>{{.T.caption}} ({{len .Rows}}{{if .Next}}+{{end}})</caption>
<thead><tr><th scope="col">{{.T.c_when}}</th><th scope="col">{{.T.c_who}}</th><th scope="col">{{.T.c_what}}</th><th scope="col">{{.T.c_whom}}</th><th scope="col">{{.T.c_fields}}</th></tr></thead>
<tbody>{{range .Rows}}<tr><td data-label="{{$.T.c_when}}">{{call $.When .At}}</td><td data-label="{{$.T.c_who}}">{{.ActorName}}</td><td data-label="{{$.T.c_what}}">{{.ActionLabel}}</td><td data-label="{{$.T.c_whom}}">{{.SubjectName}}</td><td data-label="{{$.T.c_fields}}">{{range $i, $f := .FieldNames}}{{if $i}}{{$.T.field_sep}}{{end}}{{$f}}{{else}}—{{end}}</td></tr>
{{end}}</tbody></table></div>{{end}}
{{if .P.Capped}}<p>{{.T.capped}}</p>{{end}}
{{if .Next}}<p><a class="button button-secondary" href="{{.Next}}">{{if .P.Capped}}{{.T.next_search}}{{else}}{{.T.next}}{{end}}</a></p>{{end}}
{{end}}
</div>`))
})

var auditText = map[string]map[string]string{
	"ja": {"title": "操作の記録", "intro": "だれが・いつ・だれ（何）に・何をしたかの記録です。記録には変更した項目の名前だけが残り、内容（値）は残りません。名前は今のメンバー情報から表示します。",
		"filter": "記録を絞り込む", "fix": "入力内容を確認してください。",
		"who": "操作した人", "who_hint": "メンバーのメールアドレスか名前。人ではなく自動で行われた操作は「自動処理」、サーバーで管理者がコマンドを実行した操作は「管理コマンド（サーバー）」と入力するか、候補から選んでください。",
		"whom": "対象", "whom_hint": "メンバーのメールアドレスか名前、または応募・紹介のID、ニュースレターのページのID（ページのアドレスの最後の部分。例: winter-2026）。",
		"what": "操作", "any": "すべての操作", "all_of": "%s（すべて）",
		"when": "期間（日本時間）", "from": "開始日", "to": "終了日", "when_hint": "指定しなければ、今日までの30日間です。",
		"search": "絞り込む", "reset": "条件をクリア", "csv": "この条件でCSVをダウンロード（Excelで開けます）", "field_sep": "、",
		"none": "条件に合う記録はありません。", "none_yet": "ここまでに条件に合う記録はありませんでした。",
		"caption": "操作の記録（新しい順）", "c_when": "日時", "c_who": "操作した人", "c_what": "操作", "c_whom": "対象", "c_fields": "変更した項目",
		"capped": "一度に調べるのは1,000件までです。続きを調べるには下のボタンを押してください。",
		"next":   "さらに表示する", "next_search": "続きを調べる",
		"erased": "削除されたメンバー", "a_system": "自動処理", "a_bootstrap": "自動処理（最初の管理者の設定）",
		"a_cli": "管理コマンド（サーバー）", "a_referral": "紹介された方（メールのリンクから）",
		"s_members": "メンバー一覧", "s_audit": "操作の記録", "s_applications": "応募の一覧", "s_referrals": "紹介の一覧"},
	"en": {"title": "Audit log", "intro": "Who did what, to whom, and when. An entry names the fields changed, never their values. Names are shown from the members' records as they are now.",
		"filter": "Filter the log", "fix": "Please check the fields below.",
		"who": "Who", "who_hint": "A member's email address or name. For what happened by itself, type “Automatic”; for a command an administrator ran on the server, “Server command”; or pick one from the suggestions.",
		"whom": "To whom or what", "whom_hint": "A member's email address or name, an application's or referral's ID, or a newsletter's page ID (the last part of its page's address, e.g. winter-2026).",
		"what": "What", "any": "Any action", "all_of": "%s (all)",
		"when": "When (Japan time)", "from": "From", "to": "To", "when_hint": "Without dates: the 30 days up to today.",
		"search": "Filter", "reset": "Clear", "csv": "Download these as CSV (opens in Excel)", "field_sep": ", ",
		"none": "No entry matches.", "none_yet": "No entry matched so far.",
		"caption": "Audit log (newest first)", "c_when": "When", "c_who": "Who", "c_what": "What", "c_whom": "To whom or what", "c_fields": "Fields changed",
		"capped": "At most 1,000 entries are looked through at a time. Press the button below to look further.",
		"next":   "Show more", "next_search": "Look further",
		"erased": "Erased member", "a_system": "Automatic", "a_bootstrap": "Automatic (first administrator)",
		"a_cli": "Server command", "a_referral": "The referred friend (from the email link)",
		"s_members": "Member list", "s_audit": "Audit log", "s_applications": "Applications", "s_referrals": "Referrals"},
}
