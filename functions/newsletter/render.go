package newsletter

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"

	"github.com/okaeri/okaeri/functions/store"
)

// Placeholders in a rendered Email, filled per recipient (by SendGrid's
// substitutions, or by mail.Bulk.Expand for the outbox). The HTML ones take
// HTML-escaped values.
const (
	KeyName            = "[[okaeri:name]]"
	KeyNameHTML        = "[[okaeri:name:html]]"
	KeyUnsubscribe     = "[[okaeri:unsubscribe]]"
	KeyUnsubscribeHTML = "[[okaeri:unsubscribe:html]]"
)

// Email is a newsletter rendered in one language, with placeholders for
// each recipient's name and unsubscribe link.
type Email struct {
	Lang      store.Language
	Subject   string
	Preheader string
	HTML      string
	Text      string
}

// RenderConfig is what rendering needs besides the newsletter.
type RenderConfig struct {
	BaseURL string // the portal's origin: relative links become absolute
	Sender  string // the sender's name, shown in the footer
}

// Email colours: WCAG AA contrast on their backgrounds in both schemes.
const (
	colorText      = "#1f2328" // on #ffffff: 15.8:1
	colorMuted     = "#57606a" // on #ffffff: 6.4:1
	colorLink      = "#0b57d0" // on #ffffff: 6.6:1
	colorPage      = "#f3f4f6"
	colorCard      = "#ffffff"
	colorRule      = "#d0d7de"
	fontFamily     = `-apple-system, BlinkMacSystemFont, 'Hiragino Sans', 'Hiragino Kaku Gothic ProN', Meiryo, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif`
	paragraphStyle = "margin:0 0 16px 0;font-size:16px;line-height:1.8;color:" + colorText + ";"
)

// styles are the inline styles each element of the body gets: inline,
// because Gmail and Outlook drop or ignore much of a <style> block.
var styles = map[string]string{
	"h2":         "margin:32px 0 12px 0;font-size:22px;line-height:1.4;font-weight:bold;color:" + colorText + ";",
	"h3":         "margin:28px 0 10px 0;font-size:19px;line-height:1.4;font-weight:bold;color:" + colorText + ";",
	"h4":         "margin:24px 0 8px 0;font-size:17px;line-height:1.5;font-weight:bold;color:" + colorText + ";",
	"p":          paragraphStyle,
	"a":          "color:" + colorLink + ";text-decoration:underline;",
	"ul":         "margin:0 0 16px 0;padding:0 0 0 24px;",
	"li":         "margin:0 0 8px 0;font-size:16px;line-height:1.8;color:" + colorText + ";",
	"blockquote": "margin:0 0 16px 0;padding:4px 0 4px 16px;border-left:4px solid " + colorRule + ";color:" + colorMuted + ";",
	"img":        "display:block;max-width:100%;height:auto;border:0;margin:0 0 16px 0;",
	"hr":         "border:0;border-top:1px solid " + colorRule + ";margin:24px 0;",
	"code":       "font-family:Menlo,Consolas,monospace;font-size:14px;background-color:#eff1f3;padding:2px 4px;border-radius:3px;",
	"pre":        "margin:0 0 16px 0;padding:12px;background-color:#eff1f3;border-radius:4px;overflow-x:auto;font-family:Menlo,Consolas,monospace;font-size:14px;line-height:1.5;white-space:pre-wrap;",
	"table":      "border-collapse:collapse;margin:0 0 16px 0;width:100%;",
	"cell":       "border:1px solid " + colorRule + ";padding:6px 10px;font-size:15px;line-height:1.6;text-align:left;color:" + colorText + ";",
}

// classes let the dark-mode rules in the head override the inline colours.
var classes = map[string]string{"h2": "ok-text", "h3": "ok-text", "h4": "ok-text", "p": "ok-text", "li": "ok-text", "a": "ok-link", "cell": "ok-text", "blockquote": "ok-muted"}

