package event

import (
	"bytes"
	"net/url"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the iCalendar parser loads Asia/Tokyo by name

	ics "github.com/arran4/golang-ical"

	"github.com/okaeri/okaeri/functions/content"
	"github.com/okaeri/okaeri/functions/store"
)

// parse reads a calendar back with a third-party iCalendar library.
func parse(t *testing.T, body string) *ics.VEvent {
	t.Helper()
	cal, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse .ics: %v\n%s", err, body)
	}
	events := cal.Events()
	if len(events) != 1 {
		t.Fatalf("%d VEVENTs in\n%s", len(events), body)
	}
	tz := cal.Timezones()
	if len(tz) != 1 || tz[0].GetProperty(ics.ComponentPropertyTzid) == nil || tz[0].GetProperty(ics.ComponentPropertyTzid).Value != "Asia/Tokyo" {
		t.Fatalf("VTIMEZONE: %+v", tz)
	}
	return events[0]
}

func prop(e *ics.VEvent, p ics.ComponentProperty) string {
	v := e.GetProperty(p)
	if v == nil {
		return ""
	}
	return ics.FromText(v.Value)
}

func TestICSParsesBack(t *testing.T) {
	f := newFixture(t)
	ev := contentEvent("homecoming-2026", 10)
	// Characters RFC 5545 escapes, and a title long enough to be folded mid-kanji.
	ev.Title["ja"] = "ホームカミングデー2026; 創業20周年, 記念\\特別版" + strings.Repeat("・懇親会", 10)
	ev.Location["ja"] = "本社 8階ラウンジ（東京都渋谷区）, 受付は1階"
	f.sync(ev)
	r := f.do("GET", "/api/events/homecoming-2026.ics", nil, "")
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "text/calendar; charset=utf-8" ||
		!strings.Contains(r.Header.Get("Content-Disposition"), `filename="homecoming-2026.ics"`) {
		t.Fatalf(".ics: %d %v", r.StatusCode, r.Header)
	}
	for i, line := range strings.Split(strings.TrimSuffix(r.body, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Fatalf("line %d is %d octets: %q", i+1, len(line), line)
		}
		if strings.Contains(line, "\n") {
			t.Fatalf("line %d ends with a bare LF", i+1)
		}
	}
	ve := parse(t, r.body)
	if got := prop(ve, ics.ComponentPropertySummary); got != ev.Title["ja"] {
		t.Fatalf("SUMMARY round trip:\n got %q\nwant %q", got, ev.Title["ja"])
	}
	if got := prop(ve, ics.ComponentPropertyLocation); got != ev.Location["ja"] {
		t.Fatalf("LOCATION round trip: %q", got)
	}
	start, err := ve.GetStartAt()
	if err != nil || !start.Equal(ev.Start) || start.Location().String() != "Asia/Tokyo" {
		t.Fatalf("DTSTART: %v %v", start, err)
	}
	end, err := ve.GetEndAt()
	if err != nil || !end.Equal(ev.End) {
		t.Fatalf("DTEND: %v %v", end, err)
	}
	if dtstart := ve.GetProperty(ics.ComponentPropertyDtStart); dtstart.ICalParameters["TZID"][0] != "Asia/Tokyo" || dtstart.Value != "20261017T150000" {
		t.Fatalf("DTSTART is not local Tokyo time: %+v", dtstart)
	}
	uid := prop(ve, ics.ComponentPropertyUniqueId)
	host, _ := url.Parse(f.srv.URL)
	if uid != "event-homecoming-2026@"+host.Hostname() {
		t.Fatalf("UID %q", uid)
	}
	if strings.Contains(r.body, "meet.example.com") {
		t.Fatal("an anonymous .ics carries the meeting link")
	}

	// The UID stays through a later sync and in English; the text follows the language.
	f.clock.Add(time.Hour)
	ev.Capacity = 20
	f.sync(ev)
	en := parse(t, f.do("GET", "/api/events/homecoming-2026.ics?lang=en", nil, "").body)
	if prop(en, ics.ComponentPropertyUniqueId) != uid || prop(en, ics.ComponentPropertySummary) != "Homecoming Day 2026" {
		t.Fatalf("English .ics: uid %q summary %q", prop(en, ics.ComponentPropertyUniqueId), prop(en, ics.ComponentPropertySummary))
	}

	// A confirmed attendee's calendar link adds the meeting link; a waitlisted one's does not.
	_, cookie := f.member("a@example.com", "青木 一郎", store.LanguageJa)
	a := decode[Answer](t, f.do("POST", "/api/events/homecoming-2026/rsvp", nil, cookie))
	if a.Calendar == nil {
		t.Fatal("no calendar for a confirmed attendee")
	}
	mine := parse(t, f.do("GET", a.Calendar.ICS, nil, "").body)
	if !strings.Contains(prop(mine, ics.ComponentPropertyDescription), "https://meet.example.com/j/homecoming-secret") {
		t.Fatalf("the attendee's .ics lacks the meeting link: %q", prop(mine, ics.ComponentPropertyDescription))
	}
	withSession := parse(t, f.do("GET", "/api/events/homecoming-2026.ics", nil, cookie).body)
	if !strings.Contains(prop(withSession, ics.ComponentPropertyDescription), "meet.example.com") {
		t.Fatal("the attendee's session .ics lacks the meeting link")
	}
	for _, link := range []string{a.Calendar.Google, a.Calendar.Outlook} {
		u, err := url.Parse(link)
		if err != nil || u.Scheme != "https" || !strings.Contains(link, "meet.example.com") {
			t.Fatalf("calendar link %q", link)
		}
	}
	g, _ := url.Parse(a.Calendar.Google)
	if g.Query().Get("dates") != "20261017T060000Z/20261017T090000Z" || g.Query().Get("ctz") != "Asia/Tokyo" {
		t.Fatalf("Google link: %s", a.Calendar.Google)
	}
	f.do("DELETE", "/api/events/homecoming-2026/rsvp", nil, cookie)
	if body := f.do("GET", a.Calendar.ICS, nil, "").body; strings.Contains(body, "meet.example.com") {
		t.Fatal("a cancelled attendee's calendar link still shows the meeting link")
	}
	// A members-only event's calendar is not there for a visitor.
	members := contentEvent("party", 10)
	members.Visibility = content.Members
	f.sync(members)
	if r := f.do("GET", "/api/events/party.ics", nil, ""); r.StatusCode != 404 {
		t.Fatalf("members-only .ics for a visitor: %d", r.StatusCode)
	}
	if r := f.do("GET", "/api/events/party.ics", nil, cookie); r.StatusCode != 200 {
		t.Fatalf("members-only .ics for a member: %d", r.StatusCode)
	}
}

func TestFoldLineKeepsCharacters(t *testing.T) {
	long := "SUMMARY:" + strings.Repeat("あ", 60) // 188 octets
	var b bytes.Buffer
	foldLine(&b, long)
	lines := strings.Split(strings.TrimSuffix(b.String(), "\r\n"), "\r\n")
	joined := lines[0]
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, " ") {
			t.Fatalf("continuation without a space: %q", l)
		}
		joined += l[1:]
	}
	for _, l := range lines {
		if len(l) > 75 {
			t.Fatalf("%d octets: %q", len(l), l)
		}
	}
	if joined != long {
		t.Fatalf("unfolded %q", joined)
	}
}
