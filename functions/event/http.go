package event

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// Sessions is what the events function needs from accounts: who is
// asking, and whether they are one of HR's administrators.
type Sessions interface {
	Authenticate(r *http.Request) (store.Member, store.Session, bool)
	IsAdmin(m store.Member) bool
}

// Handler puts the Service on HTTP.
type Handler struct {
	S        *Service
	Accounts Sessions
}

// Routes lists every route of the events function.
func (h Handler) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		// {id} is also {id}.ics: a ServeMux wildcard is a whole path segment.
		"GET /api/events/{id}":              http.HandlerFunc(h.get),
		"GET /api/events/{id}/rsvp":         http.HandlerFunc(h.mine),
		"POST /api/events/{id}/rsvp":        http.HandlerFunc(h.rsvp),
		"DELETE /api/events/{id}/rsvp":      http.HandlerFunc(h.cancel),
		"POST /api/events/{id}/rsvp/cancel": http.HandlerFunc(h.cancel), // HTML forms cannot DELETE
		"GET /api/events/{id}/rsvp/cancel":  http.HandlerFunc(h.cancelPage),
		"GET /members/events/{$}":           h.member(h.myEventsPage),
		"GET /en/members/events/{$}":        h.member(h.myEventsPage),
		"GET /api/events/{id}/rsvp/invite":  http.HandlerFunc(h.invitePage),
		"GET /api/events/{id}/offer":        http.HandlerFunc(h.offerPage),
		"POST /api/events/{id}/offer":       http.HandlerFunc(h.confirmOffer),
		"GET /api/events/{id}/qr":           http.HandlerFunc(h.qr),
		"GET /hr/events":                    h.admin(h.hrEvents),
		"GET /hr/events/{id}":               h.admin(h.hrEvent),
		"GET /hr/events/{id}/rsvps.csv":     h.admin(h.hrCSV),
		"GET /hr/events/{id}/checkin":       h.admin(h.hrCheckInPage),
		"POST /api/hr/events/{id}/checkin":  h.admin(h.hrCheckIn),
	}
}

type memberHandler func(w http.ResponseWriter, r *http.Request, m store.Member)

// admin requires a session of one of HR's administrators; a page asked for
// without a session leads to the login page and back.
func (h Handler) admin(next memberHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, _, ok := h.Accounts.Authenticate(r)
		lang := httpapi.Lang(r)
		if !ok {
			if r.Method == http.MethodGet && httpapi.AcceptsHTML(r) {
				http.Redirect(w, r, httpapi.PathIn(lang, "/login/")+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			h.fail(w, r, httpapi.Errorf(httpapi.EUNAUTHORIZED, "login_required"), httpapi.PathIn(lang, "/login/"))
			return
		}
		if !h.Accounts.IsAdmin(m) {
			h.fail(w, r, httpapi.Errorf(httpapi.EFORBIDDEN, "admin_only"), httpapi.PathIn(memberLang(m), "/members/"))
			return
		}
		m.Language = store.Language(httpapi.HRLang(w, r, string(m.Language))) // this request's copy only
		next(w, r, m)
	})
}

// fail answers an error as problem+json, or as a page for form posts and
// pages opened from an email.
func (h Handler) fail(w http.ResponseWriter, r *http.Request, err error, back string) {
	httpapi.Fail(w, r, h.S.Log, err, back)
}

// rsvpInput is the body of POST /api/events/{id}/rsvp (JSON or a form).
type rsvpInput struct {
	Guests int    `json:"guests"`
	Token  string `json:"token"` // a signed RSVP link's token, instead of a session
	Lang   string `json:"lang"`  // the page's language, for the page a form post returns to
	// From "mine": the cancel confirmation was opened from the member's
	// events page (/members/events/), where the form post returns.
	From string `json:"from"`
}

// readInput decodes an optional body; an empty one is no input.
func readInput(w http.ResponseWriter, r *http.Request, in *rsvpInput) error {
	if r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
		return nil
	}
	return httpapi.Decode(w, r, in)
}

// who is the member asking: the signed link's when a token is given
// (refused if forged or expired), else the session's.
func (h Handler) who(r *http.Request, eventID, token string) (store.Member, bool, error) {
	if token != "" {
		m, err := h.S.linkMember(r.Context(), eventID, token)
		return m, true, err
	}
	if m, _, ok := h.Accounts.Authenticate(r); ok {
		return m, false, nil
	}
	return store.Member{}, false, httpapi.Errorf(httpapi.EUNAUTHORIZED, "login_required")
}

// back is where a form post returns: the invitation page for a link, the
// event's page (in the language of the form) otherwise.
func (h Handler) back(r *http.Request, in rsvpInput, eventID string, viaLink bool) string {
	if viaLink {
		return "/api/events/" + url.PathEscape(eventID) + "/rsvp/invite?token=" + url.QueryEscape(in.Token)
	}
	lang := formLang(r, in)
	if e, err := h.S.Store.GetEvent(r.Context(), eventID); err == nil {
		return pagePath(e, lang)
	}
	return httpapi.PathIn(lang, "/events/")
}

// formLang is the language of the page a form was posted from.
func formLang(r *http.Request, in rsvpInput) string {
	if in.Lang == httpapi.LangEN || in.Lang == httpapi.LangJA {
		return in.Lang
	}
	return httpapi.Lang(r)
}

// fromMine is rsvpInput.From of the member's events page.
const fromMine = "mine"

