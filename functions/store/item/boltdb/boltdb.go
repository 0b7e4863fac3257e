// Package boltdb is the item layer (store/item) on one bbolt file: the
// embedded engine of `make dev` and of a single-machine deployment.
//
// Each Transact is one bbolt read-write transaction: conditions are checked
// and every write applied, index and TTL entries included, before it
// commits, so a crash leaves all of it or none. Buckets:
//
//	items   PK \x00 SK                            → the item (item.Marshal)
//	gsi1    GSI1PK \x00 GSI1SK \x00 PK \x00 SK    → empty
//	ttl     expires_at (8 bytes, big endian) PK \x00 SK → empty
//	txtokens  transaction token                    → request hash and time
package boltdb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"github.com/okaeri/okaeri/functions/store/item"
)

var (
	bucketItems  = []byte("items")
	bucketGSI1   = []byte("gsi1")
	bucketTTL    = []byte("ttl")
	bucketTokens = []byte("txtokens")
	buckets      = [][]byte{bucketItems, bucketGSI1, bucketTTL, bucketTokens}
)

// tokenLife is how long a transaction token is remembered, as on DynamoDB.
const tokenLife = 10 * time.Minute

// ErrLocked means another process has the file open.
var ErrLocked = errors.New("bolt: store file is in use by another process")

// ErrOldFormat means the file was written by the engine of Okaeri before
// the item layer (one bucket per record kind). Move its data with the
// release that wrote it: `okaeri store export` there, then
// `okaeri store import` here (docs/store.md, "Moving a bolt file from an older Okaeri").
var ErrOldFormat = errors.New("bolt: the file has the layout of an older Okaeri; export it with that release and import it here")

// Options tune Open.
type Options struct {
	// Timeout bounds the wait for the file lock held by another process (default 2s).
	Timeout time.Duration
	// NoSync skips fsync after each commit: only for tests and benchmarks.
	NoSync bool
	// IndexLag, in tests, delays every change to GSI1 by this long, as
	// DynamoDB's index may lag its table, so that no domain code can rely
	// on reading the index right after a write.
	IndexLag time.Duration
	// Now is the clock for transaction tokens (default time.Now).
	Now func() time.Time
}

// DB is the bolt item layer.
type DB struct {
	db  *bolt.DB
	lag time.Duration
	now func() time.Time

	// With IndexLag, mu is held across each write transaction and each
	// flush of pending (always taken before bbolt's write lock), so pending
	// is in commit order and no flush runs between a commit and the queuing
	// of its index changes.
	mu      sync.Mutex
	pending []indexChange // with IndexLag: index changes not yet visible, in commit order
}

type indexChange struct {
	at     time.Time
	del    []byte
	add    []byte
	hasDel bool
	hasAdd bool
}

var _ item.DB = (*DB)(nil)

// Open opens (creating if needed) the file at path.
func Open(path string, opts *Options) (*DB, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("open bolt: %w", err)
		}
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: o.Timeout, NoSync: o.NoSync})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open bolt %s: %w (waited %s)", path, ErrLocked, o.Timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("open bolt %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("members")) != nil {
			return ErrOldFormat
		}
		for _, b := range buckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open bolt %s: %w", path, err)
	}
	return &DB{db: db, lag: o.IndexLag, now: o.Now}, nil
}

// Close implements item.DB.
func (d *DB) Close() error { return d.db.Close() }

// Bolt returns the underlying bbolt database (for backups and tests).
func (d *DB) Bolt() *bolt.DB { return d.db }

func tableKey(k item.Key) []byte {
	b := make([]byte, 0, len(k.PK)+1+len(k.SK))
	b = append(b, k.PK...)
	b = append(b, 0)
	return append(b, k.SK...)
}

func indexKey(it item.Item) ([]byte, bool) {
	ipk, ok1 := it[item.GSI1PK].(string)
	isk, ok2 := it[item.GSI1SK].(string)
	if !ok1 || !ok2 {
		return nil, false
	}
	k := it.Key()
	b := make([]byte, 0, len(ipk)+len(isk)+len(k.PK)+len(k.SK)+3)
	b = append(b, ipk...)
	b = append(b, 0)
	b = append(b, isk...)
	b = append(b, 0)
	return append(b, tableKey(k)...), true
}

// splitIndexKey returns the table key inside an index key.
func splitIndexKey(b []byte) []byte {
	i := bytes.IndexByte(b, 0)
	j := bytes.IndexByte(b[i+1:], 0)
	return b[i+1+j+1:]
}

func ttlKey(it item.Item) ([]byte, bool) {
	n, ok := it[item.TTL].(int64)
	if !ok {
		return nil, false
	}
	tk := tableKey(it.Key())
	b := make([]byte, 8, 8+len(tk))
	binary.BigEndian.PutUint64(b, uint64(n))
	return append(b, tk...), true
}

