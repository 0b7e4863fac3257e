package dynamo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/dynamo/ddb"
	"github.com/okaeri/okaeri/functions/waitctx"
)

// Events and RSVPs.
//
//   - The event item EVENT#<id>/EVENT is also the event's seat counter: it
//     holds capacity, taken (seats held by confirmed RSVPs and open offers)
//     and waiting (RSVPs in line). Every RSVP change is one
//     TransactWriteItems that updates the counter on a condition and writes
//     the RSVP, so the seat rule is enforced by DynamoDB itself: a newcomer
//     is confirmed only under "capacity = :cap AND taken <= :cap - seats AND
//     waiting = 0" (for one seat: confirmed < capacity), and waitlisted only
//     under the opposite, so nobody waits while a seat is free for them.
//   - The RSVPs of an event share its partition: RSVP#<member id>, one per
//     member (the natural key), WAIT#<seq> for each waitlisted RSVP and
//     OFFER#<seq> for each open offer, so the head of the line is a
//     consistent Query with Limit 1 and positions are a consistent count.
//   - EVENT#<id>/TICKET hands out the order of arrival (seq) with an atomic
//     ADD. It is a separate item because a plain write to an item in a
//     running transaction fails with TransactionConflict.
//   - EVENTS/EVENT#<id> lists the events; MEMBERRSVP#<member id>/EVENT#<id>
//     lists a member's RSVPs, for export and erasure.
//   - An RSVP item carries a version, incremented by every write; writes that
//     replace a whole RSVP are conditioned on the version read.
const (
	typeEventIndex      = "event-index"
	typeEventTicket     = "event-ticket"
	typeWaitlistIndex   = "waitlist-index"
	typeOfferIndex      = "offer-index"
	typeMemberRSVPIndex = "member-rsvp-index"
	pkEvents            = "EVENTS"
	skEvent             = "EVENT"
	skTicket            = "TICKET"
	// maxRaces bounds how often one operation re-reads after losing a race;
	// each lost race is another writer's success, so this is never reached
	// in practice and only stops a bug from spinning forever.
	maxRaces = 1000
)

func eventPartition(id string) string { return "EVENT#" + id }
func eventKey(id string) item         { return key(eventPartition(id), skEvent) }
func eventIndexKey(id string) item    { return key(pkEvents, "EVENT#"+id) }
func ticketKey(id string) item        { return key(eventPartition(id), skTicket) }
func rsvpKey(eventID, memberID string) item {
	return key(eventPartition(eventID), "RSVP#"+memberID)
}
func seqSK(prefix string, seq int64) string { return fmt.Sprintf("%s%020d", prefix, seq) }
func waitKey(eventID string, seq int64) item {
	return key(eventPartition(eventID), seqSK("WAIT#", seq))
}
func offerKey(eventID string, seq int64) item {
	return key(eventPartition(eventID), seqSK("OFFER#", seq))
}
func memberRSVPKey(memberID, eventID string) item {
	return key("MEMBERRSVP#"+memberID, "EVENT#"+eventID)
}

// ---- items

func textsAttr(m map[string]string) ddb.AttributeValue {
	out := make(item, len(m))
	for k, v := range m {
		out[k] = str(v)
	}
	return &ddb.AttributeValueMemberM{Value: out}
}

