package conformance

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

// The rules for what protects requests: idempotency records, the audit log
// and rate limits.

var testResponse = store.StoredResponse{
	StatusCode: 201,
	Header:     http.Header{"Content-Type": {"application/json"}, "Location": {"/api/rsvps/1"}},
	Body:       []byte(`{"status":"confirmed","message":"参加登録しました"}`),
}

func testIdempotency(t *testing.T, s store.Store) {
	ctx := context.Background()
	rec, err := s.BeginIdempotency(ctx, "key-1", "hash-a", time.Minute, t0)
	if err != nil || rec != nil {
		t.Fatalf("first Begin = %v, %v; want nil, nil (caller owns the key)", rec, err)
	}
	rec, err = s.BeginIdempotency(ctx, "key-1", "hash-a", time.Minute, t0.Add(time.Second))
	if err != nil || rec == nil {
		t.Fatalf("Begin while in progress = %v, %v; want the record", rec, err)
	}
	sameJSON(t, "in-progress record", rec, &store.IdempotencyRecord{
		Key: "key-1", RequestHash: "hash-a", Status: store.IdempotencyInProgress,
		LockedUntil: t0.Add(time.Minute), CreatedAt: t0, ExpiresAt: t0.Add(time.Minute),
	})
	_, err = s.BeginIdempotency(ctx, "key-1", "hash-b", time.Minute, t0.Add(time.Second))
	wantErr(t, "same key, other request", err, store.ErrPrecondition)

	expires := t0.Add(24 * time.Hour)
	if err := s.CompleteIdempotency(ctx, "key-1", testResponse, expires); err != nil {
		t.Fatalf("CompleteIdempotency: %v", err)
	}
	wantErr(t, "complete twice", s.CompleteIdempotency(ctx, "key-1", testResponse, expires), store.ErrPrecondition)

	// Long after the lock, the completed answer is replayed.
	rec, err = s.BeginIdempotency(ctx, "key-1", "hash-a", time.Minute, t0.Add(time.Hour))
	if err != nil || rec == nil {
		t.Fatalf("Begin after completion = %v, %v; want the record", rec, err)
	}
	resp := testResponse
	sameJSON(t, "completed record", rec, &store.IdempotencyRecord{
		Key: "key-1", RequestHash: "hash-a", Status: store.IdempotencyCompleted,
		Response: &resp, CreatedAt: t0, ExpiresAt: expires,
	})
	_, err = s.BeginIdempotency(ctx, "key-1", "hash-b", time.Minute, t0.Add(time.Hour))
	wantErr(t, "same key, other request, after completion", err, store.ErrPrecondition)

	// Once expired the key is free again, for any request.
	rec, err = s.BeginIdempotency(ctx, "key-1", "hash-b", time.Minute, expires)
	if err != nil || rec != nil {
		t.Fatalf("Begin after expiry = %v, %v; want nil, nil", rec, err)
	}

	// Release frees the key at once (the request failed and may be retried).
	if err := s.ReleaseIdempotency(ctx, "key-1"); err != nil {
		t.Fatalf("ReleaseIdempotency: %v", err)
	}
	rec, err = s.BeginIdempotency(ctx, "key-1", "hash-c", time.Minute, expires.Add(time.Second))
	if err != nil || rec != nil {
		t.Fatalf("Begin after release = %v, %v; want nil, nil", rec, err)
	}
	wantErr(t, "release unknown", s.ReleaseIdempotency(ctx, "key-2"), store.ErrNotFound)
	wantErr(t, "complete unknown", s.CompleteIdempotency(ctx, "key-2", testResponse, expires), store.ErrNotFound)

	// A response without headers or body is stored as such.
	if rec, err := s.BeginIdempotency(ctx, "key-3", "h", time.Minute, t0); err != nil || rec != nil {
		t.Fatalf("Begin key-3: %v %v", rec, err)
	}
	if err := s.CompleteIdempotency(ctx, "key-3", store.StoredResponse{StatusCode: 204}, expires); err != nil {
		t.Fatal(err)
	}
	rec, err = s.BeginIdempotency(ctx, "key-3", "h", time.Minute, t0.Add(time.Second))
	if err != nil || rec == nil || rec.Response == nil || rec.Response.StatusCode != 204 || len(rec.Response.Body) != 0 || len(rec.Response.Header) != 0 {
		t.Fatalf("replay of a 204: %+v %v", rec, err)
	}
}