func read(tx *bolt.Tx, k item.Key) (item.Item, error) {
	v := tx.Bucket(bucketItems).Get(tableKey(k))
	if v == nil {
		return nil, nil
	}
	it, err := item.Unmarshal(v)
	if err != nil {
		return nil, fmt.Errorf("bolt: item %s: %w", k, err)
	}
	return it, nil
}

// Get implements item.DB.
func (d *DB) Get(ctx context.Context, k item.Key) (item.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out item.Item
	err := d.db.View(func(tx *bolt.Tx) error {
		var err error
		out, err = read(tx, k)
		return err
	})
	return out, err
}

// BatchGet implements item.DB.
func (d *DB) BatchGet(ctx context.Context, keys []item.Key) ([]item.Item, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]item.Item, len(keys))
	err := d.db.View(func(tx *bolt.Tx) error {
		for i, k := range keys {
			it, err := read(tx, k)
			if err != nil {
				return err
			}
			out[i] = it
		}
		return nil
	})
	return out, err
}

// Query implements item.DB.
func (d *DB) Query(ctx context.Context, q item.Query) (item.Page, error) {
	if err := item.CheckQuery(q); err != nil {
		return item.Page{}, err
	}
	if err := ctx.Err(); err != nil {
		return item.Page{}, err
	}
	if q.Index == item.GSI1 {
		if err := d.flushIndex(false); err != nil {
			return item.Page{}, err
		}
	}
	var page item.Page
	err := d.db.View(func(tx *bolt.Tx) error {
		bucket := bucketItems
		if q.Index == item.GSI1 {
			bucket = bucketGSI1
		}
		prefix := append([]byte(q.PK), 0)
		lo, hi := append(bytes.Clone(prefix), q.From...), []byte(nil)
		if q.Prefix != "" {
			lo = append(bytes.Clone(prefix), q.Prefix...)
		}
		if q.To != "" {
			hi = append(bytes.Clone(prefix), q.To...)
		}
		var after []byte
		if q.Cursor != "" {
			c, err := item.DecodeCursor(q)
			if err != nil {
				return err
			}
			if q.Index == item.GSI1 {
				after = append(append(append([]byte(c.IndexKey.PK), 0), c.IndexKey.SK...), 0)
				after = append(after, tableKey(c.Key)...)
			} else {
				after = tableKey(c.Key)
			}
		}
		c := tx.Bucket(bucket).Cursor()
		// sortKey is the sort key inside a bucket key of this partition.
		sortKey := func(k []byte) string {
			rest := k[len(prefix):]
			if q.Index == item.GSI1 {
				rest = rest[:bytes.IndexByte(rest, 0)]
			}
			return string(rest)
		}
		var k []byte
		switch {
		case !q.Reverse && after != nil:
			if k, _ = c.Seek(after); bytes.Equal(k, after) {
				k, _ = c.Next()
			}
		case !q.Reverse:
			k, _ = c.Seek(lo)
		default:
			// The last key at or below the upper bound: seek the first
			// key above it and step back. UTF-8 has no 0xff byte, and a
			// sort key is followed by \x00 in index keys.
			upper := append(bytes.Clone(prefix), 0xff)
			switch {
			case after != nil:
				upper = after
			case q.Prefix != "":
				upper = append(bytes.Clone(lo), 0xff)
			case hi != nil:
				upper = append(bytes.Clone(hi), 1)
			}
			if k, _ = c.Seek(upper); k == nil {
				k, _ = c.Last()
			} else {
				k, _ = c.Prev()
			}
		}
		// Each direction starts inside its bound, so the first key out of
		// range ends the page.
		for ; k != nil && bytes.HasPrefix(k, prefix); k = step(c, q.Reverse) {
			if !item.InRange(q, sortKey(k)) {
				break
			}
			if q.CountOnly {
				page.Count++
				continue
			}
			tk := k
			if q.Index == item.GSI1 {
				tk = splitIndexKey(k)
			}
			v := tx.Bucket(bucketItems).Get(tk)
			if v == nil {
				continue // an index entry whose item went away (lag mode)
			}
			it, err := item.Unmarshal(v)
			if err != nil {
				return fmt.Errorf("bolt: query %s: %w", q.PK, err)
			}
			if q.Limit > 0 && len(page.Items) == q.Limit {
				page.Cursor = item.EncodeCursor(q.Index, page.Items[len(page.Items)-1])
				break
			}
			page.Items = append(page.Items, it)
		}
		if !q.CountOnly {
			page.Count = len(page.Items)
		}
		return nil
	})
	return page, err
}

func step(c *bolt.Cursor, reverse bool) []byte {
	var k []byte
	if reverse {
		k, _ = c.Prev()
	} else {
		k, _ = c.Next()
	}
	return k
}

