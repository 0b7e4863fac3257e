package event

import (
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// Links in emails act without a login, so each carries a claim signed with
// the portal's keyring (the same HMAC keys as session cookies, rotated the
// same way): what it allows, for which event and member, until when. A
// claim is bound to its purpose: a calendar link cannot RSVP, an RSVP link
// cannot check anyone in.
type purpose string

const (
	purposeRSVP     purpose = "rsvp"     // an invitation: RSVP and cancel without logging in
	purposeOffer    purpose = "offer"    // confirm one seat offer
	purposeCalendar purpose = "calendar" // the .ics with the meeting link, for a confirmed attendee
	purposeCheckIn  purpose = "checkin"  // the QR code HR scans at the door
)

// claim is what a signed link says. Short JSON names keep links short.
type claim struct {
	Purpose purpose `json:"p"`
	Event   string  `json:"e"`
	Member  string  `json:"m"`
	Expires int64   `json:"x"`           // Unix seconds
	Offer   int64   `json:"o,omitempty"` // the offer's OfferedAt, Unix ns: a link names one offer
}

// sign turns a claim into a link token: base64url JSON, a key id and an
// HMAC (auth.Keyring.Sign), with no dots in the payload.
func (s *Service) sign(c claim) string {
	body, _ := json.Marshal(c) // a struct of strings and numbers always encodes
	return s.Keys.Sign(base64.RawURLEncoding.EncodeToString(body))
}

// link signs a claim for e and m of purpose p, valid until expires.
func (s *Service) link(p purpose, e store.Event, memberID string, expires time.Time) string {
	return s.sign(claim{Purpose: p, Event: e.ID, Member: memberID, Expires: expires.Unix()})
}

// verify checks a token for purpose p on event eventID at now. A forged,
// altered or malformed token, or one for another purpose or event, is
// rsvp_link_invalid; an expired one rsvp_link_expired. Both are 400s and
// change nothing.
func (s *Service) verify(token string, p purpose, eventID string, now time.Time) (claim, error) {
	invalid := httpapi.Errorf(httpapi.EINVALID, "rsvp_link_invalid")
	payload, ok := s.Keys.Verify(token)
	if !ok {
		return claim{}, invalid
	}
	body, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return claim{}, invalid
	}
	var c claim
	if err := json.Unmarshal(body, &c); err != nil || c.Purpose != p || c.Event != eventID || c.Member == "" {
		return claim{}, invalid
	}
	if !now.Before(time.Unix(c.Expires, 0)) {
		return claim{}, httpapi.Errorf(httpapi.EINVALID, "rsvp_link_expired")
	}
	return c, nil
}

// inviteLink is a member's RSVP link: it opens a page showing their RSVP
// with the buttons that fit (RSVP while RSVPs are open, cancel until the
// start), so it works until the event starts.
func (s *Service) inviteLink(e store.Event, memberID string) string {
	return s.apiURL(e, "/rsvp/invite", s.link(purposeRSVP, e, memberID, e.Start))
}

// InviteLink is the signed RSVP link an invitation to e carries for a
// member: it needs no login.
func (s *Service) InviteLink(e store.Event, memberID string) string { return s.inviteLink(e, memberID) }

// offerLink confirms one offer; it expires with the offer.
func (s *Service) offerLink(e store.Event, o store.RSVP) string {
	t := s.sign(claim{Purpose: purposeOffer, Event: e.ID, Member: o.MemberID, Expires: o.OfferExpiresAt.Unix() + 1, Offer: o.OfferedAt.UnixNano()})
	return s.apiURL(e, "/offer", t)
}

// calendarLink is the .ics with the meeting link for a confirmed attendee;
// it works until the event ends.
func (s *Service) calendarLink(e store.Event, memberID, lang string) string {
	u := s.apiURL(e, ".ics", s.link(purposeCalendar, e, memberID, e.End))
	return u + "&lang=" + lang
}

// checkInToken is what the QR code of a confirmation carries, inside the
// check-in URL; it works until a day after the event ends.
func (s *Service) checkInToken(e store.Event, memberID string) string {
	return s.link(purposeCheckIn, e, memberID, e.End.Add(24*time.Hour))
}

// checkInURL is the page HR's phone opens when scanning the QR code.
func (s *Service) checkInURL(e store.Event, memberID string) string {
	return s.Config.BaseURL + "/hr/events/" + e.ID + "/checkin?token=" + s.checkInToken(e, memberID)
}
