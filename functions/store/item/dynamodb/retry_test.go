package dynamodb_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/item"
	itemdynamodb "github.com/okaeri/okaeri/functions/store/item/dynamodb"
	"github.com/okaeri/okaeri/functions/store/item/dynamodb/dynamodbtest"
)

// DynamoDB Local never throttles and never cancels a transaction for a
// conflict, so these tests make it look as if it did: the SDK client's HTTP
// client (dynamodb.Options.HTTPClient) answers the first attempts of one
// operation with DynamoDB's own error answer (its status and JSON body),
// and the real DynamoDB Local serves the rest.
//
// Who retries is counted twice. Invocations, once per SDK call of the
// operation (a middleware at the Initialize step, outside the SDK's retry
// loop), are the adapter's attempts; attempts, once per HTTP request, are
// the SDK retryer's. attempts > invocations: the SDK retried; invocations
// > 1: the adapter did.

// injector answers the first fail HTTP attempts of op with the answer
// status and body. With afterSend each of those requests is sent and
// applied first and only its answer is replaced (an answer lost on the way
// back). hook, if set, runs before an injected answer is returned.
type injector struct {
	op        string // as in X-Amz-Target: "TransactWriteItems", "UpdateItem", ...
	fail      int32
	status    int // 0 is 400
	body      string
	afterSend bool
	hook      func(attempt int32)

	invocations atomic.Int32
	attempts    atomic.Int32

	mu         sync.Mutex
	tokens     []string // ClientRequestToken of every HTTP attempt of op
	realStatus []int    // with afterSend, the real answers' statuses
}

// doer is an HTTP client from a function.
type doer func(*http.Request) (*http.Response, error)

func (d doer) Do(r *http.Request) (*http.Response, error) { return d(r) }

// install is a dynamodb.Options function (itemdynamodb.Config.ClientOptions).
func (in *injector) install(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("countInvocations",
			func(ctx context.Context, x middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if strings.TrimSuffix(strings.TrimPrefix(fmt.Sprintf("%T", x.Parameters), "*dynamodb."), "Input") == in.op {
					in.invocations.Add(1)
				}
				return next.HandleInitialize(ctx, x)
			}), middleware.After)
	})
	base := o.HTTPClient
	o.HTTPClient = doer(func(req *http.Request) (*http.Response, error) {
		if req.Header.Get("X-Amz-Target") != "DynamoDB_20120810."+in.op {
			return base.Do(req)
		}
		n := in.attempts.Add(1)
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
		var sent struct{ ClientRequestToken string }
		json.Unmarshal(body, &sent)
		in.mu.Lock()
		in.tokens = append(in.tokens, sent.ClientRequestToken)
		in.mu.Unlock()
		if n > in.fail {
			return base.Do(req)
		}
		if in.afterSend {
			resp, err := base.Do(req)
			if err != nil {
				return nil, err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			in.mu.Lock()
			in.realStatus = append(in.realStatus, resp.StatusCode)
			in.mu.Unlock()
		}
		if in.hook != nil {
			in.hook(n)
		}
		status := in.status
		if status == 0 {
			status = http.StatusBadRequest
		}
		return &http.Response{
			StatusCode: status,
			Status:     fmt.Sprintf("%d %s", status, http.StatusText(status)),
			Header:     http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
			Body:       io.NopCloser(strings.NewReader(in.body)),
			Request:    req,
		}, nil
	})
}

// counts reports invocations and attempts.
func (in *injector) counts() (invocations, attempts int32) {
	return in.invocations.Load(), in.attempts.Load()
}

