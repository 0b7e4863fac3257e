package dynamo

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/okaeri/okaeri/functions/store/dynamo/ddb"
	"github.com/okaeri/okaeri/functions/waitctx"
)

// RetryPolicy is how the store retries what DynamoDB asks to be retried:
// throttling (ProvisionedThroughputExceededException, ThrottlingException,
// RequestLimitExceeded) and transaction conflicts (TransactionConflictException,
// TransactionInProgressException, and TransactionCanceledException with a
// TransactionConflict or throttling reason). Each of these means the request
// was not applied, so retrying cannot write twice. Delays grow exponentially
// with full jitter, and ctx ends the wait.
type RetryPolicy struct {
	// MaxAttempts counts the first try (default 8).
	MaxAttempts int
	// BaseDelay is the ceiling of the first delay (default 20ms); it doubles each attempt.
	BaseDelay time.Duration
	// MaxDelay caps any one delay (default 1s).
	MaxDelay time.Duration
}

// withDefaults fills zero fields: at most 8 tries and at most 2.3s of waiting
// in the worst case.
func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 8
	}
	if p.BaseDelay <= 0 {
		p.BaseDelay = 20 * time.Millisecond
	}
	if p.MaxDelay <= 0 {
		p.MaxDelay = time.Second
	}
	return p
}

// casBackoff spaces out the re-reads of a compare-and-swap that lost a race.
// Losing means another writer succeeded, so the item is healthy: short waits
// keep latency low, and the jitter keeps a crowd of writers from colliding again.
func casDelay(attempt int) time.Duration {
	return RetryPolicy{BaseDelay: 5 * time.Millisecond, MaxDelay: 200 * time.Millisecond}.delay(attempt)
}

// delay is the wait before attempt+1: uniform in [0, min(MaxDelay, BaseDelay·2^(attempt-1))].
func (p RetryPolicy) delay(attempt int) time.Duration {
	ceiling := p.MaxDelay
	if attempt-1 < 30 {
		if d := p.BaseDelay << (attempt - 1); d > 0 && d < ceiling {
			ceiling = d
		}
	}
	return rand.N(ceiling + 1)
}

// call runs one DynamoDB request under the store's retry policy.
func call[T any](ctx context.Context, s *Store, op string, fn func(context.Context) (T, error)) (T, error) {
	for attempt := 1; ; attempt++ {
		out, err := fn(ctx)
		if err == nil || !retryable(err) || attempt >= s.retry.MaxAttempts {
			return out, err
		}
		s.log.DebugContext(ctx, "dynamo: retrying", "op", op, "attempt", attempt, "code", errorCode(err))
		if werr := waitctx.Sleep(ctx, s.retry.delay(attempt)); werr != nil {
			return out, errors.Join(err, werr)
		}
	}
}

// retryable reports whether err means "not applied, try again later".
func retryable(err error) bool {
	var canceled *ddb.TransactionCanceledException
	if errors.As(err, &canceled) {
		for _, r := range canceled.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "TransactionConflict", "ProvisionedThroughputExceeded", "ThrottlingError", "RequestLimitExceeded":
				return true
			}
		}
		return false
	}
	switch errorCode(err) {
	case "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded",
		"TransactionConflictException", "TransactionInProgressException", "ReplicatedWriteConflictException":
		return true
	}
	return false
}

// errorCode is the code of DynamoDB's error answer ("" for none).
func errorCode(err error) string {
	var apiErr interface{ ErrorCode() string }
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// conditionFailed reports whether a single-item write failed its condition,
// and returns the item as it was if DynamoDB sent it back.
func conditionFailed(err error) (map[string]ddb.AttributeValue, bool) {
	var ccf *ddb.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return ccf.Item, true
	}
	return nil, false
}

// canceledAt reports which items of a cancelled transaction failed their
// condition, by position in the request.
func canceledAt(err error) ([]bool, bool) {
	var canceled *ddb.TransactionCanceledException
	if !errors.As(err, &canceled) {
		return nil, false
	}
	failed := make([]bool, len(canceled.CancellationReasons))
	found := false
	for i, r := range canceled.CancellationReasons {
		if aws.ToString(r.Code) == "ConditionalCheckFailed" {
			failed[i] = true
			found = true
		}
	}
	return failed, found
}
