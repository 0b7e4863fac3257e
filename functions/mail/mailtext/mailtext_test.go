package mailtext

import "testing"

func TestRenderPicksLanguageAndRefusesMissingFields(t *testing.T) {
	set := Set[string]{"hello": {
		"ja": {"{{.Name}} 様", "こんにちは、{{.Name}} 様"},
		"en": {"Dear {{.Name}}", "Hello {{.Name}}"},
	}}
	data := struct{ Name string }{"花子"}
	for lang, want := range map[string]string{"ja": "花子 様", "en": "Dear 花子", "fr": "花子 様", "": "花子 様"} {
		subject, _, err := set.Render("hello", lang, data)
		if err != nil || subject != want {
			t.Errorf("%q: %q %v", lang, subject, err)
		}
	}
	if _, _, err := set.Render("bye", "ja", data); err == nil {
		t.Error("unknown kind rendered")
	}
	if _, _, err := set.Render("hello", "ja", map[string]string{}); err == nil {
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
	subject, body, err := set.Render("hello", Bilingual, data)
	if err != nil {
		t.Fatal(err)
	}
	if subject != "花子 様 / Dear 花子" || body != "こんにちは、花子 様\n\n----\n\nHello 花子\n" {
		t.Errorf("bilingual email:\n%q\n%q", subject, body)
	}
	if _, _, err := set.Render("ja-only", Bilingual, data); err == nil {
		t.Error("a kind without English rendered as bilingual")
	}
}
