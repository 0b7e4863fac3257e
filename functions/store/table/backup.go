package table

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	kv "github.com/okaeri/okaeri/functions/store/item"
)

// itemTypes says, for each value of an item's "type" attribute, how Export
// turns it into a record; a nil decoder marks an index item, which Export
// skips and Import rebuilds. importers write one record type. Each
// feature's file registers its own types.
var (
	itemTypes = map[string]func(item) (store.Record, error){}
	importers = map[store.RecordType]func(s *Store, ctx context.Context, r store.Record) error{}
)

// recordType registers a record's item type, its decoder and its importer.
func recordType(typ string, decode func(item) (store.Record, error), imp func(s *Store, ctx context.Context, r store.Record) error) {
	itemTypes[typ] = decode
	if imp != nil {
		importers[store.RecordType(typ)] = imp
	}
}

// recordOf is recordType for a record that decodes into a T, which wrap
// puts into a store.Record.
func recordOf[T any](typ string, decode func(item) (T, error), wrap func(*T) store.Record, imp func(s *Store, ctx context.Context, r store.Record) error) {
	recordType(typ, func(it item) (store.Record, error) {
		v, err := decode(it)
		return wrap(&v), err
	}, imp)
}

// indexTypes registers item types that only index records.
func indexTypes(types ...string) {
	for _, t := range types {
		itemTypes[t] = nil
	}
}

func init() {
	recordOf(string(store.RecordMember), decodeMember, func(m *store.Member) store.Record { return store.Record{Member: m} },
		func(s *Store, ctx context.Context, r store.Record) error { return s.importMember(ctx, *r.Member) })
	recordOf(string(store.RecordToken), decodeToken, func(t *store.Token) store.Record { return store.Record{Token: t} },
		func(s *Store, ctx context.Context, r store.Record) error { return s.importToken(ctx, *r.Token) })
	recordOf(string(store.RecordSession), decodeSession, func(sess *store.Session) store.Record { return store.Record{Session: sess} },
		func(s *Store, ctx context.Context, r store.Record) error { return s.importSession(ctx, *r.Session) })
	recordOf(string(store.RecordIdempotency), decodeIdempotency, func(rec *store.IdempotencyRecord) store.Record { return store.Record{Idempotency: rec} },
		func(s *Store, ctx context.Context, r store.Record) error {
			return s.put(ctx, idempotencyItem(*r.Idempotency))
		})
	recordOf(string(store.RecordAudit), decodeAudit, func(e *store.AuditEntry) store.Record { return store.Record{Audit: e} },
		func(s *Store, ctx context.Context, r store.Record) error { return s.importAudit(ctx, *r.Audit) })
	recordOf(string(store.RecordRateLimit), decodeRateLimit, func(c *store.RateLimitCounter) store.Record { return store.Record{RateLimit: c} },
		func(s *Store, ctx context.Context, r store.Record) error {
			return s.put(ctx, rateLimitItem(*r.RateLimit))
		})
	indexTypes(typeEmailIndex, typeNumberIndex, typeSessionIndex, typeAuditIDIndex, typeRoleIndex)
}

// Export implements store.Backup with a parallel, paginated, consistent
// Scan: the one Scan in this package, run only by `okaeri store export`,
// never on a request path. Segments are read concurrently; fn is called
// from one goroutine at a time, in no set order. Index items are skipped
// (Import rebuilds them), and so is anything expired at now that TTL has
// not removed yet.
func (s *Store) Export(ctx context.Context, now time.Time, fn func(store.Record) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan []item, s.exportSegments)
	errs := make(chan error, s.exportSegments)
	var wg sync.WaitGroup
	for seg := range s.exportSegments {
		wg.Go(func() {
			if err := s.scanSegment(ctx, seg, pages); err != nil {
				errs <- err
				cancel()
			}
		})
	}
	go func() {
		wg.Wait()
		close(pages)
	}()
	var fnErr error
	for page := range pages {
		if fnErr != nil {
			continue // drain so the scanners can finish
		}
		for _, it := range page {
			r, ok, err := decodeRecord(it)
			if err != nil {
				fnErr = fmt.Errorf("export: %w", err)
				cancel()
				break
			}
			if !ok || r.Expired(now) {
				continue
			}
			if err := fn(r); err != nil {
				fnErr = err
				cancel()
				break
			}
		}
	}
	if fnErr != nil {
		return fnErr
	}
	close(errs)
	if err := <-errs; err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return ctx.Err()
}

