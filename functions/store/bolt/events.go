package bolt

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/okaeri/okaeri/functions/store"
)

// Buckets of events and RSVPs. Every RSVP change and its counters happen in
// one write transaction, and bbolt runs one writer at a time, so the seat
// rule holds without conditions or retries.
const (
	bucketEvents        = "events"          // id -> event (with its counters)
	bucketEventSeq      = "event_seq"       // event id -> last Seq given (8 bytes)
	bucketRSVPs         = "rsvps"           // event id 0 member id -> RSVP
	bucketRSVPsBySeq    = "rsvps_by_seq"    // event id 0 seq -> member id: arrival order
	bucketWaitlist      = "waitlist"        // event id 0 seq -> member id: waitlisted RSVPs
	bucketOffers        = "offers"          // event id 0 seq -> member id: offered RSVPs
	bucketRSVPsByMember = "rsvps_by_member" // member id 0 event id -> nil
)

// eventBuckets lists the buckets above, for Open.
func eventBuckets() []string {
	return []string{bucketEvents, bucketEventSeq, bucketRSVPs, bucketRSVPsBySeq, bucketWaitlist, bucketOffers, bucketRSVPsByMember}
}

func rsvpKey(eventID, memberID string) []byte { return append(append([]byte(eventID), 0), memberID...) }
func seqKey(eventID string, seq int64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(eventID), 0), uint64(seq))
}
func memberRSVPKey(memberID, eventID string) []byte {
	return append(append([]byte(memberID), 0), eventID...)
}

// PutEvent implements store.Events.
func (s *Store) PutEvent(ctx context.Context, e store.Event) (store.Event, error) {
	e, err := store.PrepareEvent(e, s.now())
	if err != nil {
		return store.Event{}, fmt.Errorf("put event: %w", err)
	}
	err = s.update(ctx, func(tx *bolt.Tx) error {
		old, err := getEvent(tx, e.ID)
		switch {
		case err == nil:
			e = old.WithSyncedFields(e)
		case err != store.ErrNotFound:
			return err
		}
		return putJSON(bucket(tx, bucketEvents), []byte(e.ID), e)
	})
	if err != nil {
		return store.Event{}, fmt.Errorf("put event: %w", err)
	}
	return e, nil
}

// GetEvent implements store.Events.
func (s *Store) GetEvent(ctx context.Context, id string) (store.Event, error) {
	var e store.Event
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		e, err = getEvent(tx, id)
		return err
	})
	if err != nil {
		return store.Event{}, fmt.Errorf("get event: %w", err)
	}
	return e, nil
}