// openWith opens the adapter on cfg's table with in installed.
func openWith(t *testing.T, cfg itemdynamodb.Config, in *injector) *itemdynamodb.DB {
	t.Helper()
	cfg.ClientOptions = append(cfg.ClientOptions, in.install)
	db, err := itemdynamodb.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// injected is the adapter on a fresh table with in installed.
func injected(t *testing.T, in *injector) *itemdynamodb.DB {
	t.Helper()
	return openWith(t, dynamodbtest.Config(t), in)
}

// sdkMaxAttempts is how many HTTP attempts the SDK's retryer makes of one
// call (4 for DynamoDB by default).
func sdkMaxAttempts(t *testing.T) int32 {
	t.Helper()
	c, err := itemdynamodb.NewClient(context.Background(), itemdynamodb.Config{Table: "t", Region: "us-east-1", Endpoint: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	return int32(c.Options().Retryer.MaxAttempts())
}

// adapterMaxAttempts is the adapter's own limit on attempts of a cancelled
// transaction (DB.maxAttempts).
const adapterMaxAttempts = 8

// canceled is DynamoDB's answer to a transaction of two operations whose
// first was cancelled with reason code and whose second was not.
func canceled(code string) string {
	return `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
	"Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [` + code + `, None]",
	"CancellationReasons":[{"Code":"` + code + `","Message":"injected"},{"Code":"None"}]}`
}

// errorAnswer is DynamoDB's error answer with code.
func errorAnswer(code string) string {
	return `{"__type":"com.amazonaws.dynamodb.v20120810#` + code + `","message":"injected"}`
}

var (
	keyA = item.Key{PK: "RETRY#a", SK: "A"}
	keyB = item.Key{PK: "RETRY#b", SK: "B"}
)

// newToken is a fresh transaction token: DynamoDB Local, like DynamoDB,
// remembers a token for ten minutes across all tables, so tests that run
// in parallel or again must not share one.
func newToken() string { return store.NewID() }

// twoOps is a transaction that cannot be applied twice: its Put requires
// A to be absent (a second application fails it), and its Update counts.
func twoOps(token string) item.Tx {
	return item.Tx{Token: token, Ops: []item.Op{
		item.Put(item.Item{item.PK: keyA.PK, item.SK: keyA.SK, "v": "x"}, item.NotExists()),
		item.Update(keyB, nil, map[string]int64{"n": 1}, nil, nil),
	}}
}

// wantAppliedOnce checks that twoOps was applied exactly once.
func wantAppliedOnce(t *testing.T, db item.DB) {
	t.Helper()
	ctx := context.Background()
	a, err := db.Get(ctx, keyA)
	if err != nil || a == nil || a["v"] != "x" {
		t.Errorf("A = %v, %v; want it written", a, err)
	}
	b, err := db.Get(ctx, keyB)
	if err != nil || b == nil || b["n"] != int64(1) {
		t.Errorf("B = %v, %v; want n = 1 (counted once)", b, err)
	}
}

// wantNothingWritten checks that twoOps left no trace.
func wantNothingWritten(t *testing.T, db item.DB) {
	t.Helper()
	items, err := db.BatchGet(context.Background(), []item.Key{keyA, keyB})
	if err != nil {
		t.Fatal(err)
	}
	if items[0] != nil || items[1] != nil {
		t.Errorf("after a failed transaction: A = %v, B = %v; want neither", items[0], items[1])
	}
}

// A transaction cancelled for a conflict with another, or for throttling,
// was not applied: the adapter tries it again, the SDK does not.
func TestRetryTransactCancelled(t *testing.T) {
	for _, code := range []string{"TransactionConflict", "ProvisionedThroughputExceeded", "ThrottlingError", "RequestLimitExceeded"} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			in := &injector{op: "TransactWriteItems", fail: 3, body: canceled(code)}
			db := injected(t, in)
			if err := db.Transact(context.Background(), twoOps("")); err != nil {
				t.Fatalf("Transact after 3 cancellations: %v", err)
			}
			if inv, att := in.counts(); inv != 4 || att != 4 {
				t.Errorf("invocations %d, attempts %d; want 4 and 4 (3 cancelled, 1 applied, every retry the adapter's)", inv, att)
			}
			wantAppliedOnce(t, db)
		})
	}
}

// TransactionInProgress (the same token still being applied) is retried
// by the SDK, which counts it as throttling, and by the adapter when the
// SDK gives up.
func TestRetryTransactionInProgress(t *testing.T) {
	t.Parallel()
	in := &injector{op: "TransactWriteItems", body: errorAnswer("TransactionInProgressException")}
	db := injected(t, in)
	sdk := sdkMaxAttempts(t)
	in.fail = sdk + 1 // one more than the SDK's attempts of one call
	if err := db.Transact(context.Background(), twoOps(newToken())); err != nil {
		t.Fatalf("Transact after %d TransactionInProgress answers: %v", in.fail, err)
	}
	if inv, att := in.counts(); inv != 2 || att != sdk+2 {
		t.Errorf("invocations %d, attempts %d; want 2 and %d (the SDK's %d, then the adapter's second call)", inv, att, sdk+2, sdk)
	}
	wantAppliedOnce(t, db)
}

