// Package bolt is the embedded store: the portal's one store (store/table)
// on one bbolt file through the item layer's bolt adapter
// (store/item/boltdb), for `make dev` and single-machine deployments.
package bolt

import (
	"time"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/item/boltdb"
	"github.com/okaeri/okaeri/functions/store/table"
)

// Options tune Open; the zero value is right for production.
type Options struct {
	// Timeout bounds the wait for the file lock held by another process (default 2s).
	Timeout time.Duration
	// NoSync skips fsync after each commit: only for tests and benchmarks of
	// logic, never for real data.
	NoSync bool
	// Now is the clock for CreatedAt/UpdatedAt defaults (default time.Now).
	Now func() time.Time
	// IndexLag, in tests, delays every index change by this long, as
	// DynamoDB's index may lag its table.
	IndexLag time.Duration
}

// Store is the store on a bolt file.
type Store = table.Store

var _ store.Store = (*Store)(nil)

// Errors of Open.
var (
	// ErrLocked means another process has the store file open.
	ErrLocked = boltdb.ErrLocked
	// ErrOldFormat means the file has the layout of an older Okaeri.
	ErrOldFormat = boltdb.ErrOldFormat
)

// Open opens (creating if needed) the store file at path.
func Open(path string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	db, err := boltdb.Open(path, &boltdb.Options{Timeout: o.Timeout, NoSync: o.NoSync, IndexLag: o.IndexLag})
	if err != nil {
		return nil, err
	}
	return table.New(db, table.Options{Now: o.Now}), nil
}
