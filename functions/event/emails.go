package event

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/mail/mailtext"

	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/store"
)

// emailKind names one email of the events flow.
type emailKind string

const (
	emailConfirmed  emailKind = "rsvp-confirmed"  // the seat is theirs: details, calendar, QR for check-in
	emailWaitlisted emailKind = "rsvp-waitlisted" // in line, with the place
	emailOffer      emailKind = "rsvp-offer"      // a seat is held: confirm before the deadline
	emailReminder   emailKind = "rsvp-reminder"   // about a day before the start
	emailInvitation emailKind = "invitation"      // an RSVP link that needs no login
)

// withQR are the kinds whose HTML part shows the check-in QR code.
var withQR = map[emailKind]bool{emailConfirmed: true, emailReminder: true}

// emailData fills the templates; only what a template shows is set.
type emailData struct {
	Name      string
	Title     string
	When      string
	Where     string
	Guests    int
	Position  int
	Hours     int
	Deadline  string // when an offer expires or RSVPs close
	Capacity  int
	OnlineURL string // confirmed attendees only
	Link      string // the action: confirm the offer, or RSVP
	ManageURL string // see and cancel without logging in
	PageURL   string
	ICS       string
	Google    string
	Outlook   string
	QRURL     string // the check-in QR code as a PNG
}

// emailTemplates: Japanese first, English second, same facts in both.
var emailTemplates = mailtext.Set[emailKind]{
	emailConfirmed: {
		"ja": {"【アルムナイ】参加が確定しました：{{.Title}}", `{{.Name}} 様

「{{.Title}}」へのお申し込みを受け付け、参加が確定しました。

日時: {{.When}}
場所: {{.Where}}
{{- if .Guests}}
同伴者: {{.Guests}}名{{end}}
{{- if .OnlineURL}}
参加用URL: {{.OnlineURL}}
（参加が確定した方だけにお送りしています。ほかの方と共有しないでください）{{end}}

当日は受付で、このメールのQRコードをお見せください。
QRコードが表示されない場合は、こちらを開いてお見せください: {{.QRURL}}

カレンダーに追加:
Google: {{.Google}}
Outlook: {{.Outlook}}
iCalendar (.ics): {{.ICS}}

ご都合が悪くなった場合は、キャンセル待ちの方のためにお早めにお取り消しください（ログイン不要）:
{{.ManageURL}}

イベントの詳細: {{.PageURL}}
`},
		"en": {"[Alumni] You're confirmed: {{.Title}}", `Dear {{.Name}},

We have your RSVP for "{{.Title}}": your seat is confirmed.

When: {{.When}}
Where: {{.Where}}
{{- if .Guests}}
Guests: {{.Guests}}{{end}}
{{- if .OnlineURL}}
Join online: {{.OnlineURL}}
(Sent to confirmed attendees only; please do not share it.){{end}}

At the door, please show the QR code in this email.
If it does not show, open this link and show it instead: {{.QRURL}}

Add to your calendar:
Google: {{.Google}}
Outlook: {{.Outlook}}
iCalendar (.ics): {{.ICS}}

If you cannot come, please cancel early so someone on the waitlist gets your seat (no login needed):
{{.ManageURL}}

Event details: {{.PageURL}}
`},
	},
	emailWaitlisted: {
		"ja": {"【アルムナイ】キャンセル待ちで受け付けました：{{.Title}}", `{{.Name}} 様

「{{.Title}}」は定員に達しているため、キャンセル待ち（{{.Position}}番目）で受け付けました。
お席が空きましたら、お申し込み順にメールでご案内します。ご案内から{{.Hours}}時間以内に確定していただくと参加できます。

日時: {{.When}}
場所: {{.Where}}

キャンセル待ちの状況の確認や取り消し（ログイン不要）:
{{.ManageURL}}
`},
		"en": {"[Alumni] You're on the waitlist: {{.Title}}", `Dear {{.Name}},

"{{.Title}}" is full, so we have put you on the waitlist (number {{.Position}}).
When a seat frees up, we email the people waiting in the order they asked. Confirm within {{.Hours}} hours of that email to take the seat.

When: {{.When}}
Where: {{.Where}}

See your place or leave the waitlist (no login needed):
{{.ManageURL}}
`},
	},
	emailOffer: {
		"ja": {"【アルムナイ】お席をご用意しました：{{.Title}}", `{{.Name}} 様

キャンセルが出たため、キャンセル待ちでお申し込みの「{{.Title}}」のお席をご用意しました。
{{.Deadline}}までに、下のリンクから参加を確定してください。期限を過ぎると、次にお待ちの方にご案内します。

{{.Link}}

日時: {{.When}}
場所: {{.Where}}
`},
		"en": {"[Alumni] A seat is yours if you want it: {{.Title}}", `Dear {{.Name}},

A seat has freed up at "{{.Title}}", where you are on the waitlist.
Confirm it with the link below by {{.Deadline}}. After that, we offer it to the next person waiting.

{{.Link}}

When: {{.When}}
Where: {{.Where}}
`},
	},
	emailReminder: {
		"ja": {"【アルムナイ】まもなく開催です：{{.Title}}", `{{.Name}} 様

ご参加予定の「{{.Title}}」がまもなく開催されます。お会いできるのを楽しみにしています。

日時: {{.When}}
場所: {{.Where}}
{{- if .OnlineURL}}
参加用URL: {{.OnlineURL}}{{end}}

当日は受付で、このメールのQRコードをお見せください。
QRコードが表示されない場合は、こちらを開いてお見せください: {{.QRURL}}

ご都合が悪くなった場合は、キャンセル待ちの方のためにお取り消しください（ログイン不要）:
{{.ManageURL}}
`},
		"en": {"[Alumni] Coming up soon: {{.Title}}", `Dear {{.Name}},

"{{.Title}}" is coming up soon. We look forward to seeing you.

When: {{.When}}
Where: {{.Where}}
{{- if .OnlineURL}}
Join online: {{.OnlineURL}}{{end}}

At the door, please show the QR code in this email.
If it does not show, open this link and show it instead: {{.QRURL}}

If you can no longer come, please cancel so someone on the waitlist gets your seat (no login needed):
{{.ManageURL}}
`},
	},
	emailInvitation: {
		"ja": {"【アルムナイ】イベントのご案内：{{.Title}}", `{{.Name}} 様

「{{.Title}}」を開催します。ぜひご参加ください。

日時: {{.When}}
場所: {{.Where}}
定員: {{.Capacity}}名（定員を超えた場合はキャンセル待ちになります）
申し込み締切: {{.Deadline}}

参加を申し込む（ログイン不要）:
{{.Link}}

イベントの詳細: {{.PageURL}}
`},
		"en": {"[Alumni] You're invited: {{.Title}}", `Dear {{.Name}},

We are holding "{{.Title}}" and would love to see you there.

When: {{.When}}
Where: {{.Where}}
Capacity: {{.Capacity}} (after that, you join the waitlist)
RSVP by: {{.Deadline}}

RSVP (no login needed):
{{.Link}}

Event details: {{.PageURL}}
`},
	},
}

var urlPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`https?://[^\s<>"]+`) })

// htmlTmpl wraps the text in HTML: the same words with clickable links and
// the QR code, for mail programs that show HTML. Styles are inline because
// mail programs drop style sheets.
var htmlTmpl = sync.OnceValue(func() *htmltemplate.Template {
	return htmltemplate.Must(htmltemplate.New("html").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: sans-serif; line-height: 1.6; color: #1a1a1a;">
{{range .Paragraphs}}<p>{{.}}</p>
{{end}}{{if .QRURL}}<p><img src="{{.QRURL}}" width="240" height="240" alt="{{.QRAlt}}"></p>
{{end}}</body></html>
`))
})

// renderHTML is the HTML part of an email whose text is body.
func renderHTML(lang, subject, body, qrURL string) (string, error) {
	var paras []htmltemplate.HTML
	for _, p := range strings.Split(strings.TrimSpace(body), "\n\n") {
		var b strings.Builder
		for i, line := range strings.Split(p, "\n") {
			if i > 0 {
				b.WriteString("<br>\n")
			}
			last := 0
			for _, loc := range urlPattern().FindAllStringIndex(line, -1) {
				b.WriteString(htmltemplate.HTMLEscapeString(line[last:loc[0]]))
				u := htmltemplate.HTMLEscapeString(line[loc[0]:loc[1]])
				b.WriteString(`<a href="` + u + `">` + u + `</a>`)
				last = loc[1]
			}
			b.WriteString(htmltemplate.HTMLEscapeString(line[last:]))
		}
		paras = append(paras, htmltemplate.HTML(b.String())) // every piece escaped above
	}
	alt := "受付用QRコード"
	if lang == "en" {
		alt = "Check-in QR code"
	}
	var out bytes.Buffer
	err := htmlTmpl().Execute(&out, map[string]any{"Lang": lang, "Subject": subject, "Paragraphs": paras, "QRURL": qrURL, "QRAlt": alt})
	return out.String(), err
}

// when formats an event's time in Japan time for lang.
func when(e store.Event, lang string) string {
	start, end := e.Start.In(tokyo), e.End.In(tokyo)
	if lang == "en" {
		s := start.Format("Monday, 2 January 2006, 15:04")
		if sameDay(start, end) {
			return s + "–" + end.Format("15:04") + " (JST)"
		}
		return s + " – " + end.Format("Monday, 2 January 2006, 15:04") + " (JST)"
	}
	s := jaDate(start) + start.Format(" 15:04")
	if sameDay(start, end) {
		return s + "〜" + end.Format("15:04")
	}
	return s + " 〜 " + jaDate(end) + end.Format(" 15:04")
}

// deadline formats an instant (an offer's expiry, RSVPs closing) for lang.
func deadline(t time.Time, lang string) string {
	t = t.In(tokyo)
	if lang == "en" {
		return t.Format("Monday, 2 January 2006, 15:04") + " (JST)"
	}
	return jaDate(t) + t.Format(" 15:04")
}

func sameDay(a, b time.Time) bool { return a.Format("20060102") == b.Format("20060102") }

var jaWeekdays = []string{"日", "月", "火", "水", "木", "金", "土"}

func jaDate(t time.Time) string {
	return fmt.Sprintf("%d年%d月%d日（%s）", t.Year(), t.Month(), t.Day(), jaWeekdays[t.Weekday()])
}

// send renders and sends one email to m; a failure is logged without the
// address and returned.
func (s *Service) send(ctx context.Context, m store.Member, kind emailKind, d emailData) error {
	lang := memberLang(m)
	d.Name = m.Name
	subject, body, err := emailTemplates.Render(kind, lang, d)
	if err != nil {
		return err
	}
	msg := mail.Message{From: s.Config.From, To: mail.Address{Name: m.Name, Email: m.Email}, Subject: subject, Text: body, Category: string(kind)}
	if withQR[kind] {
		if msg.HTML, err = renderHTML(lang, subject, body, d.QRURL); err != nil {
			return err
		}
	}
	if err := s.Mailer.Send(ctx, msg); err != nil {
		s.Log.ErrorContext(ctx, "send mail", "kind", kind, "to_domain", msg.To.Domain(), "err", err)
		return fmt.Errorf("send %s mail: %w", kind, err)
	}
	return nil
}

// facts are the fields every events email shares.
func (s *Service) facts(e store.Event, lang string) emailData {
	return emailData{Title: title(e, lang), When: when(e, lang), Where: location(e, lang), PageURL: s.pageURL(e, lang)}
}

// attendeeFacts add what only a confirmed attendee gets: the meeting link,
// calendar links with it, and the check-in QR code.
func (s *Service) attendeeFacts(e store.Event, m store.Member, r store.RSVP) emailData {
	lang := memberLang(m)
	d := s.facts(e, lang)
	d.Guests, d.OnlineURL = r.Guests, e.OnlineURL
	c := s.calendar(e, lang, m.ID)
	d.ICS, d.Google, d.Outlook = c.ICS, c.Google, c.Outlook
	d.QRURL = s.apiURL(e, "/qr", s.checkInToken(e, m.ID))
	d.ManageURL = s.inviteLink(e, m.ID)
	return d
}

// sendAnswer tells a member where their new RSVP stands.
func (s *Service) sendAnswer(ctx context.Context, e store.Event, m store.Member, r store.RSVP) error {
	switch r.Status {
	case store.RSVPConfirmed:
		return s.send(ctx, m, emailConfirmed, s.attendeeFacts(e, m, r))
	case store.RSVPWaitlisted:
		d := s.facts(e, memberLang(m))
		d.Position, d.Hours, d.ManageURL = r.Position, int(s.Config.OfferTTL.Hours()), s.inviteLink(e, m.ID)
		return s.send(ctx, m, emailWaitlisted, d)
	}
	return nil
}

// sendOffer tells the first in line that a seat is held for them.
func (s *Service) sendOffer(ctx context.Context, e store.Event, m store.Member, o store.RSVP) error {
	lang := memberLang(m)
	d := s.facts(e, lang)
	d.Link, d.Deadline = s.offerLink(e, o), deadline(o.OfferExpiresAt, lang)
	return s.send(ctx, m, emailOffer, d)
}
