package newsletter

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// Handler puts the Service on HTTP.
type Handler struct {
	S        *Service
	Accounts *account.Service // for HR's session
}

// Routes lists every route of the newsletter function.
func (h Handler) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"GET " + UnsubscribePath:               http.HandlerFunc(h.unsubscribeGet),
		"POST " + UnsubscribePath:              http.HandlerFunc(h.unsubscribePost),
		"POST " + WebhookPath:                  httpapi.WithBodyLimit(http.HandlerFunc(h.webhook), maxWebhookBody), // SendGrid's batches
		"GET /api/hr/newsletters":              h.admin(h.list),
		"GET /api/hr/newsletters/{slug}":       h.admin(h.get),
		"POST /api/hr/newsletters/{slug}/send": h.admin(h.start),
		"POST /api/hr/newsletters/{slug}/test": h.admin(h.testSend),
		"GET /hr/newsletters":                  h.admin(h.hrNewsletters),
		"GET /hr/newsletters/{slug}":           h.admin(h.hrNewsletter),
	}
}

// admin requires a session of one of HR's administrators, as HR's other
// pages do: a page asked for without a session leads to the login page and
// back; a browser gets its refusal as a page, an API client as problem+json.
func (h Handler) admin(next func(w http.ResponseWriter, r *http.Request, m store.Member)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m, _, ok := h.Accounts.Authenticate(r)
		switch {
		case !ok && r.Method == http.MethodGet && httpapi.AcceptsHTML(r):
			http.Redirect(w, r, httpapi.PathIn(httpapi.Lang(r), "/login/")+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		case !ok:
			h.fail(w, r, httpapi.Errorf(httpapi.EUNAUTHORIZED, "login_required"), httpapi.PathIn(httpapi.Lang(r), "/login/"))
		case !h.Accounts.IsAdmin(m):
			h.fail(w, r, httpapi.Errorf(httpapi.EFORBIDDEN, "admin_only"), httpapi.PathIn(hrLang(m), "/members/"))
		default:
			m.Language = store.Language(httpapi.HRLang(w, r, string(m.Language))) // this request's copy only
			next(w, r, m)
		}
	})
}

// SendView is a send as HR sees it: everything but the frozen text.
type SendView struct {
	Slug    string           `json:"slug"`
	Status  store.SendStatus `json:"status"`
	SendAt  time.Time        `json:"send_at,omitzero"`
	Actor   string           `json:"actor"`
	Running bool             `json:"running"`
	Report  store.SendReport `json:"report"`
	Error   string           `json:"error,omitempty"`
	// Version changes with every write; a start that names it (the HR
	// page's form does) goes only if the send is still the one it names.
	Version    int64     `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
	StartedAt  time.Time `json:"started_at,omitzero"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
}

func viewOf(s store.NewsletterSend, now time.Time) SendView {
	return SendView{Slug: s.Slug, Status: s.Status, SendAt: s.SendAt, Actor: s.Actor, Running: s.LeaseOwner != "" && s.LeaseUntil.After(now),
		Report: s.Report, Error: s.Error, Version: s.Version, CreatedAt: s.CreatedAt, StartedAt: s.StartedAt, FinishedAt: s.FinishedAt}
}

