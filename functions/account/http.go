package account

import (
	"errors"
	"net/http"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// Handler puts the Service on HTTP.
type Handler struct{ S *Service }

// Routes lists every route of the accounts function.
func (h Handler) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"POST /api/register":                      http.HandlerFunc(h.register),
		"GET /api/register/verify":                h.linkPage("/api/register/verify", "link.verify", store.PurposeVerifyEmail, h.verifyUsed),
		"POST /api/register/verify":               http.HandlerFunc(h.verify),
		"POST /api/login":                         http.HandlerFunc(h.login),
		"GET /api/login/callback":                 h.linkPage("/api/login/callback", "link.login", store.PurposeLogin, h.loginUsed),
		"POST /api/login/callback":                http.HandlerFunc(h.callback),
		"POST /api/logout":                        http.HandlerFunc(h.logout),
		"GET /api/me":                             h.member(h.getMe),
		"PATCH /api/me/profile":                   h.member(h.patchMe),
		"POST /api/me/profile":                    h.member(h.patchMe), // the profile form (HTML forms cannot PATCH)
		"GET /api/me/export":                      h.member(h.export),
		"GET /api/me/home":                        h.member(h.meHome),
		"GET /api/me/email/verify":                h.linkPage("/api/me/email/verify", "link.change", "", nil),
		"POST /api/me/email/verify":               http.HandlerFunc(h.confirmEmail),
		"GET /api/me/email/undo":                  h.linkPage("/api/me/email/undo", "link.undo", "", nil),
		"POST /api/me/email/undo":                 http.HandlerFunc(h.undoEmail),
		"DELETE /api/me":                          h.member(h.erase),
		"POST /api/me/erase":                      h.member(h.erase),
		"GET /api/directory":                      h.member(h.directory),
		"POST /api/directory/{id}/contact":        h.member(h.contact),
		"GET /api/directory/{id}":                 h.member(h.directoryEntryAPI),
		"POST /api/directory/{id}/block":          h.member(h.block),
		"GET /api/directory/block-sender":         h.linkPage("/api/directory/block-sender", "link.block_sender", "", nil),
		"POST /api/directory/block-sender":        h.member(h.blockSender),
		"DELETE /api/directory/{id}/block":        h.member(h.unblock),
		"POST /api/directory/{id}/unblock":        h.member(h.unblock), // the forms (HTML forms cannot DELETE)
		"GET /members/profile/":                   h.member(h.profilePage),
		"GET /members/preferences/":               h.member(h.preferencesPage),
		"GET /en/members/preferences/":            h.member(h.preferencesPage),
		"POST /api/me/preferences":                h.member(h.savePreferences),
		"GET /en/members/profile/":                h.member(h.profilePage),
		"GET /members/directory/":                 h.member(h.directoryPage),
		"GET /en/members/directory/":              h.member(h.directoryPage),
		"GET /members/directory/{id}/":            h.member(h.directoryMemberPage),
		"GET /en/members/directory/{id}/":         h.member(h.directoryMemberPage),
		"GET /hr/{$}":                             h.admin(h.hrHome),
		"GET /hr":                                 h.admin(h.hrHome),
		"GET /hr/registrations":                   h.admin(h.hrRegistrations),
		"POST /api/hr/registrations/{id}/approve": h.admin(h.hrApprove),
		"POST /api/hr/registrations/{id}/reject":  h.admin(h.hrReject),
		"POST /api/hr/registrations/approve":      h.admin(h.hrApproveMany),
		"POST /api/hr/registrations/undo":         h.admin(h.hrUndo),
		"DELETE /api/hr/members/{id}":             h.admin(h.hrErase),
		"GET /hr/admins":                          h.admin(h.hrAdmins),
		"GET /hr/mails":                           h.admin(h.hrMails),
		"POST /api/hr/mails":                      h.admin(h.hrSaveMails),
		"GET /hr/members":                         h.admin(h.hrMembers),
		"GET /hr/members.csv":                     h.admin(h.hrMembersCSV),
		"GET /hr/members/{id}":                    h.admin(h.hrMember),
		"POST /api/hr/members/{id}/correct":       h.admin(h.hrCorrect),
		"POST /api/hr/members/{id}/suspend":       h.admin(h.hrSuspend),
		"POST /api/hr/members/{id}/restore":       h.admin(h.hrRestore),
		"POST /api/hr/members/{id}/grant":         h.admin(h.hrMemberGrant),
		"POST /api/hr/members/{id}/revoke":        h.admin(h.hrMemberRevoke),
		"POST /api/hr/members/{id}/erase":         h.admin(h.hrMemberErase),
		"GET /hr/audit":                           h.admin(h.hrAudit),
		"GET /hr/audit.csv":                       h.admin(h.hrAuditCSV),
		"POST /api/hr/admins":                     h.admin(h.hrGrant),
		"POST /api/hr/admins/{id}/revoke":         h.admin(h.hrRevoke),
	}
}

