package site_test

import (
	"bytes"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// contentPage is one Markdown file of content/, read the way HR wrote it.
type contentPage struct {
	rel   string         // slash path below content/, e.g. members/news/x.en.md
	lang  string         // "ja" or "en" (from the .en.md suffix)
	id    string         // file base name without language suffix
	front map[string]any // YAML front matter
	body  string         // Markdown after the front matter
}

// section is the content section a page belongs to, seen through the members
// folder: members/events/x.md is an "events" page.
func (p contentPage) section() string {
	parts := strings.Split(strings.TrimPrefix(p.rel, "members/"), "/")
	if len(parts) < 2 {
		return ""
	}
	return parts[0]
}

// membersOnly reports whether the page lives in the members area.
func (p contentPage) membersOnly() bool { return strings.HasPrefix(p.rel, "members/") }

// isIndex reports whether the page is a list page (_index.md).
func (p contentPage) isIndex() bool { return strings.HasPrefix(path.Base(p.rel), "_index.") }

// outputPath is the HTML file Hugo writes for the page, below the destination:
// its url front matter taken as is, else the path of its file.
func (p contentPage) outputPath() string {
	if u, _ := p.front["url"].(string); strings.Trim(u, "/") != "" {
		return path.Join(strings.Trim(u, "/"), "index.html")
	}
	dir := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(p.rel, ".md"), ".en"), ".ja")
	if p.isIndex() {
		dir = path.Dir(p.rel)
		if dir == "." {
			dir = ""
		}
	}
	if p.lang == "en" {
		dir = path.Join("en", dir)
	}
	return path.Join(dir, "index.html")
}

// title is the page's front matter title.
func (p contentPage) title() string {
	s, _ := p.front["title"].(string)
	return s
}

// readContent reads every Markdown file below dir.
func readContent(t *testing.T, dir string) []contentPage {
	t.Helper()
	var pages []contentPage
	err := filepath.WalkDir(dir, func(file string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && file == filepath.Join(dir, "newsletters") {
			return filepath.SkipDir // emails, never pages: newsletters_test.go
		}
		if err != nil || d.IsDir() || !strings.HasSuffix(file, ".md") {
			return err
		}
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, file)
		if err != nil {
			return err
		}
		p := contentPage{rel: filepath.ToSlash(rel), lang: "ja"}
		base := strings.TrimSuffix(path.Base(p.rel), ".md")
		if strings.HasSuffix(base, ".en") {
			p.lang, base = "en", strings.TrimSuffix(base, ".en")
		}
		base = strings.TrimSuffix(base, ".ja") // x.ja.md, as the CMS names it, is x.md
		p.id = base
		front, body, ok := bytes.Cut(bytes.TrimPrefix(b, []byte("---\n")), []byte("\n---\n"))
		if !ok || !bytes.HasPrefix(b, []byte("---\n")) {
			t.Fatalf("%s: no YAML front matter between --- lines", p.rel)
		}
		if err := yaml.Unmarshal(front, &p.front); err != nil {
			t.Fatalf("%s: front matter: %v", p.rel, err)
		}
		p.body = string(body)
		pages = append(pages, p)
		return nil
	})
	if err != nil {
		t.Fatalf("reading content: %v", err)
	}
	if len(pages) == 0 {
		t.Fatalf("no content in %s", dir)
	}
	return pages
}

// sentences picks distinctive sentences of a Markdown body that survive
// rendering unchanged: one source line at a time (Hugo keeps a soft line break
// as a line break), cut at sentence ends, leaving out anything Markdown,
// the typographer or linkify would rewrite.
func sentences(body string) []string {
	var out []string
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "|") {
			continue
		}
		line = strings.TrimPrefix(line, "- ")
		line = strings.ReplaceAll(line, "。", "。\n")
		line = strings.ReplaceAll(line, ". ", ".\n")
		for _, s := range strings.Split(line, "\n") {
			s = strings.TrimSpace(s)
			if utf8.RuneCountInString(s) < 12 || strings.ContainsAny(s, "*_[]()<>`\"'&@\\") ||
				strings.Contains(s, "--") || strings.Contains(s, "...") || strings.Contains(s, "http") {
				continue
			}
			out = append(out, s)
		}
	}
	return out
}
