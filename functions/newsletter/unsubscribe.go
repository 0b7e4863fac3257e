package newsletter

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// UnsubscribePath is the one-click unsubscribe endpoint: GET shows a
// confirmation page, POST (RFC 8058, or the page's button) unsubscribes.
const UnsubscribePath = "/api/unsubscribe"

// unsubscribePrefix keeps unsubscribe tokens apart from every other value
// the keyring signs (a session id can never pass for one, nor the reverse).
const unsubscribePrefix = "unsub~"

// unsubscribeToken signs a member and a newsletter. It does not expire: an
// unsubscribe link must work in an email read months later.
func (s *Service) unsubscribeToken(memberID, slug string) string {
	return s.Keys.Sign(unsubscribePrefix + memberID + "~" + slug)
}

func (s *Service) unsubscribeURL(token string) string {
	return strings.TrimRight(s.Config.BaseURL, "/") + UnsubscribePath + "?token=" + url.QueryEscape(token)
}

// ErrBadToken means an unsubscribe link was not signed by this portal.
var ErrBadToken = errors.New("newsletter: bad unsubscribe token")

// parseToken returns the member and newsletter a token names.
func (s *Service) parseToken(token string) (memberID, slug string, err error) {
	v, ok := s.Keys.Verify(token)
	if !ok {
		return "", "", ErrBadToken
	}
	rest, ok := strings.CutPrefix(v, unsubscribePrefix)
	if !ok {
		return "", "", ErrBadToken
	}
	memberID, slug, ok = strings.Cut(rest, "~")
	if !ok || memberID == "" {
		return "", "", ErrBadToken
	}
	return memberID, slug, nil
}

// Subscribed reports, for the confirmation page, whether the member a
// token names still receives the newsletter, and their language.
func (s *Service) Subscribed(ctx context.Context, token string) (subscribed bool, lang store.Language, err error) {
	memberID, _, err := s.parseToken(token)
	if err != nil {
		return false, "", err
	}
	m, err := s.Store.GetMember(ctx, memberID)
	if errors.Is(err, store.ErrNotFound) {
		return false, "", nil // erased: nothing is sent to them anyway
	}
	if err != nil {
		return false, "", err
	}
	return m.Consents["newsletter"].Given, m.Language, nil
}

// Unsubscribe withdraws the newsletter consent of the member a token names
// (recorded in their consent history and the audit log) and puts their
// address on the suppression list, so no batch sends to it even if it was
// claimed a moment ago; the send whose link it was counts it (its
// unsubscribe counter, once per member). Doing it again changes nothing.
func (s *Service) Unsubscribe(ctx context.Context, token string) (lang store.Language, err error) {
	memberID, slug, err := s.parseToken(token)
	if err != nil {
		return "", err
	}
	now := s.Now().UTC()
	changed := false
	m, err := s.Store.UpdateMember(ctx, memberID, func(old store.Member) (store.Member, error) {
		changed = false
		c, ok := old.Consents["newsletter"]
		if !ok || !c.Given {
			return old, errUnchanged
		}
		changed = true
		old.Consents["newsletter"] = store.Consent{Given: false, PolicyVersion: c.PolicyVersion, At: now}
		old.ConsentHistory = append(old.ConsentHistory, store.ConsentChange{Purpose: "newsletter", Given: false, PolicyVersion: c.PolicyVersion, At: now})
		return old, nil
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return "", nil // erased
	case errors.Is(err, errUnchanged):
		if m, err = s.Store.GetMember(ctx, memberID); err != nil {
			return "", fmt.Errorf("unsubscribe: %w", err)
		}
	case err != nil:
		return "", fmt.Errorf("unsubscribe: %w", err)
	}
	mark := store.SuppressionMark{At: now}
	if store.ValidSlug(slug) {
		mark.Slug = slug
	}
	if _, err := s.Store.Suppress(ctx, m.Email, store.SuppressUnsubscribe, mark); err != nil {
		return "", fmt.Errorf("unsubscribe: %w", err)
	}
	if changed && mark.Slug != "" {
		// Counted for the send whose link it was (store.CounterEngaged).
		e := store.Engagement{EventID: "unsubscribe-" + mark.Slug, Type: store.EngagementUnsubscribe, Slug: mark.Slug, MemberID: m.ID, At: now}
		if _, err := s.Store.RecordEngagement(ctx, e); err != nil {
			return "", fmt.Errorf("unsubscribe: %w", err)
		}
	}
	if changed {
		if _, err := s.Store.AppendAudit(ctx, store.AuditEntry{At: now, Actor: m.ID, Action: "newsletter.unsubscribe", Subject: m.ID, Fields: []string{"consents.newsletter"}}); err != nil {
			s.Log.ErrorContext(ctx, "audit", "action", "newsletter.unsubscribe", "err", err)
		}
		s.Log.InfoContext(ctx, "newsletter: unsubscribed", "slug", slug, "to_domain", domainOf(m.Email))
	}
	return m.Language, nil
}

func domainOf(email string) string {
	if _, d, ok := strings.Cut(email, "@"); ok {
		return strings.ToLower(d)
	}
	return "?"
}

// unsubscribePage() is the confirmation page: a button that POSTs to the same
// URL, so unsubscribing never needs a login or JavaScript.
var unsubscribePage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("unsubscribe").Parse(`<div class="wrap narrow result-page">
<header class="page-header"><h1>{{.Title}}</h1></header>
<p class="lead">{{.Message}}</p>
<form method="post" action="{{.Action}}" class="actions">
<button type="submit" class="button">{{.Button}}</button>
<a class="button button-secondary" href="{{.Preferences}}">{{.PreferencesText}}</a>
</form>
</div>`))
})

