package bolt_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
	"github.com/okaeri/okaeri/functions/store/conformance"
)

func newStore(t *testing.T) store.Store {
	s, err := bolt.Open(filepath.Join(t.TempDir(), "okaeri.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	conformance.RunTests(t, newStore)
	conformance.RunConcurrencyTests(t, newStore)
}

func TestOpenWhileLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "okaeri.db")
	first, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	_, err = bolt.Open(path, &bolt.Options{Timeout: 50 * time.Millisecond})
	if !errors.Is(err, bolt.ErrLocked) {
		t.Fatalf("second Open = %v, want ErrLocked", err)
	}
	first.Close()
	second, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	second.Close()
}
