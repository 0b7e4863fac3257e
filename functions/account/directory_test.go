package account

import (
	"context"
	"encoding/json"
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
	"github.com/okaeri/okaeri/functions/mail/outbox"
	"github.com/okaeri/okaeri/functions/store"
)

// listedMember stores an approved member who agreed to be listed, as a
// new registration would (the default fields), changed by edit.
func (f *fixture) listedMember(t *testing.T, email, name string, edit func(m *store.Member)) store.Member {
	t.Helper()
	now := f.clock.Now()
	m := store.Member{Email: email, Name: name, Department: "営業部", Joined: "2015-04", Left: "2020-03",
		Language: store.LanguageJa, Status: store.StatusApproved, Profile: newProfile(), CreatedAt: now,
		Consents: map[string]store.Consent{"privacy": {Given: true, PolicyVersion: "2026-04-01", At: now},
			"directory": {Given: true, PolicyVersion: "2026-04-01", At: now}}}
	if edit != nil {
		edit(&m)
	}
	m, err := f.s.Store.CreateMember(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Second) // registration order is the directory's order
	return m
}

// dirClient serves the accounts' routes as one member's browser or script.
type dirClient struct {
	t      *testing.T
	mux    *http.ServeMux
	cookie *http.Cookie
}

func (f *fixture) client(t *testing.T, m store.Member) *dirClient {
	mux := http.NewServeMux()
	for pattern, h := range (Handler{S: f.s}).Routes() {
		mux.Handle(pattern, h)
	}
	return &dirClient{t: t, mux: mux, cookie: f.sessionCookie(t, m)}
}

// get asks for path as a browser (accept "text/html") or a script.
func (c *dirClient) get(path, accept string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	req.Header.Set("Accept", accept)
	req.AddCookie(c.cookie)
	rec := httptest.NewRecorder()
	c.mux.ServeHTTP(rec, req)
	return rec
}

// post sends a form.
func (c *dirClient) post(path string, form url.Values) *httptest.ResponseRecorder {
	req := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(c.cookie)
	rec := httptest.NewRecorder()
	c.mux.ServeHTTP(rec, req)
	return rec
}

// names is the directory's API answer for query, as names.
func (c *dirClient) names(query string) []string {
	c.t.Helper()
	rec := c.get("/api/directory?"+query, "application/json")
	if rec.Code != http.StatusOK {
		c.t.Fatalf("directory ?%s: %d %s", query, rec.Code, rec.Body)
	}
	var p DirectoryPage
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		c.t.Fatal(err)
	}
	out := []string{}
	for _, e := range p.Members {
		out = append(out, e.Name)
	}
	return out
}

func sameNames(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s: %q, want %q", what, got, want)
	}
}

