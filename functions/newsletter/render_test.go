package newsletter_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/newsletter"
	"github.com/okaeri/okaeri/functions/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const testContent = "testdata/content"

var renderConfig = newsletter.RenderConfig{BaseURL: "https://alumni.example.co.jp", Sender: "アルムナイ事務局"}

// TestRenderGolden keeps the rendered email byte for byte: a change to the
// template or the styles shows up as a diff to review (go test -update).
func TestRenderGolden(t *testing.T) {
	n, _, err := newsletter.Load(testContent, "autumn-2026")
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []store.Language{store.LanguageJa, store.LanguageEn} {
		e, err := newsletter.Render(n, lang, renderConfig)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "autumn-2026."+string(lang)+".html", e.HTML)
		golden(t, "autumn-2026."+string(lang)+".txt", "Subject: "+e.Subject+"\nPreheader: "+e.Preheader+"\n\n"+e.Text)
	}
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d (go test -update to accept):\n got %q\nwant %q", path, i+1, g, w)
			}
		}
	}
}

// TestRenderEmail checks what the golden files cannot say on their own.
func TestRenderEmail(t *testing.T) {
	n, _, err := newsletter.Load(testContent, "autumn-2026")
	if err != nil {
		t.Fatal(err)
	}
	ja, err := newsletter.Render(n, store.LanguageJa, renderConfig)
	if err != nil {
		t.Fatal(err)
	}
	must := func(what, s string, subs ...string) {
		t.Helper()
		for _, sub := range subs {
			if !strings.Contains(s, sub) {
				t.Errorf("%s lacks %q", what, sub)
			}
		}
	}
	must("HTML", ja.HTML,
		`<html lang="ja"`, `role="article"`, `aria-label="【アルムナイ通信】`, `role="presentation"`,
		`name="color-scheme" content="light dark"`, `@media (prefers-color-scheme: dark)`, `@media (max-width: 620px)`, `<!--[if mso]>`,
		newsletter.KeyNameHTML+` 様`, `href="`+newsletter.KeyUnsubscribeHTML+`"`, `clicktracking="off"`,
		`href="https://alumni.example.co.jp/members/profile/"`,
		`href="https://alumni.example.co.jp/events/homecoming-2026/"`, // relative links made absolute
		`<h1 `, `<h2 style="`, `<table style="border-collapse`, `<strong>ホームカミングデー</strong>`,
		`10月17日（土）15時から、新オフィスの8階ラウンジで`, // CJK: no stray space at the line break
	)
	if strings.Count(ja.HTML, "<h1") != 1 {
		t.Errorf("the email has %d h1 elements, want exactly 1", strings.Count(ja.HTML, "<h1"))
	}
	must("text", ja.Text, newsletter.KeyName+" 様", "配信停止: "+newsletter.KeyUnsubscribe,
		"メール設定の変更: https://alumni.example.co.jp/members/profile/", "■ ホームカミングデー2026",
		"・15:00 開場・受付", "参加を申し込む (https://alumni.example.co.jp/events/homecoming-2026/)",
		"バックエンドエンジニア | 再入社 | 11月30日", "> 「戻ってきて")
	if strings.Contains(ja.Text, "<") || strings.Contains(ja.Text, "**") {
		t.Errorf("the text part carries markup:\n%s", ja.Text)
	}

	en, err := newsletter.Render(n, store.LanguageEn, renderConfig)
	if err != nil {
		t.Fatal(err)
	}
	must("English HTML", en.HTML, `<html lang="en"`, "Dear "+newsletter.KeyNameHTML+",", "Unsubscribe", "/en/members/profile/")
	if en.Subject != "[Alumni News] Autumn: Homecoming Day and new openings" {
		t.Errorf("English subject %q", en.Subject)
	}
}

