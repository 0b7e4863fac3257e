package compose

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/okaeri/okaeri/functions/newsletter"
	"github.com/okaeri/okaeri/functions/store"
)

// Render renders every edition of a newsletter for email: the body as an
// HTML fragment (inline styles, headings from h2, links made absolute with
// baseURL, the portal's public origin) and as plain text. The email's frame
// is newsletter.Render's, at send time.
func Render(n *Newsletter, baseURL string) (store.RenderedNewsletter, error) {
	baseURL = strings.TrimRight(baseURL, "/")
	out := store.RenderedNewsletter{BaseURL: baseURL, Segment: n.Segment, Editions: map[store.Language]store.RenderedEdition{}}
	for lang, ed := range n.Editions {
		html, plain, err := renderBody(ed.Body, lang, baseURL)
		if err != nil {
			return store.RenderedNewsletter{}, fmt.Errorf("render newsletter %s: %w", n.Slug, err)
		}
		out.Editions[lang] = store.RenderedEdition{Title: ed.Title, Subject: ed.Subject, Preheader: ed.Preheader, HTML: html, Text: plain}
	}
	return out, nil
}

// renderBody renders one edition's Markdown as email HTML and plain text.
func renderBody(markdown string, lang store.Language, baseURL string) (html, plain string, err error) {
	src := []byte(markdown)
	// Raw HTML in HR's Markdown stays omitted (goldmark's default; never WithUnsafe).
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM, extension.NewCJK(extension.WithEastAsianLineBreaks(extension.EastAsianLineBreaksSimple))),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(emailTransformer{baseURL: baseURL}, 100))),
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(codeBlockRenderer{}, 100))),
	)
	doc := md.Parser().Parse(text.NewReader(src))
	var body bytes.Buffer
	if err := md.Renderer().Render(&body, src, doc); err != nil {
		return "", "", err
	}
	return body.String(), plainText(doc, src, lang), nil
}

// emailTransformer prepares the Markdown tree for email: headings start at
// h2 (the email's title is the only h1), relative links and images
// become absolute, and every element gets its inline style.
type emailTransformer struct{ baseURL string }

func (t emailTransformer) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	// HR usually starts sections at ## (as on the site); a body that uses #
	// moves down so that its top level is h2.
	top := 6
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if h, ok := n.(*ast.Heading); ok && entering {
			top = min(top, h.Level)
		}
		return ast.WalkContinue, nil
	})
	shift := max(0, 2-top)
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading:
			n.Level = min(n.Level+shift, 6)
			t.style(n, fmt.Sprintf("h%d", min(n.Level, 4)))
		case *ast.Paragraph:
			t.style(n, "p")
		case *ast.Link:
			n.Destination = t.absolute(n.Destination)
			t.style(n, "a")
		case *ast.AutoLink:
			t.style(n, "a")
		case *ast.Image:
			n.Destination = t.absolute(n.Destination)
			t.style(n, "img")
		case *ast.List:
			t.style(n, "ul")
		case *ast.ListItem:
			t.style(n, "li")
		case *ast.Blockquote:
			t.style(n, "blockquote")
		case *ast.ThematicBreak:
			t.style(n, "hr")
		case *ast.CodeSpan:
			t.style(n, "code")
		case *east.Table:
			t.style(n, "table")
			n.SetAttributeString("role", "table")
		case *east.TableCell:
			t.style(n, "cell")
		}
		return ast.WalkContinue, nil
	})
}

// style gives n the email's inline style for element, and the class the
// frame's dark-mode rules know it by.
func (t emailTransformer) style(n ast.Node, element string) {
	style, class := newsletter.BodyStyle(element)
	n.SetAttributeString("style", style)
	if class != "" {
		n.SetAttributeString("class", class)
	}
}

// absolute turns a site-relative link (/events/...) into a full URL:
// an email has no page to be relative to.
func (t emailTransformer) absolute(dest []byte) []byte {
	if len(dest) > 1 && dest[0] == '/' && dest[1] != '/' {
		return append([]byte(t.baseURL), dest...)
	}
	return dest
}

// codeBlockRenderer renders code blocks with inline styles, which
// goldmark's own renderer gives no attributes.
type codeBlockRenderer struct{}

func (codeBlockRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindCodeBlock, renderCode)
	reg.Register(ast.KindFencedCodeBlock, renderCode)
}

func renderCode(w util.BufWriter, src []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	style, _ := newsletter.BodyStyle("pre")
	_, _ = w.WriteString(`<pre style="` + style + `"><code>`)
	lines := n.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		_, _ = w.Write(util.EscapeHTML(seg.Value(src)))
	}
	_, _ = w.WriteString("</code></pre>\n")
	return ast.WalkSkipChildren, nil
}
