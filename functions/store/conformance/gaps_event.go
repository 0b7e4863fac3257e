package conformance

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

// eventGapTests are the event races and failures of RunGapTests.
func eventGapTests() []subtest {
	return []subtest{
		{"RSVPsRaceCapacityChange", testRSVPsRaceCapacityChange},
		{"EraseRacesMemberRSVPs", testEraseRacesMemberRSVPs},
	}
}

// testRSVPsRaceCapacityChange: sync lowers and raises an event's capacity
// while members RSVP and seats are filled. Lowering keeps every
// confirmation and offer but takes no new seat above the new capacity, so
// from the moment PutEvent returns the seats taken never pass the larger
// of the new capacity and what was taken at that moment (PutEvent returns
// the event as its write left it); and the counters always agree with the
// RSVPs.
func testRSVPsRaceCapacityChange(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n, high, low = 300, 120, 15
	e := newEvent("homecoming-2026", high)
	e.GuestsAllowed = 0
	mustPutEvent(t, s, e)

	// A rush of RSVPs; once a few have landed, sync lowers the capacity.
	type answer struct {
		r       store.RSVP
		created bool
		err     error
	}
	answers := make([]answer, n)
	workers := make(chan struct{}, rsvpWorkers)
	var landed atomic.Int32
	started := make(chan struct{})
	var once sync.Once
	var lowered store.Event
	var lowerErr error
	errs := together(n+1, func(i int) error {
		if i == n {
			<-started
			lowered, lowerErr = s.PutEvent(ctx, newEvent(e.ID, low))
			return lowerErr
		}
		workers <- struct{}{}
		defer func() { <-workers }()
		r, created, err := s.CreateRSVP(ctx, rsvp(e.ID, fmt.Sprintf("member-%03d", i), 0))
		answers[i] = answer{r, created, err}
		if landed.Add(1) >= 4 {
			once.Do(func() { close(started) })
		}
		return err
	})
	if ok, _ := tally(t, "RSVPs while the capacity is lowered", errs, nil); ok != len(errs) {
		t.Fatalf("%d of %d operations failed", len(errs)-ok, len(errs))
	}
	if lowered.Capacity != low {
		t.Fatalf("PutEvent returned capacity %d, want %d", lowered.Capacity, low)
	}
	got, err := s.GetEvent(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if limit := max(low, lowered.Taken); got.Taken > limit {
		t.Fatalf("%d seats taken after lowering the capacity to %d with %d taken: newcomers were confirmed on the old capacity",
			got.Taken, low, lowered.Taken)
	}
	confirmed := 0
	for i, a := range answers {
		if !a.created {
			t.Fatalf("RSVP %d not created", i)
		}
		switch a.r.Status {
		case store.RSVPConfirmed:
			confirmed++
		case store.RSVPWaitlisted:
		default:
			t.Fatalf("RSVP %d: status %s", i, a.r.Status)
		}
	}
	if confirmed != got.Taken || got.Waiting != n-confirmed {
		t.Fatalf("%d RSVPs answered confirmed; the event says %d taken and %d waiting of %d", confirmed, got.Taken, got.Waiting, n)
	}
	wantCounters(t, s, e.ID, got.Taken, got.Waiting)

	// Sync raises the capacity and lowers it again, over and over, while
	// seats are filled and newcomers join the line. After each lowering the
	// seats taken stay at what they were (the confirmed RSVPs fill the
	// lowered capacity): an offer made on the raised capacity read before
	// the lowering must not land after it.
	const base, raised, cycles = 10, 20, 15
	toggled := newEvent("capacity-toggled", base)
	toggled.GuestsAllowed = 0
	mustPutEvent(t, s, toggled)
	for i := range base {
		mustRSVP(t, s, rsvp(toggled.ID, fmt.Sprintf("seated-%02d", i), 0), store.RSVPConfirmed)
	}
	for i := range 40 {
		mustRSVP(t, s, rsvp(toggled.ID, fmt.Sprintf("waiting-%02d", i), 0), store.RSVPWaitlisted)
	}
	now := t0.Add(2 * time.Hour)
	stop := make(chan struct{})
	var over atomic.Int32
	var background sync.WaitGroup
	var errMu sync.Mutex
	var backgroundErr error
	loop := func(fn func(i int) error) {
		background.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if err := fn(i); err != nil {
					errMu.Lock()
					backgroundErr = cmp.Or(backgroundErr, err)
					errMu.Unlock()
					return
				}
			}
		})
	}
	loop(func(int) error { // the counter never passes the raised capacity
		ev, err := s.GetEvent(ctx, toggled.ID)
		if err == nil && ev.Taken > raised {
			over.Store(int32(ev.Taken))
		}
		return err
	})
	for range 6 { // seats are filled
		loop(func(int) error { _, err := s.FillSeats(ctx, toggled.ID, offerTerms(now)); return err })
	}
	for w := range 2 { // newcomers join the line
		loop(func(i int) error {
			_, _, err := s.CreateRSVP(ctx, rsvp(toggled.ID, fmt.Sprintf("late-%d-%04d", w, i), 0))
			if i >= 200 {
				<-stop
			}
			return err
		})
	}
	setCapacity := func(capacity int) (store.Event, error) {
		e := newEvent(toggled.ID, capacity)
		e.GuestsAllowed = 0
		return s.PutEvent(ctx, e)
	}
	var failure string
	for c := 0; c < cycles && failure == ""; c++ {
		_, err := setCapacity(raised)
		var lowered, got store.Event
		if err == nil {
			lowered, err = setCapacity(base)
		}
		if err == nil {
			time.Sleep(50 * time.Millisecond) // for any offer still in flight to land
			got, err = s.GetEvent(ctx, toggled.ID)
		}
		if err == nil && got.Taken > max(base, lowered.Taken) {
			failure = fmt.Sprintf("cycle %d: %d seats taken after lowering the capacity to %d with %d taken: an offer landed on the raised capacity",
				c, got.Taken, base, lowered.Taken)
		}
		if err == nil {
			// The offers lapse: the seats go back to the confirmed RSVPs.
			_, err = s.ExpireOffers(ctx, toggled.ID, now.Add(48*time.Hour))
		}
		if err != nil {
			failure = fmt.Sprintf("cycle %d: %v", c, err)
		}
	}
	close(stop)
	background.Wait()
	if backgroundErr != nil {
		t.Fatalf("fills and RSVPs while the capacity changed: %v", backgroundErr)
	}
	if failure != "" {
		t.Fatal(failure)
	}
	if n := over.Load(); n != 0 {
		t.Fatalf("the counter showed %d seats taken; the capacity was never above %d", n, raised)
	}
	got, err = s.GetEvent(ctx, toggled.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Capacity != base || got.Taken != base {
		t.Fatalf("after the last lowering and lapse: capacity %d, %d taken; want %d and %d", got.Capacity, got.Taken, base, base)
	}
	wantCounters(t, s, toggled.ID, got.Taken, got.Waiting)
}

