package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/okaeri/okaeri/functions/store"
)

// newsletterGapTests are the newsletter races and failures of RunGapTests.
func newsletterGapTests() []subtest {
	return []subtest{
		{"InterruptedBatchClaimResumed", testInterruptedClaimResumed},
		{"CancelledBatchClaimRepairable", testCancelledClaim},
	}
}

// testInterruptedClaimResumed: a claim that stopped after writing its batch
// in claiming and some of its deliveries (the state is imported, as a
// backup taken at that moment would hold it) is completed by the next
// claim of that batch, as the send job does when it finds a batch in
// claiming: every recipient ends up in exactly one batch, none is lost, and
// what another batch claimed in between stays that batch's.
func testInterruptedClaimResumed(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustCreateSend(t, s, "autumn")
	if _, err := s.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "autumn", ID: "000001", Language: store.LanguageJa, Recipients: recipients(0, 3), CreatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	// Batch 000002 meant m00002..m00007 and stopped after the deliveries of
	// m00003 and m00004 (m00002 is 000001's).
	interrupted := store.DeliveryBatch{Slug: "autumn", ID: "000002", Language: store.LanguageJa, Status: store.BatchClaiming,
		Recipients: recipients(2, 8), CreatedAt: t0, UpdatedAt: t0, Version: 1}
	records := []store.Record{{DeliveryBatch: &interrupted}}
	for _, id := range []string{"m00003", "m00004"} {
		records = append(records, store.Record{Delivery: &store.Delivery{Slug: "autumn", MemberID: id, BatchID: "000002", ClaimedAt: t0}})
	}
	for _, r := range records {
		if err := s.Import(ctx, r); err != nil {
			t.Fatalf("Import(%s): %v", r.Type(), err)
		}
	}
	if got, err := s.GetDeliveryBatch(ctx, "autumn", "000002"); err != nil || got.Status != store.BatchClaiming {
		t.Fatalf("interrupted batch: %+v, %v", got, err)
	}

	// In between, another batch asks for m00004 (already the interrupted
	// batch's) and m00006..m00009 (not reached by it): it gets the latter.
	third, err := s.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "autumn", ID: "000003", Language: store.LanguageJa,
		Recipients: append(recipients(4, 5), recipients(6, 10)...), CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if got := memberIDs(third.Recipients); !slices.Equal(got, []string{"m00006", "m00007", "m00008", "m00009"}) {
		t.Fatalf("batch claimed beside the interrupted one holds %v", got)
	}

	// The next run lists the send's batches, finds 000002 in claiming and
	// claims it again with what it found.
	list, err := s.ListDeliveryBatches(ctx, "autumn")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(list, func(b store.DeliveryBatch) bool { return b.ID == "000002" })
	if i < 0 || list[i].Status != store.BatchClaiming {
		t.Fatalf("the interrupted batch is not listed in claiming: %+v", list)
	}
	resumed, err := s.ClaimDeliveryBatch(ctx, list[i])
	if err != nil {
		t.Fatalf("resuming the interrupted claim: %v", err)
	}
	if resumed.Status != store.BatchClaimed || resumed.Version != 1 || !resumed.CreatedAt.Equal(t0) {
		t.Fatalf("resumed batch: status %s, version %d, createdAt %v", resumed.Status, resumed.Version, resumed.CreatedAt)
	}
	sameJSON(t, "resumed batch: its own deliveries and the free member, addresses kept", resumed.Recipients, recipients(3, 6))
	if got, _ := s.GetDeliveryBatch(ctx, "autumn", "000002"); !sameBatch(got, resumed) {
		t.Fatalf("stored batch %+v, resumed returned %+v", got, resumed)
	}
	// The interrupted call's own retry now returns the batch unchanged.
	again, err := s.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "autumn", ID: "000002", Language: store.LanguageJa, Recipients: recipients(2, 8), CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "retrying the interrupted call after the resume", again, resumed)
	wantEachOnce(t, s, "autumn", memberIDs(recipients(0, 10)))
}

