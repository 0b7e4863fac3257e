package newsletter_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/newsletter"
	"github.com/okaeri/okaeri/functions/store"
)

// hrAdmin creates HR's administrator (hr@example.co.jp, without
// newsletter consent, so never a recipient) in lang.
func (f *fixture) hrAdmin(lang store.Language) store.Member {
	f.t.Helper()
	hr, err := f.store.CreateMember(context.Background(), store.Member{Email: "hr@example.co.jp", Name: "人事 担当", Roman: "Tanto Jinji",
		Language: lang, Status: store.StatusApproved, Roles: []store.Role{store.RoleHR}})
	if err != nil {
		f.t.Fatal(err)
	}
	return hr
}

// deliveredByEdition counts the personalizations SendGrid accepted, by the
// edition their request carried (the English subject starts "[Alumni News]").
func (f *fixture) deliveredByEdition() (ja, en int) {
	for _, r := range f.fake.Accepted() {
		n := 0
		for _, p := range r.Body.Personalizations {
			n += len(p.To)
		}
		if strings.HasPrefix(r.Body.Subject, "[Alumni News]") {
			en += n
		} else {
			ja += n
		}
	}
	return ja, en
}

// The count on HR's page is who a send then reaches: consent, status and
// the suppression list as the send applies them, by edition.
func TestAudienceIsWhoTheSendReaches(t *testing.T) {
	f := newFixture(t, newsletter.Config{BatchSize: 2})
	ctx := context.Background()
	f.addMembers(0, 3, memberSpec{consent: true})                              // ja: get it
	f.addMembers(3, 2, memberSpec{consent: true, lang: store.LanguageEn})      // en: get it
	f.addMembers(5, 1, memberSpec{})                                           // no consent
	f.addMembers(6, 1, memberSpec{consent: true, status: store.StatusPending}) // not approved
	f.addMembers(7, 1, memberSpec{consent: true})                              // bounced: suppressed
	f.addMembers(8, 1, memberSpec{consent: true, lang: store.LanguageEn})      // unsubscribed, then subscribed again: gets it
	f.addMembers(9, 1, memberSpec{consent: true, lang: store.LanguageEn})      // unsubscribed after consenting: suppressed
	now := time.Now()
	for addr, sup := range map[string]struct {
		reason store.SuppressionReason
		at     time.Time
	}{"alum7@example.jp": {store.SuppressBounce, now}, "alum8@example.jp": {store.SuppressUnsubscribe, now.Add(-2 * time.Hour)},
		"alum9@example.jp": {store.SuppressUnsubscribe, now}} {
		if _, err := f.store.Suppress(ctx, addr, sup.reason, store.SuppressionMark{At: sup.at}); err != nil {
			t.Fatal(err)
		}
	}
	f.prepare("autumn")
	hr := f.hrAdmin(store.LanguageJa)
	srv := f.portal(f.accounts())
	admin := f.sessionCookie(hr)

	want := newsletter.Audience{Ja: 3, En: 3, Suppressed: 2}
	if a, err := f.svc.Audience(ctx, "autumn"); err != nil || a != want {
		t.Fatalf("Audience = %+v, %v; want %+v", a, err, want)
	}
	p := request(t, srv, "GET", "/hr/newsletters/autumn", nil, admin, browserGet...)
	mustContain(t, "the page", p.body, "今配信すると届く人数", `id="audience-total">6 人<`, `id="audience-ja">3 人<`, `id="audience-en">3 人<`,
		`id="audience-suppressed">2 人<`)
	mustNotContain(t, "the page", p.body, `id="audience-claimed"`)

	send, err := f.svc.Send(ctx, "autumn", newsletter.RunOptions{})
	if err != nil || send.Status != store.SendDone {
		t.Fatalf("Send: %s %v", send.Status, err)
	}
	if ja, en := f.deliveredByEdition(); ja != want.Ja || en != want.En {
		t.Fatalf("the send delivered ja %d en %d; the page said ja %d en %d", ja, en, want.Ja, want.En)
	}
	if send.Report.Sent != want.Total() || send.Report.Suppressed != want.Suppressed {
		t.Fatalf("report %+v, audience %+v", send.Report, want)
	}
	// After the send nobody new would get it; those who did are claimed.
	if a, err := f.svc.Audience(ctx, "autumn"); err != nil || a != (newsletter.Audience{Suppressed: 2, Claimed: 6}) {
		t.Fatalf("Audience after the send = %+v, %v", a, err)
	}
	// A member who subscribes now would get it.
	f.addMembers(10, 1, memberSpec{consent: true})
	if a, err := f.svc.Audience(ctx, "autumn"); err != nil || a.Ja != 1 || a.Total() != 1 {
		t.Fatalf("Audience with a new subscriber = %+v, %v", a, err)
	}
}

