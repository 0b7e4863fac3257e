package newsletter_test

import (
	"context"
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
