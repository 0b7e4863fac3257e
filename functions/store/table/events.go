package table

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	kv "github.com/okaeri/okaeri/functions/store/item"
	"github.com/okaeri/okaeri/functions/waitctx"
)

// Events and RSVPs (docs/events.md).
//
//   - The event item EVENT#<id>/EVENT is also the event's seat counter: it
//     holds capacity, taken (seats held by confirmed RSVPs and open offers)
//     and waiting (RSVPs in line). Every RSVP change is one transaction that
//     updates the counter on a condition and writes the RSVP, so the seat
//     rule is enforced by the engine itself: a newcomer is confirmed only if
//     the capacity is the one read, taken <= capacity - seats and nobody
//     waits, and waitlisted only under the opposite, so nobody waits while a
//     seat is free for them.
//   - The RSVPs of an event share its partition: RSVP#<member id>, one per
//     member (the natural key), WAIT#<seq> for each waitlisted RSVP and
//     OFFER#<seq> for each open offer, so the head of the line is a
//     consistent Query with Limit 1 and positions are a consistent count.
//   - EVENT#<id>/TICKET hands out the order of arrival (seq) with an atomic
//     add. It is a separate item because on DynamoDB a plain write to an
//     item in a running transaction fails with TransactionConflict.
//   - EVENTS/EVENT#<id> lists the events; MEMBERRSVP#<member id>/EVENT#<id>
//     lists a member's RSVPs, for export and erasure.
//   - An RSVP item carries a version, incremented by every write; writes that
//     replace a whole RSVP are conditioned on the version read.
//
// Nothing here reads GSI1: every list is a consistent Query of one partition.
const (
	typeEventIndex      = "event-index"
	typeEventTicket     = "event-ticket"
	typeWaitlistIndex   = "waitlist-index"
	typeOfferIndex      = "offer-index"
	typeMemberRSVPIndex = "member-rsvp-index"
	pkEvents            = "EVENTS"
	skEvent             = "EVENT"
	skTicket            = "TICKET"
	prefixRSVP          = "RSVP#"
	prefixWait          = "WAIT#"
	prefixOffer         = "OFFER#"
	prefixEvent         = "EVENT#"
	// maxRaces bounds how often one operation re-reads after losing a race;
	// each lost race is another writer's success, so this is never reached
	// in practice and only stops a bug from spinning forever.
	maxRaces = 1000
)

func init() {
	recordOf(string(store.RecordEvent), decodeEvent, func(e *store.Event) store.Record { return store.Record{Event: e} },
		func(s *Store, ctx context.Context, r store.Record) error { return s.importEvent(ctx, *r.Event) })
	recordType(string(store.RecordRSVP), func(it item) (store.Record, error) {
		r, _, err := decodeRSVP(it)
		return store.Record{RSVP: &r}, err
	}, func(s *Store, ctx context.Context, r store.Record) error { return s.importRSVP(ctx, *r.RSVP) })
	indexTypes(typeEventIndex, typeEventTicket, typeWaitlistIndex, typeOfferIndex, typeMemberRSVPIndex)
}

func eventPartition(id string) string { return prefixEvent + id }
func eventKey(id string) kv.Key       { return key(eventPartition(id), skEvent) }
func eventIndexKey(id string) kv.Key  { return key(pkEvents, prefixEvent+id) }
func ticketKey(id string) kv.Key      { return key(eventPartition(id), skTicket) }
func rsvpKey(eventID, memberID string) kv.Key {
	return key(eventPartition(eventID), prefixRSVP+memberID)
}
func seqSK(prefix string, seq int64) string { return fmt.Sprintf("%s%020d", prefix, seq) }
func waitKey(eventID string, seq int64) kv.Key {
	return key(eventPartition(eventID), seqSK(prefixWait, seq))
}
func offerKey(eventID string, seq int64) kv.Key {
	return key(eventPartition(eventID), seqSK(prefixOffer, seq))
}
func memberRSVPPartition(memberID string) string { return "MEMBERRSVP#" + memberID }
func memberRSVPKey(memberID, eventID string) kv.Key {
	return key(memberRSVPPartition(memberID), prefixEvent+eventID)
}

// ---- items

func textsAttr(m map[string]string) any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = str(v)
	}
	return out
}

func (d *decoder) texts(name string) map[string]string {
	switch v := d.it[name].(type) {
	case nil:
		return nil
	case map[string]any:
		out := make(map[string]string, len(v))
		for k, e := range v {
			s, ok := e.(string)
			if !ok {
				d.fail(name, "not a map of strings")
				return nil
			}
			out[k] = s
		}
		if len(out) == 0 {
			return nil
		}
		return out
	default:
		d.fail(name, "not a map")
		return nil
	}
}

