package dynamo_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/conformance"
	"github.com/okaeri/okaeri/functions/store/dynamo"
	"github.com/okaeri/okaeri/functions/store/dynamo/dynamotest"
)

// Benchmarks run against DynamoDB Local, so their latencies measure the
// engine's request pattern plus a local JVM, not AWS. The capacity units are
// what DynamoDB Local computes with DynamoDB's rules (item sizes, consistent
// reads, transactions at twice the cost), which is what on-demand billing charges.
//
//	go test ./functions/store/dynamo -run '^$' -bench . -benchtime 300x

// capacity asks every request for its consumed capacity (ReturnConsumedCapacity
// TOTAL) and sums the answers: table and index units, reads and writes.
type capacity struct {
	mu    sync.Mutex
	units float64
}

func (c *capacity) install(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("okaeri-capacity",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				askCapacity(in.Parameters)
				out, md, err := next.HandleInitialize(ctx, in)
				if err == nil {
					c.add(consumed(out.Result)...)
				}
				return out, md, err
			}), middleware.After)
	})
}

func (c *capacity) add(ccs ...types.ConsumedCapacity) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cc := range ccs {
		c.units += aws.ToFloat64(cc.CapacityUnits)
	}
}

func (c *capacity) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.units = 0
}

// report adds capacity units per operation to b's results.
func (c *capacity) report(b *testing.B, ops int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ops > 0 {
		b.ReportMetric(c.units/float64(ops), "CU/op")
	}
}

func askCapacity(params any) {
	switch in := params.(type) {
	case *dynamodb.GetItemInput:
		in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	case *dynamodb.PutItemInput:
		in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	case *dynamodb.UpdateItemInput:
		in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	case *dynamodb.DeleteItemInput:
		in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	case *dynamodb.QueryInput:
		in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	case *dynamodb.ScanInput:
		in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	case *dynamodb.TransactWriteItemsInput:
		in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	}
}

func consumed(result any) []types.ConsumedCapacity {
	var one *types.ConsumedCapacity
	switch out := result.(type) {
	case *dynamodb.GetItemOutput:
		one = out.ConsumedCapacity
	case *dynamodb.PutItemOutput:
		one = out.ConsumedCapacity
	case *dynamodb.UpdateItemOutput:
		one = out.ConsumedCapacity
	case *dynamodb.DeleteItemOutput:
		one = out.ConsumedCapacity
	case *dynamodb.QueryOutput:
		one = out.ConsumedCapacity
	case *dynamodb.ScanOutput:
		one = out.ConsumedCapacity
	case *dynamodb.TransactWriteItemsOutput:
		return out.ConsumedCapacity
	}
	if one == nil {
		return nil
	}
	return []types.ConsumedCapacity{*one}
}

