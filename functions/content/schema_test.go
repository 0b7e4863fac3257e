package content

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/content/schema"
)

// sampleValue is a valid YAML value for a field, as the CMS would write it.
func sampleValue(k Kind, f Field) string {
	switch f.Widget {
	case schema.WidgetDate:
		if f.Name == "closes" {
			return "2027-03-31"
		}
		return "2026-12-01"
	case schema.WidgetDateTime:
		switch f.Name {
		case "end":
			return "2027-01-20T21:00:00+09:00"
		case "rsvp_deadline":
			return "2027-01-18T12:00:00+09:00"
		}
		return "2027-01-20T19:00:00+09:00"
	case schema.WidgetBoolean:
		return "false"
	case schema.WidgetNumber:
		return "12"
	case schema.WidgetSelect:
		return f.Options[0]
	case schema.WidgetEmail:
		return "careers@example.co.jp"
	case schema.WidgetHTTPS:
		return "https://meet.example.com/x"
	case schema.WidgetSegment:
		return "\n  language: ja"
	}
	return fmt.Sprintf("%s の値", f.Name)
}

// document is a page of kind k with every field of the CMS filled, except
// those in omit.
func document(k Kind, omit ...string) string {
	var b strings.Builder
	b.WriteString("---\n")
	for _, f := range k.Fields {
		if f.Name == BodyField || slices.Contains(omit, f.Name) {
			continue
		}
		fmt.Fprintf(&b, "%s: %s\n", f.Name, sampleValue(k, f))
	}
	b.WriteString("---\n本文\n")
	return b.String()
}

// kindPath is where the CMS saves a Japanese page of kind k.
func kindPath(k Kind, members bool) string {
	if k.File != "" {
		return strings.TrimSuffix(k.File, ".md") + ".ja.md"
	}
	dir := k.Section
	if members {
		dir = path.Join(membersDir, dir)
	}
	return dir + "/sample-1.ja.md"
}

// extraFiles are the files a kind's folder needs to be valid on its own.
func extraFiles(k Kind, members bool) map[string]string {
	files := map[string]string{}
	if members {
		files[membersDir+"/_index.md"] = "---\ntitle: メンバー\ncascade:\n  visibility: members\n---\n"
	}
	if k.Section == sectionNewsletters {
		files[sectionNewsletters+"/_index.md"] = "---\ntitle: ニュースレター\nbuild:\n  render: never\n  list: never\ncascade:\n  build:\n    render: never\n    list: never\n---\n"
	}
	return files
}

// The CMS's fields and Check agree: a page with every CMS field passes;
// without any one required field it fails at that field; without any
// optional one it still passes.
func TestSchemaMatchesCheck(t *testing.T) {
	for _, k := range Schema {
		for _, members := range []bool{false, true} {
			if members && !k.Members {
				continue
			}
			name := k.Name
			if members {
				name += "/members"
			}
			t.Run(name, func(t *testing.T) {
				check := func(doc string) []Problem {
					dir := t.TempDir()
					files := extraFiles(k, members)
					files[kindPath(k, members)] = doc
					writeTree(t, dir, files)
					problems, err := Check(dir)
					if err != nil {
						t.Fatal(err)
					}
					return problems
				}
				if p := check(document(k)); len(p) > 0 {
					t.Fatalf("a page with every CMS field filled fails content check: %v\n%s", p, document(k))
				}
				for _, f := range k.Fields {
					if f.Name == BodyField {
						continue
					}
					p := check(document(k, f.Name))
					switch {
					case f.Required && len(p) == 0:
						t.Errorf("%s is required in the CMS but content check accepts a page without it", f.Name)
					case f.Required && !strings.Contains(fmt.Sprint(p), f.Name):
						t.Errorf("without %s, content check reports %v, not the field", f.Name, p)
					case !f.Required && len(p) > 0:
						t.Errorf("%s is optional in the CMS but content check refuses a page without it: %v", f.Name, p)
					}
				}
			})
		}
	}
}

