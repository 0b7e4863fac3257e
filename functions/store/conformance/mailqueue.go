package conformance

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

// mailQueueTests are the mail queue's rules: oldest first, a claim leases
// an item until its lease lapses, a retry holds it back, delete, expiry,
// the limit, nothing of it in an export, and under concurrency two
// claimers never hold the same item.
func mailQueueTests() []subtest {
	return []subtest{
		{"MailQueueClaimOldestFirst", testMailQueueClaim},
		{"MailQueueLeaseLapse", testMailQueueLeaseLapse},
		{"MailQueueRetry", testMailQueueRetry},
		{"MailQueueDelete", testMailQueueDelete},
		{"MailQueueExpiry", testMailQueueExpiry},
		{"MailQueueLimit", testMailQueueLimit},
		{"MailQueueInvalidRejected", testMailQueueInvalid},
		{"MailQueueNotExported", testMailQueueNotExported},
		{"ConcurrentClaimMail", testConcurrentClaimMail},
	}
}

const mailLease = 2 * time.Minute

// newQueuedMail is an item created at t0+offset that lives three days. The
// payload has bytes that are not UTF-8, so an engine must keep it as bytes.
func newQueuedMail(n int, offset time.Duration) store.QueuedMail {
	return store.QueuedMail{
		Payload:   append([]byte(fmt.Sprintf(`{"n":%d,"subject":"ログインのご案内"}`, n)), 0xff, 0x00),
		CreatedAt: t0.Add(offset),
		ExpiresAt: t0.Add(offset + 72*time.Hour),
	}
}

func mustEnqueue(t *testing.T, s store.Store, m store.QueuedMail) store.QueuedMail {
	t.Helper()
	got, err := s.EnqueueMail(context.Background(), m)
	if err != nil {
		t.Fatalf("EnqueueMail: %v", err)
	}
	return got
}

func mustClaim(t *testing.T, s store.Store, now time.Time, limit int) []store.QueuedMail {
	t.Helper()
	got, err := s.ClaimMail(context.Background(), now, mailLease, limit)
	if err != nil {
		t.Fatalf("ClaimMail at %v: %v", now, err)
	}
	return got
}

func mailIDs(ms []store.QueuedMail) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func testMailQueueClaim(t *testing.T, s store.Store) {
	// Enqueued out of order: the claim goes by CreatedAt.
	second := mustEnqueue(t, s, newQueuedMail(2, time.Second))
	first := mustEnqueue(t, s, newQueuedMail(1, 0))
	third := mustEnqueue(t, s, newQueuedMail(3, 2*time.Second))
	if first.ID == "" || first.ID == second.ID {
		t.Fatalf("ids %q %q: want fresh ones", first.ID, second.ID)
	}
	if first.Attempts != 0 || !first.LeaseUntil.IsZero() {
		t.Fatalf("enqueued %+v: want no attempts and no lease", first)
	}
	now := t0.Add(time.Minute)
	got := mustClaim(t, s, now, 2)
	if !slices.Equal(mailIDs(got), []string{first.ID, second.ID}) {
		t.Fatalf("claimed %v, want the two oldest %v", mailIDs(got), []string{first.ID, second.ID})
	}
	want := first
	want.LeaseUntil, want.Attempts = now.Add(mailLease), 1
	sameJSON(t, "claimed item", got[0], want)
	if string(got[0].Payload) != string(first.Payload) {
		t.Fatalf("payload %q, want %q", got[0].Payload, first.Payload)
	}
	// Leased items are not claimed again; the rest is.
	if got := mustClaim(t, s, now, 10); !slices.Equal(mailIDs(got), []string{third.ID}) {
		t.Fatalf("second claim %v, want only %s", mailIDs(got), third.ID)
	}
	if got := mustClaim(t, s, now.Add(mailLease-time.Nanosecond), 10); len(got) != 0 {
		t.Fatalf("claimed %v while every lease holds", mailIDs(got))
	}
}

func testMailQueueLeaseLapse(t *testing.T, s store.Store) {
	ctx := context.Background()
	m := mustEnqueue(t, s, newQueuedMail(1, 0))
	first := mustClaim(t, s, t0, 1)
	if len(first) != 1 {
		t.Fatalf("claimed %d, want 1", len(first))
	}
	// The holder crashed: once the lease has lapsed the item is claimed again.
	again := mustClaim(t, s, t0.Add(mailLease), 1)
	if len(again) != 1 || again[0].ID != m.ID || again[0].Attempts != 2 || !again[0].LeaseUntil.Equal(t0.Add(2*mailLease)) {
		t.Fatalf("after the lease lapsed: %+v, want %s with 2 attempts leased until %v", again, m.ID, t0.Add(2*mailLease))
	}
	// The first holder's claim is stale: it cannot move the new one's lease.
	wantErr(t, "retry with a stale claim", s.RetryMail(ctx, first[0], t0.Add(time.Hour)), store.ErrPrecondition)
	if got := mustClaim(t, s, t0.Add(2*mailLease-time.Nanosecond), 1); len(got) != 0 {
		t.Fatalf("claimed %v under the second lease", mailIDs(got))
	}
	// A late delete by the first holder still removes it: the mail was sent.
	if err := s.DeleteMail(ctx, first[0]); err != nil {
		t.Fatalf("DeleteMail by the stale holder: %v", err)
	}
	wantErr(t, "retry after delete", s.RetryMail(ctx, again[0], t0.Add(time.Hour)), store.ErrNotFound)
}

