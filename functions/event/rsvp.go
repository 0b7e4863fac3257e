package event

import (
	"context"
	"errors"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// Info is what anyone allowed to see an event may know about it: the
// public facts and the seats left, never who is coming.
type Info struct {
	ID            string    `json:"id"`
	Title         string    `json:"title"`
	Location      string    `json:"location,omitempty"`
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	Online        bool      `json:"online"`
	Capacity      int       `json:"capacity"`
	SeatsLeft     int       `json:"seats_left"`
	Waiting       int       `json:"waiting"`
	GuestsAllowed int       `json:"guests_allowed"`
	RSVPCloses    time.Time `json:"rsvp_closes"`
	RSVPOpen      bool      `json:"rsvp_open"`
	Past          bool      `json:"past"`
	Page          string    `json:"page"`
	Calendar      Calendar  `json:"calendar"`
}

// Info describes an event for lang. A members-only event is found only for
// a member (404 otherwise, so its existence does not leak).
func (s *Service) Info(ctx context.Context, eventID, lang string, isMember bool) (Info, error) {
	e, err := s.event(ctx, eventID)
	if err != nil {
		return Info{}, err
	}
	if e.Visibility == store.VisibilityMembers && !isMember {
		return Info{}, httpapi.Errorf(httpapi.ENOTFOUND, "event_not_found")
	}
	now := s.Now()
	return Info{
		ID: e.ID, Title: title(e, lang), Location: location(e, lang), Start: e.Start.In(tokyo), End: e.End.In(tokyo),
		Online: e.Online, Capacity: e.Capacity, SeatsLeft: e.SeatsLeft(), Waiting: e.Waiting, GuestsAllowed: e.GuestsAllowed,
		RSVPCloses: e.Closes().In(tokyo), RSVPOpen: now.Before(e.Closes()), Past: !now.Before(e.Start),
		Page: pagePath(e, lang), Calendar: s.calendar(e, lang, ""),
	}, nil
}

// Answer is a member's RSVP as the API shows it to that member.
type Answer struct {
	EventID        string     `json:"event_id"`
	Status         string     `json:"status"` // confirmed, waitlisted, offered, cancelled, lapsed, or none
	Position       int        `json:"position"`
	Guests         int        `json:"guests"`
	OfferExpiresAt *time.Time `json:"offer_expires_at,omitempty"`
	Attended       bool       `json:"attended,omitempty"`
	SeatsLeft      int        `json:"seats_left"`
	// OnlineURL and the calendar with it are for confirmed attendees only.
	OnlineURL string    `json:"online_url,omitempty"`
	Calendar  *Calendar `json:"calendar,omitempty"`
}

// StatusNone is an Answer's status when the member has no RSVP.
const StatusNone = "none"

// answer shows r (nil: none) of member m to that member.
func (s *Service) answer(e store.Event, m store.Member, r *store.RSVP) Answer {
	a := Answer{EventID: e.ID, Status: StatusNone, SeatsLeft: e.SeatsLeft()}
	if r == nil {
		return a
	}
	a.Status, a.Position, a.Guests, a.Attended = string(r.Status), r.Position, r.Guests, !r.AttendedAt.IsZero()
	if r.Status == store.RSVPOffered {
		t := r.OfferExpiresAt.In(tokyo)
		a.OfferExpiresAt = &t
	}
	if r.Status == store.RSVPConfirmed {
		a.OnlineURL = e.OnlineURL
		c := s.calendar(e, memberLang(m), m.ID)
		a.Calendar = &c
	}
	return a
}

// RSVP answers a member's RSVP: 201-worthy created=true for a new one,
// created=false with the RSVP they already have. The event must not have
// started and RSVPs must be open (else 409, nothing stored), unless the
// member already has an active RSVP, which is returned as it is.
func (s *Service) RSVP(ctx context.Context, eventID string, m store.Member, guests int) (Answer, bool, error) {
	e, err := s.event(ctx, eventID)
	if err != nil {
		return Answer{}, false, err
	}
	now := s.Now()
	// A party never exceeds the event itself (the store refuses it too).
	allowed := min(e.GuestsAllowed, e.Capacity-1)
	if guests < 0 || guests > allowed || !now.Before(e.Closes()) {
		// Refused as asked, unless this is the member asking again: then
		// the answer is the RSVP they have, whatever this request says.
		if r, err := s.Store.GetRSVP(ctx, e.ID, m.ID); err == nil && r.Active() {
			return s.answer(e, m, &r), false, nil
		}
	}
	switch {
	case !now.Before(e.Start):
		return Answer{}, false, httpapi.Errorf(httpapi.ECONFLICT, "event_past")
	case !now.Before(e.Closes()):
		return Answer{}, false, httpapi.Errorf(httpapi.ECONFLICT, "rsvp_closed", closingTime(e.Closes()))
	case guests < 0:
		return Answer{}, false, httpapi.Invalid(httpapi.FieldError{Field: "guests", Code: "format"})
	case guests > allowed:
		return Answer{}, false, httpapi.Invalid(httpapi.FieldError{Field: "guests", Code: "too_many_guests", Params: []any{allowed}})
	}
	r, created, err := s.Store.CreateRSVP(ctx, store.RSVPRequest{EventID: e.ID, MemberID: m.ID, Guests: guests, Now: now})
	if err != nil {
		return Answer{}, false, storeError(err)
	}
	if created {
		if err := s.sendAnswer(ctx, e, m, r); err != nil {
			s.Log.ErrorContext(ctx, "rsvp mail", "event", e.ID, "status", r.Status, "err", err)
		}
		if e, err = s.Store.GetEvent(ctx, e.ID); err != nil {
			return Answer{}, false, httpapi.Internal(err)
		}
	}
	return s.answer(e, m, &r), created, nil
}

// Mine is a member's RSVP to an event (status none if they have none).
func (s *Service) Mine(ctx context.Context, eventID string, m store.Member) (Answer, error) {
	e, err := s.event(ctx, eventID)
	if err != nil {
		return Answer{}, err
	}
	r, err := s.Store.GetRSVP(ctx, e.ID, m.ID)
	if errors.Is(err, store.ErrNotFound) {
		return s.answer(e, m, nil), nil
	}
	if err != nil {
		return Answer{}, httpapi.Internal(err)
	}
	return s.answer(e, m, &r), nil
}

// Cancel cancels a member's RSVP and offers the freed seat to the first in
// line. Cancelling what is not active answers it unchanged; after the start
// nothing can be cancelled (409).
func (s *Service) Cancel(ctx context.Context, eventID string, m store.Member) (Answer, error) {
	e, err := s.event(ctx, eventID)
	if err != nil {
		return Answer{}, err
	}
	r, err := s.Store.GetRSVP(ctx, e.ID, m.ID)
	if err != nil {
		return Answer{}, storeError(err)
	}
	if !r.Active() {
		return s.answer(e, m, &r), nil
	}
	now := s.Now()
	if !now.Before(e.Start) {
		return Answer{}, httpapi.Errorf(httpapi.ECONFLICT, "event_past")
	}
	was := r
	if r, err = s.Store.CancelRSVP(ctx, e.ID, m.ID, now); err != nil {
		return Answer{}, storeError(err)
	}
	// The store cancels once: a second request, or one that lost the race
	// to another, gets the RSVP as the first cancelled it, at its instant.
	// Only the request whose cancellation it is sends the confirmation.
	if r.Status == store.RSVPCancelled && r.CancelledAt.Equal(now) {
		if err := s.sendCancelled(ctx, e, m, was); err != nil {
			s.Log.ErrorContext(ctx, "cancel mail", "event", e.ID, "err", err)
		}
	}
	if _, err := s.fill(ctx, e); err != nil {
		// The cancellation stands; the next scheduled run offers the seat.
		s.Log.ErrorContext(ctx, "fill after cancel", "event", e.ID, "err", err)
	}
	if e, err = s.Store.GetEvent(ctx, e.ID); err != nil {
		return Answer{}, httpapi.Internal(err)
	}
	return s.answer(e, m, &r), nil
}

// ConfirmOffer confirms the seat an offer link names. The link must be for
// the member's current offer; a lapsed or replaced offer is 409.
func (s *Service) ConfirmOffer(ctx context.Context, eventID, token string) (store.Event, store.Member, Answer, error) {
	now := s.Now()
	c, err := s.verify(token, purposeOffer, eventID, now)
	if err != nil {
		return store.Event{}, store.Member{}, Answer{}, err
	}
	e, err := s.event(ctx, eventID)
	if err != nil {
		return store.Event{}, store.Member{}, Answer{}, err
	}
	m, err := s.member(ctx, c.Member)
	if err != nil {
		return e, store.Member{}, Answer{}, err
	}
	r, err := s.Store.GetRSVP(ctx, e.ID, m.ID)
	if err != nil {
		return e, m, Answer{}, storeError(err)
	}
	gone := httpapi.Errorf(httpapi.ECONFLICT, "offer_gone")
	switch {
	case r.Status == store.RSVPConfirmed:
		return e, m, s.answer(e, m, &r), nil
	case r.Status != store.RSVPOffered || r.OfferedAt.UnixNano() != c.Offer:
		return e, m, Answer{}, gone
	}
	r, err = s.Store.ConfirmOffer(ctx, e.ID, m.ID, now)
	if errors.Is(err, store.ErrPrecondition) {
		return e, m, Answer{}, gone
	}
	if err != nil {
		return e, m, Answer{}, storeError(err)
	}
	if err := s.sendAnswer(ctx, e, m, r); err != nil {
		s.Log.ErrorContext(ctx, "rsvp mail", "event", e.ID, "status", r.Status, "err", err)
	}
	return e, m, s.answer(e, m, &r), nil
}

// linkMember is the member a signed RSVP link names, for eventID.
func (s *Service) linkMember(ctx context.Context, eventID, token string) (store.Member, error) {
	c, err := s.verify(token, purposeRSVP, eventID, s.Now())
	if err != nil {
		return store.Member{}, err
	}
	return s.member(ctx, c.Member)
}

// calendarMember is the confirmed attendee a calendar link names, or ok=false.
func (s *Service) calendarMember(ctx context.Context, e store.Event, token string) (store.Member, bool) {
	c, err := s.verify(token, purposeCalendar, e.ID, s.Now())
	if err != nil {
		return store.Member{}, false
	}
	m, err := s.member(ctx, c.Member)
	if err != nil {
		return store.Member{}, false
	}
	return m, s.confirmed(ctx, e, m.ID)
}

// confirmed reports whether the member holds a confirmed RSVP to e.
func (s *Service) confirmed(ctx context.Context, e store.Event, memberID string) bool {
	r, err := s.Store.GetRSVP(ctx, e.ID, memberID)
	return err == nil && r.Status == store.RSVPConfirmed
}
