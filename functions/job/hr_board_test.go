package job

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// boardFixture has applications at five stages, applied on different days
// (times in UTC; the board shows them in Japan):
//
//	山田 太郎  backend   received   2026-11-01 01:30Z = 11-01 10:30 JST
//	佐藤 花子  backend   screening  2026-11-02 16:00Z = 11-03 01:00 JST
//	鈴木 一郎  security  interview  2026-11-03 03:00Z = 11-03 12:00 JST
//	高橋 次郎  backend   hired      2026-11-04 03:00Z = 11-04 12:00 JST
//	田中 三郎  security  declined   2026-11-05 03:00Z = 11-05 12:00 JST
type boardFixture struct {
	*fixture
	hr   member
	apps map[string]store.Application // by applicant
}

func newBoardFixture(t *testing.T, lang store.Language) boardFixture {
	t.Helper()
	f := newFixture(t)
	ctx := context.Background()
	b := boardFixture{fixture: f, hr: f.member(hrAdmin, "人事 担当", lang), apps: map[string]store.Application{}}
	for _, a := range []struct {
		name, email, job string
		at               time.Time
		path             []store.ApplicationStatus
	}{
		{"山田 太郎", "taro@example.net", "backend-engineer-rehire", time.Date(2026, 11, 1, 1, 30, 0, 0, time.UTC), nil},
		{"佐藤 花子", "hanako@example.net", "backend-engineer-rehire", time.Date(2026, 11, 2, 16, 0, 0, 0, time.UTC),
			[]store.ApplicationStatus{store.ApplicationScreening}},
		{"鈴木 一郎", "ichiro@example.net", "security-review-project", time.Date(2026, 11, 3, 3, 0, 0, 0, time.UTC),
			[]store.ApplicationStatus{store.ApplicationInterview}},
		{"高橋 次郎", "jiro@example.net", "backend-engineer-rehire", time.Date(2026, 11, 4, 3, 0, 0, 0, time.UTC),
			[]store.ApplicationStatus{store.ApplicationOffer, store.ApplicationHired}},
		{"田中 三郎", "saburo@example.net", "security-review-project", time.Date(2026, 11, 5, 3, 0, 0, 0, time.UTC),
			[]store.ApplicationStatus{store.ApplicationDeclined}},
	} {
		f.mu.Lock()
		f.now = a.at
		f.mu.Unlock()
		m := f.member(a.email, a.name, store.LanguageJa)
		app := f.apply(m, a.job)
		for _, to := range a.path {
			var err error
			if app, err = f.s.Move(ctx, b.hr.Member, app.ID, to, "", false); err != nil {
				t.Fatal(err)
			}
		}
		b.apps[a.name] = app
	}
	f.mu.Lock()
	f.now = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	f.mu.Unlock()
	return b
}

var columnRE = regexp.MustCompile(`(?s)<section class="board-column" data-status="([a-z]+)".*?</section>`)

// columns splits a board page into its columns, by stage, in page order.
func columns(t *testing.T, body string) ([]string, map[string]string) {
	t.Helper()
	var order []string
	cols := map[string]string{}
	for _, m := range columnRE.FindAllStringSubmatch(body, -1) {
		order = append(order, m[1])
		cols[m[1]] = m[0]
	}
	return order, cols
}

