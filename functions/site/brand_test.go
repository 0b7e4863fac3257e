package site_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/okaeri/okaeri/functions/brand"
)

// The company the built site publishes for the functions (hugo.toml, the
// one place it is configured) is brand.Sample(), the fallback the
// functions use before the first sync: the two cannot drift apart.
func TestPublishedCompanyIsTheSample(t *testing.T) {
	var docs [][]byte
	for _, p := range []string{"_okaeri/site.json", "en/_okaeri/site.json"} {
		b, err := os.ReadFile(filepath.Join(real.public, p))
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, b)
	}
	site, err := brand.ParseSite(docs...)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(site.Company)
	want, _ := json.Marshal(brand.Sample())
	if string(got) != string(want) {
		t.Fatalf("published company\n got %s\nwant %s (brand.Sample, functions/brand)", got, want)
	}
}

// Every page has a share card: the Open Graph title, description and the
// PNG image (LINE and Slack show no SVG), an absolute URL to a file that
// exists.
func TestEveryPageHasAShareCard(t *testing.T) {
	image := regexp.MustCompile(`<meta property="?og:image"? content="?([^" >]+)`)
	for _, page := range []string{"index.html", "en/index.html", "jobs/index.html", "events/index.html", "about/index.html"} {
		b, err := os.ReadFile(filepath.Join(real.public, page))
		if err != nil {
			t.Fatal(err)
		}
		for _, prop := range []string{"og:title", "og:description", "og:site_name", "twitter:card"} {
			if !regexp.MustCompile(`(property|name)="?` + prop + `"?`).Match(b) {
				t.Errorf("%s: no %s", page, prop)
			}
		}
		m := image.FindSubmatch(b)
		if m == nil {
			t.Errorf("%s: no og:image", page)
			continue
		}
		u := string(m[1])
		if !regexp.MustCompile(`^https?://[^/]+/images/[a-z-]+\.png$`).MatchString(u) {
			t.Errorf("%s: og:image %q is not an absolute PNG URL", page, u)
			continue
		}
		if _, err := os.Stat(filepath.Join(real.public, "images", filepath.Base(u))); err != nil {
			t.Errorf("%s: og:image %s is not in the build: %v", page, u, err)
		}
	}
}
