package event

import (
	"context"
	"fmt"
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
	emailCancelled  emailKind = "rsvp-cancelled"  // the member cancelled: what was cancelled, and how to RSVP again
)

// withQR are the kinds whose HTML part shows the check-in QR code.
var withQR = map[emailKind]bool{emailConfirmed: true, emailReminder: true}

// emailData fills the templates; only what a template shows is set.
type emailData struct {
	Name      string
	Title     string
	When      string
	Where     string
	Online    bool // an online event: no check-in QR code, no reception
	Guests    int
	Position  int
	OfferTTL  time.Duration // how long a freed seat is held
	Deadline  string        // when an offer expires or RSVPs close
	Capacity  int
	OnlineURL string // confirmed attendees only
	Link      string // the action: confirm the offer, or RSVP
	ManageURL string // see and cancel without logging in
	PageURL   string
	ICS       string
	Google    string
	Outlook   string
	QRURL     string // the check-in QR code as a PNG (venue events)
}

// emailTemplates: Japanese first, English second, same facts in both.
// Links are buttons; the check-in QR code only for an event with a venue.
var emailTemplates = mailtext.Set[emailKind]{
	emailConfirmed: {
		"ja": {"参加が確定しました：{{.Title}}", `{{.Name}} 様

「{{.Title}}」へのお申し込みを受け付け、参加が確定しました。

{{fact "日時" .When}}
{{fact "場所" .Where}}
{{if .Guests}}{{fact "同伴者" (printf "%d名" .Guests)}}{{end}}
{{if .OnlineURL}}
{{button "オンラインで参加する" .OnlineURL}}
{{note "参加用のリンクは、参加が確定した方だけにお送りしています。ほかの方と共有しないでください。"}}
{{end}}
{{if not .Online}}
当日は受付で、下のQRコードをお見せください。
{{qr .QRURL}}
{{end}}
カレンダーに追加
{{secondary "Googleカレンダー" .Google}}
{{secondary "Outlook" .Outlook}}
{{secondary "iPhone・その他（.ics）" .ICS}}

ご都合が悪くなった場合は、キャンセル待ちの方のためにお早めにお取り消しください（ログイン不要）。
{{secondary "申し込みの確認・取り消し" .ManageURL}}
{{secondary "イベントの詳細" .PageURL}}
`},
		"en": {"You're confirmed: {{.Title}}", `Dear {{.Name}},

We have your RSVP for "{{.Title}}": your seat is confirmed.

{{fact "When" .When}}
{{fact "Where" .Where}}
{{if .Guests}}{{fact "Guests" (printf "%d" .Guests)}}{{end}}
{{if .OnlineURL}}
{{button "Join online" .OnlineURL}}
{{note "The link is sent to confirmed attendees only; please do not share it."}}
{{end}}
{{if not .Online}}
At the door, please show the QR code below.
{{qr .QRURL}}
{{end}}
Add it to your calendar
{{secondary "Google Calendar" .Google}}
{{secondary "Outlook" .Outlook}}
{{secondary "Apple and others (.ics)" .ICS}}

If you cannot come, please cancel early so someone on the waitlist gets your seat (no login needed).
{{secondary "See or cancel your RSVP" .ManageURL}}
{{secondary "Event details" .PageURL}}
`},
	},
	emailWaitlisted: {
		"ja": {"キャンセル待ちで受け付けました：{{.Title}}", `{{.Name}} 様

「{{.Title}}」は定員に達しているため、キャンセル待ちで受け付けました。
お席が空きましたら、お申し込み順にメールでご案内します。ご案内から{{duration .OfferTTL}}以内に確定していただくと参加できます。

{{fact "順番" (printf "%d番目" .Position)}}
{{fact "日時" .When}}
{{fact "場所" .Where}}

{{secondary "状況の確認・取り消し（ログイン不要）" .ManageURL}}
`},
		"en": {"You're on the waitlist: {{.Title}}", `Dear {{.Name}},

"{{.Title}}" is full, so we have put you on the waitlist.
When a seat frees up, we email the people waiting in the order they asked. Confirm within {{duration .OfferTTL}} of that email to take the seat.

{{fact "Your place" (printf "%d" .Position)}}
{{fact "When" .When}}
{{fact "Where" .Where}}

{{secondary "See your place or leave the waitlist (no login needed)" .ManageURL}}
`},
	},
	emailOffer: {
		"ja": {"お席をご用意しました：{{.Title}}", `{{.Name}} 様

キャンセルが出たため、キャンセル待ちでお申し込みの「{{.Title}}」のお席をご用意しました。
期限までに、下のボタンから参加を確定してください。期限を過ぎると、次にお待ちの方にご案内します。

{{fact "確定の期限" .Deadline}}
{{fact "日時" .When}}
{{fact "場所" .Where}}

{{button "参加を確定する" .Link}}
`},
		"en": {"A seat is yours if you want it: {{.Title}}", `Dear {{.Name}},

A seat has freed up at "{{.Title}}", where you are on the waitlist.
Confirm it with the button below by the deadline. After that, we offer it to the next person waiting.

{{fact "Confirm by" .Deadline}}
{{fact "When" .When}}
{{fact "Where" .Where}}

{{button "Confirm my seat" .Link}}
`},
	},
	emailReminder: {
		"ja": {"まもなく開催です：{{.Title}}", `{{.Name}} 様

ご参加予定の「{{.Title}}」がまもなく開催されます。お会いできるのを楽しみにしています。

{{fact "日時" .When}}
{{fact "場所" .Where}}
{{if .OnlineURL}}
{{button "オンラインで参加する" .OnlineURL}}
{{end}}
{{if not .Online}}
当日は受付で、下のQRコードをお見せください。
{{qr .QRURL}}
{{end}}
ご都合が悪くなった場合は、キャンセル待ちの方のためにお取り消しください（ログイン不要）。
{{secondary "申し込みの確認・取り消し" .ManageURL}}
`},
		"en": {"Coming up soon: {{.Title}}", `Dear {{.Name}},

"{{.Title}}" is coming up soon. We look forward to seeing you.

{{fact "When" .When}}
{{fact "Where" .Where}}
{{if .OnlineURL}}
{{button "Join online" .OnlineURL}}
{{end}}
{{if not .Online}}
At the door, please show the QR code below.
{{qr .QRURL}}
{{end}}
If you can no longer come, please cancel so someone on the waitlist gets your seat (no login needed).
{{secondary "See or cancel your RSVP" .ManageURL}}
`},
	},
	emailCancelled: {
		"ja": {"お申し込みを取り消しました：{{.Title}}", `{{.Name}} 様

「{{.Title}}」へのお申し込みを取り消しました。{{if .Position}}キャンセル待ちの順番も取り消されています。{{end}}
ご連絡ありがとうございました。お席はキャンセル待ちの方にご案内します。

{{fact "日時" .When}}
{{fact "場所" .Where}}

お心当たりがない場合や、やはり参加したい場合は、申し込みの締切までイベントページからもう一度お申し込みいただけます。
{{secondary "イベントの詳細" .PageURL}}
`},
		"en": {"Your RSVP is cancelled: {{.Title}}", `Dear {{.Name}},

We have cancelled your RSVP for "{{.Title}}".{{if .Position}} Your place on the waitlist is cancelled too.{{end}}
Thank you for letting us know: we offer the seat to the people waiting.

{{fact "When" .When}}
{{fact "Where" .Where}}

If you did not ask for this, or would like to come after all, you can RSVP again from the event page until RSVPs close.
{{secondary "Event details" .PageURL}}
`},
	},
	emailInvitation: {
		"ja": {"イベントのご案内：{{.Title}}", `{{.Name}} 様

{{company}}のアルムナイのみなさんと「{{.Title}}」を開催します。ぜひご参加ください。

{{fact "日時" .When}}
{{fact "場所" .Where}}
{{fact "定員" (printf "%d名（定員を超えた場合はキャンセル待ち）" .Capacity)}}
{{fact "申し込み締切" .Deadline}}

{{button "参加を申し込む（ログイン不要）" .Link}}
{{secondary "イベントの詳細" .PageURL}}
`},
		"en": {"You're invited: {{.Title}}", `Dear {{.Name}},

{{company}} is holding "{{.Title}}" for its alumni, and we would love to see you there.

{{fact "When" .When}}
{{fact "Where" .Where}}
{{fact "Capacity" (printf "%d (after that, you join the waitlist)" .Capacity)}}
{{fact "RSVP by" .Deadline}}

{{button "RSVP (no login needed)" .Link}}
{{secondary "Event details" .PageURL}}
`},
	},
}