func testMailQueueRetry(t *testing.T, s store.Store) {
	ctx := context.Background()
	m := mustEnqueue(t, s, newQueuedMail(1, 0))
	other := mustEnqueue(t, s, newQueuedMail(2, time.Second))
	claimed := mustClaim(t, s, t0, 1)
	if len(claimed) != 1 || claimed[0].ID != m.ID {
		t.Fatalf("claimed %v, want %s", mailIDs(claimed), m.ID)
	}
	// A failed attempt: back off ten minutes, past the lease.
	at := t0.Add(10 * time.Minute)
	if err := s.RetryMail(ctx, claimed[0], at); err != nil {
		t.Fatalf("RetryMail: %v", err)
	}
	if got := mustClaim(t, s, at.Add(-time.Nanosecond), 5); !slices.Equal(mailIDs(got), []string{other.ID}) {
		t.Fatalf("claimed %v before the retry time, want only %s", mailIDs(got), other.ID)
	}
	got := mustClaim(t, s, at, 5)
	if len(got) != 1 || got[0].ID != m.ID || got[0].Attempts != 2 {
		t.Fatalf("at the retry time: %+v, want %s on its second attempt", got, m.ID)
	}
	// Retry may also bring an item forward (at = now: at once).
	if err := s.RetryMail(ctx, got[0], at); err != nil {
		t.Fatalf("RetryMail at once: %v", err)
	}
	if got := mustClaim(t, s, at, 5); len(got) != 1 || got[0].ID != m.ID || got[0].Attempts != 3 {
		t.Fatalf("after a retry at once: %+v", got)
	}
	// A delayed first attempt: LeaseUntil given at enqueue.
	later := newQueuedMail(3, 0)
	later.LeaseUntil = t0.Add(time.Hour)
	later = mustEnqueue(t, s, later)
	if got := mustClaim(t, s, t0.Add(time.Hour-time.Nanosecond), 5); slices.Contains(mailIDs(got), later.ID) {
		t.Fatalf("claimed %s before its LeaseUntil", later.ID)
	}
	if got := mustClaim(t, s, t0.Add(time.Hour), 5); !slices.Contains(mailIDs(got), later.ID) {
		t.Fatalf("claimed %v at its LeaseUntil, want %s among them", mailIDs(got), later.ID)
	}
}

func testMailQueueDelete(t *testing.T, s store.Store) {
	ctx := context.Background()
	m := mustEnqueue(t, s, newQueuedMail(1, 0))
	keep := mustEnqueue(t, s, newQueuedMail(2, time.Second))
	claimed := mustClaim(t, s, t0, 1)
	if err := s.DeleteMail(ctx, claimed[0]); err != nil {
		t.Fatalf("DeleteMail: %v", err)
	}
	wantErr(t, "delete twice", s.DeleteMail(ctx, claimed[0]), store.ErrNotFound)
	wantErr(t, "delete an unknown item", s.DeleteMail(ctx, store.QueuedMail{ID: "nope", CreatedAt: t0}), store.ErrNotFound)
	// The same id at another time is another item.
	wrongTime := m
	wrongTime.CreatedAt = t0.Add(time.Hour)
	wantErr(t, "delete at the wrong time", s.DeleteMail(ctx, wrongTime), store.ErrNotFound)
	// A deleted item is never claimed again, even after its lease.
	if got := mustClaim(t, s, t0.Add(time.Hour), 5); !slices.Equal(mailIDs(got), []string{keep.ID}) {
		t.Fatalf("claimed %v after delete, want only %s", mailIDs(got), keep.ID)
	}
	// Delete needs no claim.
	if err := s.DeleteMail(ctx, keep); err != nil {
		t.Fatalf("DeleteMail of an unclaimed item: %v", err)
	}
	if got := mustClaim(t, s, t0.Add(24*time.Hour), 5); len(got) != 0 {
		t.Fatalf("claimed %v from an empty queue", mailIDs(got))
	}
}

func testMailQueueExpiry(t *testing.T, s store.Store) {
	short := newQueuedMail(1, 0)
	short.ExpiresAt = t0.Add(time.Hour)
	short = mustEnqueue(t, s, short)
	long := mustEnqueue(t, s, newQueuedMail(2, time.Second))
	// Claimed and never finished: after expiry it is not claimed again.
	if got := mustClaim(t, s, t0.Add(time.Hour-mailLease), 5); len(got) != 2 {
		t.Fatalf("claimed %v, want both", mailIDs(got))
	}
	if got := mustClaim(t, s, t0.Add(time.Hour), 5); !slices.Equal(mailIDs(got), []string{long.ID}) {
		t.Fatalf("claimed %v at %s's expiry, want only %s", mailIDs(got), short.ID, long.ID)
	}
	// Never claimed and expired: never claimed.
	unclaimed := newQueuedMail(3, 0)
	unclaimed.ExpiresAt = t0.Add(time.Minute)
	mustEnqueue(t, s, unclaimed)
	if got := mustClaim(t, s, t0.Add(73*time.Hour), 5); len(got) != 0 {
		t.Fatalf("claimed %v after every item expired", mailIDs(got))
	}
	if _, err := s.DeleteExpired(context.Background(), t0.Add(73*time.Hour)); err != nil {
		t.Fatalf("DeleteExpired: %v", err)
	}
}

