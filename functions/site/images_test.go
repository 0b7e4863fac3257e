package site_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Images in page text go through site/layouts/_markup/render-image.html.

var (
	imgTagRE  = regexp.MustCompile(`<img\s[^>]*>`)
	imgAttrRE = regexp.MustCompile(`([a-z-]+)(?:=("[^"]*"|'[^']*'|[^\s"'>]+))?`)
)

// imgTag is one <img>'s attributes, unquoted.
type imgTag map[string]string

// imgTags are the <img> tags of a page whose src starts with prefix.
func imgTags(page, prefix string) []imgTag {
	var tags []imgTag
	for _, m := range imgTagRE.FindAllString(page, -1) {
		tag := imgTag{}
		for _, a := range imgAttrRE.FindAllStringSubmatch(strings.TrimPrefix(m, "<img"), -1) {
			tag[a[1]] = strings.Trim(a[2], `"'`)
		}
		if strings.HasPrefix(tag["src"], prefix) {
			tags = append(tags, tag)
		}
	}
	return tags
}

// candidate is one entry of a srcset.
type candidate struct {
	url   string
	width int
}

// srcset parses "url 480w, url 960w".
func (tag imgTag) srcset(t *testing.T) []candidate {
	t.Helper()
	var cs []candidate
	for _, entry := range strings.Split(tag["srcset"], ",") {
		f := strings.Fields(entry)
		if len(f) != 2 || !strings.HasSuffix(f[1], "w") {
			t.Errorf("srcset entry %q: want \"URL <width>w\"", entry)
			continue
		}
		w, err := strconv.Atoi(strings.TrimSuffix(f[1], "w"))
		if err != nil {
			t.Errorf("srcset entry %q: %v", entry, err)
			continue
		}
		cs = append(cs, candidate{f[0], w})
	}
	return cs
}

// number is an attribute that must be a positive whole number.
func (tag imgTag) number(t *testing.T, name string) int {
	t.Helper()
	n, err := strconv.Atoi(tag[name])
	if err != nil || n <= 0 {
		t.Errorf("img %s=%q: want a positive whole number", name, tag[name])
	}
	return n
}

// webpSize reads a WebP file's width and height from its header (the
// standard library has no WebP decoder): lossy VP8, lossless VP8L or VP8X.
func webpSize(b []byte) (int, int, bool) {
	if len(b) < 30 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return 0, 0, false
	}
	switch string(b[12:16]) {
	case "VP8 ":
		if !bytes.Equal(b[23:26], []byte{0x9d, 0x01, 0x2a}) {
			return 0, 0, false
		}
		return int(binary.LittleEndian.Uint16(b[26:28]) & 0x3fff), int(binary.LittleEndian.Uint16(b[28:30]) & 0x3fff), true
	case "VP8L":
		bits := binary.LittleEndian.Uint32(b[21:25])
		return int(bits&0x3fff) + 1, int(bits>>14&0x3fff) + 1, true
	case "VP8X":
		u24 := func(p []byte) int { return int(p[0]) | int(p[1])<<8 | int(p[2])<<16 }
		return u24(b[24:27]) + 1, u24(b[27:30]) + 1, true
	}
	return 0, 0, false
}

// checkResponsive asserts what the render hook promises for a photo of
// srcW×srcH (as shown): a srcset of files that exist under public and are
// as wide as they say, none wider than the photo, width and height of its
// ratio, lazy loading and alt text. It returns the srcset.
func checkResponsive(t *testing.T, public, page string, tag imgTag, srcW, srcH, minWidths int) []candidate {
	t.Helper()
	set := tag.srcset(t)
	if len(set) < minWidths {
		t.Errorf("%s: srcset %q has %d widths, want at least %d", page, tag["srcset"], len(set), minWidths)
	}
	for i, c := range set {
		if i > 0 && c.width <= set[i-1].width {
			t.Errorf("%s: srcset widths not increasing: %q", page, tag["srcset"])
		}
		if c.width > srcW {
			t.Errorf("%s: srcset offers %dw of a photo %d px wide (upscaled)", page, c.width, srcW)
		}
		b, err := os.ReadFile(filepath.Join(public, filepath.FromSlash(strings.TrimPrefix(c.url, "/"))))
		if err != nil {
			t.Errorf("%s: srcset file %s is not in the build: %v", page, c.url, err)
			continue
		}
		w, h, ok := webpSize(b)
		if !ok {
			t.Errorf("%s: %s is not a WebP file", page, c.url)
			continue
		}
		if w != c.width || abs(w*srcH-h*srcW) > srcW {
			t.Errorf("%s: %s is %dx%d, srcset says %dw of a %dx%d photo", page, c.url, w, h, c.width, srcW, srcH)
		}
	}
	if !slices.ContainsFunc(set, func(c candidate) bool { return c.url == tag["src"] }) {
		t.Errorf("%s: src %s is not one of the srcset", page, tag["src"])
	}
	width, height := tag.number(t, "width"), tag.number(t, "height")
	if len(set) > 0 && width != set[len(set)-1].width {
		t.Errorf("%s: width=%d, want the largest file's %d", page, width, set[len(set)-1].width)
	}
	if abs(width*srcH-height*srcW) > srcW {
		t.Errorf("%s: width=%d height=%d is not the photo's ratio %dx%d", page, width, height, srcW, srcH)
	}
	if tag["loading"] != "lazy" || tag["decoding"] != "async" || tag["sizes"] == "" {
		t.Errorf("%s: want loading=lazy decoding=async and sizes, got %v", page, tag)
	}
	if strings.TrimSpace(tag["alt"]) == "" {
		t.Errorf("%s: img without alt text: %v", page, tag)
	}
	return set
}

