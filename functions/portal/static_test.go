package portal_test

import (
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/portal"
)

// The static server serves the built site and nothing beside it: no
// dotfile or dot folder, and no symbolic link that leads out of --site.
func TestStaticServerStaysInTheSite(t *testing.T) {
	files := map[string]string{
		".git/config":        "[remote] url = https://token@example.invalid/",
		".env":               "SENDGRID_API_KEY=SG.secret",
		"news/.DS_Store":     "junk",
		"news/.hidden/a.txt": "hidden",
		"about/index.html":   `<html lang="ja">私たちについて</html>`,
	}
	for k, v := range miniSite {
		files[k] = v
	}
	dir := writeSite(t, files)
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("OUTSIDE SECRET"), 0o644); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"passwd":          "/etc/passwd",
		"secret.txt":      outside,
		"news/up.txt":     "../../" + filepath.Base(filepath.Dir(outside)) + "/secret.txt",
		"escape":          filepath.Dir(outside), // a folder outside
		"about-us":        "about",               // inside: fine
		"news/about.html": "../about/index.html", // inside: fine
	} {
		if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	h, err := portal.New(portal.Config{SiteDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		want int
		body string
	}{
		{"/news/", 200, "お知らせ"},
		{"/about-us/", 200, "私たちについて"},
		{"/news/about.html", 200, "私たちについて"},
		{"/.git/config", 404, ""},
		{"/.git/", 404, ""},
		{"/.env", 404, ""},
		{"/news/.DS_Store", 404, ""},
		{"/news/.hidden/a.txt", 404, ""},
		{"/%2egit/config", 404, ""},
		{"/passwd", 404, ""},
		{"/secret.txt", 404, ""},
		{"/news/up.txt", 404, ""},
		{"/escape/secret.txt", 404, ""},
		{"/escape/", 404, ""},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != c.want {
			t.Errorf("%s: %d, want %d", c.path, rec.Code, c.want)
		}
		for _, leak := range []string{"root:", "token@", "SG.secret", "OUTSIDE SECRET", "hidden", "junk"} {
			if strings.Contains(string(body), leak) {
				t.Errorf("%s leaked %q", c.path, leak)
			}
		}
		if c.want == 404 && !strings.Contains(string(body), "ページが見つかりません") {
			t.Errorf("%s: not the site's 404 page: %q", c.path, body)
		}
		if c.body != "" && !strings.Contains(string(body), c.body) {
			t.Errorf("%s: %q", c.path, body)
		}
	}
}