// fail answers an error as problem+json, or as a page for a browser.
func (h Handler) fail(w http.ResponseWriter, r *http.Request, err error, back string) {
	httpapi.Fail(w, r, h.S.Log, err, back)
}

// failIn is fail on a page whose language is known (the path's on a
// member's page, the member's own, HR's choice): the error page is in
// that language, not the browser's.
func (h Handler) failIn(w http.ResponseWriter, r *http.Request, err error, back, lang string) {
	httpapi.FailIn(w, r, h.S.Log, err, back, lang)
}

func (h Handler) register(w http.ResponseWriter, r *http.Request) {
	lang := httpapi.Lang(r)
	var in RegisterInput
	if err := httpapi.Decode(w, r, &in); err != nil {
		h.fail(w, r, err, httpapi.PathIn(lang, "/register/"))
		return
	}
	if in.Language == "en" || in.Language == "ja" {
		lang = in.Language
	}
	if err := h.S.Register(r.Context(), in, ClientKey(r)); err != nil {
		h.fail(w, r, err, httpapi.PathIn(lang, "/register/"))
		return
	}
	if httpapi.IsForm(r) {
		http.Redirect(w, r, httpapi.PathIn(lang, "/register/sent/"), http.StatusSeeOther)
		return
	}
	httpapi.WriteJSON(w, http.StatusAccepted, map[string]string{"status": "accepted", "message": httpapi.Message(lang, "register_accepted")})
}

// linkPage answers an emailed link opened with GET: a page with one button
// that posts the token (and the extra query fields named) to action. Only
// the POST uses the token, so a mail scanner that prefetches links, or a
// preview, does not use it up. With used (login and confirmation links),
// a token that can no longer be used, of that purpose, gets used's answer
// at once instead of a button that could only fail.
func (h Handler) linkPage(action, key string, purpose store.TokenPurpose, used func(http.ResponseWriter, *http.Request, string), extra ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang, q := httpapi.Lang(r), r.URL.Query()
		if l := q.Get("lang"); l == httpapi.LangEN || l == httpapi.LangJA {
			lang = l // the language of the mail the link came in
		}
		// The token is in this page's URL: keep it out of Referer headers and caches.
		w.Header().Set("Referrer-Policy", "no-referrer")
		// A link opened again (a second tap, a mail app that opened it
		// first) says so at once, as its button would after a click. Only
		// a read: the button's POST still decides, and if the store cannot
		// answer now the page offers the button as always.
		if used != nil {
			if usable, err := h.S.LinkUsable(r.Context(), q.Get("token"), purpose); err == nil && !usable {
				used(w, r, lang)
				return
			}
		}
		form := &httpapi.PageForm{Action: action, Button: httpapi.Message(lang, key+"_button"),
			Fields: []httpapi.PageField{{Name: "token", Value: q.Get("token")}, {Name: "lang", Value: lang}}}
		for _, name := range extra {
			if v := q.Get(name); v != "" {
				form.Fields = append(form.Fields, httpapi.PageField{Name: name, Value: v})
			}
		}
		httpapi.WritePage(w, r, http.StatusOK, httpapi.Page{Lang: lang, Title: httpapi.Message(lang, key+"_title"),
			Message: httpapi.Message(lang, key), Form: form})
	})
}

// linkInput is what a link page's button posts.
type linkInput struct {
	Token string `json:"token"`
	// Next was posted by login links mailed before it was bound to the
	// token; it is read (unknown fields are refused) and ignored.
	Next string `json:"next"`
	Lang string `json:"lang"` // the link page's language, for the page that follows
}

// lang is the link page's language, else the request's.
func (in linkInput) lang(r *http.Request) string {
	if in.Lang == httpapi.LangEN || in.Lang == httpapi.LangJA {
		return in.Lang
	}
	return httpapi.Lang(r)
}

// linkToken reads the posted token of a link page.
func (h Handler) linkToken(w http.ResponseWriter, r *http.Request) (linkInput, bool) {
	var in linkInput
	if err := httpapi.Decode(w, r, &in); err != nil {
		httpapi.WriteFormError(w, r, err, httpapi.PathIn(httpapi.Lang(r), "/"))
		return in, false
	}
	return in, true
}

func (h Handler) verify(w http.ResponseWriter, r *http.Request) {
	in, ok := h.linkToken(w, r)
	if !ok {
		return
	}
	lang := in.lang(r)
	m, err := h.S.Verify(r.Context(), in.Token)
	if linkUsed(err) {
		h.verifyUsed(w, r, lang)
		return
	}
	if err != nil {
		httpapi.WriteFormError(w, r, err, httpapi.PathIn(lang, "/register/"))
		return
	}
	lang = string(m.Language)
	if m.Status == store.StatusApproved {
		httpapi.WritePage(w, r, http.StatusOK, httpapi.Page{Lang: lang, Title: httpapi.Message(lang, "verified_approved_title"),
			Message: httpapi.Message(lang, "verified_approved"), Links: []httpapi.PageLink{{Href: httpapi.PathIn(lang, "/login/"), Text: httpapi.Message(lang, "to_login")}}})
		return
	}
	httpapi.WritePage(w, r, http.StatusOK, httpapi.Page{Lang: lang, Title: httpapi.Message(lang, "verified_pending_title"),
		Message: httpapi.Message(lang, "verified_pending"), Links: []httpapi.PageLink{{Href: httpapi.PathIn(lang, "/"), Text: httpapi.Message(lang, "to_home")}}})
}

