package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/app"
	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/cms"
	"github.com/okaeri/okaeri/functions/content"
)

// On one machine HR saves in the CMS (/admin/), decap-server writes the
// Markdown in content/, and okaeri serve --dev notices, checks it, rebuilds
// the site with the pinned Hugo and syncs it, so the change is on the
// portal within seconds. Editing content/ in an editor works the same way.

// startDecapServer runs Decap's local backend (npm decap-server, fs mode)
// on a free port of 127.0.0.1, writing under repo; it is reached only
// through this server's /admin/api/v1, behind the HR check.
func startDecapServer(ctx context.Context, entry, repo string, log *slog.Logger) (addr string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	ctx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(ctx, "node", entry)
	cmd.Env = append(os.Environ(), "MODE=fs", "BIND_HOST=127.0.0.1", fmt.Sprintf("PORT=%d", port),
		"GIT_REPO_DIRECTORY="+repo, "LOG_LEVEL=warn", "ORIGIN=http://127.0.0.1")
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		cancel()
		return "", nil, fmt.Errorf("decap-server: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	addr = fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(15 * time.Second); ; {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			break
		}
		select {
		case <-done:
			cancel()
			return "", nil, fmt.Errorf("decap-server stopped: %s", strings.TrimSpace(stderr.String()))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			return "", nil, errors.New("decap-server did not start within 15 s")
		}
	}
	log.Info("cms: Decap's local backend", "listen", addr, "writes", filepath.Join(repo, cms.ContentDir))
	return "http://" + addr, func() { cancel(); <-done }, nil
}

// devSetup is what --dev adds for HR's content: the CMS's routes, and
// the rebuild and local backend to stop at the end.
type devSetup struct {
	routes map[string]http.Handler
	stop   func()
}

// devCMS starts the rebuild on changes under contentDir (when it exists)
// and, with a decap-server entry, Decap's local backend and /admin/.
func devCMS(ctx context.Context, a *app.App, contentDir, siteDir, decapEntry, hugoBin, baseURL string, log *slog.Logger) (*devSetup, error) {
	d := &devSetup{routes: map[string]http.Handler{}, stop: func() {}}
	if _, err := os.Stat(contentDir); err != nil {
		return nil, fmt.Errorf("--content: %w", err)
	}
	root := filepath.Dir(mustAbs(contentDir))
	hugo := []string{hugoBin}
	if hugoBin == "" {
		var err error
		if hugo, err = hugoCommand(ctx, root); err != nil {
			return nil, err
		}
	}
	b := &siteBuilder{a: a, log: log, content: contentDir, media: filepath.Join(root, filepath.FromSlash(cms.MediaFolder)),
		source: filepath.Join(root, "site"), public: siteDir, hugo: hugo}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { b.watch(wctx); close(done) }()
	d.stop = func() { cancel(); <-done }
	if decapEntry == "" {
		return d, nil
	}
	addr, stopDecap, err := startDecapServer(ctx, decapEntry, root, log)
	if err != nil {
		d.stop()
		return nil, err
	}
	stopWatch := d.stop
	d.stop = func() { stopDecap(); stopWatch() }
	d.routes = cms.Handler{Accounts: a.Accounts, Log: log, Backend: cms.Backend{Local: true}, SiteURL: baseURL,
		LocalBackend: addr, Status: b.Status,
		Portal: func(r *http.Request, lang string) string { return brand.In(a.Company(r.Context()).Portal, lang) },
		Logo:   func(r *http.Request) string { return a.Company(r.Context()).Logo },
	}.Routes()
	return d, nil
}

// siteBuilder rebuilds the site when content/ or the media folder changes.
type siteBuilder struct {
	a       *app.App
	log     *slog.Logger
	content string   // content/
	media   string   // site/assets/media
	source  string   // Hugo's project (site/)
	public  string   // where the portal serves the built site from
	hugo    []string // the pinned Hugo's command line

	mu     sync.Mutex
	status cms.Status
}