func abs(n int) int { return max(n, -n) }

// TestSamplePhotosAreResponsive: the sample content's photos
// (site/assets/media) come out of the real build as responsive WebP images,
// and the originals are not published.
func TestSamplePhotosAreResponsive(t *testing.T) {
	pages := map[string]string{ // built page -> the photo its text shows
		"index.html":                              "office-lounge.jpg",
		"en/index.html":                           "office-lounge.jpg",
		"stories/minami-back-as-em/index.html":    "design-review.jpg",
		"en/stories/minami-back-as-em/index.html": "design-review.jpg",
		"events/homecoming-2026/index.html":       "homecoming-2026.jpg",
		"en/events/homecoming-2026/index.html":    "homecoming-2026.jpg",
	}
	for page, photo := range pages {
		f, err := os.Open(filepath.Join(real.root, "site", "assets", "media", photo))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", photo, err)
		}
		tags := imgTags(readFile(t, real.public, page), "/media/")
		if len(tags) != 1 {
			t.Errorf("%s: want one /media/ image (%s), got %d", page, photo, len(tags))
			continue
		}
		set := checkResponsive(t, real.public, page, tags[0], cfg.Width, cfg.Height, 2)
		stem := strings.TrimSuffix(photo, ".jpg")
		for _, c := range set {
			if !strings.HasPrefix(c.url, "/media/"+stem+"_") {
				t.Errorf("%s: srcset file %s is not made from %s", page, c.url, photo)
			}
		}
	}
	for _, photo := range pages {
		if _, err := os.Stat(filepath.Join(real.public, "media", photo)); err == nil {
			t.Errorf("the original media/%s is published: only its resized copies should be", photo)
		}
	}
}

// testPNG is a w×h PNG with a gradient.
func testPNG(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(176 * x / w), uint8(66 + 100*y/h), 28, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// sidewaysJPEG is a w×h JPEG whose Exif says to turn it a quarter (orientation 6),
// as phones save portrait photos: it is shown h wide and w high.
func sidewaysJPEG(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(255 * x / w), 120, uint8(255 * y / h), 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	// APP1 Exif: a big-endian TIFF header and one IFD entry, Orientation (0x0112) = 6.
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0}
	payload := append([]byte("Exif\x00\x00"), tiff...)
	app1 := append([]byte{0xff, 0xe1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}, payload...)
	jpg := b.Bytes()
	return string(slices.Concat(jpg[:2], app1, jpg[2:]))
}

