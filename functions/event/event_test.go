package event

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/content"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/mail/outbox"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
)

// clock is a settable time.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// t0 is the tests' "now": a month before the test events.
var t0 = time.Date(2026, 9, 1, 10, 0, 0, 0, tokyo)

const adminEmail = "hr-admin@example.co.jp"

// fixture is a real events function over a real bolt store and outbox.
type fixture struct {
	t      *testing.T
	s      *Service
	st     store.Store
	outbox string
	clock  *clock
	srv    *httptest.Server
	keys   *auth.Keyring
	client *http.Client
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	dir := t.TempDir()
	st, err := bolt.Open(filepath.Join(dir, "okaeri.db"), &bolt.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ob, err := outbox.New(filepath.Join(dir, "outbox"), nil)
	if err != nil {
		t.Fatal(err)
	}
	keys := auth.NewKeyring(auth.Key{ID: "t", Secret: bytes.Repeat([]byte("k"), 32)})
	c := &clock{now: t0}
	f := &fixture{t: t, st: st, outbox: ob.Dir, clock: c, keys: keys,
		client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	mux := http.NewServeMux()
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	accounts := account.New(st, ob, keys, account.Config{BaseURL: f.srv.URL, Admins: []string{adminEmail}}, nil)
	accounts.Now = c.Now
	f.s = New(st, ob, keys, Config{BaseURL: f.srv.URL, From: mail.Address{Email: "alumni@example.co.jp"}}, nil)
	f.s.Now = c.Now
	for p, h := range (Handler{S: f.s, Accounts: accounts}).Routes() {
		mux.Handle(p, h)
	}
	return f
}

// contentEvent is an event as `okaeri sync` reads it from content/.
func contentEvent(id string, capacity int) content.Event {
	start := time.Date(2026, 10, 17, 15, 0, 0, 0, tokyo)
	return content.Event{
		ID: id, Path: "events/" + id + ".md",
		Title:    map[string]string{"ja": "ホームカミングデー2026", "en": "Homecoming Day 2026"},
		Location: map[string]string{"ja": "本社 8階ラウンジ", "en": "Head office, 8th floor lounge"},
		Start:    start, End: start.Add(3 * time.Hour), Online: false, OnlineURL: "https://meet.example.com/j/homecoming-secret", // at a venue, with a meeting link too
		Capacity: capacity, RSVPDeadline: start.Add(-7 * 24 * time.Hour), GuestsAllowed: 1, Visibility: content.Public,
	}
}

func (f *fixture) sync(events ...content.Event) string {
	f.t.Helper()
	published, drafts := content.StoreEvents(events)
	line, err := f.s.Sync(context.Background(), published, drafts)
	if err != nil {
		f.t.Fatalf("sync: %v", err)
	}
	return line
}

// member is an approved member with a session; it returns the member and
// the cookie header that carries the session.
func (f *fixture) member(email, name string, lang store.Language) (store.Member, string) {
	f.t.Helper()
	ctx := context.Background()
	var roles []store.Role
	if email == adminEmail { // HR's administrator holds the role, as a record
		roles = []store.Role{store.RoleHR}
	}
	m, err := f.st.CreateMember(ctx, store.Member{Email: email, Name: name, Kana: "テスト", Department: "開発部",
		Language: lang, Status: store.StatusApproved, CreatedAt: t0, Roles: roles})
	if err != nil {
		f.t.Fatal(err)
	}
	secret := store.NewID()
	now := f.clock.Now()
	if err := f.st.CreateSession(ctx, store.Session{ID: store.HashToken(secret), MemberID: m.ID, CreatedAt: now,
		LastSeenAt: now, ExpiresAt: now.Add(90 * 24 * time.Hour)}); err != nil {
		f.t.Fatal(err)
	}
	return m, account.SessionCookie + "=" + f.keys.Sign(secret)
}

type response struct {
	*http.Response
	body string
}

// do sends a request as a browser on the portal would: same origin.
func (f *fixture) do(method, path string, body any, cookie string, hdr ...string) response {
	f.t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		j, _ := json.Marshal(b)
		rd, ctype = bytes.NewReader(j), "application/json"
	}
	u := path
	if !strings.HasPrefix(u, "http") {
		u = f.srv.URL + path
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := f.client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp, string(b)}
}

func decode[T any](t *testing.T, r response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("decode %d %s: %v", r.StatusCode, r.body, err)
	}
	return v
}

