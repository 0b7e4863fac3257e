// Package waitctx waits for a time or for a context to end, whichever
// comes first: the pause between retries in the store, the DynamoDB
// client, the SendGrid client and the newsletter sender. It imports only
// the standard library, so any function can link it at no cost.
package waitctx

import (
	"context"
	"time"
)

// Sleep waits d, or returns ctx's error as soon as ctx ends. A d of zero
// or less returns at once, with ctx's error if it has ended.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
