package cms

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/okaeri/okaeri/functions/content/schema"
	"github.com/okaeri/okaeri/functions/store"
)

// The configuration has a collection per section and members-only folder
// and one file per fixed page, each with exactly the schema's fields:
// required as the schema says, shared fields duplicated into English.
func TestConfigFollowsSchema(t *testing.T) {
	b, err := Config(Backend{Local: true}, "http://localhost:8080/", "ja", "/images/logo.svg")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Backend     map[string]any `yaml:"backend"`
		I18n        map[string]any `yaml:"i18n"`
		Collections []struct {
			Name   string           `yaml:"name"`
			Folder string           `yaml:"folder"`
			Fields []map[string]any `yaml:"fields"`
			Files  []struct {
				Name   string           `yaml:"name"`
				File   string           `yaml:"file"`
				Fields []map[string]any `yaml:"fields"`
			} `yaml:"files"`
		} `yaml:"collections"`
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("config.yml: %v\n%s", err, b)
	}
	if cfg.Backend["name"] != "proxy" || cfg.Backend["proxy_url"] != ProxyPath || cfg.I18n["structure"] != "multiple_files" {
		t.Errorf("backend %v, i18n %v", cfg.Backend, cfg.I18n)
	}
	fieldsOf := map[string][]map[string]any{}
	folders := map[string]string{}
	for _, c := range cfg.Collections {
		fieldsOf[c.Name], folders[c.Name] = c.Fields, c.Folder
		for _, f := range c.Files {
			fieldsOf[f.Name], folders[f.Name] = f.Fields, f.File
		}
	}
	for _, k := range schema.Schema {
		names := []string{k.Name}
		if k.Members {
			names = append(names, CollectionName(k, true))
		}
		for _, name := range names {
			got, ok := fieldsOf[name]
			if !ok {
				t.Errorf("no collection %s", name)
				continue
			}
			if k.Section != "" && strings.HasPrefix(name, "members_") != strings.Contains(folders[name], "/members/") {
				t.Errorf("%s saves in %s", name, folders[name])
			}
			if len(got) != len(k.Fields) {
				t.Errorf("%s: %d fields, the schema has %d", name, len(got), len(k.Fields))
				continue
			}
			for i, f := range k.Fields {
				g := got[i]
				if g["name"] != f.Name || g["required"] != f.Required {
					t.Errorf("%s field %d: %v, want %s required=%v", name, i, g, f.Name, f.Required)
				}
				want := any(true)
				switch {
				case f.Widget == schema.WidgetSegment:
					want = false
				case f.Shared:
					want = "duplicate"
				}
				if g["i18n"] != want {
					t.Errorf("%s.%s: i18n %v, want %v", name, f.Name, g["i18n"], want)
				}
			}
		}
	}
	if _, err := Config(Backend{}, "https://alumni.example.co.jp/", "ja", ""); err == nil {
		t.Error("a GitHub backend without a repository was configured")
	}
	gh, err := Config(Backend{Repo: "hikari/alumni", BaseURL: "https://alumni.example.co.jp/"}, "https://alumni.example.co.jp/", "en", "")
	if err != nil || !strings.Contains(string(gh), "editorial_workflow") || !strings.Contains(string(gh), "auth_endpoint: "+AuthEndpoint) {
		t.Errorf("GitHub backend: %v\n%s", err, gh)
	}
}

func TestAllowedPaths(t *testing.T) {
	for p, ok := range map[string]bool{
		"content/news/x.ja.md":     true,
		"content":                  true,
		"site/assets/media/a.jpg":  true,
		"Makefile":                 false,
		"content/../Makefile":      false,
		"/etc/passwd":              false,
		"site/layouts/single.html": false,
		"contents/x.md":            false,
		"content\\..\\Makefile":    false,
		"":                         false,
	} {
		if err := allowedPath(p); (err == nil) != ok {
			t.Errorf("allowedPath(%q) = %v, want allowed=%v", p, err, ok)
		}
	}
	bad := json.RawMessage(`{"branch":"main","dataFiles":[{"path":"content/news/a.ja.md","raw":"x","slug":"a"},{"path":"functions/x.go","raw":"x","slug":"a"}]}`)
	if allowedPaths(bad) == nil {
		t.Error("a persistEntry with one file outside content/ was allowed")
	}
}

type sessions struct{ m *store.Member }

func (s sessions) Authenticate(*http.Request) (store.Member, store.Session, bool) {
	if s.m == nil {
		return store.Member{}, store.Session{}, false
	}
	return *s.m, store.Session{}, true
}
func (s sessions) IsAdmin(m store.Member) bool { return slices.Contains(m.Roles, store.RoleHR) }

// The proxy forwards HR's requests, drops the sections' own pages from
// lists, and forwards nothing for anyone else.
func TestProxy(t *testing.T) {
	var got []string
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, string(b))
		_, _ = io.WriteString(w, `[{"data":"a","file":{"path":"content/news/_index.en.md"}},{"data":"b","file":{"path":"content/news/x.ja.md"}}]`)
	}))
	defer backend.Close()
	hr := &store.Member{ID: "hr", Roles: []store.Role{store.RoleHR}}
	member := &store.Member{ID: "m"}
	for _, c := range []struct {
		who  *store.Member
		body string
		code int
	}{
		{nil, `{"action":"entriesByFolder","params":{"branch":"main","folder":"content/news","extension":"md","depth":1}}`, 401},
		{member, `{"action":"entriesByFolder","params":{"branch":"main","folder":"content/news","extension":"md","depth":1}}`, 403},
		{hr, `{"action":"entriesByFolder","params":{"branch":"main","folder":"site/layouts","extension":"md","depth":1}}`, 403},
		{hr, `{"action":"unpublishedEntries","params":{"branch":"main"}}`, 400},
		{hr, `{"action":"entriesByFolder","params":{"branch":"main","folder":"content/news","extension":"md","depth":1}}`, 200},
	} {
		got = nil
		h := Handler{Accounts: sessions{c.who}, Log: slog.New(slog.DiscardHandler), Backend: Backend{Local: true}, LocalBackend: backend.URL}
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, ProxyPath, strings.NewReader(c.body))
		h.Routes()["POST "+ProxyPath].ServeHTTP(rec, req)
		if rec.Code != c.code {
			t.Errorf("%v %s: %d, want %d", c.who, c.body, rec.Code, c.code)
		}
		if c.code != 200 && len(got) > 0 {
			t.Errorf("%s was forwarded: %v", c.body, got)
		}
		if c.code == 200 && (strings.Contains(rec.Body.String(), "_index") || !strings.Contains(rec.Body.String(), "x.ja.md")) {
			t.Errorf("the list: %s", rec.Body.String())
		}
		if csp := rec.Header().Get("Content-Security-Policy"); csp != AdminCSP {
			t.Errorf("CSP %q", csp)
		}
	}
}