// ListEvents implements store.Events.
func (s *Store) ListEvents(ctx context.Context) ([]store.Event, error) {
	var out []store.Event
	err := s.view(ctx, func(tx *bolt.Tx) (err error) {
		out, err = decodeAll[store.Event](bucket(tx, bucketEvents))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Event) int { return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// CreateRSVP implements store.Events.
func (s *Store) CreateRSVP(ctx context.Context, req store.RSVPRequest) (store.RSVP, bool, error) {
	if err := store.ValidateRSVPRequest(req); err != nil {
		return store.RSVP{}, false, fmt.Errorf("create rsvp: %w", err)
	}
	var out store.RSVP
	created := false
	// Batch gathers concurrent RSVPs into one transaction and one fsync (a
	// crowd arriving when RSVPs open is exactly when that matters); fn may
	// run more than once, so it sets its results from scratch.
	err := s.batch(ctx, func(tx *bolt.Tx) error {
		out, created = store.RSVP{}, false
		ev, err := getEvent(tx, req.EventID)
		if err != nil {
			return err
		}
		old, found, err := getRSVP(tx, req.EventID, req.MemberID)
		if err != nil {
			return err
		}
		if found && old.Active() {
			out = withPosition(tx, old)
			return nil
		}
		if err := store.CheckGuests(ev, req.Guests); err != nil {
			return err
		}
		var previous *store.RSVP
		if found {
			previous = &old
			if err := bucket(tx, bucketRSVPsBySeq).Delete(seqKey(old.EventID, old.Seq)); err != nil {
				return err
			}
		}
		seq, err := nextSeq(tx, req.EventID)
		if err != nil {
			return err
		}
		r := store.NewRSVP(req, seq, ev.SeatsFreeFor(1+req.Guests), previous)
		if r.Status == store.RSVPConfirmed {
			ev.Taken += r.Seats()
		} else {
			ev.Waiting++
		}
		if err := putRSVP(tx, r); err != nil {
			return err
		}
		if err := putJSON(bucket(tx, bucketEvents), []byte(ev.ID), ev); err != nil {
			return err
		}
		out, created = withPosition(tx, r), true
		return nil
	})
	if err != nil {
		return store.RSVP{}, false, fmt.Errorf("create rsvp: %w", err)
	}
	return out, created, nil
}

// GetRSVP implements store.Events.
func (s *Store) GetRSVP(ctx context.Context, eventID, memberID string) (store.RSVP, error) {
	var out store.RSVP
	err := s.view(ctx, func(tx *bolt.Tx) error {
		r, found, err := getRSVP(tx, eventID, memberID)
		if err != nil {
			return err
		}
		if !found {
			return store.ErrNotFound
		}
		out = withPosition(tx, r)
		return nil
	})
	if err != nil {
		return store.RSVP{}, fmt.Errorf("get rsvp: %w", err)
	}
	return out, nil
}

// ListRSVPs implements store.Events.
func (s *Store) ListRSVPs(ctx context.Context, eventID string) ([]store.RSVP, error) {
	var out []store.RSVP
	err := s.view(ctx, func(tx *bolt.Tx) error {
		prefix := append([]byte(eventID), 0)
		c := bucket(tx, bucketRSVPsBySeq).Cursor()
		for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
			r, found, err := getRSVP(tx, eventID, string(v))
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("arrival index points to a missing rsvp")
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list rsvps: %w", err)
	}
	store.WaitlistPositions(out)
	return out, nil
}

// ListMemberRSVPs implements store.Events.
func (s *Store) ListMemberRSVPs(ctx context.Context, memberID string) ([]store.RSVP, error) {
	var out []store.RSVP
	err := s.view(ctx, func(tx *bolt.Tx) error {
		for _, eventID := range memberEvents(tx, memberID) {
			r, found, err := getRSVP(tx, eventID, memberID)
			if err != nil {
				return err
			}
			if found {
				out = append(out, withPosition(tx, r))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list member rsvps: %w", err)
	}
	return out, nil
}

// CancelRSVP implements store.Events.
func (s *Store) CancelRSVP(ctx context.Context, eventID, memberID string, now time.Time) (store.RSVP, error) {
	var out store.RSVP
	err := s.update(ctx, func(tx *bolt.Tx) error {
		r, found, err := getRSVP(tx, eventID, memberID)
		if err != nil {
			return err
		}
		if !found {
			return store.ErrNotFound
		}
		if !r.Active() {
			out = r
			return nil
		}
		out, err = cancelRSVP(tx, r, now)
		return err
	})
	if err != nil {
		return store.RSVP{}, fmt.Errorf("cancel rsvp: %w", err)
	}
	return out, nil
}

// cancelRSVP cancels an active RSVP and frees what it held.
func cancelRSVP(tx *bolt.Tx, r store.RSVP, now time.Time) (store.RSVP, error) {
	ev, err := getEvent(tx, r.EventID)
	if err != nil {
		return r, err
	}
	if err := leaveLine(tx, &ev, r); err != nil {
		return r, err
	}
	r = r.Cancelled(now)
	if err := putRSVP(tx, r); err != nil {
		return r, err
	}
	return r, putJSON(bucket(tx, bucketEvents), []byte(ev.ID), ev)
}

// leaveLine takes an active RSVP's seats or place out of the counters and indexes.
func leaveLine(tx *bolt.Tx, ev *store.Event, r store.RSVP) error {
	switch r.Status {
	case store.RSVPConfirmed:
		ev.Taken -= r.Seats()
	case store.RSVPOffered:
		ev.Taken -= r.Seats()
		return bucket(tx, bucketOffers).Delete(seqKey(r.EventID, r.Seq))
	case store.RSVPWaitlisted:
		ev.Waiting--
		return bucket(tx, bucketWaitlist).Delete(seqKey(r.EventID, r.Seq))
	}
	return nil
}

// FillSeats implements store.Events.
func (s *Store) FillSeats(ctx context.Context, eventID string, terms store.OfferTerms) ([]store.RSVP, error) {
	var offers []store.RSVP
	err := s.update(ctx, func(tx *bolt.Tx) error {
		offers = nil
		ev, err := getEvent(tx, eventID)
		if err != nil {
			return err
		}
		if !terms.Open() {
			return nil
		}
		prefix := append([]byte(eventID), 0)
		for ev.Waiting > 0 {
			k, v := bucket(tx, bucketWaitlist).Cursor().Seek(prefix)
			if k == nil || !hasPrefix(k, prefix) {
				break
			}
			head, found, err := getRSVP(tx, eventID, string(v))
			if err != nil {
				return err
			}
			if !found || head.Status != store.RSVPWaitlisted {
				return fmt.Errorf("waitlist entry %x does not match its rsvp", k)
			}
			if ev.Taken+head.Seats() > ev.Capacity {
				break // the first in line keeps their place until their seats are free
			}
			if err := bucket(tx, bucketWaitlist).Delete(k); err != nil {
				return err
			}
			ev.Waiting--
			ev.Taken += head.Seats()
			head = head.Offered(terms)
			if err := putRSVP(tx, head); err != nil {
				return err
			}
			offers = append(offers, head)
		}
		if len(offers) == 0 {
			return nil
		}
		return putJSON(bucket(tx, bucketEvents), []byte(ev.ID), ev)
	})
	if err != nil {
		return nil, fmt.Errorf("fill seats: %w", err)
	}
	return offers, nil
}

// ConfirmOffer implements store.Events.
func (s *Store) ConfirmOffer(ctx context.Context, eventID, memberID string, now time.Time) (store.RSVP, error) {
	var out store.RSVP
	err := s.update(ctx, func(tx *bolt.Tx) error {
		r, found, err := getRSVP(tx, eventID, memberID)
		if err != nil {
			return err
		}
		switch {
		case !found:
			return store.ErrNotFound
		case r.Status == store.RSVPConfirmed:
			out = r
			return nil
		case !r.OfferOpen(now):
			return store.ErrPrecondition
		}
		if err := bucket(tx, bucketOffers).Delete(seqKey(r.EventID, r.Seq)); err != nil {
			return err
		}
		out = r.OfferConfirmed(now)
		return putRSVP(tx, out)
	})
	if err != nil {
		return store.RSVP{}, fmt.Errorf("confirm offer: %w", err)
	}
	return out, nil
}

// ExpireOffers implements store.Events.
func (s *Store) ExpireOffers(ctx context.Context, eventID string, now time.Time) ([]store.RSVP, error) {
	var lapsed []store.RSVP
	err := s.update(ctx, func(tx *bolt.Tx) error {
		lapsed = nil
		ev, err := getEvent(tx, eventID)
		if err != nil {
			return err
		}
		prefix := append([]byte(eventID), 0)
		var due []store.RSVP
		c := bucket(tx, bucketOffers).Cursor()
		for k, v := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, v = c.Next() {
			r, found, err := getRSVP(tx, eventID, string(v))
			if err != nil {
				return err
			}
			if found && !r.OfferOpen(now) {
				due = append(due, r)
			}
		}
		for _, r := range due {
			if err := leaveLine(tx, &ev, r); err != nil {
				return err
			}
			r = r.Lapsed(now)
			if err := putRSVP(tx, r); err != nil {
				return err
			}
			lapsed = append(lapsed, r)
		}
		if len(lapsed) == 0 {
			return nil
		}
		return putJSON(bucket(tx, bucketEvents), []byte(ev.ID), ev)
	})
	if err != nil {
		return nil, fmt.Errorf("expire offers: %w", err)
	}
	return lapsed, nil
}

// ClaimReminder implements store.Events.
func (s *Store) ClaimReminder(ctx context.Context, eventID, memberID string, now time.Time) (store.RSVP, error) {
	out, err := s.changeRSVP(ctx, eventID, memberID, func(r *store.RSVP) error {
		if r.Status != store.RSVPConfirmed || !r.RemindedAt.IsZero() {
			return store.ErrPrecondition
		}
		r.RemindedAt = now.UTC()
		return nil
	})
	if err != nil {
		return store.RSVP{}, fmt.Errorf("claim reminder: %w", err)
	}
	return out, nil
}

// ReleaseReminder implements store.Events.
func (s *Store) ReleaseReminder(ctx context.Context, eventID, memberID string) error {
	_, err := s.changeRSVP(ctx, eventID, memberID, func(r *store.RSVP) error {
		r.RemindedAt = time.Time{}
		return nil
	})
	if err != nil {
		return fmt.Errorf("release reminder: %w", err)
	}
	return nil
}

// SetAttendance implements store.Events.
func (s *Store) SetAttendance(ctx context.Context, eventID, memberID string, attended bool, by string, now time.Time) (store.RSVP, error) {
	out, err := s.changeRSVP(ctx, eventID, memberID, func(r *store.RSVP) error {
		return store.ApplyAttendance(r, attended, by, now)
	})
	if err != nil {
		return store.RSVP{}, fmt.Errorf("set attendance: %w", err)
	}
	return out, nil
}

// changeRSVP reads, changes and writes one RSVP whose indexes do not move.
func (s *Store) changeRSVP(ctx context.Context, eventID, memberID string, change func(r *store.RSVP) error) (store.RSVP, error) {
	var out store.RSVP
	err := s.update(ctx, func(tx *bolt.Tx) error {
		r, found, err := getRSVP(tx, eventID, memberID)
		if err != nil {
			return err
		}
		if !found {
			return store.ErrNotFound
		}
		if err := change(&r); err != nil {
			return err
		}
		out = r
		return putJSON(bucket(tx, bucketRSVPs), rsvpKey(r.EventID, r.MemberID), r)
	})
	return withoutPosition(out), err
}

// EraseMemberRSVPs implements store.Events.
func (s *Store) EraseMemberRSVPs(ctx context.Context, memberID string, now time.Time) ([]string, error) {
	var freed []string
	err := s.update(ctx, func(tx *bolt.Tx) error {
		freed = nil
		for _, eventID := range memberEvents(tx, memberID) {
			r, found, err := getRSVP(tx, eventID, memberID)
			if err != nil {
				return err
			}
			if !found {
				if err := bucket(tx, bucketRSVPsByMember).Delete(memberRSVPKey(memberID, eventID)); err != nil {
					return err
				}
				continue
			}
			if r.Active() {
				if r, err = cancelRSVP(tx, r, now); err != nil {
					return err
				}
				freed = append(freed, eventID)
			}
			if err := bucket(tx, bucketRSVPs).Delete(rsvpKey(eventID, memberID)); err != nil {
				return err
			}
			if err := bucket(tx, bucketRSVPsByMember).Delete(memberRSVPKey(memberID, eventID)); err != nil {
				return err
			}
			anon := r.Erased(now)
			if err := putJSON(bucket(tx, bucketRSVPs), rsvpKey(anon.EventID, anon.MemberID), anon); err != nil {
				return err
			}
			if err := bucket(tx, bucketRSVPsBySeq).Put(seqKey(anon.EventID, anon.Seq), []byte(anon.MemberID)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("erase member rsvps: %w", err)
	}
	return freed, nil
}

// importRSVP writes an exported RSVP as it is, over any RSVP of the same
// member and event, with the indexes of its status.
func importRSVP(tx *bolt.Tx, r store.RSVP) error {
	old, found, err := getRSVP(tx, r.EventID, r.MemberID)
	if err != nil {
		return err
	}
	if found {
		for _, b := range []string{bucketRSVPsBySeq, bucketWaitlist, bucketOffers} {
			if err := bucket(tx, b).Delete(seqKey(old.EventID, old.Seq)); err != nil {
				return err
			}
		}
	}
	if err := raiseSeq(tx, r.EventID, r.Seq); err != nil {
		return err
	}
	return putRSVP(tx, r)
}

// ---- helpers

// batch runs fn in a write transaction shared with other concurrent callers
// (bbolt's Batch); fn must be safe to run more than once.
func (s *Store) batch(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Batch(fn)
}

func getEvent(tx *bolt.Tx, id string) (store.Event, error) {
	var e store.Event
	found, err := getJSON(bucket(tx, bucketEvents), []byte(id), &e)
	if err != nil {
		return e, err
	}
	if !found {
		return e, store.ErrNotFound
	}
	return e, nil
}

func getRSVP(tx *bolt.Tx, eventID, memberID string) (store.RSVP, bool, error) {
	var r store.RSVP
	if eventID == "" || memberID == "" {
		return r, false, nil
	}
	found, err := getJSON(bucket(tx, bucketRSVPs), rsvpKey(eventID, memberID), &r)
	return r, found, err
}

// putRSVP writes an RSVP and the indexes of its status: arrival order,
// member, and the waitlist or the offers when it is in one.
func putRSVP(tx *bolt.Tx, r store.RSVP) error {
	r = withoutPosition(r)
	if err := putJSON(bucket(tx, bucketRSVPs), rsvpKey(r.EventID, r.MemberID), r); err != nil {
		return err
	}
	k, member := seqKey(r.EventID, r.Seq), []byte(r.MemberID)
	if err := bucket(tx, bucketRSVPsBySeq).Put(k, member); err != nil {
		return err
	}
	if !isErased(r) {
		if err := bucket(tx, bucketRSVPsByMember).Put(memberRSVPKey(r.MemberID, r.EventID), nil); err != nil {
			return err
		}
	}
	switch r.Status {
	case store.RSVPWaitlisted:
		return bucket(tx, bucketWaitlist).Put(k, member)
	case store.RSVPOffered:
		return bucket(tx, bucketOffers).Put(k, member)
	}
	return nil
}

func isErased(r store.RSVP) bool { return !r.ErasedAt.IsZero() }

func withoutPosition(r store.RSVP) store.RSVP {
	r.Position = 0
	return r
}

// withPosition sets a waitlisted RSVP's place in line: one more than the
// waitlisted RSVPs that arrived before it.
func withPosition(tx *bolt.Tx, r store.RSVP) store.RSVP {
	r.Position = 0
	if r.Status != store.RSVPWaitlisted {
		return r
	}
	prefix := append([]byte(r.EventID), 0)
	mine := seqKey(r.EventID, r.Seq)
	n := 1
	c := bucket(tx, bucketWaitlist).Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix) && string(k) < string(mine); k, _ = c.Next() {
		n++
	}
	r.Position = n
	return r
}

// nextSeq hands out the next place in an event's order of arrival.
func nextSeq(tx *bolt.Tx, eventID string) (int64, error) {
	b := bucket(tx, bucketEventSeq)
	var last uint64
	if v := b.Get([]byte(eventID)); len(v) == 8 {
		last = binary.BigEndian.Uint64(v)
	}
	last++
	return int64(last), b.Put([]byte(eventID), binary.BigEndian.AppendUint64(nil, last))
}

// raiseSeq makes sure later RSVPs arrive after an imported one.
func raiseSeq(tx *bolt.Tx, eventID string, seq int64) error {
	b := bucket(tx, bucketEventSeq)
	if v := b.Get([]byte(eventID)); len(v) == 8 && int64(binary.BigEndian.Uint64(v)) >= seq {
		return nil
	}
	return b.Put([]byte(eventID), binary.BigEndian.AppendUint64(nil, uint64(seq)))
}

// memberEvents lists the events a member has RSVPs to.
func memberEvents(tx *bolt.Tx, memberID string) []string {
	var ids []string
	if memberID == "" {
		return nil
	}
	prefix := append([]byte(memberID), 0)
	c := bucket(tx, bucketRSVPsByMember).Cursor()
	for k, _ := c.Seek(prefix); k != nil && hasPrefix(k, prefix); k, _ = c.Next() {
		ids = append(ids, string(k[len(prefix):]))
	}
	return ids
}
