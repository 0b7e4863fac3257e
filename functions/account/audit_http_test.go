package account

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

// HR reads the audit log at /hr/audit: filtered by who (an address or an
// id), whom, what (an action or an area) and dates in Japan time (the last
// 30 days unless asked), paged through the store's cursor, with names
// looked up now (an erased member shows as such) and never an address;
// bad filters are refused per field; a member without the role gets 403.
func TestHRAuditLog(t *testing.T) {
	f := newFixture(t, ApprovalManual)
	ctx := context.Background()
	person := func(email, name, lang string) store.Member {
		t.Helper()
		in := input(email)
		in.Name, in.Language = name, lang
		m, err := f.s.AddMember(ctx, in, "hr:cli")
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	hr1 := person("hr1@example.co.jp", "人事 一郎", "ja")
	hr2 := person("hr2@example.co.jp", "人事 二郎", "en")
	for _, m := range []store.Member{hr1, hr2} {
		if _, err := f.s.SetRole(ctx, "operator", m.ID, store.RoleHR, true); err != nil {
			t.Fatal(err)
		}
	}
	sato := person("sato.hanako@example.com", "佐藤 花子", "ja")
	kato := person("kato.ichiro@example.org", "加藤 一郎", "ja")
	plain := person("plain@example.com", "一般 会員", "ja")
	c1, c2, cPlain := f.sessionCookie(t, hr1), f.sessionCookie(t, hr2), f.sessionCookie(t, plain)

	now := f.clock.Now() // 2026-11-21 19:00 in Japan
	add := func(at time.Time, actor, action, subject string, fields ...string) {
		t.Helper()
		if _, err := f.s.Store.AppendAudit(ctx, store.AuditEntry{At: at, Actor: actor, Action: action, Subject: subject, Fields: fields}); err != nil {
			t.Fatal(err)
		}
	}
	day := 24 * time.Hour
	add(now.Add(-2*day), "hr:"+hr1.ID, "member.approve", sato.ID, "status")
	add(now.Add(-3*day), "hr:"+hr2.ID, "member.reject", kato.ID, "status")
	add(now.Add(-4*day), "hr:"+hr1.ID, "member.undo", kato.ID, "status")
	add(now.Add(-5*day), "hr:"+hr2.ID, "role.grant", sato.ID, "roles.hr")
	add(now.Add(-6*day), sato.ID, "member.update", sato.ID, "department", "bio")
	add(now.Add(-7*day), "system", "newsletter.unsubscribe", kato.ID, "consents.newsletter")
	add(now.Add(-40*day), "hr:"+hr1.ID, "member.approve", kato.ID, "status") // outside the default 30 days
	// 130 applications read by hr2, more than two pages.
	for i := range 130 {
		add(now.Add(-10*day-time.Duration(i)*time.Minute), "hr:"+hr2.ID, "application.read", "app-"+string(rune('a'+i%26))+strings.Repeat("x", i/26))
	}

	h := Handler{S: f.s}.Routes()["GET /hr/audit"]
	get := func(c *http.Cookie, query, accept string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest("GET", "/hr/audit"+query, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		if c != nil {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	list := func(query string) AuditPage {
		t.Helper()
		rec := get(c1, query, "application/json")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", query, rec.Code, rec.Body)
		}
		var p AuditPage
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// actions lists a page's actions, newest first, leaving out what the
	// fixture did itself (adding members, granting roles, logging in).
	actions := func(p AuditPage, all bool) []string {
		var out []string
		for _, r := range p.Rows {
			if all || r.Actor != "hr:cli" && r.Actor != "operator" && r.Action != "session.create" {
				out = append(out, r.Action)
			}
		}
		return out
	}
	q := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return "?" + v.Encode()
	}
	for _, c := range []struct {
		query string
		want  []string // actions, newest first
	}{
		{q("who", "hr1@example.co.jp"), []string{"member.approve", "member.undo"}},
		{q("who", hr2.ID, "what", "member.*"), []string{"member.reject"}},
		{q("whom", "sato.hanako@example.com"), []string{"member.approve", "role.grant", "member.update"}},
		{q("whom", kato.ID, "who", "system"), []string{"newsletter.unsubscribe"}},
		{q("what", "member.approve"), []string{"member.approve"}},
		{q("what", "member.approve", "from", "2026-10-01"), []string{"member.approve", "member.approve"}},
		{q("whom", kato.ID, "from", "2026-11-17", "to", "2026-11-18"), []string{"member.reject", "member.undo"}},
		{q("whom", kato.ID, "to", "2026-10-11"), nil}, // the 30 days up to the 11th: the approval of the 12th is after
		{q("whom", kato.ID, "from", "2026-10-12", "to", "2026-10-12"), []string{"member.approve"}},
		{q("who", "cli", "what", "member.add"), []string{"member.add", "member.add", "member.add", "member.add", "member.add"}},
		// The words the page shows and offers work as well as the stored names.
		{q("whom", kato.ID, "who", "自動処理"), []string{"newsletter.unsubscribe"}},
		{q("whom", kato.ID, "who", "automatic"), []string{"newsletter.unsubscribe"}},
		{q("who", "管理コマンド（サーバー）", "what", "member.add"), []string{"member.add", "member.add", "member.add", "member.add", "member.add"}},
		{q("who", "Server command", "what", "member.add"), []string{"member.add", "member.add", "member.add", "member.add", "member.add"}},
		// A member's name, as HR knows them: exactly (spaces and width
		// aside), or a part of it that only one member's name has.
		{q("who", "人事　一郎"), []string{"member.approve", "member.undo"}},
		{q("whom", "佐藤花子"), []string{"member.approve", "role.grant", "member.update"}},
		{q("whom", "花子"), []string{"member.approve", "role.grant", "member.update"}},
		{q("who", "二郎", "what", "member.*"), []string{"member.reject"}},
	} {
		got := actions(list(c.query), strings.Contains(c.query, "cli") || strings.Contains(c.query, "member.add"))
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%s: %v, want %v", c.query, got, c.want)
		}
	}

	// Names come from the member records now; the row of sato's approval.
	p := list(q("who", hr1.ID, "what", "member.approve"))
	if len(p.Rows) != 1 || p.Rows[0].ActorName != "人事 一郎" || p.Rows[0].SubjectName != "佐藤 花子" || p.Rows[0].ActionLabel != "登録を承認した" {
		t.Errorf("rows: %+v", p.Rows)
	}

	// Paging through the 130 applications read, each once.
	seen, query, pages := map[string]bool{}, q("what", "application.read"), 0
	for ; ; pages++ {
		p := list(query)
		if pages > 10 {
			t.Fatal("no end of pages")
		}
		for _, r := range p.Rows {
			if seen[r.Subject] {
				t.Fatalf("%s listed twice", r.Subject)
			}
			seen[r.Subject] = true
		}
		if p.Next == "" {
			break
		}
		query = q("what", "application.read", "cursor", p.Next)
	}
	if len(seen) != 130 || pages < 2 {
		t.Errorf("paged through %d of 130 in %d pages", len(seen), pages+1)
	}

	// Bad filters: 400 naming the field, as problem+json or on the page.
	for query, field := range map[string]string{
		q("from", "2026/11/01"):                      "from",
		q("to", "yesterday"):                         "to",
		q("from", "2026-11-10", "to", "2026-11-01"):  "to",
		q("what", "member.steal"):                    "what",
		q("who", "nobody@example.com"):               "who",
		q("whom", "nobody@example.com"):              "whom",
		q("who", "not an id"):                        "who",
		q("whom", "一郎"):                              "whom", // 人事 一郎 and 加藤 一郎
		q("who", strings.Repeat("名", 101)):           "who",
		q("what", "member.approve", "cursor", "zzz"): "cursor",
	} {
		rec := get(c1, query, "application/json")
		var prob struct {
			Errors []struct{ Field string } `json:"errors"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &prob)
		if rec.Code != http.StatusBadRequest || len(prob.Errors) != 1 || prob.Errors[0].Field != field ||
			!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s: %d %s", query, rec.Code, rec.Body)
		}
	}
	page := get(c1, q("from", "2026/11/01"), "text/html")
	if page.Code != http.StatusBadRequest || !strings.Contains(page.Body.String(), "日付は YYYY-MM-DD の形で入力してください") ||
		!strings.Contains(page.Body.String(), `aria-invalid="true"`) {
		t.Errorf("bad date on the page: %d %s", page.Code, page.Body)
	}
	if page := get(c2, q("from", "2026/11/01"), "text/html"); !strings.Contains(page.Body.String(), "Enter a date as YYYY-MM-DD") {
		t.Errorf("bad date on the English page: %s", page.Body)
	}
	// Two members answer to a part of a name: HR is told how many, and
	// to give the address instead; in English too.
	if page := get(c1, q("whom", "一郎"), "text/html"); page.Code != http.StatusBadRequest ||
		!strings.Contains(page.Body.String(), "「一郎」に当てはまるメンバーが2人います。メールアドレスで入力してください。") {
		t.Errorf("an ambiguous name: %d %s", page.Code, page.Body)
	}
	if page := get(c2, q("whom", "一郎"), "text/html"); !strings.Contains(page.Body.String(), "More than one member matches “一郎” (2 of them). Enter their email address instead.") {
		t.Errorf("an ambiguous name on the English page: %s", page.Body)
	}

	// Only HR; a visitor is sent to log in.
	if rec := get(cPlain, "", "application/json"); rec.Code != http.StatusForbidden {
		t.Errorf("a member without the role: %d", rec.Code)
	}
	if rec := get(nil, "", "text/html"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login/") {
		t.Errorf("a visitor: %d %s", rec.Code, rec.Header().Get("Location"))
	}

	// The page: names and plain words, no address of the subject even when
	// HR typed it (the form and the links carry the member's id instead).
	if err := f.s.Erase(ctx, kato.ID, "hr:"+hr1.ID); err != nil {
		t.Fatal(err)
	}
	for query, wants := range map[string][]string{
		"": {"操作の記録", "佐藤 花子", "人事 一郎", "登録を承認した", "削除されたメンバー", "自動処理", "ニュースレターの受け取り",
			`<a href="/hr/audit" aria-current="page">操作の記録</a>`, "さらに表示する", "2026年11月19日 19:00"},
		// The field shows the name HR can read (it finds her again); the
		// links carry the id.
		q("whom", "sato.hanako@example.com"): {`name="whom" value="佐藤 花子"`, "whom=" + sato.ID, "管理者にした", "管理者の役割"},
	} {
		page := get(c1, query, "text/html")
		body := page.Body.String()
		if page.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", query, page.Code, body)
		}
		for _, want := range wants {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the page lacks %q", query, want)
			}
		}
		for _, addr := range []string{"sato.hanako@example.com", "kato.ichiro@example.org", "sato.hanako%40example.com"} {
			if strings.Contains(body, addr) {
				t.Errorf("%s: the page shows %s", query, addr)
			}
		}
	}
	if page := get(c2, "", "text/html"); !strings.Contains(page.Body.String(), "Audit log") || !strings.Contains(page.Body.String(), "Erased member") ||
		!strings.Contains(page.Body.String(), "<td data-label=\"Who\">Automatic</td>") ||
		!strings.Contains(page.Body.String(), `<td data-label="Fields changed">—</td>`) {
		t.Errorf("the English page lacks its words, or a row without fields shows an empty cell")
	}
	// The dates are labelled as dates, before their fields in both
	// languages (「から [日付]」 read backwards), and the hint gives no
	// format the browser's date field does not show.
	for c, want := range map[*http.Cookie][]string{c1: {"<label>開始日<input name=\"from\"", "<label>終了日<input name=\"to\""}, c2: {"<label>From<input name=\"from\"", "<label>To<input name=\"to\""}} {
		page := get(c, "", "text/html").Body.String()
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("the audit filter lacks %s", w)
			}
		}
		if strings.Contains(page, "2026-04-01") {
			t.Error("the date hint still gives an ISO example")
		}
	}
	// HR finds a member by address or name; the hints do not ask for ids
	// HR never sees (the member's page links to the log with one).
	for _, c := range []*http.Cookie{c1, c2} {
		if page := get(c, "", "text/html").Body.String(); strings.Contains(page, "会員ID") || strings.Contains(page, "member ID") {
			t.Errorf("the filter's hints ask for a member ID")
		}
	}

	// A member's id, as the member's page links to the log, shows in the
	// who field as the name, and the suggestions fill in names, not ids.
	// An id whose name finds nobody (an erased member) stays as it is.
	whoBody := get(c1, q("who", hr1.ID), "text/html").Body.String()
	if !strings.Contains(whoBody, `name="who" value="人事 一郎"`) || !strings.Contains(whoBody, "who="+hr1.ID) ||
		!strings.Contains(whoBody, `<option value="人事 二郎"></option>`) || strings.Contains(whoBody, `<option value="`+hr2.ID+`"`) {
		t.Errorf("who=<id>: the field or the suggestions show ids, or the links lost the id")
	}
	if body := get(c1, q("whom", kato.ID), "text/html").Body.String(); !strings.Contains(body, `name="whom" value="`+kato.ID+`"`) {
		t.Errorf("whom=<an erased member's id>: the field does not keep the id")
	}

	// HR reads no programmer's words: not the stored actor names, not
	// 「スラッグ」. The field shows and offers the plain words, and the
	// links keep the stored name, which the filter reads back.
	for _, c := range []struct {
		cookie     *http.Cookie
		who, shown string
		offered    []string
		notShown   []string
	}{
		{c1, "system", "自動処理", []string{`<option value="自動処理">`, `<option value="管理コマンド（サーバー）">`},
			[]string{"スラッグ", "system、", " cli", "システム", "コマンド（okaeri）", "YYYY-MM-DD。"}},
		{c2, "cli", "Server command", []string{`<option value="Automatic">`, `<option value="Server command">`},
			[]string{"slug", "system for", "cli for", "System (", "Command (okaeri)", "YYYY-MM-DD."}},
	} {
		body := get(c.cookie, q("who", c.who), "text/html").Body.String()
		if !strings.Contains(body, `name="who" value="`+c.shown+`"`) || !strings.Contains(body, "who="+c.who) {
			t.Errorf("who=%s: the field does not show %q, or the links lost who=%s", c.who, c.shown, c.who)
		}
		for _, w := range c.offered {
			if !strings.Contains(body, w) {
				t.Errorf("who=%s: the suggestions lack %s", c.who, w)
			}
		}
		for _, w := range c.notShown {
			if strings.Contains(body, w) {
				t.Errorf("who=%s: the page shows %q", c.who, w)
			}
		}
	}

	// The CSV: the same filters, names and words, no address; audited.
	req := httptest.NewRequest("GET", "/hr/audit.csv"+q("whom", "sato.hanako@example.com"), nil)
	req.AddCookie(c1)
	rec := httptest.NewRecorder()
	Handler{S: f.s}.Routes()["GET /hr/audit.csv"].ServeHTTP(rec, req)
	body := rec.Body.String()
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
	if rec.Code != http.StatusOK || err != nil || len(rows) != 5 || rows[0][0] != "日時" || rows[1][1] != "管理コマンド（サーバー）" || rows[1][5] != "hr:cli" ||
		rows[2][2] != "登録を承認した" || rows[2][3] != "佐藤 花子" || rows[3][4] != "管理者の役割" || strings.Contains(body, "@") {
		t.Errorf("csv: %d %v %q", rec.Code, err, rows)
	}
	if p := list(q("what", "audit.export", "who", hr1.ID)); len(p.Rows) != 1 || p.Rows[0].SubjectName != "操作の記録" {
		t.Errorf("the CSV download is not audited: %+v", p.Rows)
	}
}

// A rare match behind many other entries: a page reads at most 1,000
// entries, says so and offers to look further, and the next page finds it.
func TestHRAuditLogReadsABoundedNumber(t *testing.T) {
	f := newFixture(t, ApprovalManual)
	ctx := context.Background()
	hr := f.approvedByHand(t, "hr@example.co.jp")
	if _, err := f.s.SetRole(ctx, "operator", hr.ID, store.RoleHR, true); err != nil {
		t.Fatal(err)
	}
	cookie := f.sessionCookie(t, hr)
	now := f.clock.Now()
	if _, err := f.s.Store.AppendAudit(ctx, store.AuditEntry{At: now.Add(-48 * time.Hour), Actor: "hr:" + hr.ID, Action: "members.export", Subject: "members"}); err != nil {
		t.Fatal(err)
	}
	for i := range auditMaxRead + 100 {
		if _, err := f.s.Store.AppendAudit(ctx, store.AuditEntry{At: now.Add(-time.Hour - time.Duration(i)*time.Second), Actor: "system", Action: "newsletter.unsubscribe", Subject: "m" + strings.Repeat("x", i%7) + string(rune('a'+i%26))}); err != nil {
			t.Fatal(err)
		}
	}
	h := Handler{S: f.s}.Routes()["GET /hr/audit"]
	get := func(query, accept string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/hr/audit"+query, nil)
		req.Header.Set("Accept", accept)
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	rec := get("?what=members.export", "application/json")
	var p AuditPage
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Rows) != 0 || p.Read != auditMaxRead || !p.Capped || p.Next == "" {
		t.Fatalf("first page: %d rows, read %d, capped %v, next %q", len(p.Rows), p.Read, p.Capped, p.Next)
	}
	page := get("?what=members.export", "text/html").Body.String()
	if !strings.Contains(page, "一度に調べるのは1,000件までです") || !strings.Contains(page, "続きを調べる") {
		t.Errorf("the page does not offer to look further")
	}
	var next AuditPage
	_ = json.Unmarshal(get("?what=members.export&cursor="+url.QueryEscape(p.Next), "application/json").Body.Bytes(), &next)
	if len(next.Rows) != 1 || next.Rows[0].SubjectName != "メンバー一覧" || next.Next != "" {
		t.Errorf("second page: %+v", next)
	}
}

// Every action the functions record has a label in plain words: the
// viewer's list is checked against the source (audit calls, Action
// fields and the action variables of roles and check-in).
func TestAuditActionsAllLabelled(t *testing.T) {
	patterns := []*regexp.Regexp{
		regexp.MustCompile(`audit\([^\n]*?"([a-z]+\.[a-z_.]+)"`),
		regexp.MustCompile(`Action: *"([a-z]+\.[a-z_.]+)"`),
		regexp.MustCompile(`action :?= "([a-z]+\.[a-z_.]+)"`),
	}
	found := map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			strings.Contains(path, string(filepath.Separator)+"store"+string(filepath.Separator)) {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, re := range patterns {
			for _, m := range re.FindAllStringSubmatch(string(src), -1) {
				found[m[1]] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The webhook's "newsletter." + reason, for the reasons it audits.
	found["newsletter."+string(store.SuppressUnsubscribe)], found["newsletter."+string(store.SuppressSpamReport)] = true, true
	if len(found) < len(auditLabels()) {
		t.Fatalf("found only %d actions: %v", len(found), found)
	}
	for a := range found {
		if _, ok := auditLabels()[a]; !ok {
			t.Errorf("%s has no label on /hr/audit", a)
		}
	}
}
