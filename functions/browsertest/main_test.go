package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/servetest"
)

// portal is what every test needs: a running `okaeri serve` and the tools to
// look at it. TestMain fills it before any test runs; tests only read it.
type portal struct {
	baseURL     string // http://127.0.0.1:PORT, no trailing slash
	siteDir     string // the built site that the server serves
	chromium    string // path of the chromium binary
	axeSource   string // axe.min.js
	screenshots string // where screenshots go
	dataDir     string // the server's data folder (outbox, store)
	bin         string // the okaeri binary
	root        string // the repository
}

// rosterCSV is the leaver roster the browser journeys register against.
const rosterCSV = "employee_number,email,name,department,joined,left\n" +
	"B3001," + journeyEmail + ",木村 さくら,デザイン部,2014-04,2021-09\n"

// adminEmail is HR's administrator in the browser tests.
const adminEmail = "hr-admin@example.co.jp"

// suite is set once by TestMain, before m.Run, and never written again.
var suite portal

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p, stop, err := startPortal(ctx)
	if err != nil {
		// Never skip: a machine that cannot run the browser tests must fail CI.
		fmt.Fprintf(os.Stderr, "browsertest: %v\n", err)
		return 1
	}
	defer stop()
	suite = p
	defer func() {
		for i := len(atExit) - 1; i >= 0; i-- {
			atExit[i]()
		}
	}()
	return m.Run()
}

// startPortal builds okaeri, finds (or builds) the site, starts the server and
// makes sure Chromium and axe-core are at hand. stop ends the server.
func startPortal(ctx context.Context) (p portal, stop func(), err error) {
	root, err := servetest.RepoRoot()
	if err != nil {
		return p, nil, err
	}
	work, err := os.MkdirTemp("", "okaeri-browsertest-")
	if err != nil {
		return p, nil, fmt.Errorf("temp dir: %w", err)
	}
	cleanup := func() { os.RemoveAll(work) }
	defer func() {
		if err != nil {
			cleanup()
		}
	}()

	if p.chromium, err = scriptOutput(ctx, root, "scripts/ensure-chromium"); err != nil {
		return p, nil, fmt.Errorf("chromium is needed for the browser tests: %w", err)
	}
	axePath, err := scriptOutput(ctx, root, "scripts/axe")
	if err != nil {
		return p, nil, fmt.Errorf("axe-core: %w", err)
	}
	axe, err := os.ReadFile(axePath)
	if err != nil {
		return p, nil, fmt.Errorf("axe-core: %w", err)
	}
	p.axeSource = string(axe)

	if p.screenshots, err = screenshotDir(); err != nil {
		return p, nil, err
	}
	if p.siteDir, err = servetest.BuiltSite(ctx, root); err != nil {
		return p, nil, err
	}
	bin, err := servetest.BuildOkaeri(ctx, root, work)
	if err != nil {
		return p, nil, err
	}
	// HR's leaver roster, imported before the server takes the store.
	roster := filepath.Join(work, "roster.csv")
	if err := os.WriteFile(roster, []byte(rosterCSV), 0o600); err != nil {
		return p, nil, err
	}
	if out, err := servetest.Command(ctx, root, bin, "roster", "import", "--data", filepath.Join(work, "data"), roster).CombinedOutput(); err != nil {
		return p, nil, fmt.Errorf("roster import: %w\n%s", err, out)
	}
	// The built site's page frame and company, published as `make dev`
	// does, so the functions' pages are seen in the real frame. No content
	// yet: the tests that need events and jobs sync them themselves.
	noContent := filepath.Join(work, "no-content")
	if err := os.MkdirAll(noContent, 0o700); err != nil {
		return p, nil, err
	}
	if out, err := servetest.Command(ctx, root, bin, "sync", "--dir", noContent, "--data", filepath.Join(work, "data"), "--site", p.siteDir).CombinedOutput(); err != nil {
		return p, nil, fmt.Errorf("sync the site: %w\n%s", err, out)
	}
	srv, err := servetest.Start(ctx, servetest.Options{Bin: bin, SiteDir: p.siteDir, DataDir: filepath.Join(work, "data"),
		LogFile: filepath.Join(work, "serve.log"), Env: []string{"OKAERI_ADMINS=" + adminEmail}})
	if err != nil {
		return p, nil, err
	}
	p.baseURL, p.dataDir, p.bin, p.root = srv.BaseURL, srv.DataDir, bin, root
	return p, func() { srv.Stop(); cleanup() }, nil
}

// scriptOutput runs one of scripts/ and returns the last line it printed.
func scriptOutput(ctx context.Context, root, script string) (string, error) {
	var stderr bytes.Buffer
	cmd := servetest.Command(ctx, root, filepath.Join(root, script))
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s: %w\n%s", script, err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	if last == "" {
		return "", fmt.Errorf("%s printed nothing", script)
	}
	return last, nil
}

// screenshotDir is $OKAERI_SCREENSHOTS, or a fixed folder in the temp dir so
// a person can open the pictures after the run.
func screenshotDir() (string, error) {
	dir := os.Getenv("OKAERI_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "okaeri-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("screenshots: %w", err)
	}
	return dir, nil
}