// hugoCommand is the pinned Hugo's binary: `go tool -n` prints the one it
// would run, so each rebuild does not pay the go command's start.
func hugoCommand(ctx context.Context, root string) ([]string, error) {
	cmd := exec.CommandContext(ctx, "go", "tool", "-n", "-modfile=tools/go.mod", "hugo")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("finding the pinned Hugo (go tool -n -modfile=tools/go.mod hugo in %s): %w", root, err)
	}
	return strings.Fields(strings.TrimSpace(string(out))), nil
}

// Status is the last rebuild's outcome, for /admin/status.json.
func (b *siteBuilder) Status() cms.Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.status
	s.Problems = append([]string(nil), s.Problems...)
	return s
}

func (b *siteBuilder) set(f func(s *cms.Status)) {
	b.mu.Lock()
	f(&b.status)
	b.mu.Unlock()
}

// fingerprint sums the names, sizes and times of every file below the dirs.
func fingerprint(dirs ...string) string {
	h := sha256.New()
	for _, d := range dirs {
		_ = filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return nil
			}
			if i, err := e.Info(); err == nil {
				fmt.Fprintf(h, "%s\x00%d\x00%d\n", p, i.Size(), i.ModTime().UnixNano())
			}
			return nil
		})
	}
	return string(h.Sum(nil))
}

// watch rebuilds after each change until ctx ends. It looks every 250 ms
// and waits for a quiet 250 ms, so a save of two files (ja and en) is one
// rebuild.
func (b *siteBuilder) watch(ctx context.Context) {
	last := fingerprint(b.content, b.media)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	pending := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := fingerprint(b.content, b.media)
		switch {
		case now != last:
			last, pending = now, true
		case pending:
			pending = false
			if err := b.rebuild(ctx); err != nil && ctx.Err() == nil {
				b.log.Warn("cms: the site was not rebuilt", "err", err)
			}
		}
	}
}

// rebuild checks the content, builds the site beside the served one and
// swaps it in, and syncs it into the store. Content with problems changes
// nothing: the problems are shown to HR on /admin/.
func (b *siteBuilder) rebuild(ctx context.Context) error {
	start := time.Now()
	b.set(func(s *cms.Status) { s.Building = true })
	defer b.set(func(s *cms.Status) { s.Building = false })
	cat, problems, err := content.Load(b.content)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		lines := make([]string, len(problems))
		for i, p := range problems {
			lines[i] = p.String()
		}
		b.set(func(s *cms.Status) { s.Problems = lines })
		b.log.Warn("cms: content check found problems; the site keeps its last build", "problems", len(problems))
		return nil
	}
	next := b.public + ".next"
	args := append(append([]string(nil), b.hugo[1:]...), "--source", b.source, "--destination", mustAbs(next), "--minify", "--cleanDestinationDir", "--logLevel", "warn")
	cmd := exec.CommandContext(ctx, b.hugo[0], args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		b.set(func(s *cms.Status) { s.Problems = []string{"hugo: " + strings.TrimSpace(out.String())} })
		return fmt.Errorf("hugo: %w", err)
	}
	// Phrase boundaries in Japanese headings, as make site marks them.
	if phrases := filepath.Join(filepath.Dir(b.source), "scripts", "phrases", "run"); fileExists(phrases) {
		cmd := exec.CommandContext(ctx, phrases, next)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			b.set(func(s *cms.Status) { s.Problems = []string{"phrases: " + strings.TrimSpace(out.String())} })
			return fmt.Errorf("phrases: %w", err)
		}
	}
	old := b.public + ".old"
	_ = os.RemoveAll(old)
	if err := os.Rename(b.public, old); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Rename(next, b.public); err != nil {
		return err
	}
	_ = os.RemoveAll(old)
	for _, step := range syncSteps(b.a, b.content, b.public) {
		if _, err := step.run(ctx, b.a.Store, cat); err != nil {
			b.set(func(s *cms.Status) { s.Problems = []string{"sync " + step.name + ": " + err.Error()} })
			return fmt.Errorf("sync %s: %w", step.name, err)
		}
	}
	b.a.Site.Forget()
	b.set(func(s *cms.Status) { s.Problems, s.Updated = nil, time.Now() })
	b.log.Info("cms: site rebuilt and synced", "ms", time.Since(start).Milliseconds())
	return nil
}

func mustAbs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