// mails are the outbox messages to an address, newest first.
func (f *fixture) mails(addr string) []outbox.Entry {
	f.t.Helper()
	list, err := outbox.List(f.outbox)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []outbox.Entry
	for _, e := range list {
		if strings.Contains(e.To, addr) {
			out = append(out, e)
		}
	}
	return out
}

func (f *fixture) lastMail(addr string) outbox.Entry {
	f.t.Helper()
	ms := f.mails(addr)
	if len(ms) == 0 {
		f.t.Fatalf("no mail to %s", addr)
	}
	return ms[0]
}

var linkRE = regexp.MustCompile(`https?://\S+`)

// linkAfter is the first link in a mail's text after a label.
func linkAfter(t *testing.T, e outbox.Entry, label string) string {
	t.Helper()
	i := strings.Index(e.Text, label)
	if i < 0 {
		t.Fatalf("no %q in mail %q:\n%s", label, e.Subject, e.Text)
	}
	l := linkRE.FindString(e.Text[i:])
	if l == "" {
		t.Fatalf("no link after %q in %q", label, e.Subject)
	}
	return l
}

// rsvps is every RSVP stored for an event.
func (f *fixture) rsvps(id string) []store.RSVP {
	f.t.Helper()
	rs, err := f.st.ListRSVPs(context.Background(), id)
	if err != nil {
		f.t.Fatal(err)
	}
	return rs
}

func TestRSVPWaitlistAndOffer(t *testing.T) {
	f := newFixture(t)
	if line := f.sync(contentEvent("homecoming-2026", 2)); !strings.Contains(line, "1 synced (1 new") {
		t.Fatalf("sync: %s", line)
	}
	const id = "homecoming-2026"
	_, ca := f.member("a@example.com", "青木 一郎", store.LanguageJa)
	_, cb := f.member("b@example.com", "Ben Brown", store.LanguageEn)
	_, cc := f.member("c@example.com", "千葉 花子", store.LanguageJa)
	_, cd := f.member("d@example.com", "土屋 大", store.LanguageJa)

	r := f.do("POST", "/api/events/"+id+"/rsvp", map[string]any{"guests": 1}, ca)
	a := decode[Answer](t, r)
	if r.StatusCode != 201 || a.Status != "confirmed" || a.Position != 0 || a.Guests != 1 || a.OnlineURL == "" || a.Calendar == nil {
		t.Fatalf("first RSVP: %d %s", r.StatusCode, r.body)
	}
	// Asking again: 200 and the same RSVP, never a second one, whatever the request says.
	if r = f.do("POST", "/api/events/"+id+"/rsvp", map[string]any{"guests": 5}, ca); r.StatusCode != 200 || decode[Answer](t, r).Guests != 1 {
		t.Fatalf("RSVP again: %d %s", r.StatusCode, r.body)
	}
	if len(f.rsvps(id)) != 1 || len(f.mails("a@example.com")) != 1 {
		t.Fatalf("a repeated RSVP stored or mailed twice")
	}
	confirmation := f.lastMail("a@example.com")
	if !strings.Contains(confirmation.Subject, "参加が確定しました") || !strings.Contains(confirmation.Text, "https://meet.example.com/j/homecoming-secret") ||
		!strings.Contains(confirmation.HTML, `<img src="`+f.srv.URL+`/api/events/homecoming-2026/qr?token=`) {
		t.Fatalf("confirmation mail: %s\n%s\n%s", confirmation.Subject, confirmation.Text, confirmation.HTML)
	}
	// The seat holds guests too: 2 of 2 taken, so the rest wait.
	for i, c := range []string{cb, cc, cd} {
		r = f.do("POST", "/api/events/"+id+"/rsvp", nil, c)
		a = decode[Answer](t, r)
		if r.StatusCode != 201 || a.Status != "waitlisted" || a.Position != i+1 || a.OnlineURL != "" || a.Calendar != nil {
			t.Fatalf("RSVP %d: %d %s", i, r.StatusCode, r.body)
		}
	}
	if m := f.lastMail("b@example.com"); !strings.Contains(m.Subject, "waitlist") || !strings.Contains(m.Text, "Your place: 1") {
		t.Fatalf("waitlist mail in English: %s\n%s", m.Subject, m.Text)
	}
	info := decode[Info](t, f.do("GET", "/api/events/"+id, nil, ""))
	if info.SeatsLeft != 0 || info.Waiting != 3 || !info.RSVPOpen || info.Calendar.ICS == "" {
		t.Fatalf("event info: %+v", info)
	}

	// a (with a guest) cancels: two seats go to the first two in line, by
	// email; d moves up.
	if r = f.do("DELETE", "/api/events/"+id+"/rsvp", nil, ca); r.StatusCode != 200 || decode[Answer](t, r).Status != "cancelled" {
		t.Fatalf("cancel: %d %s", r.StatusCode, r.body)
	}
	offer := f.lastMail("b@example.com")
	if !strings.Contains(offer.Subject, "A seat is yours") {
		t.Fatalf("offer mail: %s", offer.Subject)
	}
	if got := decode[Answer](t, f.do("GET", "/api/events/"+id+"/rsvp", nil, cb)); got.Status != "offered" || got.OfferExpiresAt == nil ||
		!got.OfferExpiresAt.Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("b after the offer: %+v", got)
	}
	if got := decode[Answer](t, f.do("GET", "/api/events/"+id+"/rsvp", nil, cc)); got.Status != "offered" {
		t.Fatalf("c after the offers: %+v", got)
	}
	if got := decode[Answer](t, f.do("GET", "/api/events/"+id+"/rsvp", nil, cd)); got.Status != "waitlisted" || got.Position != 1 {
		t.Fatalf("d after the offers: %+v", got)
	}
	if n := len(f.mails("d@example.com")); n != 1 {
		t.Fatalf("d, third in line, got %d mails", n)
	}
	// b opens the link (nothing changes) and confirms with the button.
	link := linkAfter(t, offer, "Confirm it")
	if r = f.do("GET", link, nil, "", "Accept", "text/html"); r.StatusCode != 200 || !strings.Contains(r.body, "Confirm my seat") {
		t.Fatalf("offer page: %d %s", r.StatusCode, r.body)
	}
	if got := decode[Answer](t, f.do("GET", "/api/events/"+id+"/rsvp", nil, cb)); got.Status != "offered" {
		t.Fatalf("opening the offer page changed the RSVP: %+v", got)
	}
	u, _ := url.Parse(link)
	r = f.do("POST", u.Path, url.Values{"token": {u.Query().Get("token")}}, "")
	if r.StatusCode != 200 || !strings.Contains(r.body, "confirmed") {
		t.Fatalf("confirm offer: %d %s", r.StatusCode, r.body)
	}
	if got := decode[Answer](t, f.do("GET", "/api/events/"+id+"/rsvp", nil, cb)); got.Status != "confirmed" || got.OnlineURL == "" {
		t.Fatalf("b after confirming: %+v", got)
	}
	if m := f.lastMail("b@example.com"); !strings.Contains(m.Subject, "confirmed") {
		t.Fatalf("no confirmation after the offer: %s", m.Subject)
	}
	// The same link again: the same answer, still one seat.
	if r = f.do("POST", u.Path, map[string]string{"token": u.Query().Get("token")}, ""); r.StatusCode != 200 {
		t.Fatalf("confirm twice: %d %s", r.StatusCode, r.body)
	}
	e, _ := f.st.GetEvent(context.Background(), id)
	if e.Taken != 2 || e.Waiting != 1 {
		t.Fatalf("counters: %+v", e)
	}
}

