package bio

import (
	"strings"
	"testing"
)

func TestBioIsSafeHTML(t *testing.T) {
	for md, want := range map[string]string{
		"[site](https://example.com)":        `<a href="https://example.com" rel="nofollow ugc">site</a>`,
		"https://example.org/x":              `rel="nofollow ugc"`,
		"<script>alert(1)</script>":          "<!-- raw HTML omitted -->",
		"[x](javascript:alert(1))":           `<a href="" rel="nofollow ugc">x</a>`,
		"<img src=x onerror=alert(1)> hello": "<!-- raw HTML omitted -->",
		// Bare URLs become links, as on GitHub, up to Japanese text or
		// trailing punctuation.
		"詳しくはhttps://example.jp/a_b?x=1&y=2を。": `<a href="https://example.jp/a_b?x=1&amp;y=2" rel="nofollow ugc">https://example.jp/a_b?x=1&amp;y=2</a>を`,
		"See https://example.com/x.":           `<a href="https://example.com/x" rel="nofollow ugc">https://example.com/x</a>.`,
		"(https://example.com/wiki/A_(b))":     `(<a href="https://example.com/wiki/A_(b)" rel="nofollow ugc">https://example.com/wiki/A_(b)</a>)`,
		"**https://example.com**":              `<strong><a href="https://example.com" rel="nofollow ugc">https://example.com</a></strong>`,
	} {
		got := Render(md)
		if !strings.Contains(got, want) || strings.Contains(got, "<script") || strings.Contains(got, "onerror") {
			t.Errorf("%q -> %q, want %q", md, got, want)
		}
	}
}

func TestBioLeavesNonURLsAlone(t *testing.T) {
	for _, md := range []string{
		"xhttps://example.com", "https://localhost", "http://", "`https://example.com`",
		"[https://a.example.com](https://b.example.com)",
	} {
		got := Render(md)
		if n := strings.Count(got, "<a "); n > 1 || (n == 1 && !strings.Contains(md, "](")) {
			t.Errorf("%q -> %q: linked what it should not", md, got)
		}
	}
	if got := Render("[https://a.example.com](https://b.example.com)"); !strings.Contains(got, `href="https://b.example.com"`) {
		t.Errorf("a link whose text is a URL lost its own target: %q", got)
	}
}