func testIdempotencyTakeover(t *testing.T, s store.Store) {
	ctx := context.Background()
	if rec, err := s.BeginIdempotency(ctx, "k", "hash-a", time.Minute, t0); err != nil || rec != nil {
		t.Fatalf("Begin: %v %v", rec, err)
	}
	// The first owner died; after its lock runs out another request takes over.
	later := t0.Add(time.Minute)
	rec, err := s.BeginIdempotency(ctx, "k", "hash-a", 2*time.Minute, later)
	if err != nil || rec != nil {
		t.Fatalf("Begin after the lock expired = %v, %v; want nil, nil", rec, err)
	}
	rec, err = s.BeginIdempotency(ctx, "k", "hash-a", time.Minute, later.Add(time.Minute))
	if err != nil || rec == nil || !rec.LockedUntil.Equal(later.Add(2*time.Minute)) || !rec.CreatedAt.Equal(later) {
		t.Fatalf("the new owner's lock: %+v %v", rec, err)
	}
}

func testIdempotencyInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	_, err := s.BeginIdempotency(ctx, "", "h", time.Minute, t0)
	wantField(t, "no key", err, "key")
	_, err = s.BeginIdempotency(ctx, "k", "", time.Minute, t0)
	wantField(t, "no request hash", err, "requestHash")
	_, err = s.BeginIdempotency(ctx, "k", "h", 0, t0)
	wantField(t, "no lock", err, "lockFor")
	_, err = s.BeginIdempotency(ctx, strings.Repeat("k", 1000), "h", time.Minute, t0)
	wantField(t, "key too long", err, "key")
	wantEmpty(t, s)

	if _, err := s.BeginIdempotency(ctx, "k", "h", time.Minute, t0); err != nil {
		t.Fatal(err)
	}
	wantField(t, "bad status code", s.CompleteIdempotency(ctx, "k", store.StoredResponse{StatusCode: 42}, t0.Add(time.Hour)), "statusCode")
	rec, err := s.BeginIdempotency(ctx, "k", "h", time.Minute, t0)
	if err != nil || rec == nil || rec.Status != store.IdempotencyInProgress {
		t.Fatalf("a refused Complete must leave the record in progress: %+v %v", rec, err)
	}
}

func testAudit(t *testing.T, s store.Store) {
	ctx := context.Background()
	var all []store.AuditEntry
	for i := range 12 {
		subject := "member-a"
		if i%3 == 2 {
			subject = "member-b"
		}
		e, err := s.AppendAudit(ctx, store.AuditEntry{
			// Appended out of time order, with two entries at the same instant.
			At:      t0.Add(time.Duration((i*5)%12) * time.Minute),
			Actor:   "hr:sato",
			Action:  "member.update",
			Subject: subject,
			Fields:  []string{"email", "consents.newsletter"},
		})
		if err != nil {
			t.Fatalf("AppendAudit: %v", err)
		}
		if e.ID == "" {
			t.Fatal("AppendAudit gave no ID")
		}
		all = append(all, e)
	}
	same, err := s.AppendAudit(ctx, store.AuditEntry{ID: "fixed", At: t0, Actor: "system", Action: "member.erase", Subject: "member-c"})
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, same)
	_, err = s.AppendAudit(ctx, store.AuditEntry{ID: "fixed", At: t0, Actor: "system", Action: "member.erase", Subject: "member-d"})
	wantConflict(t, "entries are never replaced", err, "id")

	wantOrder := func(q store.AuditQuery) []string {
		var ids []string
		for _, e := range sortedAudit(all) {
			if q.Matches(e) {
				ids = append(ids, e.ID)
			}
		}
		return ids
	}
	listAll := func(q store.AuditQuery, limit int) []string {
		var ids []string
		cursor := ""
		for range 20 {
			page, next, err := s.ListAudit(ctx, q, store.Page{Limit: limit, Cursor: cursor})
			if err != nil {
				t.Fatalf("ListAudit(%+v): %v", q, err)
			}
			if len(page) > limit {
				t.Fatalf("page of %d, limit %d", len(page), limit)
			}
			for _, e := range page {
				if !q.Matches(e) {
					t.Fatalf("ListAudit(%+v) returned %+v", q, e)
				}
				ids = append(ids, e.ID)
			}
			if next == "" {
				return ids
			}
			cursor = next
		}
		t.Fatal("paging does not end")
		return nil
	}
	for _, q := range []store.AuditQuery{
		{},
		{Subject: "member-a"},
		{Subject: "member-b"},
		{Subject: "nobody"},
		{From: t0.Add(3 * time.Minute), To: t0.Add(8 * time.Minute)},
		{Subject: "member-a", From: t0.Add(5 * time.Minute)},
		{Subject: "member-a", To: t0.Add(5 * time.Minute)},
	} {
		for _, limit := range []int{3, 100} {
			// Without a subject the list is on GSI1, which may not have
			// every entry yet.
			eventually(t, fmt.Sprintf("ListAudit(%+v, limit %d)", q, limit), func() error {
				return indexedIDs(listAll(q, limit), wantOrder(q))
			})
		}
	}
	page, _, err := s.ListAudit(ctx, store.AuditQuery{Subject: "member-c"}, store.Page{})
	if err != nil || len(page) != 1 {
		t.Fatal(page, err)
	}
	sameJSON(t, "audit entry read back", page[0], same)
	page, _, err = s.ListAudit(ctx, store.AuditQuery{Subject: "member-b"}, store.Page{Limit: 1})
	if err != nil || len(page) != 1 || len(page[0].Fields) != 2 || page[0].Fields[1] != "consents.newsletter" {
		t.Fatalf("fields read back: %+v %v", page, err)
	}
}