// reportLatency adds ops/s over elapsed and the 50th and 99th percentile
// latencies, as conformance.RunBenchmarks does.
func reportLatency(b *testing.B, lat []time.Duration, elapsed time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	at := func(p float64) float64 {
		return float64(lat[min(int(p*float64(len(lat))), len(lat)-1)]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "ops/s")
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

func benchStore(b *testing.B) (*dynamo.Store, *capacity) {
	cu := &capacity{}
	s := dynamotest.NewStore(b, func(c *dynamo.Config) {
		c.ClientOptions = append(c.ClientOptions, cu.install)
	})
	return s, cu
}

// BenchmarkStore runs the engine-neutral benchmarks of the conformance
// package (create-member, concurrent compare-and-swap, JSONL import), adding
// the capacity units consumed per operation. Those include each benchmark's
// setup (one CreateMember before the concurrent updates, 12 CU in all) and
// the re-reads of lost compare-and-swaps, but not the lost conditional writes
// themselves: DynamoDB bills them, yet returns no capacity with the error.
func BenchmarkStore(b *testing.B) {
	conformance.RunBenchmarks(b, func(b *testing.B) store.Store {
		s, cu := benchStore(b)
		// Cleanups run before the result is read, after ResetTimer has
		// cleared earlier metrics, so this lands in the benchmark's line.
		b.Cleanup(func() { cu.report(b, b.N) })
		return s
	})
}

// measure runs op b.N times in sequence and reports throughput, latency and capacity.
func measure(b *testing.B, cu *capacity, op func(i int) error) {
	lat := make([]time.Duration, 0, b.N)
	cu.reset()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		t := time.Now()
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	reportLatency(b, lat, elapsed)
	cu.report(b, b.N)
}

func benchMember(i int) store.Member {
	return store.Member{
		Email: fmt.Sprintf("bench-%d@example.com", i), Name: "山田 花子", Kana: "やまだ はなこ", Roman: "Hanako Yamada",
		Department: "営業部", Joined: "2015-04", Left: "2023-03", EmployeeNumber: fmt.Sprintf("E-%d", i),
		Language: store.LanguageJa, Status: store.StatusPending,
		Consents: map[string]store.Consent{"newsletter": {Given: true, PolicyVersion: "2026-01", At: time.Now()}},
	}
}

// BenchmarkOperation measures each kind of request alone, with exact
// capacity units per operation, for the table in docs/dynamodb.md.
func BenchmarkOperation(b *testing.B) {
	ctx := context.Background()
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	b.Run("CreateMember", func(b *testing.B) {
		s, cu := benchStore(b)
		measure(b, cu, func(i int) error { _, err := s.CreateMember(ctx, benchMember(i)); return err })
	})
	b.Run("GetMember", func(b *testing.B) {
		s, cu := benchStore(b)
		m, err := s.CreateMember(ctx, benchMember(0))
		if err != nil {
			b.Fatal(err)
		}
		measure(b, cu, func(int) error { _, err := s.GetMember(ctx, m.ID); return err })
	})
	b.Run("GetMemberByEmail", func(b *testing.B) {
		s, cu := benchStore(b)
		m, err := s.CreateMember(ctx, benchMember(0))
		if err != nil {
			b.Fatal(err)
		}
		measure(b, cu, func(int) error { _, err := s.GetMemberByEmail(ctx, m.Email); return err })
	})
	b.Run("UpdateMemberStatus", func(b *testing.B) {
		s, cu := benchStore(b)
		m, err := s.CreateMember(ctx, benchMember(0))
		if err != nil {
			b.Fatal(err)
		}
		statuses := []store.Status{store.StatusVerified, store.StatusApproved}
		measure(b, cu, func(i int) error {
			_, err := s.UpdateMember(ctx, m.ID, func(m store.Member) (store.Member, error) {
				m.Status = statuses[i%2]
				return m, nil
			})
			return err
		})
	})
	b.Run("ListMembersByStatus50", func(b *testing.B) {
		s, cu := benchStore(b)
		for i := range 60 {
			if _, err := s.CreateMember(ctx, benchMember(i)); err != nil {
				b.Fatal(err)
			}
		}
		measure(b, cu, func(int) error {
			_, _, err := s.ListMembersByStatus(ctx, store.StatusPending, store.Page{Limit: 50})
			return err
		})
	})
	b.Run("CreateConsumeToken", func(b *testing.B) {
		s, cu := benchStore(b)
		measure(b, cu, func(i int) error {
			hash := store.HashToken(fmt.Sprint("bench", i))
			t := store.Token{Hash: hash, Purpose: store.PurposeLogin, Subject: "member-1", CreatedAt: now, ExpiresAt: now.Add(15 * time.Minute)}
			if err := s.CreateToken(ctx, t); err != nil {
				return err
			}
			_, err := s.ConsumeToken(ctx, hash, store.PurposeLogin, now.Add(time.Minute))
			return err
		})
	})
	b.Run("TouchSession", func(b *testing.B) {
		s, cu := benchStore(b)
		sess := store.Session{ID: "session-1", MemberID: "member-1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateSession(ctx, sess); err != nil {
			b.Fatal(err)
		}
		measure(b, cu, func(i int) error {
			at := now.Add(time.Duration(i) * time.Millisecond)
			_, err := s.TouchSession(ctx, sess.ID, at.Add(time.Hour), at)
			return err
		})
	})
	b.Run("BeginCompleteIdempotency", func(b *testing.B) {
		s, cu := benchStore(b)
		resp := store.StoredResponse{StatusCode: 201, Body: []byte(`{"ok":true}`)}
		measure(b, cu, func(i int) error {
			k := fmt.Sprint("key-", i)
			if _, err := s.BeginIdempotency(ctx, k, "hash", time.Minute, now); err != nil {
				return err
			}
			return s.CompleteIdempotency(ctx, k, resp, now.Add(24*time.Hour))
		})
	})
	b.Run("AppendAudit", func(b *testing.B) {
		s, cu := benchStore(b)
		measure(b, cu, func(i int) error {
			_, err := s.AppendAudit(ctx, store.AuditEntry{At: now.Add(time.Duration(i)), Actor: "hr:sato", Action: "member.approve", Subject: "member-1", Fields: []string{"status"}})
			return err
		})
	})
	b.Run("HitRateLimit", func(b *testing.B) {
		s, cu := benchStore(b)
		measure(b, cu, func(int) error {
			_, err := s.HitRateLimit(ctx, "login:ip:192.0.2.1", time.Minute, now)
			return err
		})
	})
}