// card is one application's card in a column, or "".
func card(col, id string) string {
	i := strings.Index(col, `<li class="card board-card" id="application-`+id+`"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(col[i:], "</li>")
	return col[i : i+j]
}

func (b boardFixture) get(path string) *httptest.ResponseRecorder {
	return b.do(request{method: "GET", path: path, cookie: b.hr.cookie, accept: "text/html"})
}

func (b boardFixture) move(cookie, id string, form url.Values) *httptest.ResponseRecorder {
	return b.do(request{method: "POST", path: "/api/hr/applications/" + id + "/status", cookie: cookie,
		contentType: "application/x-www-form-urlencoded", body: strings.NewReader(form.Encode()), accept: "text/html"})
}

// TestHRBoard: /hr/applications is a board with one column per stage in
// pipeline order, each headed by its label and count; each card names the
// applicant (linked), the job and the day applied in Japan, with buttons
// (plain forms) to the next stages and declined; a move from the board
// comes back to it, filter and all, with a notice, and goes through
// Service.Move's rules.
func TestHRBoard(t *testing.T) {
	b := newBoardFixture(t, store.LanguageJa)
	ctx := context.Background()
	rec := b.get("/hr/applications")
	body := rec.Body.String()
	if rec.Code != http.StatusOK {
		t.Fatalf("board: %d\n%s", rec.Code, body)
	}
	order, cols := columns(t, body)
	var want []string
	for _, st := range store.ApplicationStatuses {
		want = append(want, string(st))
	}
	if !slices.Equal(order, want) {
		t.Fatalf("columns %q, want %q", order, want)
	}
	for st, tc := range map[string]struct {
		label string
		names []string
	}{
		"received": {"受付済み", []string{"山田 太郎"}}, "screening": {"書類選考中", []string{"佐藤 花子"}},
		"interview": {"面接", []string{"鈴木 一郎"}}, "offer": {"内定", nil}, "hired": {"採用決定", []string{"高橋 次郎"}},
		"declined": {"見送り", []string{"田中 三郎"}}, "withdrawn": {"取り下げ", nil},
	} {
		col := cols[st]
		if !strings.Contains(col, `<span class="board-label">`+tc.label+`</span>`) ||
			!strings.Contains(col, fmt.Sprintf(`data-count="%d"`, len(tc.names))) {
			t.Errorf("column %s: want label %q and count %d:\n%s", st, tc.label, len(tc.names), col)
		}
		if n := strings.Count(col, `<li class="card board-card"`); n != len(tc.names) {
			t.Errorf("column %s has %d cards, want %d", st, n, len(tc.names))
		}
		for _, name := range tc.names {
			a := b.apps[name]
			c := card(col, a.ID)
			if !strings.Contains(c, `<a href="/hr/applications/`+a.ID+`">`+name+`</a>`) || !strings.Contains(c, `data-status="`+st+`"`) ||
				!strings.Contains(c, `data-id="`+a.ID+`"`) {
				t.Errorf("column %s: the card of %s:\n%s", st, name, c)
			}
		}
	}
	if !strings.Contains(cols["offer"], `<p class="board-empty">なし</p>`) {
		t.Errorf("an empty column says so:\n%s", cols["offer"])
	}

	// A card: job, day applied in Japan, move buttons to the next stages and declined.
	taro := card(cols["received"], b.apps["山田 太郎"].ID)
	if !strings.Contains(taro, "バックエンドエンジニア（再入社・正社員）") || !strings.Contains(taro, `<time datetime="2026-11-01T10:30:00&#43;09:00">2026年11月1日 10:30</time>`) {
		t.Errorf("the card's job and date:\n%s", taro)
	}
	if !strings.Contains(taro, `<form method="post" action="/api/hr/applications/`+b.apps["山田 太郎"].ID+`/status"`) ||
		!strings.Contains(taro, `<input type="hidden" name="back" value="/hr/applications">`) || !strings.Contains(taro, `name="notify" value="on"`) ||
		!strings.Contains(taro, `draggable="true" data-targets="screening interview offer declined withdrawn"`) {
		t.Errorf("the card's form:\n%s", taro)
	}
	if got := buttons(taro); !slices.Equal(got, []string{"screening", "interview", "declined"}) {
		t.Errorf("buttons from received %q", got)
	}
	if got := buttons(card(cols["interview"], b.apps["鈴木 一郎"].ID)); !slices.Equal(got, []string{"offer", "declined"}) {
		t.Errorf("buttons from interview %q", got)
	}
	if !strings.Contains(taro, `<span aria-hidden="true">→ </span><span class="visually-hidden">新しい状況: </span>面接</button>`) {
		t.Errorf("the button to interview reads → 面接:\n%s", taro)
	}
	for _, name := range []string{"高橋 次郎", "田中 三郎"} { // final: nothing to move
		a := b.apps[name]
		if c := card(cols[string(a.Status)], a.ID); strings.Contains(c, "<form") || strings.Contains(c, "draggable") {
			t.Errorf("a final application has a form:\n%s", c)
		}
	}
	if !strings.Contains(body, `<script src="/js/hr-board.js" defer></script>`) || strings.Contains(body, "<script>") || strings.Contains(body, ` style="`) {
		t.Error("the board's script is one same-origin file, no inline script or style")
	}
	if !strings.Contains(body, `<a class="button button-secondary" href="/hr/applications.csv" id="csv">CSVでダウンロード（Excelで開けます）</a>`) {
		t.Error("the CSV link without a filter")
	}

	// A move from the board, with its filter, comes back to it with a notice.
	taroID := b.apps["山田 太郎"].ID
	rec = b.move(b.hr.cookie, taroID, url.Values{"status": {"interview"}, "back": {"/hr/applications?job=backend-engineer-rehire"}})
	wantLoc := "/hr/applications?job=backend-engineer-rehire&moved=" + url.QueryEscape(taroID) + "&moved_to=interview"
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != wantLoc {
		t.Fatalf("move from the board: %d %q, want 303 %q\n%s", rec.Code, rec.Header().Get("Location"), wantLoc, rec.Body)
	}
	got, err := b.st.GetApplication(ctx, taroID)
	if err != nil || got.Status != store.ApplicationInterview || len(got.History) != 2 ||
		got.History[1].To != store.ApplicationInterview || got.History[1].Actor != "hr:"+b.hr.ID || got.History[1].Notified {
		t.Fatalf("after the move: %+v %v", got, err)
	}
	page := b.get(wantLoc).Body.String()
	if !strings.Contains(page, `<p class="notice" role="status" id="moved">山田 太郎さんを「面接」に移しました。</p>`) {
		t.Fatalf("no notice on the board:\n%s", page)
	}
	_, cols = columns(t, page)
	if card(cols["interview"], taroID) == "" || card(cols["received"], taroID) != "" || card(cols["interview"], b.apps["鈴木 一郎"].ID) != "" {
		t.Errorf("the board after the move (job filter kept): interview\n%s", cols["interview"])
	}
	if !strings.Contains(page, `<input type="hidden" name="back" value="/hr/applications?job=backend-engineer-rehire">`) ||
		!strings.Contains(page, `href="/hr/applications.csv?job=backend-engineer-rehire" id="csv">この条件でCSVをダウンロード（Excelで開けます）</a>`) {
		t.Errorf("the filtered board's forms and CSV link keep the filter")
	}

	// The server's rules still apply: a refused move answers 409 with a way back to the board.
	hired := b.apps["高橋 次郎"].ID
	rec = b.move(b.hr.cookie, hired, url.Values{"status": {"declined"}, "back": {"/hr/applications?stage=hired"}})
	if rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), `href="/hr/applications?stage=hired"`) {
		t.Fatalf("moving a hired application from the board: %d\n%s", rec.Code, rec.Body)
	}
	if a, _ := b.st.GetApplication(ctx, hired); a.Status != store.ApplicationHired {
		t.Fatalf("a refused move changed the application: %s", a.Status)
	}

	// A back that is not the board is ignored: the move answers as from the application's page.
	hanako := b.apps["佐藤 花子"].ID
	for _, back := range []string{"https://evil.example/hr/applications", "//evil.example/hr/applications", "/members/", "/hr/applications/" + hanako,
		"/hr/applications/../../members/", "/hr/applications#x", "/hr/applications?next=https://evil.example", "/\\evil.example",
		"/hr/applications?job=a&job=b", "/hr/applications?from=2026-13-01", "/%2Fevil.example", "javascript:alert(1)", "/hr/applications\n"} {
		rec := b.move(b.hr.cookie, hanako, url.Values{"status": {"screening"}, "note": {"確認中"}, "back": {back}})
		if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/hr/applications/"+hanako+"?saved=1" {
			t.Errorf("back %q: %d %q", back, rec.Code, rec.Header().Get("Location"))
		}
	}

	// A member who is not HR sees neither the board nor may move from it.
	m := b.member("someone@example.net", "一般 会員", store.LanguageJa)
	if rec := b.do(request{method: "GET", path: "/hr/applications", cookie: m.cookie, accept: "text/html"}); rec.Code != http.StatusForbidden ||
		strings.Contains(rec.Body.String(), "佐藤 花子") {
		t.Fatalf("a member on the board: %d", rec.Code)
	}
	if rec := b.move(m.cookie, hanako, url.Values{"status": {"interview"}, "back": {"/hr/applications"}}); rec.Code != http.StatusForbidden {
		t.Fatalf("a member moving from the board: %d", rec.Code)
	}
	if a, _ := b.st.GetApplication(ctx, hanako); a.Status != store.ApplicationScreening {
		t.Fatalf("a member's move changed the application: %s", a.Status)
	}
}

