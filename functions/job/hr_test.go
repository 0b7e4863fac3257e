package job

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/store"
)

// TestHRNoticesSpeakEachRecipientsLanguage: an administrator gets HR's
// notices in the language of their member record; an address that is no
// member's (a shared mailbox) gets one email, Japanese first, then English.
func TestHRNoticesSpeakEachRecipientsLanguage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const jaAdmin, sharedBox = "jinji@example.co.jp", "hr-team@example.co.jp"
	f.s.Config.Admins = []string{hrAdmin, jaAdmin, sharedBox}
	f.member(hrAdmin, "Pat Lee", store.LanguageEn)
	f.member(jaAdmin, "人事 花子", store.LanguageJa)
	noContact := openJob("sre-contract", store.VisibilityPublic)
	noContact.Contact = "" // so the administrators hear about it
	f.putJob(noContact)
	m := f.member("hanako@example.net", "山田 花子", store.LanguageJa)

	a := f.apply(m, "sre-contract")
	if _, err := f.s.Withdraw(ctx, m.Member, a.ID); err != nil {
		t.Fatal(err)
	}
	const (
		jaApplied   = "応募者: 山田 花子さん"
		enApplied   = "Applicant: 山田 花子"
		jaWithdrawn = "山田 花子さんが「バックエンドエンジニア（再入社・正社員）」への応募を取り下げました。"
		enWithdrawn = `山田 花子 withdrew their application for "Backend engineer (re-hire)".`
	)
	for _, tc := range []struct {
		to            string
		subjects      [2]string // withdrawn, applied
		has, lacks    []string
		japaneseFirst [2]string // in a bilingual email, this Japanese text comes before this English one
	}{
		{hrAdmin, [2]string{"[Withdrawn] Backend engineer (re-hire): 山田 花子", "[Application] Backend engineer (re-hire): 山田 花子"},
			[]string{enApplied, enWithdrawn}, []string{jaApplied, jaWithdrawn, "応募"}, [2]string{}},
		{jaAdmin, [2]string{"【応募の取り下げ】バックエンドエンジニア（再入社・正社員）：山田 花子さん", "【応募】バックエンドエンジニア（再入社・正社員）：山田 花子さん"},
			[]string{jaApplied, jaWithdrawn}, []string{enApplied, enWithdrawn, "Backend engineer"}, [2]string{}},
		{sharedBox, [2]string{"【応募の取り下げ】バックエンドエンジニア（再入社・正社員）：山田 花子さん / [Withdrawn] Backend engineer (re-hire): 山田 花子",
			"【応募】バックエンドエンジニア（再入社・正社員）：山田 花子さん / [Application] Backend engineer (re-hire): 山田 花子"},
			[]string{jaApplied, enApplied, jaWithdrawn, enWithdrawn}, nil, [2]string{jaApplied, enApplied}},
	} {
		mails := f.mails(tc.to)
		if len(mails) != 2 {
			t.Fatalf("%s got %d mails, want the notice and the withdrawal", tc.to, len(mails))
		}
		text := mails[0].Text + mails[1].Text
		for _, want := range tc.subjects {
			if mails[0].Subject != want && mails[1].Subject != want {
				t.Errorf("%s: no mail has the subject %q (got %q, %q)", tc.to, want, mails[0].Subject, mails[1].Subject)
			}
		}
		for _, want := range tc.has {
			if !strings.Contains(text, want) {
				t.Errorf("%s: lacks %q:\n%s", tc.to, want, text)
			}
		}
		for _, unwanted := range tc.lacks {
			if strings.Contains(text, unwanted) {
				t.Errorf("%s: carries %q, from the other language:\n%s", tc.to, unwanted, text)
			}
		}
		if ja, en := tc.japaneseFirst[0], tc.japaneseFirst[1]; ja != "" {
			if i, j := strings.Index(text, ja), strings.Index(text, en); i < 0 || j < 0 || i > j {
				t.Errorf("%s: not Japanese first, then English:\n%s", tc.to, text)
			}
		}
	}

	// A job's contact that is no member's is a shared mailbox too.
	f.apply(m, "backend-engineer-rehire")
	if mails := f.mails("careers@example.co.jp"); len(mails) != 1 || !strings.Contains(mails[0].Text, jaApplied) || !strings.Contains(mails[0].Text, enApplied) {
		t.Fatalf("the job's contact: %+v", mails)
	}
}

