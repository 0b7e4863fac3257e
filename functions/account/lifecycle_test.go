package account

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/okaeri/okaeri/functions/mail/guard"
	"github.com/okaeri/okaeri/functions/mail/outbox"
	"github.com/okaeri/okaeri/functions/store"
)

const day = 24 * time.Hour

// subjectsTo counts the outbox's mails to addr by subject.
func (f *fixture) subjectsTo(t *testing.T, addr string) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, e := range f.mailsTo(t, addr) {
		n[e.Subject]++
	}
	return n
}

const (
	welcomeJA = "おかえりなさい。ご登録が承認されました"
	nudgeJA   = "プロフィールを入力しませんか"
	yearlyJA  = "ご登録内容はいまも正しいですか"
)

func (f *fixture) runLifecycle(t *testing.T) LifecycleResult {
	t.Helper()
	res, err := f.s.RunLifecycle(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (f *fixture) wantMails(t *testing.T, when, addr string, want map[string]int) {
	t.Helper()
	got := f.subjectsTo(t, addr)
	for subject, n := range want {
		if got[subject] != n {
			t.Errorf("%s: %d × %q to %s, want %d (all: %v)", when, got[subject], subject, addr, n, got)
		}
	}
}

func TestLifecycleMailsGoOnceEach(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := context.Background()
	m := f.approvedMember(t, "a@example.com") // gave the directory consent
	f.wantMails(t, "approved", "a@example.com", map[string]int{welcomeJA: 1})

	// A second welcome (a retried approval or decision task) is not sent.
	if err := f.s.sendWelcome(ctx, m); err != nil {
		t.Fatal(err)
	}
	f.wantMails(t, "welcome again", "a@example.com", map[string]int{welcomeJA: 1})

	f.clock.Add(NudgeAfter - time.Minute)
	f.runLifecycle(t)
	f.wantMails(t, "before 7 days", "a@example.com", map[string]int{nudgeJA: 0})

	f.clock.Add(time.Minute)
	for range 2 {
		f.runLifecycle(t)
	}
	f.wantMails(t, "7 days, two runs", "a@example.com", map[string]int{nudgeJA: 1, yearlyJA: 0})
	got, err := f.s.Store.GetMember(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := got.Lifecycle[store.LifecycleNudge]; !ok {
		t.Fatalf("no nudge claim on the member: %v", got.Lifecycle)
	}
	list, err := outbox.List(f.outbox)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range list {
		if e.Subject == nudgeJA && !strings.Contains(e.Text, "http://portal.test/members/profile/") {
			t.Errorf("the nudge does not link to the profile:\n%s", e.Text)
		}
	}

	// The anniversary: once, however often the job runs that year.
	f.clock.Add(365*day - NudgeAfter)
	for range 2 {
		f.runLifecycle(t)
	}
	f.wantMails(t, "first anniversary", "a@example.com", map[string]int{welcomeJA: 1, nudgeJA: 1, yearlyJA: 1})
	f.clock.Add(200 * day)
	f.runLifecycle(t)
	f.wantMails(t, "later that year", "a@example.com", map[string]int{yearlyJA: 1})
	f.clock.Add(166 * day)
	f.runLifecycle(t)
	f.runLifecycle(t)
	f.wantMails(t, "second anniversary", "a@example.com", map[string]int{yearlyJA: 2, nudgeJA: 1})
}

func TestLifecycleConcurrentRunsSendOnce(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	for _, a := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		f.approvedMember(t, a)
	}
	f.clock.Add(NudgeAfter)
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for range 4 {
		wg.Go(func() {
			res, err := f.s.RunLifecycle(context.Background())
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += res.Nudges
			mu.Unlock()
		})
	}
	wg.Wait()
	if total != 3 {
		t.Errorf("4 concurrent runs sent %d nudges to 3 members, want 3", total)
	}
	for _, a := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		f.wantMails(t, "concurrent runs", a, map[string]int{nudgeJA: 1})
	}
}

func TestLifecycleNudgeOnlyForAnEmptyProfileAndSomeConsent(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := context.Background()
	filled := f.approvedMember(t, "filled@example.com")
	if _, err := f.s.Store.UpdateMember(ctx, filled.ID, func(old store.Member) (store.Member, error) {
		old.Profile.Location = "大阪"
		return old, nil
	}); err != nil {
		t.Fatal(err)
	}
	// Kana and interests do not count: the nudge is about one's work now.
	kana := f.approvedMember(t, "kana@example.com")
	withdrawn := f.approvedMember(t, "withdrawn@example.com")
	for _, id := range []string{kana.ID, withdrawn.ID} {
		if _, err := f.s.Store.UpdateMember(ctx, id, func(old store.Member) (store.Member, error) {
			old.Kana = "サトウ ハナ"
			if id == withdrawn.ID {
				for p, c := range old.Consents {
					if p != "privacy" {
						c.Given = false
						old.Consents[p] = c
					}
				}
			}
			return old, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Add(NudgeAfter)
	if res := f.runLifecycle(t); res.Nudges != 1 {
		t.Errorf("sent %d nudges, want 1 (kana@ only)", res.Nudges)
	}
	f.wantMails(t, "filled profile", "filled@example.com", map[string]int{nudgeJA: 0})
	f.wantMails(t, "kana only", "kana@example.com", map[string]int{nudgeJA: 1})
	f.wantMails(t, "every optional consent withdrawn", "withdrawn@example.com", map[string]int{nudgeJA: 0})

	// The yearly check goes to every approved member, withdrawn or not.
	f.clock.Add(365*day - NudgeAfter)
	if res := f.runLifecycle(t); res.Yearly != 3 {
		t.Errorf("sent %d yearly checks, want 3", res.Yearly)
	}
	f.wantMails(t, "anniversary", "withdrawn@example.com", map[string]int{yearlyJA: 1})
}

func TestLifecycleSwitchedOffSendsNothing(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := context.Background()
	if _, err := f.s.SetMailSettings(ctx, "hr:x", nil); err != nil {
		t.Fatal(err)
	}
	f.approvedMember(t, "a@example.com")
	f.clock.Add(NudgeAfter)
	if res := f.runLifecycle(t); res != (LifecycleResult{}) {
		t.Fatalf("switched off, the job sent %+v", res)
	}
	f.wantMails(t, "switched off", "a@example.com", map[string]int{welcomeJA: 0, nudgeJA: 0})

	if _, err := f.s.SetMailSettings(ctx, "hr:x", []string{store.LifecycleNudge}); err != nil {
		t.Fatal(err)
	}
	f.runLifecycle(t)
	f.wantMails(t, "on again", "a@example.com", map[string]int{nudgeJA: 1, yearlyJA: 0})

	entries, _, err := f.s.Store.ListAudit(ctx, store.AuditQuery{Subject: "mails"}, store.Page{})
	if err != nil || len(entries) != 2 || entries[0].Action != "settings.mails" {
		t.Errorf("the settings' audit: %+v %v", entries, err)
	}
}

func TestLifecycleSkipsSuppressedAddresses(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	ctx := context.Background()
	f.approvedMember(t, "bounced@example.com")
	f.approvedMember(t, "ok@example.com")
	f.s.Mailer = guard.BounceGuard{Next: f.s.Mailer, Suppressions: f.s.Store}
	if _, err := f.s.Store.Suppress(ctx, "bounced@example.com", store.SuppressBounce, store.SuppressionMark{At: f.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(NudgeAfter)
	f.runLifecycle(t)
	f.wantMails(t, "bounced", "bounced@example.com", map[string]int{nudgeJA: 0})
	f.wantMails(t, "not bounced", "ok@example.com", map[string]int{nudgeJA: 1})
}

// HR's page: every mail on by default; unticking one and saving (a plain
// form, no JavaScript) switches it off, audited without personal data.
func TestHRMailsPageSwitchesTheMails(t *testing.T) {
	rf := newReviewFixture(t)
	page := rf.get(t, "GET /hr/mails", "/hr/mails")
	for _, want := range []string{`action="/api/hr/mails"`, `value="welcome" checked`, `value="nudge" checked`, `value="yearly" checked`, `href="/hr/mails" aria-current="page"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %s", want)
		}
	}
	rec := rf.post(t, "POST /api/hr/mails", "/api/hr/mails", url.Values{"on": {"welcome", "yearly"}})
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/hr/mails?done=saved" {
		t.Fatalf("save: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	ms, err := rf.s.Store.GetMailSettings(context.Background())
	if err != nil || ms.On(store.LifecycleNudge) || !ms.On(store.LifecycleWelcome) || !ms.On(store.LifecycleYearly) {
		t.Fatalf("saved settings: %+v %v", ms, err)
	}
	page = rf.get(t, "GET /hr/mails", "/hr/mails?done=saved")
	if !strings.Contains(page, `value="nudge" aria`) || !strings.Contains(page, "保存しました") {
		t.Errorf("after saving, the page does not show the nudge off and the notice")
	}
	if rec := rf.post(t, "POST /api/hr/mails", "/api/hr/mails", url.Values{"on": {"birthday"}}); rec.Code == http.StatusSeeOther {
		t.Errorf("an unknown mail was accepted")
	}
	entries, _, err := rf.s.Store.ListAudit(context.Background(), store.AuditQuery{Subject: "mails"}, store.Page{})
	if err != nil || len(entries) != 1 || entries[0].Actor != "hr:"+rf.hrID || strings.Contains(strings.Join(entries[0].Fields, ","), "@") {
		t.Errorf("audit: %+v %v", entries, err)
	}
}

// HR approves; a second approval is refused; the decision task, run again
// after the welcome went (a retry after a lost acknowledgement), sends no
// second welcome.
func TestWelcomeOnceAcrossARetriedApproval(t *testing.T) {
	rf := newReviewFixture(t, "sato@example.com")
	m := rf.waiting[0]
	for range 2 {
		rf.post(t, "POST /api/hr/registrations/{id}/approve", "/api/hr/registrations/"+m.ID+"/approve", url.Values{})
	}
	rf.clock.Add(store.UndoWindow + time.Minute)
	rf.drain(t)
	rf.wantMails(t, "approved", m.Email, map[string]int{welcomeJA: 1})
	got := rf.status(t, m.ID)
	if got.Status != store.StatusApproved || len(got.Decisions) != 1 {
		t.Fatalf("status %s with %d decisions after two approvals", got.Status, len(got.Decisions))
	}
	data, err := json.Marshal(decisionTask{ID: m.ID, Version: got.Decisions[0].Version})
	if err != nil {
		t.Fatal(err)
	}
	if err := rf.s.runDecisionTask(t.Context(), data); err != nil {
		t.Fatal(err)
	}
	rf.wantMails(t, "decision task run again", m.Email, map[string]int{welcomeJA: 1})
}

// A member without HR's role can neither see nor change the switches.
func TestHRMailsPageIsHRs(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	plain := f.sessionCookie(t, f.approvedByHand(t, "plain@example.com"))
	routes := Handler{S: f.s}.Routes()
	for _, req := range []*http.Request{
		httptest.NewRequest("GET", "/hr/mails", nil),
		httptest.NewRequest("POST", "/api/hr/mails", strings.NewReader("on=welcome")),
	} {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(plain)
		rec := httptest.NewRecorder()
		routes[req.Method+" "+req.URL.Path].ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("%s %s without HR's role: %d", req.Method, req.URL.Path, rec.Code)
		}
	}
	if ms, _ := f.s.Store.GetMailSettings(context.Background()); !ms.On(store.LifecycleNudge) {
		t.Errorf("a plain member's post changed the settings")
	}
}
