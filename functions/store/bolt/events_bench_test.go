package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
	"github.com/okaeri/okaeri/functions/store/conformance"
)

// BenchmarkEvents measures RSVPs under contention with fsync on, as in production.
func BenchmarkEvents(b *testing.B) {
	conformance.RunEventBenchmarks(b, func(b *testing.B) store.Store {
		s, err := bolt.Open(filepath.Join(b.TempDir(), "okaeri.db"), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	})
}