// TestRenderIsSafe: HR's Markdown cannot put raw HTML or script URLs into the email.
func TestRenderIsSafe(t *testing.T) {
	n, err := newsletter.Parse("x", map[string]string{"ja": "---\ntitle: t\nsubject: s\n---\n<script>alert(1)</script>\n\n[click](javascript:alert(1))\n\n<img src=x onerror=alert(1)>\n"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := newsletter.Render(n, store.LanguageJa, renderConfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "javascript:", "onerror"} {
		if strings.Contains(e.HTML, bad) {
			t.Errorf("rendered HTML contains %q", bad)
		}
	}
}

func TestParseRejects(t *testing.T) {
	cases := []struct {
		name    string
		sources map[string]string
		want    string
	}{
		{"no subject", map[string]string{"ja": "---\ntitle: t\n---\n本文\n"}, "subject is required"},
		{"no body", map[string]string{"ja": "---\ntitle: t\nsubject: s\n---\n"}, "no text"},
		{"unknown field", map[string]string{"ja": "---\ntitle: t\nsubjet: s\n---\n本文\n"}, "subjet"},
		{"bad segment language", map[string]string{"ja": "---\ntitle: t\nsubject: s\nsegment:\n  language: fr\n---\n本文\n"}, "segment.language"},
		{"bad left_from", map[string]string{"ja": "---\ntitle: t\nsubject: s\nsegment:\n  left_from: 2015/04\n---\n本文\n"}, "left_from"},
		{"left_from after left_to", map[string]string{"ja": "---\ntitle: t\nsubject: s\nsegment:\n  left_from: \"2020\"\n  left_to: \"2019-12\"\n---\n本文\n"}, "after"},
		{"bad open_to", map[string]string{"ja": "---\ntitle: t\nsubject: s\nsegment:\n  open_to: [golf]\n---\n本文\n"}, "golf"},
		{"english only", map[string]string{"en": "---\ntitle: t\nsubject: s\n---\nbody\n"}, "Japanese first"},
		{"translation changes the segment", map[string]string{
			"ja": "---\ntitle: t\nsubject: s\nsegment:\n  language: ja\n---\n本文\n",
			"en": "---\ntitle: t\nsubject: s\nsegment:\n  language: en\n---\nbody\n"}, "segment and send_at"},
		{"draft", map[string]string{"ja": "---\ntitle: t\nsubject: s\ndraft: true\n---\n本文\n"}, "draft"},
		{"two-line subject", map[string]string{"ja": "---\ntitle: t\nsubject: |\n  a\n  b\n---\n本文\n"}, "one line"},
		{"no front matter", map[string]string{"ja": "本文\n"}, "front matter"},
	}
	for _, c := range cases {
		_, err := newsletter.Parse("x", c.sources)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	n, err := newsletter.Parse("x", map[string]string{"ja": "---\ntitle: t\nsubject: s\nsend_at: 2026-10-01T10:00:00+09:00\nsegment:\n  departments: [営業本部]\n  left_from: \"2015\"\n  left_to: 2020-03\n  open_to: [rehire, mentoring]\n---\n本文\n"})
	if err != nil {
		t.Fatal(err)
	}
	if !n.SendAt.Equal(time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC)) || n.Segment.LeftTo != "2020-03" || len(n.Segment.OpenTo) != 2 {
		t.Fatalf("parsed %+v", n)
	}
}

func TestSegmentMatches(t *testing.T) {
	m := store.Member{Language: store.LanguageEn, Department: "営業本部", Left: "2018-06", Profile: store.Profile{OpenTo: store.OpenTo{Mentoring: true}}}
	cases := []struct {
		seg  newsletter.Segment
		want bool
	}{
		{newsletter.Segment{}, true},
		{newsletter.Segment{Language: "all"}, true},
		{newsletter.Segment{Language: store.LanguageJa}, false},
		{newsletter.Segment{Language: store.LanguageEn}, true},
		{newsletter.Segment{Departments: []string{"開発部", "営業本部"}}, true},
		{newsletter.Segment{Departments: []string{"開発部"}}, false},
		{newsletter.Segment{LeftFrom: "2018"}, true},
		{newsletter.Segment{LeftFrom: "2018-07"}, false},
		{newsletter.Segment{LeftTo: "2018"}, true},
		{newsletter.Segment{LeftTo: "2018-05"}, false},
		{newsletter.Segment{OpenTo: []string{"rehire", "mentoring"}}, true},
		{newsletter.Segment{OpenTo: []string{"rehire"}}, false},
	}
	for _, c := range cases {
		if got := c.seg.Matches(m); got != c.want {
			t.Errorf("%+v.Matches = %v, want %v", c.seg, got, c.want)
		}
	}
	if (newsletter.Segment{LeftFrom: "2010"}).Matches(store.Member{}) {
		t.Error("a member without a leaving month matched a left_from segment")
	}
}
