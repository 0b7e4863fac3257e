package conformance

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

func blockTests(newStore Factory) []subtest {
	return []subtest{
		{"BlockAndList", testBlockAndList},
		{"BlockTwiceKeepsTheFirst", testBlockTwice},
		{"BlockRules", testBlockRules},
		{"Unblock", testUnblock},
		{"BlocksGoWithEitherMember", testBlocksErased},
		{"BlocksExportImport", withSecond(newStore, testBlocksBackup)},
	}
}

func blockConcurrencyTests() []subtest {
	return []subtest{{"ConcurrentBlockSamePair", testConcurrentBlock}}
}

// blockMembers creates n members and returns their ids.
func blockMembers(t *testing.T, s store.Store, n int) []string {
	t.Helper()
	var ids []string
	for i := range n {
		m := newMember(string(rune('a'+i)) + "@example.com")
		ids = append(ids, mustCreate(t, s, m).ID)
	}
	return ids
}

func mustBlock(t *testing.T, s store.Store, blocker, blocked string, at time.Time) store.Block {
	t.Helper()
	b, created, err := s.Block(context.Background(), store.Block{Blocker: blocker, Blocked: blocked, At: at})
	if err != nil || !created {
		t.Fatalf("Block(%s, %s) = created %v, %v", blocker, blocked, created, err)
	}
	return b
}

func wantBlockedBy(t *testing.T, s store.Store, what, member string, want ...string) {
	t.Helper()
	got, err := s.BlockedBy(context.Background(), member)
	if err != nil {
		t.Fatalf("%s: BlockedBy: %v", what, err)
	}
	slices.Sort(got)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Fatalf("%s: BlockedBy(%s) = %v, want %v", what, member, got, want)
	}
}

func wantBlocks(t *testing.T, s store.Store, what, blocker string, want ...store.Block) {
	t.Helper()
	got, err := s.ListBlocks(context.Background(), blocker)
	if err != nil {
		t.Fatalf("%s: ListBlocks: %v", what, err)
	}
	if want == nil {
		want = []store.Block{}
	}
	sameJSON(t, what, got, want)
}

func testBlockAndList(t *testing.T, s store.Store) {
	ids := blockMembers(t, s, 3)
	a, b, c := ids[0], ids[1], ids[2]
	ab := mustBlock(t, s, a, b, t0.Add(time.Minute))
	ac := mustBlock(t, s, a, c, t0)
	cb := mustBlock(t, s, c, b, t0)
	if ab.At.Location() != time.UTC || !ab.At.Equal(t0.Add(time.Minute)) {
		t.Fatalf("stored block at %v", ab.At)
	}
	// Oldest first; only the blocker's own blocks.
	wantBlocks(t, s, "a's blocks", a, ac, ab)
	wantBlocks(t, s, "c's blocks", c, cb)
	wantBlocks(t, s, "b's blocks", b)
	// Read at once, consistently: who hides from b, and from c.
	wantBlockedBy(t, s, "blocked b", b, a, c)
	wantBlockedBy(t, s, "blocked c", c, a)
	wantBlockedBy(t, s, "nobody blocks a", a)
	// Without a time the store's clock stamps it.
	got, created, err := s.Block(context.Background(), store.Block{Blocker: b, Blocked: a})
	if err != nil || !created || got.At.IsZero() {
		t.Fatalf("block without a time: %+v %v %v", got, created, err)
	}
}

func testBlockTwice(t *testing.T, s store.Store) {
	ids := blockMembers(t, s, 2)
	first := mustBlock(t, s, ids[0], ids[1], t0)
	again, created, err := s.Block(context.Background(), store.Block{Blocker: ids[0], Blocked: ids[1], At: t0.Add(time.Hour)})
	if err != nil || created {
		t.Fatalf("second block: created %v, %v", created, err)
	}
	sameJSON(t, "second block returns the first", again, first)
	wantBlocks(t, s, "one block", ids[0], first)
	if n := len(exportLines(t, s, t0)); n != 3 {
		t.Fatalf("export holds %d records, want 2 members and 1 block", n)
	}
}

func testBlockRules(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := blockMembers(t, s, 1)
	_, _, err := s.Block(ctx, store.Block{Blocker: ids[0], Blocked: ids[0], At: t0})
	wantField(t, "blocking oneself", err, "blocked")
	_, _, err = s.Block(ctx, store.Block{Blocker: ids[0], Blocked: "not an id!", At: t0})
	wantField(t, "a malformed id", err, "blocked")
	_, _, err = s.Block(ctx, store.Block{Blocker: ids[0], Blocked: store.NewID(), At: t0})
	wantErr(t, "blocking an unknown member", err, store.ErrNotFound)
	_, _, err = s.Block(ctx, store.Block{Blocker: store.NewID(), Blocked: ids[0], At: t0})
	wantErr(t, "an unknown member blocking", err, store.ErrNotFound)
	if n := len(exportLines(t, s, t0)); n != 1 {
		t.Fatalf("refused blocks left %d records, want the member alone", n)
	}
	wantBlockedBy(t, s, "after refusals", ids[0])
}

