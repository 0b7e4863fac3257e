package event

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// Attendee is one RSVP as HR sees it: with the member's name.
type Attendee struct {
	store.RSVP
	Name       string `json:"name"` // "" once the member is erased
	Kana       string `json:"kana,omitempty"`
	Department string `json:"department,omitempty"`
}

// Counts sum up an event's RSVPs for HR (and later engagement figures).
type Counts struct {
	Capacity       int `json:"capacity"`
	Confirmed      int `json:"confirmed"`       // people
	ConfirmedSeats int `json:"confirmed_seats"` // people and their guests
	Offered        int `json:"offered"`
	Waitlisted     int `json:"waitlisted"`
	Cancelled      int `json:"cancelled"`
	Lapsed         int `json:"lapsed"`
	Attended       int `json:"attended"`
	SeatsLeft      int `json:"seats_left"`
}

// Roster is an event's RSVPs for HR, in order of arrival.
type Roster struct {
	Event     store.Event `json:"event"`
	Counts    Counts      `json:"counts"`
	Attendees []Attendee  `json:"attendees"` // confirmed
	Waitlist  []Attendee  `json:"waitlist"`  // offered and waitlisted, first in line first
	Others    []Attendee  `json:"others"`    // cancelled and lapsed
}

// Roster gathers an event's RSVPs with the members' names.
func (s *Service) Roster(ctx context.Context, eventID string) (Roster, error) {
	e, err := s.event(ctx, eventID)
	if err != nil {
		return Roster{}, err
	}
	rsvps, err := s.Store.ListRSVPs(ctx, e.ID)
	if err != nil {
		return Roster{}, httpapi.Internal(err)
	}
	ro := Roster{Event: e, Counts: Counts{Capacity: e.Capacity, SeatsLeft: e.SeatsLeft()}}
	for _, r := range rsvps {
		a := Attendee{RSVP: r}
		if r.ErasedAt.IsZero() {
			if m, err := s.Store.GetMember(ctx, r.MemberID); err == nil {
				a.Name, a.Kana, a.Department = m.Name, m.Kana, m.Department
			}
		}
		if !r.AttendedAt.IsZero() {
			ro.Counts.Attended++
		}
		switch r.Status {
		case store.RSVPConfirmed:
			ro.Counts.Confirmed++
			ro.Counts.ConfirmedSeats += r.Seats()
			ro.Attendees = append(ro.Attendees, a)
		case store.RSVPOffered:
			ro.Counts.Offered++
			ro.Waitlist = append(ro.Waitlist, a)
		case store.RSVPWaitlisted:
			ro.Counts.Waitlisted++
			ro.Waitlist = append(ro.Waitlist, a)
		case store.RSVPCancelled:
			ro.Counts.Cancelled++
			ro.Others = append(ro.Others, a)
		case store.RSVPLapsed:
			ro.Counts.Lapsed++
			ro.Others = append(ro.Others, a)
		}
	}
	return ro, nil
}

// CheckIn records (or clears) that a confirmed member came, by HR's hand or
// by the QR code; the audit log keeps who did it.
func (s *Service) CheckIn(ctx context.Context, eventID, memberID string, attended bool, admin store.Member) (store.RSVP, error) {
	e, err := s.event(ctx, eventID)
	if err != nil {
		return store.RSVP{}, err
	}
	actor := "hr:" + admin.ID
	r, err := s.Store.SetAttendance(ctx, e.ID, memberID, attended, actor, s.Now())
	switch {
	case errors.Is(err, store.ErrPrecondition):
		return store.RSVP{}, httpapi.Errorf(httpapi.ECONFLICT, "not_confirmed")
	case err != nil:
		return store.RSVP{}, storeError(err)
	}
	action := "rsvp.checkin"
	if !attended {
		action = "rsvp.checkin_undo"
	}
	s.audit(ctx, actor, action, memberID, "attended")
	return r, nil
}