func (d *decoder) texts(name string) map[string]string {
	switch v := d.it[name].(type) {
	case nil:
		return nil
	case *ddb.AttributeValueMemberM:
		out := make(map[string]string, len(v.Value))
		for k, e := range v.Value {
			s, ok := e.(*ddb.AttributeValueMemberS)
			if !ok {
				d.fail(name, "not a map of strings")
				return nil
			}
			out[k] = s.Value
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

func (d *decoder) flag(name string) bool {
	switch v := d.it[name].(type) {
	case nil:
		return false
	case *ddb.AttributeValueMemberBOOL:
		return v.Value
	default:
		d.fail(name, "not a boolean")
		return false
	}
}

// eventFields are the attributes sync owns (everything but the counters);
// optional fields that are empty are listed in remove.
func eventFields(e store.Event) (set item, remove []string) {
	set = item{
		"type":           str(string(store.RecordEvent)),
		"id":             str(e.ID),
		"title":          textsAttr(e.Title),
		"start":          timeAttr(e.Start),
		"end":            timeAttr(e.End),
		"online":         &ddb.AttributeValueMemberBOOL{Value: e.Online},
		"capacity":       num(int64(e.Capacity)),
		"guests_allowed": num(int64(e.GuestsAllowed)),
		"visibility":     str(e.Visibility),
		"synced_at":      timeAttr(e.SyncedAt),
	}
	optional := map[string]ddb.AttributeValue{}
	if len(e.Location) > 0 {
		optional["location"] = textsAttr(e.Location)
	}
	if e.OnlineURL != "" {
		optional["online_url"] = str(e.OnlineURL)
	}
	if !e.RSVPDeadline.IsZero() {
		optional["rsvp_deadline"] = timeAttr(e.RSVPDeadline)
	}
	for _, name := range []string{"location", "online_url", "rsvp_deadline"} {
		if v, ok := optional[name]; ok {
			set[name] = v
		} else {
			remove = append(remove, name)
		}
	}
	return set, remove
}

func eventItem(e store.Event) item {
	set, _ := eventFields(e)
	it := with(eventKey(e.ID), set)
	it["taken"], it["waiting"] = num(int64(e.Taken)), num(int64(e.Waiting))
	return it
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
	if d.err != nil {
		return store.Event{}, fmt.Errorf("decode event: %w", d.err)
	}
	return e, nil
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

// lineKey is the key of lineItem(r), or nil.
func lineKey(r store.RSVP) item {
	switch r.Status {
	case store.RSVPWaitlisted:
		return waitKey(r.EventID, r.Seq)
	case store.RSVPOffered:
		return offerKey(r.EventID, r.Seq)
	}
	return nil
}

func memberRSVPItem(r store.RSVP) item {
	return with(memberRSVPKey(r.MemberID, r.EventID), item{"type": str(typeMemberRSVPIndex), "event_id": str(r.EventID)})
}

// ---- events

// PutEvent implements store.Events with one UpdateItem that sets the fields
// sync owns and starts the counters at 0 only if they do not exist, so a
// running RSVP never loses a seat to a sync; then the EVENTS list entry.
func (s *Store) PutEvent(ctx context.Context, e store.Event) (store.Event, error) {
	e, err := store.PrepareEvent(e, s.now())
	if err != nil {
		return store.Event{}, fmt.Errorf("put event: %w", err)
	}
	set, remove := eventFields(e)
	values := item{":zero": num(0)}
	names := map[string]string{}
	var sets []string
	for _, name := range slices.Sorted(mapKeys(set)) {
		names["#"+name] = name
		values[":"+name] = set[name]
		sets = append(sets, "#"+name+" = :"+name)
	}
	sets = append(sets, "#taken = if_not_exists(#taken, :zero)", "#waiting = if_not_exists(#waiting, :zero)")
	names["#taken"], names["#waiting"] = "taken", "waiting"
	expr := "SET " + strings.Join(sets, ", ")
	if len(remove) > 0 {
		var rm []string
		for _, name := range remove {
			names["#"+name] = name
			rm = append(rm, "#"+name)
		}
		expr += " REMOVE " + strings.Join(rm, ", ")
	}
	out, err := call(ctx, s, "put event", func(ctx context.Context) (*ddb.UpdateItemOutput, error) {
		return s.client.UpdateItem(ctx, &ddb.UpdateItemInput{
			TableName: &s.table, Key: eventKey(e.ID), UpdateExpression: &expr,
			ExpressionAttributeNames: names, ExpressionAttributeValues: values,
			ReturnValues: ddb.ReturnValueAllNew,
		})
	})
	if err != nil {
		return store.Event{}, fmt.Errorf("put event: %w", err)
	}
	if err := s.put(ctx, "put event", with(eventIndexKey(e.ID), item{"type": str(typeEventIndex), "event_id": str(e.ID)})); err != nil {
		return store.Event{}, fmt.Errorf("put event: %w", err)
	}
	stored, err := decodeEvent(out.Attributes)
	if err != nil {
		return store.Event{}, fmt.Errorf("put event: %w", err)
	}
	return stored, nil
}

func mapKeys(m item) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// GetEvent implements store.Events.
func (s *Store) GetEvent(ctx context.Context, id string) (store.Event, error) {
	e, err := s.getEvent(ctx, id)
	if err != nil {
		return store.Event{}, fmt.Errorf("get event: %w", err)
	}
	return e, nil
}

func (s *Store) getEvent(ctx context.Context, id string) (store.Event, error) {
	if id == "" {
		return store.Event{}, store.ErrNotFound
	}
	it, err := s.getItem(ctx, "get event", eventKey(id))
	if err != nil {
		return store.Event{}, err
	}
	return decodeEvent(it)
}

// ListEvents implements store.Events: the EVENTS list, then each event.
func (s *Store) ListEvents(ctx context.Context) ([]store.Event, error) {
	items, err := s.queryAll(ctx, "list events", item{":p": str(pkEvents), ":s": str("EVENT#")})
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	out := make([]store.Event, 0, len(items))
	for _, it := range items {
		e, err := s.getEvent(ctx, (&decoder{it: it}).str("event_id"))
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
func (s *Store) rsvpWrite(r store.RSVP, version int64) ddb.TransactWriteItem {
	p := &ddb.Put{TableName: &s.table, Item: rsvpItem(r, version+1)}
	if version == 0 {
		p.ConditionExpression = aws.String("attribute_not_exists(PK)")
	} else {
		p.ConditionExpression = aws.String("#v = :v")
		p.ExpressionAttributeNames = map[string]string{"#v": "version"}
		p.ExpressionAttributeValues = item{":v": num(version)}
	}
	return ddb.TransactWriteItem{Put: p}
}

// counterUpdate changes an event's counters by dTaken and dWaiting; cond, if
// not empty, is a condition on the counter item using :cap, :limit and :zero.
func (s *Store) counterUpdate(eventID string, dTaken, dWaiting int, cond string, ev store.Event, seats int) ddb.TransactWriteItem {
	u := &ddb.Update{
		TableName:                 &s.table,
		Key:                       eventKey(eventID),
		UpdateExpression:          aws.String("ADD #taken :dt, #waiting :dw"),
		ConditionExpression:       aws.String("attribute_exists(PK)"),
		ExpressionAttributeNames:  counterNames(),
		ExpressionAttributeValues: item{":dt": num(int64(dTaken)), ":dw": num(int64(dWaiting))},
	}
	if cond != "" {
		u.ConditionExpression = aws.String(cond)
		u.ExpressionAttributeNames["#cap"] = "capacity"
		u.ExpressionAttributeValues[":cap"] = num(int64(ev.Capacity))
		u.ExpressionAttributeValues[":limit"] = num(int64(ev.Capacity - seats))
		if strings.Contains(cond, ":zero") {
			u.ExpressionAttributeValues[":zero"] = num(0)
		}
	}
	return ddb.TransactWriteItem{Update: u}
}

// Conditions on the counter item. One seat (seats = 1) makes :limit
// capacity-1, so seatsFree reads "taken < capacity".
const (
	condSeatsFree  = "#cap = :cap AND #taken <= :limit AND #waiting = :zero"
	condMustWait   = "#cap = :cap AND (#taken > :limit OR #waiting > :zero)"
	condSeatsStill = "#cap = :cap AND #taken <= :limit"
)

// counterNames are the counter attributes, some of them DynamoDB reserved words.
func counterNames() map[string]string {
	return map[string]string{"#taken": "taken", "#waiting": "waiting"}
}

// nextTicket hands out the next place in an event's order of arrival.
func (s *Store) nextTicket(ctx context.Context, eventID string) (int64, error) {
	out, err := call(ctx, s, "rsvp ticket", func(ctx context.Context) (*ddb.UpdateItemOutput, error) {
		return s.client.UpdateItem(ctx, &ddb.UpdateItemInput{
			TableName: &s.table, Key: ticketKey(eventID),
			UpdateExpression:          aws.String("ADD #n :one SET #type = :t"),
			ExpressionAttributeNames:  map[string]string{"#type": "type", "#n": "n"},
			ExpressionAttributeValues: item{":one": num(1), ":t": str(typeEventTicket)},
			ReturnValues:              ddb.ReturnValueUpdatedNew,
		})
	})
	if err != nil {
		return 0, err
	}
	d := decoder{it: out.Attributes}
	n := d.num("n")
	return n, d.err
}

// CreateRSVP implements store.Events: a ticket gives the RSVP its place in
// the order of arrival, then one transaction writes the RSVP (on condition
// that the member's RSVP is still as read) and moves the counter (on the
// condition of the path taken). A failed counter condition means the seats
// changed: read again and choose again, keeping the ticket.
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
	for attempt := 1; attempt <= maxRaces; attempt++ {
		var previous *store.RSVP
		if found {
			previous = &old
		}
		seats := 1 + req.Guests
		r := store.NewRSVP(req, seq, ev.SeatsFreeFor(seats), previous)
		writes := []ddb.TransactWriteItem{{}, s.rsvpWrite(r, version),
			{Put: &ddb.Put{TableName: &s.table, Item: memberRSVPItem(r)}}}
		if r.Status == store.RSVPConfirmed {
			writes[0] = s.counterUpdate(r.EventID, seats, 0, condSeatsFree, ev, seats)
		} else {
			writes[0] = s.counterUpdate(r.EventID, 0, 1, condMustWait, ev, seats)
			writes = append(writes, ddb.TransactWriteItem{Put: &ddb.Put{TableName: &s.table, Item: lineItem(r)}})
		}
		err := s.transact(ctx, op, writes)
		if err == nil {
			r, err = s.withPosition(ctx, r)
			return r, true, wrapOp(op, err)
		}
		failed, ok := canceledAt(err)
		if !ok {
			return store.RSVP{}, false, fmt.Errorf("%s: %w", op, err)
		}
		if failed[1] {
			// The member's RSVP moved: a concurrent request of theirs won.
			if old, version, found, err = s.getRSVP(ctx, req.EventID, req.MemberID); err != nil {
				return store.RSVP{}, false, fmt.Errorf("%s: %w", op, err)
			}
			if found && old.Active() {
				r, err := s.withPosition(ctx, old)
				return r, false, wrapOp(op, err)
			}
		}
		if ev, err = s.getEvent(ctx, req.EventID); err != nil {
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

func wrapOp(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}

// withPosition sets a waitlisted RSVP's place in line: a consistent count
// of the WAIT# entries up to and including its own.
func (s *Store) withPosition(ctx context.Context, r store.RSVP) (store.RSVP, error) {
	r.Position = 0
	if r.Status != store.RSVPWaitlisted {
		return r, nil
	}
	q := &ddb.QueryInput{
		TableName:              &s.table,
		KeyConditionExpression: aws.String("PK = :p AND SK BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: item{":p": str(eventPartition(r.EventID)),
			":lo": str("WAIT#"), ":hi": str(seqSK("WAIT#", r.Seq))},
		Select:         ddb.SelectCount,
		ConsistentRead: aws.Bool(true),
	}
	n := 0
	for {
		out, err := call(ctx, s, "rsvp position", func(ctx context.Context) (*ddb.QueryOutput, error) {
			return s.client.Query(ctx, q)
		})
		if err != nil {
			return r, err
		}
		n += int(out.Count)
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		q.ExclusiveStartKey = out.LastEvaluatedKey
	}
	r.Position = n
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
	if err != nil {
		return store.RSVP{}, fmt.Errorf("get rsvp: %w", err)
	}
	return r, nil
}

// ListRSVPs implements store.Events with one consistent Query of the event's
// RSVP# items, sorted by arrival.
func (s *Store) ListRSVPs(ctx context.Context, eventID string) ([]store.RSVP, error) {
	items, err := s.queryAll(ctx, "list rsvps", item{":p": str(eventPartition(eventID)), ":s": str("RSVP#")})
	if err != nil {
		return nil, fmt.Errorf("list rsvps: %w", err)
	}
	out := make([]store.RSVP, 0, len(items))
	for _, it := range items {
		r, _, err := decodeRSVP(it)
		if err != nil {
			return nil, fmt.Errorf("list rsvps: %w", err)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b store.RSVP) int { return cmp.Compare(a.Seq, b.Seq) })
	store.WaitlistPositions(out)
	return out, nil
}

// ListMemberRSVPs implements store.Events through the member's MEMBERRSVP# list.
func (s *Store) ListMemberRSVPs(ctx context.Context, memberID string) ([]store.RSVP, error) {
	if memberID == "" {
		return nil, nil
	}
	items, err := s.queryAll(ctx, "list member rsvps", item{":p": str("MEMBERRSVP#" + memberID), ":s": str("EVENT#")})
	if err != nil {
		return nil, fmt.Errorf("list member rsvps: %w", err)
	}
	var out []store.RSVP
	for _, it := range items {
		eventID := (&decoder{it: it}).str("event_id")
		r, err := s.GetRSVP(ctx, eventID, memberID)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("list member rsvps: %w", err)
		}
		out = append(out, r)
	}
	return out, nil
}

// leaveLine is the transaction items that take an active RSVP's seats or
// place out of the counter and drop its line entry.
func (s *Store) leaveLine(r store.RSVP) []ddb.TransactWriteItem {
	var writes []ddb.TransactWriteItem
	switch r.Status {
	case store.RSVPConfirmed:
		writes = append(writes, s.counterUpdate(r.EventID, -r.Seats(), 0, "", store.Event{}, 0))
	case store.RSVPOffered:
		writes = append(writes, s.counterUpdate(r.EventID, -r.Seats(), 0, "", store.Event{}, 0))
	case store.RSVPWaitlisted:
		writes = append(writes, s.counterUpdate(r.EventID, 0, -1, "", store.Event{}, 0))
	}
	if k := lineKey(r); k != nil {
		writes = append(writes, ddb.TransactWriteItem{Delete: &ddb.Delete{TableName: &s.table, Key: k}})
	}
	return writes
}

// CancelRSVP implements store.Events: the RSVP (at the version read), the
// counter and the line entry change in one transaction.
func (s *Store) CancelRSVP(ctx context.Context, eventID, memberID string, now time.Time) (store.RSVP, error) {
	const op = "cancel rsvp"
	for attempt := 1; attempt <= maxRaces; attempt++ {
		r, version, found, err := s.getRSVP(ctx, eventID, memberID)
		if err != nil {
			return store.RSVP{}, fmt.Errorf("%s: %w", op, err)
		}
		if !found {
			return store.RSVP{}, fmt.Errorf("%s: %w", op, store.ErrNotFound)
		}
		if !r.Active() {
			return r, nil
		}
		cancelled := r.Cancelled(now)
		writes := append([]ddb.TransactWriteItem{s.rsvpWrite(cancelled, version)}, s.leaveLine(r)...)
		err = s.transact(ctx, op, writes)
		if err == nil {
			return cancelled, nil
		}
		if _, ok := canceledAt(err); !ok {
			return store.RSVP{}, fmt.Errorf("%s: %w", op, err)
		}
		if err := waitctx.Sleep(ctx, casDelay(attempt)); err != nil {
			return store.RSVP{}, fmt.Errorf("%s: %w", op, err)
		}
	}
	return store.RSVP{}, fmt.Errorf("%s: lost %d races in a row", op, maxRaces)
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
			err = s.transact(ctx, op, []ddb.TransactWriteItem{
				s.counterUpdate(eventID, r.Seats(), -1, condSeatsStill, ev, r.Seats()),
				s.rsvpWrite(offered, version),
				{Delete: &ddb.Delete{TableName: &s.table, Key: waitKey(eventID, r.Seq), ConditionExpression: aws.String("attribute_exists(PK)")}},
				{Put: &ddb.Put{TableName: &s.table, Item: lineItem(offered)}},
			})
			if err == nil {
				offers = append(offers, offered)
				races = 0
				continue
			}
			if _, ok := canceledAt(err); !ok {
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
	out, err := call(ctx, s, "head of line", func(ctx context.Context) (*ddb.QueryOutput, error) {
		return s.client.Query(ctx, &ddb.QueryInput{
			TableName:                 &s.table,
			KeyConditionExpression:    aws.String("PK = :p AND begins_with(SK, :s)"),
			ExpressionAttributeValues: item{":p": str(eventPartition(eventID)), ":s": str("WAIT#")},
			Limit:                     aws.Int32(1),
			ConsistentRead:            aws.Bool(true),
		})
	})
	if err != nil || len(out.Items) == 0 {
		return "", 0, false, err
	}
	d := decoder{it: out.Items[0]}
	sk := d.str(AttrSK)
	seq, err := strconv.ParseInt(strings.TrimPrefix(sk, "WAIT#"), 10, 64)
	if err != nil {
		return "", 0, false, fmt.Errorf("waitlist entry %q: %w", sk, err)
	}
	return d.str("member_id"), seq, true, nil
}

// ConfirmOffer implements store.Events: the RSVP (at the version read, still
// offered) and its OFFER# entry change in one transaction; the seats were
// already counted when the offer was made.
func (s *Store) ConfirmOffer(ctx context.Context, eventID, memberID string, now time.Time) (store.RSVP, error) {
	const op = "confirm offer"
	for attempt := 1; attempt <= maxRaces; attempt++ {
		r, version, found, err := s.getRSVP(ctx, eventID, memberID)
		switch {
		case err != nil:
			return store.RSVP{}, fmt.Errorf("%s: %w", op, err)
		case !found:
			return store.RSVP{}, fmt.Errorf("%s: %w", op, store.ErrNotFound)
		case r.Status == store.RSVPConfirmed:
			return r, nil
		case !r.OfferOpen(now):
			return store.RSVP{}, fmt.Errorf("%s: %w", op, store.ErrPrecondition)
		}
		confirmed := r.OfferConfirmed(now)
		err = s.transact(ctx, op, []ddb.TransactWriteItem{
			s.rsvpWrite(confirmed, version),
			{Delete: &ddb.Delete{TableName: &s.table, Key: offerKey(eventID, r.Seq)}},
		})
		if err == nil {
			return confirmed, nil
		}
		if _, ok := canceledAt(err); !ok {
			return store.RSVP{}, fmt.Errorf("%s: %w", op, err)
		}
		if err := waitctx.Sleep(ctx, casDelay(attempt)); err != nil {
			return store.RSVP{}, fmt.Errorf("%s: %w", op, err)
		}
	}
	return store.RSVP{}, fmt.Errorf("%s: lost %d races in a row", op, maxRaces)
}

// ExpireOffers implements store.Events: the event's OFFER# entries say when
// each offer expires; each expired one is lapsed in its own transaction.
func (s *Store) ExpireOffers(ctx context.Context, eventID string, now time.Time) ([]store.RSVP, error) {
	const op = "expire offers"
	if _, err := s.getEvent(ctx, eventID); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	items, err := s.queryAll(ctx, op, item{":p": str(eventPartition(eventID)), ":s": str("OFFER#")})
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

// lapse ends one expired offer; ok is false if it was confirmed or ended meanwhile.
func (s *Store) lapse(ctx context.Context, eventID, memberID string, now time.Time) (store.RSVP, bool, error) {
	for attempt := 1; attempt <= maxRaces; attempt++ {
		r, version, found, err := s.getRSVP(ctx, eventID, memberID)
		if err != nil {
			return store.RSVP{}, false, err
		}
		if !found || r.Status != store.RSVPOffered || r.OfferOpen(now) {
			return store.RSVP{}, false, nil
		}
		gone := r.Lapsed(now)
		err = s.transact(ctx, "lapse offer", append([]ddb.TransactWriteItem{s.rsvpWrite(gone, version)}, s.leaveLine(r)...))
		if err == nil {
			return gone, true, nil
		}
		if _, ok := canceledAt(err); !ok {
			return store.RSVP{}, false, err
		}
		if err := waitctx.Sleep(ctx, casDelay(attempt)); err != nil {
			return store.RSVP{}, false, err
		}
	}
	return store.RSVP{}, false, fmt.Errorf("lost %d races in a row", maxRaces)
}

// ClaimReminder implements store.Events with one conditional UpdateItem.
func (s *Store) ClaimReminder(ctx context.Context, eventID, memberID string, now time.Time) (store.RSVP, error) {
	const op = "claim reminder"
	out, err := call(ctx, s, op, func(ctx context.Context) (*ddb.UpdateItemOutput, error) {
		return s.client.UpdateItem(ctx, &ddb.UpdateItemInput{
			TableName: &s.table, Key: rsvpKey(eventID, memberID),
			UpdateExpression:                    aws.String("SET reminded_at = :now ADD #v :one"),
			ConditionExpression:                 aws.String("attribute_exists(PK) AND #st = :confirmed AND attribute_not_exists(reminded_at)"),
			ExpressionAttributeNames:            map[string]string{"#st": "status", "#v": "version"},
			ExpressionAttributeValues:           item{":now": timeAttr(now), ":one": num(1), ":confirmed": str(string(store.RSVPConfirmed))},
			ReturnValues:                        ddb.ReturnValueAllNew,
			ReturnValuesOnConditionCheckFailure: ddb.ReturnValuesOnConditionCheckFailureAllOld,
		})
	})
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
	r, _, err := decodeRSVP(out.Attributes)
	return r, wrapOp(op, err)
}

// ReleaseReminder implements store.Events.
func (s *Store) ReleaseReminder(ctx context.Context, eventID, memberID string) error {
	_, err := call(ctx, s, "release reminder", func(ctx context.Context) (*ddb.UpdateItemOutput, error) {
		return s.client.UpdateItem(ctx, &ddb.UpdateItemInput{
			TableName: &s.table, Key: rsvpKey(eventID, memberID),
			UpdateExpression:          aws.String("REMOVE reminded_at ADD #v :one"),
			ConditionExpression:       aws.String("attribute_exists(PK)"),
			ExpressionAttributeNames:  map[string]string{"#v": "version"},
			ExpressionAttributeValues: item{":one": num(1)},
		})
	})
	if _, failed := conditionFailed(err); failed {
		return fmt.Errorf("release reminder: %w", store.ErrNotFound)
	}
	return wrapOp("release reminder", err)
}

// SetAttendance implements store.Events as compare-and-swap on the version.
func (s *Store) SetAttendance(ctx context.Context, eventID, memberID string, attended bool, by string, now time.Time) (store.RSVP, error) {
	const op = "set attendance"
	for attempt := 1; attempt <= maxRaces; attempt++ {
		r, version, found, err := s.getRSVP(ctx, eventID, memberID)
		if err != nil {
			return store.RSVP{}, fmt.Errorf("%s: %w", op, err)
		}
		if !found {
			return store.RSVP{}, fmt.Errorf("%s: %w", op, store.ErrNotFound)
		}
		if err := store.ApplyAttendance(&r, attended, by, now); err != nil {
			return store.RSVP{}, fmt.Errorf("%s: %w", op, err)
		}
		err = s.putVersioned(ctx, op, s.rsvpWrite(r, version))
		if err == nil {
			return r, nil
		}
		if _, failed := conditionFailed(err); !failed {
			return store.RSVP{}, fmt.Errorf("%s: %w", op, err)
		}
		if err := waitctx.Sleep(ctx, casDelay(attempt)); err != nil {
			return store.RSVP{}, fmt.Errorf("%s: %w", op, err)
		}
	}
	return store.RSVP{}, fmt.Errorf("%s: lost %d races in a row", op, maxRaces)
}

// putVersioned runs a transaction's one Put as a conditional PutItem (half
// the cost of a transaction).
func (s *Store) putVersioned(ctx context.Context, op string, w ddb.TransactWriteItem) error {
	_, err := call(ctx, s, op, func(ctx context.Context) (*ddb.PutItemOutput, error) {
		return s.client.PutItem(ctx, &ddb.PutItemInput{
			TableName: w.Put.TableName, Item: w.Put.Item, ConditionExpression: w.Put.ConditionExpression,
			ExpressionAttributeNames: w.Put.ExpressionAttributeNames, ExpressionAttributeValues: w.Put.ExpressionAttributeValues,
		})
	})
	return err
}

// EraseMemberRSVPs implements store.Events: per RSVP, one transaction
// cancels it if active (counter and line entry), deletes it (at the version
// read), puts its anonymous copy and drops the member's list entry.
func (s *Store) EraseMemberRSVPs(ctx context.Context, memberID string, now time.Time) ([]string, error) {
	const op = "erase member rsvps"
	if memberID == "" {
		return nil, nil
	}
	items, err := s.queryAll(ctx, op, item{":p": str("MEMBERRSVP#" + memberID), ":s": str("EVENT#")})
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
			drop := ddb.TransactWriteItem{Delete: &ddb.Delete{TableName: &s.table, Key: memberRSVPKey(memberID, eventID)}}
			if !found {
				if err := s.transact(ctx, op, []ddb.TransactWriteItem{drop}); err != nil {
					return freed, fmt.Errorf("%s: %w", op, err)
				}
				break
			}
			active := r.Active()
			var writes []ddb.TransactWriteItem
			if active {
				writes = s.leaveLine(r)
				r = r.Cancelled(now)
			}
			anon := r.Erased(now)
			writes = append(writes,
				ddb.TransactWriteItem{Delete: &ddb.Delete{TableName: &s.table, Key: rsvpKey(eventID, memberID),
					ConditionExpression: aws.String("#v = :v"), ExpressionAttributeNames: map[string]string{"#v": "version"},
					ExpressionAttributeValues: item{":v": num(version)}}},
				s.rsvpWrite(anon, 0),
				drop)
			err = s.transact(ctx, op, writes)
			if err == nil {
				if active {
					freed = append(freed, eventID)
				}
				break
			}
			if _, ok := canceledAt(err); !ok || attempt >= maxRaces {
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
	return s.transact(ctx, "import event", []ddb.TransactWriteItem{
		{Put: &ddb.Put{TableName: &s.table, Item: eventItem(e)}},
		{Put: &ddb.Put{TableName: &s.table, Item: with(eventIndexKey(e.ID), item{"type": str(typeEventIndex), "event_id": str(e.ID)})}},
	})
}

// importRSVP writes an exported RSVP over the member's RSVP to the same
// event, moving its line entry, and raises the event's ticket so later RSVPs
// arrive after it.
func (s *Store) importRSVP(ctx context.Context, r store.RSVP) error {
	for attempt := 1; attempt <= maxRaces; attempt++ {
		old, version, found, err := s.getRSVP(ctx, r.EventID, r.MemberID)
		if err != nil {
			return err
		}
		var writes []ddb.TransactWriteItem
		if found {
			if k := lineKey(old); k != nil && (old.Seq != r.Seq || old.Status != r.Status) {
				writes = append(writes, ddb.TransactWriteItem{Delete: &ddb.Delete{TableName: &s.table, Key: k}})
			}
		}
		writes = append(writes, s.rsvpWrite(r, version))
		if it := lineItem(r); it != nil {
			writes = append(writes, ddb.TransactWriteItem{Put: &ddb.Put{TableName: &s.table, Item: it}})
		}
		if r.ErasedAt.IsZero() {
			writes = append(writes, ddb.TransactWriteItem{Put: &ddb.Put{TableName: &s.table, Item: memberRSVPItem(r)}})
		}
		err = s.transact(ctx, "import rsvp", writes)
		if err == nil {
			return s.raiseTicket(ctx, r.EventID, r.Seq)
		}
		if _, ok := canceledAt(err); !ok {
			return err
		}
		if err := waitctx.Sleep(ctx, casDelay(attempt)); err != nil {
			return err
		}
	}
	return fmt.Errorf("import rsvp: lost %d races in a row", maxRaces)
}

// raiseTicket sets the event's ticket to seq unless it is already there or
// beyond (a failed condition is that case).
func (s *Store) raiseTicket(ctx context.Context, eventID string, seq int64) error {
	_, err := call(ctx, s, "raise ticket", func(ctx context.Context) (*ddb.UpdateItemOutput, error) {
		return s.client.UpdateItem(ctx, &ddb.UpdateItemInput{
			TableName: &s.table, Key: ticketKey(eventID),
			UpdateExpression:          aws.String("SET #n = :seq, #type = :t"),
			ConditionExpression:       aws.String("attribute_not_exists(#n) OR #n < :seq"),
			ExpressionAttributeNames:  map[string]string{"#type": "type", "#n": "n"},
			ExpressionAttributeValues: item{":seq": num(seq), ":t": str(typeEventTicket)},
		})
	})
	if _, failed := conditionFailed(err); failed {
		return nil
	}
	return err
}
