package blob_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/blob"
	"github.com/okaeri/okaeri/functions/blob/blobtest"
)

func TestDir(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store {
		d, err := blob.NewDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return d
	})
}

// failingReader breaks off after some bytes, like a client that disconnects.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("connection reset")
	}
	n := min(len(p), f.n)
	for i := range n {
		p[i] = 'x'
	}
	f.n -= n
	return n, nil
}

func TestDirLeavesNothingOnFailure(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	d, err := blob.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Put(ctx, "resumes/a.pdf", &failingReader{n: 1000}, 5000, ""); err == nil {
		t.Fatal("Put from a failing reader succeeded")
	}
	if err := d.Put(ctx, "resumes/b.pdf", strings.NewReader("short"), 100, ""); err == nil {
		t.Fatal("Put of fewer bytes than announced succeeded")
	}
	// An earlier version survives a failed replacement.
	if err := d.Put(ctx, "resumes/c.pdf", strings.NewReader("old"), 3, ""); err != nil {
		t.Fatal(err)
	}
	if err := d.Put(ctx, "resumes/c.pdf", &failingReader{n: 10}, 50, ""); err == nil {
		t.Fatal("failing replacement succeeded")
	}
	var names []string
	err = filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			names = append(names, e.Name())
		}
		return err
	})
	if err != nil || len(names) != 1 || names[0] != "c.pdf" {
		t.Fatalf("files left: %v %v", names, err)
	}
	rc, _, err := d.Get(ctx, "resumes/c.pdf")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if got, _ := io.ReadAll(rc); string(got) != "old" {
		t.Fatalf("after a failed replacement: %q", got)
	}
	st, err := os.Stat(filepath.Join(root, "resumes", "c.pdf"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("résumé file mode %v (%v), want 0600: it is personal data", st.Mode().Perm(), err)
	}
}

func TestValidKey(t *testing.T) {
	for key, want := range map[string]bool{
		"resumes/01J.pdf": true, "a": true, "a/b/c.txt": true, "a-b_c.d": true,
		"": false, "/a": false, "a/": false, "../a": false, "a/../b": false, "a/..b": false, "a/.b": false, "a b": false, "日本.pdf": false,
	} {
		if blob.ValidKey(key) != want {
			t.Errorf("ValidKey(%q) = %v", key, !want)
		}
	}
}
