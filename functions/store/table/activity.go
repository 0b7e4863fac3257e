package table

import (
	"context"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	kv "github.com/okaeri/okaeri/functions/store/item"
	"github.com/okaeri/okaeri/functions/waitctx"
)

// A member's activity (docs/dynamodb.md, "Counters"): MEMBER#<id> / ACTIVE
// holds the day (Japan time) the member was last active, so that each
// member counts in one day's bucket of store.CounterLastActive. It is
// derived data, moved by the session writes (CreateSession, TouchSession
// and the import of a session) in their own transaction.
const (
	typeActivity = "member-activity"
	skActivity   = "ACTIVE"
)

func init() { indexTypes(typeActivity) }

func activityKey(memberID string) kv.Key { return key("MEMBER#"+memberID, skActivity) }

// lastActive is the day the member was last active ("" never).
func (s *Store) lastActive(ctx context.Context, memberID string) (string, error) {
	it, err := s.db.Get(ctx, activityKey(memberID))
	if err != nil || it == nil {
		return "", err
	}
	d := decoder{it: it}
	day := d.str("day")
	return day, d.err
}

// activityOps are the writes that record the member active at t, after the
// day last was read: none on the same day; else the ACTIVE item on
// condition that it still holds last, and the counters.
func activityOps(memberID, last string, t time.Time) []kv.Op {
	day := store.DayOf(t)
	deltas := store.ActivityCounts(last, day)
	if len(deltas) == 0 {
		return nil
	}
	cond := kv.NotExists()
	if last != "" {
		cond = kv.Eq("day", last)
	}
	it := with(activityKey(memberID), item{"type": str(typeActivity), "day": str(day)})
	return append([]kv.Op{kv.Put(it, cond)}, counterOps(deltas)...)
}

// transactActive applies ops with the writes that record memberID active
// at t. When another write moved the member's day meanwhile (the ACTIVE
// condition failed) it reads the day again and retries; any other failure
// is returned as it is, with the index of the failed operation in ops.
func (s *Store) transactActive(ctx context.Context, op, memberID string, t time.Time, ops []kv.Op) error {
	if t.IsZero() {
		return s.transact(ctx, op, ops)
	}
	for attempt := 1; ; attempt++ {
		last, err := s.lastActive(ctx, memberID)
		if err != nil {
			return err
		}
		err = s.transact(ctx, op, append(ops[:len(ops):len(ops)], activityOps(memberID, last, t)...))
		if i, _, ok := failedAt(err); ok && i == len(ops) && attempt < maxRaces {
			if err := waitctx.Sleep(ctx, casDelay(attempt)); err != nil {
				return err
			}
			continue
		}
		return err
	}
}

// forgetActivity are the writes that drop a deleted member's activity and
// their count in its day, after the day last was read.
func forgetActivity(memberID, last string) []kv.Op {
	if last == "" {
		return nil
	}
	return append([]kv.Op{kv.Delete(activityKey(memberID), kv.Eq("day", last))},
		counterOps(map[string]int64{store.CounterLastActive(last): -1})...)
}