// testEraseRacesMemberRSVPs: a member's erasure runs while they cancel,
// RSVP again and RSVP anew, and while seats are filled. Every RSVP they had
// when the erasure began and did not make again is erased (its anonymous
// copy keeps its place); an RSVP that lands during the erasure is listed
// under them, so erasing again removes it; the seat counts always match
// the RSVPs.
func testEraseRacesMemberRSVPs(t *testing.T, s store.Store) {
	ctx := context.Background()
	const events, rounds = 12, 3
	for round := range rounds {
		member := fmt.Sprintf("hanako-%d", round)
		id := func(i int) string { return fmt.Sprintf("r%d-e%02d", round, i) }
		// Three kinds of event: i%3 == 0 the member only cancels, 1 they
		// cancel and RSVP again, 2 they RSVP for the first time. Their RSVP
		// is confirmed, waitlisted or offered depending on i.
		seqs := map[string]int64{}
		for i := range events {
			e := newEvent(id(i), 2)
			e.GuestsAllowed = 1
			mustPutEvent(t, s, e)
			first := i%2 == 0 && i%3 != 2
			if first {
				seqs[e.ID] = mustRSVP(t, s, rsvp(e.ID, member, 0), store.RSVPConfirmed).Seq
			}
			mustRSVP(t, s, rsvp(e.ID, "other-a", 0), store.RSVPConfirmed)
			if !first {
				mustRSVP(t, s, rsvp(e.ID, "other-b", 0), store.RSVPConfirmed)
			}
			if !first && i%3 != 2 {
				seqs[e.ID] = mustRSVP(t, s, rsvp(e.ID, member, 1), store.RSVPWaitlisted).Seq
			}
			mustRSVP(t, s, rsvp(e.ID, "other-c", 0), store.RSVPWaitlisted)
			if i%4 == 1 { // two seats free: the first in line holds an offer
				cancel(t, s, e.ID, "other-a", t0.Add(90*time.Minute))
				cancel(t, s, e.ID, "other-b", t0.Add(90*time.Minute))
				if offers := fill(t, s, e.ID, t0.Add(90*time.Minute)); len(offers) != 1 {
					t.Fatalf("%s: offers %v, want one", e.ID, members(offers))
				}
			}
		}
		now := t0.Add(2 * time.Hour)
		var erased []string
		errs := together(1+2*events, func(i int) error {
			if i == 0 {
				var err error
				erased, err = s.EraseMemberRSVPs(ctx, member, now)
				return err
			}
			i--
			if i >= events { // seats freed are filled
				_, err := s.FillSeats(ctx, id(i-events), offerTerms(now))
				return err
			}
			eventID := id(i)
			switch i % 3 {
			case 0, 1:
				if _, err := s.CancelRSVP(ctx, eventID, member, now); err != nil && !errors.Is(err, store.ErrNotFound) {
					return err // ErrNotFound: erased first
				}
				if i%3 == 0 {
					return nil
				}
				fallthrough
			default:
				_, _, err := s.CreateRSVP(ctx, rsvp(eventID, member, 0))
				return err
			}
		})
		if ok, _ := tally(t, "an erasure racing the member's RSVPs", errs, nil); ok != len(errs) {
			t.Fatalf("round %d: %d of %d operations failed", round, len(errs)-ok, len(errs))
		}
		slices.Sort(erased)
		for i, eventID := range erased {
			if !strings.HasPrefix(eventID, fmt.Sprintf("r%d-", round)) || (i > 0 && erased[i-1] == eventID) {
				t.Fatalf("round %d: the erasure reports freed seats at %v", round, erased)
			}
		}

		mine, err := s.ListMemberRSVPs(ctx, member)
		if err != nil {
			t.Fatal(err)
		}
		var listed []string
		for _, r := range mine {
			listed = append(listed, r.EventID)
		}
		var held []string
		for i := range events {
			eventID := id(i)
			list, err := s.ListRSVPs(ctx, eventID)
			if err != nil {
				t.Fatal(err)
			}
			theirs, anon := 0, 0
			for _, r := range list {
				if r.MemberID == member {
					theirs++
				}
				if seq, ok := seqs[eventID]; ok && r.Seq == seq {
					if !strings.HasPrefix(r.MemberID, store.ErasedPrefix) || r.ErasedAt.IsZero() || r.Active() {
						t.Fatalf("round %d, %s: the RSVP the member had when the erasure began is %s's, %s, erased at %v; want an inactive anonymous copy",
							round, eventID, r.MemberID, r.Status, r.ErasedAt)
					}
					anon++
				}
			}
			if theirs > 1 {
				t.Fatalf("round %d, %s: %d RSVPs under the member's id", round, eventID, theirs)
			}
			if theirs == 1 {
				held = append(held, eventID)
			}
			if i%3 == 0 && theirs != 0 {
				t.Fatalf("round %d, %s: the member only cancelled, yet an RSVP remains under their id after the erasure", round, eventID)
			}
			if i%3 == 0 && anon != 1 {
				t.Fatalf("round %d, %s: %d anonymous copies of the member's RSVP, want 1", round, eventID, anon)
			}
			e, err := s.GetEvent(ctx, eventID)
			if err != nil {
				t.Fatal(err)
			}
			if e.Taken > e.Capacity {
				t.Fatalf("round %d, %s: %d seats taken of %d", round, eventID, e.Taken, e.Capacity)
			}
			wantCounters(t, s, eventID, e.Taken, e.Waiting)
		}
		if !slices.Equal(listed, held) {
			t.Fatalf("round %d: the member's list names events %v; RSVPs under their id are at %v", round, listed, held)
		}

		// Erasing again (the erasure job's retry) leaves nothing under their id.
		if _, err := s.EraseMemberRSVPs(ctx, member, now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if mine, err := s.ListMemberRSVPs(ctx, member); err != nil || len(mine) != 0 {
			t.Fatalf("round %d: RSVPs left after erasing again: %+v %v", round, mine, err)
		}
		for i := range events {
			eventID := id(i)
			if _, err := s.GetRSVP(ctx, eventID, member); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("round %d, %s: GetRSVP after erasing again: %v", round, eventID, err)
			}
			e, err := s.GetEvent(ctx, eventID)
			if err != nil {
				t.Fatal(err)
			}
			wantCounters(t, s, eventID, e.Taken, e.Waiting)
		}
		for _, line := range exportLines(t, s, t0) {
			if strings.Contains(line, `"`+member+`"`) {
				t.Fatalf("round %d: the export still names the member: %s", round, line)
			}
		}
	}
}