// Render renders a newsletter's edition for lang (Japanese if there is no
// translation): the subject, an HTML email and its plain-text part.
func Render(n *Newsletter, lang store.Language, cfg RenderConfig) (Email, error) {
	lang, ed := n.Edition(lang)
	src := []byte(ed.Body)
	// Raw HTML in HR's Markdown stays omitted (goldmark's default; never WithUnsafe).
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM, extension.NewCJK(extension.WithEastAsianLineBreaks(extension.EastAsianLineBreaksSimple))),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(emailTransformer{baseURL: strings.TrimRight(cfg.BaseURL, "/")}, 100))),
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(codeBlockRenderer{}, 100))),
	)
	doc := md.Parser().Parse(text.NewReader(src))
	var body bytes.Buffer
	if err := md.Renderer().Render(&body, src, doc); err != nil {
		return Email{}, fmt.Errorf("render newsletter %s: %w", n.Slug, err)
	}
	w := words[lang]
	page := emailPage{
		Lang: string(lang), Subject: ed.Subject, Preheader: ed.Preheader, Title: ed.Title,
		Greeting: template.HTML(fmt.Sprintf(w.greeting, KeyNameHTML)), Body: template.HTML(body.String()),
		Why: w.why, Unsubscribe: w.unsubscribe, Preferences: w.preferences,
		UnsubscribeURL: template.URL(KeyUnsubscribeHTML), PreferencesURL: preferencesURL(cfg.BaseURL, lang),
		Sender: cfg.Sender, Portal: strings.TrimRight(cfg.BaseURL, "/") + "/",
		Styles: cssMap(styles), Colors: map[string]string{"text": colorText, "muted": colorMuted, "link": colorLink, "page": colorPage, "card": colorCard, "rule": colorRule},
		Font:     template.CSS(fontFamily),
		MSOHead:  `<!--[if mso]><noscript><xml><o:OfficeDocumentSettings><o:PixelsPerInch>96</o:PixelsPerInch></o:OfficeDocumentSettings></xml></noscript><![endif]-->`,
		MSOOpen:  `<!--[if mso]><table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->`,
		MSOClose: `<!--[if mso]></td></tr></table><![endif]-->`,
	}
	var out bytes.Buffer
	if err := emailTemplate().Execute(&out, page); err != nil {
		return Email{}, fmt.Errorf("render newsletter %s: %w", n.Slug, err)
	}
	plain := plainText(doc, src, lang)
	var t strings.Builder
	fmt.Fprintf(&t, w.greeting+"\n\n", KeyName)
	t.WriteString(plain)
	t.WriteString("\n\n――――――――――\n")
	t.WriteString(w.why + "\n")
	fmt.Fprintf(&t, "%s: %s\n", w.unsubscribe, KeyUnsubscribe)
	fmt.Fprintf(&t, "%s: %s\n", w.preferences, page.PreferencesURL)
	fmt.Fprintf(&t, "%s %s\n", cfg.Sender, page.Portal)
	return Email{Lang: lang, Subject: ed.Subject, Preheader: ed.Preheader, HTML: out.String(), Text: t.String()}, nil
}

// preferencesURL is the member's email settings page in their language.
func preferencesURL(base string, lang store.Language) string {
	base = strings.TrimRight(base, "/")
	if lang == store.LanguageEn {
		return base + "/en/members/profile/"
	}
	return base + "/members/profile/"
}

// words are the email's own texts, Japanese first.
var words = map[store.Language]struct{ greeting, why, unsubscribe, preferences string }{
	store.LanguageJa: {
		greeting:    "%s 様",
		why:         "このメールは、アルムナイネットワークにご登録いただき、ニュースレターの受け取りに同意された方にお送りしています。",
		unsubscribe: "配信停止",
		preferences: "メール設定の変更",
	},
	store.LanguageEn: {
		greeting:    "Dear %s,",
		why:         "You receive this email because you joined the alumni network and agreed to receive its newsletter.",
		unsubscribe: "Unsubscribe",
		preferences: "Email preferences",
	},
}

type emailPage struct {
	Lang, Subject, Preheader, Title string
	Greeting, Body                  template.HTML
	Why, Unsubscribe, Preferences   string
	UnsubscribeURL                  template.URL
	PreferencesURL, Sender, Portal  string
	Font                            template.CSS
	Styles                          map[string]template.CSS
	Colors                          map[string]string
	MSOHead, MSOOpen, MSOClose      template.HTML // Outlook's conditional comments, which html/template would drop
}

// cssMap marks the package's own fixed styles as safe CSS for the template.
func cssMap(m map[string]string) map[string]template.CSS {
	out := make(map[string]template.CSS, len(m))
	for k, v := range m {
		out[k] = template.CSS(v)
	}
	return out
}

