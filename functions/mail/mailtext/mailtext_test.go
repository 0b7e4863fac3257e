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
