package site_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// real is the repository's own site, built once by TestMain with the pinned
// Hugo, exactly as `make site` builds it but into a temp dir. Tests only read it.
var real builtSite

// builtSite is one Hugo build: where the repository is and where the output went.
type builtSite struct {
	root   string // repository root
	public string // Hugo's --destination
}

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "site tests:", err)
		return 1
	}
	out, err := os.MkdirTemp("", "okaeri-site-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "site tests:", err)
		return 1
	}
	defer os.RemoveAll(out)
	// The share cards' font, as `make site` fetches it.
	if msg, err := exec.CommandContext(ctx, filepath.Join(root, "scripts", "font")).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "site tests: scripts/font: %v\n%s", err, msg)
		return 1
	}
	if msg, err := hugoBuild(ctx, root, filepath.Join(root, "site"), out); err != nil {
		fmt.Fprintf(os.Stderr, "site tests: building the site: %v\n%s", err, msg)
		return 1
	}
	// Phrase boundaries in Japanese headings, as `make site` marks them.
	if msg, err := exec.CommandContext(ctx, filepath.Join(root, "scripts", "phrases", "run"), out).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "site tests: scripts/phrases/run: %v\n%s", err, msg)
		return 1
	}
	real = builtSite{root: root, public: out}
	return m.Run()
}

// repoRoot is the folder of the module's go.mod; go test runs in the package folder.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if mod, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.Contains(mod, []byte("module github.com/okaeri/okaeri\n")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("repository root (go.mod of github.com/okaeri/okaeri) not found")
		}
		dir = parent
	}
}

// hugoBuild runs the pinned Hugo on a site source folder. The output is
// returned so a failing build can be asserted on (the guard names the file).
// --noBuildLock: other builds of site/ (make site, the browser tests) may run
// at the same time and only read the same sources.
func hugoBuild(ctx context.Context, root, source, dest string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "tool", "-modfile="+filepath.Join(root, "tools", "go.mod"), "hugo",
		"--source", source, "--destination", dest, "--minify", "--noBuildLock", "--logLevel", "warn")
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("hugo --source %s: %w", source, err)
	}
	return string(out), nil
}

// outputFile is one file of a build, by its slash path below the destination.
type outputFile struct {
	rel  string
	text string
}

// outputFiles reads every file Hugo wrote.
func outputFiles(t *testing.T, public string) []outputFile {
	t.Helper()
	var files []outputFile
	err := filepath.WalkDir(public, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(public, path)
		if err != nil {
			return err
		}
		files = append(files, outputFile{rel: filepath.ToSlash(rel), text: string(b)})
		return nil
	})
	if err != nil {
		t.Fatalf("reading the built site: %v", err)
	}
	if len(files) == 0 {
		t.Fatalf("the build wrote no files into %s", public)
	}
	return files
}

// inMembersArea reports whether an output path is one a session guards.
func inMembersArea(rel string) bool {
	return strings.HasPrefix(rel, "members/") || strings.HasPrefix(rel, "en/members/")
}

// readFile reads one output file by its slash path, failing the test if it is missing.
func readFile(t *testing.T, public, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(public, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatalf("expected output file %s: %v", rel, err)
	}
	return string(b)
}
