package content

import (
	"bytes"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/text"
)

// Images in a page's text, ![alt text](/media/photo.jpg). HR uploads them
// through Decap CMS, which keeps them in site/assets/media (its media_folder)
// and writes them as /media/<file> (its public_folder); the site's image
// render hook (site/layouts/_markup/render-image.html) turns each into a
// responsive <img> and stops the build at an image it cannot find. The
// check reports the same problems earlier, at the file and line HR edits.

// mediaPrefix is how an upload's address starts in Markdown.
const mediaPrefix = "/media/"

// imageFormats are the file types the site can show, by extension: JPEG,
// PNG and WebP are resized, GIF and SVG are served as they are.
var imageFormats = []string{".jpg", ".jpeg", ".png", ".webp", ".gif", ".svg"}

// MediaDir is the folder the /media/ images of a content folder are in:
// site/assets/media beside it, where site/hugo.toml (contentDir =
// "../content") and the CMS put them.
func MediaDir(contentDir string) string {
	return filepath.Join(contentDir, "..", "site", "assets", "media")
}

// markdown parses page text as Hugo does for images: CommonMark with GitHub's
// tables, footnotes and definition lists, whose cells and notes may hold images.
var markdown = goldmark.New(goldmark.WithExtensions(extension.GFM, extension.Footnote, extension.DefinitionList))

// checkImages reports the images in a file's text that have no alt text, or
// that point under /media/ at a file the media folder does not have.
func (f *file) checkImages(contentDir string, src []byte) {
	lines := bytes.SplitAfter(src, []byte("\n"))
	first := f.fm.body
	if first > len(lines) {
		return // nothing after the front matter
	}
	body := bytes.Join(lines[first-1:], nil)
	doc := markdown.Parser().Parse(text.NewReader(body))
	media := MediaDir(contentDir)
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		img, ok := n.(*ast.Image)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		line := first
		if pos := img.Pos(); pos >= 0 {
			line += bytes.Count(body[:pos], []byte("\n"))
		}
		dest := string(img.Destination)
		if strings.TrimSpace(plainText(img, body)) == "" {
			f.reportf(line, "image %s needs alt text: describe what it shows between ![ and ]", dest)
		}
		if p, ok := mediaPath(dest); ok {
			f.checkMediaFile(line, dest, media, p)
		}
		return ast.WalkSkipChildren, nil
	})
}

// checkMediaFile reports an upload that is not in the media folder, or not in a format browsers show.
func (f *file) checkMediaFile(line int, dest, media, name string) {
	if name == "" {
		f.reportf(line, "image %s is outside %s: write an upload's address as /media/ and its file name", dest, media)
		return
	}
	file := filepath.Join(media, filepath.FromSlash(name))
	if info, err := os.Stat(file); err != nil || !info.Mode().IsRegular() {
		f.reportf(line, "image %s not found: upload it in the CMS, or add the file %s", dest, file)
		return
	}
	switch ext := strings.ToLower(path.Ext(name)); {
	case ext == "":
		f.reportf(line, "image %s has no file extension: save it as JPEG, PNG or WebP (.jpg, .png, .webp) and upload that", dest)
	case !slices.Contains(imageFormats, ext):
		f.reportf(line, "image %s is a %s file, which not every browser shows: save it as JPEG, PNG or WebP and upload that", dest, ext[1:])
	}
}

// mediaPath is the file name below the media folder that a local /media/
// address points at, "" when it climbs out (/media/../x.jpg), as the render
// hook reads it.
func mediaPath(dest string) (string, bool) {
	u, err := url.Parse(dest)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, mediaPrefix) {
		return "", false
	}
	name, inside := strings.CutPrefix(path.Clean(u.Path), mediaPrefix)
	if !inside {
		return "", true
	}
	return name, true
}

// plainText is an image's description without its Markdown, as Hugo's
// .PlainText gives it to the render hook for the alt attribute.
func plainText(n ast.Node, src []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch t := c.(type) {
		case *ast.Text:
			b.Write(t.Segment.Value(src))
		case *ast.String:
			b.Write(t.Value)
		}
		return ast.WalkContinue, nil
	})
	return b.String()
}