func testUnblock(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := blockMembers(t, s, 3)
	mustBlock(t, s, ids[0], ids[1], t0)
	kept := mustBlock(t, s, ids[0], ids[2], t0)
	for i, want := range []bool{true, false} {
		removed, err := s.Unblock(ctx, ids[0], ids[1])
		if err != nil || removed != want {
			t.Fatalf("unblock #%d = %v, %v; want %v", i+1, removed, err, want)
		}
	}
	wantBlocks(t, s, "after unblocking one", ids[0], kept)
	wantBlockedBy(t, s, "the unblocked", ids[1])
	wantBlockedBy(t, s, "the still blocked", ids[2], ids[0])
	if removed, err := s.Unblock(ctx, ids[1], ids[0]); err != nil || removed {
		t.Fatalf("unblocking what was never blocked = %v, %v", removed, err)
	}
	// Blocking again after an unblock is a new block.
	mustBlock(t, s, ids[0], ids[1], t0.Add(time.Hour))
}

func testBlocksErased(t *testing.T, s store.Store) {
	ctx := context.Background()
	ids := blockMembers(t, s, 3)
	a, b, c := ids[0], ids[1], ids[2]
	mustBlock(t, s, a, b, t0)
	mustBlock(t, s, b, a, t0)
	mustBlock(t, s, b, c, t0)
	keep := mustBlock(t, s, c, a, t0)
	n, err := s.DeleteMemberBlocks(ctx, b)
	if err != nil || n != 3 {
		t.Fatalf("DeleteMemberBlocks(b) = %d, %v; want the 3 blocks by or of b", n, err)
	}
	wantBlocks(t, s, "a's blocks after b's erasure", a)
	wantBlocks(t, s, "b's blocks after b's erasure", b)
	wantBlocks(t, s, "c's blocks", c, keep)
	wantBlockedBy(t, s, "a", a, c)
	wantBlockedBy(t, s, "c", c)
	wantBlockedBy(t, s, "b", b)
	if n, err := s.DeleteMemberBlocks(ctx, b); err != nil || n != 0 {
		t.Fatalf("DeleteMemberBlocks again = %d, %v", n, err)
	}
	// Once a member is gone, nobody can block them or be blocked by them.
	if err := s.DeleteMember(ctx, b); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.Block(ctx, store.Block{Blocker: a, Blocked: b, At: t0})
	wantErr(t, "blocking an erased member", err, store.ErrNotFound)
	// Nothing of b is left in any export line.
	for _, l := range exportLines(t, s, t0) {
		if strings.Contains(l, b) {
			t.Fatalf("export still names the erased member: %s", l)
		}
	}
}

func testBlocksBackup(t *testing.T, src, dst store.Store) {
	ctx := context.Background()
	ids := blockMembers(t, src, 2)
	ab := mustBlock(t, src, ids[0], ids[1], t0)
	for range 2 { // the second import changes nothing
		importAll(t, src, dst)
		sameLines(t, "copy", exportLines(t, dst, exportAt), exportLines(t, src, exportAt))
	}
	wantBlocks(t, dst, "imported blocks", ids[0], ab)
	wantBlockedBy(t, dst, "imported index", ids[1], ids[0])
	if n, err := dst.DeleteMemberBlocks(ctx, ids[1]); err != nil || n != 1 {
		t.Fatalf("erasing the imported block = %d, %v", n, err)
	}
}

func testConcurrentBlock(t *testing.T, s store.Store) {
	ids := blockMembers(t, s, 2)
	const n = 8
	var wg sync.WaitGroup
	created := make(chan store.Block, n)
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			b, c, err := s.Block(context.Background(), store.Block{Blocker: ids[0], Blocked: ids[1], At: t0.Add(time.Duration(i) * time.Second)})
			if err != nil {
				errs <- err
				return
			}
			if c {
				created <- b
			}
		})
	}
	wg.Wait()
	close(created)
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent block: %v", err)
	}
	var firsts []store.Block
	for b := range created {
		firsts = append(firsts, b)
	}
	if len(firsts) != 1 {
		t.Fatalf("%d concurrent blocks created one, want exactly 1", len(firsts))
	}
	wantBlocks(t, s, "after the crowd", ids[0], firsts[0])
	wantBlockedBy(t, s, "after the crowd", ids[1], ids[0])
}
