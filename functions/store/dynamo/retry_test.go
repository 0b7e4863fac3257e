package dynamo_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/dynamo"
	"github.com/okaeri/okaeri/functions/store/dynamo/ddb"
	"github.com/okaeri/okaeri/functions/store/dynamo/dynamotest"
)

// DynamoDB Local never throttles and never raises TransactionConflict, so
// these tests make it look as if it did: the client's HTTP client answers
// the first attempts of one operation with DynamoDB's error answer (HTTP
// 400 and its JSON body), and the real DynamoDB Local serves the rest.
//
// Who retries: the store. The ddb client retries only connection errors,
// 5xx answers and corrupt answers (dynamo.NewClient); these answers pass
// through it untouched. The tests prove that by counting twice:
// invocations (a ddb.Middleware, once per store-level attempt) and HTTP
// attempts (the HTTP client, inside the client's retry loop). If the client
// retried too, attempts would exceed invocations.

// injector answers the first `fail` attempts of operation op with the
// error answer body (and status); with afterSend the request is sent and applied first,
// and only its answer is replaced (an answer lost on the way back).
type injector struct {
	op          string
	fail        int32
	status      int // of the answer; 0 is 400
	body        string
	afterSend   bool
	invocations atomic.Int32
	attempts    atomic.Int32
}

// doer is a ddb.HTTPClient from a function.
type doer func(*http.Request) (*http.Response, error)

func (d doer) Do(r *http.Request) (*http.Response, error) { return d(r) }

func (in *injector) install(o *ddb.Options) {
	o.Middleware = append(o.Middleware, func(next ddb.Handler) ddb.Handler {
		return func(ctx context.Context, op string, input any) (any, error) {
			if op == in.op {
				in.invocations.Add(1)
			}
			return next(ctx, op, input)
		}
	})
	base := o.HTTPClient
	if base == nil {
		base = http.DefaultClient
	}
	o.HTTPClient = doer(func(req *http.Request) (*http.Response, error) {
		if req.Header.Get("X-Amz-Target") != "DynamoDB_20120810."+in.op || in.attempts.Add(1) > in.fail {
			return base.Do(req)
		}
		if in.afterSend {
			resp, err := base.Do(req)
			if err != nil {
				return nil, err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		status := in.status
		if status == 0 {
			status = http.StatusBadRequest
		}
		return &http.Response{
			StatusCode: status,
			Header:     http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
			Body:       io.NopCloser(strings.NewReader(in.body)),
			Request:    req,
		}, nil
	})
}

// newInjectedStore is a store on a fresh table whose client carries in, with
// short retry delays.
func newInjectedStore(t *testing.T, in *injector, policy dynamo.RetryPolicy) *dynamo.Store {
	return dynamotest.NewStore(t, func(c *dynamo.Config) {
		c.ClientOptions = append(c.ClientOptions, in.install)
		c.Retry = policy
	})
}

var fastRetry = dynamo.RetryPolicy{MaxAttempts: 8, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}

// transactionConflict is DynamoDB's answer to a transaction that met another on an item.
const transactionConflict = `{"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
	"Message":"Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None]",
	"CancellationReasons":[{"Code":"TransactionConflict","Message":"Transaction is ongoing for the item"},{"Code":"None"}]}`

// errorAnswer is DynamoDB's answer with code.
func errorAnswer(code string) string {
	return `{"__type":"com.amazonaws.dynamodb.v20120810#` + code + `","message":"injected"}`
}

func member(email string) store.Member {
	return store.Member{Email: email, Name: "山田 花子", Language: store.LanguageJa, Status: store.StatusPending, EmployeeNumber: "E-1001"}
}

// wantOneMember checks that exactly one member with email exists, listed
// once and findable through both unique indexes.
func wantOneMember(t *testing.T, s *dynamo.Store, email string) {
	t.Helper()
	ctx := context.Background()
	m, err := s.GetMemberByEmail(ctx, email)
	if err != nil {
		t.Fatalf("GetMemberByEmail: %v", err)
	}
	if m.Version != 1 {
		t.Errorf("version = %d, want 1 (written once)", m.Version)
	}
	if _, err := s.GetMemberByEmployeeNumber(ctx, m.EmployeeNumber); err != nil {
		t.Errorf("GetMemberByEmployeeNumber: %v", err)
	}
	list, _, err := s.ListMembersByStatus(ctx, store.StatusPending, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Errorf("%d members listed, want 1", len(list))
	}
}

func TestRetryTransactionConflict(t *testing.T) {
	in := &injector{op: "TransactWriteItems", fail: 3, body: transactionConflict}
	s := newInjectedStore(t, in, fastRetry)
	if _, err := s.CreateMember(context.Background(), member("conflict@example.com")); err != nil {
		t.Fatalf("CreateMember after 3 conflicts: %v", err)
	}
	if got := in.attempts.Load(); got != 4 {
		t.Errorf("%d attempts, want 4 (3 conflicts + 1 success)", got)
	}
	if inv, att := in.invocations.Load(), in.attempts.Load(); inv != att {
		t.Errorf("%d store-level invocations but %d HTTP attempts: the client retried too", inv, att)
	}
	wantOneMember(t, s, "conflict@example.com")
}

func TestRetryThrottling(t *testing.T) {
	for _, code := range []string{
		"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
		"TransactionConflictException", "TransactionInProgressException",
	} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			in := &injector{op: "UpdateItem", fail: 3, body: errorAnswer(code)}
			s := newInjectedStore(t, in, fastRetry)
			now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
			// ADD is not idempotent: a count of 1 proves the throttled
			// attempts wrote nothing and the retry wrote once.
			n, err := s.HitRateLimit(context.Background(), "login:ip:192.0.2.1", time.Minute, now)
			if err != nil {
				t.Fatalf("HitRateLimit after 3 injected errors: %v", err)
			}
			if n != 1 {
				t.Errorf("count = %d, want 1", n)
			}
			if n, _ := s.HitRateLimit(context.Background(), "login:ip:192.0.2.1", time.Minute, now); n != 2 {
				t.Errorf("next count = %d, want 2", n)
			}
			if inv, att := in.invocations.Load(), in.attempts.Load(); att != 5 || inv != att {
				t.Errorf("invocations %d, attempts %d; want 5 and 5", inv, att)
			}
		})
	}
}