type loginInput struct {
	Email string `json:"email"`
	Next  string `json:"next"`
	Lang  string `json:"lang"` // the login page's language, for the page that follows
}

func (h Handler) login(w http.ResponseWriter, r *http.Request) {
	lang := httpapi.Lang(r)
	var in loginInput
	if err := httpapi.Decode(w, r, &in); err != nil {
		h.fail(w, r, err, httpapi.PathIn(lang, "/login/"))
		return
	}
	if in.Lang == httpapi.LangEN || in.Lang == httpapi.LangJA {
		lang = in.Lang
	}
	if err := h.S.Login(r.Context(), in.Email, in.Next, ClientKey(r)); err != nil {
		h.fail(w, r, err, httpapi.PathIn(lang, "/login/"))
		return
	}
	if httpapi.IsForm(r) {
		http.Redirect(w, r, httpapi.PathIn(lang, "/login/sent/"), http.StatusSeeOther)
		return
	}
	httpapi.WriteJSON(w, http.StatusAccepted, map[string]string{"status": "accepted", "message": httpapi.Message(lang, "login_accepted")})
}

func (h Handler) callback(w http.ResponseWriter, r *http.Request) {
	in, ok := h.linkToken(w, r)
	if !ok {
		return
	}
	m, sess, err := h.S.Callback(r.Context(), in.Token)
	if linkUsed(err) {
		h.loginUsed(w, r, in.lang(r))
		return
	}
	if err != nil {
		httpapi.WriteFormError(w, r, err, httpapi.PathIn(httpapi.Lang(r), "/login/"))
		return
	}
	h.S.SetSessionCookie(w, sess)
	w.Header().Set("Cache-Control", "no-store")
	// Back to the page the login was asked from: the one bound to the
	// token, never one posted or put in the link.
	// The login page's own default (the members' home) takes HR to HR's.
	next := sess.Next
	if h.S.IsAdmin(m) && (next == "/members/" || next == "/en/members/") {
		next = ""
	}
	http.Redirect(w, r, httpapi.SafeNext(next, h.home(m)), http.StatusSeeOther)
}

// verifyUsed answers a used or expired confirmation link: signed in
// (so verified already), straight on; else how to go on.
func (h Handler) verifyUsed(w http.ResponseWriter, r *http.Request, lang string) {
	if me, _, ok := h.S.Authenticate(r); ok {
		http.Redirect(w, r, httpapi.PathIn(string(me.Language), "/members/"), http.StatusSeeOther)
		return
	}
	httpapi.WritePage(w, r, http.StatusGone, httpapi.Page{Lang: lang, Title: httpapi.Message(lang, "link_used_title"),
		Message: httpapi.Message(lang, "link_used_verify"), Links: []httpapi.PageLink{
			{Href: httpapi.PathIn(lang, "/login/"), Text: httpapi.Message(lang, "to_login")},
			{Href: httpapi.PathIn(lang, "/register/"), Text: httpapi.Message(lang, "to_register")}}})
}

// loginUsed answers a login link opened twice (a second tab, a mail app
// that opened it first): with a session already, straight on; else a
// button for a new link.
func (h Handler) loginUsed(w http.ResponseWriter, r *http.Request, lang string) {
	if me, _, ok := h.S.Authenticate(r); ok {
		http.Redirect(w, r, h.home(me), http.StatusSeeOther)
		return
	}
	httpapi.WritePage(w, r, http.StatusGone, httpapi.Page{Lang: lang, Title: httpapi.Message(lang, "link_used_title"),
		Message: httpapi.Message(lang, "link_used_login"), Links: []httpapi.PageLink{{Href: httpapi.PathIn(lang, "/login/"), Text: httpapi.Message(lang, "link_new_login")}}})
}

// home is where a member lands after logging in: HR's console for HR.
func (h Handler) home(m store.Member) string {
	if h.S.IsAdmin(m) {
		return "/hr/"
	}
	return httpapi.PathIn(string(m.Language), "/members/")
}

// linkUsed: an emailed link's token is unknown, used or expired (they
// read the same, tokenError).
func linkUsed(err error) bool {
	var e *httpapi.Error
	return errors.As(err, &e) && e.Code == httpapi.EINVALID && e.Key == "link_invalid"
}

func (h Handler) logout(w http.ResponseWriter, r *http.Request) {
	h.S.Logout(r)
	h.S.ClearSessionCookie(w)
	if httpapi.IsForm(r) {
		http.Redirect(w, r, httpapi.PathIn(httpapi.Lang(r), "/"), http.StatusSeeOther)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
