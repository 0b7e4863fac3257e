package store

import (
	"context"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Events keeps events (their machine-facing fields, synced from content/ by
// `okaeri sync`) and the RSVPs alumni make to them, with a waitlist in order
// of arrival.
//
// The rule every engine holds under any concurrency: the seats held by an
// event's confirmed RSVPs and open offers (Event.Taken; one seat for the
// member plus one per guest) never exceed its capacity. Lowering the
// capacity below Taken keeps every confirmation and takes no new one until
// enough seats are free again. Newcomers take a free seat only when nobody
// is waiting; a seat freed while people wait is offered by FillSeats to the
// first in line, held for them alone until the offer expires, and offered to
// the next when it lapses (ExpireOffers, then FillSeats).
type Events interface {
	// PutEvent inserts an event or updates the fields sync owns, keeping its
	// counters (Taken, Waiting). A zero SyncedAt is set to the current time.
	// It returns the event as stored. It offers no seat itself: after a
	// capacity raise the caller runs FillSeats. ErrInvalid for a bad event;
	// nothing is written.
	PutEvent(ctx context.Context, e Event) (Event, error)
	// GetEvent returns the event with this id, or ErrNotFound.
	GetEvent(ctx context.Context, id string) (Event, error)
	// ListEvents returns every event ordered by Start, then ID. A company runs
	// tens of events a year, so there is no paging.
	ListEvents(ctx context.Context) ([]Event, error)

	// CreateRSVP answers a member's RSVP. If the member already has an
	// active RSVP (confirmed, waitlisted or offered) it is returned unchanged
	// with created=false, whatever the request says: one RSVP per member per
	// event under any concurrency. Otherwise (none yet, or cancelled or
	// lapsed) the RSVP takes the next place in the order of arrival and is
	// confirmed if its seats are free and nobody is waiting, else waitlisted.
	// ErrNotFound for an unknown event; ErrInvalid for bad data or more
	// guests than the event allows (field "guests"). Deadlines are the
	// caller's rule, not the store's.
	CreateRSVP(ctx context.Context, r RSVPRequest) (rsvp RSVP, created bool, err error)
	// GetRSVP returns a member's RSVP to an event, with its waitlist
	// Position, or ErrNotFound.
	GetRSVP(ctx context.Context, eventID, memberID string) (RSVP, error)
	// ListRSVPs returns every RSVP to an event ordered by Seq (arrival), with
	// waitlist positions; erased ones are included under their anonymous id.
	ListRSVPs(ctx context.Context, eventID string) ([]RSVP, error)
	// ListMemberRSVPs returns a member's RSVPs ordered by event id.
	ListMemberRSVPs(ctx context.Context, memberID string) ([]RSVP, error)
	// CancelRSVP cancels a member's active RSVP at now, freeing its seats or
	// its place in line, and returns it. An RSVP that is not active is
	// returned unchanged. ErrNotFound if the member has no RSVP. The caller
	// runs FillSeats to offer freed seats.
	CancelRSVP(ctx context.Context, eventID, memberID string, now time.Time) (RSVP, error)
	// FillSeats offers free seats to the waitlist in order of arrival: while
	// people wait and the first in line's seats are free, that RSVP becomes
	// offered until terms.ExpiresAt, holding its seats. A party too large for
	// the free seats waits at the head of the line; nobody behind it jumps
	// ahead. It returns the offers made (none if terms.ExpiresAt is not
	// after terms.Now). ErrNotFound for an unknown event.
	FillSeats(ctx context.Context, eventID string, terms OfferTerms) ([]RSVP, error)
	// ConfirmOffer turns a member's open offer into a confirmed RSVP. An RSVP
	// already confirmed is returned unchanged. ErrNotFound if the member has
	// no RSVP; ErrPrecondition if it holds no offer or the offer expired
	// (OfferExpiresAt at or before now).
	ConfirmOffer(ctx context.Context, eventID, memberID string, now time.Time) (RSVP, error)
	// ListOffers returns the event's open offers (seats held for the first
	// in line until they answer), in line order, read from the event's own
	// line entries: what HR's console shows as offers about to lapse. An
	// offer past its expiry is listed until ExpireOffers lapses it.
	ListOffers(ctx context.Context, eventID string) ([]Offer, error)
	// ExpireOffers lapses the event's offers that expired at or before now,
	// freeing their seats, and returns them. The caller runs FillSeats.
	ExpireOffers(ctx context.Context, eventID string, now time.Time) ([]RSVP, error)

	// ClaimReminder marks a confirmed RSVP's reminder as sent at now and
	// returns the RSVP; under any concurrency and however often it is asked,
	// one caller succeeds. ErrPrecondition if the RSVP is not confirmed or
	// its reminder was claimed already; ErrNotFound if there is no RSVP.
	ClaimReminder(ctx context.Context, eventID, memberID string, now time.Time) (RSVP, error)
	// ReleaseReminder undoes a claim whose email could not be sent, so a
	// later run tries again. ErrNotFound if there is no RSVP.
	ReleaseReminder(ctx context.Context, eventID, memberID string) error
	// SetAttendance records that a confirmed member came (attended=true: the
	// first AttendedAt and CheckedInBy are kept) or clears it. ErrNotFound if
	// there is no RSVP; ErrPrecondition if it is not confirmed.
	SetAttendance(ctx context.Context, eventID, memberID string, attended bool, by string, now time.Time) (RSVP, error)

	// EraseMemberRSVPs removes a member from their RSVPs: each active one is
	// cancelled first (freeing its seats), then every RSVP is kept under an
	// anonymous id ("erased-" + NewID()) with ErasedAt set, so the event's
	// counts and attendance stay right without naming anyone. It returns the
	// ids of events where seats or places were freed, for FillSeats. Running
	// it again finds nothing.
	EraseMemberRSVPs(ctx context.Context, memberID string, now time.Time) ([]string, error)
}

// Event is what the store keeps of an event: the fields `okaeri sync` takes
// from content/ and the seat counters the store maintains.
type Event struct {
	ID            string            `json:"id"`                 // the content file's base name
	Title         map[string]string `json:"title"`              // by language; Japanese required
	Location      map[string]string `json:"location,omitempty"` // by language
	Start         time.Time         `json:"start"`
	End           time.Time         `json:"end"`
	Online        bool              `json:"online"`
	OnlineURL     string            `json:"onlineUrl,omitempty"` // the meeting link: for confirmed attendees only, never published
	Capacity      int               `json:"capacity"`
	RSVPDeadline  time.Time         `json:"rsvpDeadline,omitzero"` // zero: RSVPs close at Start
	GuestsAllowed int               `json:"guestsAllowed"`         // +N guests one member may bring
	Visibility    string            `json:"visibility"`            // VisibilityPublic or VisibilityMembers (declared with jobs)
	SyncedAt      time.Time         `json:"syncedAt"`

	// Taken counts the seats held by confirmed RSVPs and open offers, and
	// Waiting the RSVPs in line without an offer. The store maintains both;
	// PutEvent never changes them.
	Taken   int `json:"taken"`
	Waiting int `json:"waiting"`
}

// SeatsLeft is how many seats a newcomer could take now (0 when full, or
// when the capacity was lowered below the seats taken).
func (e Event) SeatsLeft() int { return max(0, e.Capacity-e.Taken) }

// Closes is when RSVPs close: the deadline, or the start if there is none.
func (e Event) Closes() time.Time {
	if !e.RSVPDeadline.IsZero() {
		return e.RSVPDeadline
	}
	return e.Start
}

// RSVPStatus is where an RSVP stands.
type RSVPStatus string

// RSVP statuses. Confirmed, waitlisted and offered RSVPs are active.
const (
	RSVPConfirmed  RSVPStatus = "confirmed"  // holds its seats
	RSVPWaitlisted RSVPStatus = "waitlisted" // in line, in order of arrival
	RSVPOffered    RSVPStatus = "offered"    // was first in line: seats held until OfferExpiresAt
	RSVPCancelled  RSVPStatus = "cancelled"  // the member cancelled
	RSVPLapsed     RSVPStatus = "lapsed"     // an offer expired unanswered
)

// ValidRSVPStatus reports whether s is a known RSVP status.
func ValidRSVPStatus(s RSVPStatus) bool {
	switch s {
	case RSVPConfirmed, RSVPWaitlisted, RSVPOffered, RSVPCancelled, RSVPLapsed:
		return true
	}
	return false
}

// RSVP is one member's answer to one event.
type RSVP struct {
	EventID  string     `json:"eventId"`
	MemberID string     `json:"memberId"` // "erased-..." after erasure
	Status   RSVPStatus `json:"status"`
	Guests   int        `json:"guests"`
	// Seq is the RSVP's place in the order of arrival at its event (1, 2, ...);
	// a new RSVP after a cancellation takes a new, later place.
	Seq int64 `json:"seq"`
	// Position is the 1-based place in the waitlist of a waitlisted RSVP
	// (0 otherwise), computed when read, never stored.
	Position int `json:"position,omitempty"`

	CreatedAt      time.Time `json:"createdAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
	ConfirmedAt    time.Time `json:"confirmedAt,omitzero"`
	OfferedAt      time.Time `json:"offeredAt,omitzero"`
	OfferExpiresAt time.Time `json:"offerExpiresAt,omitzero"`
	CancelledAt    time.Time `json:"cancelledAt,omitzero"`
	RemindedAt     time.Time `json:"remindedAt,omitzero"`
	AttendedAt     time.Time `json:"attendedAt,omitzero"`
	CheckedInBy    string    `json:"checkedInBy,omitempty"` // an actor such as "hr:<member id>"
	ErasedAt       time.Time `json:"erasedAt,omitzero"`
}

// Seats is how many seats the RSVP needs: the member and their guests.
func (r RSVP) Seats() int { return 1 + r.Guests }

// Active reports whether the RSVP still counts: confirmed, waitlisted or offered.
func (r RSVP) Active() bool {
	return r.Status == RSVPConfirmed || r.Status == RSVPWaitlisted || r.Status == RSVPOffered
}

// HoldsSeats reports whether the RSVP's seats count in Event.Taken.
func (r RSVP) HoldsSeats() bool { return r.Status == RSVPConfirmed || r.Status == RSVPOffered }

// Offer is an open offer of seats to a member in line.
type Offer struct {
	MemberID  string    `json:"memberId"`
	ExpiresAt time.Time `json:"expiresAt"`
}

// RSVPRequest is a member asking for a seat.
type RSVPRequest struct {
	EventID  string
	MemberID string
	Guests   int
	Now      time.Time
}

// OfferTerms say when an offer made now expires. No offer is made unless
// ExpiresAt is after Now (the caller passes a zero ExpiresAt once the
// event has started).
type OfferTerms struct {
	Now       time.Time
	ExpiresAt time.Time
}

// Open reports whether offers can be made under these terms.
func (t OfferTerms) Open() bool { return t.ExpiresAt.After(t.Now) }

// ErasedPrefix starts the anonymous id an erased member's RSVPs are kept under.
const ErasedPrefix = "erased-"

// Limits of events.
const (
	maxCapacity      = 100000
	maxGuestsAllowed = 100
	maxURL           = 2000
)

// eventIDPattern is what content/ allows as an event file name.
var eventIDPattern = LazyPattern(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// ValidEventID reports whether id can name an event.
func ValidEventID(id string) bool { return eventIDPattern.MatchString(id) }

// Normalized trims text fields, puts times in UTC and drops empty translations.
func (e Event) Normalized() Event {
	e.ID = strings.TrimSpace(e.ID)
	e.Title = trimTexts(e.Title)
	e.Location = trimTexts(e.Location)
	e.OnlineURL = strings.TrimSpace(e.OnlineURL)
	e.Visibility = strings.TrimSpace(e.Visibility)
	e.Start, e.End, e.RSVPDeadline, e.SyncedAt = utc(e.Start), utc(e.End), utc(e.RSVPDeadline), utc(e.SyncedAt)
	return e
}

func trimTexts(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if v = strings.TrimSpace(v); v != "" {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// Validate checks an event as it would be stored.
func (e Event) Validate() error {
	var errs []error
	if !eventIDPattern.MatchString(e.ID) {
		errs = append(errs, invalid("id", codeFor(e.ID)))
	}
	if e.Title[string(LanguageJa)] == "" {
		errs = append(errs, invalid("title", "required"))
	}
	for _, texts := range []struct {
		field string
		m     map[string]string
	}{{"title", e.Title}, {"location", e.Location}} {
		for lang, s := range texts.m {
			if lang != string(LanguageJa) && lang != string(LanguageEn) {
				errs = append(errs, invalid(texts.field, "unknown"))
				continue
			}
			errs = append(errs, validateText(texts.field, s, maxText, false)...)
		}
	}
	switch {
	case e.Start.IsZero():
		errs = append(errs, invalid("start", "required"))
	case e.End.IsZero():
		errs = append(errs, invalid("end", "required"))
	case !e.End.After(e.Start):
		errs = append(errs, invalid("end", "order"))
	}
	if !e.RSVPDeadline.IsZero() && !e.Start.IsZero() && e.RSVPDeadline.After(e.Start) {
		errs = append(errs, invalid("rsvpDeadline", "order"))
	}
	if e.OnlineURL != "" {
		u, err := url.Parse(e.OnlineURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(e.OnlineURL) > maxURL ||
			!utf8.ValidString(e.OnlineURL) || strings.ContainsAny(e.OnlineURL, " \t\r\n") {
			errs = append(errs, invalid("onlineUrl", "format"))
		}
	}
	if e.Capacity < 1 || e.Capacity > maxCapacity {
		errs = append(errs, invalid("capacity", "format"))
	}
	if e.GuestsAllowed < 0 || e.GuestsAllowed > maxGuestsAllowed {
		errs = append(errs, invalid("guestsAllowed", "format"))
	}
	switch e.Visibility {
	case VisibilityPublic, VisibilityMembers:
	default:
		errs = append(errs, invalid("visibility", codeFor(e.Visibility)))
	}
	if e.SyncedAt.IsZero() {
		errs = append(errs, invalid("syncedAt", "required"))
	}
	if e.Taken < 0 || e.Waiting < 0 {
		errs = append(errs, invalid("taken", "format"))
	}
	return joinInvalid(errs)
}

// PrepareEvent turns what a caller passes to PutEvent into what is stored:
// normalized, SyncedAt set to now if zero, validated. Counters are the
// engine's to keep.
func PrepareEvent(e Event, now time.Time) (Event, error) {
	e = e.Normalized()
	if e.SyncedAt.IsZero() {
		e.SyncedAt = utc(now)
	}
	e.Taken, e.Waiting = 0, 0
	if err := e.Validate(); err != nil {
		return Event{}, err
	}
	return e, nil
}

// WithSyncedFields returns old with the fields sync owns taken from e: the
// counters stay old's.
func (old Event) WithSyncedFields(e Event) Event {
	e.Taken, e.Waiting = old.Taken, old.Waiting
	return e
}

// ValidateRSVPRequest checks a request's shape; the guests limit needs the event.
func ValidateRSVPRequest(r RSVPRequest) error {
	var errs []error
	if !eventIDPattern.MatchString(r.EventID) {
		errs = append(errs, invalid("eventId", codeFor(r.EventID)))
	}
	if !idPattern.MatchString(r.MemberID) || strings.HasPrefix(r.MemberID, ErasedPrefix) {
		errs = append(errs, invalid("memberId", codeFor(r.MemberID)))
	}
	if r.Guests < 0 || r.Guests > maxGuestsAllowed {
		errs = append(errs, invalid("guests", "format"))
	}
	if r.Now.IsZero() {
		errs = append(errs, invalid("now", "required"))
	}
	return joinInvalid(errs)
}

// CheckGuests refuses more guests than the event allows, and a party larger
// than the whole event, which would hold the head of the line forever.
func CheckGuests(e Event, guests int) error {
	if guests > e.GuestsAllowed || 1+guests > e.Capacity {
		return invalid("guests", "too_many")
	}
	return nil
}

// NewRSVP is the RSVP a request creates with its place seq: confirmed when
// seatsFree, else waitlisted. A previous inactive RSVP's CreatedAt is kept.
func NewRSVP(r RSVPRequest, seq int64, seatsFree bool, previous *RSVP) RSVP {
	now := utc(r.Now)
	out := RSVP{EventID: r.EventID, MemberID: r.MemberID, Guests: r.Guests, Seq: seq,
		Status: RSVPWaitlisted, CreatedAt: now, UpdatedAt: now}
	if previous != nil {
		out.CreatedAt = previous.CreatedAt
	}
	if seatsFree {
		out.Status, out.ConfirmedAt = RSVPConfirmed, now
	}
	return out
}

// SeatsFreeFor reports whether a newcomer needing seats may be confirmed now:
// nobody waits and the seats are free.
func (e Event) SeatsFreeFor(seats int) bool {
	return e.Waiting == 0 && e.Taken+seats <= e.Capacity
}

// Cancelled is r cancelled at now.
func (r RSVP) Cancelled(now time.Time) RSVP {
	r.Status, r.CancelledAt, r.UpdatedAt = RSVPCancelled, utc(now), utc(now)
	r.OfferedAt, r.OfferExpiresAt, r.Position = time.Time{}, time.Time{}, 0
	return r
}

// Offered is r offered a seat under terms.
func (r RSVP) Offered(terms OfferTerms) RSVP {
	r.Status, r.OfferedAt, r.OfferExpiresAt, r.UpdatedAt = RSVPOffered, utc(terms.Now), utc(terms.ExpiresAt), utc(terms.Now)
	r.Position = 0
	return r
}

// OfferConfirmed is r, offered, confirmed at now.
func (r RSVP) OfferConfirmed(now time.Time) RSVP {
	r.Status, r.ConfirmedAt, r.UpdatedAt = RSVPConfirmed, utc(now), utc(now)
	r.OfferExpiresAt = time.Time{}
	return r
}

// Lapsed is r, whose offer expired, out of line at now.
func (r RSVP) Lapsed(now time.Time) RSVP {
	r.Status, r.UpdatedAt = RSVPLapsed, utc(now)
	r.Position = 0
	return r
}

// Erased is r kept under an anonymous id.
func (r RSVP) Erased(now time.Time) RSVP {
	r.MemberID, r.ErasedAt, r.UpdatedAt, r.Position = ErasedPrefix+NewID(), utc(now), utc(now), 0
	return r
}

// ApplyAttendance records on r that its member came (keeping the first
// check-in) or clears it. Only a confirmed RSVP can be checked in
// (ErrPrecondition); by names who checked them in, never by address.
func ApplyAttendance(r *RSVP, attended bool, by string, now time.Time) error {
	if !attended {
		r.AttendedAt, r.CheckedInBy, r.UpdatedAt = time.Time{}, "", utc(now)
		return nil
	}
	if r.Status != RSVPConfirmed {
		return ErrPrecondition
	}
	if errs := validatePseudonym("checkedInBy", by); errs != nil {
		return joinInvalid(errs)
	}
	if r.AttendedAt.IsZero() {
		r.AttendedAt, r.CheckedInBy, r.UpdatedAt = utc(now), by, utc(now)
	}
	return nil
}

// OfferOpen reports whether r holds an offer that has not expired at now.
func (r RSVP) OfferOpen(now time.Time) bool {
	return r.Status == RSVPOffered && now.Before(r.OfferExpiresAt)
}

// Normalized puts an RSVP's times in UTC and drops the computed Position.
func (r RSVP) Normalized() RSVP {
	r.EventID, r.MemberID = strings.TrimSpace(r.EventID), strings.TrimSpace(r.MemberID)
	r.CreatedAt, r.UpdatedAt, r.ConfirmedAt = utc(r.CreatedAt), utc(r.UpdatedAt), utc(r.ConfirmedAt)
	r.OfferedAt, r.OfferExpiresAt, r.CancelledAt = utc(r.OfferedAt), utc(r.OfferExpiresAt), utc(r.CancelledAt)
	r.RemindedAt, r.AttendedAt, r.ErasedAt = utc(r.RemindedAt), utc(r.AttendedAt), utc(r.ErasedAt)
	r.Position = 0
	return r
}

// Validate checks an RSVP as a whole (for Import).
func (r RSVP) Validate() error {
	var errs []error
	if !eventIDPattern.MatchString(r.EventID) {
		errs = append(errs, invalid("eventId", codeFor(r.EventID)))
	}
	if !idPattern.MatchString(r.MemberID) {
		errs = append(errs, invalid("memberId", codeFor(r.MemberID)))
	}
	if !ValidRSVPStatus(r.Status) {
		errs = append(errs, invalid("status", codeFor(string(r.Status))))
	}
	if r.Status == RSVPOffered && r.OfferExpiresAt.IsZero() {
		errs = append(errs, invalid("offerExpiresAt", "required"))
	}
	if r.Guests < 0 || r.Guests > maxGuestsAllowed {
		errs = append(errs, invalid("guests", "format"))
	}
	if r.Seq < 1 {
		errs = append(errs, invalid("seq", "format"))
	}
	if r.CreatedAt.IsZero() {
		errs = append(errs, invalid("createdAt", "required"))
	}
	if r.UpdatedAt.Before(r.CreatedAt) {
		errs = append(errs, invalid("updatedAt", "order"))
	}
	if r.CheckedInBy != "" {
		errs = append(errs, validatePseudonym("checkedInBy", r.CheckedInBy)...)
	}
	return joinInvalid(errs)
}

// WaitlistPositions sets Position on the waitlisted RSVPs of rs, which must
// be every RSVP of one event ordered by Seq.
func WaitlistPositions(rs []RSVP) {
	n := 0
	for i := range rs {
		rs[i].Position = 0
		if rs[i].Status == RSVPWaitlisted {
			n++
			rs[i].Position = n
		}
	}
}
