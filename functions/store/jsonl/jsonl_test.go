package jsonl_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
	"github.com/okaeri/okaeri/functions/store/jsonl"
)

func TestMarshalRecord(t *testing.T) {
	at := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	line, err := jsonl.MarshalRecord(store.Record{Audit: &store.AuditEntry{ID: "a1", At: at, Actor: "system", Action: "member.erase", Subject: "m1"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"audit","id":"a1","at":"2026-04-01T00:00:00Z","actor":"system","action":"member.erase","subject":"m1"}`
	if string(line) != want {
		t.Fatalf("line = %s\nwant   %s", line, want)
	}
	back, err := jsonl.UnmarshalRecord(line)
	if err != nil || back.Audit == nil || back.Audit.ID != "a1" || !back.Audit.At.Equal(at) {
		t.Fatalf("round trip: %+v %v", back, err)
	}
	if _, err := jsonl.MarshalRecord(store.Record{}); err == nil {
		t.Error("an empty record was encoded")
	}
}

func TestImportRefusesOtherVersion(t *testing.T) {
	s, err := bolt.Open(filepath.Join(t.TempDir(), "s.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = jsonl.Import(context.Background(), s, strings.NewReader(`{"type":"okaeri-export","version":2}`+"\n"), jsonl.Options{})
	if err == nil || !strings.Contains(err.Error(), "version 2") {
		t.Fatalf("err = %v", err)
	}
}

func TestProgress(t *testing.T) {
	ctx := context.Background()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "s.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.CreateMember(ctx, store.Member{Email: "hanako@example.com", Name: "山田 花子", Language: "ja", Status: "pending"}); err != nil {
		t.Fatal(err)
	}
	var file, progress bytes.Buffer
	if _, err := jsonl.Export(ctx, s, &file, time.Now(), jsonl.Options{Progress: &progress}); err != nil {
		t.Fatal(err)
	}
	if got := progress.String(); !strings.HasPrefix(got, "\rexport 1 records") || !strings.HasSuffix(got, "\n") || strings.Contains(got, "example") {
		t.Errorf("export progress = %q", got)
	}
	progress.Reset()
	size := int64(file.Len())
	if _, err := jsonl.Import(ctx, s, &file, jsonl.Options{Progress: &progress, Total: size}); err != nil {
		t.Fatal(err)
	}
	if got := progress.String(); !strings.Contains(got, "import [") || !strings.Contains(got, "100.0%") {
		t.Errorf("import progress = %q", got)
	}
}
