package conformance

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

// GSI1 is eventually consistent (docs/store.md): a write that has returned
// may not be in it yet, and on bolt with IndexLag it is not, for the lag. So
// a test that lists through GSI1 right after writing (ListMembersByStatus,
// ListAudit without a subject, ListApplicationsByJob, ListReferralsByJob,
// ListNewsletterSends) reads until the list is the expected one, or fails
// after indexWait. A list may only be late, never wrong: every read on the
// way is checked, and one that could not be a lagging index's (an item
// twice, an item that does not belong, items out of order, too many) fails
// at once.

// indexWait bounds the wait for GSI1 to catch up.
const indexWait = 3 * time.Second

// errLate marks a result that a lagging index may show on its way to the
// expected one.
var errLate = errors.New("the index is not there yet")

// late is an errLate saying what was read.
func late(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errLate, fmt.Sprintf(format, args...))
}

// eventually runs check until it returns nil. An error that is not late
// fails the test at once; a late one is read again, up to indexWait.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(indexWait)
	for {
		err := check()
		if err == nil {
			return
		}
		if !errors.Is(err, errLate) {
			t.Fatalf("%s: %v", what, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not there after %v: %v", what, indexWait, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// indexedIDs is nil when got is want, in order. It is late when got is what
// a lagging index may show on the way: no item twice, the items of want in
// want's order with some still missing, and beside them only items of
// leaving (which have just left the list, and may still be listed where
// they were). Anything else is wrong.
func indexedIDs(got, want []string, leaving ...string) error {
	if slices.Equal(got, want) {
		return nil
	}
	seen := make(map[string]bool, len(got))
	next := 0 // want[:next] is matched
	for _, id := range got {
		if seen[id] {
			return fmt.Errorf("%q listed twice: got %q, want %q", id, got, want)
		}
		seen[id] = true
		if slices.Contains(leaving, id) {
			continue
		}
		i := slices.Index(want[next:], id)
		if i < 0 {
			return fmt.Errorf("got %q, want %q", got, want)
		}
		next += i + 1
	}
	return late("got %q, want %q", got, want)
}

// indexedCount is nil when got has want items. It is late when it has
// fewer, none twice; more, or one twice, is wrong.
func indexedCount(got []string, want int) error {
	seen := make(map[string]bool, len(got))
	for _, id := range got {
		if seen[id] {
			return fmt.Errorf("%q listed twice: got %q", id, got)
		}
		seen[id] = true
	}
	switch {
	case len(got) == want:
		return nil
	case len(got) < want:
		return late("%d listed, want %d: %q", len(got), want, got)
	}
	return fmt.Errorf("%d listed, want %d: %q", len(got), want, got)
}

// idsOf is the identifiers of a list, in its order.
func idsOf[T any](list []T, id func(T) string) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = id(v)
	}
	return out
}

func listedMembers(l []store.Member) []string {
	return idsOf(l, func(m store.Member) string { return m.ID })
}

func listedApplications(l []store.Application) []string {
	return idsOf(l, func(a store.Application) string { return a.ID })
}

func listedReferrals(l []store.Referral) []string {
	return idsOf(l, func(r store.Referral) string { return r.ID })
}

func listedAudit(l []store.AuditEntry) []string {
	return idsOf(l, func(e store.AuditEntry) string { return e.ID })
}

func listedSends(l []store.NewsletterSend) []string {
	return idsOf(l, func(s store.NewsletterSend) string { return s.Slug })
}