// Throttling of a single request (and a single write that meets a
// transaction on its item) is the SDK's retryer's: one call of the
// adapter, several HTTP attempts. ADD is not idempotent, so n = 1 proves
// the refused attempts wrote nothing and the last wrote once.
func TestRetrySingleWriteThrottled(t *testing.T) {
	for _, code := range []string{
		"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
		"TransactionConflictException", "ReplicatedWriteConflictException",
	} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			in := &injector{op: "UpdateItem", fail: 2, body: errorAnswer(code)}
			db := injected(t, in)
			ctx := context.Background()
			inc := item.Update(keyB, nil, map[string]int64{"n": 1}, nil, nil)
			after, err := db.Write(ctx, inc)
			if err != nil {
				t.Fatalf("Write after 2 %s answers: %v", code, err)
			}
			if after["n"] != int64(1) {
				t.Errorf("n = %v, want 1", after["n"])
			}
			if inv, att := in.counts(); inv != 1 || att != 3 {
				t.Errorf("invocations %d, attempts %d; want 1 and 3 (the SDK retried, the adapter did not)", inv, att)
			}
			if after, err := db.Write(ctx, inc); err != nil || after["n"] != int64(2) {
				t.Errorf("next Write: %v, %v; want n = 2", after, err)
			}
		})
	}
}

// A server error is the SDK's to retry too.
func TestRetryServerError(t *testing.T) {
	t.Parallel()
	in := &injector{op: "UpdateItem", fail: 1, status: http.StatusInternalServerError, body: errorAnswer("InternalServerError")}
	db := injected(t, in)
	after, err := db.Write(context.Background(), item.Update(keyB, nil, map[string]int64{"n": 1}, nil, nil))
	if err != nil || after["n"] != int64(1) {
		t.Fatalf("Write after a 500: %v, %v; want n = 1", after, err)
	}
	if inv, att := in.counts(); inv != 1 || att != 2 {
		t.Errorf("invocations %d, attempts %d; want 1 and 2", inv, att)
	}
}

// An answer lost after the transaction was applied: every retry, the
// adapter's or the SDK's, carries the transaction's ClientRequestToken, so
// DynamoDB does not apply it again and the caller sees success, not its own
// Put's NotExists failing.
func TestRetryLostAnswerWritesOnce(t *testing.T) {
	for _, tc := range []struct {
		name        string
		status      int
		body        string
		invocations int32
	}{
		{"cancelled answer, the adapter retries", 0, canceled("TransactionConflict"), 2},
		{"server error, the SDK retries", http.StatusInternalServerError, errorAnswer("InternalServerError"), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := &injector{op: "TransactWriteItems", fail: 1, status: tc.status, body: tc.body, afterSend: true}
			db := injected(t, in)
			tx := twoOps(newToken())
			if err := db.Transact(context.Background(), tx); err != nil {
				t.Fatalf("Transact with a lost answer: %v", err)
			}
			if inv, att := in.counts(); inv != tc.invocations || att != 2 {
				t.Errorf("invocations %d, attempts %d; want %d and 2", inv, att, tc.invocations)
			}
			if len(in.realStatus) != 1 || in.realStatus[0] != http.StatusOK {
				t.Fatalf("the first attempt's real answers %v, want [200]: it was not applied, so nothing was lost", in.realStatus)
			}
			for i, tok := range in.tokens {
				if tok != tx.Token {
					t.Errorf("attempt %d sent ClientRequestToken %q, want %q", i+1, tok, tx.Token)
				}
			}
			wantAppliedOnce(t, db)
		})
	}
}