// TestImageRenderHook builds a small site with every kind of image address
// and checks each <img>.
func TestImageRenderHook(t *testing.T) {
	out, public, err := smallSite(t, smallContent+`
-- content/news/photos.md --
---
title: 写真のお知らせ
date: 2026-05-05
---
![新オフィスのラウンジ](/media/office-lounge.jpg "ラウンジ")

![小さな図](/media/small.png)

![縦向きで撮った写真](/media/sideways.jpg)

![外部の画像](https://example.com/a.png)

![会社のマーク](/media/mark.svg)
-- content/news/bundle/index.md --
---
title: 地図のお知らせ
date: 2026-05-06
---
![会場までの地図](map.png)
-- content/members/news/photo-night.md --
---
title: メンバー限定の写真
date: 2026-05-07
---
![メンバーだけが見られる懇親会の写真](/media/homecoming-2026.jpg)
`, archive{
		"site/assets/media/small.png":    testPNG(t, 300, 200),
		"site/assets/media/sideways.jpg": sidewaysJPEG(t, 400, 200),
		"content/news/bundle/map.png":    testPNG(t, 600, 400),
		"site/assets/media/mark.svg":     `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>`,
	})
	if err != nil {
		t.Fatalf("build failed: %v\n%s", err, out)
	}

	photos := readFile(t, public, "news/photos/index.html")
	media := imgTags(photos, "/media/")
	if len(media) != 4 {
		t.Fatalf("news/photos: want 4 /media/ images, got %v", media)
	}
	if svg := media[3]; svg["src"] != "/media/mark.svg" || svg["alt"] != "会社のマーク" || svg["srcset"] != "" || svg["loading"] != "lazy" {
		t.Errorf("an SVG upload: want it served as it is, with its alt, got %v", svg)
	} else if _, err := os.Stat(filepath.Join(public, "media", "mark.svg")); err != nil {
		t.Errorf("an SVG upload is not published: %v", err)
	}
	lounge := checkResponsive(t, public, "office-lounge.jpg", media[0], 1600, 1067, 3)
	if ws := []int{lounge[0].width, lounge[1].width, lounge[2].width}; !slices.Equal(ws, []int{480, 960, 1440}) {
		t.Errorf("office-lounge.jpg (1600 px): srcset widths %v, want 480, 960, 1440", ws)
	}
	if media[0]["title"] != "ラウンジ" || media[0]["alt"] != "新オフィスのラウンジ" {
		t.Errorf("office-lounge.jpg: want alt and title from the Markdown, got %v", media[0])
	}
	if small := checkResponsive(t, public, "small.png", media[1], 300, 200, 1); len(small) != 1 || small[0].width != 300 {
		t.Errorf("small.png (300 px): srcset %q, want its own width only (never upscaled)", media[1]["srcset"])
	}
	if side := checkResponsive(t, public, "sideways.jpg", media[2], 200, 400, 1); len(side) != 1 || side[0].width != 200 {
		t.Errorf("sideways.jpg (400×200, Exif orientation 6): srcset %q, want 200w, turned upright", media[2]["srcset"])
	}
	if ext := imgTags(photos, "https://"); len(ext) != 1 || ext[0]["src"] != "https://example.com/a.png" || ext[0]["alt"] != "外部の画像" || ext[0]["srcset"] != "" {
		t.Errorf("an image on another site: want it as written, with its alt, got %v", ext)
	}

	bundle := imgTags(readFile(t, public, "news/bundle/index.html"), "/news/bundle/")
	if len(bundle) != 1 {
		t.Fatalf("news/bundle: want the bundle's map.png processed under /news/bundle/, got %v", imgTags(readFile(t, public, "news/bundle/index.html"), ""))
	}
	if set := checkResponsive(t, public, "map.png", bundle[0], 600, 400, 2); len(set) != 2 || set[0].width != 480 || set[1].width != 600 {
		t.Errorf("map.png (600 px): srcset %q, want 480w and 600w", bundle[0]["srcset"])
	}

	// Invariant 3: a members-only page's photo is published only under /members/.
	night := imgTags(readFile(t, public, "members/news/photo-night/index.html"), "")
	if len(night) != 2 { // the logo and the photo
		t.Fatalf("members/news/photo-night: want the logo and the photo, got %v", night)
	}
	for _, c := range checkResponsive(t, public, "members photo", night[1], 1600, 1067, 3) {
		if !strings.HasPrefix(c.url, "/members/media/homecoming-2026_") {
			t.Errorf("a members-only page's photo is published at %s, outside /members/", c.url)
		}
	}
	for _, f := range outputFiles(t, public) {
		if strings.Contains(f.rel, "homecoming-2026") && !inMembersArea(f.rel) {
			t.Errorf("public file %s comes from the members-only page's photo", f.rel)
		}
	}
}

// TestImageRenderHookStopsTheBuild: an image that is not there, or has no
// alt text, or is in a format browsers do not show, fails the build naming
// the page and the file.
func TestImageRenderHookStopsTheBuild(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string
	}{
		{"not in the media folder", "![会場の写真](/media/none.jpg)",
			[]string{"news/x.md: image /media/none.jpg not found", "site/assets/media/none.jpg"}},
		{"no alt text", "![](/media/office-lounge.jpg)",
			[]string{"news/x.md: image /media/office-lounge.jpg needs alt text"}},
		{"not an image", "![資料](/media/notes.pdf)",
			[]string{"news/x.md: image /media/notes.pdf is a pdf file"}},
		{"a relative file the page does not have", "![会場までの地図](map.png)",
			[]string{"news/x.md: image map.png not found: put the file beside the page"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, _, err := smallSite(t, smallContent+"-- content/news/x.md --\n---\ntitle: 画像のお知らせ\ndate: 2026-05-05\n---\n"+c.text+"\n",
				archive{"site/assets/media/notes.pdf": "%PDF-1.4\n"})
			if err == nil {
				t.Fatalf("build succeeded, want it to fail saying %q\n%s", c.want, out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("build output should say %q:\n%s", w, out)
				}
			}
		})
	}
}