var hrText = map[string]map[string]string{
	"ja": {
		"site": "アルムナイネットワーク", "skip": "本文へ移動", "events": "イベント（事務局）",
		"events_intro": "サイトに公開中のイベントと、それぞれの申し込み状況です。", "event": "イベント", "date": "日時", "capacity": "定員",
		"taken": "確保済みの席", "waiting": "キャンセル待ち", "open": "参加者を見る", "none_events": "イベントはまだありません。イベントのページを公開したのにここに出ない場合は、サイトの管理者にサイトの更新を依頼してください（管理者向け：okaeri sync）。",
		"counts": "集計", "confirmed": "参加確定", "seats": "席（同伴者を含む）", "offered": "案内中", "waitlisted": "キャンセル待ち",
		"cancelled": "取り消し", "lapsed": "期限切れ", "attended": "出席", "seats_left": "残席",
		"attendees": "参加者", "waitlist": "キャンセル待ち（順番）", "others": "取り消し・期限切れ",
		"name": "氏名", "department": "在籍時の部署", "guests": "同伴者", "at": "申込日時", "check": "受付",
		"checkin": "出席にする", "undo": "取り消す", "erased": "（削除済み）", "position": "順番", "status": "状態",
		"offer_until": "%sまで案内中", "csv": "CSVでダウンロード（Excelで開けます）", "none": "いません。",
		"checkin_title": "受付", "checkin_done": "出席を記録しました。", "checkin_already": "すでに出席済みです（%s）。",
		"not_confirmed": "この方の参加は確定していません。", "back": "参加者一覧へ", "back_events": "イベント一覧へ",
		"ended": "終了", "now_on": "開催中",
	},
	"en": {
		"site": "Alumni network", "skip": "Skip to content", "events": "Events (HR)",
		"events_intro": "The events on the site, and their RSVPs.", "event": "Event", "date": "When", "capacity": "Capacity",
		"taken": "Seats taken", "waiting": "Waitlist", "open": "See attendees", "none_events": "No events yet. If you have published an event page and it does not show here, ask the site's administrator to update the site (for them: okaeri sync).",
		"counts": "Counts", "confirmed": "Confirmed", "seats": "Seats (with guests)", "offered": "Offered", "waitlisted": "Waitlisted",
		"cancelled": "Cancelled", "lapsed": "Lapsed", "attended": "Attended", "seats_left": "Seats left",
		"attendees": "Attendees", "waitlist": "Waitlist (in order)", "others": "Cancelled and lapsed",
		"name": "Name", "department": "Department", "guests": "Guests", "at": "RSVPed", "check": "Check-in",
		"checkin": "Check in", "undo": "Undo", "erased": "(erased)", "position": "Place", "status": "Status",
		"offer_until": "offered until %s", "csv": "Download CSV (opens in Excel)", "none": "Nobody.",
		"checkin_title": "Check-in", "checkin_done": "Attendance recorded.", "checkin_already": "Already checked in (%s).",
		"not_confirmed": "This RSVP is not confirmed.", "back": "Back to the attendee list", "back_events": "All events",
		"ended": "Ended", "now_on": "Happening now",
	},
}

// hrHead starts every HR page's content, inside the site's frame.
const hrHead = `<div class="wrap hr">` + httpapi.HRNav

// phaseBadge draws a *phase (nil for an event to come) in the site's
// badges: 終了 as on the event's own page and like the job list's 募集終了
// (badge-muted), 開催中 in the plain badge.
const phaseBadge = `{{define "phase"}}{{with .}} <span class="badge{{if .Ended}} badge-muted{{end}}">{{.Label}}</span>{{end}}{{end}}`

// phase is an event under way or over, as its badge says it.
type phase struct {
	Ended bool
	Label string
}

// eventPhase is e's phase at now, named by T's ended and now_on; nil
// before it starts.
func eventPhase(e store.Event, now time.Time, T map[string]string) *phase {
	switch {
	case !now.Before(e.End):
		return &phase{Ended: true, Label: T["ended"]}
	case !now.Before(e.Start):
		return &phase{Label: T["now_on"]}
	}
	return nil
}

var hrEventsTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("hr-events").Parse(phaseBadge + hrHead + `
<h1>{{.T.events}}</h1>
<p>{{.T.events_intro}}</p>
{{if not .Events}}<p>{{.T.none_events}}</p>{{else}}
<table class="stacked names"><caption>{{.T.events}} ({{len .Events}})</caption>
<thead><tr><th scope="col">{{.T.event}}</th><th scope="col">{{.T.date}}</th><th scope="col">{{.T.capacity}}</th><th scope="col">{{.T.taken}}</th><th scope="col">{{.T.waiting}}</th></tr></thead>
<tbody>{{range .Events}}<tr><td data-label="{{$.T.event}}"><a href="/hr/events/{{.ID}}">{{.Title}}</a></td><td data-label="{{$.T.date}}"><span>{{.When}}{{template "phase" .Phase}}</span></td><td data-label="{{$.T.capacity}}">{{.Capacity}}</td><td data-label="{{$.T.taken}}">{{.Taken}}</td><td data-label="{{$.T.waiting}}">{{.Waiting}}</td></tr>
{{end}}</tbody></table>{{end}}
</div>`))
})

var hrEventTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("hr-event").Parse(phaseBadge + hrHead + `
<p class="back"><a href="/hr/events">{{.T.back_events}}</a></p>
<h1>{{.Title}}</h1>
<p>{{.When}}{{template "phase" .Phase}}</p>
{{if .Notice}}<p class="notice" role="status">{{.Notice}}</p>{{end}}
<h2>{{.T.counts}}</h2>
<dl class="facts counts">
<div><dt>{{.T.capacity}}</dt><dd id="count-capacity">{{.R.Counts.Capacity}}</dd></div>
<div><dt>{{.T.confirmed}}</dt><dd id="count-confirmed">{{.R.Counts.Confirmed}}</dd></div>
<div><dt>{{.T.seats}}</dt><dd id="count-seats">{{.R.Counts.ConfirmedSeats}}</dd></div>
<div><dt>{{.T.offered}}</dt><dd id="count-offered">{{.R.Counts.Offered}}</dd></div>
<div><dt>{{.T.waitlisted}}</dt><dd id="count-waitlisted">{{.R.Counts.Waitlisted}}</dd></div>
<div><dt>{{.T.cancelled}}</dt><dd id="count-cancelled">{{.R.Counts.Cancelled}}</dd></div>
<div><dt>{{.T.attended}}</dt><dd id="count-attended">{{.R.Counts.Attended}}</dd></div>
{{if not (and .Phase .Phase.Ended)}}<div><dt>{{.T.seats_left}}</dt><dd id="count-seats-left">{{.R.Counts.SeatsLeft}}</dd></div>{{end}}
</dl>
{{if or .R.Attendees .R.Waitlist .R.Others}}<p><a class="button button-secondary" href="/hr/events/{{.R.Event.ID}}/rsvps.csv" download>{{.T.csv}}</a></p>{{end}}
<h2>{{.T.attendees}} ({{len .R.Attendees}})</h2>
{{if not .R.Attendees}}<p>{{.T.none}}</p>{{else}}
<table class="stacked names"><thead><tr><th scope="col">{{.T.name}}</th><th scope="col">{{.T.department}}</th><th scope="col">{{.T.guests}}</th><th scope="col">{{.T.at}}</th><th scope="col">{{.T.check}}</th></tr></thead>
<tbody>{{range .R.Attendees}}<tr id="m-{{.MemberID}}"><td data-label="{{$.T.name}}"><span>{{if .Name}}{{.Name}}{{if .Kana}} <small>（{{.Kana}}）</small>{{end}}{{else}}{{$.T.erased}}{{end}}</span></td><td data-label="{{$.T.department}}">{{.Department}}</td><td data-label="{{$.T.guests}}">{{.Guests}}</td><td data-label="{{$.T.at}}">{{call $.Time .CreatedAt}}</td>
<td data-label="{{$.T.check}}"><div>{{if .AttendedAt.IsZero}}<form method="post" action="/api/hr/events/{{$.R.Event.ID}}/checkin"><input type="hidden" name="member_id" value="{{.MemberID}}"><input type="hidden" name="attended" value="true"><button type="submit" class="button">{{$.T.checkin}}</button></form>
{{else}}<span>✓ {{call $.Time .AttendedAt}}</span> <form method="post" action="/api/hr/events/{{$.R.Event.ID}}/checkin"><input type="hidden" name="member_id" value="{{.MemberID}}"><input type="hidden" name="attended" value="false"><button type="submit" class="button button-secondary">{{$.T.undo}}</button></form>{{end}}</div></td></tr>
{{end}}</tbody></table>{{end}}
<h2>{{.T.waitlist}} ({{len .R.Waitlist}})</h2>
{{if not .R.Waitlist}}<p>{{.T.none}}</p>{{else}}
<table class="stacked names"><thead><tr><th scope="col">{{.T.position}}</th><th scope="col">{{.T.name}}</th><th scope="col">{{.T.guests}}</th><th scope="col">{{.T.status}}</th><th scope="col">{{.T.at}}</th></tr></thead>
<tbody>{{range .R.Waitlist}}<tr><td data-label="{{$.T.position}}">{{if .Position}}{{.Position}}{{end}}</td><td data-label="{{$.T.name}}">{{if .Name}}{{.Name}}{{else}}{{$.T.erased}}{{end}}</td><td data-label="{{$.T.guests}}">{{.Guests}}</td><td data-label="{{$.T.status}}">{{if eq .Status "offered"}}{{call $.Offered .OfferExpiresAt}}{{else}}{{$.T.waitlisted}}{{end}}</td><td data-label="{{$.T.at}}">{{call $.Time .CreatedAt}}</td></tr>
{{end}}</tbody></table>{{end}}
<h2>{{.T.others}} ({{len .R.Others}})</h2>
{{if not .R.Others}}<p>{{.T.none}}</p>{{else}}<ul>{{range .R.Others}}<li>{{if .Name}}{{.Name}}{{else}}{{$.T.erased}}{{end}}: {{if eq .Status "lapsed"}}{{$.T.lapsed}}{{else}}{{$.T.cancelled}}{{end}}</li>{{end}}</ul>{{end}}
</div>`))
})

var hrCheckInTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("hr-checkin").Parse(phaseBadge + hrHead + `
<h1>{{.T.checkin_title}}</h1>
<p><strong>{{.Title}}</strong> — {{.When}}{{template "phase" .Phase}}</p>
<p class="checkin-name">{{.A.Name}}{{if .A.Kana}} <small>（{{.A.Kana}}）</small>{{end}}{{if .A.Guests}} ＋{{.A.Guests}}{{end}}</p>
{{if .Notice}}<p class="notice" role="status">{{.Notice}}</p>{{end}}
{{if .CanCheckIn}}<form method="post" action="/api/hr/events/{{.ID}}/checkin">
<input type="hidden" name="token" value="{{.Token}}"><input type="hidden" name="attended" value="true">
<p><button type="submit" class="button">{{.T.checkin}}</button></p></form>{{end}}
<p class="back"><a href="/hr/events/{{.ID}}">{{.T.back}}</a></p>
</div>`))
})

func hrLang(m store.Member) string { return memberLang(m) }

func (h Handler) hrEvents(w http.ResponseWriter, r *http.Request, admin store.Member) {
	events, err := h.S.Store.ListEvents(r.Context())
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), "")
		return
	}
	lang := hrLang(admin)
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"events": events})
		return
	}
	type row struct {
		ID, Title, When          string
		Phase                    *phase
		Capacity, Taken, Waiting int
	}
	var rows []row
	now := h.S.Now()
	for _, e := range events {
		rows = append(rows, row{e.ID, title(e, lang), when(e, lang), eventPhase(e, now, hrText[lang]), e.Capacity, e.Taken, e.Waiting})
	}
	writeHTML(w, r, hrEventsTmpl(), httpapi.SectionMembers, hrText[lang]["events"], map[string]any{"Lang": lang, "T": hrText[lang], "Title": hrText[lang]["events"],
		"Menu": httpapi.NewHRMenu(lang, "/hr/events"), "Events": rows})
}