// emailTemplate() is the frame around the body: tables for Outlook's Word
// engine (with an MSO-only fixed width), 600px wide on large screens and
// full width on phones, light colours inline and dark ones in a
// prefers-color-scheme block (plus Outlook.com's [data-ogsc] hooks),
// lang and role="article" for screen readers, presentation tables.
var emailTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("email").Parse(`<!DOCTYPE html>
<html lang="{{.Lang}}" dir="ltr" xmlns="http://www.w3.org/1999/xhtml" xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="x-apple-disable-message-reformatting">
<meta name="color-scheme" content="light dark">
<meta name="supported-color-schemes" content="light dark">
<title>{{.Subject}}</title>
{{.MSOHead}}
<style>
:root { color-scheme: light dark; supported-color-schemes: light dark; }
body { margin: 0; padding: 0; -webkit-text-size-adjust: 100%; -ms-text-size-adjust: 100%; }
a { color: {{index .Colors "link"}}; }
@media (max-width: 620px) {
  .ok-card { width: 100% !important; }
  .ok-pad { padding: 20px 16px !important; }
}
@media (prefers-color-scheme: dark) {
  .ok-page { background-color: #121212 !important; }
  .ok-card { background-color: #1e1e1e !important; }
  .ok-text, .ok-text p, .ok-text li { color: #e6e6e6 !important; }
  .ok-muted { color: #b4b4b4 !important; }
  .ok-link { color: #8ab4f8 !important; }
  .ok-rule { border-color: #3a3a3a !important; }
}
[data-ogsc] .ok-text { color: #e6e6e6 !important; }
[data-ogsc] .ok-muted { color: #b4b4b4 !important; }
[data-ogsc] .ok-link { color: #8ab4f8 !important; }
[data-ogsb] .ok-page { background-color: #121212 !important; }
[data-ogsb] .ok-card { background-color: #1e1e1e !important; }
</style>
</head>
<body class="ok-page" style="margin:0;padding:0;background-color:{{index .Colors "page"}};">
<div role="article" aria-roledescription="email" aria-label="{{.Subject}}" lang="{{.Lang}}" dir="ltr" style="font-family:{{.Font}};">
{{- if .Preheader}}
<div style="display:none;max-height:0;max-width:0;overflow:hidden;mso-hide:all;font-size:1px;line-height:1px;color:{{index .Colors "page"}};opacity:0;">{{.Preheader}}&#8199;&#847;&#8199;&#847;&#8199;&#847;&#8199;&#847;&#8199;&#847;&#8199;&#847;&#8199;&#847;&#8199;&#847;&#8199;&#847;&#8199;&#847;&#8199;&#847;&#8199;&#847;</div>
{{- end}}
<table role="presentation" class="ok-page" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:{{index .Colors "page"}};">
<tr><td align="center" style="padding:24px 8px;">
{{.MSOOpen}}
<table role="presentation" class="ok-card" width="600" cellpadding="0" cellspacing="0" border="0" style="width:600px;max-width:600px;background-color:{{index .Colors "card"}};border-radius:8px;">
<tr><td class="ok-pad ok-text" style="padding:32px 40px;font-family:{{.Font}};color:{{index .Colors "text"}};">
<h1 class="ok-text" style="margin:0 0 24px 0;font-size:26px;line-height:1.4;font-weight:bold;color:{{index .Colors "text"}};">{{.Title}}</h1>
<p class="ok-text" style="{{index .Styles "p"}}">{{.Greeting}}</p>
{{.Body}}
</td></tr>
<tr><td class="ok-pad ok-muted ok-rule" style="padding:24px 40px 32px 40px;border-top:1px solid {{index .Colors "rule"}};font-family:{{.Font}};font-size:13px;line-height:1.7;color:{{index .Colors "muted"}};">
<p class="ok-muted" style="margin:0 0 12px 0;font-size:13px;line-height:1.7;color:{{index .Colors "muted"}};">{{.Why}}</p>
<p class="ok-muted" style="margin:0 0 12px 0;font-size:13px;line-height:1.7;color:{{index .Colors "muted"}};"><a class="ok-link" clicktracking="off" href="{{.UnsubscribeURL}}" style="{{index .Styles "a"}}">{{.Unsubscribe}}</a> &nbsp;|&nbsp; <a class="ok-link" href="{{.PreferencesURL}}" style="{{index .Styles "a"}}">{{.Preferences}}</a></p>
<p class="ok-muted" style="margin:0;font-size:13px;line-height:1.7;color:{{index .Colors "muted"}};">{{.Sender}} &nbsp;<a class="ok-link" href="{{.Portal}}" style="{{index .Styles "a"}}">{{.Portal}}</a></p>
</td></tr>
</table>
{{.MSOClose}}
</td></tr>
</table>
</div>
</body>
</html>
`))
})

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

