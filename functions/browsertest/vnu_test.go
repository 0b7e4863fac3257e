package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// vnuMessage is one message of the Nu HTML checker's JSON output.
type vnuMessage struct {
	Type     string `json:"type"` // "error", "info" (with subType "warning"), "non-document-error"
	URL      string `json:"url"`
	LastLine int    `json:"lastLine"`
	FirstCol int    `json:"firstColumn"`
	LastCol  int    `json:"lastColumn"`
	Message  string `json:"message"`
	Extract  string `json:"extract"`
	SubType  string `json:"subType"`
}

// runVNU runs the pinned Nu HTML checker (scripts/vnu) once over all files,
// errors only, and returns its messages. The checker exits 1 when it finds
// errors; only output it cannot parse fails here.
func runVNU(t *testing.T, files []string) []vnuMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	jar, err := scriptOutput(ctx, suite.root, "scripts/vnu")
	if err != nil {
		t.Fatalf("the Nu HTML checker: %v", err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "java", append([]string{"-jar", jar, "--errors-only", "--format", "json"}, files...)...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var out struct {
		Messages []vnuMessage `json:"messages"`
	}
	if err := json.Unmarshal(stderr.Bytes(), &out); err != nil { // vnu writes its report to stderr
		t.Fatalf("java -jar vnu.jar: %v, output not JSON: %v\n%s\n%s", runErr, err, stderr.String(), stdout.String())
	}
	return out.Messages
}

// vnuFalsePositive: messages of the checker that are not errors in the page.
// Empty: every message so far was a real error, fixed in the templates.
func vnuFalsePositive(vnuMessage) bool { return false }

// reportVNU fails the test with file:line: message for each error, naming
// files by name(path).
func reportVNU(t *testing.T, msgs []vnuMessage, name func(file string) string) int {
	t.Helper()
	n := 0
	for _, m := range msgs {
		if vnuFalsePositive(m) {
			continue
		}
		file := m.URL
		if u, err := url.Parse(m.URL); err == nil && u.Scheme == "file" {
			file = u.Path
		}
		n++
		t.Errorf("%s:%d:%d: %s: %s\n\t%s", name(file), m.LastLine, m.FirstCol, m.Type, m.Message, strings.TrimSpace(m.Extract))
	}
	return n
}

// TestNuHTMLCheckerSite runs the W3C Nu HTML checker over every .html file
// of the built site, in one run, and asserts that it finds no error.
func TestNuHTMLCheckerSite(t *testing.T) {
	var files []string
	err := filepath.WalkDir(suite.siteDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".html") {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("list %s: %v (%d files)", suite.siteDir, err, len(files))
	}
	start := time.Now()
	msgs := runVNU(t, files)
	n := reportVNU(t, msgs, func(file string) string {
		if rel, err := filepath.Rel(suite.siteDir, file); err == nil {
			return "site/public/" + filepath.ToSlash(rel)
		}
		return file
	})
	t.Logf("Nu HTML checker: %d files of the built site in %v, %d errors", len(files), time.Since(start).Round(time.Millisecond), n)
}

// unsafeName: what a page's path may not carry into its file name. a page into a file name that says which page it is.
var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// TestNuHTMLCheckerFunctionPages fetches the pages the Go functions render
// (as a member, as HR and as a visitor: HR's console, the profile, the
// directory, the page of an emailed link, error pages), saves them and runs
// the Nu HTML checker over them once, asserting no error.
func TestNuHTMLCheckerFunctionPages(t *testing.T) {
	p := functionPortal(t)
	pages := functionPages(t, p)
	dir := t.TempDir()
	names := map[string]string{}
	var files []string
	for i, pg := range pages {
		path, _, _ := strings.Cut(pg.Path, "?")
		file := filepath.Join(dir, fmt.Sprintf("%02d-%s-%s.html", i, pg.Who, strings.Trim(unsafeName.ReplaceAllString(path, "_"), "_")))
		if err := os.WriteFile(file, pg.HTML, 0o644); err != nil {
			t.Fatal(err)
		}
		names[file] = fmt.Sprintf("%s (as %s)", pg.Path, pg.Who)
		files = append(files, file)
	}
	start := time.Now()
	msgs := runVNU(t, files)
	n := reportVNU(t, msgs, func(file string) string {
		if name, ok := names[file]; ok {
			return name
		}
		return file
	})
	t.Logf("Nu HTML checker: %d function pages in %v, %d errors", len(files), time.Since(start).Round(time.Millisecond), n)
}