// sortedAudit orders entries as ListAudit must: by At, then ID.
func sortedAudit(in []store.AuditEntry) []store.AuditEntry {
	out := append([]store.AuditEntry(nil), in...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && auditLess(out[j], out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

func auditLess(a, b store.AuditEntry) bool {
	if !a.At.Equal(b.At) {
		return a.At.Before(b.At)
	}
	return a.ID < b.ID
}

func testAuditInvalid(t *testing.T, s store.Store) {
	ctx := context.Background()
	good := store.AuditEntry{At: t0, Actor: "hr:sato", Action: "member.approve", Subject: "member-a", Fields: []string{"status"}}
	cases := []struct {
		name  string
		edit  func(*store.AuditEntry)
		field string
	}{
		{"a value instead of a field name", func(e *store.AuditEntry) { e.Fields = []string{"status", "hanako@example.com"} }, "fields"},
		{"a name instead of a field name", func(e *store.AuditEntry) { e.Fields = []string{"山田 花子"} }, "fields"},
		{"address as actor", func(e *store.AuditEntry) { e.Actor = "sato@example.com" }, "actor"},
		{"address as subject", func(e *store.AuditEntry) { e.Subject = "hanako@example.com" }, "subject"},
		{"no actor", func(e *store.AuditEntry) { e.Actor = "" }, "actor"},
		{"no action", func(e *store.AuditEntry) { e.Action = "" }, "action"},
		{"no subject", func(e *store.AuditEntry) { e.Subject = "" }, "subject"},
		{"no time", func(e *store.AuditEntry) { e.At = time.Time{} }, "at"},
	}
	for _, c := range cases {
		e := good
		c.edit(&e)
		_, err := s.AppendAudit(ctx, e)
		wantField(t, c.name, err, c.field)
	}
	wantEmpty(t, s)
}

func testRateLimit(t *testing.T, s store.Store) {
	ctx := context.Background()
	window := time.Minute
	start := t0.Truncate(window)
	for i := 1; i <= 5; i++ {
		n, err := s.HitRateLimit(ctx, "login:ip:192.0.2.1", window, start.Add(time.Duration(i)*time.Second))
		if err != nil || n != i {
			t.Fatalf("hit %d = %d, %v", i, n, err)
		}
	}
	// Another key counts on its own.
	if n, err := s.HitRateLimit(ctx, "login:ip:192.0.2.2", window, start); err != nil || n != 1 {
		t.Fatalf("other key = %d, %v", n, err)
	}
	// The next window starts again from one; the previous one never comes back.
	if n, err := s.HitRateLimit(ctx, "login:ip:192.0.2.1", window, start.Add(window)); err != nil || n != 1 {
		t.Fatalf("next window = %d, %v", n, err)
	}
	if n, err := s.HitRateLimit(ctx, "login:ip:192.0.2.1", window, start.Add(window+59*time.Second)); err != nil || n != 2 {
		t.Fatalf("end of next window = %d, %v", n, err)
	}
	// A different window length is a different counter, and hitting it
	// leaves the minute counter alone.
	if n, err := s.HitRateLimit(ctx, "login:ip:192.0.2.1", time.Hour, start.Add(window)); err != nil || n != 1 {
		t.Fatalf("hour window = %d, %v", n, err)
	}
	if n, err := s.HitRateLimit(ctx, "login:ip:192.0.2.1", window, start.Add(window+59*time.Second)); err != nil || n != 3 {
		t.Fatalf("minute window after an hour hit = %d, %v", n, err)
	}
	_, err := s.HitRateLimit(ctx, "", window, t0)
	wantField(t, "no key", err, "key")
	_, err = s.HitRateLimit(ctx, "k", 0, t0)
	wantField(t, "no window", err, "window")
}