// eventItem is the whole event item, counters included.
func eventItem(e store.Event) item {
	it := with(eventKey(e.ID), item{
		"type":           str(string(store.RecordEvent)),
		"id":             str(e.ID),
		"title":          textsAttr(e.Title),
		"start":          timeAttr(e.Start),
		"end":            timeAttr(e.End),
		"online":         e.Online,
		"capacity":       num(int64(e.Capacity)),
		"guests_allowed": num(int64(e.GuestsAllowed)),
		"visibility":     str(e.Visibility),
		"synced_at":      timeAttr(e.SyncedAt),
		"taken":          num(int64(e.Taken)),
		"waiting":        num(int64(e.Waiting)),
	})
	if len(e.Location) > 0 {
		it["location"] = textsAttr(e.Location)
	}
	putStr(it, "online_url", e.OnlineURL)
	putTime(it, "rsvp_deadline", e.RSVPDeadline)
	return it
}

func eventIndexItem(id string) item {
	return with(eventIndexKey(id), item{"type": str(typeEventIndex), "event_id": str(id)})
}

func decodeEvent(it item) (store.Event, error) {
	d := decoder{it: it}
	e := store.Event{
		ID:            d.str("id"),
		Title:         d.texts("title"),
		Location:      d.texts("location"),
		Start:         d.time("start"),
		End:           d.time("end"),
		Online:        d.flag("online"),
		OnlineURL:     d.str("online_url"),
		Capacity:      int(d.num("capacity")),
		RSVPDeadline:  d.time("rsvp_deadline"),
		GuestsAllowed: int(d.num("guests_allowed")),
		Visibility:    d.str("visibility"),
		SyncedAt:      d.time("synced_at"),
		Taken:         int(d.num("taken")),
		Waiting:       int(d.num("waiting")),
	}
	return wrapResult("decode event", e, d.err)
}

func rsvpItem(r store.RSVP, version int64) item {
	it := with(rsvpKey(r.EventID, r.MemberID), item{
		"type":       str(string(store.RecordRSVP)),
		"event_id":   str(r.EventID),
		"member_id":  str(r.MemberID),
		"status":     str(string(r.Status)),
		"guests":     num(int64(r.Guests)),
		"seq":        num(r.Seq),
		"created_at": timeAttr(r.CreatedAt),
		"updated_at": timeAttr(r.UpdatedAt),
		"version":    num(version),
	})
	putTime(it, "confirmed_at", r.ConfirmedAt)
	putTime(it, "offered_at", r.OfferedAt)
	if !r.OfferExpiresAt.IsZero() {
		it["offer_expires_ns"] = num(unixNano(r.OfferExpiresAt))
	}
	putTime(it, "cancelled_at", r.CancelledAt)
	putTime(it, "reminded_at", r.RemindedAt)
	putTime(it, "attended_at", r.AttendedAt)
	putStr(it, "checked_in_by", r.CheckedInBy)
	putTime(it, "erased_at", r.ErasedAt)
	return it
}

func decodeRSVP(it item) (store.RSVP, int64, error) {
	d := decoder{it: it}
	r := store.RSVP{
		EventID:        d.str("event_id"),
		MemberID:       d.str("member_id"),
		Status:         store.RSVPStatus(d.str("status")),
		Guests:         int(d.num("guests")),
		Seq:            d.num("seq"),
		CreatedAt:      d.time("created_at"),
		UpdatedAt:      d.time("updated_at"),
		ConfirmedAt:    d.time("confirmed_at"),
		OfferedAt:      d.time("offered_at"),
		OfferExpiresAt: d.nanos("offer_expires_ns"),
		CancelledAt:    d.time("cancelled_at"),
		RemindedAt:     d.time("reminded_at"),
		AttendedAt:     d.time("attended_at"),
		CheckedInBy:    d.str("checked_in_by"),
		ErasedAt:       d.time("erased_at"),
	}
	version := d.num("version")
	if d.err != nil {
		return store.RSVP{}, 0, fmt.Errorf("decode rsvp: %w", d.err)
	}
	return r, version, nil
}

// lineItem is the WAIT# or OFFER# entry of an RSVP in line, or nil.
func lineItem(r store.RSVP) item {
	switch r.Status {
	case store.RSVPWaitlisted:
		return with(waitKey(r.EventID, r.Seq), item{"type": str(typeWaitlistIndex), "member_id": str(r.MemberID)})
	case store.RSVPOffered:
		return with(offerKey(r.EventID, r.Seq), item{"type": str(typeOfferIndex), "member_id": str(r.MemberID),
			"offer_expires_ns": num(unixNano(r.OfferExpiresAt))})
	}
	return nil
}

