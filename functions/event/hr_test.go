package event

import (
	"bytes"
	"context"
	"encoding/csv"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/boombuler/barcode/qr"

	"github.com/okaeri/okaeri/functions/store"
)

// TestHRAttendeesCSVSpeaksTheHRPagesLanguage: the export's header row and
// status words are in the language of HR's pages (the administrator's
// own), with the same columns in the same order, and the BOM either way.
func TestHRAttendeesCSVSpeaksTheHRPagesLanguage(t *testing.T) {
	for _, tc := range []struct {
		lang                  store.Language
		header                []string
		confirmed, waitlisted string
	}{
		{store.LanguageJa, []string{"状態", "順番", "氏名", "フリガナ", "在籍時の部署", "同伴者", "席数", "申込日時", "確定日時", "出席日時", "会員ID"}, "参加確定", "キャンセル待ち"},
		{store.LanguageEn, []string{"Status", "Place", "Name", "Kana", "Department", "Guests", "Seats", "RSVPed", "Confirmed", "Attended", "Member ID"}, "Confirmed", "Waitlisted"},
	} {
		t.Run(string(tc.lang), func(t *testing.T) {
			f := newFixture(t)
			f.sync(contentEvent("homecoming-2026", 1))
			_, hr := f.member(adminEmail, "人事 担当", tc.lang)
			a, ca := f.member("a@example.com", "青木 一郎", store.LanguageJa)
			_, cb := f.member("b@example.com", "馬場 二郎", store.LanguageEn)
			f.do("POST", "/api/events/homecoming-2026/rsvp", nil, ca)
			f.do("POST", "/api/events/homecoming-2026/rsvp", nil, cb)

			page := f.do("GET", "/hr/events/homecoming-2026", nil, hr, "Accept", "text/html")
			if !strings.Contains(page.body, `<html lang="`+string(tc.lang)+`">`) || !strings.Contains(page.body, ">"+tc.confirmed+"<") {
				t.Fatalf("HR page not in %s:\n%s", tc.lang, page.body)
			}
			if !strings.Contains(page.body, `<p class="back"><a href="/hr/events">`) {
				t.Errorf("HR's event page has no way back to the list")
			}
			// The site's .back a::before draws the arrow: the text has none.
			if strings.Contains(page.body, `<a href="/hr/events">←`) {
				t.Errorf("HR's back link draws a second arrow:\n%s", page.body)
			}
			r := f.do("GET", "/hr/events/homecoming-2026/rsvps.csv", nil, hr)
			if r.StatusCode != 200 || !strings.HasPrefix(r.body, "\uFEFF") {
				t.Fatalf("csv: %d %q", r.StatusCode, r.body[:min(len(r.body), 80)])
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\uFEFF"))).ReadAll()
			if err != nil || len(rows) != 3 {
				t.Fatalf("csv rows: %q %v", rows, err)
			}
			if strings.Join(rows[0], ",") != strings.Join(tc.header, ",") {
				t.Errorf("header %q, want %q", rows[0], tc.header)
			}
			if rows[1][0] != tc.confirmed || rows[1][2] != "青木 一郎" || rows[1][10] != a.ID || rows[2][0] != tc.waitlisted || rows[2][1] != "1" {
				t.Errorf("rows in %s: %q", tc.lang, rows[1:])
			}
		})
	}
}

func TestHRAttendeesCSVAndCheckIn(t *testing.T) {
	f := newFixture(t)
	f.sync(contentEvent("homecoming-2026", 3))
	const id = "homecoming-2026"
	admin, hr := f.member(adminEmail, "人事 担当", store.LanguageJa)
	a, ca := f.member("a@example.com", "=青木 一郎", store.LanguageJa) // a name that looks like a formula
	b, cb := f.member("b@example.com", "馬場 二郎", store.LanguageJa)
	c, cc := f.member("c@example.com", "千葉 花子", store.LanguageJa)
	f.do("POST", "/api/events/"+id+"/rsvp", map[string]any{"guests": 1}, ca)
	f.do("POST", "/api/events/"+id+"/rsvp", nil, cb)
	f.do("POST", "/api/events/"+id+"/rsvp", nil, cc)

	// Only HR sees the lists.
	if r := f.do("GET", "/hr/events/"+id, nil, cb, "Accept", "application/json"); r.StatusCode != 403 {
		t.Fatalf("a member on the HR page: %d", r.StatusCode)
	}
	if r := f.do("GET", "/hr/events/"+id, nil, "", "Accept", "text/html"); r.StatusCode != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/login/?next=") {
		t.Fatalf("a visitor on the HR page: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	ro := decode[Roster](t, f.do("GET", "/hr/events/"+id, nil, hr, "Accept", "application/json"))
	if ro.Counts.Confirmed != 2 || ro.Counts.ConfirmedSeats != 3 || ro.Counts.Waitlisted != 1 || ro.Counts.SeatsLeft != 0 ||
		len(ro.Attendees) != 2 || ro.Attendees[1].Name != "馬場 二郎" || ro.Waitlist[0].Position != 1 || ro.Waitlist[0].Name != "千葉 花子" {
		t.Fatalf("roster: %+v", ro)
	}
	page := f.do("GET", "/hr/events/"+id, nil, hr, "Accept", "text/html")
	for _, want := range []string{"馬場 二郎", "千葉 花子", `id="count-confirmed">2<`, `id="count-seats">3<`, `id="count-waitlisted">1<`, "出席にする", "rsvps.csv"} {
		if !strings.Contains(page.body, want) {
			t.Fatalf("HR page lacks %q:\n%s", want, page.body)
		}
	}
	if list := f.do("GET", "/hr/events", nil, hr, "Accept", "text/html"); list.StatusCode != 200 || !strings.Contains(list.body, "/hr/events/"+id) {
		t.Fatalf("HR event list: %d", list.StatusCode)
	}

	// CSV: UTF-8 with a BOM for Excel, CRLF, and no formula.
	r := f.do("GET", "/hr/events/"+id+"/rsvps.csv", nil, hr)
	if r.StatusCode != 200 || !strings.HasPrefix(r.body, "\uFEFF") || !strings.Contains(r.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(r.body, "\r\n") {
		t.Fatalf("csv: %d %q", r.StatusCode, r.body[:min(len(r.body), 80)])
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.body, "\uFEFF"))).ReadAll()
	if err != nil || len(rows) != 4 || rows[0][0] != "状態" || rows[1][2] != "'=青木 一郎" || rows[1][0] != "参加確定" || rows[1][6] != "2" ||
		rows[3][0] != "キャンセル待ち" || rows[3][1] != "1" {
		t.Fatalf("csv rows: %q %v", rows, err)
	}

	// Check-in by hand, from the list.
	r = f.do("POST", "/api/hr/events/"+id+"/checkin", url.Values{"member_id": {b.ID}, "attended": {"true"}}, hr)
	if r.StatusCode != 303 || r.Header.Get("Location") != "/hr/events/"+id+"?checked=1#m-"+b.ID {
		t.Fatalf("check in by hand: %d %q %s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	got, _ := f.st.GetRSVP(context.Background(), id, b.ID)
	if got.AttendedAt.IsZero() || got.CheckedInBy != "hr:"+admin.ID {
		t.Fatalf("attendance: %+v", got)
	}
	entries, _, _ := f.st.ListAudit(context.Background(), store.AuditQuery{Subject: b.ID}, store.Page{})
	if len(entries) != 1 || entries[0].Action != "rsvp.checkin" || entries[0].Actor != "hr:"+admin.ID {
		t.Fatalf("audit: %+v", entries)
	}
	// A member cannot check anyone in.
	if r = f.do("POST", "/api/hr/events/"+id+"/checkin", map[string]any{"member_id": a.ID}, cb); r.StatusCode != 403 {
		t.Fatalf("a member checking in: %d", r.StatusCode)
	}

	// Check-in by the QR code of a's confirmation email.
	mail := f.mails("a@example.com")[0]
	qrURL := regexp.MustCompile(`<img src="([^"]+/qr\?[^"]+)"`).FindStringSubmatch(mail.HTML) // not the logo's
	if qrURL == nil {
		t.Fatalf("no QR code in:\n%s", mail.HTML)
	}
	src := strings.ReplaceAll(qrURL[1], "&amp;", "&")
	r = f.do("GET", src, nil, "")
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("QR image: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	u, _ := url.Parse(src)
	token := u.Query().Get("token")
	checkIn := f.srv.URL + "/hr/events/" + id + "/checkin?token=" + token
	wantQR(t, []byte(r.body), checkIn)
	if r = f.do("GET", checkIn, nil, cb, "Accept", "text/html"); r.StatusCode != 403 {
		t.Fatalf("a member opening the QR link: %d", r.StatusCode)
	}
	r = f.do("GET", checkIn, nil, hr, "Accept", "text/html")
	if r.StatusCode != 200 || !strings.Contains(r.body, "=青木 一郎") || !strings.Contains(r.body, "出席にする") {
		t.Fatalf("QR landing page: %d %s", r.StatusCode, r.body)
	}
	if got, _ := f.st.GetRSVP(context.Background(), id, a.ID); !got.AttendedAt.IsZero() {
		t.Fatal("opening the QR page checked the member in")
	}
	r = f.do("POST", "/api/hr/events/"+id+"/checkin", url.Values{"token": {token}, "attended": {"true"}}, hr)
	if r.StatusCode != 303 || !strings.Contains(r.Header.Get("Location"), "done=1") {
		t.Fatalf("QR check-in: %d %q %s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	if page := f.do("GET", r.Header.Get("Location"), nil, hr, "Accept", "text/html"); !strings.Contains(page.body, "すでに出席済み") {
		t.Fatalf("after the QR check-in: %s", page.body)
	}
	ro = decode[Roster](t, f.do("GET", "/hr/events/"+id, nil, hr, "Accept", "application/json"))
	if ro.Counts.Attended != 2 {
		t.Fatalf("attended: %+v", ro.Counts)
	}
	// A waitlisted member cannot be checked in; a forged QR is refused.
	r = f.do("POST", "/api/hr/events/"+id+"/checkin", map[string]any{"token": f.s.checkInToken(store.Event{ID: id, End: t0.Add(240 * time.Hour)}, c.ID)}, hr)
	if r.StatusCode != 409 {
		t.Fatalf("check in a waitlisted member: %d %s", r.StatusCode, r.body)
	}
	r = f.do("POST", "/api/hr/events/"+id+"/checkin", map[string]any{"token": token + "x"}, hr)
	if r.StatusCode != 400 {
		t.Fatalf("forged QR: %d %s", r.StatusCode, r.body)
	}
	// HR undoes a mistaken check-in.
	r = f.do("POST", "/api/hr/events/"+id+"/checkin", map[string]any{"member_id": b.ID, "attended": false}, hr)
	if r.StatusCode != 200 || decode[map[string]any](t, r)["attended"] != false {
		t.Fatalf("undo: %d %s", r.StatusCode, r.body)
	}
}

// wantQR fails unless png is the QR code of text: the same modules as an
// independent encoding of text, 6 pixels each, inside a white quiet zone.
func wantQR(t *testing.T, data []byte, text string) {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("QR PNG: %v", err)
	}
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		t.Fatal(err)
	}
	n := code.Bounds().Dx()
	const scale, quiet = 6, 4
	if b := img.Bounds(); b.Dx() != (n+2*quiet)*scale || b.Dy() != b.Dx() {
		t.Fatalf("QR image %v for %d modules", b, n)
	}
	dark := func(c color.Color) bool { return color.GrayModel.Convert(c).(color.Gray).Y < 0x80 }
	for y := -quiet; y < n+quiet; y++ {
		for x := -quiet; x < n+quiet; x++ {
			want := x >= 0 && y >= 0 && x < n && y < n && dark(code.At(x, y))
			at := image.Pt((x+quiet)*scale+scale/2, (y+quiet)*scale+scale/2)
			if dark(img.At(at.X, at.Y)) != want {
				t.Fatalf("QR module (%d,%d) differs from the encoding of %q", x, y, text)
			}
		}
	}
}

// TestHREventPagesReadAsTheSiteAndMarkEndedEvents: HR's event pages write
// moments as the site does (brand.DateTime, the instant kept in <time
// datetime>), speak to HR without the operator's words, and mark an event
// under way (開催中) and over (終了, the site's muted badge), on HR's list
// and pages and on the member's own RSVP page; an event to come has none.
func TestHREventPagesReadAsTheSiteAndMarkEndedEvents(t *testing.T) {
	f := newFixture(t)
	_, hrNone := f.member(adminEmail, "人事 担当", store.LanguageJa)
	empty := f.do("GET", "/hr/events", nil, hrNone, "Accept", "text/html")
	if !strings.Contains(empty.body, "サイトの管理者にサイトの更新を依頼してください") || strings.Contains(empty.body, "`okaeri sync`") {
		t.Errorf("the empty list does not tell HR whom to ask:\n%s", empty.body)
	}

	later := contentEvent("year-end", 10)
	later.Start, later.End = later.Start.AddDate(0, 2, 0), later.End.AddDate(0, 2, 0)
	f.sync(contentEvent("homecoming-2026", 10), later)
	a, ca := f.member("a@example.com", "青木 一郎", store.LanguageJa)
	f.do("POST", "/api/events/homecoming-2026/rsvp", nil, ca) // at t0, 2026-09-01 10:00 in Tokyo

	f.clock.Add(46*24*time.Hour + 6*time.Hour) // 2026-10-17 16:00: the homecoming is on
	// HR in each language, logged in now (a session from t0 would have idled out).
	hr := func(email string, lang store.Language) string {
		t.Helper()
		m, cookie := f.member(email, "人事", lang)
		if _, err := f.st.UpdateMember(context.Background(), m.ID, func(m store.Member) (store.Member, error) {
			m.Roles = []store.Role{store.RoleHR}
			return m, nil
		}); err != nil {
			t.Fatal(err)
		}
		return cookie
	}
	hrJA, hrEN := hr("hr-ja@example.co.jp", store.LanguageJa), hr("hr-en@example.co.jp", store.LanguageEn)
	row := func(page, id string) string {
		t.Helper()
		m := regexp.MustCompile(`<tr><td data-label="[^"]*"><a href="/hr/events/` + id + `">.*?</tr>`).FindString(page)
		if m == "" {
			t.Fatalf("no row for %s in:\n%s", id, page)
		}
		return m
	}
	list := f.do("GET", "/hr/events", nil, hrJA, "Accept", "text/html").body
	if !strings.Contains(list, "サイトに公開中のイベント") || strings.Contains(list, "同期済み") {
		t.Errorf("the list's intro speaks of syncing:\n%s", list)
	}
	if r := row(list, "homecoming-2026"); !strings.Contains(r, `<span class="badge">開催中</span>`) {
		t.Errorf("the event under way is not marked 開催中: %s", r)
	}
	if r := row(list, "year-end"); strings.Contains(r, "badge") {
		t.Errorf("an event to come has a badge: %s", r)
	}

	f.clock.Add(3 * time.Hour) // 19:00, an hour after its end
	for _, tc := range []struct{ cookie, ended, at string }{
		{hrJA, `<span class="badge badge-muted">終了</span>`, `<time datetime="2026-09-01T10:00:00+09:00">2026年9月1日 10:00</time>`},
		{hrEN, `<span class="badge badge-muted">Ended</span>`, `<time datetime="2026-09-01T10:00:00+09:00">Sep 1, 2026, 10:00</time>`},
	} {
		list := f.do("GET", "/hr/events", nil, tc.cookie, "Accept", "text/html").body
		if r := row(list, "homecoming-2026"); !strings.Contains(r, tc.ended) {
			t.Errorf("the past event is not marked %s: %s", tc.ended, r)
		}
		if r := row(list, "year-end"); strings.Contains(r, "badge") {
			t.Errorf("an event to come has a badge: %s", r)
		}
		page := f.do("GET", "/hr/events/homecoming-2026", nil, tc.cookie, "Accept", "text/html").body
		if !strings.Contains(page, tc.ended) || !strings.Contains(page, tc.at) || strings.Contains(page, "2026-09-01 10:00") {
			t.Errorf("HR's event page lacks %s or writes the RSVP's time otherwise than %s:\n%s", tc.ended, tc.at, page)
		}
		// Seats left mean nothing once it is over; the download is there
		// for its RSVPs, and not for an event nobody answered yet.
		if strings.Contains(page, "count-seats-left") || !strings.Contains(page, "rsvps.csv") {
			t.Errorf("the past event's page shows seats left or lacks its CSV:\n%s", page)
		}
		if next := f.do("GET", "/hr/events/year-end", nil, tc.cookie, "Accept", "text/html").body; !strings.Contains(next, "count-seats-left") || strings.Contains(next, "rsvps.csv") {
			t.Errorf("the event to come lacks its seats left or offers a CSV of no one:\n%s", next)
		}
	}
	// The member's page from an emailed link says the event is over.
	e, _ := f.st.GetEvent(context.Background(), "homecoming-2026")
	token := f.s.link(purposeRSVP, e, a.ID, f.clock.Now().Add(time.Hour))
	r := f.do("GET", "/api/events/homecoming-2026/rsvp/invite?token="+url.QueryEscape(token), nil, "", "Accept", "text/html")
	if r.StatusCode != 200 || !strings.Contains(r.body, `<span class="badge badge-muted">終了</span>`) || strings.Contains(r.body, "残席") {
		t.Errorf("the member's page of a past event: %d\n%s", r.StatusCode, r.body)
	}
}
