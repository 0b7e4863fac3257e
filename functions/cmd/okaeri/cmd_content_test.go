package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// contentEnv is an env that records what a subcommand prints.
func contentEnv() (*env, *bytes.Buffer, *bytes.Buffer) {
	var stdout, stderr bytes.Buffer
	return &env{
		Stdout: &stdout, Stderr: &stderr,
		Getenv: func(string) string { return "" },
		Log:    slog.New(slog.DiscardHandler),
	}, &stdout, &stderr
}

func writeContent(t *testing.T, files map[string]string) {
	t.Helper()
	for rel, text := range files {
		p := filepath.Join("content", filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestContentCheckReportsBrokenDate(t *testing.T) {
	t.Chdir(t.TempDir())
	writeContent(t, map[string]string{
		"events/bbq.md": "---\ntitle: 夏のバーベキュー\ndate: 2026-06-01\nstart: 2026-07-18 17:00\nend: 2026-07-18T20:00:00+09:00\nlocation: 屋上\ncapacity: 40\n---\n",
		"news/z.md":     "---\ntitle: z\ndate: 2026-04-01\nvisibility: secret\n---\n",
		"news/a.md":     "---\ntitle: a\ndate: 2026-04-01\n---\n",
	})
	e, stdout, stderr := contentEnv()
	err := cmdContent(context.Background(), e, []string{"check"})
	var ee exitError
	if !errors.As(err, &ee) || ee.code != 1 {
		t.Fatalf("err = %v, want exit status 1", err)
	}
	want := `content/events/bbq.md:4: start must be a date and time with offset like 2026-12-05T18:30:00+09:00 (got "2026-07-18 17:00")
content/news/z.md:4: visibility must be public or members (got "secret")
`
	if stdout.String() != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", stdout, want)
	}
	if got := stderr.String(); got != "content check: 3 files, 2 problems\n" {
		t.Errorf("stderr = %q", got)
	}
}

func TestContentCheckClean(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "hr")
	if err := os.MkdirAll(filepath.Join(dir, "news"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "news", "a.md"), []byte("---\ntitle: a\ndate: 2026-04-01\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	e, stdout, stderr := contentEnv()
	if err := cmdContent(context.Background(), e, []string{"check", "--dir", dir}); err != nil {
		t.Fatalf("err = %v, want nil", err)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", stdout)
	}
	if got := stderr.String(); got != "content check: 1 files, 0 problems\n" {
		t.Errorf("stderr = %q", got)
	}
}

func TestContentCheckUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"lint"}, {"check", "--bogus"}, {"check", "extra"}} {
		e, _, _ := contentEnv()
		if err := cmdContent(context.Background(), e, args); !errors.Is(err, errUsage) {
			t.Errorf("cmdContent(%q) = %v, want usage error", args, err)
		}
	}
	e, _, _ := contentEnv()
	if err := cmdContent(context.Background(), e, []string{"check", "--dir", filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Error("missing content folder: no error")
	}
}
