package brand

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"
)

// TestDateIsTheSitesLayout: a function page writes a date as the Hugo site
// does, in both languages, on the day in Tokyo.
func TestDateIsTheSitesLayout(t *testing.T) {
	layoutRE := regexp.MustCompile(`(?m)^layout_date = "([^"]+)"`)
	for lang, want := range map[string]string{"ja": "2027年2月1日", "en": "February 1, 2027"} {
		toml, err := os.ReadFile(filepath.Join("..", "..", "site", "i18n", lang+".toml"))
		if err != nil {
			t.Fatal(err)
		}
		m := layoutRE.FindSubmatch(toml)
		if m == nil {
			t.Fatalf("%s.toml has no layout_date", lang)
		}
		if dateLayouts[lang] != string(m[1]) {
			t.Errorf("%s: Date uses %q, the site %q", lang, dateLayouts[lang], m[1])
		}
		// 15:30 UTC on 31 January is already 1 February in Tokyo.
		if got := Date(lang, time.Date(2027, 1, 31, 15, 30, 0, 0, time.UTC)); got != want {
			t.Errorf("Date(%s) = %q, want %q", lang, got, want)
		}
	}
	if got := Date("fr", time.Date(2027, 1, 31, 0, 0, 0, 0, Tokyo)); got != "2027年1月31日" {
		t.Errorf("an unknown language gets %q, want Japanese", got)
	}
}

// TestDateTimeIsInTokyoAndTheReadersLanguage: a moment reads as Japan's
// clock, with the year, in the reader's language.
func TestDateTimeIsInTokyoAndTheReadersLanguage(t *testing.T) {
	at := time.Date(2027, 1, 31, 15, 5, 0, 0, time.UTC) // 00:05 on 1 February in Tokyo
	for lang, want := range map[string]string{"ja": "2027年2月1日 00:05", "en": "Feb 1, 2027, 00:05", "fr": "2027年2月1日 00:05"} {
		if got := DateTime(lang, at); got != want {
			t.Errorf("DateTime(%s) = %q, want %q", lang, got, want)
		}
	}
}
