package job

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// Handler puts the Service on HTTP.
type Handler struct{ S *Service }

// Routes lists every route of the jobs function.
func (h Handler) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"POST /api/jobs/{id}/applications":        httpapi.WithBodyLimit(http.HandlerFunc(h.apply), maxUploadBytes), // a résumé
		"POST /api/jobs/{id}/referrals":           h.member(h.refer),
		"GET /api/me/applications":                h.member(h.mine),
		"POST /api/me/applications/{id}/withdraw": h.member(h.withdraw),
		"GET /api/referrals/unsubscribe":          http.HandlerFunc(h.unsubscribePage),
		"POST /api/referrals/unsubscribe":         http.HandlerFunc(h.unsubscribe),
		"GET " + AnswerPath:                       http.HandlerFunc(h.answerPageGet),
		"POST " + AnswerPath:                      http.HandlerFunc(h.answerPost),
		"GET /members/me/applications/":           h.member(h.applicationsPage),
		"GET /en/members/me/applications/":        h.member(h.applicationsPage),
		"GET /hr/jobs":                            h.admin(h.hrJobs),
		"GET /hr/jobs/{id}":                       h.admin(h.hrJob),
		"GET /hr/applications":                    h.admin(h.hrApplications),
		"GET /hr/applications.csv":                h.admin(h.hrApplicationsCSV),
		"GET /hr/applications/{id}":               h.admin(h.hrApplication),
		"GET /hr/applications/{id}/resume":        h.admin(h.hrResume),
		"GET /hr/referrals":                       h.admin(h.hrReferrals),
		"GET /hr/referrals.csv":                   h.admin(h.hrReferralsCSV),
		"POST /api/hr/applications/{id}/status":   h.admin(h.hrMove),
		"POST /api/hr/referrals/{id}/outcome":     h.admin(h.hrOutcome),
	}
}

type memberHandler func(w http.ResponseWriter, r *http.Request, m store.Member)

