package mailtext

import (
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/brand"
)

var testBrand = Brand{Company: brand.Sample(), BaseURL: "https://alumni.example.co.jp"}

func TestRenderPicksLanguageAndRefusesMissingFields(t *testing.T) {
	set := Set[string]{"hello": {
		"ja": {"{{.Name}} 様", "こんにちは、{{.Name}} 様"},
		"en": {"Dear {{.Name}}", "Hello {{.Name}}"},
	}}
	data := struct{ Name string }{"花子"}
	for lang, want := range map[string]string{"ja": "花子 様", "en": "Dear 花子", "fr": "花子 様", "": "花子 様"} {
		e, err := set.Render("hello", lang, data, testBrand)
		if err != nil || e.Subject != want {
			t.Errorf("%q: %q %v", lang, e.Subject, err)
		}
	}
	if _, err := set.Render("bye", "ja", data, testBrand); err == nil {
		t.Error("unknown kind rendered")
	}
	if _, err := set.Render("hello", "ja", map[string]string{}, testBrand); err == nil {
		t.Error("a missing field rendered as blank")
	}
}

// A reader whose language is unknown gets Japanese first, then English, in
// one email; a kind lacking either language is an error, not half an email.
func TestRenderBilingualIsJapaneseThenEnglish(t *testing.T) {
	set := Set[string]{
		"hello":   {"ja": {"{{.Name}} 様", "こんにちは、{{.Name}} 様\n"}, "en": {"Dear {{.Name}}", "Hello {{.Name}}\n"}},
		"ja-only": {"ja": {"件名", "本文\n"}},
	}
	data := struct{ Name string }{"花子"}
	e, err := set.Render("hello", Bilingual, data, testBrand)
	if err != nil {
		t.Fatal(err)
	}
	if e.Subject != "花子 様 / Dear 花子" || !strings.HasPrefix(e.Text, "こんにちは、花子 様\n\n----\n\nHello 花子\n") {
		t.Errorf("bilingual email:\n%q\n%q", e.Subject, e.Text)
	}
	if !strings.Contains(e.HTML, `lang="ja"`) || !strings.Contains(e.HTML, `lang="en"`) {
		t.Error("the HTML part lacks a section per language")
	}
	if _, err := set.Render("ja-only", Bilingual, data, testBrand); err == nil {
		t.Error("a kind without English rendered as bilingual")
	}
}

// Blocks come from the template's calls only: a member's message that
// copies a marker, or HTML in a value, stays text.
func TestValuesCannotMakeBlocksOrHTML(t *testing.T) {
	set := Set[string]{"m": {"ja": {"件名", "{{.Text}}\n\n{{quote .Text}}\n\n{{button \"開く\" .Link}}\n"}, "en": {"s", "b"}}}
	forged := markerStart + "0123456789abcdef01234567:0" + markerEnd
	data := map[string]string{"Text": "<b>x</b> " + forged + "\n" + forged, "Link": "https://alumni.example.co.jp/a?b=1&c=2"}
	e, err := set.Render("m", "ja", data, testBrand)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(e.HTML, `class="ok-button`); n != 1 || strings.Contains(e.Text+e.HTML, "\x00") {
		t.Fatalf("a forged marker was taken (%d buttons):\n%s", n, e.HTML)
	}
	data["Text"] = "<b>x</b> & <script>"
	if e, err = set.Render("m", "ja", data, testBrand); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(e.HTML, "<b>x") || strings.Contains(e.HTML, "<script>") || !strings.Contains(e.HTML, "&lt;b&gt;x&lt;/b&gt; &amp; &lt;script&gt;") {
		t.Errorf("values not escaped:\n%s", e.HTML)
	}
	if !strings.Contains(e.HTML, `href="https://alumni.example.co.jp/a?b=1&amp;c=2"`) || !strings.Contains(e.Text, "開く: https://alumni.example.co.jp/a?b=1&c=2") {
		t.Errorf("button:\n%s\n%s", e.HTML, e.Text)
	}
	for _, bad := range []string{"javascript:alert(1)", "/relative", ""} {
		data["Link"] = bad
		if _, err := set.Render("m", "ja", data, testBrand); err == nil {
			t.Errorf("button to %q rendered", bad)
		}
	}
}

