package site_test

import (
	"html"
	"path/filepath"
	"strings"
	"testing"
)

// marker is a piece of members-only text and where it came from.
type marker struct {
	text string
	from string // content file and what part of it
}

// TestMembersOnlyNeverPublic is invariant 3 over the real build: the title,
// description and body sentences of every page under content/members/ occur
// in no output file outside /members/ and /en/members/, and each occurs at
// least once inside them (so the search itself is proven to find them).
func TestMembersOnlyNeverPublic(t *testing.T) {
	var markers []marker
	for _, p := range readContent(t, filepath.Join(real.root, "content", "members")) {
		p.rel = "members/" + p.rel
		// The area's own title ("メンバー限定ページ", "Members area") may be
		// named on public pages; what it says, and every page below it, may not.
		if !p.isIndex() {
			markers = append(markers, marker{p.title(), p.rel + " title"})
			if d, _ := p.front["description"].(string); d != "" {
				markers = append(markers, marker{d, p.rel + " description"})
			}
		}
		body := sentences(p.body)
		if len(body) == 0 {
			t.Errorf("%s: no sentence of its text could be picked to search for", p.rel)
		}
		for _, s := range body {
			markers = append(markers, marker{s, p.rel + " text"})
		}
	}
	if len(markers) < 20 {
		t.Fatalf("only %d members-only markers: the sample content should have more", len(markers))
	}

	files := outputFiles(t, real.public)
	inside := make(map[string]int)
	publicFiles := 0
	for _, f := range files {
		text := searchable(f.text)
		members := inMembersArea(f.rel)
		if !members {
			publicFiles++
		}
		for _, m := range markers {
			if !strings.Contains(text, m.text) {
				continue
			}
			if members {
				inside[m.text]++
			} else {
				t.Errorf("public file %s carries members-only text from %s: %q", f.rel, m.from, m.text)
			}
		}
	}
	for _, m := range markers {
		if inside[m.text] == 0 {
			t.Errorf("members-only text from %s not found in any /members/ file (is the search broken?): %q", m.from, m.text)
		}
	}
	t.Logf("%d markers searched in %d files (%d public)", len(markers), len(files), publicFiles)
}

// TestNoPublicLinkToMembersPages: no public file names the URL of a members-only page.
func TestNoPublicLinkToMembersPages(t *testing.T) {
	var urls []string
	for _, p := range readContent(t, filepath.Join(real.root, "content", "members")) {
		if p.isIndex() {
			continue
		}
		p.rel = "members/" + p.rel
		urls = append(urls, "/"+strings.TrimSuffix(p.outputPath(), "index.html"))
	}
	for _, f := range outputFiles(t, real.public) {
		if inMembersArea(f.rel) {
			continue
		}
		for _, u := range urls {
			if strings.Contains(f.text, u) {
				t.Errorf("public file %s links to members-only page %s", f.rel, u)
			}
		}
	}
}

// searchable undoes the escaping HTML, XML and JSON output applies, so text
// is found however a template printed it.
func searchable(s string) string {
	s = strings.NewReplacer(`\u0026`, "&", `\u003c`, "<", `\u003e`, ">", `\"`, `"`, `\/`, "/").Replace(s)
	return html.UnescapeString(s)
}