func (h Handler) list(w http.ResponseWriter, r *http.Request, _ store.Member) {
	sends, err := h.S.Store.ListNewsletterSends(r.Context())
	if err != nil {
		httpapi.WriteError(w, r, h.S.Log, httpapi.Internal(err))
		return
	}
	out := make([]SendView, 0, len(sends))
	for _, s := range sends {
		out = append(out, viewOf(s, h.S.Now()))
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
}

func (h Handler) get(w http.ResponseWriter, r *http.Request, _ store.Member) {
	s, err := h.S.Store.GetNewsletterSend(r.Context(), r.PathValue("slug"))
	if err != nil {
		h.fail(w, r, err, "/hr/newsletters")
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, viewOf(s, h.S.Now()))
}

// startInput is the optional body of POST /api/hr/newsletters/{slug}/send:
// JSON, or the form on HR's page.
type startInput struct {
	// Version is the send's version the caller saw (SendView.Version): the
	// send starts only if it has not changed since. 0: whatever is stored.
	Version int64 `json:"version"`
	// Confirm is the page's checkbox; a form without it starts nothing.
	Confirm bool `json:"confirmed"`
}

// start begins the send HR asked for and answers 202 at once: locally the
// job runs in this process; on AWS the scheduled newsletter function picks
// it up within a minute and resumes it across invocations. The form on
// HR's page gets 303 back to the page with what happened; it names the
// version the page showed, so a second post of the same form (a double
// click, a reload) finds the send changed and starts nothing again.
func (h Handler) start(w http.ResponseWriter, r *http.Request, m store.Member) {
	slug := r.PathValue("slug")
	page := hrPath(slug)
	var in startInput
	if r.ContentLength != 0 { // no body: start as stored (API clients may send none)
		if err := httpapi.Decode(w, r, &in); err != nil {
			h.fail(w, r, err, page)
			return
		}
	}
	form := httpapi.IsForm(r)
	if form && !in.Confirm {
		h.fail(w, r, httpapi.Invalid(httpapi.FieldError{Field: "confirmed", Code: "required"}), page)
		return
	}
	s, err := h.S.Start(r.Context(), slug, "hr:"+m.ID, in.Version)
	if form && errors.Is(err, ErrChanged) {
		next := page + "?changed=1"
		if s.Status == store.SendScheduled || s.Status == store.SendSending || s.Status == store.SendDone {
			next = page + "?already=1"
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if err != nil {
		h.fail(w, r, err, page)
		return
	}
	if _, err := h.S.Store.AppendAudit(r.Context(), store.AuditEntry{At: h.S.Now(), Actor: "hr:" + m.ID, Action: "newsletter.send", Subject: s.Slug}); err != nil {
		h.S.Log.ErrorContext(r.Context(), "audit", "action", "newsletter.send", "err", err)
	}
	if form {
		http.Redirect(w, r, page+"?started=1", http.StatusSeeOther)
		return
	}
	httpapi.WriteJSON(w, http.StatusAccepted, viewOf(s, h.S.Now()))
}

// problem is the one mapping of the service's errors to HTTP.
func problem(err error) error {
	switch {
	case errors.Is(err, ErrNotSynced), errors.Is(err, store.ErrNotFound):
		return httpapi.Errorf(httpapi.ENOTFOUND, "newsletter_not_synced")
	case errors.Is(err, ErrRunning):
		return httpapi.Errorf(httpapi.ECONFLICT, "newsletter_running")
	case errors.Is(err, ErrNotRendered):
		return &httpapi.Error{Code: httpapi.ECONFLICT, Key: "newsletter_not_rendered", Cause: err}
	case errors.Is(err, ErrChanged):
		return httpapi.Errorf(httpapi.ECONFLICT, "newsletter_changed")
	}
	var e *httpapi.Error
	if errors.As(err, &e) {
		return e
	}
	return httpapi.Internal(err)
}

// fail answers an error: as a page with a link back for a browser (a form
// post, or a page it asked for), as problem+json otherwise.
func (h Handler) fail(w http.ResponseWriter, r *http.Request, err error, back string) {
	httpapi.Fail(w, r, h.S.Log, problem(err), back)
}

// Start marks a send to go (or scheduled, when its send_at is later) and,
// with Config.Background, runs it in this process. It returns at once.
// A version other than 0 is the send's version the caller decided on: if
// the send has been written since, Start writes nothing and returns the
// send as it is now with ErrChanged.
func (s *Service) Start(ctx context.Context, slug, actor string, version int64) (store.NewsletterSend, error) {
	send, err := s.Store.GetNewsletterSend(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return store.NewsletterSend{}, ErrNotSynced
	}
	if err != nil {
		return store.NewsletterSend{}, err
	}
	if send.Rendered == nil {
		return send, notRenderedError(slug)
	}
	now := s.Now()
	var current store.NewsletterSend
	send, err = s.Store.UpdateNewsletterSend(ctx, slug, func(old store.NewsletterSend) (store.NewsletterSend, error) {
		current = old
		if version != 0 && old.Version != version {
			return old, ErrChanged
		}
		if old.LeaseOwner != "" && old.LeaseUntil.After(now) {
			return old, ErrRunning
		}
		old.Actor, old.Error = actor, ""
		if old.SendAt.After(now) {
			old.Status = store.SendScheduled
		} else {
			// sending even before a runner starts: if this process dies,
			// the scheduler finds it and resumes.
			old.Status = store.SendSending
		}
		return old, nil
	})
	if errors.Is(err, ErrChanged) {
		return current, ErrChanged
	}
	if err != nil {
		return store.NewsletterSend{}, err
	}
	if s.Config.Background {
		s.background(slug, send.SendAt, actor)
	}
	return send, nil
}

// background runs a send in this process (okaeri serve), after waiting
// for its send_at. One at a time per send.
func (s *Service) background(slug string, at time.Time, actor string) {
	s.mu.Lock()
	if s.running == nil {
		s.running = map[string]context.CancelFunc{}
	}
	if _, busy := s.running[slug]; busy {
		s.mu.Unlock()
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.running[slug] = cancel
	s.jobs.Add(1)
	s.mu.Unlock()
	go func() {
		defer func() {
			cancel()
			s.mu.Lock()
			delete(s.running, slug)
			s.mu.Unlock()
			s.jobs.Done()
		}()
		if err := s.Sleep(ctx, at.Sub(s.Now())); err != nil {
			return
		}
		if _, err := s.Send(ctx, slug, RunOptions{Actor: actor}); err != nil {
			s.Log.ErrorContext(ctx, "newsletter: background send stopped", "slug", slug, "err", err)
		}
	}()
}

// Close stops the background sends of this process: no new batch starts,
// requests in flight finish and are recorded; then it waits for them. The
// sends stay resumable.
func (s *Service) Close() {
	s.mu.Lock()
	for _, cancel := range s.running {
		cancel()
	}
	s.mu.Unlock()
	s.jobs.Wait()
}

// RunDue runs every send that is due: scheduled ones whose send_at has
// come, and sending ones nobody is running (interrupted, or started by HR
// on AWS). The newsletter function calls it on a schedule with a deadline
// before its own timeout; a send it cannot finish in time is resumed by the
// next call.
// It returns what it ran as HR sees it (no newsletter text, fit for a log).
func (s *Service) RunDue(ctx context.Context) ([]SendView, error) {
	sends, err := s.Store.ListNewsletterSends(ctx)
	if err != nil {
		return nil, err
	}
	var out []SendView
	var errs []error
	for _, send := range sends {
		now := s.Now()
		due := (send.Status == store.SendScheduled && !send.SendAt.After(now)) ||
			(send.Status == store.SendSending && (send.LeaseOwner == "" || !send.LeaseUntil.After(now)))
		if !due {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		res, err := s.Send(ctx, send.Slug, RunOptions{Actor: "scheduler"})
		if errors.Is(err, ErrRunning) {
			continue
		}
		if errors.Is(err, ErrInterrupted) {
			err = nil // out of time: the next scheduled call resumes it
		}
		if err != nil {
			errs = append(errs, err)
		}
		out = append(out, viewOf(res, s.Now()))
	}
	return out, errors.Join(errs...)
}
