package dynamo_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/dynamo"
	"github.com/okaeri/okaeri/functions/store/dynamo/dynamotest"
)

// DynamoDB Local never throttles and never raises TransactionConflict, so
// these tests make the SDK raise them: middleware fails the first calls of
// one operation with a synthetic error, against the real DynamoDB Local.
//
// Who retries: the store. The SDK's retryer (dynamo.NewClient) handles only
// connection errors and 5xx; the injected errors pass through it untouched.
// The tests prove that by counting twice: invocations (Initialize step, once
// per store-level attempt) and HTTP attempts (Finalize step, inside the SDK's
// retry loop). If the SDK retried too, attempts would exceed invocations.

// injector fails the first `fail` attempts of operation op with err(); with
// afterSend the request is sent and applied first, and only its answer is
// replaced (an answer lost on the way back).
type injector struct {
	op          string
	fail        int32
	err         func() error
	afterSend   bool
	invocations atomic.Int32
	attempts    atomic.Int32
}

func (in *injector) install(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		count := middleware.InitializeMiddlewareFunc("okaeri-count-invocations", func(ctx context.Context, input middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			if middleware.GetOperationName(ctx) == in.op {
				in.invocations.Add(1)
			}
			return next.HandleInitialize(ctx, input)
		})
		if err := stack.Initialize.Add(count, middleware.Before); err != nil {
			return err
		}
		inject := middleware.FinalizeMiddlewareFunc("okaeri-inject", func(ctx context.Context, input middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			if middleware.GetOperationName(ctx) != in.op || in.attempts.Add(1) > in.fail {
				return next.HandleFinalize(ctx, input)
			}
			if in.afterSend {
				out, md, err := next.HandleFinalize(ctx, input)
				if err != nil {
					return out, md, err
				}
			}
			return middleware.FinalizeOutput{}, middleware.Metadata{}, in.err()
		})
		return stack.Finalize.Add(inject, middleware.After)
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

func transactionConflict() error {
	return &types.TransactionCanceledException{
		Message: aws.String("Transaction cancelled, please refer cancellation reasons for specific reasons [TransactionConflict, None]"),
		CancellationReasons: []types.CancellationReason{
			{Code: aws.String("TransactionConflict"), Message: aws.String("Transaction is ongoing for the item")},
			{Code: aws.String("None")},
		},
	}
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
	in := &injector{op: "TransactWriteItems", fail: 3, err: transactionConflict}
	s := newInjectedStore(t, in, fastRetry)
	if _, err := s.CreateMember(context.Background(), member("conflict@example.com")); err != nil {
		t.Fatalf("CreateMember after 3 conflicts: %v", err)
	}
	if got := in.attempts.Load(); got != 4 {
		t.Errorf("%d attempts, want 4 (3 conflicts + 1 success)", got)
	}
	if inv, att := in.invocations.Load(), in.attempts.Load(); inv != att {
		t.Errorf("%d store-level invocations but %d HTTP attempts: the SDK retried too", inv, att)
	}
	wantOneMember(t, s, "conflict@example.com")
}

func TestRetryThrottling(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  func() error
	}{
		{"ProvisionedThroughputExceeded", func() error {
			return &types.ProvisionedThroughputExceededException{Message: aws.String("injected")}
		}},
		{"Throttling", func() error { return &types.ThrottlingException{Message: aws.String("injected")} }},
		{"RequestLimitExceeded", func() error { return &types.RequestLimitExceeded{Message: aws.String("injected")} }},
		{"TransactionConflict", func() error { return &types.TransactionConflictException{Message: aws.String("injected")} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			in := &injector{op: "UpdateItem", fail: 3, err: tc.err}
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

// An answer lost after the transaction was applied: the retry carries the
// same ClientRequestToken, so DynamoDB does not apply it again, and the caller
// sees success instead of "email already exists" for its own registration.
func TestRetryLostAnswerWritesOnce(t *testing.T) {
	in := &injector{op: "TransactWriteItems", fail: 1, err: transactionConflict, afterSend: true}
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
	in := &injector{op: "TransactWriteItems", fail: 1 << 30, err: transactionConflict}
	s := newInjectedStore(t, in, dynamo.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond})
	_, err := s.CreateMember(context.Background(), member("busy@example.com"))
	var canceled *types.TransactionCanceledException
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
	in := &injector{op: "UpdateItem", fail: 1 << 30, err: func() error { return &types.ThrottlingException{Message: aws.String("injected")} }}
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