// lineKey is the key of lineItem(r); ok is false when r is in no line.
func lineKey(r store.RSVP) (kv.Key, bool) {
	switch r.Status {
	case store.RSVPWaitlisted:
		return waitKey(r.EventID, r.Seq), true
	case store.RSVPOffered:
		return offerKey(r.EventID, r.Seq), true
	}
	return kv.Key{}, false
}

func memberRSVPItem(r store.RSVP) item {
	return with(memberRSVPKey(r.MemberID, r.EventID), item{"type": str(typeMemberRSVPIndex), "event_id": str(r.EventID)})
}

// ---- events

// PutEvent implements store.Events with one update that sets the fields
// sync owns, removes the optional ones left empty, and adds 0 to the
// counters (which starts them at 0 when they do not exist), so a running
// RSVP never loses a seat to a sync; then the EVENTS list entry.
func (s *Store) PutEvent(ctx context.Context, e store.Event) (store.Event, error) {
	e, err := store.PrepareEvent(e, s.now())
	if err != nil {
		return store.Event{}, fmt.Errorf("put event: %w", err)
	}
	set := eventItem(e)
	delete(set, AttrPK)
	delete(set, AttrSK)
	delete(set, "taken")
	delete(set, "waiting")
	var remove []string
	for _, name := range []string{"location", "online_url", "rsvp_deadline"} {
		if _, ok := set[name]; !ok {
			remove = append(remove, name)
		}
	}
	after, err := s.db.Write(ctx, kv.Update(eventKey(e.ID), set, map[string]int64{"taken": 0, "waiting": 0}, remove, nil))
	if err != nil {
		return store.Event{}, fmt.Errorf("put event: %w", err)
	}
	if err := s.put(ctx, eventIndexItem(e.ID)); err != nil {
		return store.Event{}, fmt.Errorf("put event: %w", err)
	}
	stored, err := decodeEvent(after)
	return wrapResult("put event", stored, err)
}

// GetEvent implements store.Events.
func (s *Store) GetEvent(ctx context.Context, id string) (store.Event, error) {
	e, err := s.getEvent(ctx, id)
	return wrapResult("get event", e, err)
}

func (s *Store) getEvent(ctx context.Context, id string) (store.Event, error) {
	if id == "" {
		return store.Event{}, store.ErrNotFound
	}
	return getDecoded(ctx, s, "get event", eventKey(id), decodeEvent)
}

// ListEvents implements store.Events: the EVENTS list (one consistent
// Query), then the events in one batch.
func (s *Store) ListEvents(ctx context.Context) ([]store.Event, error) {
	events, err := s.referencedItems(ctx, kv.Query{PK: pkEvents, Prefix: prefixEvent},
		func(d *decoder) kv.Key { return eventKey(d.str("event_id")) })
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	out := make([]store.Event, 0, len(events))
	for _, it := range events {
		if it == nil {
			continue // a list entry whose event write did not land
		}
		e, err := decodeEvent(it)
		if err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b store.Event) int { return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.ID, b.ID)) })
	return out, nil
}

// ---- RSVPs

// getRSVP reads an RSVP and its version; found is false if there is none.
func (s *Store) getRSVP(ctx context.Context, eventID, memberID string) (store.RSVP, int64, bool, error) {
	if eventID == "" || memberID == "" {
		return store.RSVP{}, 0, false, nil
	}
	it, err := s.getItem(ctx, "get rsvp", rsvpKey(eventID, memberID))
	if errors.Is(err, store.ErrNotFound) {
		return store.RSVP{}, 0, false, nil
	}
	if err != nil {
		return store.RSVP{}, 0, false, err
	}
	r, version, err := decodeRSVP(it)
	return r, version, err == nil, err
}

// rsvpWrite puts r over the version read (0: there was none).
func rsvpWrite(r store.RSVP, version int64) kv.Op {
	cond := kv.NotExists()
	if version != 0 {
		cond = kv.Eq("version", version)
	}
	return kv.Put(rsvpItem(r, version+1), cond)
}

// counterUpdate changes an event's counters by dTaken and dWaiting on
// condition cond (nil: the event exists).
func counterUpdate(eventID string, dTaken, dWaiting int, cond kv.Cond) kv.Op {
	add := map[string]int64{}
	if dTaken != 0 {
		add["taken"] = int64(dTaken)
	}
	if dWaiting != 0 || dTaken == 0 {
		add["waiting"] = int64(dWaiting)
	}
	if cond == nil {
		cond = kv.Exists()
	}
	return kv.Update(eventKey(eventID), nil, add, nil, cond)
}