// A test send reaches the administrator who asks and nobody else, in their
// language, marked in the subject; it leaves the send untouched, is
// audited, and a second press within a minute mails nothing.
func TestTestSendReachesOnlyTheAdministrator(t *testing.T) {
	f := newFixture(t, newsletter.Config{})
	ctx := context.Background()
	f.addMembers(0, 3, memberSpec{consent: true})
	f.addMembers(3, 1, memberSpec{consent: true, lang: store.LanguageEn})
	f.prepare("autumn")
	hr := f.hrAdmin(store.LanguageJa)
	hrEN, err := f.store.CreateMember(ctx, store.Member{Email: "hr-en@example.co.jp", Name: "英語 担当", Roman: "Eigo Tanto", Language: store.LanguageEn,
		Status: store.StatusApproved, Roles: []store.Role{store.RoleHR}})
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := f.store.CreateMember(ctx, store.Member{Email: "plain@example.co.jp", Name: "一般 会員", Language: store.LanguageJa, Status: store.StatusApproved})
	srv := f.portal(f.accounts())
	admin := f.sessionCookie(hr)
	post := append([]string(nil), browserPost...)
	post[3] = srv.URL
	before := f.storedSend("autumn")
	now := time.Date(2026, 9, 20, 1, 0, 0, 0, time.UTC)
	f.svc.Now = func() time.Time { return now }

	// A member who is not HR may not.
	if p := request(t, srv, "POST", "/api/hr/newsletters/autumn/test", url.Values{}, f.sessionCookie(plain), post...); p.status != 403 {
		t.Fatalf("a member's test send: %d", p.status)
	}
	// A double click: one mail, the second answer says so.
	first := request(t, srv, "POST", "/api/hr/newsletters/autumn/test", url.Values{}, admin, post...)
	if first.status != 303 || first.header.Get("Location") != "/hr/newsletters/autumn?tested=1#test" {
		t.Fatalf("first press: %d %q %s", first.status, first.header.Get("Location"), first.body)
	}
	now = now.Add(40 * time.Second)
	second := request(t, srv, "POST", "/api/hr/newsletters/autumn/test", url.Values{}, admin, post...)
	if second.status != 303 || second.header.Get("Location") != "/hr/newsletters/autumn?tested=wait#test" {
		t.Fatalf("second press: %d %q", second.status, second.header.Get("Location"))
	}
	if got := f.fake.Delivered(); len(got) != 1 || got["hr@example.co.jp"] != 1 {
		t.Fatalf("delivered %v, want one mail to hr@example.co.jp only", got)
	}
	mail := f.fake.Accepted()[0].Body
	if !strings.HasPrefix(mail.Subject, "【テスト送信】【アルムナイ通信】") || len(mail.CustomArgs) != 0 || len(mail.Personalizations[0].CustomArgs) != 0 {
		t.Fatalf("the test: subject %q, custom_args %v %v", mail.Subject, mail.CustomArgs, mail.Personalizations[0].CustomArgs)
	}
	if subs := mail.Personalizations[0].Substitutions; subs[newsletter.KeyName] != "人事 担当" || !strings.Contains(subs[newsletter.KeyUnsubscribe], newsletter.UnsubscribePath+"?token=") {
		t.Fatalf("the test's name and unsubscribe link: %v", subs)
	}
	p := request(t, srv, "GET", first.header.Get("Location"), nil, admin, browserGet...)
	mustContain(t, "the page after the test", p.body, "テスト送信しました。hr@example.co.jp に届きます。", `action="/api/hr/newsletters/autumn/test"`)
	p = request(t, srv, "GET", second.header.Get("Location"), nil, admin, browserGet...)
	mustContain(t, "the page after the second press", p.body, "テスト送信は少し前に済んでいます。")

	// The send is as it was: no status, batch or report.
	after := f.storedSend("autumn")
	if after.Version != before.Version || after.Status != store.SendReady || after.Report != (store.SendReport{}) || !after.StartedAt.IsZero() {
		t.Fatalf("the test wrote the send: v%d → v%d, %s, %+v", before.Version, after.Version, after.Status, after.Report)
	}
	if batches, err := f.store.ListDeliveryBatches(ctx, "autumn"); err != nil || len(batches) != 0 {
		t.Fatalf("batches after a test: %d %v", len(batches), err)
	}
	if entries, _, _ := f.store.ListAudit(ctx, store.AuditQuery{Subject: "autumn"}, store.Page{}); len(entries) != 1 || entries[0].Action != "newsletter.test" || entries[0].Actor != "hr:"+hr.ID {
		t.Fatalf("audit: %+v, want one newsletter.test by HR", entries)
	}

	// An administrator who reads English gets the English edition; the API
	// answers 202, then 429 when asked again at once.
	en := f.sessionCookie(hrEN)
	if p := requestJSON(t, srv, "/api/hr/newsletters/autumn/test", "{}", en); p.status != 202 || !strings.Contains(p.body, `"language":"en"`) {
		t.Fatalf("English test: %d %s", p.status, p.body)
	}
	if p := requestJSON(t, srv, "/api/hr/newsletters/autumn/test", "{}", en); p.status != 429 {
		t.Fatalf("English test again: %d %s", p.status, p.body)
	}
	last := f.fake.Accepted()
	if len(last) != 2 || !strings.HasPrefix(last[1].Body.Subject, "[Test] [Alumni News]") || last[1].Body.Personalizations[0].To[0].Address != "hr-en@example.co.jp" {
		t.Fatalf("English test: %d requests, last %q", len(last), last[len(last)-1].Body.Subject)
	}

	// Later, another test goes; the real send still reaches every subscriber once, and no administrator.
	now = now.Add(2*time.Minute + time.Second)
	if p := request(t, srv, "POST", "/api/hr/newsletters/autumn/test", url.Values{}, admin, post...); p.status != 303 || !strings.Contains(p.header.Get("Location"), "tested=1") {
		t.Fatalf("a test two minutes later: %d %q", p.status, p.header.Get("Location"))
	}
	if got := f.fake.Delivered()["hr@example.co.jp"]; got != 2 {
		t.Fatalf("hr@example.co.jp got %d tests, want 2", got)
	}
	if _, err := f.svc.Send(ctx, "autumn", newsletter.RunOptions{IgnoreSendAt: true}); err != nil {
		t.Fatal(err)
	}
	want := addresses(0, 4)
	got := f.fake.Delivered()
	for addr, n := range got {
		if tests := map[string]int{"hr@example.co.jp": 2, "hr-en@example.co.jp": 1}[addr]; tests > 0 && n != tests || tests == 0 && (!want[addr] || n != 1) {
			t.Fatalf("after the send %s got %d mails", addr, n)
		}
	}
	if len(got) != len(want)+2 {
		t.Fatalf("delivered %v, want the 4 subscribers and the 2 tests", got)
	}
}
