package conformance

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/jsonl"
)

// BenchFactory returns a fresh store for one benchmark and registers its cleanup.
type BenchFactory func(b *testing.B) store.Store

// RunBenchmarks measures the same operations on any engine and reports
// ops/s and p50/p99 latency in milliseconds beside ns/op:
//
//	CreateMember            one registration after another
//	UpdateMemberConcurrent  compare-and-swap updates of one member from
//	                        parallel goroutines (the worst case: every write conflicts)
//	ImportJSONL             `okaeri store import` of members, in records/s
func RunBenchmarks(b *testing.B, newStore BenchFactory) {
	b.Run("CreateMember", func(b *testing.B) {
		s := newStore(b)
		ctx := context.Background()
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			m := newMember(fmt.Sprintf("bench-%d-%d@example.com", i, b.N))
			t := time.Now()
			if _, err := s.CreateMember(ctx, m); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t))
		}
		reportLatency(b, lat, time.Since(start))
	})
	b.Run("UpdateMemberConcurrent", func(b *testing.B) {
		s := newStore(b)
		ctx := context.Background()
		m, err := s.CreateMember(ctx, newMember("bench@example.com"))
		if err != nil {
			b.Fatal(err)
		}
		var mu sync.Mutex
		var lat []time.Duration
		var n atomic.Int64
		b.SetParallelism(4) // 4 goroutines per CPU: contention, as when many requests touch one member
		b.ResetTimer()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			var mine []time.Duration
			for pb.Next() {
				i := n.Add(1)
				t := time.Now()
				_, err := s.UpdateMember(ctx, m.ID, func(old store.Member) (store.Member, error) {
					old.Department = fmt.Sprintf("部署 %d", i)
					return old, nil
				})
				if err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
		elapsed := time.Since(start)
		b.StopTimer()
		got, err := s.GetMember(ctx, m.ID)
		if err != nil {
			b.Fatal(err)
		}
		// Every update landed: a benchmark that lost writes measures nothing.
		if got.Version != 1+int64(len(lat)) {
			b.Fatalf("version %d after %d updates", got.Version, len(lat))
		}
		reportLatency(b, lat, elapsed)
	})
	b.Run("ImportJSONL", func(b *testing.B) {
		s := newStore(b)
		ctx := context.Background()
		var file bytes.Buffer
		for i := 0; i < b.N; i++ {
			m := newMember(fmt.Sprintf("import-%d@example.com", i))
			m.ID, m.UpdatedAt, m.Version = fmt.Sprintf("member-%d", i), t0, 1
			line, err := jsonl.MarshalRecord(store.Record{Member: &m})
			if err != nil {
				b.Fatal(err)
			}
			file.Write(append(line, '\n'))
		}
		b.ResetTimer()
		start := time.Now()
		stats, err := jsonl.Import(ctx, s, &file, jsonl.Options{})
		elapsed := time.Since(start)
		if err != nil || stats.Total() != b.N {
			b.Fatalf("imported %d of %d: %v", stats.Total(), b.N, err)
		}
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "records/s")
	})
}

// reportLatency reports throughput and latency percentiles.
func reportLatency(b *testing.B, lat []time.Duration, elapsed time.Duration) {
	if len(lat) == 0 || elapsed <= 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		i := min(int(p*float64(len(lat))), len(lat)-1)
		return float64(lat[i]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "ops/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}