func TestOfferLapsesToTheNext(t *testing.T) {
	f := newFixture(t)
	f.sync(contentEvent("study", 1))
	_, ca := f.member("a@example.com", "青木 一郎", store.LanguageJa)
	_, cb := f.member("b@example.com", "馬場 二郎", store.LanguageJa)
	_, cc := f.member("c@example.com", "千葉 花子", store.LanguageJa)
	for _, c := range []string{ca, cb, cc} {
		f.do("POST", "/api/events/study/rsvp", nil, c)
	}
	f.clock.Add(time.Hour)
	f.do("DELETE", "/api/events/study/rsvp", nil, ca)
	bOffer := linkAfter(t, f.lastMail("b@example.com"), "参加を確定する")
	if len(f.mails("c@example.com")) != 1 {
		t.Fatal("c was offered while b holds the seat")
	}
	// Not yet: the offer runs 24 hours.
	f.clock.Add(23 * time.Hour)
	if rep, err := f.s.ExpireOffers(context.Background()); err != nil || rep.Lapsed != 0 || rep.Offered != 0 {
		t.Fatalf("expire early: %+v %v", rep, err)
	}
	f.clock.Add(time.Hour)
	rep, err := f.s.ExpireOffers(context.Background())
	if err != nil || rep.Lapsed != 1 || rep.Offered != 1 {
		t.Fatalf("expire: %+v %v", rep, err)
	}
	if got := decode[Answer](t, f.do("GET", "/api/events/study/rsvp", nil, cb)); got.Status != "lapsed" {
		t.Fatalf("b after the lapse: %+v", got)
	}
	if m := f.lastMail("c@example.com"); !strings.Contains(m.Subject, "お席をご用意しました") {
		t.Fatalf("c was not offered the seat: %s", m.Subject)
	}
	// b's old link: refused with a clear message, nothing changes.
	u, _ := url.Parse(bOffer)
	r := f.do("POST", u.Path, map[string]string{"token": u.Query().Get("token")}, "")
	if r.StatusCode != 400 && r.StatusCode != 409 {
		t.Fatalf("a lapsed offer's link: %d %s", r.StatusCode, r.body)
	}
	e, _ := f.st.GetEvent(context.Background(), "study")
	if e.Taken != 1 || e.Waiting != 0 {
		t.Fatalf("counters: %+v", e)
	}
	// Running the job again changes nothing.
	if rep, _ := f.s.ExpireOffers(context.Background()); rep.Lapsed != 0 || rep.Offered != 0 {
		t.Fatalf("second run: %+v", rep)
	}
}

