// Package portal assembles the whole portal in one http.Handler for
// `okaeri serve`: the built Hugo site, every /api/* function, the members-only
// gate, /healthz and, in dev mode, /_dev/outbox. On AWS the same functions run
// one per Lambda and CloudFront serves the site; nothing here is needed there.
package portal

import (
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/okaeri/okaeri/functions/httpapi"
)

// Config is what the portal needs; every field is set by the caller.
type Config struct {
	SiteDir   string // Hugo's output folder
	OutboxDir string // where outbox mail is written; "" disables /_dev/outbox
	Dev       bool
	Log       *slog.Logger
	// API maps route patterns (Go 1.22 ServeMux patterns) to functions: those
	// under /api/ and the few server-rendered pages (/hr/..., /members/profile/ ...).
	API map[string]http.Handler
	// IsMember reports whether a request carries a valid member session.
	// Nil means no one is a member yet: /members/* always leads to login.
	IsMember func(r *http.Request) bool
	// AllowedHosts are the "name:port" Host headers answered (Hosts);
	// any other gets 421 but on /healthz. Empty answers every host (tests).
	AllowedHosts []string
}

// New builds the handler.
func New(cfg Config) (http.Handler, error) {
	if _, err := os.Stat(filepath.Join(cfg.SiteDir, "index.html")); err != nil {
		return nil, &SiteMissingError{Dir: cfg.SiteDir}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	api := http.NewServeMux()
	sameOrigin := httpapi.SameOrigin(cfg.Log)
	for pattern, h := range cfg.API {
		path := pattern
		if _, p, ok := strings.Cut(pattern, " "); ok {
			path = p
		}
		if strings.HasPrefix(path, "/api/") {
			api.Handle(pattern, h)
		} else {
			mux.Handle(pattern, sameOrigin(h))
		}
	}
	api.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteError(w, r, cfg.Log, httpapi.Errorf(httpapi.ENOTFOUND, "not_found"))
	})
	mux.Handle("/api/", sameOrigin(api))
	if cfg.Dev && cfg.OutboxDir != "" {
		mux.Handle("GET /_dev/outbox", outboxPage(cfg.OutboxDir, cfg.Log))
		mux.Handle("GET /_dev/outbox/{file}", outboxMessage(cfg.OutboxDir, cfg.Log))
		mux.Handle("GET /_dev/outbox/{file}/html", outboxHTML(cfg.OutboxDir, cfg.Log))
	}
	mux.Handle("/", &site{dir: cfg.SiteDir, isMember: cfg.IsMember, log: cfg.Log})
	return httpapi.Chain(mux, httpapi.AccessLog(cfg.Log), Compress, httpapi.SecurityHeaders, hostCheck(cfg.AllowedHosts, cfg.Log)), nil
}

// SiteMissingError says the site has not been built.
type SiteMissingError struct{ Dir string }

func (e *SiteMissingError) Error() string {
	return "no built site in " + e.Dir + " (run `make site` or `make dev`)"
}

// site serves Hugo's output: directory indexes, Hugo's 404 pages, cache
// headers, and the members-only gate.
type site struct {
	dir      string
	isMember func(r *http.Request) bool
	log      *slog.Logger
}

// MembersPath reports whether p is inside the members-only area.
func MembersPath(p string) bool {
	return p == "/members" || strings.HasPrefix(p, "/members/") || p == "/en/members" || strings.HasPrefix(p, "/en/members/")
}

func langOfPath(p string) string {
	if p == "/en" || strings.HasPrefix(p, "/en/") {
		return httpapi.LangEN
	}
	return httpapi.LangJA
}

// LoginURL is the login page for a language, returning to next afterwards.
func LoginURL(lang, next string) string {
	base := "/login/"
	if lang == httpapi.LangEN {
		base = "/en/login/"
	}
	if next == "" {
		return base
	}
	return base + "?next=" + urlQueryEscape(next)
}

func (s *site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		httpapi.WriteError(w, r, s.log, httpapi.Errorf(httpapi.EMETHOD, "method_not_allowed"))
		return
	}
	p := path.Clean("/" + r.URL.Path)
	if hidden(p) {
		s.notFound(w, r, p)
		return
	}
	if MembersPath(p) {
		if s.isMember == nil || !s.isMember(r) {
			w.Header().Set("Cache-Control", "no-store")
			http.Redirect(w, r, LoginURL(langOfPath(p), r.URL.Path), http.StatusSeeOther)
			return
		}
		w.Header().Set("Cache-Control", "private, no-store")
	}
	root, err := os.OpenRoot(s.dir)
	if err != nil {
		s.log.ErrorContext(r.Context(), "open site", "err", err)
		http.Error(w, "site unavailable", http.StatusServiceUnavailable)
		return
	}
	defer root.Close()
	name, f, st, ok := resolve(root, p)
	if !ok {
		s.notFound(w, r, p)
		return
	}
	defer f.Close()
	if !strings.HasSuffix(r.URL.Path, "/") && isDirIndex(name) {
		// /news -> /news/ so that relative links resolve as Hugo expects.
		http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
		return
	}
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", cacheControl(name))
	}
	http.ServeContent(w, r, name, st.ModTime(), f)
}

// hidden reports whether a clean URL path names a dotfile or a dot folder
// (.git, .env, .DS_Store ...): Hugo publishes none, so any is a leftover
// that must not be served.
func hidden(p string) bool {
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, ".") {
			return true
		}
	}
	return false
}

// resolve opens the file for a clean URL path in the site, a folder's
// index.html for a folder, never a listing. The site is an os.Root: a
// symbolic link may point elsewhere inside it, but never out of it (to
// /etc/passwd, or a checkout's secrets beside the site).
func resolve(root *os.Root, p string) (string, *os.File, os.FileInfo, bool) {
	name := strings.TrimPrefix(p, "/")
	if name == "" {
		name = "."
	}
	for range 2 {
		f, err := root.Open(name)
		if err != nil {
			return "", nil, nil, false
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return "", nil, nil, false
		}
		if !st.IsDir() {
			return name, f, st, true
		}
		f.Close()
		name = path.Join(name, "index.html")
	}
	return "", nil, nil, false
}

func isDirIndex(name string) bool { return path.Base(name) == "index.html" }

func (s *site) notFound(w http.ResponseWriter, r *http.Request, p string) {
	var body []byte
	root, err := os.OpenRoot(s.dir)
	if err == nil {
		defer root.Close()
		if langOfPath(p) == httpapi.LangEN {
			body, err = root.ReadFile("en/404.html")
		}
		if body == nil {
			body, err = root.ReadFile("404.html")
		}
	}
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusNotFound)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// cacheControl: fingerprinted assets (name.<64 hex>.ext) never change; the
// rest is revalidated so that HR's edits show at once.
func cacheControl(file string) string {
	base := filepath.Base(file)
	parts := strings.Split(base, ".")
	if len(parts) >= 3 && len(parts[len(parts)-2]) >= 32 && isHex(parts[len(parts)-2]) {
		return "public, max-age=31536000, immutable"
	}
	return "no-cache"
}

func isHex(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}