// A new member agreed to the listing the registration describes: name,
// department and years, and nothing else until they choose.
func TestDirectoryDefaultsKeepTheConsentsPromise(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := t.Context()
	a := f.approvedMember(t, "a@example.com")
	company := "ミライ工房"
	if _, err := f.s.UpdateProfile(ctx, a.ID, ProfileInput{Company: &company}); err != nil {
		t.Fatal(err)
	}
	p, err := f.s.Directory(ctx, a, DirectoryQuery{})
	if err != nil || len(p.Members) != 1 {
		t.Fatalf("directory %+v %v", p, err)
	}
	e := p.Members[0]
	if e.Name != "佐藤 花" || e.Department != "営業部" || e.Years != "2015-04 – 2020-03" || e.Company != "" || e.OpenTo != nil || e.Initials != "佐" {
		t.Errorf("a new member's entry: %+v", e)
	}
	// The API keeps the stored months; the pages write them in the reader's language.
	c := f.client(t, a)
	for path, want := range map[string]string{
		"/members/directory/":                 "<dt>在籍期間</dt><dd>2015年4月 – 2020年3月</dd>", // the profile's word for it
		"/en/members/directory/":              "<dd>Apr 2015 – Mar 2020</dd>",
		"/members/directory/" + a.ID + "/":    "<dd>2015年4月 – 2020年3月</dd>",
		"/en/members/directory/" + a.ID + "/": "<dd>Apr 2015 – Mar 2020</dd>",
	} {
		if page := c.get(path, "text/html").Body.String(); !strings.Contains(page, want) || strings.Contains(page, "2015-04") {
			t.Errorf("%s: the years are not written %q:\n%s", path, want, page)
		}
	}
	// The profile page asks, once, what else to show; keeping the defaults answers it.
	page := c.get("/members/profile/", "text/html").Body.String()
	if !strings.Contains(page, "名簿にほかに何を表示するか選んでください") || !strings.Contains(page, `name="visible" value="department"`) {
		t.Fatalf("the profile does not ask what to show:\n%s", page)
	}
	if rec := c.post("/api/me/profile", url.Values{"visible_set": {"true"}, "visible": {"department", "years"}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("keep: %d %s", rec.Code, rec.Body)
	}
	if page := c.get("/members/profile/", "text/html").Body.String(); strings.Contains(page, "名簿にほかに何を表示するか") {
		t.Error("the profile still asks after the member chose")
	}
	if got, _ := f.s.Store.GetMember(ctx, a.ID); got.Profile.VisibleChosenAt.IsZero() || strings.Join(got.Profile.Visible, ",") != "department,years" {
		t.Errorf("after keeping the defaults: %+v", got.Profile)
	}
	// Members HR adds by hand start with the same defaults.
	in := input("b@example.com")
	in.Name = "Hanako Yamada"
	b, err := f.s.AddMember(ctx, in, "hr:test")
	if err != nil || strings.Join(b.Profile.Visible, ",") != "department,years" {
		t.Fatalf("added member %+v %v", b.Profile, err)
	}
	if got := initials(b.Name); got != "HY" {
		t.Errorf("initials of a Latin name: %q", got)
	}
}

// Filters read only what a member shows: a member who hides their company
// is not found by a company filter, nor by a keyword, nor a year filter
// when the years are hidden.
func TestDirectoryFiltersOnlyShownFields(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	shows := f.listedMember(t, "shows@example.com", "青木 陽翔", func(m *store.Member) {
		m.Department, m.Joined, m.Left = "プロダクト開発部", "2016-04", "2022-06"
		m.Profile = store.Profile{Company: "ミライ工房", Location: "東京都", Skills: []string{"Go", "AWS"},
			OpenTo:  store.OpenTo{Rehire: true, Mentoring: true},
			Visible: []string{"department", "years", "company", "location", "skills", "open_to"}}
	})
	f.listedMember(t, "hides@example.com", "石田 健二", func(m *store.Member) {
		m.Department, m.Joined, m.Left = "プロダクト開発部", "2016-04", "2022-06"
		m.Profile = store.Profile{Company: "ミライ工房", Location: "東京都", Skills: []string{"Go"},
			OpenTo: store.OpenTo{Rehire: true, Mentoring: true}, Visible: []string{"department"}}
	})
	f.listedMember(t, "unlisted@example.com", "松本 結衣", func(m *store.Member) {
		m.Consents["directory"] = store.Consent{Given: false, PolicyVersion: "2026-04-01", At: m.CreatedAt}
	})
	c := f.client(t, shows)
	sameNames(t, "everyone listed", c.names(""), "青木 陽翔", "石田 健二")
	for _, q := range []string{"company=ミライ", "company=%EF%BE%90%EF%BE%97%EF%BD%B2", "location=東京", "skill=go", "open_to=rehire",
		"open_to=rehire&open_to=mentoring", "joined_from=2016&joined_to=2016", "left_from=2022", "q=ミライ工房", "q=AWS"} {
		sameNames(t, q, c.names(q), "青木 陽翔")
	}
	sameNames(t, "department (shown by both)", c.names("department=開発"), "青木 陽翔", "石田 健二")
	sameNames(t, "name search", c.names("q=石田"), "石田 健二")
	sameNames(t, "no match", c.names("open_to=sidework"))
	sameNames(t, "years out of range", c.names("joined_to=2015"))

	// Bad filters: 400 problem+json naming each field; the page for a browser.
	rec := c.get("/api/directory?joined_from=20x6&left_from=2020&left_to=2019&open_to=ceo&page=0", "application/json")
	var prob struct {
		Status int `json:"status"`
		Errors []struct{ Field, Code string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &prob); err != nil || rec.Code != http.StatusBadRequest ||
		!strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
		t.Fatalf("bad filters: %d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}
	var fields []string
	for _, e := range prob.Errors {
		fields = append(fields, e.Field+":"+e.Code)
	}
	if strings.Join(fields, " ") != "joined_from:year left_to:year_order open_to:one_of page:page" {
		t.Errorf("bad filters named %v", fields)
	}
	if rec := c.get("/members/directory/?joined_from=abc", "text/html"); rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), "入社した年（から）") {
		t.Errorf("bad filter on the page: %d\n%s", rec.Code, rec.Body)
	}
}

// Pages of 24, in registration order, with links that keep the filters
// and work without JavaScript.
func TestDirectoryPages(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	var first store.Member
	for i := range 30 {
		m := f.listedMember(t, fmt.Sprintf("m%02d@example.com", i), fmt.Sprintf("会員 %02d", i), nil)
		if i == 0 {
			first = m
		}
	}
	f.listedMember(t, "other@example.com", "別部署 太郎", func(m *store.Member) { m.Department = "人事部" })
	c := f.client(t, first)
	p1 := c.names("department=営業")
	if len(p1) != 24 || p1[0] != "会員 00" || p1[23] != "会員 23" {
		t.Fatalf("page 1: %v", p1)
	}
	if p2 := c.names("department=営業&page=2"); len(p2) != 6 || p2[0] != "会員 24" || p2[5] != "会員 29" {
		t.Fatalf("page 2: %v", p2)
	}
	if p3 := c.names("department=営業&page=3"); len(p3) != 0 {
		t.Fatalf("page 3: %v", p3)
	}
	page := c.get("/members/directory/?department=営業", "text/html").Body.String()
	next := `href="/members/directory/?department=%E5%96%B6%E6%A5%AD&amp;page=2" rel="next"`
	if !strings.Contains(page, next) || strings.Contains(page, `rel="prev"`) || !strings.Contains(page, "1〜24人目を表示しています") {
		t.Errorf("page 1 links:\n%s", page)
	}
	page = c.get("/members/directory/?department=営業&page=2", "text/html").Body.String()
	if !strings.Contains(page, `href="/members/directory/?department=%E5%96%B6%E6%A5%AD" rel="prev"`) || strings.Contains(page, `rel="next"`) ||
		!strings.Contains(page, "25〜30人目を表示しています") || !strings.Contains(page, `<span class="avatar tone-`) || !strings.Contains(page, `aria-hidden="true">会</span>`) {
		t.Errorf("page 2:\n%s", page)
	}
	en := c.get("/en/members/directory/?page=2", "text/html").Body.String()
	if !strings.Contains(en, "Showing members 25 to 31") || !strings.Contains(en, `href="/en/members/directory/" rel="prev"`) {
		t.Errorf("English page 2:\n%s", en)
	}
}

// A block hides the blocker from the blocked member everywhere, as if they
// did not exist, and from their messages; nobody is told; the blocker can
// lift it.
func TestBlockHidesTheBlocker(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := t.Context()
	a := f.listedMember(t, "a@example.com", "青木 陽翔", func(m *store.Member) {
		m.Profile = store.Profile{Company: "ミライ工房", Visible: []string{"department", "years", "company"}}
	})
	b := f.listedMember(t, "b@example.com", "石田 健二", nil)
	ca, cb := f.client(t, a), f.client(t, b)

	// a blocks b from b's card (a form, back to the list with a notice), twice.
	for i := range 2 {
		rec := ca.post("/api/directory/"+b.ID+"/block", url.Values{"next": {"/members/directory/?q=石田#m-" + b.ID}})
		if loc, _ := url.PathUnescape(rec.Header().Get("Location")); rec.Code != http.StatusSeeOther || loc != "/members/directory/?q=石田&blocked=1#m-"+b.ID {
			t.Fatalf("block #%d: %d %q %s", i+1, rec.Code, rec.Header().Get("Location"), rec.Body)
		}
	}
	if bs, _ := f.s.Store.ListBlocks(ctx, a.ID); len(bs) != 1 || bs[0].Blocked != b.ID {
		t.Fatalf("blocks after blocking twice: %+v", bs)
	}
	// b no longer finds a: not in the list, nor by name, company or department.
	sameNames(t, "b's directory", cb.names(""), "石田 健二")
	for _, q := range []string{"q=青木", "company=ミライ", "department=営業"} {
		if got := cb.names(q); strings.Contains(strings.Join(got, ","), "青木") {
			t.Errorf("b finds a by %s: %v", q, got)
		}
	}
	// a's page and entry are 404 to b, exactly as a member who does not exist.
	nobody := store.NewID()
	for _, accept := range []string{"text/html", "application/json"} {
		for _, path := range []string{"/members/directory/%s/", "/api/directory/%s"} {
			got, want := cb.get(fmt.Sprintf(path, a.ID), accept), cb.get(fmt.Sprintf(path, nobody), accept)
			if got.Code != http.StatusNotFound || got.Code != want.Code || got.Body.String() != want.Body.String() {
				t.Errorf("%s as %s: %d %s, nobody's %d %s", path, accept, got.Code, got.Body, want.Code, want.Body)
			}
		}
	}
	// b cannot write to a (the same 404 as for nobody), and nothing is sent.
	before, _ := outbox.List(f.outbox)
	if err := f.s.Contact(ctx, b, a.ID, "お久しぶりです"); code(err) != httpapi.ENOTFOUND {
		t.Errorf("b writing to a: %v", err)
	}
	if rec := cb.post("/api/directory/"+a.ID+"/block", nil); rec.Code != http.StatusNotFound {
		t.Errorf("b blocking a, whom b cannot see: %d", rec.Code)
	}
	// a still sees b, marked as blocked, and cannot write to b until unblocking.
	page := ca.get("/members/directory/", "text/html").Body.String()
	if !strings.Contains(page, "ブロック中") || !strings.Contains(page, `action="/api/directory/`+b.ID+`/unblock"`) {
		t.Errorf("a's directory does not mark b as blocked:\n%s", page)
	}
	if err := f.s.Contact(ctx, a, b.ID, "hi"); code(err) != httpapi.ECONFLICT {
		t.Errorf("a writing to b while blocking: %v", err)
	}
	if after, _ := outbox.List(f.outbox); len(after) != len(before) {
		t.Errorf("%d mails sent around the block", len(after)-len(before))
	}
	// Nobody is told: b's own data says nothing of it; the audit names no one but a.
	exp, err := f.s.ExportMember(ctx, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(exp)
	if strings.Contains(string(raw), a.ID) || len(exp.Blocks) != 0 {
		t.Errorf("b's export reveals the block: %s", raw)
	}
	if exp, _ := f.s.ExportMember(ctx, a.ID); len(exp.Blocks) != 1 {
		t.Errorf("a's export lacks the block: %+v", exp.Blocks)
	}
	entries, _, _ := f.s.Store.ListAudit(ctx, store.AuditQuery{}, store.Page{})
	blocks := 0
	for _, e := range entries {
		if e.Action == "directory.block" {
			blocks++
			if e.Actor != a.ID || e.Subject != a.ID || len(e.Fields) != 0 {
				t.Errorf("audit entry %+v", e)
			}
		}
	}
	if blocks != 1 {
		t.Errorf("%d block entries, want 1 (blocking twice is one block)", blocks)
	}
	// a's profile lists b with an unblock button; unblocking shows a again.
	profile := ca.get("/members/profile/", "text/html").Body.String()
	if !strings.Contains(profile, "石田 健二") || !strings.Contains(profile, `action="/api/directory/`+b.ID+`/unblock"`) {
		t.Fatalf("a's profile does not list the block:\n%s", profile)
	}
	// Since when, written as the site writes a date.
	if !regexp.MustCompile(`\d{4}年\d{1,2}月\d{1,2}日から`).MatchString(profile) {
		t.Errorf("a's profile does not say since when b is blocked:\n%s", profile)
	}
	rec := ca.post("/api/directory/"+b.ID+"/unblock", url.Values{"next": {"/members/profile/?unblocked=1#blocks"}})
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/members/profile/?unblocked=1") {
		t.Fatalf("unblock: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	sameNames(t, "b's directory after the unblock", cb.names(""), "青木 陽翔", "石田 健二")
	if rec := cb.get("/members/directory/"+a.ID+"/", "text/html"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "ミライ工房") {
		t.Errorf("a's page after the unblock: %d", rec.Code)
	}
	// Erasing either member removes their blocks.
	if _, _, err := f.s.Store.Block(ctx, store.Block{Blocker: a.ID, Blocked: b.ID}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Erase(ctx, b.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	if bs, _ := f.s.Store.ListBlocks(ctx, a.ID); len(bs) != 0 {
		t.Errorf("blocks left after erasing the blocked member: %+v", bs)
	}
}

// Older members keep what they chose: only those who never saved a choice
// (no member.update of profile.visible in the audit log) get the defaults.
func TestDirectoryDefaultsMigration(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := t.Context()
	legacy := func(email string) store.Member {
		return f.listedMember(t, email, "旧 会員", func(m *store.Member) { m.Profile = store.Profile{} })
	}
	never := legacy("never@example.com")
	chose := legacy("chose@example.com")
	if _, err := f.s.Store.AppendAudit(ctx, store.AuditEntry{At: f.clock.Now(), Actor: chose.ID, Action: "member.update",
		Subject: chose.ID, Fields: []string{"profile.company", "profile.visible"}}); err != nil {
		t.Fatal(err)
	}
	picked := f.listedMember(t, "picked@example.com", "旧 選択", func(m *store.Member) { m.Profile = store.Profile{Visible: []string{"company"}} })

	dry, err := f.s.MigrateDirectoryDefaults(ctx, true)
	if err != nil || dry.Defaulted != 1 || dry.Marked != 1 {
		t.Fatalf("dry run: %+v %v", dry, err)
	}
	if m, _ := f.s.Store.GetMember(ctx, never.ID); len(m.Profile.Visible) != 0 {
		t.Fatal("a dry run changed a member")
	}
	for run := range 2 {
		rep, err := f.s.MigrateDirectoryDefaults(ctx, false)
		want := DirectoryMigration{Read: 3, Defaulted: 1, Marked: 1}
		if run == 1 {
			want = DirectoryMigration{Read: 3}
		}
		if err != nil || rep != want {
			t.Fatalf("run %d: %+v %v, want %+v", run+1, rep, err, want)
		}
	}
	get := func(m store.Member) store.Profile {
		got, err := f.s.Store.GetMember(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.Profile
	}
	if p := get(never); strings.Join(p.Visible, ",") != "department,years" || !p.VisibleChosenAt.IsZero() {
		t.Errorf("never chose: %+v", p)
	}
	if p := get(chose); len(p.Visible) != 0 || p.VisibleChosenAt.IsZero() {
		t.Errorf("chose to show nothing: %+v", p)
	}
	if p := get(picked); strings.Join(p.Visible, ",") != "company" {
		t.Errorf("picked a field: %+v", p)
	}
}

// A relayed message carries a link that blocks its sender, bound to its
// recipient: it works for a sender who is not listed (and so appears
// nowhere the recipient could block them), only with the recipient's own
// session, and an altered link is refused; afterwards the sender cannot
// write again nor find the recipient.
func TestBlockTheSenderFromTheMessage(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := context.Background()
	a := f.approvedMember(t, "listed-a@example.com")
	x := f.approvedMember(t, "unlisted-x@example.com")
	c := f.approvedMember(t, "other-c@example.com")
	yes, no := true, false
	if _, err := f.s.UpdateProfile(ctx, a.ID, ProfileInput{ConsentDirectory: &yes}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.UpdateProfile(ctx, x.ID, ProfileInput{ConsentDirectory: &no}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Contact(ctx, x, a.ID, "お話ししませんか"); err != nil {
		t.Fatal(err)
	}
	list, _ := outbox.List(f.outbox)
	link := regexp.MustCompile(`https?://\S+/api/directory/block-sender\?token=(\S+?)&lang=ja`).FindStringSubmatch(list[0].Text)
	if link == nil || !strings.Contains(list[0].To, "listed-a@example.com") {
		t.Fatalf("the relayed message has no block link:\n%s", list[0].Text)
	}
	token, _ := url.QueryUnescape(link[1])
	post := func(m store.Member, tok string) int {
		req := httptest.NewRequest("POST", "/api/directory/block-sender", strings.NewReader(url.Values{"token": {tok}, "lang": {"ja"}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(f.sessionCookie(t, m))
		rec := httptest.NewRecorder()
		Handler{S: f.s}.Routes()["POST /api/directory/block-sender"].ServeHTTP(rec, req)
		return rec.Code
	}
	blocked := func() bool {
		bs, err := f.s.Store.ListBlocks(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		return len(bs) == 1 && bs[0].Blocked == x.ID
	}
	if code := post(c, token); code < 400 || blocked() {
		t.Errorf("another member used the link: %d, blocked %v", code, blocked())
	}
	altered := strings.Replace(token, x.ID, c.ID, 1)
	if code := post(a, altered); code < 400 || blocked() {
		t.Errorf("an altered link: %d, blocked %v", code, blocked())
	}
	if code := post(a, token); code != 200 || !blocked() {
		t.Fatalf("the recipient's own link: %d, blocked %v", code, blocked())
	}
	if code := post(a, token); code != 200 {
		t.Errorf("the link used twice: %d, want the same page", code)
	}
	if err := f.s.Contact(ctx, x, a.ID, "もう一度"); code(err) != httpapi.ENOTFOUND {
		t.Errorf("the blocked sender wrote again: %v", err)
	}
	if dp, err := f.s.Directory(ctx, x, DirectoryQuery{}); err != nil || slices.ContainsFunc(dp.Members, func(e DirectoryEntry) bool { return e.ID == a.ID }) {
		t.Errorf("the blocked sender still finds her: %v", err)
	}
}
