package account

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

// HR's page for one member shows the record, consents and their history,
// RSVPs, applications, referrals and the audit trail; every action on it
// (correct, suspend and restore, grant and revoke, erase) is confirmed,
// audited, refused on HR's own record or in the wrong state, and bad
// input changes nothing.
func TestHRMemberPageAndActions(t *testing.T) {
	f := newFixture(t, ApprovalManual)
	ctx := context.Background()
	hr := f.hr(t)
	hrCookie := f.sessionCookie(t, hr)
	sato := f.approvedByHand(t, "sato@example.com")
	satoCookie := f.sessionCookie(t, sato)
	now := f.clock.Now()
	start := now.Add(14 * 24 * time.Hour)
	if _, err := f.s.Store.PutEvent(ctx, store.Event{ID: "homecoming", Title: map[string]string{"ja": "ホームカミングデー", "en": "Homecoming day"},
		Start: start, End: start.Add(2 * time.Hour), Capacity: 50, Visibility: store.VisibilityMembers, SyncedAt: now}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.Store.CreateRSVP(ctx, store.RSVPRequest{EventID: "homecoming", MemberID: sato.ID, Now: now}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Store.PutJob(ctx, store.Job{ID: "backend", Title: "バックエンドエンジニア", EmploymentType: store.EmploymentRehire,
		Department: "開発部", Location: "東京", Closes: now.AddDate(0, 1, 0).Truncate(24 * time.Hour),
		Visibility: store.VisibilityMembers, Contact: "careers@example.co.jp", SyncedAt: now}); err != nil {
		t.Fatal(err)
	}
	app, _, err := f.s.Store.Apply(ctx, store.Application{JobID: "backend", MemberID: sato.ID, Message: "また一緒に働きたいです。", Contact: store.ContactEmail}, now)
	if err != nil {
		t.Fatal(err)
	}
	h := Handler{S: f.s}.Routes()
	get := func(c *http.Cookie, path, accept string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Accept", accept)
		req.AddCookie(c)
		id, _, _ := strings.Cut(strings.TrimPrefix(path, "/hr/members/"), "?")
		req.SetPathValue("id", id)
		rec := httptest.NewRecorder()
		h["GET /hr/members/{id}"].ServeHTTP(rec, req)
		return rec
	}
	post := func(c *http.Cookie, action, id string, form url.Values) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest("POST", "/api/hr/members/"+id+"/"+action, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(c)
		req.SetPathValue("id", id)
		rec := httptest.NewRecorder()
		h["POST /api/hr/members/{id}/"+action].ServeHTTP(rec, req)
		return rec
	}
	stored := func(id string) store.Member {
		t.Helper()
		m, err := f.s.Store.GetMember(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	yes := url.Values{"confirm": {"yes"}}

	// The page: the record, consents, the event, the application, audit.
	page := get(hrCookie, "/hr/members/"+sato.ID, "text/html")
	if page.Code != http.StatusOK {
		t.Fatalf("member page: %d %s", page.Code, page.Body)
	}
	body := page.Body.String()
	for _, want := range []string{"sato@example.com", "承認済み", "プライバシーポリシー", "ホームカミングデー", "参加",
		`href="/hr/applications/` + app.ID + `"`, "バックエンドエンジニア", "受付済み", "操作の記録", "承認", `action="/api/hr/members/` + sato.ID + `/suspend"`,
		`action="/api/hr/members/` + sato.ID + `/erase"`, `aria-current="page">メンバー</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("member page lacks %q", want)
		}
	}
	// Years and the policy's version in words, not as stored (2015-04, 2026-04-01).
	for _, want := range []string{`<dt>在籍期間</dt><dd id="m-years">2015年4月 – 2020年3月</dd>`, `<td data-label="ポリシーの版">2026年4月1日版</td>`} {
		if !strings.Contains(body, want) {
			t.Errorf("member page lacks %q", want)
		}
	}
	if strings.Contains(body, "2015-04 – ") || strings.Contains(body, ">2026-04-01<") {
		t.Error("member page shows stored months or the policy's raw version")
	}
	if rec := get(satoCookie, "/hr/members/"+hr.ID, "text/html"); rec.Code != http.StatusForbidden {
		t.Errorf("a member without the role on HR's member page: %d", rec.Code)
	}
	if rec := get(hrCookie, "/hr/members/nobody", "application/json"); rec.Code != http.StatusNotFound {
		t.Errorf("no such member: %d", rec.Code)
	}
	// HR's own page offers no suspend, erase or revoke.
	own := get(hrCookie, "/hr/members/"+hr.ID, "text/html").Body.String()
	if strings.Contains(own, "/suspend\"") || strings.Contains(own, "/erase\"") || strings.Contains(own, "/revoke\"") {
		t.Error("HR's own page offers suspend, erase or revoke")
	}

	// Correct: bad months and an unconfirmed form change nothing.
	v := strconv.FormatInt(stored(sato.ID).Version, 10)
	bad := post(hrCookie, "correct", sato.ID, url.Values{"department": {"営業部"}, "joined": {"2015年13月"}, "left": {"2099-01"}, "version": {v}, "confirm": {"yes"}})
	if bad.Code != http.StatusBadRequest || !strings.Contains(bad.Body.String(), "入社年月: 年と月を入力") || !strings.Contains(bad.Body.String(), "退職年月: 未来の年月") {
		t.Errorf("bad months: %d %s", bad.Code, bad.Body)
	}
	if rec := post(hrCookie, "correct", sato.ID, url.Values{"department": {"営業部"}, "joined": {"2015-04"}, "left": {"2020-03"}, "version": {v}}); rec.Code != http.StatusBadRequest {
		t.Errorf("unconfirmed correction: %d", rec.Code)
	}
	if got := stored(sato.ID); strconv.FormatInt(got.Version, 10) != v {
		t.Fatalf("a refused correction wrote the member (v%s → v%d)", v, got.Version)
	}
	ok := post(hrCookie, "correct", sato.ID, url.Values{"department": {" 営業企画部 "}, "joined": {"2014年10月"}, "left": {"2019/9"}, "version": {v}, "confirm": {"yes"}})
	if ok.Code != http.StatusSeeOther || ok.Header().Get("Location") != "/hr/members/"+sato.ID+"?done=corrected" {
		t.Fatalf("correction: %d %q %s", ok.Code, ok.Header().Get("Location"), ok.Body)
	}
	if got := stored(sato.ID); got.Department != "営業企画部" || got.Joined != "2014-10" || got.Left != "2019-09" || strconv.FormatInt(got.Version, 10) == v {
		t.Fatalf("corrected to %q %q %q", got.Department, got.Joined, got.Left)
	}
	// The same form again carries the old version: refused, not overwritten.
	if rec := post(hrCookie, "correct", sato.ID, url.Values{"department": {"開発部"}, "joined": {"2015-04"}, "left": {"2020-03"}, "version": {v}, "confirm": {"yes"}}); rec.Code != http.StatusConflict {
		t.Errorf("stale correction: %d", rec.Code)
	}
	if got := stored(sato.ID); got.Department != "営業企画部" {
		t.Errorf("a stale correction overwrote the department: %q", got.Department)
	}
	if !strings.Contains(get(hrCookie, "/hr/members/"+sato.ID+"?done=corrected", "text/html").Body.String(), "登録内容を訂正しました") {
		t.Error("no notice after the correction")
	}

	// Suspend: the member's session ends at once; twice is once; restore.
	if rec := post(hrCookie, "suspend", sato.ID, nil); rec.Code != http.StatusBadRequest || stored(sato.ID).Status != store.StatusApproved {
		t.Fatalf("unconfirmed suspend: %d %s", rec.Code, stored(sato.ID).Status)
	}
	for range 2 {
		if rec := post(hrCookie, "suspend", sato.ID, yes); rec.Code != http.StatusSeeOther {
			t.Fatalf("suspend: %d %s", rec.Code, rec.Body)
		}
	}
	if got := stored(sato.ID); got.Status != store.StatusSuspended {
		t.Fatalf("suspended member is %s", got.Status)
	}
	req := httptest.NewRequest("GET", "/members/", nil)
	req.AddCookie(satoCookie)
	if _, _, ok := f.s.Authenticate(req); ok {
		t.Error("a suspended member's session still works")
	}
	if err := f.s.Login(ctx, "sato@example.com", "", "c"); err == nil {
		if _, _, err := f.s.Callback(ctx, f.lastToken(t, "sato@example.com")); err == nil {
			t.Error("a suspended member logged in again")
		}
	}
	if rec := post(hrCookie, "grant", sato.ID, yes); rec.Code != http.StatusConflict {
		t.Errorf("granting the role to a suspended member: %d", rec.Code)
	}
	if rec := post(hrCookie, "restore", sato.ID, yes); rec.Code != http.StatusSeeOther || stored(sato.ID).Status != store.StatusApproved {
		t.Fatalf("restore: %d %s", rec.Code, stored(sato.ID).Status)
	}
	if rec := post(hrCookie, "restore", sato.ID, yes); rec.Code != http.StatusSeeOther {
		t.Errorf("restoring again: %d", rec.Code)
	}

	// Grant and revoke from the page; never on oneself.
	if rec := post(hrCookie, "grant", sato.ID, yes); rec.Code != http.StatusSeeOther || !stored(sato.ID).HasRole(store.RoleHR) {
		t.Fatalf("grant: %d", rec.Code)
	}
	for _, action := range []string{"suspend", "revoke", "erase"} {
		if rec := post(hrCookie, action, hr.ID, yes); rec.Code != http.StatusConflict || !strings.Contains(rec.Body.String(), "ほかの管理者") {
			t.Errorf("%s on oneself: %d %s", action, rec.Code, rec.Body)
		}
	}
	if rec := post(hrCookie, "revoke", sato.ID, yes); rec.Code != http.StatusSeeOther || stored(sato.ID).HasRole(store.RoleHR) {
		t.Fatalf("revoke: %d", rec.Code)
	}
	if rec := post(satoCookie, "suspend", hr.ID, yes); rec.Code != http.StatusForbidden && rec.Code != http.StatusUnauthorized {
		t.Errorf("a member without the role suspending HR: %d", rec.Code)
	}

	// Each action is in the audit trail, names only, no values.
	entries, _, err := f.s.Store.ListAudit(ctx, store.AuditQuery{Subject: sato.ID}, store.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range entries {
		if e.Actor == "hr:"+hr.ID {
			seen[e.Action]++
		}
		raw, _ := json.Marshal(e)
		if strings.Contains(string(raw), "営業企画部") || strings.Contains(string(raw), "sato@") {
			t.Errorf("an audit entry holds a value: %s", raw)
		}
	}
	for action, n := range map[string]int{"member.correct": 1, "member.suspend": 1, "member.restore": 1, "role.grant": 1, "role.revoke": 1} {
		if seen[action] != n {
			t.Errorf("audit %s: %d entries, want %d (all: %v)", action, seen[action], n, seen)
		}
	}
	trail := get(hrCookie, "/hr/members/"+sato.ID, "text/html").Body.String()
	for _, want := range []string{"事務局が部署・在籍期間を訂正した", "所属部署、入社年月、退職年月", "利用を停止した", "利用を再開した", "管理者にした"} {
		if !strings.Contains(trail, want) {
			t.Errorf("the audit trail on the page lacks %q", want)
		}
	}
	// Its times carry the year, as /hr/audit's do: a record spans years.
	if !regexp.MustCompile(`>20\d\d年\d{1,2}月\d{1,2}日 \d{1,2}:\d\d<`).MatchString(trail) || regexp.MustCompile(`>\d{1,2}月\d{1,2}日 \d{1,2}:\d\d<`).MatchString(trail) {
		t.Errorf("the audit trail's times lack their year:\n%s", trail)
	}

	// Erase: confirmed only; then the member is gone and the list says so.
	if rec := post(hrCookie, "erase", sato.ID, nil); rec.Code != http.StatusBadRequest {
		t.Errorf("unconfirmed erase: %d", rec.Code)
	}
	if rec := post(hrCookie, "erase", sato.ID, yes); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/hr/members?done=erased" {
		t.Fatalf("erase: %d %q %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	if _, err := f.s.Store.GetMember(ctx, sato.ID); err == nil {
		t.Error("the erased member is still there")
	}
	if rec := get(hrCookie, "/hr/members/"+sato.ID, "text/html"); rec.Code != http.StatusNotFound {
		t.Errorf("the erased member's page: %d", rec.Code)
	}
}
