package newsletter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/store"
)

// A test send mails a newsletter to the HR member who asks, and to nobody
// else, before the real send: the edition in their language, as recipients
// get it, with 【テスト送信】 / [Test] before the subject. It leaves the send
// as it is (no status, batch, delivery or report is written) and carries no
// custom_args naming the send, so SendGrid's events about it count in no
// report; its unsubscribe link names no send either.

// testSendGap is how long a member waits between two test sends of one
// newsletter: a double click, or a form posted again, mails once.
const testSendGap = time.Minute

// ErrTestTooSoon: the member had a test of this newsletter within testSendGap.
var ErrTestTooSoon = errors.New("newsletter: a test of this newsletter was sent to you a moment ago")

// testPrefix marks a test send's subject, by edition.
var testPrefix = map[store.Language]string{store.LanguageJa: "【テスト送信】", store.LanguageEn: "[Test] "}

// TestSend mails the newsletter slug to member to alone, in the edition of
// their language. Two within testSendGap of each other: the second sends
// nothing and returns ErrTestTooSoon. It returns the edition's language.
func (s *Service) TestSend(ctx context.Context, slug string, to store.Member) (store.Language, error) {
	send, err := s.Store.GetNewsletterSend(ctx, slug)
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrNotSynced
	}
	if err != nil {
		return "", err
	}
	if send.Rendered == nil {
		return "", notRenderedError(slug)
	}
	if to.Email == "" {
		return "", httpapi.Invalid(httpapi.FieldError{Field: "email", Code: "required"})
	}
	// Two fixed windows of twice the gap, the second a gap later: two
	// tests less than a gap apart always share a window of one of them.
	now := s.Now()
	key := "newsletter.test:" + to.ID + ":" + slug
	for i, at := range []time.Time{now, now.Add(testSendGap)} {
		n, err := s.Store.HitRateLimit(ctx, fmt.Sprintf("%s:%d", key, i), 2*testSendGap, at)
		if err != nil {
			return "", fmt.Errorf("test send: %w", err)
		}
		if n > 1 {
			return "", ErrTestTooSoon
		}
	}
	rc := s.renderConfig(ctx)
	lang, _ := send.Rendered.Edition(to.Language)
	e, err := Render(*send.Rendered, lang, rc)
	if err != nil {
		return "", fmt.Errorf("newsletter %s: %w", slug, err)
	}
	e.Subject = testPrefix[lang] + e.Subject
	b := s.message(e, rc.Company, "test")
	b.Category = "newsletter-test"
	b.Recipients = []mail.BulkRecipient{s.recipient(mail.Address{Name: displayName(to, lang), Email: to.Email}, to.ID, "", nil)}
	if _, err := s.Sender.SendBulk(ctx, b); err != nil {
		return "", fmt.Errorf("newsletter %s: test send: %w", slug, err)
	}
	s.Log.InfoContext(ctx, "newsletter: test sent", "slug", slug, "lang", lang, "to_domain", domainOf(to.Email))
	return lang, nil
}

// testSend is POST /api/hr/newsletters/{slug}/test: the newsletter to the
// signed-in administrator alone. The form on HR's page gets 303 back to it
// with what happened; an API client 202, or 429 when it asked again too soon.
func (h Handler) testSend(w http.ResponseWriter, r *http.Request, m store.Member) {
	slug := r.PathValue("slug")
	page := hrPath(slug)
	lang, err := h.S.TestSend(r.Context(), slug, m)
	form := httpapi.IsForm(r)
	switch {
	case errors.Is(err, ErrTestTooSoon) && form:
		http.Redirect(w, r, page+"?tested=wait#test", http.StatusSeeOther)
		return
	case errors.Is(err, ErrTestTooSoon):
		h.fail(w, r, httpapi.Errorf(httpapi.ERATELIMITED, "rate_limited"), page)
		return
	case err != nil:
		h.fail(w, r, err, page)
		return
	}
	if _, err := h.S.Store.AppendAudit(r.Context(), store.AuditEntry{At: h.S.Now(), Actor: "hr:" + m.ID, Action: "newsletter.test", Subject: slug}); err != nil {
		h.S.Log.ErrorContext(r.Context(), "audit", "action", "newsletter.test", "err", err)
	}
	if form {
		http.Redirect(w, r, page+"?tested=1#test", http.StatusSeeOther)
		return
	}
	httpapi.WriteJSON(w, http.StatusAccepted, map[string]string{"status": "sent", "language": string(lang)})
}