func (s *Store) scanSegment(ctx context.Context, segment int, pages chan<- []item) error {
	in := kv.ScanInput{Segment: segment, Segments: s.exportSegments, Limit: 500}
	for {
		p, err := s.db.Scan(ctx, in)
		if err != nil {
			return fmt.Errorf("scan segment %d: %w", segment, err)
		}
		select {
		case pages <- p.Items:
		case <-ctx.Done():
			return nil
		}
		if p.Cursor == "" {
			return nil
		}
		in.Cursor = p.Cursor
	}
}

// decodeRecord turns an item into a Record; ok is false for index items
// and for what is never exported (the mail queue).
func decodeRecord(it item) (r store.Record, ok bool, err error) {
	typ := (&decoder{it: it}).str("type")
	decode, known := itemTypes[typ]
	if !known {
		return store.Record{}, false, fmt.Errorf("item of unknown type %q", typ)
	}
	if decode == nil {
		return store.Record{}, false, nil
	}
	r, err = decode(it)
	return r, true, err
}

// Import implements store.Backup. Each record is written as it is, over any
// record with the same identity, with its index items; a member's unique
// values are claimed on condition that no other member holds them.
func (s *Store) Import(ctx context.Context, r store.Record) error {
	r = r.Normalized()
	if err := r.Validate(); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	imp, ok := importers[r.Type()]
	if !ok {
		return fmt.Errorf("import %s: %w", r.Type(), errors.ErrUnsupported)
	}
	if err := imp(s, ctx, r); err != nil {
		return fmt.Errorf("import %s: %w", r.Type(), err)
	}
	return nil
}

func (s *Store) importMember(ctx context.Context, m store.Member) error {
	return retryRaces(ctx, 0, versionChanged, func() error {
		var oldp *store.Member
		old, _, err := s.getMember(ctx, m.ID)
		switch {
		case err == nil:
			oldp = &old
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		return s.replaceMember(ctx, "import member", oldp, m)
	})
}

// importToken writes the token, except that an unused copy never replaces a
// used token (an older export must not make a login link work twice): the
// condition makes that check and the write one step.
func (s *Store) importToken(ctx context.Context, t store.Token) error {
	var cond kv.Cond
	if t.UsedAt.IsZero() {
		cond = kv.Lacks("used_at")
	}
	return failedAs(s.write(ctx, kv.Put(tokenItem(t), cond)), nil)
}

// importSession writes the session and its member-partition entry, dropping
// the entry under a previous member if the imported session moved.
func (s *Store) importSession(ctx context.Context, sess store.Session) error {
	writes := []kv.Op{kv.Put(sessionItem(sess), nil), kv.Put(memberSessionItem(sess), nil)}
	old, err := s.getSession(ctx, "import session", sess.ID)
	switch {
	case err == nil && old.MemberID != sess.MemberID:
		writes = append(writes, kv.Delete(memberSessionKey(old.MemberID, sess.ID), nil))
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
	}
	return s.transactActive(ctx, "import session", sess.MemberID, sess.LastSeenAt, writes)
}

// importAudit writes the entry and its AUDITID# item, removing the entry the
// id pointed to before if it sat elsewhere (another subject or time).
func (s *Store) importAudit(ctx context.Context, e store.AuditEntry) error {
	writes := []kv.Op{kv.Put(auditItem(e), nil), kv.Put(auditIDItem(e), nil)}
	it, err := s.getItem(ctx, "import audit", auditIDKey(e.ID))
	switch {
	case err == nil:
		d := decoder{it: it}
		subject, at := d.str("subject"), d.time("at")
		if d.err != nil {
			return d.err
		}
		if subject != e.Subject || !at.Equal(e.At) {
			writes = append(writes, kv.Delete(auditKey(subject, at, e.ID), nil))
		}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	return s.transact(ctx, "import audit", writes)
}

// put is an unconditional Put.
func (s *Store) put(ctx context.Context, it item) error { return s.write(ctx, kv.Put(it, nil)) }
