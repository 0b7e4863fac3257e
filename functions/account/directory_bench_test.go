package account

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
)

// BenchmarkDirectory answers one page of the directory on a bolt store
// (with fsync) of 5,000 listed members (the size docs/aws.md prices):
// the first page of everyone, which reads one store page, and a filter
// that matches nobody, which reads every member. It fails when a page
// is not what was seeded.
//
//	go test -run '^$' -bench BenchmarkDirectory -benchtime 20x ./functions/account
func BenchmarkDirectory(b *testing.B) {
	const members = 5000
	path := filepath.Join(b.TempDir(), "okaeri.db")
	seed, err := bolt.Open(path, &bolt.Options{NoSync: true}) // seeding only
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for w := range 32 {
		wg.Go(func() {
			for i := w; i < members; i += 32 {
				at := now.Add(time.Duration(i) * time.Second)
				_, err := seed.CreateMember(ctx, store.Member{Email: fmt.Sprintf("m%05d@example.com", i), Name: fmt.Sprintf("会員 %05d", i),
					Department: "営業部", Joined: "2015-04", Left: "2020-03", Language: store.LanguageJa, Status: store.StatusApproved,
					Profile:  store.Profile{Company: "ミライ工房", Skills: []string{"Go", "AWS"}, Visible: []string{"department", "years", "company", "skills"}},
					Consents: map[string]store.Consent{"directory": {Given: true, PolicyVersion: "2026-04-01", At: at}}, CreatedAt: at})
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	seed.Close()
	st, err := bolt.Open(path, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	s := New(st, nil, nil, Config{}, nil)
	viewer := store.Member{ID: "viewer"}
	for _, c := range []struct {
		name string
		q    DirectoryQuery
		want int
	}{
		{"first-page", DirectoryQuery{}, DirectoryPageSize},
		{"no-match", DirectoryQuery{Company: "どこにもない会社"}, 0},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				p, err := s.Directory(ctx, viewer, c.q)
				if err != nil || len(p.Members) != c.want {
					b.Fatalf("%d members, %v; want %d", len(p.Members), err, c.want)
				}
			}
		})
	}
}
