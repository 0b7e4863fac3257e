package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store"
)

func TestForbiddenRunesInPersonWrittenText(t *testing.T) {
	for _, r := range []rune{
		0x00, '\t', '\n', 0x1F, 0x7F, 0x85, 0x9F, // control characters
		0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, // bidi
		0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, // zero width
	} {
		if !store.ForbiddenRune(r) {
			t.Errorf("U+%04X allowed", r)
		}
	}
	for _, r := range []rune{'a', ' ', 'あ', 'ー', '　', '山', 'é', 0x00A0, 0x2014, 0xFE0F, 0x1F600, '＝'} {
		if store.ForbiddenRune(r) {
			t.Errorf("U+%04X refused", r)
		}
	}
	for s, want := range map[string]int{
		"山田 花子":                -1,
		"resume\u202Efdp.exe":  6,
		"ad\u200Bmin":          2,
		"\uFEFFname":           0,
		"a\u2066b\u2069":       1,
		"line\nbreak":          4,
		"エンジニア👩\u200D💻":        -1, // an emoji sequence
		"🏳\uFE0F\u200D🌈":       -1,
		"👍🏽\u200D👍":            -1,
		"a\u200Db":             1, // a joiner between letters hides nothing but is not an emoji
		"👩\u200D":              4, // nothing after it
		"\u200D💻":              0,
		"ok":                   -1,
		"tab\tinside":          3,
		"bidi mark\u200Fafter": 9,
	} {
		if got := store.IndexForbidden(s, nil); got != want {
			t.Errorf("IndexForbidden(%+q) = %d, want %d", s, got, want)
		}
	}
	lines := func(r rune) bool { return r == '\n' || r == '\r' || r == '\t' }
	if store.IndexForbidden("two\r\nlines\tand tabs", lines) != -1 || store.IndexForbidden("two\nlines\u202E", lines) != 9 {
		t.Error("allow must let line breaks through and nothing else")
	}
}

func TestStoreRefusesBidiAndZeroWidthText(t *testing.T) {
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	for _, name := range []string{"山田\u202E花子", "ad\u200Bmin", "\uFEFF山田"} {
		_, err := store.PrepareMember(store.Member{Email: "a@example.com", Name: name, Language: store.LanguageJa, Status: store.StatusPending}, now)
		var ve *store.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%+q stored: %v", name, err)
		}
	}
	if _, err := store.PrepareMember(store.Member{Email: "a@example.com", Name: "山田 花子👩\u200D💻", Language: store.LanguageJa, Status: store.StatusPending}, now); err != nil {
		t.Errorf("an emoji sequence refused: %v", err)
	}
}