// A server error is the client's to retry, inside one store attempt: the
// store sees success.
func TestClientRetriesServerErrors(t *testing.T) {
	in := &injector{op: "UpdateItem", fail: 1, status: http.StatusInternalServerError, body: errorAnswer("InternalServerError")}
	s := newInjectedStore(t, in, fastRetry)
	n, err := s.HitRateLimit(context.Background(), "login:ip:192.0.2.1", time.Minute, time.Now())
	if err != nil || n != 1 {
		t.Fatalf("HitRateLimit after a 500: %d, %v; want 1", n, err)
	}
	if inv, att := in.invocations.Load(), in.attempts.Load(); inv != 1 || att != 2 {
		t.Errorf("invocations %d, attempts %d; want 1 and 2", inv, att)
	}
}

// An answer lost after the transaction was applied: the retry carries the
// same ClientRequestToken, so DynamoDB does not apply it again, and the caller
// sees success instead of "email already exists" for its own registration.
func TestRetryLostAnswerWritesOnce(t *testing.T) {
	in := &injector{op: "TransactWriteItems", fail: 1, body: transactionConflict, afterSend: true}
	s := newInjectedStore(t, in, fastRetry)
	if _, err := s.CreateMember(context.Background(), member("lost@example.com")); err != nil {
		t.Fatalf("CreateMember with a lost answer: %v", err)
	}
	if got := in.attempts.Load(); got != 2 {
		t.Errorf("%d attempts, want 2", got)
	}
	wantOneMember(t, s, "lost@example.com")
}

func TestRetryGivesUp(t *testing.T) {
	in := &injector{op: "TransactWriteItems", fail: 1 << 30, body: transactionConflict}
	s := newInjectedStore(t, in, dynamo.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond})
	_, err := s.CreateMember(context.Background(), member("busy@example.com"))
	var canceled *ddb.TransactionCanceledException
	if !errors.As(err, &canceled) {
		t.Fatalf("CreateMember under endless conflicts = %v, want the TransactionCanceledException", err)
	}
	if errors.Is(err, store.ErrAlreadyExists) {
		t.Errorf("a conflict must not read as already-exists: %v", err)
	}
	if got := in.attempts.Load(); got != 3 {
		t.Errorf("%d attempts, want MaxAttempts = 3", got)
	}
	if _, err := s.GetMemberByEmail(context.Background(), "busy@example.com"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("after giving up, GetMemberByEmail = %v, want not found (nothing written)", err)
	}
}

func TestRetryStopsWithContext(t *testing.T) {
	in := &injector{op: "UpdateItem", fail: 1 << 30, body: errorAnswer("ThrottlingException")}
	s := newInjectedStore(t, in, dynamo.RetryPolicy{MaxAttempts: 100, BaseDelay: time.Second, MaxDelay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.HitRateLimit(ctx, "k", time.Minute, time.Now())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("returned after %s: the backoff ignored the context", d)
	}
}

// A failed condition is an answer, not a transient error: it maps to the
// sentinel at once, without a retry.
func TestConditionFailureIsNotRetried(t *testing.T) {
	in := &injector{op: "TransactWriteItems"} // counts, never fails
	s := newInjectedStore(t, in, fastRetry)
	ctx := context.Background()
	if _, err := s.CreateMember(ctx, member("taken@example.com")); err != nil {
		t.Fatal(err)
	}
	other := member("TAKEN@example.com")
	other.EmployeeNumber = "E-2002"
	_, err := s.CreateMember(ctx, other)
	var conflict *store.ConflictError
	if !errors.As(err, &conflict) || conflict.Field != "email" {
		t.Fatalf("second registration = %v, want a ConflictError on email", err)
	}
	if got := in.attempts.Load(); got != 2 {
		t.Errorf("%d TransactWriteItems attempts, want 2 (no retry of a failed condition)", got)
	}
}
