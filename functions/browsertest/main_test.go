package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// portal is what every test needs: a running `okaeri serve` and the tools to
// look at it. TestMain fills it before any test runs; tests only read it.
type portal struct {
	baseURL     string // http://127.0.0.1:PORT, no trailing slash
	siteDir     string // the built site that the server serves
	chromium    string // path of the chromium binary
	axeSource   string // axe.min.js
	screenshots string // where screenshots go
}

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
	return m.Run()
}

// startPortal builds okaeri, finds (or builds) the site, starts the server and
// makes sure Chromium and axe-core are at hand. stop ends the server.
func startPortal(ctx context.Context) (p portal, stop func(), err error) {
	root, err := repoRoot()
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
	if p.siteDir, err = builtSite(ctx, root); err != nil {
		return p, nil, err
	}
	bin := filepath.Join(work, "okaeri")
	if out, err := command(ctx, root, "go", "build", "-o", bin, "./functions/cmd/okaeri").CombinedOutput(); err != nil {
		return p, nil, fmt.Errorf("go build okaeri: %w\n%s", err, out)
	}
	srv, err := serve(ctx, bin, p.siteDir, work)
	if err != nil {
		return p, nil, err
	}
	p.baseURL = srv.baseURL
	return p, func() { srv.stop(); cleanup() }, nil
}

// repoRoot is the folder of the module's go.mod; go test runs in the package
// folder, two levels below it.
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

// command runs in dir; its output is only shown when something fails.
func command(ctx context.Context, dir, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	return cmd
}

// scriptOutput runs one of scripts/ and returns the last line it printed.
func scriptOutput(ctx context.Context, root, script string) (string, error) {
	var stderr bytes.Buffer
	cmd := command(ctx, root, filepath.Join(root, script))
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

// builtSite is the site to test: $OKAERI_TEST_SITE when set (already built),
// else site/public, built with the pinned Hugo when it is missing.
func builtSite(ctx context.Context, root string) (string, error) {
	if dir := os.Getenv("OKAERI_TEST_SITE"); dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
			return "", fmt.Errorf("OKAERI_TEST_SITE: no built site: %w", err)
		}
		return filepath.Abs(dir)
	}
	dir := filepath.Join(root, "site", "public")
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err == nil {
		return dir, nil
	}
	out, err := command(ctx, root, "go", "tool", "-modfile=tools/go.mod", "hugo", "--source", "site", "--minify").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build the site with hugo: %w\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
		return "", fmt.Errorf("hugo built no %s/index.html", dir)
	}
	return dir, nil
}

// server is a running `okaeri serve`.
type server struct {
	baseURL string
	cmd     *exec.Cmd
	exited  chan struct{}
}

// serve starts okaeri on a free loopback port with a fresh data folder and
// waits until /healthz answers. The port is found by listening on :0 and
// closing, so another process can take it in between: then we try again.
func serve(ctx context.Context, bin, siteDir, work string) (*server, error) {
	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		logFile := filepath.Join(work, fmt.Sprintf("serve-%d.log", attempt))
		s, err := startServer(ctx, bin, siteDir, filepath.Join(work, fmt.Sprintf("data-%d", attempt)), port, logFile)
		if err == nil {
			return s, nil
		}
		log, _ := os.ReadFile(logFile)
		lastErr = fmt.Errorf("okaeri serve on port %d: %w\n%s", port, err, log)
	}
	return nil, lastErr
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func startServer(ctx context.Context, bin, siteDir, dataDir string, port int, logFile string) (*server, error) {
	log, err := os.Create(logFile)
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	defer log.Close() // the child has its own copy
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "serve", "--addr", addr, "--data", dataDir, "--site", siteDir, "--dev")
	cmd.Stdout, cmd.Stderr = log, log
	stopWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	s := &server{baseURL: "http://" + addr, cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.exited) }()

	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return nil, fmt.Errorf("exited before /healthz answered: %v", cmd.ProcessState)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		default:
		}
		resp, err := client.Get(s.baseURL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stop()
	return nil, errors.New("/healthz did not answer 200 within 30s")
}

// stop asks the server to shut down gracefully, and kills it if it does not.
func (s *server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}
