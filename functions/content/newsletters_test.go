package content

import (
	"strings"
	"testing"
)

const (
	newslettersIndex   = "---\ntitle: ニュースレター\nbuild:\n  render: never\n  list: never\ncascade:\n  build:\n    render: never\n    list: never\n---\n"
	newslettersIndexEn = "---\ntitle: Newsletters\nbuild:\n  render: never\n  list: never\ncascade:\n  build:\n    render: never\n    list: never\n---\n"
	newsletterJa       = "---\ntitle: 秋号\nsubject: 【アルムナイ通信】秋号\nsegment:\n  language: all\n---\n本文\n"
	newsletterEn       = "---\ntitle: Autumn\nsubject: Autumn issue\n---\nBody\n"
)

func TestNewslettersCheck(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  []string // substrings of problems, in order; none: clean
	}{
		{"good", map[string]string{"newsletters/_index.md": newslettersIndex, "newsletters/_index.en.md": newslettersIndexEn,
			"newsletters/autumn.md": newsletterJa, "newsletters/autumn.en.md": newsletterEn}, nil},
		{"no index", map[string]string{"newsletters/autumn.md": newsletterJa},
			[]string{"newsletters/_index.md:1: file is missing: it must set build: {render: never, list: never}"}},
		{"no English index for an English newsletter", map[string]string{"newsletters/_index.md": newslettersIndex,
			"newsletters/autumn.md": newsletterJa, "newsletters/autumn.en.md": newsletterEn},
			[]string{"newsletters/_index.en.md:1: file is missing"}},
		{"index without cascade", map[string]string{"newsletters/_index.md": "---\ntitle: t\nbuild:\n  render: never\n  list: never\n---\n",
			"newsletters/autumn.md": newsletterJa}, []string{"newsletters/_index.md:1: newsletters/_index.md must set"}},
		{"index that renders", map[string]string{"newsletters/_index.md": strings.Replace(newslettersIndex, "render: never\n  list", "render: always\n  list", 1),
			"newsletters/autumn.md": newsletterJa}, []string{"newsletters/_index.md:3: newsletters/_index.md must set"}},
		{"no subject, typo, bad segment", map[string]string{"newsletters/_index.md": newslettersIndex,
			"newsletters/Autumn.md": "---\ntitle: t\npreheder: x\nsegment:\n  langage: ja\n---\n本文\n"},
			[]string{"Autumn.md:1: file name", "Autumn.md:1: missing required field subject", "Autumn.md:3: unknown field preheder (did you mean preheader?)", "Autumn.md:5: unknown segment field langage"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, c.files)
			problems, err := Check(dir)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range problems {
				got = append(got, strings.TrimPrefix(p.String(), dir+"/"))
			}
			if len(got) != len(c.want) {
				t.Fatalf("problems:\n%s\nwant %d matching %q", strings.Join(got, "\n"), len(c.want), c.want)
			}
			for i, w := range c.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got[i], w)
				}
			}
		})
	}
}
