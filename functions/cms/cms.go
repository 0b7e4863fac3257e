// Package cms puts Decap CMS at /admin/ for HR: the page that loads it,
// its configuration made from the content schema (content.Schema), and,
// on one machine, the way to Decap's local backend (decap-server), which
// writes the Markdown in content/.
//
// Decisions worth knowing:
//   - Only HR: every route needs a session of one of HR's administrators
//     (the member record's role, never a field of the request). A visitor
//     is sent to the login page and back; a member who is not HR gets 403.
//   - Decap's own files are public and static (/cms/decap/, published with
//     the site from the pinned npm package, scripts/decap); the page, its
//     configuration and the backend are not.
//   - The local backend can write any file of the repository it is given,
//     so the proxy forwards only the actions Decap's proxy backend uses and
//     only for paths under content/ and the media folder.
//   - /admin/ has its own Content-Security-Policy (AdminCSP): Decap needs
//     inline styles, eval and blob: frames that the rest of the portal
//     refuses.
package cms

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// Sessions is what the CMS needs from accounts: who is asking and whether
// they are one of HR's administrators.
type Sessions interface {
	Authenticate(r *http.Request) (store.Member, store.Session, bool)
	IsAdmin(m store.Member) bool
}

// AdminCSP is /admin/'s Content-Security-Policy. Decap CMS (React with
// CSS-in-JS, a WebAssembly image decoder, previews in frames) needs inline
// styles, eval and blob: frames and workers; scripts still come only from
// the portal, and the only other origin is GitHub's API (the AWS backend).
const AdminCSP = "default-src 'self'; script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data: blob: https://avatars.githubusercontent.com https://raw.githubusercontent.com; font-src 'self' data:; " +
	"connect-src 'self' https://api.github.com; frame-src 'self' blob:; child-src 'self' blob:; worker-src 'self' blob:; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"

// Assets is where Decap CMS's files and Okaeri's preview script are
// published with the site (site/static/cms/).
const Assets = "/cms/"

// Handler serves /admin/.
type Handler struct {
	Accounts Sessions
	Log      *slog.Logger
	Backend  Backend
	// SiteURL is the portal's public address (the preview's links).
	SiteURL string
	// Portal names the portal in the page title, in a language.
	Portal func(r *http.Request, lang string) string
	// Logo is the company's logo on the site, for the CMS's login screen.
	Logo func(r *http.Request) string
	// LocalBackend is decap-server's address (http://127.0.0.1:port) when
	// Backend.Local is set.
	LocalBackend string
	// Status reports the last rebuild after a save (okaeri serve --dev);
	// nil when nothing rebuilds here.
	Status func() Status
	// Client reaches the local backend; nil means a client with a timeout.
	Client *http.Client
}

// Status is what happened to the last change saved in the CMS.
type Status struct {
	// Updated is when the site was last rebuilt from content/ (zero before).
	Updated time.Time `json:"updated"`
	// Problems are content check's, each with file and line, when the
	// last save did not pass (the site then keeps its previous build).
	Problems []string `json:"problems"`
	// Building is true while a rebuild runs.
	Building bool `json:"building"`
}

// Routes lists the CMS's routes.
func (h Handler) Routes() map[string]http.Handler {
	routes := map[string]http.Handler{
		"GET /admin/{$}":         h.admin(h.page),
		"GET /admin":             http.RedirectHandler("/admin/", http.StatusMovedPermanently),
		"GET /admin/config.yml":  h.admin(h.config),
		"GET /admin/status.json": h.admin(h.status),
	}
	if h.Backend.Local {
		routes["POST "+ProxyPath] = h.admin(h.proxy)
	}
	return routes
}

type memberHandler func(w http.ResponseWriter, r *http.Request, m store.Member)

// admin requires one of HR's sessions; the page opened without one leads
// to the login page and back.
func (h Handler) admin(next memberHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", AdminCSP)
		w.Header().Set("Cross-Origin-Opener-Policy", AdminCOOP) // keeps the GitHub login popup's window.opener (oauth.go)
		w.Header().Set("Cache-Control", "no-store")
		m, _, ok := h.Accounts.Authenticate(r)
		lang := httpapi.Lang(r)
		page := r.Method == http.MethodGet && r.URL.Path == "/admin/"
		if !ok {
			if page {
				http.Redirect(w, r, httpapi.PathIn(lang, "/login/")+"?next="+url.QueryEscape("/admin/"), http.StatusSeeOther)
				return
			}
			httpapi.WriteError(w, r, h.Log, httpapi.Errorf(httpapi.EUNAUTHORIZED, "login_required"))
			return
		}
		if !h.Accounts.IsAdmin(m) {
			if page {
				w.Header().Set("Content-Security-Policy", httpapi.ContentSecurityPolicy)
				httpapi.WriteFormError(w, r, httpapi.Errorf(httpapi.EFORBIDDEN, "admin_only"), httpapi.PathIn(string(m.Language), "/members/"))
				return
			}
			httpapi.WriteError(w, r, h.Log, httpapi.Errorf(httpapi.EFORBIDDEN, "admin_only"))
			return
		}
		next(w, r, m)
	})
}

// memberLang is the language HR reads the CMS in: their own.
func memberLang(m store.Member) string {
	if m.Language == store.LanguageEn {
		return httpapi.LangEN
	}
	return httpapi.LangJA
}

var pageTemplate = template.Must(template.New("admin").Parse(`<!doctype html>
<html lang="{{.Lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.Title}}</title>
{{if .Logo}}<link rel="icon" href="{{.Logo}}" type="image/svg+xml">{{end}}
<link href="/admin/config.yml" type="text/yaml" rel="cms-config-url">
</head>
<body>
<script src="{{.Assets}}decap/decap-cms.js"></script>
<script src="{{.Assets}}okaeri-cms.js" data-lang="{{.Lang}}"></script>
</body>
</html>
`))

