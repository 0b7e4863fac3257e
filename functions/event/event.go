// Package event is events and RSVPs: RSVP by session or by a signed link
// from an email, a waitlist that offers freed seats in order of arrival,
// calendars (.ics, Google, Outlook), reminders, and HR's attendee lists with
// check-in by hand or by the QR code in each confirmation email.
//
// The seat rule itself (never more seats taken than the capacity) lives in
// the store (store.Events) and is proven on both engines by the conformance
// suite; this package decides who may ask, when, and who is told what.
package event

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/store"
)

// Config is the events function's configuration.
type Config struct {
	BaseURL string // public origin, for links in emails and calendars
	From    mail.Address
	// OfferTTL is how long a freed seat is held for the person offered it
	// (OKAERI_OFFER_HOURS, default 24h); an offer never outlasts the event's start.
	OfferTTL time.Duration
	// RemindBefore is how long before the start `okaeri events remind`
	// reminds confirmed attendees (default 24h).
	RemindBefore time.Duration
}

// Defaults fills zero fields with the documented defaults.
func (c Config) Defaults() Config {
	if c.OfferTTL <= 0 {
		c.OfferTTL = 24 * time.Hour
	}
	if c.RemindBefore <= 0 {
		c.RemindBefore = 24 * time.Hour
	}
	return c
}

// Service holds the events logic; Handler puts it on HTTP.
type Service struct {
	Store  store.Store
	Mailer mail.Mailer
	Keys   *auth.Keyring // signs RSVP, offer, calendar and check-in links
	Config Config
	Log    *slog.Logger
	Now    func() time.Time
	// Company is the company the portal belongs to, for every email's
	// frame and sender (core.Core.Company); nil is brand.Sample.
	Company func(context.Context) brand.Company
}

// New builds a Service with defaults applied.
func New(st store.Store, m mail.Mailer, keys *auth.Keyring, cfg Config, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{Store: st, Mailer: m, Keys: keys, Config: cfg.Defaults(), Log: log, Now: time.Now}
}

// tokyo is Japan Standard Time. Japan has no daylight saving time, so a
// fixed zone is exact and needs no tz database (Lambda images may lack one).
var tokyo = time.FixedZone("JST", 9*60*60)

// offerTerms are the terms of an offer made now for e: OfferTTL, but never
// past the start; none at all once the event has started.
func (s *Service) offerTerms(e store.Event, now time.Time) store.OfferTerms {
	expires := now.Add(s.Config.OfferTTL)
	if e.Start.Before(expires) {
		expires = e.Start
	}
	return store.OfferTerms{Now: now, ExpiresAt: expires}
}

// event reads an event, mapping a missing one to 404.
func (s *Service) event(ctx context.Context, id string) (store.Event, error) {
	if !store.ValidEventID(id) {
		return store.Event{}, httpapi.Errorf(httpapi.ENOTFOUND, "event_not_found")
	}
	e, err := s.Store.GetEvent(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Event{}, httpapi.Errorf(httpapi.ENOTFOUND, "event_not_found")
	}
	if err != nil {
		return store.Event{}, httpapi.Internal(err)
	}
	return e, nil
}

// pagePath is the event's page on the site in a language.
func pagePath(e store.Event, lang string) string {
	p := "/events/" + e.ID + "/"
	if e.Visibility == store.VisibilityMembers {
		p = "/members" + p
	}
	if lang == httpapi.LangEN {
		p = "/en" + p
	}
	return p
}

// pageURL is pagePath as an absolute URL.
func (s *Service) pageURL(e store.Event, lang string) string {
	return s.Config.BaseURL + pagePath(e, lang)
}

// apiURL is an absolute URL under /api/events/{id} with a token.
func (s *Service) apiURL(e store.Event, suffix, token string) string {
	u := s.Config.BaseURL + "/api/events/" + e.ID + suffix
	if token != "" {
		u += "?token=" + url.QueryEscape(token)
	}
	return u
}

// title is the event's title in lang, Japanese when there is no translation.
func title(e store.Event, lang string) string {
	if t := e.Title[lang]; t != "" {
		return t
	}
	return e.Title[httpapi.LangJA]
}

// location is the event's place in lang, Japanese when there is no translation.
func location(e store.Event, lang string) string {
	if l := e.Location[lang]; l != "" {
		return l
	}
	return e.Location[httpapi.LangJA]
}

// memberLang is the language a member reads (ja unless en).
func memberLang(m store.Member) string {
	if m.Language == store.LanguageEn {
		return httpapi.LangEN
	}
	return httpapi.LangJA
}

// storeError maps what the store says about an RSVP to the person's error.
func storeError(err error) error {
	switch {
	case errors.Is(err, store.ErrInvalid):
		var fields []httpapi.FieldError
		for _, fe := range store.FieldErrors(err) {
			fields = append(fields, httpapi.FieldError{Field: fe.Field, Code: "format"})
		}
		return httpapi.Invalid(fields...)
	case errors.Is(err, store.ErrNotFound):
		return httpapi.Errorf(httpapi.ENOTFOUND, "rsvp_not_found")
	}
	return httpapi.Internal(err)
}

// member reads an approved member by id (for links and lists).
func (s *Service) member(ctx context.Context, id string) (store.Member, error) {
	m, err := s.Store.GetMember(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Member{}, httpapi.Errorf(httpapi.ENOTFOUND, "rsvp_link_invalid")
	}
	if err != nil {
		return store.Member{}, httpapi.Internal(err)
	}
	if m.Status != store.StatusApproved {
		return store.Member{}, httpapi.Errorf(httpapi.EFORBIDDEN, "not_approved")
	}
	return m, nil
}

// sendOffers emails each new offer; a failed email is logged (the offer
// stands and the member also sees it on the event page).
func (s *Service) sendOffers(ctx context.Context, e store.Event, offers []store.RSVP) {
	for _, o := range offers {
		m, err := s.Store.GetMember(ctx, o.MemberID)
		if err != nil {
			s.Log.ErrorContext(ctx, "offer: read member", "event", e.ID, "err", err)
			continue
		}
		if err := s.sendOffer(ctx, e, m, o); err != nil {
			s.Log.ErrorContext(ctx, "offer mail", "event", e.ID, "err", err)
		}
	}
}

// fill offers the event's free seats and emails the offers.
func (s *Service) fill(ctx context.Context, e store.Event) (int, error) {
	offers, err := s.Store.FillSeats(ctx, e.ID, s.offerTerms(e, s.Now()))
	s.sendOffers(ctx, e, offers)
	if err != nil {
		return len(offers), fmt.Errorf("fill seats of %s: %w", e.ID, err)
	}
	return len(offers), nil
}

// audit appends an audit entry; it names fields, never values.
func (s *Service) audit(ctx context.Context, actor, action, subject string, fields ...string) {
	if _, err := s.Store.AppendAudit(ctx, store.AuditEntry{At: s.Now(), Actor: actor, Action: action, Subject: subject, Fields: fields}); err != nil {
		s.Log.ErrorContext(ctx, "audit", "action", action, "err", err)
	}
}
