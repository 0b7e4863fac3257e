package site_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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

// Every page names its icons: the SVG favicon, the PNG one for browsers
// that show no SVG, and the home-screen icon a phone saves (opaque, as iOS
// fills transparency with black); each is in the build at its size.
func TestEveryPageHasItsIcons(t *testing.T) {
	link := regexp.MustCompile(`<link rel="?(icon|apple-touch-icon)"? href="?([^" >]+)"?([^>]*)>`)
	for _, page := range []string{"index.html", "en/index.html", "jobs/index.html", "login/index.html", "404.html"} {
		b, err := os.ReadFile(filepath.Join(real.public, page))
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]bool{}
		for _, m := range link.FindAllStringSubmatch(string(b), -1) {
			rel, href, attrs := m[1], m[2], m[3]
			f, err := os.Open(filepath.Join(real.public, filepath.FromSlash(strings.TrimPrefix(href, "/"))))
			if err != nil {
				t.Errorf("%s: %s %s is not in the build: %v", page, rel, href, err)
				continue
			}
			switch {
			case strings.HasSuffix(href, ".svg"):
				found["svg"] = true
			case rel == "icon":
				cfg, err := png.DecodeConfig(f)
				if err != nil || !strings.Contains(attrs, fmt.Sprintf("%dx%d", cfg.Width, cfg.Height)) {
					t.Errorf("%s: icon %s is %dx%d (%v), its link says %q", page, href, cfg.Width, cfg.Height, err, attrs)
				}
				found["png"] = true
			default:
				img, err := png.Decode(f)
				if err != nil || img.Bounds().Dx() != 180 || img.Bounds().Dy() != 180 {
					t.Errorf("%s: touch icon %s: %v, want a 180x180 PNG", page, href, err)
				} else if _, _, _, a := img.At(0, 0).RGBA(); a != 0xffff {
					t.Errorf("%s: touch icon %s is transparent at its corner; iOS would show black", page, href)
				}
				found["touch"] = true
			}
			f.Close()
		}
		for _, k := range []string{"svg", "png", "touch"} {
			if !found[k] {
				t.Errorf("%s: no %s icon", page, k)
			}
		}
	}
}

// Each public job and event has a card of its own, drawn at build time
// with its title: a 1200×630 PNG in the build, another for each page and
// language.
func TestJobsAndEventsHaveTheirOwnCard(t *testing.T) {
	image := regexp.MustCompile(`<meta property="?og:image"? content="?([^" >]+)`)
	seen := map[string]string{}
	pages := 0
	for _, section := range []string{"jobs", "events", "en/jobs", "en/events"} {
		dirs, err := os.ReadDir(filepath.Join(real.public, section))
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range dirs {
			page := filepath.Join(section, d.Name(), "index.html")
			b, err := os.ReadFile(filepath.Join(real.public, page))
			if !d.IsDir() || err != nil || !bytes.Contains(b, []byte("og:type")) || bytes.Contains(b, []byte("noindex")) {
				continue // a list page, a filter page or no page
			}
			if !bytes.Contains(b, []byte(`content=article`)) && !bytes.Contains(b, []byte(`content="article"`)) {
				continue
			}
			m := image.FindSubmatch(b)
			if m == nil {
				t.Errorf("%s: no og:image", page)
				continue
			}
			u, err := url.Parse(string(m[1]))
			if err != nil || strings.HasSuffix(u.Path, "/share.png") {
				t.Errorf("%s: og:image %s is not the page's own card", page, m[1])
				continue
			}
			if other, ok := seen[u.Path]; ok {
				t.Errorf("%s and %s share the card %s", page, other, u.Path)
			}
			seen[u.Path] = page
			f, err := os.Open(filepath.Join(real.public, filepath.FromSlash(strings.TrimPrefix(u.Path, "/"))))
			if err != nil {
				t.Errorf("%s: card not in the build: %v", page, err)
				continue
			}
			cfg, err := png.DecodeConfig(f)
			f.Close()
			if err != nil || cfg.Width != 1200 || cfg.Height != 630 {
				t.Errorf("%s: card %s is %dx%d (%v), want a 1200x630 PNG", page, u.Path, cfg.Width, cfg.Height, err)
			}
			pages++
		}
	}
	if pages < 8 {
		t.Errorf("%d job and event pages with a card, want the sample's (at least 8)", pages)
	}
}
