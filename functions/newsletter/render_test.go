package newsletter_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/newsletter"
	"github.com/okaeri/okaeri/functions/newsletter/compose"
	"github.com/okaeri/okaeri/functions/store"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

const testContent = "testdata/content"

var renderConfig = newsletter.RenderConfig{BaseURL: "https://alumni.example.co.jp", Company: brand.Sample()}

// renderTestdata renders testdata's newsletter as the okaeri CLI stores
// it (compose) and puts it in the email's frame, as a send does.
func renderTestdata(t *testing.T, lang store.Language) newsletter.Email {
	t.Helper()
	n, _, err := compose.Load(testContent, "autumn-2026")
	if err != nil {
		t.Fatal(err)
	}
	rendered, err := compose.Render(n, renderConfig.BaseURL)
	if err != nil {
		t.Fatal(err)
	}
	e, err := newsletter.Render(rendered, lang, renderConfig)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// TestRenderGolden keeps the rendered email byte for byte: a change to the
// template or the styles shows up as a diff to review (go test -update).
func TestRenderGolden(t *testing.T) {
	for _, lang := range []store.Language{store.LanguageJa, store.LanguageEn} {
		e := renderTestdata(t, lang)
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
	ja := renderTestdata(t, store.LanguageJa)
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
		`href="https://alumni.example.co.jp/members/preferences/"`,
		`href="https://alumni.example.co.jp/events/homecoming-2026/"`, // relative links made absolute
		`<h1 `, `<h2 style="`, `<table style="border-collapse`, `<strong>ホームカミングデー</strong>`,
		`10月17日（土）15時から、新オフィスの8階ラウンジで`, // CJK: no stray space at the line break
	)
	// The company's frame, as every transactional mail has it.
	must("frame", ja.HTML, "株式会社ひかりテック", "ひかりテック アルムナイ事務局", "#b0421c", "mailto:alumni@example.co.jp")
	if strings.Count(ja.HTML, "<h1") != 1 {
		t.Errorf("the email has %d h1 elements, want exactly 1", strings.Count(ja.HTML, "<h1"))
	}
	must("text", ja.Text, newsletter.KeyName+" 様", "配信停止: "+newsletter.KeyUnsubscribe,
		"メール設定の変更: https://alumni.example.co.jp/members/preferences/", "■ ホームカミングデー2026",
		"・15:00 開場・受付", "参加を申し込む (https://alumni.example.co.jp/events/homecoming-2026/)",
		"バックエンドエンジニア | 再入社 | 11月30日", "> 「戻ってきて")
	if strings.Contains(ja.Text, "<") || strings.Contains(ja.Text, "**") {
		t.Errorf("the text part carries markup:\n%s", ja.Text)
	}

	en := renderTestdata(t, store.LanguageEn)
	must("English HTML", en.HTML, `<html lang="en"`, "Dear "+newsletter.KeyNameHTML+",", "Unsubscribe", "/en/members/preferences/")
	if en.Subject != "[Alumni News] Autumn: Homecoming Day and new openings" {
		t.Errorf("English subject %q", en.Subject)
	}
}

// TestRenderIsSafe: HR's Markdown cannot put raw HTML or script URLs into the email.
func TestRenderIsSafe(t *testing.T) {
	d, err := compose.Composer{BaseURL: renderConfig.BaseURL}.Compose("x", map[string]string{"ja": "---\ntitle: t\nsubject: s\n---\n<script>alert(1)</script>\n\n[click](javascript:alert(1))\n\n<img src=x onerror=alert(1)>\n"})
	if err != nil {
		t.Fatal(err)
	}
	e, err := newsletter.Render(d.Rendered, store.LanguageJa, renderConfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "javascript:", "onerror"} {
		if strings.Contains(e.HTML, bad) {
			t.Errorf("rendered HTML contains %q", bad)
		}
	}
}