func (h Handler) hrEvent(w http.ResponseWriter, r *http.Request, admin store.Member) {
	ro, err := h.S.Roster(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err, "/hr/events")
		return
	}
	if strings.Contains(r.Header.Get("Accept"), "application/json") {
		httpapi.WriteJSON(w, http.StatusOK, ro)
		return
	}
	lang := hrLang(admin)
	T := hrText[lang]
	notice := ""
	if r.URL.Query().Get("checked") != "" {
		notice = T["checkin_done"]
	}
	writeHTML(w, r, hrEventTmpl(), httpapi.SectionMembers, title(ro.Event, lang), map[string]any{
		"Lang": lang, "T": T, "Title": title(ro.Event, lang), "When": when(ro.Event, lang), "Menu": httpapi.NewHRMenu(lang, ""),
		"R": ro, "Notice": notice, "Phase": eventPhase(ro.Event, h.S.Now(), T),
		"Time": func(t time.Time) template.HTML { return timeElement(lang, t) },
		"Offered": func(t time.Time) template.HTML {
			return template.HTML(fmt.Sprintf(T["offer_until"], timeElement(lang, t))) // #nosec G203 -- T is ours, timeElement escapes
		},
	})
}

// timeElement writes t for HR as the site writes a day and time
// (brand.DateTime: 2026年10月17日 15:00, Oct 17, 2026, 15:00), in a
// <time> whose datetime keeps the instant for machines.
func timeElement(lang string, t time.Time) template.HTML {
	return template.HTML(`<time datetime="` + template.HTMLEscapeString(t.In(tokyo).Format(time.RFC3339)) + `">` + // #nosec G203 -- both parts escaped
		template.HTMLEscapeString(brand.DateTime(lang, t)) + `</time>`)
}

// rsvpColumns are the columns of an event's rsvps.csv.
var rsvpColumns = []httpapi.CSVColumn{
	{"状態", "Status"}, {"順番", "Place"}, {"氏名", "Name"}, {"フリガナ", "Kana"}, {"在籍時の部署", "Department"}, {"同伴者", "Guests"},
	{"席数", "Seats"}, {"申込日時", "RSVPed"}, {"確定日時", "Confirmed"}, {"出席日時", "Attended"}, {"会員ID", "Member ID"},
}

// hrCSV exports an event's RSVPs for Excel (httpapi.WriteCSV) in the
// language of HR's pages: the header row and each RSVP's status, in the
// words of the attendee list.
func (h Handler) hrCSV(w http.ResponseWriter, r *http.Request, admin store.Member) {
	ro, err := h.S.Roster(r.Context(), r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err, "/hr/events")
		return
	}
	lang := hrLang(admin)
	T := hrText[lang]
	status := func(st store.RSVPStatus) string { // hrText names each status by its value
		if label := T[string(st)]; label != "" {
			return label
		}
		return string(st)
	}
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(tokyo).Format("2006-01-02 15:04:05")
	}
	var rows [][]string
	for _, group := range [][]Attendee{ro.Attendees, ro.Waitlist, ro.Others} {
		for _, a := range group {
			place := ""
			if a.Position > 0 {
				place = fmt.Sprint(a.Position)
			}
			rows = append(rows, []string{status(a.Status), place, a.Name, a.Kana, a.Department,
				fmt.Sprint(a.Guests), fmt.Sprint(a.Seats()), stamp(a.CreatedAt), stamp(a.ConfirmedAt), stamp(a.AttendedAt), a.MemberID})
		}
	}
	httpapi.WriteCSV(w, "rsvps-"+ro.Event.ID+".csv", lang, rsvpColumns, rows)
}