func TestFactsMakeOneTableAndButtonsOneRow(t *testing.T) {
	set := Set[string]{"m": {"ja": {"件名", "前文\n\n{{fact \"日時\" .When}}\n{{if .Guests}}{{fact \"同伴者\" .Guests}}{{end}}\n{{fact \"場所\" .Where}}\n\n{{button \"確定\" .L}}\n{{secondary \"取消\" .L}}\n後文\n"}}}
	data := map[string]string{"When": "10月17日", "Where": "本社", "Guests": "", "L": "https://x.example/"}
	e, err := set.Render("m", "ja", data, testBrand)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(e.HTML, `class="ok-facts"`); n != 1 {
		t.Errorf("%d fact tables, want 1:\n%s", n, e.HTML)
	}
	if n := strings.Count(e.HTML, `class="ok-button`); n != 2 {
		t.Errorf("%d buttons, want 2", n)
	}
	if !strings.Contains(e.Text, "日時: 10月17日\n\n場所: 本社\n") && !strings.Contains(e.Text, "日時: 10月17日\n場所: 本社\n") {
		t.Errorf("text:\n%s", e.Text)
	}
	if strings.Contains(e.Text, "\n\n\n") {
		t.Errorf("blank lines left:\n%q", e.Text)
	}
}

func TestDurationInWords(t *testing.T) {
	for _, c := range []struct {
		d      time.Duration
		ja, en string
	}{
		{15 * time.Minute, "15分", "15 minutes"},
		{time.Minute, "1分", "1 minute"},
		{90 * time.Minute, "90分", "90 minutes"},
		{time.Hour, "1時間", "1 hour"},
		{24 * time.Hour, "24時間", "24 hours"},
		{72 * time.Hour, "3日", "3 days"},
		{7 * 24 * time.Hour, "7日", "7 days"},
	} {
		if got := Duration(c.d, "ja"); got != c.ja {
			t.Errorf("%v ja: %q", c.d, got)
		}
		if got := Duration(c.d, "en"); got != c.en {
			t.Errorf("%v en: %q", c.d, got)
		}
	}
}

// The frame names the company, in its colour, and picks a text colour
// that reads on the brand colour of any company.
func TestFrameIsTheCompanys(t *testing.T) {
	set := Set[string]{"m": {"ja": {"件名", "{{company}}の{{portal}}です。\n{{button \"開く\" \"https://x.example/\"}}\n"}, "en": {"Subject", "This is {{portal}} of {{company}}.\n"}}}
	e, err := set.Render("m", "ja", nil, testBrand)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"株式会社ひかりテックのひかりテック アルムナイです。", "#b0421c", "mailto:alumni@example.co.jp", "ひかりテック アルムナイ事務局"} {
		if !strings.Contains(e.HTML, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	en, _ := set.Render("m", "en", nil, testBrand)
	if !strings.Contains(en.HTML, "This is Hikari Tech Alumni of Hikari Tech Inc.") || !strings.Contains(en.HTML, `href="https://alumni.example.co.jp/en/"`) {
		t.Errorf("English frame:\n%s", en.HTML)
	}
	if got := Sender("a@example.co.jp", testBrand.Company, "en").Name; got != "Hikari Tech Alumni Office" {
		t.Errorf("English sender %q", got)
	}
	for colour, on := range map[string]string{"#b0421c": "#ffffff", "#ffd400": ColorText, "red": "#ffffff"} {
		c := brand.Sample()
		c.Colour = colour
		if a, o := colours(c); o != on || !hexColour.MatchString(a) {
			t.Errorf("%s: text %s on %s", colour, o, a)
		}
	}
}
