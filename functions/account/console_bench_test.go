package account

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/mail"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
)

// BenchmarkConsole answers GET /hr/ (the page, in the site's frame) on a
// bolt store (with fsync, as in production) holding 100,000 members
// registered over two years (most approved, some waiting), 1,000,000
// recorded actions (audit entries, sessions that made members active,
// applications), events and sends. Target: at most 50 ms per answer.
// It fails when the figures on the page are not the seeded ones.
//
//	go test -run '^$' -bench BenchmarkConsole -benchtime 50x ./functions/account
func BenchmarkConsole(b *testing.B) {
	const members, audits, sessions, applications = 100_000, 880_000, 100_000, 20_000
	path := filepath.Join(b.TempDir(), "okaeri.db")
	seed, err := bolt.Open(path, &bolt.Options{NoSync: true}) // seeding only
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	start := time.Now()
	if err := seed.PutJob(ctx, store.Job{ID: "backend", Title: "バックエンドエンジニア", EmploymentType: store.EmploymentRehire,
		Department: "開発部", Location: "東京", Closes: now.AddDate(0, 1, 0).Truncate(24 * time.Hour),
		Visibility: store.VisibilityMembers, Contact: "careers@example.co.jp", SyncedAt: now}); err != nil {
		b.Fatal(err)
	}
	for i := range 12 {
		at := now.AddDate(0, i-8, 0)
		if _, err := seed.PutEvent(ctx, store.Event{ID: fmt.Sprintf("event-%02d", i), Title: map[string]string{"ja": fmt.Sprintf("交流会 %d", i)},
			Start: at, End: at.Add(2 * time.Hour), Capacity: 80, Visibility: store.VisibilityMembers, SyncedAt: now}); err != nil {
			b.Fatal(err)
		}
	}
	// Many goroutines: bolt batches their writes into few transactions.
	parallel := func(n int, fn func(i int) error) {
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for w := range 64 {
			wg.Go(func() {
				for i := w; i < n; i += 64 {
					if err := fn(i); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	id := func(i int) string { return fmt.Sprintf("M%07d", i) }
	parallel(members, func(i int) error {
		st := store.StatusApproved
		if i%50 == 0 {
			st = store.StatusVerified
		}
		created := now.Add(-time.Duration(i%730) * 24 * time.Hour)
		m := store.Member{ID: id(i), Email: fmt.Sprintf("alum%d@example.jp", i), Name: fmt.Sprintf("卒業生 %d", i), Language: store.LanguageJa,
			Status: st, CreatedAt: created, UpdatedAt: created, Version: 1}
		return seed.Import(ctx, store.Record{Member: &m})
	})
	parallel(audits, func(i int) error {
		e := store.AuditEntry{ID: fmt.Sprintf("A%08d", i), At: now.Add(-time.Duration(i) * time.Minute), Actor: "hr:" + id(7),
			Action: "member.update", Subject: id(i % members), Fields: []string{"department"}}
		return seed.Import(ctx, store.Record{Audit: &e})
	})
	parallel(sessions, func(i int) error {
		seen := now.Add(-time.Duration(i%200) * 24 * time.Hour)
		s := store.Session{ID: fmt.Sprintf("S%07d", i), MemberID: id(i), CreatedAt: seen, LastSeenAt: seen, ExpiresAt: now.Add(24 * time.Hour)}
		return seed.Import(ctx, store.Record{Session: &s})
	})
	parallel(applications, func(i int) error {
		_, _, err := seed.Apply(ctx, store.Application{JobID: "backend", MemberID: id(i), Message: "また一緒に働きたいです。", Contact: store.ContactEmail}, now)
		return err
	})
	seed.Close()
	b.Logf("seeded %d members and %d actions in %s", members, audits+sessions+applications, time.Since(start).Round(time.Second))

	st, err := bolt.Open(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	keys := auth.NewKeyring(auth.Key{ID: "t", Secret: []byte("kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk")})
	s := New(st, nil, keys, Config{BaseURL: "http://portal.test", From: mail.Address{Email: "alumni@example.co.jp"}}, nil)
	hr, err := st.UpdateMember(ctx, id(7), func(m store.Member) (store.Member, error) { m.Roles = []store.Role{store.RoleHR}; return m, nil })
	if err != nil {
		b.Fatal(err)
	}
	secret := store.NewID()
	if err := st.CreateSession(ctx, store.Session{ID: store.HashToken(secret), MemberID: hr.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	c, err := s.Console(ctx, "ja")
	if err != nil {
		b.Fatal(err)
	}
	if c.Waiting != members/50 || c.Approved != members-members/50 || c.Received != applications || c.Active90 < 40_000 {
		b.Fatalf("figures: waiting %d, approved %d, received %d, active %d", c.Waiting, c.Approved, c.Received, c.Active90)
	}
	handler := Handler{S: s}.Routes()["GET /hr/{$}"]
	cookie := &http.Cookie{Name: SessionCookie, Value: keys.Sign(secret)}
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest("GET", "/hr/", nil)
		req.Header.Set("Accept", "text/html")
		req.AddCookie(cookie)
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("GET /hr/: %d", rec.Code)
		}
	}
	ms := float64(b.Elapsed().Microseconds()) / 1000 / float64(b.N)
	b.ReportMetric(ms, "ms/op")
	if ms > 50 {
		b.Errorf("GET /hr/ takes %.1f ms, target at most 50 ms", ms)
	}
}
