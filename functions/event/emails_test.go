package event

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/mail/mailtext/mailtexttest"
	"github.com/okaeri/okaeri/functions/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

// sampleEvent is the venue event of the golden files, in both languages.
var sampleEvent = store.Event{ID: "homecoming-2026",
	Title:    map[string]string{"ja": "ホームカミングデー2026", "en": "Homecoming Day 2026"},
	Location: map[string]string{"ja": "本社 8階ラウンジ", "en": "Head office, 8th-floor lounge"},
	Start:    time.Date(2026, 10, 17, 15, 0, 0, 0, tokyo), End: time.Date(2026, 10, 17, 18, 0, 0, 0, tokyo), Capacity: 80}

// sampleIn is a confirmed attendee of sampleEvent, with what the code
// fills in for a reader of lang: the title, place and dates in lang.
func sampleIn(lang string) emailData {
	return emailData{
		Name: "山田 花子", Title: title(sampleEvent, lang), When: when(sampleEvent, lang), Where: location(sampleEvent, lang),
		Guests: 1, Position: 3, OfferTTL: 24 * time.Hour, Deadline: deadline(time.Date(2026, 10, 3, 12, 0, 0, 0, tokyo), lang), Capacity: 80,
		Link:      "https://alumni.example.co.jp/api/events/homecoming-2026/offer?token=TOKEN",
		ManageURL: "https://alumni.example.co.jp/api/events/homecoming-2026/rsvp/invite?token=TOKEN",
		PageURL:   "https://alumni.example.co.jp/events/homecoming-2026/", ICS: "https://alumni.example.co.jp/api/events/homecoming-2026.ics?token=TOKEN",
		Google: "https://calendar.google.com/calendar/render?action=TEMPLATE", Outlook: "https://outlook.live.com/calendar/0/deeplink/compose?rru=addevent",
		QRURL: "https://alumni.example.co.jp/api/events/homecoming-2026/qr?token=TOKEN",
	}
}

// sampleData is the Japanese attendee, for the tests of one language.
var sampleData = sampleIn("ja")

// onlineIn is a confirmed attendee of an online event: a meeting link, no QR code.
func onlineIn(lang string) emailData {
	d := sampleIn(lang)
	d.Title, d.Where = map[string]string{"ja": "オンライン交流会「年末のふりかえり」", "en": "Online get-together: looking back on the year"}[lang],
		map[string]string{"ja": "オンライン（Zoom）", "en": "Online (Zoom)"}[lang]
	d.Online, d.Guests, d.OnlineURL, d.QRURL = true, 0, "https://meet.example.com/j/123", ""
	return d
}

// Golden files hold every email in both languages, text and HTML, so a
// change to any text shows up in review as a diff of what people will
// read; the confirmation and the reminder also for an online event.
func TestEmailsMatchGoldenFiles(t *testing.T) {
	mailtexttest.Golden(t, emailTemplates, mailtexttest.ByLang{"ja": sampleIn("ja"), "en": sampleIn("en")}, *update)
	for _, kind := range []emailKind{emailConfirmed, emailReminder} {
		for _, lang := range []string{"ja", "en"} {
			mailtexttest.Variant(t, emailTemplates, kind, "online", lang, onlineIn(lang), *update)
		}
	}
}

// Only a venue has a reception: the QR code and the words about it are
// in the venue's emails, never in an online event's; the meeting link is a
// button in the online one.
func TestQRCodeOnlyForVenueEvents(t *testing.T) {
	for _, kind := range []emailKind{emailConfirmed, emailReminder} {
		for lang, reception := range map[string]string{"ja": "受付", "en": "At the door"} {
			venue, err := emailTemplates.Render(kind, lang, sampleIn(lang), mailtexttest.Brand)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(venue.HTML, `src="`+strings.ReplaceAll(sampleIn(lang).QRURL, "&", "&amp;")+`"`) || !strings.Contains(venue.Text, reception) {
				t.Errorf("%s/%s at a venue lacks the QR code", kind, lang)
			}
			online, err := emailTemplates.Render(kind, lang, onlineIn(lang), mailtexttest.Brand)
			if err != nil {
				t.Fatal(err)
			}
			// The one image an online event's mail may have is the company's logo.
			if strings.Contains(online.HTML, "/qr") || strings.Count(online.HTML, "<img") > strings.Count(online.HTML, "logo.png") || strings.Contains(online.Text+online.HTML, reception) || strings.Contains(online.Text, "/qr") {
				t.Errorf("%s/%s online shows a QR code or reception:\n%s", kind, lang, online.Text)
			}
			if !strings.Contains(online.HTML, `href="https://meet.example.com/j/123"`) {
				t.Errorf("%s/%s online lacks the meeting button", kind, lang)
			}
		}
	}
}

// An email without an optional part shows no empty line for it, and the
// HTML part escapes what HR wrote.
func TestEmailsOptionalParts(t *testing.T) {
	d := sampleData
	d.Guests, d.OnlineURL, d.Title = 0, "", "<b>BBQ</b> & 花火"
	e, err := emailTemplates.Render(emailConfirmed, "ja", d, mailtexttest.Brand)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(e.Text, "同伴者") || strings.Contains(e.Text, "オンラインで参加") || strings.Contains(e.Text, "\n\n\n") {
		t.Fatalf("optional parts shown:\n%s", e.Text)
	}
	if strings.Contains(e.HTML, "<b>BBQ") || !strings.Contains(e.HTML, "&lt;b&gt;BBQ&lt;/b&gt; &amp; 花火") {
		t.Fatalf("HTML escaping:\n%s", e.HTML)
	}
}

func TestWhenInJapanTime(t *testing.T) {
	start := time.Date(2026, 12, 31, 22, 0, 0, 0, tokyo)
	e := store.Event{Start: start, End: start.Add(3 * time.Hour)}
	if got := when(e, "ja"); got != "2026年12月31日（木） 22:00 〜 2027年1月1日（金） 01:00" {
		t.Errorf("ja across midnight: %q", got)
	}
	e.End = start.Add(time.Hour)
	if got := when(e, "en"); got != "Thursday, December 31, 2026, 22:00–23:00 (JST)" {
		t.Errorf("en: %q", got)
	}
	// A time stored in UTC is still shown in Japan time.
	e.Start, e.End = start.UTC(), start.Add(time.Hour).UTC()
	if got := when(e, "ja"); got != "2026年12月31日（木） 22:00〜23:00" {
		t.Errorf("ja from UTC: %q", got)
	}
}
