package event

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// A member's own events: the members' home lists the upcoming ones
// (MemberHome, a part of GET /api/me/home) and /members/events/ shows
// them all, upcoming, attended and past, each with its date and where the
// member's RSVP stands. Both read the member's RSVPs only.

// MyEvent is one of a member's events as that member sees it.
type MyEvent struct {
	ID    string    `json:"id"`
	Title string    `json:"title"`
	Start time.Time `json:"start"` // in Japan time
	When  string    `json:"when"`  // the date and time in Japan, for lang
	Page  string    `json:"page"`  // the event's page in lang
	// Status is the RSVP's: confirmed, waitlisted, offered, cancelled,
	// lapsed; StatusLabel says it in lang, with the place in line or the
	// offer's expiry.
	Status         string     `json:"status"`
	StatusLabel    string     `json:"status_label"`
	Position       int        `json:"position,omitempty"`
	OfferExpiresAt *time.Time `json:"offer_expires_at,omitempty"`
	Guests         int        `json:"guests,omitempty"`
	Attended       bool       `json:"attended,omitempty"`
	// OnlineURL is the meeting link, as the event page gives it: to a
	// confirmed attendee of an event that has not ended.
	OnlineURL string `json:"online_url,omitempty"`
	// CancelURL asks to cancel (a confirmation page) while that is possible.
	CancelURL string `json:"cancel_url,omitempty"`
	// OfferURL is the page that confirms an open offer.
	OfferURL string `json:"offer_url,omitempty"`
}

// MyEvents are a member's events, each list in time order (past ones latest first).
type MyEvents struct {
	Upcoming []MyEvent `json:"upcoming"` // active RSVPs to events not started
	Attended []MyEvent `json:"attended"` // checked in
	Past     []MyEvent `json:"past"`     // started or over, not checked in (cancelled and lapsed included)
}

var statusText = map[string]map[string]string{
	"ja": {"confirmed": "参加確定", "waitlisted": "キャンセル待ち %d番目", "offered": "お席をご用意しています（%sまでに確定）",
		"cancelled": "取り消し済み", "lapsed": "確定期限切れ", "attended": "参加済み（受付済み）", "missed": "参加確定（受付の記録なし）"},
	"en": {"confirmed": "Confirmed", "waitlisted": "Waitlist, number %d", "offered": "A seat is held for you (confirm by %s)",
		"cancelled": "Cancelled", "lapsed": "Offer expired", "attended": "Attended (checked in)", "missed": "Confirmed (no check-in recorded)"},
}

// Mine gathers m's events in lang. Events that were removed from the
// site are left out.
func (s *Service) mine(ctx context.Context, m store.Member, lang string) (MyEvents, error) {
	rsvps, err := s.Store.ListMemberRSVPs(ctx, m.ID)
	if err != nil {
		return MyEvents{}, httpapi.Internal(err)
	}
	now := s.Now()
	out := MyEvents{Upcoming: []MyEvent{}, Attended: []MyEvent{}, Past: []MyEvent{}}
	for _, r := range rsvps {
		if r.MemberID != m.ID {
			continue // never another's, whatever the store returns
		}
		e, err := s.Store.GetEvent(ctx, r.EventID)
		if err != nil {
			continue // no longer on the site
		}
		v := s.myEvent(e, m, r, lang, now)
		switch {
		case v.Attended:
			out.Attended = append(out.Attended, v)
		case now.Before(e.Start) && r.Active():
			out.Upcoming = append(out.Upcoming, v)
		case !now.Before(e.Start):
			out.Past = append(out.Past, v)
		}
	}
	sort.SliceStable(out.Upcoming, func(i, j int) bool { return out.Upcoming[i].Start.Before(out.Upcoming[j].Start) })
	sort.SliceStable(out.Attended, func(i, j int) bool { return out.Attended[i].Start.After(out.Attended[j].Start) })
	sort.SliceStable(out.Past, func(i, j int) bool { return out.Past[i].Start.After(out.Past[j].Start) })
	return out, nil
}