func testMailQueueLimit(t *testing.T, s store.Store) {
	ctx := context.Background()
	var all []string
	for i := range 7 {
		all = append(all, mustEnqueue(t, s, newQueuedMail(i, time.Duration(i)*time.Millisecond)).ID)
	}
	var got []string
	for _, n := range []int{3, 3, 3} {
		c := mustClaim(t, s, t0.Add(time.Second), n)
		if len(c) > n {
			t.Fatalf("claimed %d with limit %d", len(c), n)
		}
		got = append(got, mailIDs(c)...)
	}
	if !slices.Equal(got, all) {
		t.Fatalf("claimed %v in three claims of 3, want every item oldest first %v", got, all)
	}
	for _, c := range []struct {
		lease time.Duration
		limit int
		field string
	}{{mailLease, 0, "limit"}, {mailLease, store.MaxMailClaim + 1, "limit"}, {0, 1, "lease"}, {-time.Second, 1, "lease"}} {
		_, err := s.ClaimMail(ctx, t0, c.lease, c.limit)
		wantField(t, fmt.Sprintf("claim with lease %v and limit %d", c.lease, c.limit), err, c.field)
	}
}

func testMailQueueInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	for _, c := range []struct {
		field string
		edit  func(*store.QueuedMail)
	}{
		{"payload", func(m *store.QueuedMail) { m.Payload = nil }},
		{"payload", func(m *store.QueuedMail) { m.Payload = make([]byte, store.MaxMailPayload+1) }},
		{"createdAt", func(m *store.QueuedMail) { m.CreatedAt = time.Time{} }},
		{"expiresAt", func(m *store.QueuedMail) { m.ExpiresAt = m.CreatedAt }},
		{"id", func(m *store.QueuedMail) { m.ID = "has space" }},
		{"id", func(m *store.QueuedMail) { m.ID = strings.Repeat("x", 65) }},
		{"attempts", func(m *store.QueuedMail) { m.Attempts = -1 }},
	} {
		m := newQueuedMail(1, 0)
		c.edit(&m)
		_, err := s.EnqueueMail(ctx, m)
		wantField(t, "enqueue with a bad "+c.field, err, c.field)
	}
	if got := mustClaim(t, s, t0.Add(time.Minute), 10); len(got) != 0 {
		t.Fatalf("invalid items were written: %v", mailIDs(got))
	}
	m := newQueuedMail(1, 0)
	m.ID = "mail-1"
	mustEnqueue(t, s, m)
	_, err := s.EnqueueMail(ctx, m)
	wantConflict(t, "enqueue the same item twice", err, "id")
	if got := mustClaim(t, s, t0.Add(time.Minute), 10); len(got) != 1 {
		t.Fatalf("claimed %d after a refused duplicate, want 1", len(got))
	}
}

func testMailQueueNotExported(t *testing.T, s store.Store) {
	mustEnqueue(t, s, newQueuedMail(1, 0))
	mustClaim(t, s, t0, 1)
	mustEnqueue(t, s, newQueuedMail(2, 0))
	wantEmpty(t, s)
}

// 16 claimers drain 60 items: each item is claimed exactly once while the
// leases hold; when they lapse, each is claimed exactly once again.
func testConcurrentClaimMail(t *testing.T, s store.Store) {
	const items, claimers = 60, 16
	want := map[string]bool{}
	for i := range items {
		want[mustEnqueue(t, s, newQueuedMail(i, time.Duration(i)*time.Millisecond)).ID] = true
	}
	round := func(now time.Time, attempts int) {
		t.Helper()
		var mu sync.Mutex
		count := map[string]int{}
		var wg sync.WaitGroup
		errs := make(chan error, claimers)
		for range claimers {
			wg.Go(func() {
				for {
					got, err := s.ClaimMail(context.Background(), now, mailLease, 3)
					if err != nil {
						errs <- err
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, m := range got {
						count[m.ID]++
						if m.Attempts != attempts {
							errs <- fmt.Errorf("%s claimed with %d attempts, want %d", m.ID, m.Attempts, attempts)
						}
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for id := range want {
			if count[id] != 1 {
				t.Errorf("round %d: %s claimed %d times, want once", attempts, id, count[id])
			}
		}
		if len(count) != len(want) {
			t.Errorf("round %d: claimed %d distinct items, want %d", attempts, len(count), len(want))
		}
	}
	round(t0, 1)
	round(t0.Add(mailLease), 2)
}
