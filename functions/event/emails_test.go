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

var sampleData = emailData{
	Name: "山田 花子", Title: "ホームカミングデー2026", When: "2026年10月17日（土） 15:00〜18:00", Where: "本社 8階ラウンジ",
	Guests: 1, Position: 3, Hours: 24, Deadline: "2026年10月3日（土） 12:00", Capacity: 80,
	OnlineURL: "https://meet.example.com/j/123", Link: "https://alumni.example.co.jp/api/events/homecoming-2026/offer?token=TOKEN",
	ManageURL: "https://alumni.example.co.jp/api/events/homecoming-2026/rsvp/invite?token=TOKEN",
	PageURL:   "https://alumni.example.co.jp/events/homecoming-2026/", ICS: "https://alumni.example.co.jp/api/events/homecoming-2026.ics?token=TOKEN",
	Google: "https://calendar.google.com/calendar/render?action=TEMPLATE", Outlook: "https://outlook.live.com/calendar/0/deeplink/compose?rru=addevent",
	QRURL: "https://alumni.example.co.jp/api/events/homecoming-2026/qr?token=TOKEN",
}

// Golden files hold every email in both languages (and the HTML of those
// with a QR code), so a change to any text shows up in review as a diff of
// what people will read.
func TestEmailsMatchGoldenFiles(t *testing.T) {
	for kind, langs := range emailTemplates {
		for _, lang := range []string{"ja", "en"} {
			if _, ok := langs[lang]; !ok {
				t.Errorf("%s has no %s version", kind, lang)
				continue
			}
			subject, body, err := emailTemplates.Render(kind, lang, sampleData)
			if err != nil {
				t.Fatalf("%s/%s: %v", kind, lang, err)
			}
			got := "Subject: " + subject + "\n\n" + body
			if withQR[kind] {
				html, err := renderHTML(lang, subject, body, sampleData.QRURL)
				if err != nil {
					t.Fatal(err)
				}
				got += "\n-- HTML --\n" + html
			}
			mailtexttest.Compare(t, mailtexttest.Path(string(kind), lang), got, *update)
		}
	}
}

// An email without an optional part shows no empty line for it, and the
// HTML part escapes what HR wrote.
func TestEmailsOptionalParts(t *testing.T) {
	d := sampleData
	d.Guests, d.OnlineURL, d.Title = 0, "", "<b>BBQ</b> & 花火"
	_, body, err := emailTemplates.Render(emailConfirmed, "ja", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(body, "同伴者") || strings.Contains(body, "参加用URL") || strings.Contains(body, "\n\n\n") {
		t.Fatalf("optional parts shown:\n%s", body)
	}
	html, err := renderHTML("ja", "件名", body, d.QRURL)
	if err != nil || strings.Contains(html, "<b>BBQ") || !strings.Contains(html, "&lt;b&gt;BBQ&lt;/b&gt; &amp; 花火") {
		t.Fatalf("HTML escaping: %v\n%s", err, html)
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
