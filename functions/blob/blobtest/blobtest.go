// Package blobtest holds the rules every blob engine follows, run by each
// engine's tests against its own store (the dir engine on a temp folder,
// the s3 engine against gofakes3, an S3 implementation in the test's process).
package blobtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/okaeri/okaeri/functions/blob"
)

// Run checks the blob.Store rules on stores made by newStore (a fresh one per rule).
func Run(t *testing.T, newStore func(t *testing.T) blob.Store) {
	rules := []struct {
		name string
		run  func(t *testing.T, s blob.Store)
	}{
		{"PutGetDelete", testPutGetDelete},
		{"Replace", testReplace},
		{"InvalidKeys", testInvalidKeys},
		{"FiveMegabytes", testLarge},
		{"ConcurrentPutsOfOneKey", testConcurrentPuts},
	}
	for _, r := range rules {
		t.Run(r.name, func(t *testing.T) { r.run(t, newStore(t)) })
	}
}

func put(t *testing.T, s blob.Store, key string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), key, bytes.NewReader(data), int64(len(data)), "application/pdf"); err != nil {
		t.Fatalf("Put(%s): %v", key, err)
	}
}

// Read returns the blob under key, failing the test if it cannot be read.
func Read(t *testing.T, s blob.Store, key string) []byte {
	t.Helper()
	rc, size, err := s.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get(%s): %v", key, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	if int64(len(data)) != size {
		t.Fatalf("Get(%s) said %d bytes, read %d", key, size, len(data))
	}
	return data
}

func wantMissing(t *testing.T, s blob.Store, key string) {
	t.Helper()
	rc, _, err := s.Get(context.Background(), key)
	if err == nil {
		rc.Close()
	}
	if !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Get(%s) = %v, want ErrNotFound", key, err)
	}
}

func testPutGetDelete(t *testing.T, s blob.Store) {
	ctx := context.Background()
	wantMissing(t, s, "resumes/none.pdf")
	data := []byte("%PDF-1.7\n% 履歴書\n%%EOF\n")
	put(t, s, "resumes/a.pdf", data)
	if got := Read(t, s, "resumes/a.pdf"); !bytes.Equal(got, data) {
		t.Fatalf("read back %q", got)
	}
	wantMissing(t, s, "resumes/b.pdf")
	if err := s.Delete(ctx, "resumes/a.pdf"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantMissing(t, s, "resumes/a.pdf")
	if err := s.Delete(ctx, "resumes/a.pdf"); err != nil {
		t.Fatalf("Delete of a missing blob: %v", err)
	}
	put(t, s, "empty.txt", nil)
	if got := Read(t, s, "empty.txt"); len(got) != 0 {
		t.Fatalf("empty blob read back as %d bytes", len(got))
	}
}

func testReplace(t *testing.T, s blob.Store) {
	put(t, s, "k.pdf", []byte("first version, longer than the second"))
	put(t, s, "k.pdf", []byte("second"))
	if got := Read(t, s, "k.pdf"); string(got) != "second" {
		t.Fatalf("after replace: %q", got)
	}
}

func testInvalidKeys(t *testing.T, s blob.Store) {
	ctx := context.Background()
	for _, k := range []string{"", "../secret", "/etc/passwd", "a//b", "a/./b", "a/../b", "a/", ".hidden", "a b", "a\\b", strings.Repeat("a", 257)} {
		if err := s.Put(ctx, k, strings.NewReader("x"), 1, ""); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Put(%q) = %v, want ErrInvalidKey", k, err)
		}
		if _, _, err := s.Get(ctx, k); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Get(%q) = %v, want ErrInvalidKey", k, err)
		}
		if err := s.Delete(ctx, k); !errors.Is(err, blob.ErrInvalidKey) {
			t.Errorf("Delete(%q) = %v, want ErrInvalidKey", k, err)
		}
	}
}

func testLarge(t *testing.T, s blob.Store) {
	data := bytes.Repeat([]byte("0123456789abcdef"), 5<<20/16)
	put(t, s, "resumes/large.pdf", data)
	if got := Read(t, s, "resumes/large.pdf"); !bytes.Equal(got, data) {
		t.Fatalf("5 MB blob read back as %d different bytes", len(got))
	}
}

// testConcurrentPuts: writers racing on one key leave one whole version.
func testConcurrentPuts(t *testing.T, s blob.Store) {
	const n = 8
	versions := make([][]byte, n)
	for i := range n {
		versions[i] = bytes.Repeat([]byte(fmt.Sprintf("version %d;", i)), 20000)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { put(t, s, "race.pdf", versions[i]) })
	}
	wg.Wait()
	got := Read(t, s, "race.pdf")
	for _, v := range versions {
		if bytes.Equal(got, v) {
			return
		}
	}
	t.Fatalf("after concurrent puts the blob is none of the versions written (%d bytes)", len(got))
}