// Every field content check knows on a section's pages is in the CMS (or
// deliberately left out of it), and the other way round.
func TestSchemaCoversCheckFields(t *testing.T) {
	for _, k := range Schema {
		var inCMS []string
		for _, f := range k.Fields {
			if f.Name != BodyField {
				inCMS = append(inCMS, f.Name)
			}
		}
		if k.Section == "" {
			for _, c := range []string{"title", "description"} {
				if !slices.Contains(inCMS, c) {
					t.Errorf("%s: the CMS does not edit %s", k.Name, c)
				}
			}
			continue
		}
		known := slices.Concat(commonFields, sectionFields[k.Section])
		for _, f := range known {
			if !slices.Contains(inCMS, f) && !slices.Contains(notInCMS, f) && !slices.Contains(k.Unoffered, f) {
				t.Errorf("%s: content check knows %s but the CMS does not edit it", k.Name, f)
			}
		}
		for _, f := range slices.Concat(inCMS, k.Unoffered) {
			if !slices.Contains(known, f) {
				t.Errorf("%s: the CMS edits %s but content check refuses it", k.Name, f)
			}
		}
		// An unknown field is still refused, so the lists above mean something.
		if p, _ := checkOne(t, k, document(k)+"", "capactiy: 3"); k.Section != sectionNewsletters && len(p) == 0 {
			t.Errorf("%s: an unknown field passes content check", k.Name)
		}
	}
}

// checkOne checks one page of kind k with an extra front-matter line.
func checkOne(t *testing.T, k Kind, doc, extra string) ([]Problem, error) {
	t.Helper()
	dir := t.TempDir()
	files := extraFiles(k, false)
	files[kindPath(k, false)] = strings.Replace(doc, "---\n", "---\n"+extra+"\n", 1)
	writeTree(t, dir, files)
	return Check(dir)
}

// A Shared field (the CMS copies it from Japanese to English) is one that
// content check holds equal across the pair; an English value that differs
// is reported.
func TestSharedFieldsMustAgree(t *testing.T) {
	for _, k := range Schema {
		if k.Section != sectionEvents && k.Section != sectionJobs {
			continue
		}
		for _, f := range k.Fields {
			if !f.Shared {
				continue
			}
			if !slices.Contains(translated, f.Name) {
				t.Errorf("%s.%s is shared in the CMS but content check does not compare it", k.Name, f.Name)
			}
			other := map[Widget]string{schema.WidgetDate: "2027-04-30", schema.WidgetDateTime: "2027-01-20T19:30:00+09:00", schema.WidgetBoolean: "true",
				schema.WidgetNumber: "13", schema.WidgetHTTPS: "https://meet.example.com/y"}[f.Widget]
			if f.Widget == schema.WidgetSelect {
				other = f.Options[1]
			}
			if f.Name == "end" {
				other = "2027-01-20T22:00:00+09:00"
			}
			ja := document(k)
			en := strings.Replace(ja, f.Name+": "+sampleValue(k, f), f.Name+": "+other, 1)
			dir := t.TempDir()
			writeTree(t, dir, map[string]string{kindPath(k, false): ja, strings.Replace(kindPath(k, false), ".ja.md", ".en.md", 1): en})
			p, err := Check(dir)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(fmt.Sprint(p), f.Name+" ") || !strings.Contains(fmt.Sprint(p), "disagrees") {
				t.Errorf("%s.%s differs between Japanese and English, content check reports %v", k.Name, f.Name, p)
			}
		}
	}
}

// The CMS names the Japanese file x.ja.md: it pairs with x.en.md as x.md
// does, and keeping both x.md and x.ja.md is refused.
func TestJapaneseFileNames(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"events/bbq.ja.md": bbqJA, "events/bbq.en.md": bbqEN})
	c, problems, err := Load(dir)
	if err != nil || len(problems) > 0 {
		t.Fatalf("x.ja.md with x.en.md: %v %v", err, problems)
	}
	if len(c.Events) != 1 || c.Events[0].ID != "bbq" || c.Events[0].Title["en"] != "Summer barbecue" || c.Events[0].Title["ja"] != "夏のバーベキュー" {
		t.Fatalf("events = %+v", c.Events)
	}

	dir = t.TempDir()
	writeTree(t, dir, map[string]string{"events/bbq.ja.md": bbqJA, "events/bbq.en.md": strings.Replace(bbqEN, "capacity: 40", "capacity: 41", 1)})
	if p, _ := Check(dir); !strings.Contains(fmt.Sprint(p), "capacity 41 disagrees") {
		t.Errorf("x.ja.md and x.en.md disagreeing on capacity: %v", p)
	}

	dir = t.TempDir()
	writeTree(t, dir, map[string]string{"events/bbq.ja.md": bbqJA, "events/bbq.md": bbqJA, "about.md": "---\ntitle: a\n---\n", "about.ja.md": "---\ntitle: a\n---\n"})
	p, _ := Check(dir)
	if len(p) != 2 || !strings.Contains(fmt.Sprint(p), "keep one of the two files") {
		t.Errorf("x.md beside x.ja.md: want one problem per pair, got %v", p)
	}
}