// Scan implements item.DB: the items of one segment (by a hash of PK), in
// key order.
func (d *DB) Scan(ctx context.Context, s item.ScanInput) (item.Page, error) {
	if err := item.CheckScan(s); err != nil {
		return item.Page{}, err
	}
	if err := ctx.Err(); err != nil {
		return item.Page{}, err
	}
	var after []byte
	if s.Cursor != "" {
		k, err := decodeScanCursor(s.Cursor)
		if err != nil {
			return item.Page{}, err
		}
		after = tableKey(k)
	}
	var page item.Page
	err := d.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketItems).Cursor()
		var k, v []byte
		if after == nil {
			k, v = c.First()
		} else {
			k, v = c.Seek(after)
			if bytes.Equal(k, after) {
				k, v = c.Next()
			}
		}
		for ; k != nil; k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			pk := k[:bytes.IndexByte(k, 0)]
			if Segment(string(pk), s.Segments) != s.Segment {
				continue
			}
			if s.Limit > 0 && len(page.Items) == s.Limit {
				page.Cursor = item.EncodeScanCursor(page.Items[len(page.Items)-1].Key())
				break
			}
			it, err := item.Unmarshal(v)
			if err != nil {
				return err
			}
			page.Items = append(page.Items, it)
		}
		page.Count = len(page.Items)
		return nil
	})
	return page, err
}

// Segment is the scan segment of a partition.
func Segment(pk string, segments int) int {
	h := fnv.New32a()
	h.Write([]byte(pk))
	return int(h.Sum32() % uint32(segments))
}

func decodeScanCursor(c string) (item.Key, error) { return item.DecodeScanCursor(c) }

// Write implements item.DB.
func (d *DB) Write(ctx context.Context, op item.Op) (item.Item, error) {
	if op.Kind == item.OpCheck {
		return nil, fmt.Errorf("%w: Write of a check", item.ErrInvalid)
	}
	var after item.Item
	err := d.transact(ctx, item.Tx{Ops: []item.Op{op}}, func(i int, it item.Item) { after = it })
	return after, err
}

// Transact implements item.DB.
func (d *DB) Transact(ctx context.Context, tx item.Tx) error { return d.transact(ctx, tx, nil) }

