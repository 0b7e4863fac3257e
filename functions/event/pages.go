package event

import (
	"fmt"
	"html/template"
	"net/http"
	"sync"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// The pages links in emails open are rendered here: someone acting from an
// email may not be logged in, and every page works without JavaScript. A GET
// never changes anything (mail scanners open links); the buttons post.

var pageText = map[string]map[string]string{
	"ja": {
		"when": "日時", "where": "場所", "seats_left": "残席",
		"seats_value": "%d席", "full": "満席（キャンセル待ちを受け付けています）", "your_rsvp": "あなたのお申し込み",
		"none": "まだお申し込みはありません。", "confirmed": "参加が確定しています。", "waitlisted": "キャンセル待ち %d番目です。",
		"offered": "お席をご用意しています。%sまでに確定してください。", "cancelled": "お申し込みは取り消されています。",
		"lapsed": "ご用意したお席の確定期限が過ぎました。もう一度お申し込みいただけます。",
		"rsvp":   "参加を申し込む", "guests": "同伴者の人数", "guests_none": "なし", "guests_n": "%d名",
		"closed": "申し込みは締め切りました。", "past": "このイベントは開始済みです。",
		"cancel": "参加を取り消す", "cancel_wait": "キャンセル待ちを取り消す", "confirm_offer": "参加を確定する",
		"online": "参加用URL", "calendar": "カレンダーに追加", "cal_google": "Googleカレンダー", "cal_ics": "iPhone・その他（.ics）", "to_event": "イベントページへ",
		"offer_title": "お席をご用意しました", "offer_until": "確定期限", "offer_done_title": "参加が確定しました",
		"offer_done": "参加が確定しました。確認のメールをお送りしました。", "offer_already": "参加はすでに確定しています。",
		"done_confirmed": "参加が確定しました。確認のメールをお送りしました。", "done_waitlisted": "キャンセル待ちで受け付けました。",
		"done_cancelled": "お申し込みを取り消しました。", "ended": "終了", "now_on": "開催中",
	},
	"en": {
		"when": "When", "where": "Where", "seats_left": "Seats left",
		"seats_value": "%d", "full": "Full (you can join the waitlist)", "your_rsvp": "Your RSVP",
		"none": "You have not RSVPed yet.", "confirmed": "You're confirmed.", "waitlisted": "You're number %d on the waitlist.",
		"offered": "A seat is held for you. Confirm it by %s.", "cancelled": "Your RSVP is cancelled.",
		"lapsed": "The seat offered to you was not confirmed in time. You can RSVP again.",
		"rsvp":   "RSVP", "guests": "Guests", "guests_none": "None", "guests_n": "%d",
		"closed": "RSVPs are closed.", "past": "This event has started.",
		"cancel": "Cancel my RSVP", "cancel_wait": "Leave the waitlist", "confirm_offer": "Confirm my seat",
		"online": "Join online", "calendar": "Add to calendar", "cal_google": "Google Calendar", "cal_ics": "Apple and others (.ics)", "to_event": "Go to the event page",
		"offer_title": "A seat is yours if you want it", "offer_until": "Confirm by", "offer_done_title": "You're confirmed",
		"offer_done": "Your seat is confirmed. We have emailed you the details.", "offer_already": "Your seat is already confirmed.",
		"done_confirmed": "You're confirmed. We have emailed you the details.", "done_waitlisted": "You're on the waitlist.",
		"done_cancelled": "Your RSVP is cancelled.", "ended": "Ended", "now_on": "Happening now",
	},
}

// The pages' content: the site's frame goes around it (httpapi.Render).
const emailPageHead = `<div class="wrap narrow">`

const emailPageFoot = `</div>`

var invitePageTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("invite").Parse(phaseBadge + emailPageHead + `
<header class="page-header"><h1>{{.Title}}</h1></header>
<dl class="facts">
<div><dt>{{.T.when}}</dt><dd>{{.When}}{{template "phase" .Phase}}</dd></div>
<div><dt>{{.T.where}}</dt><dd>{{.Where}}</dd></div>
{{if not (and .Phase .Phase.Ended)}}<div><dt>{{.T.seats_left}}</dt><dd>{{if .SeatsLeft}}{{.SeatsValue}}{{else}}{{.T.full}}{{end}}</dd></div>{{end}}
</dl>
<section id="rsvp" aria-labelledby="rsvp-heading" class="callout">
<h2 id="rsvp-heading">{{.T.your_rsvp}}</h2>
{{if .Done}}<p class="notice" role="status">{{.Done}}</p>{{end}}
<p>{{.Status}}</p>
{{if .OnlineURL}}<p>{{.T.online}}: <a href="{{.OnlineURL}}">{{.OnlineURL}}</a></p>{{end}}
{{with .Calendar}}<p>{{$.T.calendar}}:</p><p class="actions"><a class="button button-secondary" href="{{.Google}}">{{$.T.cal_google}}</a> <a class="button button-secondary" href="{{.Outlook}}">Outlook</a> <a class="button button-secondary" href="{{.ICS}}">{{$.T.cal_ics}}</a></p>{{end}}
{{if .CanRSVP}}<form method="post" action="/api/events/{{.ID}}/rsvp" class="form">
<input type="hidden" name="token" value="{{.Token}}">
{{if .Guests}}<div class="field"><label for="guests">{{.T.guests}}</label><select id="guests" name="guests">
{{range .Guests}}<option value="{{.Value}}">{{.Label}}</option>{{end}}</select></div>{{end}}
<p><button type="submit" class="button">{{.T.rsvp}}</button></p></form>{{end}}
{{if .OfferToken}}<form method="post" action="/api/events/{{.ID}}/offer">
<input type="hidden" name="token" value="{{.OfferToken}}">
<p><button type="submit" class="button">{{.T.confirm_offer}}</button></p></form>{{end}}
{{if .CanCancel}}<form method="get" action="/api/events/{{.ID}}/rsvp/cancel">
<input type="hidden" name="token" value="{{.Token}}">
<p><button type="submit" class="button button-secondary">{{.CancelLabel}}</button></p></form>{{end}}
{{if .Note}}<p>{{.Note}}</p>{{end}}
</section>
<p class="back"><a href="{{.Page}}">{{.T.to_event}}</a></p>
` + emailPageFoot))
})

var offerPageTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("offer").Parse(phaseBadge + emailPageHead + `
<header class="page-header"><h1>{{.T.offer_title}}</h1></header>
<p><strong>{{.Title}}</strong></p>
<dl class="facts">
<div><dt>{{.T.when}}</dt><dd>{{.When}}{{template "phase" .Phase}}</dd></div>
<div><dt>{{.T.where}}</dt><dd>{{.Where}}</dd></div>
{{if .Until}}<div><dt>{{.T.offer_until}}</dt><dd>{{.Until}}</dd></div>{{end}}
</dl>
{{if .Already}}<p class="notice" role="status">{{.T.offer_already}}</p>
{{else}}<form method="post" action="/api/events/{{.ID}}/offer">
<input type="hidden" name="token" value="{{.Token}}">
<p><button type="submit" class="button">{{.T.confirm_offer}}</button></p></form>{{end}}
<p class="back"><a href="{{.Page}}">{{.T.to_event}}</a></p>
` + emailPageFoot))
})

type guestOption struct {
	Value int
	Label string
}

// writeHTML renders t with data in the site's frame: data gives Lang and
// the page's title (title, else Title); section is httpapi.View.Section.
func writeHTML(w http.ResponseWriter, r *http.Request, t *template.Template, section, title string, data map[string]any) {
	lang, _ := data["Lang"].(string)
	httpapi.RenderTemplate(w, r, http.StatusOK, httpapi.View{Lang: lang, Title: title, Section: section}, t, data)
}