// Conditions on the counter item, each on the capacity read (a sync that
// changed it sends the writer back to read again).
//
// seatsFree: the seats are free and nobody waits (for one seat: taken < capacity).
func seatsFree(ev store.Event, seats int) kv.Cond {
	return kv.And(kv.Eq("capacity", int64(ev.Capacity)), kv.Le("taken", int64(ev.Capacity-seats)), kv.Eq("waiting", int64(0)))
}

// mustWait: the seats are not free, or someone waits.
func mustWait(ev store.Event, seats int) kv.Cond {
	return kv.And(kv.Eq("capacity", int64(ev.Capacity)),
		kv.Or(kv.Gt("taken", int64(ev.Capacity-seats)), kv.Gt("waiting", int64(0))))
}

// seatsStill: the seats are still free (the head of the line may take them).
func seatsStill(ev store.Event, seats int) kv.Cond {
	return kv.And(kv.Eq("capacity", int64(ev.Capacity)), kv.Le("taken", int64(ev.Capacity-seats)))
}

// nextTicket hands out the next place in an event's order of arrival.
func (s *Store) nextTicket(ctx context.Context, eventID string) (int64, error) {
	after, err := s.db.Write(ctx, kv.Update(ticketKey(eventID), map[string]any{"type": str(typeEventTicket)},
		map[string]int64{"n": 1}, nil, nil))
	if err != nil {
		return 0, err
	}
	d := decoder{it: after}
	n := d.num("n")
	return n, d.err
}

// CreateRSVP implements store.Events: a ticket gives the RSVP its place in
// the order of arrival, then one transaction moves the counter (on the
// condition of the path taken) and writes the RSVP (on condition that the
// member's RSVP is still as read) with its list and line entries. A failed
// counter condition means the seats changed: choose again on the counter as
// it is now, keeping the ticket.
func (s *Store) CreateRSVP(ctx context.Context, req store.RSVPRequest) (store.RSVP, bool, error) {
	const op = "create rsvp"
	if err := store.ValidateRSVPRequest(req); err != nil {
		return store.RSVP{}, false, fmt.Errorf("%s: %w", op, err)
	}
	ev, err := s.getEvent(ctx, req.EventID)
	if err != nil {
		return store.RSVP{}, false, fmt.Errorf("%s: %w", op, err)
	}
	old, version, found, err := s.getRSVP(ctx, req.EventID, req.MemberID)
	if err != nil {
		return store.RSVP{}, false, fmt.Errorf("%s: %w", op, err)
	}
	if found && old.Active() {
		r, err := s.withPosition(ctx, old)
		return r, false, wrapOp(op, err)
	}
	if err := store.CheckGuests(ev, req.Guests); err != nil {
		return store.RSVP{}, false, fmt.Errorf("%s: %w", op, err)
	}
	seq, err := s.nextTicket(ctx, req.EventID)
	if err != nil {
		return store.RSVP{}, false, fmt.Errorf("%s: %w", op, err)
	}
	seats := 1 + req.Guests
	for attempt := 1; attempt <= maxRaces; attempt++ {
		var previous *store.RSVP
		if found {
			previous = &old
		}
		r := store.NewRSVP(req, seq, ev.SeatsFreeFor(seats), previous)
		ops := []kv.Op{{}, rsvpWrite(r, version), kv.Put(memberRSVPItem(r), nil)}
		if r.Status == store.RSVPConfirmed {
			ops[0] = counterUpdate(r.EventID, seats, 0, seatsFree(ev, seats))
		} else {
			ops[0] = counterUpdate(r.EventID, 0, 1, mustWait(ev, seats))
			ops = append(ops, kv.Put(lineItem(r), nil))
		}
		err := s.transact(ctx, op, ops)
		if err == nil {
			r, err = s.withPosition(ctx, r)
			return r, true, wrapOp(op, err)
		}
		i, cur, ok := failedAt(err)
		if !ok {
			return store.RSVP{}, false, fmt.Errorf("%s: %w", op, err)
		}
		if i == 1 {
			// The member's RSVP moved: a concurrent request of theirs may have won.
			if old, version, found, err = s.getRSVP(ctx, req.EventID, req.MemberID); err != nil {
				return store.RSVP{}, false, fmt.Errorf("%s: %w", op, err)
			}
			if found && old.Active() {
				r, err := s.withPosition(ctx, old)
				return r, false, wrapOp(op, err)
			}
		}
		if i == 0 && cur != nil {
			// The counter as it was when the condition failed.
			ev, err = decodeEvent(cur)
		} else {
			ev, err = s.getEvent(ctx, req.EventID)
		}
		if err != nil {
			return store.RSVP{}, false, fmt.Errorf("%s: %w", op, err)
		}
		if err := store.CheckGuests(ev, req.Guests); err != nil {
			return store.RSVP{}, false, fmt.Errorf("%s: %w", op, err)
		}
		if attempt > 1 {
			if err := waitctx.Sleep(ctx, casDelay(attempt-1)); err != nil {
				return store.RSVP{}, false, fmt.Errorf("%s: %w", op, err)
			}
		}
	}
	return store.RSVP{}, false, fmt.Errorf("%s: lost %d races in a row", op, maxRaces)
}

