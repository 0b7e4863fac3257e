package compose

import (
	"fmt"
	"strings"

	"github.com/yuin/goldmark/ast"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/util"

	"github.com/okaeri/okaeri/functions/store"
)

// plainText renders the Markdown tree as the body of the email's
// text/plain part: ■ headings, ・ lists, "label (URL)" links, tables as a | b.
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
