package account

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/store"
)

// HR finds a member by kana in either script, by part of an address or
// department, by years and flags; paging goes through every member once;
// the CSV holds what the search kept, for Excel; bad filters are refused
// per field; a member without the role gets 403.
func TestHRFindsMembers(t *testing.T) {
	f := newFixture(t, ApprovalManual)
	ctx := context.Background()
	hr := f.hr(t)
	cookie := f.sessionCookie(t, hr)
	plain := f.sessionCookie(t, f.approvedByHand(t, "plain@example.com"))
	mk := func(email, name, kana, dept, joined, left string, rehire bool) {
		m, err := f.s.Store.CreateMember(ctx, store.Member{Email: email, Name: name, Kana: kana, Department: dept, Joined: joined, Left: left,
			Language: store.LanguageJa, Status: store.StatusApproved, Profile: store.Profile{OpenTo: store.OpenTo{Rehire: rehire}}})
		if err != nil {
			t.Fatal(err)
		}
		_ = m
	}
	mk("sato@example.com", "佐藤 花子", "さとう はなこ", "営業部", "2010-04", "2018-03", true)
	mk("kato@example.org", "加藤 一郎", "カトウ イチロウ", "開発部", "2015-04", "2020-09", false)
	mk("satomi@example.net", "里見 健", "さとみ けん", "=cmd|' /C calc'!A0", "2012-04", "2016-03", false)
	for i := range 130 {
		mk("bulk"+strings.Repeat("x", i%3)+string(rune('a'+i%26))+strings.Repeat("y", i/26)+"@example.com", "山田 太郎", "やまだ たろう", "総務部", "2000-04", "2005-03", false)
	}
	h := Handler{S: f.s}.Routes()
	search := func(c *http.Cookie, route, query string) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest("GET", "/hr/members"+query, nil)
		req.Header.Set("Accept", "application/json")
		req.AddCookie(c)
		rec := httptest.NewRecorder()
		h[route].ServeHTTP(rec, req)
		return rec
	}
	names := func(query string) []string {
		t.Helper()
		rec := search(cookie, "GET /hr/members", query)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", query, rec.Code, rec.Body)
		}
		var res MemberSearch
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range res.Members {
			out = append(out, m.Name)
		}
		return out
	}
	for query, want := range map[string]string{
		"?q=サトウ":                               "佐藤 花子",
		"?q=かとう":                               "加藤 一郎",
		"?q=SATO@EXAMPLE.COM":                  "佐藤 花子",
		"?q=example.org":                       "加藤 一郎",
		"?department=開発":                       "加藤 一郎",
		"?q=さと&left_from=2017":                 "佐藤 花子",
		"?q=さと&open=rehire":                    "佐藤 花子",
		"?q=さと&joined_to=2011&status=approved": "佐藤 花子",
	} {
		if got := names(query); len(got) != 1 || got[0] != want {
			t.Errorf("%s: %v, want [%s]", query, got, want)
		}
	}
	if got := names("?q=さと"); len(got) != 2 {
		t.Errorf("さと: %v, want 佐藤 and 里見", got)
	}
	if got := names("?q=さと&status=suspended"); len(got) != 0 {
		t.Errorf("suspended: %v", got)
	}

	// Paging: every one of the 130 Yamadas once.
	seen, query := map[string]bool{}, "?q=やまだ"
	for pages := 0; ; pages++ {
		rec := search(cookie, "GET /hr/members", query)
		var res MemberSearch
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || pages > 10 {
			t.Fatalf("page %d: %v %s", pages, err, rec.Body)
		}
		for _, m := range res.Members {
			if seen[m.ID] {
				t.Fatalf("%s listed twice", m.ID)
			}
			seen[m.ID] = true
		}
		if res.Next == "" {
			break
		}
		query = "?q=やまだ&cursor=" + res.Next
	}
	if len(seen) != 130 {
		t.Errorf("paged through %d of 130", len(seen))
	}

	rec := search(cookie, "GET /hr/members.csv", "?q=さと")
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.HasPrefix(body, "\uFEFF") {
		t.Fatalf("csv: %d %q", rec.Code, body[:min(len(body), 40)])
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][1] != "氏名" {
		t.Fatalf("csv rows: %v %v", rows, err)
	}
	for _, row := range rows[1:] {
		if strings.HasPrefix(row[4], "=") {
			t.Errorf("a formula went out as is: %q", row[4])
		}
	}

	for _, bad := range []string{"?status=boss", "?joined_from=15", "?open=everything"} {
		rec := search(cookie, "GET /hr/members", bad)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `"field"`) {
			t.Errorf("%s: %d %s", bad, rec.Code, rec.Body)
		}
	}
	if rec := search(plain, "GET /hr/members", "?q=さと"); rec.Code != http.StatusForbidden {
		t.Errorf("a member without the role: %d", rec.Code)
	}

	req := httptest.NewRequest("GET", "/hr/members?q=さとう", nil)
	req.AddCookie(cookie)
	page := httptest.NewRecorder()
	h["GET /hr/members"].ServeHTTP(page, req)
	// Years read as people write them; the CSV keeps the stored months for Excel.
	for _, want := range []string{"佐藤 花子", `role="search"`, `aria-current="page"`, "/hr/members.csv?q=", `<td data-label="在籍期間">2010年4月 – 2018年3月</td>`} {
		if !strings.Contains(page.Body.String(), want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page.Body.String(), "2010-04") {
		t.Error("the page shows the stored month 2010-04")
	}
	for _, row := range rows[1:] {
		if row[1] == "佐藤 花子" && (row[5] != "2010-04" || row[6] != "2018-03") {
			t.Errorf("the CSV's months: %q", row)
		}
	}
}