// withPosition sets a waitlisted RSVP's place in line: a consistent count
// of the WAIT# entries up to and including its own.
func (s *Store) withPosition(ctx context.Context, r store.RSVP) (store.RSVP, error) {
	r.Position = 0
	if r.Status != store.RSVPWaitlisted {
		return r, nil
	}
	p, err := s.db.Query(ctx, kv.Query{PK: eventPartition(r.EventID), From: prefixWait, To: seqSK(prefixWait, r.Seq), CountOnly: true})
	if err != nil {
		return r, err
	}
	r.Position = p.Count
	return r, nil
}

// GetRSVP implements store.Events.
func (s *Store) GetRSVP(ctx context.Context, eventID, memberID string) (store.RSVP, error) {
	r, _, found, err := s.getRSVP(ctx, eventID, memberID)
	if err == nil && !found {
		err = store.ErrNotFound
	}
	if err == nil {
		r, err = s.withPosition(ctx, r)
	}
	return wrapResult("get rsvp", r, err)
}

// ListRSVPs implements store.Events with one consistent Query of the event's
// RSVP# items, sorted by arrival.
func (s *Store) ListRSVPs(ctx context.Context, eventID string) ([]store.RSVP, error) {
	if eventID == "" {
		return nil, nil
	}
	out, err := queryAllOf(ctx, s, kv.Query{PK: eventPartition(eventID), Prefix: prefixRSVP}, func(it item) (store.RSVP, error) {
		r, _, err := decodeRSVP(it)
		return r, err
	})
	if err != nil {
		return nil, fmt.Errorf("list rsvps: %w", err)
	}
	slices.SortFunc(out, func(a, b store.RSVP) int { return cmp.Compare(a.Seq, b.Seq) })
	store.WaitlistPositions(out)
	return out, nil
}

// ListMemberRSVPs implements store.Events through the member's MEMBERRSVP#
// list (a consistent Query, in event id order), then the RSVPs in one batch.
func (s *Store) ListMemberRSVPs(ctx context.Context, memberID string) ([]store.RSVP, error) {
	if memberID == "" {
		return nil, nil
	}
	rsvps, err := s.referencedItems(ctx, kv.Query{PK: memberRSVPPartition(memberID), Prefix: prefixEvent},
		func(d *decoder) kv.Key { return rsvpKey(d.str("event_id"), memberID) })
	if err != nil {
		return nil, fmt.Errorf("list member rsvps: %w", err)
	}
	var out []store.RSVP
	for _, it := range rsvps {
		if it == nil {
			continue // erased, or a list entry left behind
		}
		r, _, err := decodeRSVP(it)
		if err == nil {
			r, err = s.withPosition(ctx, r)
		}
		if err != nil {
			return nil, fmt.Errorf("list member rsvps: %w", err)
		}
		out = append(out, r)
	}
	return out, nil
}

// leaveLine is the operations that take an active RSVP's seats or place
// out of the counter and drop its line entry.
func leaveLine(r store.RSVP) []kv.Op {
	var ops []kv.Op
	switch r.Status {
	case store.RSVPConfirmed, store.RSVPOffered:
		ops = append(ops, counterUpdate(r.EventID, -r.Seats(), 0, nil))
	case store.RSVPWaitlisted:
		ops = append(ops, counterUpdate(r.EventID, 0, -1, nil))
	}
	if k, ok := lineKey(r); ok {
		ops = append(ops, kv.Delete(k, nil))
	}
	return ops
}

// CancelRSVP implements store.Events: the RSVP (at the version read), the
// counter and the line entry change in one transaction.
func (s *Store) CancelRSVP(ctx context.Context, eventID, memberID string, now time.Time) (store.RSVP, error) {
	return s.changeRSVP(ctx, "cancel rsvp", eventID, memberID, func(r store.RSVP, version int64) (store.RSVP, []kv.Op, error) {
		if !r.Active() {
			return r, nil, nil
		}
		cancelled := r.Cancelled(now)
		return cancelled, append([]kv.Op{rsvpWrite(cancelled, version)}, leaveLine(r)...), nil
	})
}