// member requires an approved member's session: a page sends the visitor to
// log in and come back; an API call gets 401.
func (h Handler) member(next memberHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, _, ok := h.S.Accounts.Authenticate(r)
		if !ok {
			lang := httpapi.Lang(r)
			if strings.HasPrefix(r.URL.Path, "/en/") {
				lang = httpapi.LangEN
			}
			if r.Method == http.MethodGet && !strings.HasPrefix(r.URL.Path, "/api/") {
				w.Header().Set("Cache-Control", "no-store")
				http.Redirect(w, r, loginURL(lang, r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			back := sameSiteReferer(r)
			if strings.HasPrefix(back, "/en/") {
				lang = httpapi.LangEN
			}
			h.unauthorized(w, r, lang, back)
			return
		}
		next(w, r, m)
	})
}

// admin requires the session of one of HR's administrators.
func (h Handler) admin(next memberHandler) http.Handler {
	return h.member(func(w http.ResponseWriter, r *http.Request, m store.Member) {
		if !h.S.isAdmin(m) {
			h.fail(w, r, httpapi.Errorf(httpapi.EFORBIDDEN, "admin_only"), httpapi.PathIn(memberLang(m), "/members/"))
			return
		}
		m.Language = store.Language(httpapi.HRLang(w, r, string(m.Language))) // this request's copy only
		next(w, r, m)
	})
}

// unauthorized answers 401: problem+json for API clients, and for a form
// posted by a browser a page whose link logs in and comes back to next.
func (h Handler) unauthorized(w http.ResponseWriter, r *http.Request, lang, next string) {
	err := httpapi.Errorf(httpapi.EUNAUTHORIZED, "login_to_apply")
	if !wantsPage(r) {
		httpapi.WriteError(w, r, h.S.Log, err)
		return
	}
	p := httpapi.ProblemFor(err, lang)
	httpapi.WritePage(w, r, http.StatusUnauthorized, httpapi.Page{Lang: lang, Title: p.Title, Message: p.Detail,
		Links: []httpapi.PageLink{{Href: loginURL(lang, next), Text: httpapi.Message(lang, "to_login")}}})
}

// sameSiteReferer is the path of the page a form was posted from, when it
// is one of the portal's own, so that logging in leads back to it.
func sameSiteReferer(r *http.Request) string {
	ref, err := url.Parse(r.Referer())
	if err != nil || ref.Host != r.Host {
		return ""
	}
	return httpapi.SafeNext(ref.RequestURI(), "")
}

func loginURL(lang, next string) string {
	u := httpapi.PathIn(lang, "/login/")
	if next != "" {
		u += "?next=" + url.QueryEscape(next)
	}
	return u
}

// wantsPage reports whether the answer should be a page rather than JSON: a
// browser's form post (it asks for text/html), not an API client's.
func wantsPage(r *http.Request) bool {
	return httpapi.IsForm(r) && httpapi.WantsPage(r)
}

// fail answers an error as problem+json, or as a page with a link back.
func (h Handler) fail(w http.ResponseWriter, r *http.Request, err error, back string) {
	httpapi.Fail(w, r, h.S.Log, err, back)
}

// formLang is the language of the page a form was posted from: its hidden
// "lang" field, else the member's choice.
func formLang(r *http.Request, m store.Member) string {
	switch r.FormValue("lang") {
	case httpapi.LangEN:
		return httpapi.LangEN
	case httpapi.LangJA:
		return httpapi.LangJA
	}
	return memberLang(m)
}

// maxUploadBytes bounds a whole application upload: the résumé, the other
// fields and the multipart framing, with room to drain a résumé somewhat
// over the limit so its sender reads the 413 rather than a reset connection.
const maxUploadBytes = MaxResumeBytes + 2<<20

// maxFieldBytes bounds one text field of a multipart upload.
const maxFieldBytes = 64 << 10

// readApplication decodes an application from JSON, a urlencoded form, or
// multipart/form-data (the only encoding that carries a résumé). The
// résumé is read into memory up to one byte past the limit, so an oversized
// file is refused without being stored anywhere.
func readApplication(w http.ResponseWriter, r *http.Request) (ApplyInput, error) {
	var in ApplyInput
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		err := httpapi.Decode(w, r, &in)
		return in, err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
	mr, err := r.MultipartReader()
	r.Form = url.Values{} // the fields are read below; nothing else may parse the body again
	if err != nil {
		return in, httpapi.Errorf(httpapi.EINVALID, "malformed_upload")
	}
	tooLarge := func() error {
		_, _ = io.Copy(io.Discard, r.Body) // let the client finish sending, so it reads our answer
		return httpapi.Errorf(httpapi.ETOOLARGE, "resume_too_large", MaxResumeBytes>>20)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return in, nil
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return in, tooLarge()
		}
		if err != nil {
			return in, httpapi.Errorf(httpapi.EINVALID, "malformed_upload")
		}
		name := part.FormName()
		if name == "resume" {
			data, err := io.ReadAll(io.LimitReader(part, MaxResumeBytes+1))
			if errors.As(err, &mbe) || len(data) > MaxResumeBytes {
				return in, tooLarge()
			}
			if err != nil {
				return in, httpapi.Errorf(httpapi.EINVALID, "malformed_upload")
			}
			if len(data) > 0 { // a form with no file chosen still sends an empty part
				in.Resume = &Resume{Name: part.FileName(), Data: data}
			}
			continue
		}
		v, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
		if errors.As(err, &mbe) {
			return in, tooLarge()
		}
		if err != nil || len(v) > maxFieldBytes {
			return in, httpapi.Errorf(httpapi.ETOOLARGE, "body_too_large", maxFieldBytes)
		}
		switch name {
		case "message":
			in.Message = string(v)
		case "link":
			in.Link = string(v)
		case "contact":
			in.Contact = string(v)
		case "phone":
			in.Phone = string(v)
		case "lang":
			r.Form.Set("lang", string(v))
		}
	}
}

