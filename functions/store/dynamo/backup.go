package dynamo

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/dynamo/ddb"
	"github.com/okaeri/okaeri/functions/waitctx"
)

// Export implements store.Backup with a parallel, paginated, strongly
// consistent Scan: the one Scan in this package, run only by
// `okaeri store export`, never on a request path. Segments are read
// concurrently; fn is called from one goroutine at a time, in no set order.
// Index items are skipped (Import rebuilds them), and so is anything expired
// at now that TTL has not removed yet.
func (s *Store) Export(ctx context.Context, now time.Time, fn func(store.Record) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan []item, s.exportSegments)
	errs := make(chan error, s.exportSegments)
	var wg sync.WaitGroup
	for seg := range s.exportSegments {
		wg.Go(func() {
			if err := s.scanSegment(ctx, int32(seg), pages); err != nil {
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

func (s *Store) scanSegment(ctx context.Context, segment int32, pages chan<- []item) error {
	in := &ddb.ScanInput{
		TableName:      &s.table,
		Segment:        aws.Int32(segment),
		TotalSegments:  aws.Int32(int32(s.exportSegments)),
		ConsistentRead: aws.Bool(true),
	}
	for {
		out, err := call(ctx, s, "export", func(ctx context.Context) (*ddb.ScanOutput, error) {
			return s.client.Scan(ctx, in)
		})
		if err != nil {
			return fmt.Errorf("scan segment %d: %w", segment, err)
		}
		select {
		case pages <- out.Items:
		case <-ctx.Done():
			return nil
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// decodeRecord turns an item into a Record; ok is false for index items.
func decodeRecord(it item) (r store.Record, ok bool, err error) {
	switch typ := (&decoder{it: it}).str("type"); typ {
	case string(store.RecordMember):
		m, err := decodeMember(it)
		return store.Record{Member: &m}, true, err
	case string(store.RecordToken):
		t, err := decodeToken(it)
		return store.Record{Token: &t}, true, err
	case string(store.RecordSession):
		sess, err := decodeSession(it)
		return store.Record{Session: &sess}, true, err
	case string(store.RecordIdempotency):
		rec, err := decodeIdempotency(it)
		return store.Record{Idempotency: &rec}, true, err
	case string(store.RecordAudit):
		e, err := decodeAudit(it)
		return store.Record{Audit: &e}, true, err
	case string(store.RecordRateLimit):
		c, err := decodeRateLimit(it)
		return store.Record{RateLimit: &c}, true, err
	case string(store.RecordRoster):
		e, err := decodeRoster(it)
		return store.Record{Roster: &e}, true, err
	case string(store.RecordJob):
		j, err := decodeJob(it)
		return store.Record{Job: &j}, true, err
	case string(store.RecordApplication):
		a, err := decodeApplication(it)
		return store.Record{Application: &a}, true, err
	case string(store.RecordReferral):
		r, err := decodeReferral(it)
		return store.Record{Referral: &r}, true, err
	case typeNewsletterSend, typeDeliveryBatch, typeDelivery, typeSuppression, typeEngagement:
		return decodeNewsletterRecord(it)
	case typeApplicationIndex, typeReferralIndex:
		return store.Record{}, false, nil
	case string(store.RecordEvent):
		e, err := decodeEvent(it)
		return store.Record{Event: &e}, true, err
	case string(store.RecordRSVP):
		r, _, err := decodeRSVP(it)
		return store.Record{RSVP: &r}, true, err
	case typeEventIndex, typeEventTicket, typeWaitlistIndex, typeOfferIndex, typeMemberRSVPIndex:
		return store.Record{}, false, nil
	case typeEmailIndex, typeNumberIndex, typeSessionIndex, typeAuditIDIndex, typeRosterEmailIndex, typeRoleIndex:
		return store.Record{}, false, nil
	case typeMailQueue: // not exported: see store.MailQueue
		return store.Record{}, false, nil
	default:
		return store.Record{}, false, fmt.Errorf("item of unknown type %q", typ)
	}
}

// Import implements store.Backup. Each record is written as it is, over any
// record with the same identity, with its index items; a member's unique
// values are claimed on condition that no other member holds them.
func (s *Store) Import(ctx context.Context, r store.Record) error {
	r = r.Normalized()
	if err := r.Validate(); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	var err error
	switch {
	case r.Member != nil:
		err = s.importMember(ctx, *r.Member)
	case r.Token != nil:
		err = s.importToken(ctx, *r.Token)
	case r.Session != nil:
		err = s.importSession(ctx, *r.Session)
	case r.Idempotency != nil:
		err = s.put(ctx, "import idempotency", idempotencyItem(*r.Idempotency))
	case r.Audit != nil:
		err = s.importAudit(ctx, *r.Audit)
	case r.RateLimit != nil:
		err = s.put(ctx, "import rate limit", rateLimitItem(*r.RateLimit))
	case r.Roster != nil:
		err = s.putRoster(ctx, "import roster entry", *r.Roster)
	case r.Event != nil:
		err = s.importEvent(ctx, *r.Event)
	case r.RSVP != nil:
		err = s.importRSVP(ctx, *r.RSVP)
	case r.Job != nil:
		err = s.put(ctx, "import job", jobItem(*r.Job))
	case r.Application != nil:
		err = s.importApplication(ctx, *r.Application)
	case r.Referral != nil:
		err = s.importReferral(ctx, *r.Referral)
	case r.NewsletterSend != nil, r.DeliveryBatch != nil, r.Delivery != nil, r.Suppression != nil, r.Engagement != nil:
		err = s.importNewsletterRecord(ctx, r)
	}
	if err != nil {
		return fmt.Errorf("import %s: %w", r.Type(), err)
	}
	return nil
}

func (s *Store) importMember(ctx context.Context, m store.Member) error {
	for attempt := 1; ; attempt++ {
		var oldp *store.Member
		old, _, err := s.getMember(ctx, m.ID)
		switch {
		case err == nil:
			oldp = &old
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		err = s.replaceMember(ctx, "import member", oldp, m)
		if !errors.Is(err, errVersionChanged) {
			return err
		}
		if err := waitctx.Sleep(ctx, casDelay(attempt)); err != nil {
			return err
		}
	}
}

// importToken writes the token, except that an unused copy never replaces a
// used token (an older export must not make a login link work twice): the
// condition makes that check and the write one step.
func (s *Store) importToken(ctx context.Context, t store.Token) error {
	in := &ddb.PutItemInput{TableName: &s.table, Item: tokenItem(t)}
	if t.UsedAt.IsZero() {
		in.ConditionExpression = aws.String("attribute_not_exists(used_at)")
	}
	_, err := call(ctx, s, "import token", func(ctx context.Context) (*ddb.PutItemOutput, error) {
		return s.client.PutItem(ctx, in)
	})
	if _, failed := conditionFailed(err); failed {
		return nil
	}
	return err
}

// importSession writes the session and its member-partition entry, dropping
// the entry under a previous member if the imported session moved.
func (s *Store) importSession(ctx context.Context, sess store.Session) error {
	writes := []ddb.TransactWriteItem{
		{Put: &ddb.Put{TableName: &s.table, Item: sessionItem(sess)}},
		{Put: &ddb.Put{TableName: &s.table, Item: memberSessionItem(sess)}},
	}
	old, err := s.getSession(ctx, "import session", sess.ID)
	switch {
	case err == nil && old.MemberID != sess.MemberID:
		writes = append(writes, ddb.TransactWriteItem{Delete: &ddb.Delete{TableName: &s.table, Key: memberSessionKey(old.MemberID, sess.ID)}})
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return err
	}
	return s.transact(ctx, "import session", writes)
}

// importAudit writes the entry and its AUDITID# item, removing the entry the
// id pointed to before if it sat elsewhere (another subject or time).
func (s *Store) importAudit(ctx context.Context, e store.AuditEntry) error {
	writes := []ddb.TransactWriteItem{
		{Put: &ddb.Put{TableName: &s.table, Item: auditItem(e)}},
		{Put: &ddb.Put{TableName: &s.table, Item: auditIDItem(e)}},
	}
	it, err := s.getItem(ctx, "import audit", auditIDKey(e.ID))
	switch {
	case err == nil:
		d := decoder{it: it}
		subject, at := d.str("subject"), d.time("at")
		if d.err != nil {
			return d.err
		}
		if subject != e.Subject || !at.Equal(e.At) {
			writes = append(writes, ddb.TransactWriteItem{Delete: &ddb.Delete{TableName: &s.table, Key: auditKey(subject, at, e.ID)}})
		}
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	return s.transact(ctx, "import audit", writes)
}

// put is an unconditional PutItem.
func (s *Store) put(ctx context.Context, op string, it item) error {
	_, err := call(ctx, s, op, func(ctx context.Context) (*ddb.PutItemOutput, error) {
		return s.client.PutItem(ctx, &ddb.PutItemInput{TableName: &s.table, Item: it})
	})
	return err
}
