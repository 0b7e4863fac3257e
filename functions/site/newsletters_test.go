package site_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestNewslettersNeverPublished: content/newsletters/ is email, not pages.
// Its _index.md keeps Hugo from writing any of it, so no output file of the
// site, public or members-only, carries a newsletter's title, subject,
// preheader or a sentence of its text, and no output path names it.
func TestNewslettersNeverPublished(t *testing.T) {
	var markers []marker
	for _, p := range readContent(t, filepath.Join(real.root, "content", "newsletters")) {
		rel := "newsletters/" + p.rel
		if p.isIndex() {
			continue
		}
		for _, key := range []string{"title", "subject", "preheader"} {
			if v, _ := p.front[key].(string); v != "" {
				markers = append(markers, marker{v, rel + " " + key})
			}
		}
		for _, s := range sentences(p.body) {
			markers = append(markers, marker{s, rel + " text"})
		}
	}
	if len(markers) < 10 {
		t.Fatalf("only %d newsletter markers: the sample newsletter should give more", len(markers))
	}
	files := outputFiles(t, real.public)
	for _, f := range files {
		if strings.Contains(f.rel, "newsletters/") {
			t.Errorf("the site wrote %s", f.rel)
		}
		text := searchable(f.text)
		for _, m := range markers {
			if strings.Contains(text, m.text) {
				t.Errorf("%s carries newsletter text from %s: %q", f.rel, m.from, m.text)
			}
		}
	}
	t.Logf("%d newsletter markers searched in %d files", len(markers), len(files))
}
