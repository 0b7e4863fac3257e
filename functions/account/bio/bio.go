// Package bio renders members' bios, Markdown written in the profile form,
// as safe HTML with goldmark, once, when a bio is saved: the HTML is stored
// beside the Markdown (store.Profile.BioHTML) and shown as it is. Only what
// saves profiles links it (account.Config.RenderBio, set by functions/app:
// the accounts function and the okaeri command); goldmark's package init,
// about 0.8 ms, is part of no other function's cold start, the directory's
// included.
package bio

import (
	"bytes"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// bioMarkdown renders members' bios: CommonMark with bare URLs linked, no
// raw HTML (goldmark escapes it unless told otherwise), dangerous URLs
// dropped, and every link marked rel="nofollow ugc" since members wrote
// them. GFM's tables, task lists and strikethrough are left out: bios are a
// few lines, and goldmark's extension package would cost every cold start
// of the accounts Lambda 0.9 ms (docs/aws.md).
var bioMarkdown = sync.OnceValue(func() goldmark.Markdown {
	return goldmark.New(
		goldmark.WithParserOptions(parser.WithASTTransformers(
			util.Prioritized(bareLinks{}, 100),
			util.Prioritized(ugcLinks{}, 200), // after bareLinks: its links get rel too
		)),
	)
})

type ugcLinks struct{}

func (ugcLinks) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n.Kind() {
		case ast.KindLink, ast.KindAutoLink:
			n.SetAttributeString("rel", []byte("nofollow ugc"))
		}
		return ast.WalkContinue, nil
	})
}

// Render turns a bio's Markdown into safe HTML.
func Render(md string) string {
	if strings.TrimSpace(md) == "" {
		return ""
	}
	var b bytes.Buffer
	if err := bioMarkdown().Convert([]byte(md), &b); err != nil {
		return ""
	}
	return b.String()
}
