package compose_test

import (
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/newsletter/compose"
)

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
		_, err := compose.Parse("x", c.sources)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", c.name, err, c.want)
		}
	}
	n, err := compose.Parse("x", map[string]string{"ja": "---\ntitle: t\nsubject: s\nsend_at: 2026-10-01T10:00:00+09:00\nsegment:\n  departments: [営業本部]\n  left_from: \"2015\"\n  left_to: 2020-03\n  open_to: [rehire, mentoring]\n---\n本文\n"})
	if err != nil {
		t.Fatal(err)
	}
	if !n.SendAt.Equal(time.Date(2026, 10, 1, 1, 0, 0, 0, time.UTC)) || n.Segment.LeftTo != "2020-03" || len(n.Segment.OpenTo) != 2 {
		t.Fatalf("parsed %+v", n)
	}
}
