package event

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

// myEventsFixture: 青木 (a@) is confirmed for an online meetup, waitlisted
// (second in line, behind 佐藤) for a one-seat dinner, attended (checked
// in) a September party and was confirmed for a September talk without
// checking in. 佐藤 (b@) holds the dinner's seat and RSVPed to a workshop
// 青木 never answered. The clock is then 20 September.
func myEventsFixture(t *testing.T) (f *fixture, a store.Member, aCookie, bCookie string) {
	t.Helper()
	f = newFixture(t)
	meetup := contentEvent("online-meetup", 30)
	meetup.Title = map[string]string{"ja": "オンライン交流会", "en": "Online meetup"}
	meetup.Online, meetup.OnlineURL = true, "https://meet.example.com/j/meetup-secret"
	meetup.Location = map[string]string{"ja": "オンライン", "en": "Online"}
	dinner := contentEvent("dinner", 1)
	dinner.Title = map[string]string{"ja": "少人数ディナー", "en": "Small dinner"}
	dinner.GuestsAllowed = 0
	dinner.OnlineURL = ""
	workshop := contentEvent("workshop", 10)
	workshop.Title = map[string]string{"ja": "佐藤さんだけのワークショップ", "en": "Sato-only workshop"}
	party := contentEvent("party", 50)
	party.Title = map[string]string{"ja": "夏のパーティー", "en": "Summer party"}
	party.Start = time.Date(2026, 9, 10, 18, 0, 0, 0, tokyo)
	party.End, party.RSVPDeadline = party.Start.Add(2*time.Hour), party.Start.Add(-24*time.Hour)
	talk := party
	talk.ID, talk.Path = "talk", "events/talk.md"
	talk.Title = map[string]string{"ja": "OB講演会", "en": "Alumni talk"}
	talk.Start = time.Date(2026, 9, 12, 18, 0, 0, 0, tokyo)
	talk.End, talk.RSVPDeadline = talk.Start.Add(2*time.Hour), talk.Start.Add(-24*time.Hour)
	f.sync(meetup, dinner, workshop, party, talk)

	a, aCookie = f.member("a@example.com", "青木 一郎", store.LanguageJa)
	b, bc := f.member("b@example.com", "佐藤 次郎", store.LanguageJa)
	bCookie = bc
	post := func(id, cookie string) {
		t.Helper()
		if r := f.do("POST", "/api/events/"+id+"/rsvp", map[string]int{"guests": 0}, cookie); r.StatusCode != 201 {
			t.Fatalf("rsvp %s: %d %s", id, r.StatusCode, r.body)
		}
	}
	post("dinner", bCookie)
	post("workshop", bCookie)
	for _, id := range []string{"online-meetup", "dinner", "party", "talk"} {
		post(id, aCookie)
	}
	f.clock.Add(19 * 24 * time.Hour) // 20 September: the party and the talk are over
	if _, err := f.st.SetAttendance(context.Background(), "party", a.ID, true, "hr:test", f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.SetAttendance(context.Background(), "party", b.ID, false, "hr:test", f.clock.Now()); err == nil {
		t.Fatal("b has no RSVP to the party, yet attendance was set")
	}
	return f, a, aCookie, bCookie
}

func section(t *testing.T, page, id string) string {
	t.Helper()
	i := strings.Index(page, `id="`+id+`"`)
	if i < 0 {
		t.Fatalf("no section %s in\n%s", id, page)
	}
	rest := page[i:]
	if j := strings.Index(rest, "</section>"); j >= 0 {
		rest = rest[:j]
	}
	return rest
}

func TestMyEventsPage(t *testing.T) {
	f, _, aCookie, _ := myEventsFixture(t)
	r := f.do("GET", "/members/events/", nil, aCookie, "Accept", "text/html")
	if r.StatusCode != 200 {
		t.Fatalf("my events: %d %s", r.StatusCode, r.body)
	}
	up, attended, past := section(t, r.body, "my-upcoming"), section(t, r.body, "my-attended"), section(t, r.body, "my-past")
	for _, want := range []string{"オンライン交流会", "参加確定", "2026年10月17日（土） 15:00〜18:00",
		`href="https://meet.example.com/j/meetup-secret"`, "少人数ディナー", "キャンセル待ち 1番目",
		`href="/api/events/dinner/rsvp/cancel?from=mine&amp;lang=ja"`} {
		if !strings.Contains(up, want) {
			t.Errorf("upcoming lacks %q:\n%s", want, up)
		}
	}
	if !strings.Contains(attended, "夏のパーティー") || !strings.Contains(attended, "参加済み（受付済み）") || strings.Contains(attended, "OB講演会") {
		t.Errorf("attended:\n%s", attended)
	}
	if !strings.Contains(past, "OB講演会") || !strings.Contains(past, "受付の記録なし") || strings.Contains(past, "夏のパーティー") {
		t.Errorf("past:\n%s", past)
	}
	// The waitlisted dinner has no meeting link; nor has anyone's page
	// another member's event.
	if strings.Contains(r.body, "ワークショップ") || strings.Count(r.body, "meet.example.com") != 2 { // href and text of one link
		t.Errorf("another's event or a link too many:\n%s", r.body)
	}
	if !strings.Contains(r.body, `aria-current="page"`) || !strings.Contains(r.body, `<html lang="ja"`) {
		t.Errorf("frame or menu missing")
	}

	en := f.do("GET", "/en/members/events/", nil, aCookie, "Accept", "text/html")
	for _, want := range []string{`<html lang="en"`, "Coming up", "Online meetup", "Waitlist, number 1", "Saturday, October 17, 2026, 15:00–18:00 (JST)",
		"Attended (checked in)", "Alumni talk"} {
		if !strings.Contains(en.body, want) {
			t.Errorf("en page lacks %q", want)
		}
	}
}

func TestMyEventsOnlyMine(t *testing.T) {
	f, _, _, bCookie := myEventsFixture(t)
	r := f.do("GET", "/members/events/", nil, bCookie, "Accept", "text/html")
	if r.StatusCode != 200 || !strings.Contains(r.body, "佐藤さんだけのワークショップ") || !strings.Contains(r.body, "少人数ディナー") {
		t.Fatalf("b's page: %d\n%s", r.StatusCode, r.body)
	}
	for _, not := range []string{"オンライン交流会", "夏のパーティー", "OB講演会", "meetup-secret"} {
		if strings.Contains(r.body, not) {
			t.Errorf("b's page shows a's %q", not)
		}
	}
}

func TestMyEventsVisitorLogsIn(t *testing.T) {
	f := newFixture(t)
	for path, login := range map[string]string{"/members/events/": "/login/?next=%2Fmembers%2Fevents%2F",
		"/en/members/events/": "/en/login/?next=%2Fen%2Fmembers%2Fevents%2F"} {
		r := f.do("GET", path, nil, "", "Accept", "text/html")
		if r.StatusCode != 303 || r.Header.Get("Location") != login {
			t.Errorf("visitor at %s: %d %q", path, r.StatusCode, r.Header.Get("Location"))
		}
	}
	if r := f.do("GET", "/api/events/dinner/rsvp/cancel", nil, ""); r.StatusCode != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/login/?next=") {
		t.Errorf("visitor at the cancel page: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
}

func TestHomePartIsTheUpcomingOnes(t *testing.T) {
	f, a, _, _ := myEventsFixture(t)
	feature, data, err := f.s.MemberHome(context.Background(), a, "en")
	if err != nil || feature != "events" {
		t.Fatal(feature, err)
	}
	h := data.(HomeEvents)
	if h.Page != "/en/members/events/" || len(h.Upcoming) != 2 {
		t.Fatalf("home: %+v", h)
	}
	meetup, dinner := h.Upcoming[0], h.Upcoming[1]
	if meetup.ID == "dinner" {
		meetup, dinner = dinner, meetup // same start: either order
	}
	if meetup.Status != "confirmed" || meetup.OnlineURL != "https://meet.example.com/j/meetup-secret" || meetup.Start.Location() != tokyo {
		t.Errorf("meetup: %+v", meetup)
	}
	if dinner.Status != "waitlisted" || dinner.Position != 1 || dinner.OnlineURL != "" || dinner.StatusLabel != "Waitlist, number 1" {
		t.Errorf("dinner: %+v", dinner)
	}
}

// Cancelling asks once (a page, without JavaScript), then the post
// cancels and mails a confirmation in the member's language: once, even
// when the post comes twice (a double click, a retry).
func TestCancelAsksOnceAndMailsOnce(t *testing.T) {
	f, _, aCookie, _ := myEventsFixture(t)
	page := f.do("GET", "/api/events/online-meetup/rsvp/cancel?from=mine&lang=ja", nil, aCookie, "Accept", "text/html")
	for _, want := range []string{`method="post" action="/api/events/online-meetup/rsvp/cancel"`, `name="from" value="mine"`,
		"このイベントへのお申し込みを取り消しますか", "オンライン交流会", `href="/members/events/"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("confirm page lacks %q:\n%s", want, page.body)
		}
	}
	if rs := f.rsvps("online-meetup"); rs[0].Status != store.RSVPConfirmed {
		t.Fatalf("the confirmation page cancelled: %+v", rs)
	}
	before := len(f.mails("a@example.com"))
	form := url.Values{"lang": {"ja"}, "from": {"mine"}}
	r := f.do("POST", "/api/events/online-meetup/rsvp/cancel", form, aCookie)
	if r.StatusCode != 303 || r.Header.Get("Location") != "/members/events/?cancelled=online-meetup" {
		t.Fatalf("cancel: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	f.clock.Add(time.Second)
	if r = f.do("POST", "/api/events/online-meetup/rsvp/cancel", form, aCookie); r.StatusCode != 303 {
		t.Fatalf("second cancel: %d %s", r.StatusCode, r.body)
	}
	if r = f.do("DELETE", "/api/events/online-meetup/rsvp", nil, aCookie); r.StatusCode != 200 {
		t.Fatalf("third cancel: %d %s", r.StatusCode, r.body)
	}
	mails := f.mails("a@example.com")
	if len(mails)-before != 1 {
		t.Fatalf("%d cancellation mails, want 1", len(mails)-before)
	}
	m := mails[0]
	if m.Subject != "お申し込みを取り消しました：オンライン交流会" || strings.Contains(m.Text, "meet.example.com") {
		t.Fatalf("mail: %q\n%s", m.Subject, m.Text)
	}
	done := f.do("GET", "/members/events/?cancelled=online-meetup", nil, aCookie, "Accept", "text/html")
	if !strings.Contains(done.body, "お申し込みを取り消しました。確認のメールをお送りしました。") || strings.Contains(section(t, done.body, "my-upcoming"), "オンライン交流会") {
		t.Errorf("after cancelling:\n%s", done.body)
	}
	// Nothing left to cancel: the page says so and has no button.
	again := f.do("GET", "/api/events/online-meetup/rsvp/cancel", nil, aCookie, "Accept", "text/html")
	if strings.Contains(again.body, `action="/api/events/online-meetup/rsvp/cancel"`) || !strings.Contains(again.body, "取り消せるお申し込みはありません") {
		t.Errorf("cancel page for a cancelled RSVP:\n%s", again.body)
	}
}

// An English member leaving the waitlist from an emailed link: the link's
// page asks first, and the mail is in English and names the waitlist.
func TestCancelFromLinkInEnglish(t *testing.T) {
	f := newFixture(t)
	f.sync(contentEvent("dinner", 1))
	f.member("b@example.com", "Jiro Sato", store.LanguageJa)
	_, bCookie := f.member("b2@example.com", "Jiro Sato", store.LanguageJa)
	f.do("POST", "/api/events/dinner/rsvp", map[string]int{"guests": 0}, bCookie)
	en, _ := f.member("en@example.com", "Alex Smith", store.LanguageEn)
	ev, err := f.st.GetEvent(context.Background(), "dinner")
	if err != nil {
		t.Fatal(err)
	}
	token := f.s.inviteLink(ev, en.ID)
	tok := token[strings.Index(token, "token=")+len("token="):]
	if r := f.do("POST", "/api/events/dinner/rsvp", url.Values{"token": {mustUnescape(t, tok)}, "guests": {"0"}}, ""); r.StatusCode != 303 {
		t.Fatalf("rsvp by link: %d %s", r.StatusCode, r.body)
	}
	invite := f.do("GET", strings.TrimPrefix(token, f.srv.URL), nil, "")
	if !strings.Contains(invite.body, `<form method="get" action="/api/events/dinner/rsvp/cancel">`) {
		t.Fatalf("the invite page's cancel does not ask first:\n%s", invite.body)
	}
	ask := f.do("GET", "/api/events/dinner/rsvp/cancel?token="+tok, nil, "")
	if !strings.Contains(ask.body, "Do you want to leave the waitlist?") || !strings.Contains(ask.body, `name="token"`) {
		t.Fatalf("confirm page by link:\n%s", ask.body)
	}
	if r := f.do("POST", "/api/events/dinner/rsvp/cancel", url.Values{"token": {mustUnescape(t, tok)}}, ""); r.StatusCode != 303 {
		t.Fatalf("cancel by link: %d %s", r.StatusCode, r.body)
	}
	m := f.lastMail("en@example.com")
	if m.Subject != "Your RSVP is cancelled: Homecoming Day 2026" || !strings.Contains(m.Text, "Your place on the waitlist is cancelled too.") {
		t.Fatalf("mail: %q\n%s", m.Subject, m.Text)
	}
}

func mustUnescape(t *testing.T, s string) string {
	t.Helper()
	u, err := url.QueryUnescape(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