type unsubscribePageData struct {
	Lang, Title, Message, Button, Preferences, PreferencesText string
	Action                                                     string
}

func (h Handler) unsubscribeGet(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	subscribed, memberLang, err := h.S.Subscribed(r.Context(), token)
	lang := langOf(r, memberLang)
	if errors.Is(err, ErrBadToken) {
		httpapi.WritePage(w, r, http.StatusBadRequest, httpapi.Page{Lang: lang, Title: httpapi.Message(lang, "title."+string(httpapi.EINVALID)),
			Message: httpapi.Message(lang, "link_invalid"), Links: []httpapi.PageLink{{Href: httpapi.PathIn(lang, "/"), Text: httpapi.Message(lang, "to_home")}}})
		return
	}
	if err != nil {
		httpapi.WriteFormError(w, r, httpapi.Internal(err), "")
		return
	}
	prefs := httpapi.PathIn(lang, "/members/preferences/")
	if !subscribed {
		httpapi.WritePage(w, r, http.StatusOK, httpapi.Page{Lang: lang, Title: httpapi.Message(lang, "unsubscribed_title"),
			Message: httpapi.Message(lang, "already_unsubscribed"), Links: []httpapi.PageLink{{Href: prefs, Text: httpapi.Message(lang, "to_preferences")}}})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer") // the token is in the URL
	httpapi.RenderTemplate(w, r, http.StatusOK, httpapi.View{Lang: lang, Title: httpapi.Message(lang, "unsubscribe_title")}, unsubscribePage(), unsubscribePageData{
		Lang: lang, Title: httpapi.Message(lang, "unsubscribe_title"), Message: httpapi.Message(lang, "unsubscribe_confirm"),
		Button: httpapi.Message(lang, "unsubscribe_button"), Preferences: prefs, PreferencesText: httpapi.Message(lang, "to_preferences"),
		Action: UnsubscribePath + "?token=" + url.QueryEscape(token),
	})
}

// unsubscribePost serves both the page's button and RFC 8058 one-click
// requests, which mail providers POST with List-Unsubscribe=One-Click.
func (h Handler) unsubscribePost(w http.ResponseWriter, r *http.Request) {
	memberLang, err := h.S.Unsubscribe(r.Context(), r.URL.Query().Get("token"))
	lang := langOf(r, memberLang)
	browser := httpapi.AcceptsHTML(r)
	switch {
	case errors.Is(err, ErrBadToken):
		e := httpapi.Errorf(httpapi.EINVALID, "link_invalid")
		if browser {
			httpapi.WriteFormError(w, r, e, httpapi.PathIn(lang, "/"))
		} else {
			httpapi.WriteError(w, r, h.S.Log, e)
		}
		return
	case err != nil:
		httpapi.WriteError(w, r, h.S.Log, httpapi.Internal(err))
		return
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	if browser {
		httpapi.WritePage(w, r, http.StatusOK, httpapi.Page{Lang: lang, Title: httpapi.Message(lang, "unsubscribed_title"),
			Message: httpapi.Message(lang, "unsubscribed"), Links: []httpapi.PageLink{{Href: httpapi.PathIn(lang, "/members/preferences/"), Text: httpapi.Message(lang, "to_preferences")}}})
		return
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "unsubscribed", "message": httpapi.Message(lang, "unsubscribed")})
}

// langOf is the member's language if known, else the request's.
func langOf(r *http.Request, member store.Language) string {
	if member == store.LanguageEn || member == store.LanguageJa {
		return string(member)
	}
	return httpapi.Lang(r)
}