// changeRSVP is a compare-and-swap on one RSVP: change gets the RSVP read
// (ErrNotFound if there is none) at its version and returns the RSVP to
// answer with and the writes that make it so (none: nothing to write). A
// lost race reads again.
func (s *Store) changeRSVP(ctx context.Context, op, eventID, memberID string, change func(r store.RSVP, version int64) (store.RSVP, []kv.Op, error)) (store.RSVP, error) {
	var out store.RSVP
	err := retryRaces(ctx, maxRaces, failedCondition, func() error {
		r, version, found, err := s.getRSVP(ctx, eventID, memberID)
		if err != nil {
			return err
		}
		if !found {
			return store.ErrNotFound
		}
		var ops []kv.Op
		if out, ops, err = change(r, version); err != nil || len(ops) == 0 {
			return err
		}
		return s.transact(ctx, op, ops)
	})
	return wrapResult(op, out, err)
}

// FillSeats implements store.Events: while people wait, it reads the head of
// the line (a consistent Query with Limit 1) and, in one transaction, takes
// its seats on the counter (on condition that they are still free), marks
// the RSVP offered (at the version read) and moves its entry from WAIT# to
// OFFER#. Two fills racing for one seat: one transaction wins, the other
// reads again.
func (s *Store) FillSeats(ctx context.Context, eventID string, terms store.OfferTerms) ([]store.RSVP, error) {
	const op = "fill seats"
	var offers []store.RSVP
	races, stale := 0, 0
	for {
		ev, err := s.getEvent(ctx, eventID)
		if err != nil {
			return offers, fmt.Errorf("%s: %w", op, err)
		}
		if !terms.Open() || ev.Waiting == 0 {
			return offers, nil
		}
		head, seq, found, err := s.headOfLine(ctx, eventID)
		if err != nil {
			return offers, fmt.Errorf("%s: %w", op, err)
		}
		if !found {
			return offers, nil
		}
		r, version, found, err := s.getRSVP(ctx, eventID, head)
		if err != nil {
			return offers, fmt.Errorf("%s: %w", op, err)
		}
		if !found || r.Status != store.RSVPWaitlisted || r.Seq != seq {
			// Read between two transactions: the next read agrees. An entry
			// that keeps disagreeing is damaged data, not a race.
			if stale++; stale > 10 {
				return offers, fmt.Errorf("%s: waitlist entry %d does not match its RSVP", op, seq)
			}
		} else {
			stale = 0
			if ev.Taken+r.Seats() > ev.Capacity {
				return offers, nil // the first in line keeps their place until their seats are free
			}
			offered := r.Offered(terms)
			err = s.transact(ctx, op, []kv.Op{
				counterUpdate(eventID, r.Seats(), -1, seatsStill(ev, r.Seats())),
				rsvpWrite(offered, version),
				kv.Delete(waitKey(eventID, r.Seq), kv.Exists()),
				kv.Put(lineItem(offered), nil),
			})
			if err == nil {
				offers = append(offers, offered)
				races = 0
				continue
			}
			if _, _, ok := failedAt(err); !ok {
				return offers, fmt.Errorf("%s: %w", op, err)
			}
		}
		// Lost a race (or read between two writes of another fill): read again.
		if races++; races > maxRaces {
			return offers, fmt.Errorf("%s: lost %d races in a row", op, maxRaces)
		}
		if err := waitctx.Sleep(ctx, casDelay(races)); err != nil {
			return offers, fmt.Errorf("%s: %w", op, err)
		}
	}
}

// headOfLine is the member id and seq of the first waitlisted RSVP.
func (s *Store) headOfLine(ctx context.Context, eventID string) (string, int64, bool, error) {
	p, err := s.db.Query(ctx, kv.Query{PK: eventPartition(eventID), Prefix: prefixWait, Limit: 1})
	if err != nil || len(p.Items) == 0 {
		return "", 0, false, err
	}
	d := decoder{it: p.Items[0]}
	sk := d.str(AttrSK)
	seq, err := strconv.ParseInt(strings.TrimPrefix(sk, prefixWait), 10, 64)
	if err != nil {
		return "", 0, false, fmt.Errorf("waitlist entry %q: %w", sk, err)
	}
	return d.str("member_id"), seq, true, nil
}

// ConfirmOffer implements store.Events: the RSVP (at the version read, still
// offered) and its OFFER# entry change in one transaction; the seats were
// already counted when the offer was made.
func (s *Store) ConfirmOffer(ctx context.Context, eventID, memberID string, now time.Time) (store.RSVP, error) {
	return s.changeRSVP(ctx, "confirm offer", eventID, memberID, func(r store.RSVP, version int64) (store.RSVP, []kv.Op, error) {
		switch {
		case r.Status == store.RSVPConfirmed:
			return r, nil, nil
		case !r.OfferOpen(now):
			return store.RSVP{}, nil, store.ErrPrecondition
		}
		confirmed := r.OfferConfirmed(now)
		return confirmed, []kv.Op{rsvpWrite(confirmed, version), kv.Delete(offerKey(eventID, r.Seq), nil)}, nil
	})
}