func TestRefusalsStoreNothing(t *testing.T) {
	f := newFixture(t)
	open := contentEvent("open", 10)
	closed := contentEvent("closed", 10)
	closed.RSVPDeadline = t0.Add(-time.Hour)
	closed.Start = t0.Add(24 * time.Hour)
	closed.End = closed.Start.Add(time.Hour)
	past := contentEvent("past", 10)
	past.Start, past.End, past.RSVPDeadline = t0.Add(-3*time.Hour), t0.Add(-time.Hour), time.Time{}
	f.sync(open, closed, past)
	m, cookie := f.member("a@example.com", "青木 一郎", store.LanguageJa)
	good := f.s.link(purposeRSVP, store.Event{ID: "open"}, m.ID, t0.Add(time.Hour))
	expired := f.s.link(purposeRSVP, store.Event{ID: "open"}, m.ID, t0.Add(-time.Second))
	otherEvent := f.s.link(purposeRSVP, store.Event{ID: "closed"}, m.ID, t0.Add(time.Hour))
	calendarToken := f.s.link(purposeCalendar, store.Event{ID: "open"}, m.ID, t0.Add(time.Hour))
	forged := strings.Replace(good, ".t.", ".t.x", 1)
	other := auth.NewKeyring(auth.Key{ID: "t", Secret: bytes.Repeat([]byte("z"), 32)})
	foreignKey := (&Service{Keys: other}).link(purposeRSVP, store.Event{ID: "open"}, m.ID, t0.Add(time.Hour))

	cases := []struct {
		name, path string
		body       any
		cookie     string
		status     int
		detail     string
	}{
		{"after the deadline", "/api/events/closed/rsvp", nil, cookie, 409, "締め切りました"},
		{"a past event", "/api/events/past/rsvp", nil, cookie, 409, "終了しています"},
		{"an unknown event", "/api/events/no-such-event/rsvp", nil, cookie, 404, "見つかりません"},
		{"a bad event id", "/api/events/Bad%20Id/rsvp", nil, cookie, 404, "見つかりません"},
		{"no session, no link", "/api/events/open/rsvp", nil, "", 401, "ログイン"},
		{"a forged link", "/api/events/open/rsvp", map[string]any{"token": forged}, "", 400, "正しくありません"},
		{"a link signed with another key", "/api/events/open/rsvp", map[string]any{"token": foreignKey}, "", 400, "正しくありません"},
		{"an expired link", "/api/events/open/rsvp", map[string]any{"token": expired}, "", 400, "有効期限"},
		{"another event's link", "/api/events/open/rsvp", map[string]any{"token": otherEvent}, "", 400, "正しくありません"},
		{"a calendar link used to RSVP", "/api/events/open/rsvp", map[string]any{"token": calendarToken}, "", 400, "正しくありません"},
		{"garbage as a link", "/api/events/open/rsvp?token=abc", nil, "", 400, "正しくありません"},
		{"too many guests", "/api/events/open/rsvp", map[string]any{"guests": 2}, cookie, 400, "同伴者は1名まで"},
		{"negative guests", "/api/events/open/rsvp", map[string]any{"guests": -1}, cookie, 400, "形式"},
		{"guests not a number", "/api/events/open/rsvp", url.Values{"guests": {"two"}}, cookie, 400, ""},
	}
	for _, c := range cases {
		r := f.do("POST", c.path, c.body, c.cookie)
		if r.StatusCode != c.status || !strings.Contains(r.body, c.detail) {
			t.Errorf("%s: %d %s", c.name, r.StatusCode, r.body)
		}
		if _, isForm := c.body.(url.Values); !isForm && r.Header.Get("Content-Type") != "application/problem+json; charset=utf-8" {
			t.Errorf("%s: content type %q", c.name, r.Header.Get("Content-Type"))
		}
	}
	// In English for an English visitor.
	r := f.do("POST", "/api/events/closed/rsvp", nil, cookie, "Accept-Language", "en")
	if r.StatusCode != 409 || !strings.Contains(r.body, "RSVPs for this event closed on Tuesday, September 1, 2026, 09:00 (JST)") {
		t.Errorf("English refusal: %d %s", r.StatusCode, r.body)
	}
	for _, id := range []string{"open", "closed", "past"} {
		if rs := f.rsvps(id); len(rs) != 0 {
			t.Errorf("a refused RSVP was stored for %s: %+v", id, rs)
		}
	}
	if n := len(f.mails("a@example.com")); n != 0 {
		t.Errorf("a refused RSVP sent %d mails", n)
	}
	// The good link works, without a session.
	if r := f.do("POST", "/api/events/open/rsvp?token="+url.QueryEscape(good), nil, ""); r.StatusCode != 201 {
		t.Fatalf("a good link: %d %s", r.StatusCode, r.body)
	}
}

