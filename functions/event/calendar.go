package event

import (
	"bytes"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/okaeri/okaeri/functions/store"
)

// Calendar is where an event can be added to a calendar.
type Calendar struct {
	ICS     string `json:"ics"`
	Google  string `json:"google"`
	Outlook string `json:"outlook"`
}

// calendar builds the add-to-calendar links of e in lang. With a memberID
// (a confirmed attendee) the links carry the meeting URL: the .ics through a
// signed calendar link, Google and Outlook in their description.
func (s *Service) calendar(e store.Event, lang, memberID string) Calendar {
	withOnline := memberID != "" && e.OnlineURL != ""
	ics := s.apiURL(e, ".ics", "")
	if memberID != "" {
		ics = s.calendarLink(e, memberID, lang)
	} else {
		ics += "?lang=" + lang
	}
	details := s.description(e, lang, withOnline)
	g := url.Values{}
	g.Set("action", "TEMPLATE")
	g.Set("text", title(e, lang))
	g.Set("dates", e.Start.UTC().Format("20060102T150405Z")+"/"+e.End.UTC().Format("20060102T150405Z"))
	g.Set("details", details)
	g.Set("location", location(e, lang))
	g.Set("ctz", "Asia/Tokyo")
	o := url.Values{}
	o.Set("path", "/calendar/action/compose")
	o.Set("rru", "addevent")
	o.Set("subject", title(e, lang))
	o.Set("startdt", e.Start.UTC().Format(time.RFC3339))
	o.Set("enddt", e.End.UTC().Format(time.RFC3339))
	o.Set("body", details)
	o.Set("location", location(e, lang))
	return Calendar{
		ICS:     ics,
		Google:  "https://calendar.google.com/calendar/render?" + g.Encode(),
		Outlook: "https://outlook.live.com/calendar/0/deeplink/compose?" + o.Encode(),
	}
}

// description is a calendar entry's text: the event page and, for a
// confirmed attendee, the meeting link.
func (s *Service) description(e store.Event, lang string, withOnline bool) string {
	d := s.pageURL(e, lang)
	if withOnline {
		label := "参加用URL: "
		if lang == "en" {
			label = "Join: "
		}
		d += "\n" + label + e.OnlineURL
	}
	return d
}

// ICS renders e as an RFC 5545 calendar in lang: one VEVENT in the
// Asia/Tokyo time zone, with a UID that stays the same across syncs and
// languages (so a calendar updates the entry instead of adding another).
// withOnline adds the meeting link, for confirmed attendees only.
func (s *Service) ICS(e store.Event, lang string, withOnline bool) []byte {
	host := "okaeri"
	if u, err := url.Parse(s.Config.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	local := func(t time.Time) string { return t.In(tokyo).Format("20060102T150405") }
	var b bytes.Buffer
	line := func(name, value string) { foldLine(&b, name+":"+value) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//Okaeri//Alumni Portal//"+strings.ToUpper(lang))
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	// Japan has kept +09:00 without daylight saving time since 1951, so one
	// STANDARD rule describes the zone completely.
	line("BEGIN", "VTIMEZONE")
	line("TZID", "Asia/Tokyo")
	line("BEGIN", "STANDARD")
	line("DTSTART", "19700101T000000")
	line("TZOFFSETFROM", "+0900")
	line("TZOFFSETTO", "+0900")
	line("TZNAME", "JST")
	line("END", "STANDARD")
	line("END", "VTIMEZONE")
	line("BEGIN", "VEVENT")
	line("UID", "event-"+e.ID+"@"+host)
	line("DTSTAMP", e.SyncedAt.UTC().Format("20060102T150405Z"))
	line("DTSTART;TZID=Asia/Tokyo", local(e.Start))
	line("DTEND;TZID=Asia/Tokyo", local(e.End))
	line("SUMMARY", escapeText(title(e, lang)))
	if l := location(e, lang); l != "" {
		line("LOCATION", escapeText(l))
	}
	line("DESCRIPTION", escapeText(s.description(e, lang, withOnline && e.OnlineURL != "")))
	line("URL", s.pageURL(e, lang))
	line("END", "VEVENT")
	line("END", "VCALENDAR")
	return b.Bytes()
}

// escapeText escapes an RFC 5545 TEXT value (section 3.3.11).
func escapeText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// foldLine writes one content line, folded so no line is longer than 75
// octets (RFC 5545 section 3.1) without splitting a UTF-8 character, and
// ended with CRLF.
func foldLine(b *bytes.Buffer, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space of a continuation line counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