// invitePage shows a member, from their signed link, their RSVP and the
// buttons that fit it.
func (h Handler) invitePage(w http.ResponseWriter, r *http.Request) {
	ctx, id, token := r.Context(), r.PathValue("id"), r.URL.Query().Get("token")
	m, err := h.S.linkMember(ctx, id, token)
	if err != nil {
		httpapi.WriteFormError(w, r, err, httpapi.PathIn(httpapi.Lang(r), "/"))
		return
	}
	e, err := h.S.event(ctx, id)
	if err != nil {
		httpapi.WriteFormError(w, r, err, httpapi.PathIn(httpapi.Lang(r), "/"))
		return
	}
	lang := memberLang(m)
	T := pageText[lang]
	now := h.S.Now()
	var rsvp *store.RSVP
	if got, err := h.S.Store.GetRSVP(ctx, e.ID, m.ID); err == nil {
		rsvp = &got
	}
	a := h.S.answer(e, m, rsvp)
	data := map[string]any{
		"Lang": lang, "T": T, "Home": httpapi.PathIn(lang, "/"), "ID": e.ID, "Title": title(e, lang), "When": when(e, lang),
		"Where": location(e, lang), "SeatsLeft": e.SeatsLeft(), "SeatsValue": fmt.Sprintf(T["seats_value"], e.SeatsLeft()),
		"Token": token, "Page": pagePath(e, lang), "OnlineURL": a.OnlineURL, "Calendar": a.Calendar, "Phase": eventPhase(e, now, T),
	}
	if done := r.URL.Query().Get("rsvp"); done != "" {
		data["Done"] = T["done_"+done]
	}
	started, open := !now.Before(e.Start), now.Before(e.Closes())
	switch a.Status {
	case StatusNone:
		data["Status"] = T["none"]
	case string(store.RSVPWaitlisted):
		data["Status"] = fmt.Sprintf(T["waitlisted"], a.Position)
	case string(store.RSVPOffered):
		data["Status"] = fmt.Sprintf(T["offered"], deadline(rsvp.OfferExpiresAt, lang))
		if rsvp.OfferOpen(now) {
			data["OfferToken"] = h.S.sign(claim{Purpose: purposeOffer, Event: e.ID, Member: m.ID,
				Expires: rsvp.OfferExpiresAt.Unix() + 1, Offer: rsvp.OfferedAt.UnixNano()})
		}
	default:
		data["Status"] = T[a.Status]
	}
	active := rsvp != nil && rsvp.Active()
	switch {
	case started:
		data["Note"] = T["past"]
	case active:
		data["CanCancel"] = true
		data["CancelLabel"] = T["cancel"]
		if rsvp.Status == store.RSVPWaitlisted {
			data["CancelLabel"] = T["cancel_wait"]
		}
	case open:
		data["CanRSVP"] = true
		if e.GuestsAllowed > 0 {
			opts := []guestOption{{0, T["guests_none"]}}
			for n := 1; n <= e.GuestsAllowed; n++ {
				opts = append(opts, guestOption{n, fmt.Sprintf(T["guests_n"], n)})
			}
			data["Guests"] = opts
		}
	default:
		data["Note"] = T["closed"]
	}
	writeHTML(w, r, invitePageTmpl(), "", title(e, lang), data)
}

// offerPage shows an offer from its emailed link with the button that confirms it.
func (h Handler) offerPage(w http.ResponseWriter, r *http.Request) {
	ctx, id, token := r.Context(), r.PathValue("id"), r.URL.Query().Get("token")
	now := h.S.Now()
	c, err := h.S.verify(token, purposeOffer, id, now)
	if err != nil {
		httpapi.WriteFormError(w, r, err, httpapi.PathIn(httpapi.Lang(r), "/"))
		return
	}
	e, err := h.S.event(ctx, id)
	if err != nil {
		httpapi.WriteFormError(w, r, err, httpapi.PathIn(httpapi.Lang(r), "/"))
		return
	}
	m, err := h.S.member(ctx, c.Member)
	if err != nil {
		httpapi.WriteFormError(w, r, err, httpapi.PathIn(httpapi.Lang(r), "/"))
		return
	}
	lang := memberLang(m)
	rsvp, err := h.S.Store.GetRSVP(ctx, e.ID, m.ID)
	already := err == nil && rsvp.Status == store.RSVPConfirmed
	if !already && (err != nil || !rsvp.OfferOpen(now) || rsvp.OfferedAt.UnixNano() != c.Offer) {
		httpapi.WriteFormError(w, r, httpapi.Errorf(httpapi.ECONFLICT, "offer_gone"), pagePath(e, lang))
		return
	}
	data := map[string]any{
		"Lang": lang, "T": pageText[lang], "Home": httpapi.PathIn(lang, "/"), "ID": e.ID, "Title": title(e, lang),
		"When": when(e, lang), "Where": location(e, lang), "Token": token, "Page": pagePath(e, lang), "Already": already,
		"Phase": eventPhase(e, now, pageText[lang]),
	}
	if !already {
		data["Until"] = deadline(rsvp.OfferExpiresAt, lang)
	}
	writeHTML(w, r, offerPageTmpl(), "", pageText[lang]["offer_title"], data)
}
