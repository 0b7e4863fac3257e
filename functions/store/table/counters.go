package table

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"

	kv "github.com/okaeri/okaeri/functions/store/item"
)

// Counters (docs/dynamodb.md, "Counters"): each counter is counterShards
// items, COUNTER#<name> / SHARD#<n>, each holding part of the count in
// "n". A write adds to one shard picked at random, in the transaction of
// the change it counts, so writers rarely meet on one item (a burst of
// newsletter opens would otherwise conflict on a single counter item);
// a read sums the shards with one consistent BatchGet.
const (
	counterShards = 8
	typeCounter   = "counter"
)

func counterKey(name string, shard int) kv.Key {
	return key("COUNTER#"+name, "SHARD#"+strconv.Itoa(shard))
}

func init() { indexTypes(typeCounter) } // derived data: rebuilt by Import

// counterOps are the updates that add deltas (zero ones dropped), one
// operation per counter, in name order.
func counterOps(deltas map[string]int64) []kv.Op {
	var ops []kv.Op
	for _, name := range slices.Sorted(maps.Keys(deltas)) {
		if deltas[name] == 0 {
			continue
		}
		ops = append(ops, kv.Update(counterKey(name, rand.IntN(counterShards)),
			map[string]any{"type": str(typeCounter), "name": str(name)}, map[string]int64{"n": deltas[name]}, nil, nil))
	}
	return ops
}

// Counts implements store.Counters.
func (s *Store) Counts(ctx context.Context, names ...string) (map[string]int64, error) {
	keys := make([]kv.Key, 0, len(names)*counterShards)
	for _, name := range names {
		for shard := range counterShards {
			keys = append(keys, counterKey(name, shard))
		}
	}
	items, err := s.db.BatchGet(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("counts: %w", err)
	}
	out := make(map[string]int64, len(names))
	for i, name := range names {
		out[name] += 0
		for _, it := range items[i*counterShards : (i+1)*counterShards] {
			if it == nil {
				continue
			}
			d := decoder{it: it}
			out[name] += d.num("n")
			if d.err != nil {
				return nil, fmt.Errorf("counts: %w", d.err)
			}
		}
	}
	return out, nil
}
