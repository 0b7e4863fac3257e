// Package servetest starts a real `okaeri serve` for tests that talk to the
// portal over HTTP or through a browser: it builds the command, finds (or
// builds) the site, picks a free loopback port and waits for /healthz.
package servetest

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
	"syscall"
	"time"
)

// RepoRoot is the folder of the module's go.mod.
func RepoRoot() (string, error) {
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

// Command runs name in dir.
func Command(ctx context.Context, dir, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	return cmd
}

// BuildOkaeri compiles the okaeri command into dir and returns its path.
func BuildOkaeri(ctx context.Context, root, dir string) (string, error) {
	bin := filepath.Join(dir, "okaeri")
	if out, err := Command(ctx, root, "go", "build", "-o", bin, "./functions/cmd/okaeri").CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build okaeri: %w\n%s", err, out)
	}
	return bin, nil
}

// BuiltSite is the site to test: $OKAERI_TEST_SITE when set (already built),
// else site/public, built with the pinned Hugo when it is missing.
func BuiltSite(ctx context.Context, root string) (string, error) {
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
	out, err := Command(ctx, root, "go", "tool", "-modfile=tools/go.mod", "hugo", "--source", "site", "--minify").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build the site with hugo: %w\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
		return "", fmt.Errorf("hugo built no %s/index.html", dir)
	}
	return dir, nil
}

// Options start a server.
type Options struct {
	Bin     string   // the okaeri binary
	SiteDir string   // built site
	DataDir string   // data folder (created)
	Env     []string // extra environment, KEY=VALUE; OKAERI_BASE_URL is set to the server's URL
	Args    []string // extra arguments of okaeri serve
	LogFile string
}

// Server is a running `okaeri serve`.
type Server struct {
	BaseURL string
	DataDir string
	cmd     *exec.Cmd
	exited  chan struct{}
}

// FreePort finds a free loopback port.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Start runs the server and waits until /healthz answers. A port taken in
// the moment between finding and binding it is retried.
func Start(ctx context.Context, opt Options) (*Server, error) {
	var lastErr error
	for attempt := 1; attempt <= 3; attempt++ {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		s, err := start(ctx, opt, port)
		if err == nil {
			return s, nil
		}
		log, _ := os.ReadFile(opt.LogFile)
		lastErr = fmt.Errorf("okaeri serve on port %d: %w\n%s", port, err, log)
	}
	return nil, lastErr
}

func start(ctx context.Context, opt Options, port int) (*Server, error) {
	if opt.LogFile == "" {
		opt.LogFile = filepath.Join(opt.DataDir, "serve.log")
	}
	if err := os.MkdirAll(opt.DataDir, 0o755); err != nil {
		return nil, err
	}
	log, err := os.Create(opt.LogFile)
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	defer log.Close()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(opt.Bin, append([]string{"serve", "--addr", addr, "--data", opt.DataDir, "--site", opt.SiteDir, "--dev"}, opt.Args...)...)
	cmd.Env = append(append(defaultConfig(os.Environ()), "OKAERI_BASE_URL=http://"+addr), opt.Env...)
	cmd.Stdout, cmd.Stderr = log, log
	// The server dies with the test process, even if the test is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	s := &Server{BaseURL: "http://" + addr, DataDir: opt.DataDir, cmd: cmd, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.exited) }()
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return nil, fmt.Errorf("exited before /healthz answered: %v", cmd.ProcessState)
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		default:
		}
		if resp, err := client.Get(s.BaseURL + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Stop()
	return nil, errors.New("/healthz did not answer 200 within 30s")
}

// Stop shuts the server down gracefully, killing it if it hangs.
func (s *Server) Stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// LastLine is the last non-empty line of out.
func LastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// defaultConfig drops the developer's OKAERI_* settings (a DynamoDB store,
// SendGrid mail ...) so the server under test runs on its defaults: the
// embedded store and outbox mail in its own data folder.
func defaultConfig(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "OKAERI_") {
			out = append(out, kv)
		}
	}
	return out
}