// when formats an event's time in Japan time for lang.
func when(e store.Event, lang string) string {
	start, end := e.Start.In(tokyo), e.End.In(tokyo)
	if lang == "en" {
		s := start.Format("Monday, January 2, 2006, 15:04")
		if sameDay(start, end) {
			return s + "–" + end.Format("15:04") + " (JST)"
		}
		return s + " – " + end.Format("Monday, January 2, 2006, 15:04") + " (JST)"
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
		return t.Format("Monday, January 2, 2006, 15:04") + " (JST)"
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
	b := mailtext.BrandOf(ctx, s.Company, s.Config.BaseURL)
	e, err := emailTemplates.Render(kind, lang, d, b)
	if err != nil {
		return err
	}
	msg := e.Message(s.Config.From, mail.Address{Name: m.Name, Email: m.Email}, b, string(kind))
	if err := s.Mailer.Send(ctx, msg); err != nil {
		s.Log.ErrorContext(ctx, "send mail", "kind", kind, "to_domain", msg.To.Domain(), "err", err)
		return fmt.Errorf("send %s mail: %w", kind, err)
	}
	return nil
}

// facts are the fields every events email shares.
func (s *Service) facts(e store.Event, lang string) emailData {
	return emailData{Title: title(e, lang), When: when(e, lang), Where: location(e, lang), Online: e.Online, PageURL: s.pageURL(e, lang)}
}

// attendeeFacts add what only a confirmed attendee gets: the meeting link,
// calendar links with it, and the check-in QR code.
func (s *Service) attendeeFacts(e store.Event, m store.Member, r store.RSVP) emailData {
	lang := memberLang(m)
	d := s.facts(e, lang)
	d.Guests, d.OnlineURL = r.Guests, e.OnlineURL
	c := s.calendar(e, lang, m.ID)
	d.ICS, d.Google, d.Outlook = c.ICS, c.Google, c.Outlook
	if !e.Online {
		d.QRURL = s.apiURL(e, "/qr", s.checkInToken(e, m.ID))
	}
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
		d.Position, d.OfferTTL, d.ManageURL = r.Position, s.Config.OfferTTL, s.inviteLink(e, m.ID)
		return s.send(ctx, m, emailWaitlisted, d)
	}
	return nil
}

// sendCancelled confirms a cancellation to the member who made it; was
// is the RSVP before it (a place in line is named as such).
func (s *Service) sendCancelled(ctx context.Context, e store.Event, m store.Member, was store.RSVP) error {
	d := s.facts(e, memberLang(m))
	if was.Status == store.RSVPWaitlisted {
		d.Position = max(was.Position, 1)
	}
	return s.send(ctx, m, emailCancelled, d)
}

// sendOffer tells the first in line that a seat is held for them.
func (s *Service) sendOffer(ctx context.Context, e store.Event, m store.Member, o store.RSVP) error {
	lang := memberLang(m)
	d := s.facts(e, lang)
	d.Link, d.Deadline = s.offerLink(e, o), deadline(o.OfferExpiresAt, lang)
	return s.send(ctx, m, emailOffer, d)
}

// closingTime is when RSVPs closed, in an error message in the reader's language.
type closingTime time.Time

func (t closingTime) In(lang string) string { return deadline(time.Time(t), lang) }
