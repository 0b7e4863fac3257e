package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
	"github.com/okaeri/okaeri/functions/store/bolt"
)

// storeEnv is an env whose OKAERI_STORE is spec.
func storeEnv(spec string, stdin string) (*env, *bytes.Buffer, *bytes.Buffer) {
	var stdout, stderr bytes.Buffer
	return &env{
		Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(name string) string {
			if name == "OKAERI_STORE" {
				return spec
			}
			return ""
		},
		Log: slog.New(slog.DiscardHandler),
	}, &stdout, &stderr
}

func TestStoreExportImportBolt(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src.db"), filepath.Join(dir, "dst.db")

	s, err := bolt.Open(src, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	m, err := s.CreateMember(ctx, store.Member{
		Email: "Hanako@Example.com", Name: "山田 花子", Language: store.LanguageJa, Status: store.StatusApproved,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendAudit(ctx, store.AuditEntry{At: now, Actor: "system", Action: "member.approve", Subject: m.ID, Fields: []string{"status"}}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	file := filepath.Join(dir, "export.jsonl")
	e, stdout, stderr := storeEnv("bolt:"+src, "")
	if err := cmdStore(ctx, e, []string{"export", "--out", file}); err != nil {
		t.Fatalf("export: %v (%s)", err, stderr)
	}
	if stdout.Len() != 0 {
		t.Errorf("export --out wrote to stdout: %q", stdout)
	}
	if got := stderr.String(); got != "exported 2 records (audit 1, member 1)\n" {
		t.Errorf("export stderr = %q (no progress bar when stderr is not a terminal)", got)
	}
	if strings.Contains(stderr.String(), "example") {
		t.Error("an address reached stderr")
	}
	exported, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}

	for range 2 { // importing twice must be harmless
		e, _, stderr = storeEnv("bolt:"+dst, "")
		if err := cmdStore(ctx, e, []string{"import", "--in", file}); err != nil {
			t.Fatalf("import: %v (%s)", err, stderr)
		}
		if got := stderr.String(); got != "imported 2 records (audit 1, member 1)\n" {
			t.Errorf("import stderr = %q", got)
		}
	}

	// Export the copy to stdout: the same records (the header's time differs).
	e, stdout, _ = storeEnv("bolt:"+dst, "")
	if err := cmdStore(ctx, e, []string{"export"}); err != nil {
		t.Fatal(err)
	}
	if got, want := exportRecords(stdout.String()), exportRecords(string(exported)); got != want {
		t.Fatalf("copy exports\n%s\nwant\n%s", got, want)
	}

	// Import from stdin, into a third store.
	e, _, stderr = storeEnv("bolt:"+filepath.Join(dir, "third.db"), string(exported))
	if err := cmdStore(ctx, e, []string{"import"}); err != nil || !strings.HasPrefix(stderr.String(), "imported 2 records") {
		t.Fatalf("import from stdin: %v %s", err, stderr)
	}
}

func TestStoreCommandErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e, _, stderr := storeEnv("bolt:"+filepath.Join(dir, "s.db"), "")
	if err := cmdStore(ctx, e, nil); !errors.Is(err, errUsage) || !strings.Contains(stderr.String(), "create-table") {
		t.Errorf("no subcommand: %v %q", err, stderr)
	}
	e, _, _ = storeEnv("bolt:"+filepath.Join(dir, "s.db"), "")
	if err := cmdStore(ctx, e, []string{"frobnicate"}); !errors.Is(err, errUsage) {
		t.Errorf("unknown subcommand: %v", err)
	}
	e, _, _ = storeEnv("mysql:x", "")
	if err := cmdStore(ctx, e, []string{"export"}); err == nil || !strings.Contains(err.Error(), "OKAERI_STORE") {
		t.Errorf("bad store spec: %v", err)
	}
	e, stdout, _ := storeEnv("bolt:"+filepath.Join(dir, "s.db"), "")
	if err := cmdStore(ctx, e, []string{"create-table"}); err != nil || !strings.Contains(stdout.String(), "bolt store ready") {
		t.Errorf("create-table on bolt: %v %q", err, stdout)
	}
	e, _, _ = storeEnv("bolt:"+filepath.Join(dir, "s.db"), `{"type":"member","id":`+"\n")
	if err := cmdStore(ctx, e, []string{"import"}); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("broken input: %v", err)
	}
	// A failed export leaves no file behind.
	out := filepath.Join(dir, "none", "x.jsonl")
	e, _, _ = storeEnv("bolt:"+filepath.Join(dir, "s.db"), "")
	if err := cmdStore(ctx, e, []string{"export", "--out", out}); err == nil {
		t.Errorf("export into a missing folder succeeded")
	}
}

// exportRecords is an export without its header line.
// exportRecords is an export's records without its header line, sorted:
// the order is the engine's own (store.Backup), and Export reads segments
// in parallel.
func exportRecords(export string) string {
	_, rest, _ := strings.Cut(export, "\n")
	lines := strings.Split(strings.TrimSuffix(rest, "\n"), "\n")
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n"
}

// An export from before bios were stored rendered imports with each bio's
// HTML rendered once, as saving the profile renders it; HTML already there
// is kept as it is, and a bio too long once rendered is imported without.
func TestStoreImportRendersBios(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	old := func(id, email, md, html string) string {
		return `{"type":"member","id":"` + id + `","email":"` + email + `","name":"山田 花子","language":"ja","status":"approved",` +
			`"profile":{"bio":` + strconv.Quote(md) + `,"bioHtml":` + strconv.Quote(html) + `,"openTo":{}},` +
			`"createdAt":"2026-01-05T09:00:00Z","updatedAt":"2026-01-05T09:00:00Z","version":3}` + "\n"
	}
	bomb := "[a]: <https://example.com/" + strings.Repeat("x", 180) + ">\n" + strings.Repeat("[a]", 590)
	in := `{"type":"okaeri-export","version":1,"exportedAt":"2026-01-06T00:00:00Z"}` + "\n" +
		old("m1", "a@example.com", "**Go** と <script>alert(1)</script>[x](javascript:alert(1))", "") +
		old("m2", "b@example.com", "**Go**", "<p>kept</p>\n") +
		old("m3", "c@example.com", bomb, "")
	db := filepath.Join(dir, "okaeri.db")
	e, _, stderr := storeEnv("bolt:"+db, in)
	if err := cmdStore(ctx, e, []string{"import"}); err != nil {
		t.Fatalf("import: %v (%s)", err, stderr)
	}
	if got := stderr.String(); !strings.Contains(got, "rendered 1 bios") || !strings.Contains(got, "1 bios are too long") {
		t.Errorf("stderr %q", got)
	}
	s, err := bolt.Open(db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for id, want := range map[string]string{
		"m1": `<p><strong>Go</strong> と <!-- raw HTML omitted -->alert(1)<!-- raw HTML omitted --><a href="" rel="nofollow ugc">x</a></p>` + "\n",
		"m2": "<p>kept</p>\n",
		"m3": "",
	} {
		m, err := s.GetMember(ctx, id)
		if err != nil || m.Profile.BioHTML != want || m.Version != 3 {
			t.Errorf("%s: HTML %q version %d (%v), want %q", id, m.Profile.BioHTML, m.Version, err, want)
		}
	}
}