// asker reads an RSVP request's body (JSON, a form, or none) and finds who
// is asking; ok is false when it has answered with an error already.
func (h Handler) asker(w http.ResponseWriter, r *http.Request, id string) (in rsvpInput, m store.Member, viaLink, ok bool) {
	if err := readInput(w, r, &in); err != nil {
		h.fail(w, r, err, h.back(r, in, id, false))
		return in, m, false, false
	}
	if in.Token == "" {
		in.Token = r.URL.Query().Get("token")
	}
	m, viaLink, err := h.who(r, id, in.Token)
	if err != nil {
		h.fail(w, r, err, h.back(r, in, id, false))
		return in, m, false, false
	}
	return in, m, viaLink, true
}

func (h Handler) get(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if ics, ok := strings.CutSuffix(id, ".ics"); ok {
		h.ics(w, r, ics)
		return
	}
	_, _, isMember := h.Accounts.Authenticate(r)
	info, err := h.S.Info(r.Context(), id, httpapi.Lang(r), isMember)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, info)
}

func (h Handler) mine(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	m, _, err := h.who(r, id, r.URL.Query().Get("token"))
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	a, err := h.S.Mine(r.Context(), id, m)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, a)
}

func (h Handler) rsvp(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	in, m, viaLink, ok := h.asker(w, r, id)
	if !ok {
		return
	}
	a, created, err := h.S.RSVP(r.Context(), id, m, in.Guests)
	if err != nil {
		h.fail(w, r, err, h.back(r, in, id, viaLink))
		return
	}
	if httpapi.IsForm(r) {
		http.Redirect(w, r, h.done(r, in, id, viaLink, a.Status), http.StatusSeeOther)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	httpapi.WriteJSON(w, status, a)
}

func (h Handler) cancel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	in, m, viaLink, ok := h.asker(w, r, id)
	if !ok {
		return
	}
	a, err := h.S.Cancel(r.Context(), id, m)
	if err != nil {
		h.fail(w, r, err, h.back(r, in, id, viaLink))
		return
	}
	if httpapi.IsForm(r) && in.From == fromMine && !viaLink {
		http.Redirect(w, r, httpapi.PathIn(formLang(r, in), "/members/events/")+"?cancelled="+url.QueryEscape(id), http.StatusSeeOther)
		return
	}
	if httpapi.IsForm(r) {
		http.Redirect(w, r, h.done(r, in, id, viaLink, a.Status), http.StatusSeeOther)
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, a)
}

// done is where a form post that succeeded returns: back, saying what
// happened. On the event page the fragment #rsvp-<status> shows the matching
// message with CSS (:target), so it works without JavaScript.
func (h Handler) done(r *http.Request, in rsvpInput, eventID string, viaLink bool, status string) string {
	if viaLink {
		return withQuery(h.back(r, in, eventID, true), "rsvp", status) + "#rsvp"
	}
	return withQuery(h.back(r, in, eventID, false), "rsvp", status) + "#rsvp-" + status
}

// withQuery adds name=value to a path that may already have a query.
func withQuery(p, name, value string) string {
	sep := "?"
	if strings.Contains(p, "?") {
		sep = "&"
	}
	return p + sep + name + "=" + url.QueryEscape(value)
}

func (h Handler) confirmOffer(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var in rsvpInput
	if err := readInput(w, r, &in); err != nil {
		h.fail(w, r, err, "")
		return
	}
	token := in.Token
	if token == "" {
		token = r.URL.Query().Get("token")
	}
	e, m, a, err := h.S.ConfirmOffer(r.Context(), id, token)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	if httpapi.IsForm(r) {
		lang := memberLang(m)
		httpapi.WritePage(w, r, http.StatusOK, httpapi.Page{Lang: lang, Title: pageText[lang]["offer_done_title"],
			Message: title(e, lang) + " — " + pageText[lang]["offer_done"],
			Links:   []httpapi.PageLink{{Href: pagePath(e, lang), Text: pageText[lang]["to_event"]}}})
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, a)
}

func (h Handler) ics(w http.ResponseWriter, r *http.Request, id string) {
	ctx := r.Context()
	e, err := h.S.event(ctx, id)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	lang := httpapi.Lang(r)
	if l := r.URL.Query().Get("lang"); l == httpapi.LangEN || l == httpapi.LangJA {
		lang = l
	}
	member, confirmed := store.Member{}, false
	if token := r.URL.Query().Get("token"); token != "" {
		member, confirmed = h.S.calendarMember(ctx, e, token)
	} else if m, _, ok := h.Accounts.Authenticate(r); ok {
		member, confirmed = m, h.S.confirmed(ctx, e, m.ID)
	}
	if e.Visibility == store.VisibilityMembers && member.ID == "" {
		h.fail(w, r, httpapi.Errorf(httpapi.ENOTFOUND, "event_not_found"), "")
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+e.ID+`.ics"`)
	if confirmed {
		w.Header().Set("Cache-Control", "private, no-store")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	_, _ = w.Write(h.S.ICS(e, lang, confirmed))
}

func (h Handler) qr(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	token := r.URL.Query().Get("token")
	c, err := h.S.verify(token, purposeCheckIn, id, h.S.Now())
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	png, err := qrPNG(h.S.Config.BaseURL + "/hr/events/" + c.Event + "/checkin?token=" + token)
	if err != nil {
		h.fail(w, r, httpapi.Internal(err), "")
		return
	}
	w.Header().Set("Content-Type", "image/png")
	// The same token always draws the same picture; mail programs may keep it.
	w.Header().Set("Cache-Control", "private, max-age=86400")
	_, _ = w.Write(png)
}
