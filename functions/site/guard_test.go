package site_test

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// archive is a tiny site as txtar-style text: "-- path --" lines start files.
type archive map[string]string

// parseArchive splits txtar-style text into files (golang.org/x/tools/txtar
// is not a dependency; the format is simple enough).
func parseArchive(text string) archive {
	files := make(archive)
	name := ""
	for _, line := range strings.SplitAfter(text, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			name = strings.TrimSpace(trimmed[3 : len(trimmed)-3])
			files[name] = ""
			continue
		}
		if name != "" {
			files[name] += line
		}
	}
	return files
}

// smallSite writes the real site/ project and its members area's _index
// files next to the given content into a temp dir and builds it. It returns
// Hugo's output, the destination and the build error. Extra files (images,
// which a txtar text cannot hold) are written as they are.
func smallSite(t *testing.T, content string, extra ...archive) (string, string, error) {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{"hugo.toml", "layouts", "i18n", "assets"} {
		if err := os.CopyFS(filepath.Join(dir, "site", sub), os.DirFS(filepath.Join(real.root, "site", sub))); err != nil && sub != "hugo.toml" {
			t.Fatalf("copying site/%s: %v", sub, err)
		}
	}
	// hugo.toml is a file; CopyFS copies folders.
	cfg, err := os.ReadFile(filepath.Join(real.root, "site", "hugo.toml"))
	if err != nil {
		t.Fatal(err)
	}
	files := parseArchive(content)
	for _, x := range extra {
		maps.Copy(files, x)
	}
	files["site/hugo.toml"] = string(cfg)
	for _, idx := range []string{"_index.md", "_index.en.md"} {
		b, err := os.ReadFile(filepath.Join(real.root, "content", "members", idx))
		if err != nil {
			t.Fatal(err)
		}
		files["content/members/"+idx] = string(b)
	}
	for name, text := range files {
		file := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dest := filepath.Join(dir, "public")
	out, err := hugoBuild(context.Background(), real.root, filepath.Join(dir, "site"), dest)
	return out, dest, err
}

const smallContent = `
-- content/_index.md --
---
title: おかえりなさい
---
-- content/news/_index.md --
---
title: お知らせ
---
-- content/news/hello.md --
---
title: 公開のお知らせ
date: 2026-05-01
---
だれでも読めるお知らせの本文です。
-- content/members/news/secret.md --
---
title: 社内限定の決算速報
date: 2026-05-02
---
この文章はメンバーだけが読める決算速報の本文です。
-- content/members/events/dinner.md --
---
title: メンバー限定の夕食会
date: 2026-05-03
start: 2027-01-10T19:00:00+09:00
end: 2027-01-10T21:00:00+09:00
location: 渋谷
capacity: 12
---
夕食会の案内文はメンバーだけのものです。
`

// TestSmallSiteKeepsMembersPageInside: a members-only page added to a tiny
// site is built under /members/ and is in the catalog, and none of its text
// is anywhere else.
func TestSmallSiteKeepsMembersPageInside(t *testing.T) {
	out, public, err := smallSite(t, smallContent)
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, out)
	}
	readFile(t, public, "members/news/secret/index.html")
	readFile(t, public, "news/hello/index.html")
	for _, f := range outputFiles(t, public) {
		for _, s := range []string{"社内限定の決算速報", "メンバーだけが読める決算速報", "メンバー限定の夕食会", "夕食会の案内文"} {
			if strings.Contains(searchable(f.text), s) && !inMembersArea(f.rel) {
				t.Errorf("public file %s carries %q", f.rel, s)
			}
		}
	}
	items := readCatalog(t, public)
	if len(items) != 1 {
		t.Fatalf("catalog: want the one event, got %+v", items)
	}
	ev := items[0]
	if ev.ID != "dinner" || ev.Visibility != "members" || ev.Capacity != 12 || ev.RSVPDeadline != nil ||
		ev.GuestsAllowed == nil || *ev.GuestsAllowed != 0 || ev.Online == nil || *ev.Online {
		t.Errorf("catalog entry with defaults: got %+v", ev)
	}
}

// TestBuildFailsOnMisplacedVisibility: the Hugo guard stops the build and
// names the file when visibility and folder disagree, either way round.
func TestBuildFailsOnMisplacedVisibility(t *testing.T) {
	cases := []struct {
		name, file, page, want string
	}{
		{"members page outside members/", "content/news/leak.md",
			"---\ntitle: 外に置かれた限定記事\ndate: 2026-05-04\nvisibility: members\n---\n本文。\n",
			"members-only pages belong under content/members/"},
		{"public page inside members/", "content/members/jobs/open.md",
			"---\ntitle: 公開と書かれた求人\ndate: 2026-05-04\nvisibility: public\nemployment_type: rehire\ndepartment: 人事部\nlocation: 東京\ncloses: 2027-01-31\n---\n本文。\n",
			"must not say visibility: public"},
		{"unknown visibility", "content/news/typo.md",
			"---\ntitle: 綴りの違う公開範囲\ndate: 2026-05-04\nvisibility: member\n---\n本文。\n",
			"unknown visibility"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := smallSite(t, smallContent+"-- "+c.file+" --\n"+c.page)
			if err == nil {
				t.Fatalf("build succeeded, want it to fail naming %s\n%s", c.file, out)
			}
			named := strings.TrimPrefix(c.file, "content/")
			if !strings.Contains(out, named) || !strings.Contains(out, c.want) {
				t.Errorf("build output should name %s and say %q:\n%s", named, c.want, out)
			}
		})
	}
}