func (h Handler) page(w http.ResponseWriter, r *http.Request, m store.Member) {
	lang := memberLang(m)
	title := [2]string{"コンテンツの編集", "Edit the portal"}[index(lang)]
	if h.Portal != nil {
		if p := h.Portal(r, lang); p != "" {
			title += " | " + p
		}
	}
	var b bytes.Buffer
	logo := ""
	if h.Logo != nil {
		logo = h.Logo(r)
	}
	if err := pageTemplate.Execute(&b, map[string]string{"Lang": lang, "Title": title, "Assets": Assets, "Logo": logo}); err != nil {
		httpapi.WriteError(w, r, h.Log, httpapi.Internal(err))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

func index(lang string) int {
	if lang == httpapi.LangEN {
		return 1
	}
	return 0
}

func (h Handler) config(w http.ResponseWriter, r *http.Request, m store.Member) {
	logo := ""
	if h.Logo != nil {
		logo = h.Logo(r)
	}
	b, err := Config(h.Backend, h.SiteURL, memberLang(m), logo)
	if err != nil {
		httpapi.WriteError(w, r, h.Log, httpapi.Internal(err))
		return
	}
	w.Header().Set("Content-Type", "text/yaml; charset=utf-8")
	_, _ = w.Write(b)
}

func (h Handler) status(w http.ResponseWriter, r *http.Request, _ store.Member) {
	s := Status{Problems: []string{}}
	if h.Status != nil {
		s = h.Status()
		if s.Problems == nil {
			s.Problems = []string{}
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s)
}

// maxRequest bounds what the CMS may send in one request: an entry or an
// uploaded image, base64-encoded.
const maxRequest = 20 << 20

// proxyActions are the local backend's actions Decap's proxy backend uses
// in the simple publish mode (decap-server's fs mode knows no others).
var proxyActions = map[string]bool{
	"info": true, "entriesByFolder": true, "entriesByFiles": true, "getEntry": true, "persistEntry": true,
	"getMedia": true, "getMediaFile": true, "persistMedia": true, "deleteFile": true, "deleteFiles": true,
	"getDeployPreview": true,
}

// proxy forwards one request of the CMS to the local backend, if every path
// it names is under content/ or the media folder.
func (h Handler) proxy(w http.ResponseWriter, r *http.Request, _ store.Member) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequest))
	if err != nil {
		httpapi.WriteError(w, r, h.Log, httpapi.Errorf(httpapi.EINVALID, "too_large"))
		return
	}
	var req struct {
		Action string          `json:"action"`
		Params json.RawMessage `json:"params"`
	}
	if err := json.Unmarshal(body, &req); err != nil || !proxyActions[req.Action] {
		httpapi.WriteError(w, r, h.Log, httpapi.Invalid(httpapi.FieldError{Field: "action", Code: "invalid"}))
		return
	}
	if err := allowedPaths(req.Params); err != nil {
		h.Log.Warn("cms: refused a path outside the content", "action", req.Action, "err", err)
		httpapi.WriteError(w, r, h.Log, httpapi.Errorf(httpapi.EFORBIDDEN, "admin_only"))
		return
	}
	client := h.Client
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	out, err := http.NewRequestWithContext(r.Context(), http.MethodPost, strings.TrimSuffix(h.LocalBackend, "/")+"/api/v1", bytes.NewReader(body))
	if err != nil {
		httpapi.WriteError(w, r, h.Log, httpapi.Internal(err))
		return
	}
	out.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(out)
	if err != nil {
		httpapi.WriteError(w, r, h.Log, httpapi.Internal(fmt.Errorf("cms: the local backend (decap-server) does not answer: %w", err)))
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", "application/json")
	if req.Action == "entriesByFolder" && resp.StatusCode == http.StatusOK {
		// A section's own page (_index.md, _index.en.md) is the list's
		// title and introduction, not one of its entries: Decap would show
		// it as one.
		var entries []map[string]any
		if err := json.NewDecoder(io.LimitReader(resp.Body, 256<<20)).Decode(&entries); err != nil {
			httpapi.WriteError(w, r, h.Log, httpapi.Internal(fmt.Errorf("cms: the local backend's list: %w", err)))
			return
		}
		kept := entries[:0]
		for _, e := range entries {
			file, _ := e["file"].(map[string]any)
			if p, _ := file["path"].(string); !strings.HasPrefix(path.Base(p), "_index.") {
				kept = append(kept, e)
			}
		}
		_ = json.NewEncoder(w).Encode(kept)
		return
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// allowedPaths checks every path a request names: each must be relative,
// clean and under content/ or the media folder.
func allowedPaths(params json.RawMessage) error {
	if len(params) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(params, &v); err != nil {
		return err
	}
	var bad error
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				walk(k, c)
			}
		case []any:
			for _, c := range x {
				walk(key, c)
			}
		case string:
			switch key {
			case "path", "newPath", "folder", "mediaFolder", "paths":
				if err := allowedPath(x); err != nil && bad == nil {
					bad = err
				}
			}
		}
	}
	walk("", v)
	return bad
}

func allowedPath(p string) error {
	clean := path.Clean(p)
	if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, "\\") || clean != strings.TrimSuffix(p, "/") || strings.HasPrefix(clean, "..") {
		return fmt.Errorf("path %q is not a clean relative path", p)
	}
	for _, root := range []string{ContentDir, MediaFolder} {
		if clean == root || strings.HasPrefix(clean, root+"/") {
			return nil
		}
	}
	return fmt.Errorf("path %q is outside %s and %s", p, ContentDir, MediaFolder)
}