// testCancelledClaim: a claim whose context ends at any point of its way
// leaves nothing that a later claim cannot repair: never a delivery naming
// a batch that is not stored, never a claimed batch without its
// deliveries; the batch found in claiming is completed by claiming it
// again (the send job's way), or by the same call's retry, and the members
// it never reached are claimed by a new batch. In the end every member is
// in exactly one batch.
func testCancelledClaim(t *testing.T, s store.Store) {
	ctx := context.Background()
	mustCreateSend(t, s, "autumn")

	// A context cancelled before the call: nothing is written.
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.ClaimDeliveryBatch(gone, store.DeliveryBatch{Slug: "autumn", ID: "000000", Language: store.LanguageJa, Recipients: recipients(0, 10)}); !errors.Is(err, context.Canceled) {
		t.Fatalf("claim with a cancelled context: %v, want context.Canceled", err)
	}
	if list, err := s.ListDeliveryBatches(ctx, "autumn"); err != nil || len(list) != 0 {
		t.Fatalf("a claim with a cancelled context left batches %+v, %v", list, err)
	}
	for _, id := range memberIDs(recipients(0, 10)) {
		_, err := s.GetDelivery(ctx, "autumn", id)
		wantErr(t, "delivery after a claim with a cancelled context", err, store.ErrNotFound)
	}

	// Then claims cut off later and later on their way, each overlapping the
	// one before, until one runs to the end.
	const size, step = 12, 6
	var all []string
	completed := false
	for i, n := 0, 0; !completed; i, n = i+1, n+max(1, n/4) {
		if n > 1_000_000 {
			t.Fatal("no claim completed")
		}
		rs := recipients(i*step, i*step+size)
		all = append(all, memberIDs(rs)...)
		b := store.DeliveryBatch{Slug: "autumn", ID: fmt.Sprintf("c%04d", i), Language: store.LanguageJa, Recipients: rs, CreatedAt: t0}
		_, err := s.ClaimDeliveryBatch(newCancelAfter(n), b)
		if err == nil {
			completed = true
		} else if !errors.Is(err, context.Canceled) {
			t.Fatalf("claim cut off after %d looks at its context: %v, want context.Canceled", n, err)
		}
		wantRepairable(t, s, b)
		if i%2 == 0 {
			// The same call, retried.
			if got, err := s.ClaimDeliveryBatch(ctx, b); err != nil || got.Status != store.BatchClaimed {
				t.Fatalf("retrying claim %s (cut off after %d looks): %s, %v", b.ID, n, got.Status, err)
			}
			wantHeld(t, s, b.Slug, memberIDs(rs))
			continue
		}
		// The send job's way: complete what is in claiming, then claim the
		// members nobody holds in a new batch.
		list, err := s.ListDeliveryBatches(ctx, "autumn")
		if err != nil {
			t.Fatal(err)
		}
		for _, lb := range list {
			if lb.Status != store.BatchClaiming {
				continue
			}
			if got, err := s.ClaimDeliveryBatch(ctx, lb); err != nil || got.Status != store.BatchClaimed {
				t.Fatalf("completing batch %s (cut off after %d looks): %s, %v", lb.ID, n, got.Status, err)
			}
		}
		if _, err := s.ClaimDeliveryBatch(ctx, store.DeliveryBatch{Slug: "autumn", ID: fmt.Sprintf("f%04d", i), Language: store.LanguageJa, Recipients: rs, CreatedAt: t0}); err != nil {
			t.Fatal(err)
		}
		wantHeld(t, s, b.Slug, memberIDs(rs))
	}
	wantEachOnce(t, s, "autumn", slices.Compact(slices.Sorted(slices.Values(all))))
}