func (t emailTransformer) style(n ast.Node, name string) {
	n.SetAttributeString("style", styles[name])
	if c, ok := classes[name]; ok {
		n.SetAttributeString("class", c)
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
	_, _ = w.WriteString(`<pre style="` + styles["pre"] + `"><code>`)
	lines := n.Lines()
	for i := range lines.Len() {
		seg := lines.At(i)
		_, _ = w.Write(util.EscapeHTML(seg.Value(src)))
	}
	_, _ = w.WriteString("</code></pre>\n")
	return ast.WalkSkipChildren, nil
}

// plainText renders the Markdown tree as the email's text/plain part.
func plainText(doc ast.Node, src []byte, lang store.Language) string {
	p := &textPrinter{src: src, bullet: "・"}
	if lang == store.LanguageEn {
		p.bullet = "- "
	}
	p.blocks(doc, "")
	return strings.TrimSpace(p.b.String())
}

type textPrinter struct {
	src    []byte
	bullet string
	b      strings.Builder
}

// blocks prints n's block children, separated by blank lines, each line prefixed.
func (p *textPrinter) blocks(n ast.Node, prefix string) {
	first := true
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		out := p.block(c, prefix)
		if out == "" {
			continue
		}
		if !first {
			p.b.WriteString(prefix + "\n")
		}
		first = false
		p.b.WriteString(out)
	}
}

func (p *textPrinter) block(n ast.Node, prefix string) string {
	lines := func(s string) string {
		var b strings.Builder
		for _, l := range strings.Split(s, "\n") {
			b.WriteString(prefix + l + "\n")
		}
		return b.String()
	}
	switch n := n.(type) {
	case *ast.Heading:
		return lines("■ " + p.inline(n))
	case *ast.Paragraph, *ast.TextBlock:
		return lines(p.inline(n))
	case *ast.ThematicBreak:
		return lines("――――――――――")
	case *ast.CodeBlock, *ast.FencedCodeBlock:
		var b strings.Builder
		ls := n.Lines()
		for i := range ls.Len() {
			seg := ls.At(i)
			b.WriteString(prefix + "    " + strings.TrimRight(string(seg.Value(p.src)), "\n") + "\n")
		}
		return b.String()
	case *ast.Blockquote:
		sub := &textPrinter{src: p.src, bullet: p.bullet}
		sub.blocks(n, prefix+"> ")
		return sub.b.String()
	case *ast.List:
		var b strings.Builder
		i := n.Start
		for item := n.FirstChild(); item != nil; item = item.NextSibling() {
			marker := p.bullet
			if n.IsOrdered() {
				marker = fmt.Sprintf("%d. ", i)
				i++
			}
			sub := &textPrinter{src: p.src, bullet: p.bullet}
			sub.blocks(item, "")
			itemLines := strings.Split(strings.TrimRight(sub.b.String(), "\n"), "\n")
			for j, l := range itemLines {
				if j == 0 {
					b.WriteString(prefix + marker + l + "\n")
				} else {
					b.WriteString(prefix + strings.Repeat(" ", len([]rune(marker))) + l + "\n")
				}
			}
		}
		return b.String()
	case *east.Table:
		var b strings.Builder
		for row := n.FirstChild(); row != nil; row = row.NextSibling() {
			var cells []string
			for cell := row.FirstChild(); cell != nil; cell = cell.NextSibling() {
				cells = append(cells, p.inline(cell))
			}
			b.WriteString(prefix + strings.Join(cells, " | ") + "\n")
		}
		return b.String()
	}
	return "" // raw HTML and anything unknown stay out
}

// inline prints n's inline children as text.
func (p *textPrinter) inline(n ast.Node) string {
	var b strings.Builder
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *ast.Text:
			b.Write(util.UnescapePunctuations(util.ResolveEntityNames(util.ResolveNumericReferences(c.Segment.Value(p.src)))))
			if c.HardLineBreak() || c.SoftLineBreak() {
				b.WriteString("\n")
			}
		case *ast.String:
			b.Write(c.Value)
		case *ast.CodeSpan:
			b.WriteString(p.inline(c))
		case *ast.Link:
			label := p.inline(c)
			dest := string(c.Destination)
			if label == "" || label == dest {
				b.WriteString(dest)
			} else {
				b.WriteString(label + " (" + dest + ")")
			}
		case *ast.AutoLink:
			b.Write(c.URL(p.src))
		case *ast.Image:
			if alt := p.inline(c); alt != "" {
				b.WriteString("[" + alt + "]")
			}
		case *ast.RawHTML:
		case *east.TaskCheckBox:
			if c.IsChecked {
				b.WriteString("[x] ")
			} else {
				b.WriteString("[ ] ")
			}
		default:
			b.WriteString(p.inline(c))
		}
	}
	return strings.TrimRight(b.String(), "\n")
}
