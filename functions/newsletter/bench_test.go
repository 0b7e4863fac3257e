package newsletter_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/mail/sendgrid/sendgridtest"
	"github.com/okaeri/okaeri/functions/newsletter"
	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
)

// BenchmarkSend100k sends one newsletter to 100,000 subscribers through the
// fake SendGrid answering each request after 50 ms, on the bolt store (with
// fsync, as in production), at several concurrencies. It reports the wall
// time per send (ns/op) and the requests made (requests/op, which must be
// 100), and checks that every subscriber got exactly one message.
//
//	go test -run '^$' -bench BenchmarkSend100k -benchtime 1x ./functions/newsletter
func BenchmarkSend100k(b *testing.B) {
	const subscribers = 100_000
	dir := b.TempDir()
	path := filepath.Join(dir, "okaeri.db")
	seed, err := bolt.Open(path, &bolt.Options{NoSync: true}) // seeding only
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	consent := map[string]store.Consent{"newsletter": {Given: true, PolicyVersion: "2026-04-01", At: time.Now()}}
	// Import from many goroutines: bolt batches them into few transactions.
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 64 {
		wg.Go(func() {
			for i := w; i < subscribers; i += 64 {
				m := store.Member{ID: fmt.Sprintf("M%07d", i), Email: fmt.Sprintf("alum%d@example.jp", i), Name: fmt.Sprintf("卒業生 %d", i),
					Language: store.LanguageJa, Status: store.StatusApproved, Consents: consent, CreatedAt: time.Now(), UpdatedAt: time.Now(), Version: 1}
				if err := seed.Import(ctx, store.Record{Member: &m}); err != nil {
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
	seed.Close()
	st, err := bolt.Open(path, &bolt.Options{NoSync: os.Getenv("BENCH_NOSYNC") != ""})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()

	for _, conc := range []int{1, 4, 8} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				fake := sendgridtest.New()
				fake.Latency = 50 * time.Millisecond
				svc := newService(st, fake.URL, newsletter.Config{Concurrency: conc})
				slug := fmt.Sprintf("bench-%d-%d", conc, i)
				prepareIn(b, svc, slug)
				b.StartTimer()
				send, err := svc.Send(ctx, slug, newsletter.RunOptions{})
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				delivered := fake.Delivered()
				reqs := len(fake.Requests())
				fake.Close()
				if send.Report.Sent != subscribers || len(delivered) != subscribers || reqs != subscribers/1000 {
					b.Fatalf("sent %d to %d addresses in %d requests", send.Report.Sent, len(delivered), reqs)
				}
				for a, n := range delivered {
					if n != 1 {
						b.Fatalf("%s got %d", a, n)
					}
				}
				b.ReportMetric(float64(reqs), "requests/op")
				b.StartTimer()
			}
		})
	}
}
