package browsertest

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// sitePages lists the URL path of every HTML page in the built site
// ("/", "/news/", "/en/about/", "/404.html" ...), sorted. Two kinds are kept
// apart: the members-only pages, which the server answers with a redirect to
// login until there is a session, and Hugo's alias pages (such as /ja/), whose
// only content is a <meta http-equiv="refresh"> to the real page.
func sitePages(t *testing.T) (public, members, aliases []string) {
	t.Helper()
	err := filepath.WalkDir(suite.siteDir, func(file string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(d.Name(), ".html") {
			return nil
		}
		rel, err := filepath.Rel(suite.siteDir, file)
		if err != nil {
			return err
		}
		p := "/" + filepath.ToSlash(rel)
		if path.Base(p) == "index.html" {
			p = strings.TrimSuffix(p, "index.html")
		}
		switch isAlias, err := redirectOnly(file); {
		case err != nil:
			return err
		case membersOnly(p):
			members = append(members, p)
		case isAlias:
			aliases = append(aliases, p)
		default:
			public = append(public, p)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("list the pages of %s: %v", suite.siteDir, err)
	}
	slices.Sort(public)
	slices.Sort(members)
	slices.Sort(aliases)
	if len(public) == 0 {
		t.Fatalf("no HTML page in %s", suite.siteDir)
	}
	return public, members, aliases
}

// metaRefresh finds the redirect of Hugo's alias pages, minified or not.
var metaRefresh = regexp.MustCompile(`(?i)<meta\s[^>]*http-equiv=["']?refresh`)

// redirectOnly reports whether the page is an alias: a meta refresh and no body.
func redirectOnly(file string) (bool, error) {
	html, err := os.ReadFile(file)
	if err != nil {
		return false, err
	}
	return metaRefresh.Match(html) && !bytes.Contains(bytes.ToLower(html), []byte("<body")), nil
}

// membersOnly mirrors the server's gate: /members/ and /en/members/.
func membersOnly(p string) bool {
	return strings.HasPrefix(p, "/members/") || strings.HasPrefix(p, "/en/members/")
}

// translation is the English URL path of a Japanese page: "/about/" -> "/en/about/".
func translation(jaPath string) string { return "/en" + jaPath }

// translatedPages lists the Japanese pages of the site that have an English
// page at the same path under /en/, leaving out the home page.
func translatedPages(t *testing.T) []string {
	t.Helper()
	public, _, _ := sitePages(t)
	var out []string
	for _, p := range public {
		if p == "/" || strings.HasPrefix(p, "/en/") || !strings.HasSuffix(p, "/") {
			continue
		}
		if _, err := os.Stat(filepath.Join(suite.siteDir, filepath.FromSlash(translation(p)), "index.html")); err == nil {
			out = append(out, p)
		}
	}
	return out
}
