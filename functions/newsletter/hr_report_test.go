package newsletter_test

import (
	"context"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/newsletter"
	"github.com/okaeri/okaeri/functions/store"
)

// The send's report in plain words, with rates from the engagement the
// events recorded (each member once), and the warnings HR must see before
// pressing send: links made for another portal, a schedule that passed.
func TestHRNewsletterReportAndWarnings(t *testing.T) {
	f := newFixture(t, newsletter.Config{})
	ctx := context.Background()
	ids := f.addMembers(0, 5, memberSpec{consent: true})
	f.hrSends(ctx)
	hr, err := f.store.CreateMember(ctx, store.Member{Email: "hr@example.co.jp", Name: "人事 担当", Language: store.LanguageJa, Status: store.StatusApproved, Roles: []store.Role{store.RoleHR}})
	if err != nil {
		t.Fatal(err)
	}
	srv := f.portal(f.accounts())
	admin := f.sessionCookie(hr)

	// summer-2026 went to 5: 4 delivered, 1 left out. Two opened (one of
	// them three times, one event posted twice), one clicked, one
	// unsubscribed with its link.
	if _, err := f.store.UpdateNewsletterSend(ctx, "summer-2026", func(s store.NewsletterSend) (store.NewsletterSend, error) {
		s.Report = store.SendReport{Recipients: 5, Sent: 4, Suppressed: 1}
		s.Error = ""
		return s, nil
	}); err != nil {
		t.Fatal(err)
	}
	ev := func(id, kind, member string) newsletter.Event {
		return newsletter.Event{Event: kind, EventID: id, Member: member, Send: "summer-2026", Timestamp: time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC).Unix()}
	}
	events := []newsletter.Event{ev("o1", "open", ids[0]), ev("o2", "open", ids[0]), ev("o2", "open", ids[0]), ev("o3", "open", ids[0]),
		ev("o4", "open", ids[1]), ev("c1", "click", ids[1]), ev("u1", "unsubscribe", ids[2]), ev("o5", "open", "no-such-member")}
	if _, err := f.svc.ApplyEvents(ctx, events); err != nil {
		t.Fatal(err)
	}
	page := request(t, srv, "GET", "/hr/newsletters/summer-2026", nil, admin, browserGet...)
	mustContain(t, "the report", page.body, `id="count-went-to">5 人<`, `id="count-delivered">4 人 <span class="rate">(80%)</span>`,
		`id="count-opened">2 人 <span class="rate">(40%)</span>`, `id="count-clicked">1 人 <span class="rate">(20%)</span>`,
		`id="count-unsubscribed">1 人 <span class="rate">(20%)</span>`, `id="count-not-delivered">1 人 <span class="rate">(20%)</span>`,
		"配信停止や宛先エラーで除外 1 人、送信失敗 0 人")
	mustNotContain(t, "the report", page.body, `id="warn-`, "バッチ", "リクエスト")
	list := request(t, srv, "GET", "/hr/newsletters", nil, admin, browserGet...)
	mustContain(t, "the list", list.body, `<li>送った人数 <span class="count">5 人</span></li><li>届いた <span class="count">4 人</span></li><li>開封 <span class="count">2 人</span></li><li>クリック <span class="count">1 人</span></li><li>配信停止 <span class="count">1 人</span></li><li>届かなかった <span class="count">1 人</span></li></ul>`)

	// autumn-2026, scheduled for 2026-10-01 10:00 Japan time: an hour late
	// it has not started; and the portal moved to another address since
	// the body was rendered.
	if _, err := f.store.UpdateNewsletterSend(ctx, "autumn-2026", func(s store.NewsletterSend) (store.NewsletterSend, error) {
		s.Status = store.SendScheduled
		return s, nil
	}); err != nil {
		t.Fatal(err)
	}
	f.svc.Now = func() time.Time { return time.Date(2026, 10, 1, 1, 10, 0, 0, time.UTC) }
	page = request(t, srv, "GET", "/hr/newsletters/autumn-2026", nil, admin, browserGet...)
	mustNotContain(t, "ten minutes late", page.body, `id="warn-overdue"`, `id="warn-base-url"`)
	f.svc.Now = func() time.Time { return time.Date(2026, 10, 1, 2, 0, 0, 0, time.UTC) }
	f.svc.Config.BaseURL = "https://portal.example.co.jp"
	page = request(t, srv, "GET", "/hr/newsletters/autumn-2026", nil, admin, browserGet...)
	mustContain(t, "an hour late, rendered elsewhere", page.body, `id="warn-overdue">配信予定（2026年10月1日 10:00）を 60 分過ぎましたが`,
		`id="warn-base-url">このニュースレターのリンク（4 件）は`, "https://alumni.example.co.jp を指しています", "このポータルのアドレスは https://portal.example.co.jp です")
}