// hrCheckInPage is what HR's phone shows after scanning a confirmation's QR
// code: who it is and one button. Opening it changes nothing.
func (h Handler) hrCheckInPage(w http.ResponseWriter, r *http.Request, admin store.Member) {
	ctx, id, token := r.Context(), r.PathValue("id"), r.URL.Query().Get("token")
	lang := hrLang(admin)
	T := hrText[lang]
	c, err := h.S.verify(token, purposeCheckIn, id, h.S.Now())
	if err != nil {
		httpapi.WriteFormError(w, r, err, "/hr/events/"+url.PathEscape(id))
		return
	}
	e, err := h.S.event(ctx, id)
	if err != nil {
		httpapi.WriteFormError(w, r, err, "/hr/events")
		return
	}
	rsvp, err := h.S.Store.GetRSVP(ctx, e.ID, c.Member)
	if err != nil {
		httpapi.WriteFormError(w, r, storeError(err), "/hr/events/"+e.ID)
		return
	}
	a := Attendee{RSVP: rsvp}
	if m, err := h.S.Store.GetMember(ctx, c.Member); err == nil {
		a.Name, a.Kana = m.Name, m.Kana
	}
	data := map[string]any{"Lang": lang, "T": T, "Title": title(e, lang), "When": when(e, lang), "Menu": httpapi.NewHRMenu(lang, ""),
		"ID": e.ID, "Token": token, "A": a, "Phase": eventPhase(e, h.S.Now(), T)}
	switch {
	case rsvp.Status != store.RSVPConfirmed:
		data["Notice"] = T["not_confirmed"]
	case !rsvp.AttendedAt.IsZero():
		data["Notice"] = fmt.Sprintf(T["checkin_already"], brand.DateTime(lang, rsvp.AttendedAt))
	case r.URL.Query().Get("done") != "":
		data["Notice"] = T["checkin_done"]
	default:
		data["CanCheckIn"] = true
	}
	writeHTML(w, r, hrCheckInTmpl(), httpapi.SectionMembers, T["checkin_title"], data)
}

// checkInInput is the body of POST /api/hr/events/{id}/checkin: a member
// (HR's list) or a QR token (the scanned code), and whether they came.
type checkInInput struct {
	MemberID string `json:"member_id"`
	Token    string `json:"token"`
	Attended *bool  `json:"attended"` // default true
}

func (h Handler) hrCheckIn(w http.ResponseWriter, r *http.Request, admin store.Member) {
	id := r.PathValue("id")
	back := "/hr/events/" + url.PathEscape(id)
	var in checkInInput
	if err := httpapi.Decode(w, r, &in); err != nil {
		h.fail(w, r, err, back)
		return
	}
	memberID := in.MemberID
	if in.Token != "" {
		c, err := h.S.verify(in.Token, purposeCheckIn, id, h.S.Now())
		if err != nil {
			h.fail(w, r, err, back)
			return
		}
		memberID = c.Member
	}
	if memberID == "" {
		h.fail(w, r, httpapi.Invalid(httpapi.FieldError{Field: "member_id", Code: "required"}), back)
		return
	}
	attended := in.Attended == nil || *in.Attended
	rsvp, err := h.S.CheckIn(r.Context(), id, memberID, attended, admin)
	if err != nil {
		h.fail(w, r, err, back)
		return
	}
	if httpapi.IsForm(r) {
		next := back + "?checked=1#m-" + url.PathEscape(memberID)
		if in.Token != "" {
			next = back + "/checkin?token=" + url.QueryEscape(in.Token) + "&done=1"
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"member_id": rsvp.MemberID, "attended": !rsvp.AttendedAt.IsZero(),
		"attended_at": rsvp.AttendedAt, "checked_in_by": rsvp.CheckedInBy})
}