func (s *Service) myEvent(e store.Event, m store.Member, r store.RSVP, lang string, now time.Time) MyEvent {
	T := statusText[lang]
	a := s.answer(e, m, &r)
	v := MyEvent{ID: e.ID, Title: title(e, lang), Start: e.Start.In(tokyo), When: when(e, lang), Page: pagePath(e, lang),
		Status: a.Status, Position: a.Position, OfferExpiresAt: a.OfferExpiresAt, Guests: r.Guests, Attended: a.Attended}
	switch {
	case v.Attended:
		v.StatusLabel = T["attended"]
	case r.Status == store.RSVPWaitlisted:
		v.StatusLabel = fmt.Sprintf(T["waitlisted"], r.Position)
	case r.Status == store.RSVPOffered:
		v.StatusLabel = fmt.Sprintf(T["offered"], deadline(r.OfferExpiresAt, lang))
		if r.OfferOpen(now) {
			v.OfferURL = s.offerLink(e, r)
		}
	case r.Status == store.RSVPConfirmed && !now.Before(e.Start):
		v.StatusLabel = T["missed"]
	default:
		v.StatusLabel = T[string(r.Status)]
	}
	if now.Before(e.End) {
		v.OnlineURL = a.OnlineURL // confirmed attendees only (answer)
	}
	if r.Active() && now.Before(e.Start) {
		v.CancelURL = "/api/events/" + url.PathEscape(e.ID) + "/rsvp/cancel?from=" + fromMine + "&lang=" + lang
	}
	return v
}

// HomeEvents is the events part of a member's home.
type HomeEvents struct {
	Upcoming []MyEvent `json:"upcoming"`
	Page     string    `json:"page"` // /members/events/ in the language
}

// MemberHome implements account.HomePart: the member's upcoming events.
func (s *Service) MemberHome(ctx context.Context, m store.Member, lang string) (string, any, error) {
	mine, err := s.mine(ctx, m, pageLangOf(lang))
	if err != nil {
		return "events", nil, err
	}
	return "events", HomeEvents{Upcoming: mine.Upcoming, Page: httpapi.PathIn(lang, "/members/events/")}, nil
}

func pageLangOf(lang string) string {
	if lang == httpapi.LangEN {
		return httpapi.LangEN
	}
	return httpapi.LangJA
}

// member requires a member's session; a page asked for without one leads
// to the login page and back.
func (h Handler) member(next memberHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, _, ok := h.Accounts.Authenticate(r)
		if !ok {
			lang := httpapi.Lang(r)
			if strings.HasPrefix(r.URL.Path, "/en/") {
				lang = httpapi.LangEN
			}
			if r.Method == http.MethodGet {
				w.Header().Set("Cache-Control", "no-store")
				http.Redirect(w, r, httpapi.PathIn(lang, "/login/")+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			h.fail(w, r, httpapi.Errorf(httpapi.EUNAUTHORIZED, "login_required"), httpapi.PathIn(lang, "/login/"))
			return
		}
		next(w, r, m)
	})
}

var myText = map[string]map[string]string{
	"ja": {"title": "参加イベント", "upcoming": "これからのイベント", "attended": "参加したイベント", "past": "過去のお申し込み",
		"none_upcoming": "お申し込み中のイベントはありません。", "none_attended": "受付の記録があるイベントはまだありません。",
		"none_past": "過去のお申し込みはありません。", "browse": "イベント一覧を見る", "when": "日時", "status": "状況",
		"online": "参加用URL", "cancel": "取り消す", "confirm_offer": "参加を確定する", "guests": "同伴者", "guests_n": "%d名",
		"cancelled_notice": "お申し込みを取り消しました。確認のメールをお送りしました。"},
	"en": {"title": "My events", "upcoming": "Coming up", "attended": "Attended", "past": "Past RSVPs",
		"none_upcoming": "You have no RSVPs for coming events.", "none_attended": "No check-in has been recorded for you yet.",
		"none_past": "You have no past RSVPs.", "browse": "See all events", "when": "When", "status": "Status",
		"online": "Join online", "cancel": "Cancel", "confirm_offer": "Confirm my seat", "guests": "Guests", "guests_n": "%d",
		"cancelled_notice": "Your RSVP is cancelled. We have emailed you a confirmation."},
}

var myEventsTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("my-events").Funcs(template.FuncMap{"guests": func(lang string, n int) string {
		return fmt.Sprintf(myText[lang]["guests_n"], n)
	}}).Parse(`<div class="wrap">` + httpapi.MemberNav + `
<header class="page-header"><h1>{{.T.title}}</h1></header>
{{with .Notice}}<p class="notice" role="status">{{.}}</p>{{end}}
{{define "event"}}<li class="card my-event" id="event-{{.E.ID}}">
<h3><a href="{{.E.Page}}">{{.E.Title}}</a></h3>
<dl class="facts">
<div><dt>{{.T.when}}</dt><dd><time datetime="{{.E.Start.Format "2006-01-02T15:04:05-07:00"}}">{{.E.When}}</time></dd></div>
<div><dt>{{.T.status}}</dt><dd><strong class="status status-{{.E.Status}}">{{.E.StatusLabel}}</strong></dd></div>
{{if .E.Guests}}<div><dt>{{.T.guests}}</dt><dd>{{guests .Lang .E.Guests}}</dd></div>{{end}}
{{if .E.OnlineURL}}<div><dt>{{.T.online}}</dt><dd><a href="{{.E.OnlineURL}}">{{.E.OnlineURL}}</a></dd></div>{{end}}
</dl>
{{if or .E.OfferURL .E.CancelURL}}<p class="actions">{{with .E.OfferURL}}<a class="button" href="{{.}}">{{$.T.confirm_offer}}</a> {{end}}{{with .E.CancelURL}}<a class="button button-secondary" href="{{.}}">{{$.T.cancel}}<span class="visually-hidden">: {{$.E.Title}}</span></a>{{end}}</p>{{end}}
</li>{{end}}
<section aria-labelledby="my-upcoming"><h2 id="my-upcoming">{{.T.upcoming}}</h2>
{{if .V.Upcoming}}<ul class="my-events" role="list">{{range .V.Upcoming}}{{template "event" (call $.Item .)}}{{end}}</ul>
{{else}}<p>{{.T.none_upcoming}}</p><p><a class="button" href="{{.Events}}">{{.T.browse}}</a></p>{{end}}
</section>
<section aria-labelledby="my-attended"><h2 id="my-attended">{{.T.attended}}</h2>
{{if .V.Attended}}<ul class="my-events" role="list">{{range .V.Attended}}{{template "event" (call $.Item .)}}{{end}}</ul>
{{else}}<p>{{.T.none_attended}}</p>{{end}}
</section>
<section aria-labelledby="my-past"><h2 id="my-past">{{.T.past}}</h2>
{{if .V.Past}}<ul class="my-events" role="list">{{range .V.Past}}{{template "event" (call $.Item .)}}{{end}}</ul>
{{else}}<p>{{.T.none_past}}</p>{{end}}
</section>
</div>`))
})

// myEventsPage is /members/events/ (and /en/members/events/).
func (h Handler) myEventsPage(w http.ResponseWriter, r *http.Request, m store.Member) {
	lang := httpapi.LangJA
	if strings.HasPrefix(r.URL.Path, "/en/") {
		lang = httpapi.LangEN
	}
	v, err := h.S.mine(r.Context(), m, lang)
	if err != nil {
		httpapi.WriteFormError(w, r, err, httpapi.PathIn(lang, "/members/"))
		return
	}
	T := myText[lang]
	notice := ""
	if r.URL.Query().Get("cancelled") != "" {
		notice = T["cancelled_notice"]
	}
	httpapi.RenderTemplate(w, r, http.StatusOK, httpapi.View{Lang: lang, Title: T["title"], Section: httpapi.SectionMembers,
		Other: httpapi.OtherLangPath(lang, httpapi.PathIn(lang, "/members/events/"))}, myEventsTmpl(), map[string]any{
		"Lang": lang, "T": T, "V": v, "Notice": notice, "Events": httpapi.PathIn(lang, "/events/"),
		"Menu": httpapi.NewMemberMenu(lang, "/members/events/"),
		"Item": func(e MyEvent) map[string]any { return map[string]any{"E": e, "T": T, "Lang": lang} },
	})
}

var cancelText = map[string]map[string]string{
	"ja": {"title": "お申し込みの取り消し", "ask": "このイベントへのお申し込みを取り消しますか？",
		"ask_wait": "キャンセル待ちを取り消しますか？取り消すと、順番は失われます。",
		"mail":     "取り消すと、確認のメールをお送りします。", "yes": "取り消す", "no": "取り消さずに戻る",
		"nothing": "取り消せるお申し込みはありません。"},
	"en": {"title": "Cancel your RSVP", "ask": "Do you want to cancel your RSVP for this event?",
		"ask_wait": "Do you want to leave the waitlist? You will lose your place.",
		"mail":     "We will email you a confirmation.", "yes": "Yes, cancel", "no": "No, go back",
		"nothing": "There is no RSVP to cancel."},
}

var cancelTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("cancel").Parse(emailPageHead + `
<header class="page-header"><h1>{{.C.title}}</h1></header>
<p><strong>{{.Title}}</strong></p>
<dl class="facts">
<div><dt>{{.T.when}}</dt><dd>{{.When}}</dd></div>
<div><dt>{{.T.where}}</dt><dd>{{.Where}}</dd></div>
<div><dt>{{.T.your_rsvp}}</dt><dd>{{.Status}}</dd></div>
</dl>
{{if .CanCancel}}<form method="post" action="/api/events/{{.ID}}/rsvp/cancel" class="callout">
{{if .Token}}<input type="hidden" name="token" value="{{.Token}}">{{end}}
<input type="hidden" name="lang" value="{{.Lang}}">
{{if .From}}<input type="hidden" name="from" value="{{.From}}">{{end}}
<p>{{.Ask}}</p><p class="hint">{{.C.mail}}</p>
<p class="actions"><button type="submit" class="button button-danger">{{.C.yes}}</button> <a class="button button-secondary" href="{{.Back}}">{{.C.no}}</a></p>
</form>{{else}}<p>{{.Note}}</p><p class="actions"><a class="button button-secondary" href="{{.Back}}">{{.T.to_event}}</a></p>{{end}}
` + emailPageFoot))
})

// cancelPage asks once before an RSVP is cancelled: the event page's and
// the members' events page's cancel buttons open it without JavaScript
// (the event page's script asks in place), and so does the link page of
// an emailed link (?token=). Its button posts to the cancel route.
func (h Handler) cancelPage(w http.ResponseWriter, r *http.Request) {
	ctx, id, q := r.Context(), r.PathValue("id"), r.URL.Query()
	token := q.Get("token")
	lang := httpapi.Lang(r)
	if l := q.Get("lang"); l == httpapi.LangEN || l == httpapi.LangJA {
		lang = l
	}
	m, viaLink, err := h.who(r, id, token)
	if err != nil {
		if !viaLink && token == "" {
			w.Header().Set("Cache-Control", "no-store")
			http.Redirect(w, r, httpapi.PathIn(lang, "/login/")+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		httpapi.WriteFormError(w, r, err, httpapi.PathIn(lang, "/"))
		return
	}
	e, err := h.S.event(ctx, id)
	if err != nil {
		httpapi.WriteFormError(w, r, err, httpapi.PathIn(lang, "/members/events/"))
		return
	}
	if viaLink {
		lang = memberLang(m)
		w.Header().Set("Referrer-Policy", "no-referrer") // the token is in the URL
	}
	T, C := pageText[lang], cancelText[lang]
	from := ""
	back := pagePath(e, lang)
	switch {
	case viaLink:
		back = "/api/events/" + url.PathEscape(e.ID) + "/rsvp/invite?token=" + url.QueryEscape(token)
	case q.Get("from") == fromMine:
		from, back = fromMine, httpapi.PathIn(lang, "/members/events/")
	}
	data := map[string]any{"Lang": lang, "T": T, "C": C, "ID": e.ID, "Title": title(e, lang), "When": when(e, lang),
		"Where": location(e, lang), "Token": token, "From": from, "Back": back, "Status": T["none"], "Ask": C["ask"]}
	rsvp, err := h.S.Store.GetRSVP(ctx, e.ID, m.ID)
	now := h.S.Now()
	switch {
	case err == nil && rsvp.Active() && now.Before(e.Start):
		data["CanCancel"] = true
		data["Status"] = h.S.myEvent(e, m, rsvp, lang, now).StatusLabel
		if rsvp.Status == store.RSVPWaitlisted {
			data["Ask"] = C["ask_wait"]
		}
	case err == nil && now.Before(e.Start):
		data["Status"], data["Note"] = h.S.myEvent(e, m, rsvp, lang, now).StatusLabel, C["nothing"]
	case err == nil:
		data["Status"], data["Note"] = h.S.myEvent(e, m, rsvp, lang, now).StatusLabel, T["past"]
	default:
		data["Note"] = C["nothing"]
	}
	w.Header().Set("Cache-Control", "private, no-store")
	section := httpapi.SectionMembers
	if viaLink {
		section = ""
	}
	writeHTML(w, r, cancelTmpl(), section, C["title"], data)
}