// ExpireOffers implements store.Events: the event's OFFER# entries say when
// each offer expires; each expired one is lapsed in its own transaction.
func (s *Store) ExpireOffers(ctx context.Context, eventID string, now time.Time) ([]store.RSVP, error) {
	const op = "expire offers"
	if _, err := s.getEvent(ctx, eventID); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	items, err := s.queryAll(ctx, kv.Query{PK: eventPartition(eventID), Prefix: prefixOffer})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var lapsed []store.RSVP
	for _, it := range items {
		d := decoder{it: it}
		if now.Before(d.nanos("offer_expires_ns")) {
			continue
		}
		r, ok, err := s.lapse(ctx, eventID, d.str("member_id"), now)
		if err != nil {
			return lapsed, fmt.Errorf("%s: %w", op, err)
		}
		if ok {
			lapsed = append(lapsed, r)
		}
	}
	return lapsed, nil
}

// ListOffers implements store.Events with one Query of the event's OFFER#
// entries (strongly consistent: they sit in the event's partition).
func (s *Store) ListOffers(ctx context.Context, eventID string) ([]store.Offer, error) {
	out, err := queryAllOf(ctx, s, kv.Query{PK: eventPartition(eventID), Prefix: prefixOffer}, func(it item) (store.Offer, error) {
		d := decoder{it: it}
		o := store.Offer{MemberID: d.str("member_id"), ExpiresAt: d.nanos("offer_expires_ns")}
		return o, d.err
	})
	return wrapResult("list offers", out, err)
}

// lapse ends one expired offer; ok is false if it was confirmed or ended meanwhile.
func (s *Store) lapse(ctx context.Context, eventID, memberID string, now time.Time) (store.RSVP, bool, error) {
	var gone store.RSVP
	lapsed := false
	err := retryRaces(ctx, maxRaces, failedCondition, func() error {
		r, version, found, err := s.getRSVP(ctx, eventID, memberID)
		if err != nil || !found || r.Status != store.RSVPOffered || r.OfferOpen(now) {
			lapsed = false
			return err
		}
		gone, lapsed = r.Lapsed(now), true
		return s.transact(ctx, "lapse offer", append([]kv.Op{rsvpWrite(gone, version)}, leaveLine(r)...))
	})
	if err != nil || !lapsed {
		return store.RSVP{}, false, err
	}
	return gone, true, nil
}

// ClaimReminder implements store.Events with one conditional update that
// returns the RSVP after it.
func (s *Store) ClaimReminder(ctx context.Context, eventID, memberID string, now time.Time) (store.RSVP, error) {
	const op = "claim reminder"
	if eventID == "" || memberID == "" {
		return store.RSVP{}, fmt.Errorf("%s: %w", op, store.ErrNotFound)
	}
	after, err := s.writeClaim(ctx, kv.Update(rsvpKey(eventID, memberID),
		map[string]any{"reminded_at": timeString(now)}, map[string]int64{"version": 1}, nil,
		kv.And(kv.Exists(), kv.Eq("status", string(store.RSVPConfirmed)), kv.Lacks("reminded_at"))))
	if old, failed := conditionFailed(err); failed {
		if len(old) == 0 {
			if _, _, found, gerr := s.getRSVP(ctx, eventID, memberID); gerr == nil && !found {
				return store.RSVP{}, fmt.Errorf("%s: %w", op, store.ErrNotFound)
			}
		}
		return store.RSVP{}, fmt.Errorf("%s: %w", op, store.ErrPrecondition)
	}
	if err != nil {
		return store.RSVP{}, fmt.Errorf("%s: %w", op, err)
	}
	r, _, err := decodeRSVP(after)
	return r, wrapOp(op, err)
}

// ReleaseReminder implements store.Events.
func (s *Store) ReleaseReminder(ctx context.Context, eventID, memberID string) error {
	if eventID == "" || memberID == "" {
		return fmt.Errorf("release reminder: %w", store.ErrNotFound)
	}
	err := s.write(ctx, kv.Update(rsvpKey(eventID, memberID), nil, map[string]int64{"version": 1},
		[]string{"reminded_at"}, kv.Exists()))
	return wrapOp("release reminder", failedAs(err, store.ErrNotFound))
}

