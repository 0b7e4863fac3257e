package bio

import (
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// bareLinks turns bare http:// and https:// URLs in a bio into links, as
// GitHub does, and also where Japanese text runs straight into the URL
// ("詳しくはhttps://…"), which GFM's linkify leaves alone. goldmark's own
// linkify lives in its extension package, whose package init compiles
// regular expressions that cost every cold start of the accounts Lambda
// about 0.9 ms; this transformer scans the parsed text instead.
type bareLinks struct{}

// Transform implements parser.ASTTransformer.
func (bareLinks) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	src := reader.Source()
	var parents []ast.Node
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindLink, ast.KindAutoLink, ast.KindImage, ast.KindCodeSpan, ast.KindRawHTML:
			return ast.WalkSkipChildren, nil
		case ast.KindText:
			if p := n.Parent(); len(parents) == 0 || parents[len(parents)-1] != p {
				parents = append(parents, p)
			}
		}
		return ast.WalkContinue, nil
	})
	for _, p := range parents {
		linkifyChildren(p, src)
	}
}

// linkifyChildren links the URLs in each run of parent's text children.
// The parser splits text at punctuation ("_", "&", "*"), so a URL may span
// several Text nodes: a run is Text nodes whose source is contiguous.
func linkifyChildren(parent ast.Node, src []byte) {
	var run []*ast.Text
	flush := func() {
		if len(run) > 0 {
			linkifyRun(parent, run, src)
		}
		run = run[:0]
	}
	for c := parent.FirstChild(); c != nil; {
		next := c.NextSibling()
		t, ok := c.(*ast.Text)
		switch {
		case !ok || t.IsRaw():
			flush()
		case len(run) > 0 && (run[len(run)-1].Segment.Stop != t.Segment.Start || run[len(run)-1].SoftLineBreak() || run[len(run)-1].HardLineBreak()):
			flush()
			run = append(run, t)
		default:
			run = append(run, t)
		}
		c = next
	}
	flush()
}

// linkifyRun replaces run with text and autolink nodes if it holds a URL.
func linkifyRun(parent ast.Node, run []*ast.Text, src []byte) {
	first, last := run[0], run[len(run)-1]
	start, stop := first.Segment.Start, last.Segment.Stop
	var nodes []ast.Node
	textFrom := start
	for i := start; i < stop; i++ {
		if src[i] != 'h' || (i > 0 && (isASCIIAlnum(src[i-1]) || src[i-1] == '/' || src[i-1] == '.')) {
			continue
		}
		n := bareURLLength(src[i:stop])
		if n == 0 {
			continue
		}
		if textFrom < i {
			nodes = append(nodes, ast.NewTextSegment(text.NewSegment(textFrom, i)))
		}
		nodes = append(nodes, ast.NewAutoLink(ast.AutoLinkURL, ast.NewTextSegment(text.NewSegment(i, i+n))))
		i += n - 1
		textFrom = i + 1
	}
	if len(nodes) == 0 {
		return
	}
	tail := ast.NewTextSegment(text.NewSegment(textFrom, stop))
	tail.SetSoftLineBreak(last.SoftLineBreak())
	tail.SetHardLineBreak(last.HardLineBreak())
	if textFrom < stop || last.SoftLineBreak() || last.HardLineBreak() {
		nodes = append(nodes, tail)
	}
	for _, n := range nodes {
		parent.InsertBefore(parent, first, n)
	}
	for _, t := range run {
		parent.RemoveChild(parent, t)
	}
}

// bareURLLength is the length of the URL at the start of s, or 0. A URL is
// "http://" or "https://", a host, and then printable ASCII up to a space,
// a quote, < or >, or the first non-ASCII character (Japanese text often
// follows a URL without a space). Trailing punctuation and a closing
// parenthesis without its opening one stay text, as in GFM.
func bareURLLength(s []byte) int {
	var rest int
	switch {
	case hasPrefix(s, "https://"):
		rest = len("https://")
	case hasPrefix(s, "http://"):
		rest = len("http://")
	default:
		return 0
	}
	end := rest
	for end < len(s) && s[end] > ' ' && s[end] < 0x7f && s[end] != '<' && s[end] != '>' && s[end] != '"' && s[end] != '`' {
		end++
	}
	for end > rest {
		c := s[end-1]
		if c == '.' || c == ',' || c == ':' || c == ';' || c == '!' || c == '?' || c == '*' || c == '_' || c == '~' || c == '\'' {
			end--
			continue
		}
		if c == ')' && count(s[:end], '(') < count(s[:end], ')') {
			end--
			continue
		}
		break
	}
	// The host must start with a letter or digit and hold a dot.
	host := s[rest:end]
	if len(host) == 0 || !isASCIIAlnum(host[0]) {
		return 0
	}
	for i, c := range host {
		if c == '/' || c == '?' || c == '#' {
			host = host[:i]
			break
		}
	}
	if count(host, '.') == 0 {
		return 0
	}
	return end
}

func hasPrefix(s []byte, p string) bool { return len(s) >= len(p) && string(s[:len(p)]) == p }

func count(s []byte, c byte) int {
	n := 0
	for _, b := range s {
		if b == c {
			n++
		}
	}
	return n
}

func isASCIIAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