func (d *DB) transact(ctx context.Context, tx item.Tx, written func(i int, it item.Item)) error {
	if err := item.CheckTx(tx); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var reqHash []byte
	if tx.Token != "" {
		b, err := json.Marshal(tx.Ops)
		if err != nil {
			return fmt.Errorf("%w: %v", item.ErrInvalid, err)
		}
		sum := sha256.Sum256(b)
		reqHash = sum[:]
	}
	if d.lag > 0 {
		d.mu.Lock()
		defer d.mu.Unlock()
	}
	var changes []indexChange
	err := d.db.Update(func(btx *bolt.Tx) error {
		changes = changes[:0]
		now := d.now()
		if tx.Token != "" {
			if v := btx.Bucket(bucketTokens).Get([]byte(tx.Token)); len(v) == 40 {
				at := time.Unix(0, int64(binary.BigEndian.Uint64(v[32:])))
				if now.Sub(at) < tokenLife {
					if bytes.Equal(v[:32], reqHash) {
						return errApplied
					}
					return item.ErrTokenReused
				}
			}
		}
		items := btx.Bucket(bucketItems)
		olds := make([]item.Item, len(tx.Ops))
		for i, op := range tx.Ops {
			old, err := read(btx, op.Key)
			if err != nil {
				return err
			}
			if !item.Match(op.If, old) {
				return &item.ConditionFailed{Index: i, Current: old}
			}
			olds[i] = old
		}
		for i, op := range tx.Ops {
			if err := ctx.Err(); err != nil {
				return err // nothing commits
			}
			old := olds[i]
			var next item.Item
			switch op.Kind {
			case item.OpCheck:
				continue
			case item.OpPut:
				next = item.CanonicalItem(op.Item)
			case item.OpUpdate:
				var err error
				if next, err = item.Apply(old, op); err != nil {
					return fmt.Errorf("operation %d: %w", i, err)
				}
				next = item.CanonicalItem(next)
			}
			if written != nil {
				written(i, next)
			}
			tk := tableKey(op.Key)
			if next == nil {
				if err := items.Delete(tk); err != nil {
					return err
				}
			} else {
				b, err := item.Marshal(next)
				if err != nil {
					return fmt.Errorf("%w: %v", item.ErrInvalid, err)
				}
				if err := items.Put(tk, b); err != nil {
					return err
				}
			}
			if err := moveEntry(btx.Bucket(bucketTTL), ttlKey, old, next); err != nil {
				return err
			}
			ch := indexChange{at: time.Now().Add(d.lag)}
			ch.del, ch.hasDel = indexKey(old)
			ch.add, ch.hasAdd = indexKey(next)
			if ch.hasDel && ch.hasAdd && bytes.Equal(ch.del, ch.add) {
				continue
			}
			if !ch.hasDel && !ch.hasAdd {
				continue
			}
			if d.lag > 0 {
				changes = append(changes, ch)
				continue
			}
			if err := applyIndex(btx, ch); err != nil {
				return err
			}
		}
		if tx.Token != "" {
			v := make([]byte, 40)
			copy(v, reqHash)
			binary.BigEndian.PutUint64(v[32:], uint64(now.UnixNano()))
			if err := btx.Bucket(bucketTokens).Put([]byte(tx.Token), v); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errApplied) {
		return nil
	}
	if err == nil && len(changes) > 0 {
		d.pending = append(d.pending, changes...) // mu is held
	}
	return err
}

var errApplied = errors.New("already applied")

func applyIndex(btx *bolt.Tx, ch indexChange) error {
	b := btx.Bucket(bucketGSI1)
	if ch.hasDel {
		if err := b.Delete(ch.del); err != nil {
			return err
		}
	}
	if ch.hasAdd {
		return b.Put(ch.add, nil)
	}
	return nil
}

// flushIndex makes the index changes whose time has come visible (all of
// them when all is set).
func (d *DB) flushIndex(all bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.flushLocked(all)
}

func (d *DB) flushLocked(all bool) error {
	if len(d.pending) == 0 {
		return nil
	}
	now := time.Now()
	n := 0
	for n < len(d.pending) && (all || !d.pending[n].at.After(now)) {
		n++
	}
	if n == 0 {
		return nil
	}
	err := d.db.Update(func(btx *bolt.Tx) error {
		for _, ch := range d.pending[:n] {
			if err := applyIndex(btx, ch); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		d.pending = d.pending[n:]
	}
	return err
}

// moveEntry keeps a secondary bucket (ttl) in step with an item's change.
func moveEntry(b *bolt.Bucket, keyOf func(item.Item) ([]byte, bool), old, next item.Item) error {
	ok, hasOld := keyOf(old)
	nk, hasNext := keyOf(next)
	if hasOld && (!hasNext || !bytes.Equal(ok, nk)) {
		if err := b.Delete(ok); err != nil {
			return err
		}
	}
	if hasNext {
		return b.Put(nk, nil)
	}
	return nil
}

// DeleteExpired implements item.DB: it removes, in transactions of up to
// 1,000, every item whose expires_at is at or before now, with its index
// entries, and forgets transaction tokens older than ten minutes.
func (d *DB) DeleteExpired(ctx context.Context, now time.Time, count func(item.Item) bool) (int, error) {
	if d.lag > 0 {
		// No transaction may queue index changes between the flush and
		// the deletes below: they could bring back entries of items
		// removed here.
		d.mu.Lock()
		defer d.mu.Unlock()
		if err := d.flushLocked(true); err != nil {
			return 0, err
		}
	}
	total, removed := 0, 0
	limit := make([]byte, 8)
	binary.BigEndian.PutUint64(limit, uint64(now.Unix()))
	for {
		if err := ctx.Err(); err != nil {
			return removed, err
		}
		n := 0
		err := d.db.Update(func(btx *bolt.Tx) error {
			c := btx.Bucket(bucketTTL).Cursor()
			for k, _ := c.First(); k != nil && n < 1000 && bytes.Compare(k[:8], limit) <= 0; k, _ = c.First() {
				tk := k[8:]
				if v := btx.Bucket(bucketItems).Get(tk); v != nil {
					it, err := item.Unmarshal(v)
					if err != nil {
						return err
					}
					if ik, ok := indexKey(it); ok {
						if err := btx.Bucket(bucketGSI1).Delete(ik); err != nil {
							return err
						}
					}
					if err := btx.Bucket(bucketItems).Delete(tk); err != nil {
						return err
					}
					n++
					if count == nil || count(it) {
						removed++
					}
				}
				if err := btx.Bucket(bucketTTL).Delete(k); err != nil {
					return err
				}
			}
			return nil
		})
		total += n
		if err != nil {
			return removed, err
		}
		if n < 1000 {
			break
		}
	}
	err := d.db.Update(func(btx *bolt.Tx) error {
		b := btx.Bucket(bucketTokens)
		var old [][]byte
		_ = b.ForEach(func(k, v []byte) error {
			if len(v) != 40 || d.now().Sub(time.Unix(0, int64(binary.BigEndian.Uint64(v[32:])))) >= tokenLife {
				old = append(old, bytes.Clone(k))
			}
			return nil
		})
		for _, k := range old {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	return removed, err
}