// When every attempt's answer is lost the SDK gives up and the caller may
// try the whole transaction again with its token: the adapter must build
// the same request again (an update of several attributes names them in
// the expression; in map order, each call would name them differently and
// DynamoDB would refuse the token as reused with other parameters). Each
// of several such calls succeeds, and the transaction was applied once.
func TestRetryByCallerWithTokenWritesOnce(t *testing.T) {
	t.Parallel()
	in := &injector{op: "TransactWriteItems", status: http.StatusInternalServerError, body: errorAnswer("InternalServerError"), afterSend: true}
	db := injected(t, in)
	in.fail = sdkMaxAttempts(t) // every attempt of the first call
	set := map[string]any{}
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
		set[n] = n
	}
	tx := twoOps(newToken())
	tx.Ops[1].Set = set
	ctx := context.Background()
	if err := db.Transact(ctx, tx); err == nil {
		t.Fatal("Transact succeeded although every answer was lost")
	}
	for i := range 5 {
		if err := db.Transact(ctx, tx); err != nil {
			t.Fatalf("the caller's retry %d with the token: %v", i+1, err)
		}
	}
	for i, tok := range in.tokens {
		if tok != tx.Token {
			t.Errorf("attempt %d sent ClientRequestToken %q, want %q", i+1, tok, tx.Token)
		}
	}
	wantAppliedOnce(t, db)
	if b, err := db.Get(ctx, keyB); err != nil || b["j"] != "j" {
		t.Errorf("B = %v, %v; want the attributes set", b, err)
	}
}

// Under endless conflicts the adapter stops after its attempts and returns
// DynamoDB's cancellation, which is not a failed condition; nothing was
// written.
func TestRetryTransactGivesUp(t *testing.T) {
	t.Parallel()
	in := &injector{op: "TransactWriteItems", fail: 1 << 30, body: canceled("TransactionConflict")}
	db := injected(t, in)
	err := db.Transact(context.Background(), twoOps(""))
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("Transact under endless conflicts = %v, want the TransactionCanceledException", err)
	}
	if errors.Is(err, item.ErrCondition) || errors.Is(err, item.ErrInvalid) {
		t.Errorf("a conflict must not read as a failed condition or an invalid request: %v", err)
	}
	if inv, att := in.counts(); inv != adapterMaxAttempts || att != adapterMaxAttempts {
		t.Errorf("invocations %d, attempts %d; want %d and %d", inv, att, adapterMaxAttempts, adapterMaxAttempts)
	}
	wantNothingWritten(t, db)
}

// A failed condition is an answer, not a transient error: it comes back at
// once, from a transaction or a single write, and also when another
// operation of the same transaction was cancelled for a conflict.
func TestRetryNotOnConditionFailure(t *testing.T) {
	t.Run("transaction", func(t *testing.T) {
		t.Parallel()
		cfg := dynamodbtest.Config(t)
		seed := openWith(t, cfg, &injector{})
		if err := seed.Transact(context.Background(), item.Tx{Ops: []item.Op{item.Put(item.Item{item.PK: keyA.PK, item.SK: keyA.SK, "v": "seed"}, nil)}}); err != nil {
			t.Fatal(err)
		}
		in := &injector{op: "TransactWriteItems"} // counts, never fails
		db := openWith(t, cfg, in)
		err := db.Transact(context.Background(), twoOps(newToken()))
		if i, cur, ok := item.FailedAt(err); !ok || i != 0 || cur["v"] != "seed" {
			t.Fatalf("Transact over an existing A = %v (operation %d, current %v), want operation 0 failed with A as it was", err, i, cur)
		}
		if inv, att := in.counts(); inv != 1 || att != 1 {
			t.Errorf("invocations %d, attempts %d; want 1 and 1", inv, att)
		}
	})
	t.Run("single write", func(t *testing.T) {
		t.Parallel()
		cfg := dynamodbtest.Config(t)
		seed := openWith(t, cfg, &injector{})
		put := item.Put(item.Item{item.PK: keyA.PK, item.SK: keyA.SK, "v": "seed"}, item.NotExists())
		if _, err := seed.Write(context.Background(), put); err != nil {
			t.Fatal(err)
		}
		in := &injector{op: "PutItem"}
		db := openWith(t, cfg, in)
		_, err := db.Write(context.Background(), put)
		if i, cur, ok := item.FailedAt(err); !ok || i != 0 || cur["v"] != "seed" {
			t.Fatalf("second Put = %v (current %v), want its condition failed with A as it was", err, cur)
		}
		if inv, att := in.counts(); inv != 1 || att != 1 {
			t.Errorf("invocations %d, attempts %d; want 1 and 1", inv, att)
		}
	})
	t.Run("conflict and condition together", func(t *testing.T) {
		t.Parallel()
		body := `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
		"Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, ConditionalCheckFailed]",
		"CancellationReasons":[{"Code":"TransactionConflict","Message":"injected"},
		{"Code":"ConditionalCheckFailed","Message":"injected","Item":{"PK":{"S":"RETRY#b"},"SK":{"S":"B"},"n":{"N":"7"}}}]}`
		in := &injector{op: "TransactWriteItems", fail: 1 << 30, body: body}
		db := injected(t, in)
		err := db.Transact(context.Background(), twoOps(""))
		if i, cur, ok := item.FailedAt(err); !ok || i != 1 || cur["n"] != int64(7) {
			t.Fatalf("Transact = %v (operation %d, current %v), want operation 1 failed with n = 7", err, i, cur)
		}
		if inv, att := in.counts(); inv != 1 || att != 1 {
			t.Errorf("invocations %d, attempts %d; want 1 and 1", inv, att)
		}
	})
}

