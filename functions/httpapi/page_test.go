package httpapi

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
)

// Every HR page starts with the same menu: HR's home and every HR page
// linked, the one shown marked for screen readers, in the page's language.
func TestHRNav(t *testing.T) {
	tmpl := template.Must(template.New("h").Parse(HRNav))
	render := func(lang, current string) string {
		var b bytes.Buffer
		if err := tmpl.Execute(&b, map[string]any{"T": map[string]string{"skip": "skip"}, "Menu": NewHRMenu(lang, current)}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	ja := render(LangJA, "/hr/events")
	for _, p := range hrPages {
		if !strings.Contains(ja, `href="/hr/`+p+`"`) {
			t.Errorf("menu lacks /hr/%s", p)
		}
	}
	if strings.Count(ja, `aria-current="page"`) != 1 || !strings.Contains(ja, `<a href="/hr/events" aria-current="page">イベント</a>`) ||
		!strings.Contains(ja, `<a href="/hr/">HRホーム</a>`) || !strings.Contains(ja, `aria-label="事務局メニュー"`) {
		t.Errorf("ja menu:\n%s", ja)
	}
	en := render(LangEN, "")
	if strings.Contains(en, "aria-current") || !strings.Contains(en, `<a href="/hr/">HR home</a>`) {
		t.Errorf("en menu:\n%s", en)
	}
	if home := render(LangJA, "/hr/"); !strings.Contains(home, `<a href="/hr/" aria-current="page">HRホーム</a>`) {
		t.Errorf("HR's home is not marked on itself:\n%s", home)
	}
}
