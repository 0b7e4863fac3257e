package conformance

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

// errClaimed is what a lifecycle claim returns when the mark is there.
var errClaimed = errors.New("already claimed")

// claimLifecycle is the account lifecycle job's claim: add key unless it
// is there.
func claimLifecycle(ctx context.Context, s store.Store, id, key string, at time.Time) error {
	_, err := s.UpdateMember(ctx, id, func(old store.Member) (store.Member, error) {
		if _, ok := old.Lifecycle[key]; ok {
			return old, errClaimed
		}
		if old.Lifecycle == nil {
			old.Lifecycle = map[string]time.Time{}
		}
		old.Lifecycle[key] = at
		return old, nil
	})
	return err
}

// testMemberLifecycle: the lifecycle marks round-trip to the nanosecond,
// exactly one of many concurrent claims of one mark wins, and they go
// with the member.
func testMemberLifecycle(t *testing.T, s store.Store) {
	ctx := context.Background()
	m := mustCreate(t, s, newMember("hanako@example.com"))
	if m.Lifecycle != nil {
		t.Fatalf("a new member has lifecycle marks %v", m.Lifecycle)
	}
	if err := claimLifecycle(ctx, s, m.ID, "welcome", t0); err != nil {
		t.Fatal(err)
	}
	if err := claimLifecycle(ctx, s, m.ID, "welcome", t0.Add(time.Hour)); !errors.Is(err, errClaimed) {
		t.Fatalf("second claim of welcome: %v, want the update's own error", err)
	}
	const n = 20
	errs := together(n, func(int) error { return claimLifecycle(ctx, s, m.ID, "yearly-2027", t0.Add(time.Minute)) })
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, errClaimed):
			t.Fatalf("concurrent claim: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d of %d concurrent claims won, want exactly 1", won, n)
	}
	got, err := s.GetMember(ctx, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{"welcome": t0, "yearly-2027": t0.Add(time.Minute)}
	sameJSON(t, "lifecycle marks", got.Lifecycle, want)
	if got.Version != 3 {
		t.Errorf("version %d after two claims, want 3", got.Version)
	}
	if err := s.DeleteMember(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	for _, l := range exportLines(t, s, t0.Add(time.Hour)) {
		if strings.Contains(l, "yearly-2027") {
			t.Fatalf("export keeps an erased member's lifecycle marks: %s", l)
		}
	}
}

// testMailSettings: every mail is on until HR saves otherwise; a put
// replaces the settings; an unknown mail is refused and changes nothing.
func testMailSettings(t *testing.T, s store.Store) {
	ctx := context.Background()
	got, err := s.GetMailSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range store.LifecycleMails {
		if !got.On(m) {
			t.Errorf("%s is off before HR saved any settings", m)
		}
	}
	in := store.MailSettings{Off: []string{store.LifecycleYearly, store.LifecycleNudge}, UpdatedAt: t0}
	if err := s.PutMailSettings(ctx, in); err != nil {
		t.Fatal(err)
	}
	got, err = s.GetMailSettings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "mail settings", got, in)
	err = s.PutMailSettings(ctx, store.MailSettings{Off: []string{"birthday"}})
	wantErr(t, "an unknown mail", err, store.ErrInvalid)
	err = s.PutMailSettings(ctx, store.MailSettings{Off: []string{store.LifecycleNudge, store.LifecycleNudge}})
	wantErr(t, "a mail twice", err, store.ErrInvalid)
	if got, _ = s.GetMailSettings(ctx); !got.On(store.LifecycleWelcome) || got.On(store.LifecycleNudge) {
		t.Fatalf("refused puts changed the settings: %+v", got)
	}
	if err := s.PutMailSettings(ctx, store.MailSettings{UpdatedAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if got, _ = s.GetMailSettings(ctx); !got.On(store.LifecycleNudge) || !got.On(store.LifecycleYearly) {
		t.Fatalf("switched on again: %+v", got)
	}
}
