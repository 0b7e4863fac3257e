// Package mailtexttest checks a feature's emails against golden files, so a
// change to any text shows up in review as a diff of what people will read:
// testdata/email-<kind>.<lang>.golden holds the sender, subject and
// plain-text part, testdata/email-<kind>.<lang>.html the HTML part
// (functions/browsertest opens every one in Chromium).
package mailtexttest

import (
	"html"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/mail/mailtext"
)

// Brand is the sample company on a sample portal, for every golden file.
var Brand = mailtext.Brand{Company: brand.Sample(), BaseURL: "https://alumni.example.co.jp"}

// From is the sender address of the golden files.
const From = "alumni@example.co.jp"

// ByLang is golden data per language, so that an English email is rendered
// with what the code fills in for an English reader (the English title, a
// date written in English), as people will read it.
type ByLang map[string]any

// In is the data for lang: data itself, or its lang entry when it is ByLang.
func In(data any, lang string) any {
	if b, ok := data.(ByLang); ok {
		return b[lang]
	}
	return data
}

// Golden renders every email of set in ja and en with data (one value, or
// ByLang) and compares it with its golden files; update rewrites them.
func Golden[K ~string](t *testing.T, set mailtext.Set[K], data any, update bool) {
	t.Helper()
	kinds := make([]K, 0, len(set))
	for k := range set {
		kinds = append(kinds, k)
	}
	sort.Slice(kinds, func(i, j int) bool { return kinds[i] < kinds[j] })
	for _, kind := range kinds {
		for _, lang := range []string{"ja", "en"} {
			if _, ok := set[kind][lang]; !ok {
				t.Errorf("%s has no %s version", kind, lang)
				continue
			}
			Variant(t, set, kind, "", lang, In(data, lang), update)
		}
	}
}

// GoldenBilingual renders each of kinds as one Japanese-then-English email
// (mailtext.Bilingual) and compares it with its golden files.
func GoldenBilingual[K ~string](t *testing.T, set mailtext.Set[K], data any, update bool, kinds ...K) {
	t.Helper()
	if len(kinds) == 0 {
		t.Fatal("GoldenBilingual: no kinds named")
	}
	for _, kind := range kinds {
		Variant(t, set, kind, "", mailtext.Bilingual, data, update)
	}
}

// Variant renders one email with data and compares it with the golden
// files of kind (and variant, when one kind has several: "online").
func Variant[K ~string](t *testing.T, set mailtext.Set[K], kind K, variant, lang string, data any, update bool) mailtext.Email {
	t.Helper()
	e, err := set.Render(kind, lang, data, Brand)
	if err != nil {
		t.Fatalf("%s/%s: %v", kind, lang, err)
	}
	name := string(kind)
	if variant != "" {
		name += "-" + variant
	}
	Check(t, name+"."+lang, e)
	from := mailtext.Sender(From, Brand.Company, lang)
	Compare(t, Path(name, lang), "From: "+from.String()+"\nSubject: "+e.Subject+"\n\n"+e.Text, update)
	Compare(t, strings.TrimSuffix(Path(name, lang), ".golden")+".html", e.HTML, update)
	return e
}

var (
	tags     = regexp.MustCompile(`(?s)<head>.*?</head>|<[^>]*>`)
	spaces   = regexp.MustCompile(`\s+`)
	printURL = regexp.MustCompile(`https?://`)
)

// VisibleText is what a reader sees of an HTML email: the text between
// the tags, without the head.
func VisibleText(h string) string {
	return strings.TrimSpace(spaces.ReplaceAllString(html.UnescapeString(tags.ReplaceAllString(h, " ")), " "))
}

// Check asserts what every email must do: name the company in the body,
// carry its contact address, print no URL in the HTML (links are buttons)
// and have both parts.
func Check(t *testing.T, name string, e mailtext.Email) {
	t.Helper()
	visible := VisibleText(e.HTML)
	c := Brand.Company
	lang := e.Lang
	if lang == mailtext.Bilingual {
		lang = "ja"
	}
	if !strings.Contains(visible, brand.In(c.Name, lang)) || !strings.Contains(e.Text, brand.In(c.Name, lang)) {
		t.Errorf("%s does not name the company %q", name, brand.In(c.Name, lang))
	}
	if !strings.Contains(visible, c.Contact) || !strings.Contains(e.Text, c.Contact) {
		t.Errorf("%s lacks the contact address", name)
	}
	if printURL.MatchString(visible) {
		t.Errorf("%s prints a URL in its HTML part; make it a button:\n%s", name, visible)
	}
	if strings.TrimSpace(e.Text) == "" || !strings.Contains(e.HTML, "</html>") {
		t.Errorf("%s lacks a part", name)
	}
	if strings.Contains(e.Text, "\x00") || strings.Contains(e.HTML, "\x00") {
		t.Errorf("%s carries a block marker", name)
	}
}

// Path is the golden file of one email's text.
func Path(kind, lang string) string {
	return filepath.Join("testdata", "email-"+kind+"."+lang+".golden")
}

// Compare checks got against the golden file at path, or rewrites it.
func Compare(t *testing.T, path, got string, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
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
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", path, got)
	}
}