func TestSignedLinkWithoutLogin(t *testing.T) {
	f := newFixture(t)
	f.sync(contentEvent("homecoming-2026", 10))
	m, _ := f.member("hanako@example.com", "山田 花子", store.LanguageJa)
	ctx := context.Background()
	rep, err := f.s.Invite(ctx, "homecoming-2026", false)
	if err != nil || rep != (InviteReport{Skipped: 1}) {
		t.Fatalf("invite without consent: %+v %v", rep, err)
	}
	// Too late to invite: the command says why, not "try again later".
	late := contentEvent("past-party", 10)
	late.RSVPDeadline = t0.Add(-time.Hour)
	f.sync(contentEvent("homecoming-2026", 10), late) // sync closes what it is not given
	if _, err := f.s.Invite(ctx, "past-party", false); err == nil ||
		!strings.Contains(httpapi.ProblemFor(err, httpapi.LangEN).Detail, "RSVPs for this event closed on") {
		t.Fatalf("invite after the deadline: %v", err)
	}
	if _, err := f.st.UpdateMember(ctx, m.ID, func(old store.Member) (store.Member, error) {
		old.Consents = map[string]store.Consent{"events": {Given: true, PolicyVersion: "2026-04-01", At: t0}}
		return old, nil
	}); err != nil {
		t.Fatal(err)
	}
	// A dry run counts and changes nothing: the real run still invites.
	if rep, err = f.s.Invite(ctx, "homecoming-2026", true); err != nil || rep != (InviteReport{Sent: 1}) {
		t.Fatalf("dry run: %+v %v", rep, err)
	}
	// Four runs at once (HR clicked twice, cron ran too): one invitation.
	before := len(f.mails("hanako@example.com"))
	var wg sync.WaitGroup
	reps := make([]InviteReport, 4)
	for i := range reps {
		wg.Go(func() {
			var err error
			if reps[i], err = f.s.Invite(ctx, "homecoming-2026", false); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	var total InviteReport
	for _, r := range reps {
		total.Sent, total.Already, total.Skipped = total.Sent+r.Sent, total.Already+r.Already, total.Skipped+r.Skipped
	}
	if total != (InviteReport{Sent: 1, Already: 3}) {
		t.Fatalf("concurrent invites: %+v", reps)
	}
	// Running it again later invites nobody twice, and a dry run says so.
	if rep, err = f.s.Invite(ctx, "homecoming-2026", false); err != nil || rep != (InviteReport{Already: 1}) {
		t.Errorf("second invite: %+v %v", rep, err)
	}
	if rep, err = f.s.Invite(ctx, "homecoming-2026", true); err != nil || rep != (InviteReport{Already: 1}) {
		t.Errorf("dry run after the invitation: %+v %v", rep, err)
	}
	if n := len(f.mails("hanako@example.com")) - before; n != 1 {
		t.Fatalf("%d invitations, want 1", n)
	}
	invite := f.lastMail("hanako@example.com")
	link := linkAfter(t, invite, "ログイン不要")
	// Opening the link shows the page and changes nothing.
	r := f.do("GET", link, nil, "", "Accept", "text/html")
	if r.StatusCode != 200 || !strings.Contains(r.body, "参加を申し込む") || !strings.Contains(r.body, "まだお申し込みはありません") {
		t.Fatalf("invitation page: %d %s", r.StatusCode, r.body)
	}
	if len(f.rsvps("homecoming-2026")) != 0 {
		t.Fatal("opening the link stored an RSVP")
	}
	u, _ := url.Parse(link)
	token := u.Query().Get("token")
	r = f.do("POST", "/api/events/homecoming-2026/rsvp", url.Values{"token": {token}, "guests": {"1"}}, "")
	if r.StatusCode != 303 || !strings.Contains(r.Header.Get("Location"), "/rsvp/invite?token=") || !strings.Contains(r.Header.Get("Location"), "rsvp=confirmed") {
		t.Fatalf("form RSVP by link: %d %q %s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	r = f.do("GET", r.Header.Get("Location"), nil, "", "Accept", "text/html")
	if !strings.Contains(r.body, "参加が確定しました") || !strings.Contains(r.body, "参加を取り消す") || !strings.Contains(r.body, "meet.example.com") {
		t.Fatalf("page after RSVP: %s", r.body)
	}
	// The calendar buttons say what the confirmation's buttons say, the
	// page the email's link opens: no engineer's "iCalendar".
	if !strings.Contains(r.body, ">Googleカレンダー</a>") || !strings.Contains(r.body, ">iPhone・その他（.ics）</a>") || strings.Contains(r.body, "iCalendar") {
		t.Errorf("the calendar buttons of the page after RSVP differ from the email's:\n%s", r.body)
	}
	r = f.do("POST", "/api/events/homecoming-2026/rsvp/cancel", url.Values{"token": {token}}, "")
	if r.StatusCode != 303 {
		t.Fatalf("cancel by link: %d %s", r.StatusCode, r.body)
	}
	if got := decode[Answer](t, f.do("GET", "/api/events/homecoming-2026/rsvp?token="+url.QueryEscape(token), nil, "")); got.Status != "cancelled" {
		t.Fatalf("after cancelling by link: %+v", got)
	}
}

func TestFormPostsRedirectToTheEventPage(t *testing.T) {
	f := newFixture(t)
	members := contentEvent("party", 1)
	members.Visibility = content.Members
	f.sync(members)
	_, cookie := f.member("a@example.com", "青木 一郎", store.LanguageJa)
	r := f.do("POST", "/api/events/party/rsvp", url.Values{"guests": {"0"}}, cookie)
	if r.StatusCode != 303 || r.Header.Get("Location") != "/members/events/party/?rsvp=confirmed#rsvp-confirmed" {
		t.Fatalf("form RSVP: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	r = f.do("POST", "/api/events/party/rsvp/cancel", url.Values{"lang": {"en"}}, cookie)
	if r.StatusCode != 303 || r.Header.Get("Location") != "/en/members/events/party/?rsvp=cancelled#rsvp-cancelled" {
		t.Fatalf("form cancel: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	// A refused form post is a page with the reason and a way back.
	r = f.do("POST", "/api/events/party/rsvp", url.Values{"guests": {"5"}}, cookie)
	if r.StatusCode != 400 || !strings.Contains(r.Header.Get("Content-Type"), "text/html") || !strings.Contains(r.body, "/members/events/party/") {
		t.Fatalf("refused form: %d %s", r.StatusCode, r.body)
	}
	// A members-only event does not exist for a visitor.
	if r = f.do("GET", "/api/events/party", nil, ""); r.StatusCode != 404 {
		t.Fatalf("members-only event for a visitor: %d", r.StatusCode)
	}
	if r = f.do("GET", "/api/events/party", nil, cookie); r.StatusCode != 200 {
		t.Fatalf("members-only event for a member: %d", r.StatusCode)
	}
}

func TestCapacityRaiseOffersSeats(t *testing.T) {
	f := newFixture(t)
	f.sync(contentEvent("bbq", 1))
	_, ca := f.member("a@example.com", "青木 一郎", store.LanguageJa)
	_, cb := f.member("b@example.com", "馬場 二郎", store.LanguageJa)
	f.do("POST", "/api/events/bbq/rsvp", nil, ca)
	f.do("POST", "/api/events/bbq/rsvp", nil, cb)
	line := f.sync(contentEvent("bbq", 2))
	if !strings.Contains(line, "1 with a new capacity") || !strings.Contains(line, "1 seats offered") {
		t.Fatalf("sync after raising: %s", line)
	}
	if got := decode[Answer](t, f.do("GET", "/api/events/bbq/rsvp", nil, cb)); got.Status != "offered" {
		t.Fatalf("b after the raise: %+v", got)
	}
	if m := f.lastMail("b@example.com"); !strings.Contains(m.Subject, "お席をご用意しました") {
		t.Fatalf("offer mail: %s", m.Subject)
	}
	// Lowering below the seats taken keeps everyone and takes nobody new.
	f.sync(contentEvent("bbq", 1))
	_, cc := f.member("c@example.com", "千葉 花子", store.LanguageJa)
	if got := decode[Answer](t, f.do("POST", "/api/events/bbq/rsvp", nil, cc)); got.Status != "waitlisted" {
		t.Fatalf("c after lowering: %+v", got)
	}
	for _, c := range []string{ca, cb} {
		if got := decode[Answer](t, f.do("GET", "/api/events/bbq/rsvp", nil, c)); got.Status != "confirmed" && got.Status != "offered" {
			t.Fatalf("lost a seat after lowering: %+v", got)
		}
	}
}

func TestRemindOnce(t *testing.T) {
	f := newFixture(t)
	soon := contentEvent("soon", 2)
	soon.Start, soon.End, soon.RSVPDeadline = t0.Add(30*time.Hour), t0.Add(32*time.Hour), time.Time{}
	later := contentEvent("later", 5)
	later.Start, later.End, later.RSVPDeadline = t0.Add(72*time.Hour), t0.Add(74*time.Hour), time.Time{}
	f.sync(soon, later)
	_, ca := f.member("a@example.com", "青木 一郎", store.LanguageJa)
	_, cb := f.member("b@example.com", "Ben Brown", store.LanguageEn)
	_, cc := f.member("c@example.com", "千葉 花子", store.LanguageJa)
	for _, c := range []string{ca, cb, cc} {
		f.do("POST", "/api/events/soon/rsvp", nil, c)
		f.do("POST", "/api/events/later/rsvp", nil, c)
	}
	count := func(addr string) int {
		n := 0
		for _, m := range f.mails(addr) {
			if strings.Contains(m.Subject, "まもなく開催") || strings.Contains(m.Subject, "Coming up soon") {
				n++
			}
		}
		return n
	}
	ctx := context.Background()
	// 30 hours before: too early.
	if rep, err := f.s.Remind(ctx); err != nil || rep.Reminded != 0 {
		t.Fatalf("too early: %+v %v", rep, err)
	}
	f.clock.Add(8 * time.Hour)
	// Many runs, some at once: each confirmed attendee gets exactly one.
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := f.s.Remind(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	f.s.Remind(ctx)
	if count("a@example.com") != 1 || count("b@example.com") != 1 || count("c@example.com") != 0 {
		t.Fatalf("reminders: a %d, b %d, c (waitlisted) %d", count("a@example.com"), count("b@example.com"), count("c@example.com"))
	}
	rem := f.lastMail("b@example.com")
	if !strings.Contains(rem.Text, "https://meet.example.com/j/homecoming-secret") || !strings.Contains(rem.HTML, "/qr?token=") {
		t.Fatalf("reminder: %s\n%s", rem.Text, rem.HTML)
	}
	// A failed send is retried on the next run, and then sent once.
	failing := &flakyMailer{next: f.s.Mailer}
	f.s.Mailer = failing
	f.do("DELETE", "/api/events/soon/rsvp", nil, ca) // c is offered a's seat
	u, _ := url.Parse(linkAfter(t, f.lastMail("c@example.com"), "参加を確定する"))
	f.do("POST", u.Path, map[string]string{"token": u.Query().Get("token")}, "")
	failing.fail = 1
	if rep, _ := f.s.Remind(ctx); rep.Failed != 1 || rep.Reminded != 0 {
		t.Fatalf("failing run: %+v", rep)
	}
	if rep, _ := f.s.Remind(ctx); rep.Reminded != 1 {
		t.Fatalf("retry run: %+v", rep)
	}
	if count("c@example.com") != 1 {
		t.Fatalf("c got %d reminders", count("c@example.com"))
	}
}

// flakyMailer fails the next fail sends, then passes them on.
type flakyMailer struct {
	mu   sync.Mutex
	next mail.Mailer
	fail int
}

func (m *flakyMailer) Send(ctx context.Context, msg mail.Message) error {
	m.mu.Lock()
	if m.fail > 0 {
		m.fail--
		m.mu.Unlock()
		return fmt.Errorf("smtp: temporary failure")
	}
	m.mu.Unlock()
	return m.next.Send(ctx, msg)
}

func TestEraseMemberFreesSeat(t *testing.T) {
	f := newFixture(t)
	f.sync(contentEvent("bbq", 1))
	a, ca := f.member("a@example.com", "青木 一郎", store.LanguageJa)
	_, cb := f.member("b@example.com", "馬場 二郎", store.LanguageJa)
	f.do("POST", "/api/events/bbq/rsvp", nil, ca)
	f.do("POST", "/api/events/bbq/rsvp", nil, cb)
	if err := f.s.EraseMember(context.Background(), a.ID); err != nil {
		t.Fatal(err)
	}
	if got := decode[Answer](t, f.do("GET", "/api/events/bbq/rsvp", nil, cb)); got.Status != "offered" {
		t.Fatalf("the erased member's seat: %+v", got)
	}
	for _, r := range f.rsvps("bbq") {
		if r.MemberID == a.ID {
			t.Fatalf("the erased member is still named: %+v", r)
		}
	}
}

// RunSchedule runs both jobs at once and then on its interval, until ctx ends.
func TestRunScheduleLapsesAndReminds(t *testing.T) {
	f := newFixture(t)
	soon := contentEvent("soon", 1)
	soon.Start, soon.End, soon.RSVPDeadline = t0.Add(48*time.Hour), t0.Add(50*time.Hour), time.Time{}
	f.sync(soon)
	_, ca := f.member("a@example.com", "青木 一郎", store.LanguageJa)
	_, cb := f.member("b@example.com", "馬場 二郎", store.LanguageJa)
	_, cc := f.member("c@example.com", "千葉 花子", store.LanguageJa)
	for _, c := range []string{ca, cb, cc} {
		f.do("POST", "/api/events/soon/rsvp", nil, c)
	}
	f.do("DELETE", "/api/events/soon/rsvp", nil, ca) // b is offered the seat
	f.clock.Add(25 * time.Hour)                      // b's offer has lapsed; the start is 23 hours away
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { f.s.RunSchedule(ctx, time.Hour); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := decode[Answer](t, f.do("GET", "/api/events/soon/rsvp", nil, cc))
		if got.Status == "offered" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the scheduled run did not offer b's lapsed seat to c: %+v", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	if got := decode[Answer](t, f.do("GET", "/api/events/soon/rsvp", nil, cb)); got.Status != "lapsed" {
		t.Fatalf("b: %+v", got)
	}
	rs, err := f.s.MemberRSVPs(context.Background(), "no-such-member")
	if err != nil || len(rs) != 0 {
		t.Fatalf("MemberRSVPs of nobody: %v %v", rs, err)
	}
}

// An event HR removes from content/ closes for new RSVPs at the next sync;
// the confirmations it already has stay.
func TestRemovedEventClosesForNewRSVPs(t *testing.T) {
	f := newFixture(t)
	f.sync(contentEvent("stays-2026", 10), contentEvent("dropped-2026", 10))
	_, ca := f.member("a@example.com", "佐藤 一", store.LanguageJa)
	_, cb := f.member("b@example.com", "佐藤 二", store.LanguageEn)
	if r := f.do("POST", "/api/events/dropped-2026/rsvp", nil, ca); r.StatusCode != 201 {
		t.Fatalf("rsvp before removal: %d %s", r.StatusCode, r.body)
	}
	f.clock.Add(time.Hour)
	line := f.sync(contentEvent("stays-2026", 10))
	if !strings.Contains(line, "1 removed from content and closed") {
		t.Errorf("sync line: %s", line)
	}
	r := f.do("POST", "/api/events/dropped-2026/rsvp", nil, cb)
	if r.StatusCode != http.StatusConflict || r.Header.Get("Content-Type") != "application/problem+json; charset=utf-8" {
		t.Errorf("rsvp after removal: %d %s", r.StatusCode, r.body)
	}
	if got := f.rsvps("dropped-2026"); len(got) != 1 || got[0].Status != store.RSVPConfirmed {
		t.Errorf("the confirmation before removal: %+v", got)
	}
	if r := f.do("POST", "/api/events/stays-2026/rsvp", nil, cb); r.StatusCode != 201 {
		t.Errorf("the event still in content: %d %s", r.StatusCode, r.body)
	}
	// A second sync does not close it again.
	if line := f.sync(contentEvent("stays-2026", 10)); !strings.Contains(line, "0 removed from content and closed") {
		t.Errorf("second sync: %s", line)
	}
}
