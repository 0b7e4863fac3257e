package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/blob"
	"github.com/okaeri/okaeri/functions/blob/engine"
	"github.com/okaeri/okaeri/functions/blob/s3"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	st, err := engine.Open(ctx, engine.Config{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Put(ctx, "k.pdf", strings.NewReader("x"), 1, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(data, "blobs", "k.pdf")); err != nil {
		t.Fatalf("the default is dir:<data>/blobs: %v", err)
	}
	other := filepath.Join(t.TempDir(), "elsewhere")
	if st, err = engine.Open(ctx, engine.Config{Spec: "dir:" + other, DataDir: data}); err != nil {
		t.Fatal(err)
	}
	if _, ok := st.(*blob.Dir); !ok {
		t.Fatalf("dir:PATH opened %T", st)
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("dir:PATH creates the folder: %v", err)
	}
	// Without credentials s3 says so at start, not at the first upload.
	// (Nor from this machine's profile or metadata service.)
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "AWS_") {
			t.Setenv(k, "")
			os.Unsetenv(k)
		}
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(data, "no-config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(data, "no-credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	if _, err := engine.Open(ctx, engine.Config{Spec: "s3:okaeri-blobs/p", Region: "ap-northeast-1"}); err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Errorf("s3 without credentials: %v", err)
	}
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDTEST")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	if st, err = engine.Open(ctx, engine.Config{Spec: "s3:okaeri-blobs/p", Region: "ap-northeast-1"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := st.(*s3.Store); !ok {
		t.Fatalf("s3:BUCKET opened %T", st)
	}
	for _, bad := range []string{"dir:", "s3:", "ftp:host", "blobs"} {
		if _, err := engine.Open(ctx, engine.Config{Spec: bad, DataDir: data}); err == nil || !strings.Contains(err.Error(), "OKAERI_BLOBS") {
			t.Errorf("Open(%q) = %v, want an error naming OKAERI_BLOBS", bad, err)
		}
	}
}
