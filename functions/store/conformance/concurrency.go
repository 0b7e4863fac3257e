package conformance

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

// together runs fn(0..n-1) on n goroutines released at the same instant and
// returns their errors by index.
func together(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

// tally counts nil errors and errors matching want; any other error fails.
func tally(t *testing.T, what string, errs []error, want error) (ok, matched int) {
	t.Helper()
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, want):
			matched++
		default:
			t.Errorf("%s: goroutine %d: unexpected error %v", what, i, err)
		}
	}
	return ok, matched
}

// mixedCase spells email with the case of each letter chosen by the bits of i.
func mixedCase(email string, i int) string {
	b := []byte(email)
	bit := 0
	for j, c := range b {
		if c >= 'a' && c <= 'z' {
			if i>>(bit%8)&1 == 1 {
				b[j] = c - 'a' + 'A'
			}
			bit++
		}
	}
	return string(b)
}

func testConcurrentRegister(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 64
	errs := together(n, func(i int) error {
		m := newMember(mixedCase("hanako.yamada@example.co.jp", i))
		m.Name = fmt.Sprintf("登録者 %d", i)
		_, err := s.CreateMember(ctx, m)
		return err
	})
	ok, exists := tally(t, "register the same email", errs, store.ErrAlreadyExists)
	if ok != 1 || exists != n-1 {
		t.Fatalf("%d registrations succeeded and %d got ErrAlreadyExists; want 1 and %d", ok, exists, n-1)
	}
	for _, err := range errs {
		var ce *store.ConflictError
		if err != nil && (!errors.As(err, &ce) || ce.Field != "email") {
			t.Fatalf("conflict not on email: %v", err)
		}
	}
	// The status list is on GSI1, which may not have the winner yet.
	var list []store.Member
	eventually(t, "pending members after the race", func() error {
		var err error
		if list, _, err = s.ListMembersByStatus(ctx, store.StatusPending, store.Page{Limit: 100}); err != nil {
			return err
		}
		return indexedCount(listedMembers(list), 1)
	})
	winner := -1
	for i, err := range errs {
		if err == nil {
			winner = i
		}
	}
	got, err := s.GetMemberByEmail(ctx, "HANAKO.YAMADA@EXAMPLE.CO.JP")
	if err != nil || got.ID != list[0].ID || got.Name != fmt.Sprintf("登録者 %d", winner) {
		t.Fatalf("the stored member is not the winner's: %+v %v", got, err)
	}
	if lines := exportLines(t, s, t0); len(lines) != 1 {
		t.Fatalf("store holds %d records after the race, want 1", len(lines))
	}
}

func testConcurrentEmployeeNumber(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 16
	errs := together(n, func(i int) error {
		m := newMember(fmt.Sprintf("person%d@example.com", i))
		m.EmployeeNumber = "E-7"
		_, err := s.CreateMember(ctx, m)
		return err
	})
	ok, exists := tally(t, "register the same employee number", errs, store.ErrAlreadyExists)
	if ok != 1 || exists != n-1 {
		t.Fatalf("%d succeeded and %d got ErrAlreadyExists; want 1 and %d", ok, exists, n-1)
	}
	// The losers left no trace: their emails are free.
	for i, err := range errs {
		if err == nil {
			continue
		}
		if _, err := s.GetMemberByEmail(ctx, fmt.Sprintf("person%d@example.com", i)); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a refused registration left its email behind: %v", err)
		}
	}
}