// A cancelled context ends the wait between attempts at once, the
// adapter's (between cancelled transactions) and the SDK's (between
// throttled requests). Each case runs calls in parallel, each cancelled
// while its HTTP attempt cancelAt is answered, just before the wait: the
// waits then are random and up to a second or more, so if one ignored the
// context, at least one call would return late (the chance that all of
// them draw a wait under the bound is below 1e-8).
func TestRetryWaitStopsWithContext(t *testing.T) {
	const calls = 10
	const bound = 150 * time.Millisecond
	for _, tc := range []struct {
		name     string
		op       string
		body     string
		cancelAt int32 // the adapter's wait after attempt 7 is up to 1s; the SDK's after a throttled attempt 2, up to 2s
		call     func(ctx context.Context, db *itemdynamodb.DB) error
		check    func(t *testing.T, err error)
	}{
		{
			name: "adapter", op: "TransactWriteItems", body: canceled("TransactionConflict"), cancelAt: 7,
			call: func(ctx context.Context, db *itemdynamodb.DB) error { return db.Transact(ctx, twoOps("")) },
			check: func(t *testing.T, err error) {
				// The cancellation it was waiting to retry, and the context's
				// error: it returned from the wait, without another request.
				var tce *types.TransactionCanceledException
				if !errors.As(err, &tce) {
					t.Errorf("err = %v, want the TransactionCanceledException it was waiting to retry", err)
				}
			},
		},
		{
			name: "sdk", op: "UpdateItem", body: errorAnswer("ThrottlingException"), cancelAt: 2,
			call: func(ctx context.Context, db *itemdynamodb.DB) error {
				_, err := db.Write(ctx, item.Update(keyB, nil, map[string]int64{"n": 1}, nil, nil))
				return err
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := dynamodbtest.Config(t)
			var wg sync.WaitGroup
			late := make([]time.Duration, calls)
			for c := range calls {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				var cancelledAt time.Time
				in := &injector{op: tc.op, fail: 1 << 30, body: tc.body, hook: func(n int32) {
					if n == tc.cancelAt {
						cancelledAt = time.Now()
						cancel()
					}
				}}
				db := openWith(t, cfg, in)
				wg.Go(func() {
					err := tc.call(ctx, db)
					late[c] = time.Since(cancelledAt)
					if !errors.Is(err, context.Canceled) {
						t.Errorf("call %d: err = %v, want context.Canceled", c, err)
					}
					if tc.check != nil {
						tc.check(t, err)
					}
					if _, att := in.counts(); att != tc.cancelAt {
						t.Errorf("call %d: %d HTTP attempts, want %d (none after the cancel)", c, att, tc.cancelAt)
					}
				})
			}
			wg.Wait()
			for c, d := range late {
				if d > bound {
					t.Errorf("call %d returned %s after its context was cancelled, want under %s: the wait ignored the context", c, d, bound)
				}
			}
		})
	}
}