// SetAttendance implements store.Events as compare-and-swap on the version.
func (s *Store) SetAttendance(ctx context.Context, eventID, memberID string, attended bool, by string, now time.Time) (store.RSVP, error) {
	return s.changeRSVP(ctx, "set attendance", eventID, memberID, func(r store.RSVP, version int64) (store.RSVP, []kv.Op, error) {
		before := r
		if err := store.ApplyAttendance(&r, attended, by, now); err != nil {
			return store.RSVP{}, nil, err
		}
		return r, append([]kv.Op{rsvpWrite(r, version)}, counterOps(store.AttendanceCounts(&before, &r))...), nil
	})
}

// EraseMemberRSVPs implements store.Events: per RSVP, one transaction
// cancels it if active (counter and line entry), deletes it (at the version
// read), puts its anonymous copy and drops the member's list entry. A list
// entry without its RSVP is dropped on condition that the RSVP is still
// absent, so an RSVP landing meanwhile keeps its entry and is erased on the
// next read.
func (s *Store) EraseMemberRSVPs(ctx context.Context, memberID string, now time.Time) ([]string, error) {
	const op = "erase member rsvps"
	if memberID == "" {
		return nil, nil
	}
	items, err := s.queryAll(ctx, kv.Query{PK: memberRSVPPartition(memberID), Prefix: prefixEvent})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var freed []string
	for _, it := range items {
		eventID := (&decoder{it: it}).str("event_id")
		for attempt := 1; ; attempt++ {
			r, version, found, err := s.getRSVP(ctx, eventID, memberID)
			if err != nil {
				return freed, fmt.Errorf("%s: %w", op, err)
			}
			drop := kv.Delete(memberRSVPKey(memberID, eventID), nil)
			var ops []kv.Op
			active := found && r.Active()
			if !found {
				ops = []kv.Op{kv.Check(rsvpKey(eventID, memberID), kv.NotExists()), drop}
			} else {
				if active {
					ops = leaveLine(r)
					r = r.Cancelled(now)
				}
				anon := r.Erased(now)
				ops = append(ops,
					kv.Delete(rsvpKey(eventID, memberID), kv.Eq("version", version)),
					rsvpWrite(anon, 0),
					drop)
			}
			err = s.transact(ctx, op, ops)
			if err == nil {
				if active {
					freed = append(freed, eventID)
				}
				break
			}
			if _, _, ok := failedAt(err); !ok || attempt >= maxRaces {
				return freed, fmt.Errorf("%s: %w", op, err)
			}
			if err := waitctx.Sleep(ctx, casDelay(attempt)); err != nil {
				return freed, fmt.Errorf("%s: %w", op, err)
			}
		}
	}
	return freed, nil
}

// ---- backup

// importEvent writes an exported event as it is, counters included, and its
// EVENTS entry.
func (s *Store) importEvent(ctx context.Context, e store.Event) error {
	return s.transact(ctx, "import event", []kv.Op{kv.Put(eventItem(e), nil), kv.Put(eventIndexItem(e.ID), nil)})
}

// importRSVP writes an exported RSVP over the member's RSVP to the same
// event, moving its line entry, and raises the event's ticket so later RSVPs
// arrive after it.
func (s *Store) importRSVP(ctx context.Context, r store.RSVP) error {
	err := retryRaces(ctx, maxRaces, failedCondition, func() error {
		old, version, found, err := s.getRSVP(ctx, r.EventID, r.MemberID)
		if err != nil {
			return err
		}
		var ops []kv.Op
		var was *store.RSVP
		if found {
			if k, ok := lineKey(old); ok && (old.Seq != r.Seq || old.Status != r.Status) {
				ops = append(ops, kv.Delete(k, nil))
			}
			was = &old
		}
		ops = append(ops, rsvpWrite(r, version))
		ops = append(ops, counterOps(store.AttendanceCounts(was, &r))...)
		if it := lineItem(r); it != nil {
			ops = append(ops, kv.Put(it, nil))
		}
		if r.ErasedAt.IsZero() {
			ops = append(ops, kv.Put(memberRSVPItem(r), nil))
		}
		return s.transact(ctx, "import rsvp", ops)
	})
	if err != nil {
		return err
	}
	return s.raiseTicket(ctx, r.EventID, r.Seq)
}

// raiseTicket sets the event's ticket to seq unless it is already there or
// beyond (a failed condition is that case).
func (s *Store) raiseTicket(ctx context.Context, eventID string, seq int64) error {
	err := s.write(ctx, kv.Update(ticketKey(eventID), map[string]any{"n": num(seq), "type": str(typeEventTicket)}, nil, nil,
		kv.Or(kv.Lacks("n"), kv.Lt("n", seq))))
	return failedAs(err, nil)
}