// TestHRExportsSpeakTheHRPagesLanguage: applications.csv and referrals.csv
// have their header row and fixed words in the language of HR's pages
// (the administrator's own), the same columns in the same order, and the
// BOM for Excel either way.
func TestHRExportsSpeakTheHRPagesLanguage(t *testing.T) {
	for _, tc := range []struct {
		lang                              store.Language
		apps, refs                        []string
		job, status, contact              string
		relationship, outcome, suppressed string
		department, location              string
	}{
		{store.LanguageJa,
			[]string{"応募ID", "求人ID", "求人", "応募者", "メールアドレス", "在籍時の部署", "状況", "応募日時", "更新日時", "連絡方法", "電話番号", "リンク", "履歴書", "応募メッセージ"},
			[]string{"紹介ID", "求人ID", "求人", "紹介者", "紹介された方", "メールアドレス", "関係", "紹介日", "案内メール", "結果", "結果のメモ", "紹介者のひとこと"},
			"バックエンドエンジニア（再入社・正社員）", "面接", "メール", "元同僚・同僚", "採用", "配信停止中（未送信）",
			"プロダクト開発部", "東京都渋谷区"},
		{store.LanguageEn,
			[]string{"Application ID", "Job ID", "Job", "Applicant", "Email", "Department", "Status", "Applied", "Updated", "Contact by", "Phone", "Link", "Résumé", "Message"},
			[]string{"Referral ID", "Job ID", "Job", "Referred by", "Friend", "Email", "Relationship", "Referred", "Invitation", "Outcome", "Outcome note", "Note from the referrer"},
			"Backend engineer (re-hire)", "Interview", "Email", "Colleague", "Hired", "Unsubscribed (not sent)",
			"Product Development", "Shibuya, Tokyo"},
	} {
		t.Run(string(tc.lang), func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			hr := f.member(hrAdmin, "人事 担当", tc.lang)
			m := f.member("hanako@example.net", "山田 花子", store.LanguageJa)
			a := f.apply(m, "backend-engineer-rehire")
			if _, err := f.s.Move(ctx, hr.Member, a.ID, store.ApplicationInterview, "", false); err != nil {
				t.Fatal(err)
			}
			ref, _, err := f.s.Refer(ctx, m.Member, "backend-engineer-rehire", ReferInput{Name: "鈴木 一郎", Email: "ichiro@example.com", Relationship: "colleague"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.s.SetOutcome(ctx, hr.Member, ref.ID, store.ReferralHired, ""); err != nil {
				t.Fatal(err)
			}
			// A friend who unsubscribed is not invited: a fixed word says so.
			if _, err := f.st.Suppress(ctx, "jiro@example.com", store.SuppressUnsubscribe, store.SuppressionMark{At: f.clock()}); err != nil {
				t.Fatal(err)
			}
			suppressed, _, err := f.s.Refer(ctx, m.Member, "backend-engineer-rehire", ReferInput{Name: "鈴木 二郎", Email: "jiro@example.com", Relationship: "friend"})
			if err != nil || !suppressed.Suppressed {
				t.Fatalf("a referral to a suppressed address: %+v %v", suppressed, err)
			}

			page := f.do(request{method: "GET", path: "/hr/applications", cookie: hr.cookie})
			if !strings.Contains(page.Body.String(), `<html lang="`+string(tc.lang)+`">`) || !strings.Contains(page.Body.String(), ">"+tc.status+"<") {
				t.Fatalf("HR's page is not in %s:\n%s", tc.lang, page.Body)
			}
			// The job is named in HR's language on each of HR's pages.
			for _, p := range []string{"/hr/jobs", "/hr/applications", "/hr/jobs/backend-engineer-rehire", "/hr/referrals"} {
				if body := f.do(request{method: "GET", path: p, cookie: hr.cookie}).Body.String(); !strings.Contains(body, ">"+tc.job+"<") {
					t.Errorf("%s does not name the job %q", p, tc.job)
				}
				if body := f.do(request{method: "GET", path: p, cookie: hr.cookie}).Body.String(); strings.Contains(body, `<p class="back"><a href="/hr/jobs">`) != (p == "/hr/jobs/backend-engineer-rehire") {
					t.Errorf("%s: a back link to the jobs list only on a job's page", p)
				}
				// The site's .back a::before draws the arrow: the text has none.
				if body := f.do(request{method: "GET", path: p, cookie: hr.cookie}).Body.String(); strings.Contains(body, `">← `) {
					t.Errorf("%s: a back link draws a second arrow", p)
				}
			}
			// On a phone the referrals are cards of "label value" lines,
			// as the applications are: a six-column table squeezed into
			// 390 px broke every word.
			for _, p := range []string{"/hr/referrals", "/hr/jobs/backend-engineer-rehire"} {
				body := f.do(request{method: "GET", path: p, cookie: hr.cookie}).Body.String()
				_, table, _ := strings.Cut(body, `<table class="stacked names referrals">`)
				table, _, _ = strings.Cut(table, "</table>")
				if table == "" || strings.Contains(table, "<td>") || !strings.Contains(table, `<td data-label="`+hrText[string(tc.lang)]["friend"]+`"><div>`) {
					t.Errorf("%s: the referrals are not a stacked table with a label in each cell:\n%s", p, table)
				}
			}
			if body := f.do(request{method: "GET", path: "/hr/applications/" + a.ID, cookie: hr.cookie}).Body.String(); strings.Contains(body, `">← `) {
				t.Errorf("the application's back link draws a second arrow")
			}
			// So are its department and location.
			jobPage := f.do(request{method: "GET", path: "/hr/jobs/backend-engineer-rehire", cookie: hr.cookie}).Body.String()
			for _, want := range []string{"<dd>" + tc.department + "</dd>", "<dd>" + tc.location + "</dd>"} {
				if !strings.Contains(jobPage, want) {
					t.Errorf("HR's job page lacks %s", want)
				}
			}
			// Its downloads are there for what it has, and a posting
			// nobody answered offers none.
			if !strings.Contains(jobPage, "/hr/applications.csv?job=backend-engineer-rehire") || !strings.Contains(jobPage, "/hr/referrals.csv?job=backend-engineer-rehire") {
				t.Errorf("HR's job page lacks its downloads:\n%s", jobPage)
			}
			if other := f.do(request{method: "GET", path: "/hr/jobs/security-review-project", cookie: hr.cookie}).Body.String(); strings.Contains(other, ".csv") {
				t.Errorf("a job with no application or referral offers a CSV:\n%s", other)
			}
			apps := readCSV(t, f.do(request{method: "GET", path: "/hr/applications.csv", cookie: hr.cookie}))
			if strings.Join(apps[0], "|") != strings.Join(tc.apps, "|") {
				t.Errorf("applications.csv header %q, want %q", apps[0], tc.apps)
			}
			if len(apps) != 2 || apps[1][0] != a.ID || apps[1][2] != tc.job || apps[1][3] != "山田 花子" || apps[1][6] != tc.status || !strings.HasPrefix(apps[1][7], "2026-11-") || apps[1][9] != tc.contact {
				t.Errorf("applications.csv rows: %q", apps[1:])
			}
			refs := readCSV(t, f.do(request{method: "GET", path: "/hr/referrals.csv", cookie: hr.cookie}))
			if strings.Join(refs[0], "|") != strings.Join(tc.refs, "|") {
				t.Errorf("referrals.csv header %q, want %q", refs[0], tc.refs)
			}
			byFriend := map[string][]string{}
			for _, row := range refs[1:] {
				byFriend[row[4]] = row
			}
			if got := byFriend["鈴木 一郎"]; len(refs) != 3 || got == nil || got[0] != ref.ID || got[2] != tc.job || got[6] != tc.relationship ||
				!strings.HasPrefix(got[8], "2026-11-21 ") || got[9] != tc.outcome {
				t.Errorf("referrals.csv rows: %q", refs[1:])
			}
			if got := byFriend["鈴木 二郎"]; got == nil || got[8] != tc.suppressed {
				t.Errorf("referrals.csv: the unsubscribed friend's invitation reads %q, want %q", got, tc.suppressed)
			}
		})
	}
}

// readCSV checks an export's answer (200, CSV, UTF-8 BOM, CRLF) and parses it.
func readCSV(t *testing.T, rec *httptest.ResponseRecorder) [][]string {
	t.Helper()
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(body, "\uFEFF") || !strings.Contains(body, "\r\n") {
		t.Fatalf("export: %d %q %.120q", rec.Code, rec.Header().Get("Content-Type"), body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("export rows: %q %v", rows, err)
	}
	return rows
}

// HR's job list offers a CSV only of what exists, and an English page
// writes its parentheses as English does.
func TestHRJobListOffersOnlyCSVsWithRows(t *testing.T) {
	f := newFixture(t)
	hr := f.member(hrAdmin, "Pat Lee", store.LanguageEn)
	f.putJob(openJob("backend-engineer-rehire", store.VisibilityMembers))
	list := func() string {
		t.Helper()
		rec := f.do(request{method: "GET", path: "/hr/jobs", cookie: hr.cookie, accept: "text/html"})
		if rec.Code != http.StatusOK {
			t.Fatalf("/hr/jobs: %d", rec.Code)
		}
		return rec.Body.String()
	}
	page := list()
	if strings.Contains(page, `href="/hr/applications.csv"`) || strings.Contains(page, `href="/hr/referrals.csv"`) {
		t.Error("CSV buttons with no application or referral to download")
	}
	if !strings.Contains(page, "<small>(Members only)</small>") || strings.Contains(page, "（Members only）") {
		t.Error("the English list does not write (Members only) with English parentheses")
	}
	f.apply(f.member("hanako@example.net", "山田 花子", store.LanguageJa), "backend-engineer-rehire")
	if page := list(); !strings.Contains(page, `href="/hr/applications.csv"`) || strings.Contains(page, `href="/hr/referrals.csv"`) {
		t.Error("after one application: the applications CSV only")
	}
}
