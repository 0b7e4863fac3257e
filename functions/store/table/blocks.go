package table

import (
	"context"
	"fmt"
	"slices"

	"github.com/okaeri/okaeri/functions/store"
	kv "github.com/okaeri/okaeri/functions/store/item"
)

// Blocks live in the members' own partitions, so every read is a
// consistent Query of one partition and no index is involved: the block
// itself under its blocker (MEMBER#<blocker>, BLOCK#<blocked>), exported,
// and an index item under the blocked member (MEMBER#<blocked>,
// BLOCKEDBY#<blocker>) that the directory reads to leave the blockers out.
// Both are written and removed in one transaction.
const (
	typeBlockedByIndex = "blocked-by-index"
	skBlock            = "BLOCK#"
	skBlockedBy        = "BLOCKEDBY#"
)

func blockKey(blocker, blocked string) kv.Key { return key("MEMBER#"+blocker, skBlock+blocked) }
func blockedByKey(blocked, blocker string) kv.Key {
	return key("MEMBER#"+blocked, skBlockedBy+blocker)
}

func init() {
	recordOf(string(store.RecordBlock), decodeBlock, func(b *store.Block) store.Record { return store.Record{Block: b} },
		func(s *Store, ctx context.Context, r store.Record) error {
			return s.transact(ctx, "import block", blockPuts(*r.Block, nil))
		})
	indexTypes(typeBlockedByIndex)
}

func blockItem(b store.Block) item {
	return with(blockKey(b.Blocker, b.Blocked), item{
		"type":    str(string(store.RecordBlock)),
		"blocker": str(b.Blocker),
		"blocked": str(b.Blocked),
		"at":      timeAttr(b.At),
	})
}

func blockedByItem(b store.Block) item {
	return with(blockedByKey(b.Blocked, b.Blocker), item{
		"type":    str(typeBlockedByIndex),
		"blocker": str(b.Blocker),
	})
}

func decodeBlock(it item) (store.Block, error) {
	d := decoder{it: it}
	b := store.Block{Blocker: d.str("blocker"), Blocked: d.str("blocked"), At: d.time("at")}
	return wrapResult("decode block", b, d.err)
}

// blockPuts writes a block and its index item; cond guards the block.
func blockPuts(b store.Block, cond kv.Cond) []kv.Op {
	return []kv.Op{kv.Put(blockItem(b), cond), kv.Put(blockedByItem(b), nil)}
}

// blockDeletes removes a block and its index item.
func blockDeletes(blocker, blocked string) []kv.Op {
	return []kv.Op{kv.Delete(blockKey(blocker, blocked), nil), kv.Delete(blockedByKey(blocked, blocker), nil)}
}

// Block implements store.Blocks: the block on condition that there is none
// yet (so a second block keeps the first one's time), its index item, and
// a check that both members exist, in one transaction. A member erased
// meanwhile fails the check, so no block outlives its members' erasure.
func (s *Store) Block(ctx context.Context, b store.Block) (store.Block, bool, error) {
	if b.At.IsZero() {
		b.At = s.now()
	}
	b = b.Normalized()
	if err := b.Validate(); err != nil {
		return store.Block{}, false, fmt.Errorf("block: %w", err)
	}
	ops := append(blockPuts(b, kv.NotExists()),
		kv.Check(memberKey(b.Blocker), kv.Exists()), kv.Check(memberKey(b.Blocked), kv.Exists()))
	err := s.transact(ctx, "block", ops)
	if i, cur, ok := failedAt(err); ok {
		if i != 0 {
			return store.Block{}, false, fmt.Errorf("block: %w", store.ErrNotFound)
		}
		if len(cur) == 0 { // not returned (older emulators): read it
			if cur, err = s.getItem(ctx, "block", blockKey(b.Blocker, b.Blocked)); err != nil {
				return store.Block{}, false, fmt.Errorf("block: %w", err)
			}
		}
		old, err := decodeBlock(cur)
		if err != nil {
			return store.Block{}, false, fmt.Errorf("block: %w", err)
		}
		return old, false, nil
	}
	if err != nil {
		return store.Block{}, false, fmt.Errorf("block: %w", err)
	}
	return b, true, nil
}

// Unblock implements store.Blocks.
func (s *Store) Unblock(ctx context.Context, blocker, blocked string) (bool, error) {
	if !store.ValidID(blocker) || !store.ValidID(blocked) {
		return false, nil
	}
	ops := blockDeletes(blocker, blocked)
	ops[0].If = kv.Exists()
	err := s.transact(ctx, "unblock", ops)
	if i, _, ok := failedAt(err); ok && i == 0 {
		return false, nil
	}
	return wrapResult("unblock", true, err)
}

// ListBlocks implements store.Blocks with one consistent Query.
func (s *Store) ListBlocks(ctx context.Context, blocker string) ([]store.Block, error) {
	if !store.ValidID(blocker) {
		return nil, nil
	}
	out, err := queryAllOf(ctx, s, kv.Query{PK: "MEMBER#" + blocker, Prefix: skBlock}, decodeBlock)
	if err != nil {
		return nil, fmt.Errorf("list blocks: %w", err)
	}
	slices.SortStableFunc(out, func(a, b store.Block) int { return a.At.Compare(b.At) })
	return out, nil
}

// BlockedBy implements store.Blocks with one consistent Query.
func (s *Store) BlockedBy(ctx context.Context, memberID string) ([]string, error) {
	if !store.ValidID(memberID) {
		return nil, nil
	}
	items, err := s.queryAll(ctx, kv.Query{PK: "MEMBER#" + memberID, Prefix: skBlockedBy})
	if err != nil {
		return nil, fmt.Errorf("blocked by: %w", err)
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, (&decoder{it: it}).str("blocker"))
	}
	return out, nil
}

// DeleteMemberBlocks implements store.Blocks: both items of every block
// the member made or is the subject of, 50 blocks per transaction.
func (s *Store) DeleteMemberBlocks(ctx context.Context, memberID string) (int, error) {
	if !store.ValidID(memberID) {
		return 0, nil
	}
	var ops []kv.Op
	made, err := s.queryAll(ctx, kv.Query{PK: "MEMBER#" + memberID, Prefix: skBlock})
	if err != nil {
		return 0, fmt.Errorf("delete member blocks: %w", err)
	}
	for _, it := range made {
		ops = append(ops, blockDeletes(memberID, (&decoder{it: it}).str("blocked"))...)
	}
	against, err := s.queryAll(ctx, kv.Query{PK: "MEMBER#" + memberID, Prefix: skBlockedBy})
	if err != nil {
		return 0, fmt.Errorf("delete member blocks: %w", err)
	}
	for _, it := range against {
		ops = append(ops, blockDeletes((&decoder{it: it}).str("blocker"), memberID)...)
	}
	for chunk := range slices.Chunk(ops, 100) {
		if err := s.transact(ctx, "delete member blocks", chunk); err != nil {
			return 0, fmt.Errorf("delete member blocks: %w", err)
		}
	}
	return len(ops) / 2, nil
}