func (h Handler) apply(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := httpapi.Lang(r)
	id := r.PathValue("id")
	back := httpapi.PathIn(lang, "/jobs/")
	j, err := h.S.job(ctx, id)
	if err == nil {
		back = JobPath(lang, j)
	}
	m, _, ok := h.S.Accounts.Authenticate(r)
	if !ok {
		// Read nothing from a stranger: no upload is buffered before the session is known.
		h.unauthorized(w, r, lang, back)
		return
	}
	if err != nil {
		h.fail(w, r, err, back)
		return
	}
	in, err := readApplication(w, r)
	if err != nil {
		h.fail(w, r, err, back)
		return
	}
	a, created, err := h.S.Apply(ctx, m, id, in)
	if err != nil {
		h.fail(w, r, err, back)
		return
	}
	if wantsPage(r) {
		http.Redirect(w, r, httpapi.PathIn(formLang(r, m), "/members/me/applications/")+"?applied="+url.QueryEscape(j.ID), http.StatusSeeOther)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", "/api/me/applications#"+a.ID)
	}
	httpapi.WriteJSON(w, status, applicantView(a, j, memberLang(m)))
}

func (h Handler) refer(w http.ResponseWriter, r *http.Request, m store.Member) {
	ctx := r.Context()
	var in ReferInput
	lang := memberLang(m)
	back := httpapi.PathIn(lang, "/jobs/")
	j, err := h.S.job(ctx, r.PathValue("id"))
	if err == nil {
		back = JobPath(lang, j)
	}
	if err == nil {
		err = httpapi.Decode(w, r, &in)
	}
	var ref store.Referral
	created := false
	if err == nil {
		ref, created, err = h.S.Refer(ctx, m, j.ID, in)
	}
	if err != nil {
		h.fail(w, r, err, back)
		return
	}
	if wantsPage(r) {
		http.Redirect(w, r, httpapi.PathIn(formLang(r, m), "/members/me/applications/")+"?referred="+url.QueryEscape(j.ID), http.StatusSeeOther)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	httpapi.WriteJSON(w, status, referrerView(ref, j, lang))
}

func (h Handler) withdraw(w http.ResponseWriter, r *http.Request, m store.Member) {
	lang := formLang(r, m)
	a, err := h.S.Withdraw(r.Context(), m, r.PathValue("id"))
	if err != nil {
		h.fail(w, r, err, httpapi.PathIn(lang, "/members/me/applications/"))
		return
	}
	if httpapi.IsForm(r) {
		http.Redirect(w, r, httpapi.PathIn(lang, "/members/me/applications/")+"?withdrawn=1", http.StatusSeeOther)
		return
	}
	j, _ := h.S.Store.GetJob(r.Context(), a.JobID)
	httpapi.WriteJSON(w, http.StatusOK, applicantView(a, j, lang))
}

func (h Handler) mine(w http.ResponseWriter, r *http.Request, m store.Member) {
	v, err := h.S.Mine(r.Context(), m)
	if err != nil {
		h.fail(w, r, err, "")
		return
	}
	w.Header().Set("Cache-Control", "private, no-store")
	httpapi.WriteJSON(w, http.StatusOK, v)
}

func (h Handler) unsubscribePage(w http.ResponseWriter, r *http.Request) {
	lang := httpapi.Lang(r)
	token := r.URL.Query().Get("token")
	if _, ok := h.S.Keys.Verify(token); !ok {
		httpapi.WriteFormError(w, r, httpapi.Errorf(httpapi.ENOTFOUND, "link_invalid"), "")
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpapi.RenderTemplate(w, r, http.StatusOK, httpapi.View{Lang: lang, Title: pageText[lang]["unsubscribe_title"]},
		unsubscribeTmpl(), map[string]any{"Lang": lang, "T": pageText[lang], "Token": token})
}

func (h Handler) unsubscribe(w http.ResponseWriter, r *http.Request) {
	lang := httpapi.Lang(r)
	token := r.URL.Query().Get("token")
	if token == "" {
		token = r.FormValue("token")
	}
	if err := h.S.Unsubscribe(r.Context(), token); err != nil {
		h.fail(w, r, err, "")
		return
	}
	// RFC 8058 one-click posts expect a plain success; people see a page.
	if r.FormValue("List-Unsubscribe") == "One-Click" || !wantsPage(r) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	httpapi.WritePage(w, r, http.StatusOK, httpapi.Page{Lang: lang, Title: pageText[lang]["unsubscribed_title"], Message: pageText[lang]["unsubscribed"]})
}
