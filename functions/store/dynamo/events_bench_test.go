package dynamo_test

import (
	"testing"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/conformance"
)

// BenchmarkEvents measures RSVPs under contention against DynamoDB Local,
// with the capacity units they consume: a ticket, a transaction of the
// counter item and the RSVP (and its waitlist entry), the reads that decide
// the path, and a position count for each waitlisted RSVP.
func BenchmarkEvents(b *testing.B) {
	conformance.RunEventBenchmarks(b, func(b *testing.B) store.Store {
		s, cu := benchStore(b)
		b.Cleanup(func() { cu.report(b, b.N) })
		return s
	})
}