var buttonRE = regexp.MustCompile(`<button type="submit" name="status" value="([a-z]+)"`)

func buttons(card string) []string {
	var out []string
	for _, m := range buttonRE.FindAllStringSubmatch(card, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestHRBoardFilters: job, stage and the applied day (in Japan, both ends
// included) filter the board and its CSV alike; a bad date or stage is a
// 400 naming the field, as problem+json or as a page, in ja and en.
func TestHRBoardFilters(t *testing.T) {
	b := newBoardFixture(t, store.LanguageJa)
	// 佐藤 applied 11-02 16:00 UTC, which is 11-03 in Japan.
	page := b.get("/hr/applications?from=2026-11-03&to=2026-11-04").Body.String()
	_, cols := columns(t, page)
	for name, in := range map[string]bool{"山田 太郎": false, "佐藤 花子": true, "鈴木 一郎": true, "高橋 次郎": true, "田中 三郎": false} {
		a := b.apps[name]
		if got := card(cols[string(a.Status)], a.ID) != ""; got != in {
			t.Errorf("from 11-03 to 11-04: %s shown %v, want %v", name, got, in)
		}
	}
	if !strings.Contains(page, `href="/hr/applications.csv?from=2026-11-03&amp;to=2026-11-04"`) || !strings.Contains(page, `id="from" name="from" value="2026-11-03"`) ||
		!strings.Contains(page, `<input type="hidden" name="back" value="/hr/applications?from=2026-11-03&amp;to=2026-11-04">`) {
		t.Errorf("the filtered board's form, CSV link and back fields:\n%s", page)
	}
	rows := readCSV(t, b.do(request{method: "GET", path: "/hr/applications.csv?from=2026-11-03&to=2026-11-04", cookie: b.hr.cookie}))
	var names []string
	for _, r := range rows[1:] {
		names = append(names, r[3])
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"佐藤 花子", "鈴木 一郎", "高橋 次郎"}) {
		t.Errorf("the CSV with the same filter: %q", names)
	}

	// Stage: one column; the older ?status= still works (HR's home links to it).
	for _, q := range []string{"stage=interview", "status=interview"} {
		order, cols := columns(t, b.get("/hr/applications?"+q).Body.String())
		if !slices.Equal(order, []string{"interview"}) || card(cols["interview"], b.apps["鈴木 一郎"].ID) == "" {
			t.Errorf("?%s: columns %q", q, order)
		}
	}
	order, cols := columns(t, b.get("/hr/applications?job=security-review-project&to=2026-11-04").Body.String())
	if n := strings.Count(strings.Join(mapValues(cols), ""), `<li class="card`); len(order) != 7 || n != 1 || card(cols["interview"], b.apps["鈴木 一郎"].ID) == "" {
		t.Errorf("job and to: %d cards", n)
	}

	// A filter nothing matches says so once, instead of seven empty
	// columns, and offers no CSV of nothing; the form stays to change it.
	empty := b.get("/hr/applications?from=2027-01-01").Body.String()
	if !strings.Contains(empty, `<p class="board-none" id="board-none">この条件に当てはまる応募はありません。</p>`) ||
		strings.Contains(empty, "data-board") || strings.Contains(empty, `id="csv"`) || !strings.Contains(empty, `id="from" name="from" value="2027-01-01"`) {
		t.Errorf("the board with no match:\n%s", empty)
	}

	for _, tc := range []struct {
		query, field, code, lang, message string
	}{
		{"from=2026-13-01", "from", "date", "ja", "日付は YYYY-MM-DD の形で入力してください。"},
		{"to=2026/11/04", "to", "date", "en", "Enter a date as YYYY-MM-DD"},
		{"from=2026-11-1", "from", "date", "ja", "日付は"},
		{"from=2026-11-05&to=2026-11-04", "to", "date_order", "en", "The end date must not be before the start date."},
		{"stage=archived", "stage", "one_of", "ja", "次のいずれかを指定してください"},
	} {
		rec := b.do(request{method: "GET", path: "/hr/applications?" + tc.query, cookie: b.hr.cookie, lang: tc.lang})
		if rec.Code != http.StatusBadRequest || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
			t.Errorf("?%s: %d %s", tc.query, rec.Code, rec.Header().Get("Content-Type"))
			continue
		}
		p := decode[httpapi.Problem](t, rec)
		if len(p.Errors) != 1 || p.Errors[0].Field != tc.field || p.Errors[0].Code != tc.code || !strings.Contains(p.Errors[0].Message, tc.message) {
			t.Errorf("?%s: %+v", tc.query, p)
		}
		html := b.do(request{method: "GET", path: "/hr/applications?" + tc.query, cookie: b.hr.cookie, lang: tc.lang, accept: "text/html"})
		label := httpapi.FieldLabel(tc.lang, tc.field)
		if html.Code != http.StatusBadRequest || !strings.Contains(html.Body.String(), label+": ") || !strings.Contains(html.Body.String(), tc.message) ||
			!strings.Contains(html.Body.String(), `href="/hr/applications"`) {
			t.Errorf("?%s as a page: %d\n%s", tc.query, html.Code, html.Body)
		}
		if label == tc.field {
			t.Errorf("field %s has no label in %s", tc.field, tc.lang)
		}
	}
	if rec := b.do(request{method: "GET", path: "/hr/applications.csv?from=yesterday", cookie: b.hr.cookie}); rec.Code != http.StatusBadRequest {
		t.Errorf("the CSV with a bad date: %d", rec.Code)
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// TestHRBoardEnglish: the board in English, for an administrator who reads it.
func TestHRBoardEnglish(t *testing.T) {
	b := newBoardFixture(t, store.LanguageEn)
	page := b.get("/hr/applications").Body.String()
	_, cols := columns(t, page)
	taro := card(cols["received"], b.apps["山田 太郎"].ID)
	if !strings.Contains(page, `<html lang="en">`) || !strings.Contains(cols["interview"], `<span class="board-label">Interview</span>`) ||
		!strings.Contains(taro, "Backend engineer (re-hire)") ||
		!strings.Contains(taro, `<span aria-hidden="true">→ </span><span class="visually-hidden">New status: </span>Interview</button>`) ||
		!strings.Contains(taro, "Email the applicant about it") || !strings.Contains(page, `<label for="from">Applied from</label>`) {
		t.Fatalf("the English board:\n%s", page)
	}
	id := b.apps["山田 太郎"].ID
	rec := b.move(b.hr.cookie, id, url.Values{"status": {"screening"}, "back": {"/hr/applications"}})
	if loc := rec.Header().Get("Location"); rec.Code != http.StatusSeeOther || !strings.HasPrefix(loc, "/hr/applications?moved=") {
		t.Fatalf("move: %d %q", rec.Code, loc)
	}
	if page := b.get(rec.Header().Get("Location")).Body.String(); !strings.Contains(page, "Moved 山田 太郎 to “Screening”.") {
		t.Fatalf("no English notice:\n%s", page)
	}
}

// TestHRBoardBeforeAnyApplication: a board with no application yet says so
// once, in HR's language, with no columns, no CSV button and no filter
// (nothing to filter yet).
func TestHRBoardBeforeAnyApplication(t *testing.T) {
	for _, tc := range []struct {
		lang store.Language
		want string
	}{{store.LanguageJa, "応募はまだありません。"}, {store.LanguageEn, "No applications yet."}} {
		f := newFixture(t)
		b := boardFixture{fixture: f, hr: f.member(hrAdmin, "人事 担当", tc.lang)}
		page := b.get("/hr/applications").Body.String()
		if strings.Count(page, tc.want) != 1 || strings.Contains(page, "board-column") || strings.Contains(page, `id="csv"`) || strings.Contains(page, `name="stage"`) {
			t.Errorf("%s: the empty board:\n%s", tc.lang, page)
		}
	}
}