func testConcurrentUpdate(t *testing.T, s store.Store) {
	ctx := context.Background()
	m := mustCreate(t, s, newMember("hanako@example.com"))
	const n = 50
	errs := together(n, func(i int) error {
		_, err := s.UpdateMember(ctx, m.ID, func(old store.Member) (store.Member, error) {
			if old.Consents == nil {
				old.Consents = map[string]store.Consent{}
			}
			old.Consents[fmt.Sprintf("purpose-%d", i)] = store.Consent{Given: true, PolicyVersion: "1", At: t0}
			return old, nil
		})
		return err
	})
	if ok, _ := tally(t, "concurrent updates", errs, store.ErrPrecondition); ok != n {
		t.Fatalf("%d of %d updates succeeded", ok, n)
	}
	got, err := s.GetMember(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != 1+n {
		t.Errorf("version %d after %d updates, want %d", got.Version, n, 1+n)
	}
	var missing []string
	for i := range n {
		if _, ok := got.Consents[fmt.Sprintf("purpose-%d", i)]; !ok {
			missing = append(missing, fmt.Sprint(i))
		}
	}
	if len(missing) > 0 || len(got.Consents) != n+2 {
		t.Fatalf("lost updates: %d consents, missing %s", len(got.Consents), strings.Join(missing, ","))
	}
}

func testConcurrentConsume(t *testing.T, s store.Store) {
	ctx := context.Background()
	tok := newToken("race", store.PurposeLogin)
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	const n = 32
	errs := together(n, func(i int) error {
		_, err := s.ConsumeToken(ctx, tok.Hash, store.PurposeLogin, t0.Add(time.Duration(i)*time.Millisecond))
		return err
	})
	ok, notFound := tally(t, "consume one token", errs, store.ErrNotFound)
	if ok != 1 || notFound != n-1 {
		t.Fatalf("%d consumers won and %d got ErrNotFound; want 1 and %d", ok, notFound, n-1)
	}
}

func testConcurrentIdempotency(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 32
	owners := make([]bool, n)
	errs := together(n, func(i int) error {
		rec, err := s.BeginIdempotency(ctx, "idem-race", "hash", time.Minute, t0)
		if err != nil {
			return err
		}
		if rec == nil {
			owners[i] = true
			return nil
		}
		if rec.Status != store.IdempotencyInProgress || rec.RequestHash != "hash" {
			return fmt.Errorf("a non-owner saw %+v", rec)
		}
		return nil
	})
	tally(t, "begin one key", errs, store.ErrPrecondition)
	count := 0
	for _, o := range owners {
		if o {
			count++
		}
	}
	if count != 1 {
		t.Fatalf("%d callers own the key, want exactly 1", count)
	}

	// The same race after the lock has run out: again exactly one takes over.
	for i := range owners {
		owners[i] = false
	}
	errs = together(n, func(i int) error {
		rec, err := s.BeginIdempotency(ctx, "idem-race", "hash", time.Minute, t0.Add(2*time.Minute))
		if rec == nil && err == nil {
			owners[i] = true
		}
		return err
	})
	tally(t, "take over one key", errs, store.ErrPrecondition)
	count = 0
	for _, o := range owners {
		if o {
			count++
		}
	}
	if count != 1 {
		t.Fatalf("%d callers took over the key, want exactly 1", count)
	}
}

func testConcurrentRateLimit(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 64
	counts := make([]int, n)
	errs := together(n, func(i int) error {
		c, err := s.HitRateLimit(ctx, "register:ip:192.0.2.9", time.Minute, t0)
		counts[i] = c
		return err
	})
	if ok, _ := tally(t, "concurrent hits", errs, store.ErrPrecondition); ok != n {
		t.Fatalf("%d of %d hits succeeded", ok, n)
	}
	sort.Ints(counts)
	for i, c := range counts {
		if c != i+1 {
			t.Fatalf("counts seen by the hits = %v, want 1..%d each once", counts, n)
		}
	}
	if c, err := s.HitRateLimit(ctx, "register:ip:192.0.2.9", time.Minute, t0); err != nil || c != n+1 {
		t.Fatalf("next hit = %d, %v; want %d", c, err, n+1)
	}
}

func testConcurrentAudit(t *testing.T, s store.Store) {
	ctx := context.Background()
	const n = 32
	errs := together(n, func(i int) error {
		_, err := s.AppendAudit(ctx, store.AuditEntry{
			At: t0.Add(time.Duration(i) * time.Millisecond), Actor: "system", Action: "member.login", Subject: "member-a",
		})
		return err
	})
	if ok, _ := tally(t, "concurrent appends", errs, store.ErrPrecondition); ok != n {
		t.Fatalf("%d of %d appends succeeded", ok, n)
	}
	list, _, err := s.ListAudit(ctx, store.AuditQuery{Subject: "member-a"}, store.Page{Limit: 100})
	if err != nil || len(list) != n {
		t.Fatalf("ListAudit after concurrent appends: %d, %v; want %d", len(list), err, n)
	}
	for i := 1; i < len(list); i++ {
		if !list[i-1].At.Before(list[i].At) {
			t.Fatalf("audit entries out of order at %d", i)
		}
	}
}