// wantRepairable fails if an interrupted claim of b left a delivery naming
// b without b stored, or b claimed without a delivery for each recipient.
func wantRepairable(t *testing.T, s store.Store, b store.DeliveryBatch) {
	t.Helper()
	ctx := context.Background()
	stored, err := s.GetDeliveryBatch(ctx, b.Slug, b.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		for _, r := range b.Recipients {
			if d, err := s.GetDelivery(ctx, b.Slug, r.MemberID); err == nil && d.BatchID == b.ID {
				t.Fatalf("member %s has a delivery naming batch %s, which is not stored", r.MemberID, b.ID)
			}
		}
		return
	case err != nil:
		t.Fatal(err)
	}
	switch stored.Status {
	case store.BatchClaiming:
	case store.BatchClaimed:
		for _, r := range stored.Recipients {
			if d, err := s.GetDelivery(ctx, b.Slug, r.MemberID); err != nil || d.BatchID != b.ID {
				t.Fatalf("claimed batch %s holds %s, whose delivery is %+v, %v", b.ID, r.MemberID, d, err)
			}
		}
	default:
		t.Fatalf("an interrupted claim left batch %s in %s", b.ID, stored.Status)
	}
}

// wantEachOnce fails unless every batch of slug is claimed, each of ids is
// a recipient of exactly one of them, nobody else is, and each member's
// delivery names the batch that holds them.
func wantEachOnce(t *testing.T, s store.Store, slug string, ids []string) {
	t.Helper()
	ctx := context.Background()
	batches, err := s.ListDeliveryBatches(ctx, slug)
	if err != nil {
		t.Fatal(err)
	}
	owner := map[string]string{}
	for _, b := range batches {
		if b.Status != store.BatchClaimed {
			t.Fatalf("batch %s left in %s", b.ID, b.Status)
		}
		for _, r := range b.Recipients {
			if prev, dup := owner[r.MemberID]; dup {
				t.Fatalf("member %s is in batches %s and %s", r.MemberID, prev, b.ID)
			}
			if !slices.Contains(ids, r.MemberID) {
				t.Fatalf("batch %s holds %s, who was never asked for", b.ID, r.MemberID)
			}
			owner[r.MemberID] = b.ID
		}
	}
	for _, id := range ids {
		batch, ok := owner[id]
		if !ok {
			t.Fatalf("member %s is in no batch", id)
		}
		if d, err := s.GetDelivery(ctx, slug, id); err != nil || d.BatchID != batch {
			t.Fatalf("delivery of %s = %+v, %v; want batch %s", id, d, err, batch)
		}
	}
}

// wantHeld fails unless each of ids has a delivery naming a stored,
// claimed batch that holds them.
func wantHeld(t *testing.T, s store.Store, slug string, ids []string) {
	t.Helper()
	ctx := context.Background()
	for _, id := range ids {
		d, err := s.GetDelivery(ctx, slug, id)
		if err != nil {
			t.Fatalf("member %s has no delivery: %v", id, err)
		}
		b, err := s.GetDeliveryBatch(ctx, slug, d.BatchID)
		if err != nil {
			t.Fatalf("member %s's delivery names batch %s: %v", id, d.BatchID, err)
		}
		if b.Status != store.BatchClaimed || !slices.Contains(memberIDs(b.Recipients), id) {
			t.Fatalf("member %s's batch %s is %s and holds %v", id, b.ID, b.Status, memberIDs(b.Recipients))
		}
	}
}

func sameBatch(a, b store.DeliveryBatch) bool {
	return a.Status == b.Status && a.Version == b.Version && slices.Equal(memberIDs(a.Recipients), memberIDs(b.Recipients))
}

// cancelAfter is a context that is cancelled at its n+1-th look (a call of
// Done or Err), so an operation is cut off at a chosen point of its way:
// between item operations, or in the middle of a request.
type cancelAfter struct {
	context.Context // Background, for values and the deadline
	mu              sync.Mutex
	left            int
	done            chan struct{}
}

func newCancelAfter(n int) *cancelAfter {
	return &cancelAfter{Context: context.Background(), left: n, done: make(chan struct{})}
}

// look counts a look and reports whether the context has ended.
func (c *cancelAfter) look() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.left < 0 {
		return true
	}
	c.left--
	if c.left < 0 {
		close(c.done)
		return true
	}
	return false
}

func (c *cancelAfter) Done() <-chan struct{} {
	c.look()
	return c.done
}

func (c *cancelAfter) Err() error {
	if c.look() {
		return context.Canceled
	}
	return nil
}
