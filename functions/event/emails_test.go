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

// sampleData is a confirmed attendee of an event at a venue.
var sampleData = emailData{
	Name: "山田 花子", Title: "ホームカミングデー2026", When: "2026年10月17日（土） 15:00〜18:00", Where: "本社 8階ラウンジ",
	Guests: 1, Position: 3, OfferTTL: 24 * time.Hour, Deadline: "2026年10月3日（土） 12:00", Capacity: 80,
	Link:      "https://alumni.example.co.jp/api/events/homecoming-2026/offer?token=TOKEN",
	ManageURL: "https://alumni.example.co.jp/api/events/homecoming-2026/rsvp/invite?token=TOKEN",
	PageURL:   "https://alumni.example.co.jp/events/homecoming-2026/", ICS: "https://alumni.example.co.jp/api/events/homecoming-2026.ics?token=TOKEN",
	Google: "https://calendar.google.com/calendar/render?action=TEMPLATE", Outlook: "https://outlook.live.com/calendar/0/deeplink/compose?rru=addevent",
	QRURL: "https://alumni.example.co.jp/api/events/homecoming-2026/qr?token=TOKEN",
}

// onlineData is a confirmed attendee of an online event: a meeting link, no QR code.
var onlineData = func() emailData {
	d := sampleData
	d.Title, d.Where, d.Online, d.Guests = "オンライン交流会「年末のふりかえり」", "オンライン（Zoom）", true, 0
	d.OnlineURL, d.QRURL = "https://meet.example.com/j/123", ""
	return d
}()

// Golden files hold every email in both languages, text and HTML, so a
// change to any text shows up in review as a diff of what people will
// read; the confirmation and the reminder also for an online event.
func TestEmailsMatchGoldenFiles(t *testing.T) {
	mailtexttest.Golden(t, emailTemplates, sampleData, *update)
	for _, kind := range []emailKind{emailConfirmed, emailReminder} {
		for _, lang := range []string{"ja", "en"} {
			mailtexttest.Variant(t, emailTemplates, kind, "online", lang, onlineData, *update)
		}
	}
}

// Only a venue has a reception: the QR code and the words about it are
// in the venue's emails, never in an online event's; the meeting link is a
// button in the online one.
func TestQRCodeOnlyForVenueEvents(t *testing.T) {
	for _, kind := range []emailKind{emailConfirmed, emailReminder} {
		for lang, reception := range map[string]string{"ja": "受付", "en": "At the door"} {
			venue, err := emailTemplates.Render(kind, lang, sampleData, mailtexttest.Brand)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(venue.HTML, `src="`+strings.ReplaceAll(sampleData.QRURL, "&", "&amp;")+`"`) || !strings.Contains(venue.Text, reception) {
				t.Errorf("%s/%s at a venue lacks the QR code", kind, lang)
			}
			online, err := emailTemplates.Render(kind, lang, onlineData, mailtexttest.Brand)
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
	if got := when(e, "en"); got != "Thursday, 31 December 2026, 22:00–23:00 (JST)" {
		t.Errorf("en: %q", got)
	}
	// A time stored in UTC is still shown in Japan time.
	e.Start, e.End = start.UTC(), start.Add(time.Hour).UTC()
	if got := when(e, "ja"); got != "2026年12月31日（木） 22:00〜23:00" {
		t.Errorf("ja from UTC: %q", got)
	}
}
