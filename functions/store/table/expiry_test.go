package table_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/item"
	"github.com/okaeri/okaeri/functions/store/item/boltdb"
	"github.com/okaeri/okaeri/functions/store/item/dynamodb/dynamodbtest"
	"github.com/okaeri/okaeri/functions/store/table"
)

// Items with an expiry carry the engine's TTL attribute, expires_at, in
// whole seconds rounded up, so TTL never removes them early, and the exact
// instant, expires_ns, which every read compares. Both are the layout of
// docs/dynamodb.md (DynamoDB's TTL reads expires_at on existing tables), so
// the test reads them from the item layer; everything else goes through
// store.Store.
func TestExpiryAttributes(t *testing.T) {
	for _, engine := range []struct {
		name string
		open func(t *testing.T) *table.Store
		// removes: DeleteExpired removes what TTL has passed (bolt); DynamoDB
		// leaves it to its TTL.
		removes bool
	}{
		{"bolt", func(t *testing.T) *table.Store {
			db, err := boltdb.Open(filepath.Join(t.TempDir(), "okaeri.db"), &boltdb.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			s := table.New(db, table.Options{})
			t.Cleanup(func() { s.Close() })
			return s
		}, true},
		{"dynamodb", func(t *testing.T) *table.Store {
			return table.New(dynamodbtest.DB(t), table.Options{})
		}, false},
	} {
		t.Run(engine.name, func(t *testing.T) {
			t.Parallel()
			ts := engine.open(t)
			var s store.Store = ts
			ctx := context.Background()
			created := time.Date(2026, 4, 1, 9, 0, 0, 5e8, time.UTC)
			tok := store.Token{Hash: store.HashToken("p"), Purpose: store.PurposeLogin, Subject: "m1",
				CreatedAt: created, ExpiresAt: created.Add(10 * time.Minute)} // 09:10:00.5
			if err := s.CreateToken(ctx, tok); err != nil {
				t.Fatal(err)
			}
			k := item.Key{PK: "TOKEN#" + tok.Hash, SK: "TOKEN"}
			raw, err := ts.DB().Get(ctx, k)
			if err != nil || raw == nil {
				t.Fatalf("the token item: %v, %v", raw, err)
			}
			if got, want := raw[item.TTL], int64(1775034601); got != want { // 09:10:01
				t.Errorf("%s = %v (%T), want %d: the expiry rounded up to the second", item.TTL, got, got, want)
			}
			if got, want := raw["expires_ns"], tok.ExpiresAt.UnixNano(); got != want {
				t.Errorf("expires_ns = %v (%T), want %d", got, got, want)
			}

			// Just before the exact expiry nothing may remove it, although
			// its expiry's second has begun.
			before := tok.ExpiresAt.Add(-time.Nanosecond)
			if n, err := s.DeleteExpired(ctx, before); err != nil || n != 0 {
				t.Errorf("DeleteExpired just before the expiry: %d, %v; want 0", n, err)
			}
			// At the exact instant it is expired, though still stored; a
			// nanosecond before, it is live.
			if _, err := s.ConsumeToken(ctx, tok.Hash, tok.Purpose, tok.ExpiresAt); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("consume at the expiry instant: %v, want ErrNotFound", err)
			}
			if _, err := s.ConsumeToken(ctx, tok.Hash, tok.Purpose, before); err != nil {
				t.Errorf("consume 1ns before the expiry: %v", err)
			}

			// From expires_at on, the engine may remove it.
			n, err := s.DeleteExpired(ctx, time.Unix(1775034601, 0))
			if err != nil {
				t.Fatal(err)
			}
			raw, err = ts.DB().Get(ctx, k)
			if err != nil {
				t.Fatal(err)
			}
			if engine.removes && (n != 1 || raw != nil) {
				t.Errorf("DeleteExpired at %s: %d removed, item %v; want the token removed and counted", item.TTL, n, raw)
			}
			if !engine.removes && (n != 0 || raw == nil) {
				t.Errorf("DeleteExpired at %s: %d removed, item %v; want it left to DynamoDB's TTL", item.TTL, n, raw)
			}
		})
	}
}
