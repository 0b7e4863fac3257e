package content

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeTree writes files (path relative to root -> text) under root.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for rel, text := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// Valid files the cases start from. Line numbers matter: in bbqJA, start
// is on line 4, end on 5, location on 6, capacity on 7.
const (
	bbqJA = `---
title: 夏のバーベキュー
date: 2026-06-01
start: 2026-07-18T17:00:00+09:00
end: 2026-07-18T20:00:00+09:00
location: 東京本社 屋上テラス
capacity: 40
---
本文
`
	bbqEN = `---
title: Summer barbecue
date: 2026-06-01
start: 2026-07-18T17:00:00+09:00
end: 2026-07-18T20:00:00+09:00
location: Tokyo office rooftop
capacity: 40
---
Body
`
	// In rehireJA, employment_type is on line 4, closes on 7.
	rehireJA = `---
title: バックエンドエンジニア（再入社）
date: 2026-05-01
employment_type: rehire
department: プラットフォーム部
location: 東京
closes: 2026-08-31
contact: careers@example.co.jp
---
`
	rehireEN = `---
title: Backend engineer (re-hire)
date: 2026-05-01
employment_type: rehire
department: Platform
location: Tokyo
closes: 2026-08-31
---
`
	newsJA = `---
title: 新オフィスのお知らせ
date: 2026-04-01
---
`
	membersIndex = `---
title: メンバー限定
cascade:
  visibility: members
---
`
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string // relative to content/
		want  []string
	}{
		{
			name: "clean tree",
			files: map[string]string{
				"_index.md":                        "---\ntitle: ホーム\n---\n",
				"_index.en.md":                     "---\ntitle: Home\n---\n",
				"about.md":                         "---\ntitle: 私たちについて\ndescription: 会社とアルムナイ\n---\n",
				"events/_index.md":                 "---\ntitle: イベント\n---\n",
				"events/summer-bbq-2026.md":        bbqJA,
				"events/summer-bbq-2026.en.md":     bbqEN,
				"jobs/backend-rehire.md":           rehireJA,
				"jobs/backend-rehire.en.md":        rehireEN,
				"news/new-office.md":               newsJA,
				"stories/hanako.md":                "---\ntitle: 戻ってきた理由\ndate: 2026-03-01T10:00:00+09:00\nperson: 花子\nrole_then: 営業\nrole_now: 営業部長\n---\n",
				"members/_index.md":                membersIndex,
				"members/events/alumni-night.md":   strings.Replace(bbqJA, "capacity: 40", "capacity: 40\nonline: true\nguests_allowed: 1\nrsvp_deadline: 2026-07-10T23:59:00+09:00\nvisibility: members", 1),
				"members/jobs/sidework-design.md":  strings.Replace(rehireJA, "rehire", "sidework", 1),
				"members/news/roster.md":           newsJA,
				"members/news/roster.en.md":        "---\nTitle: Roster update\nDate: 2026-04-01\n---\n",
				"events/bundle-party/index.md":     bbqJA,
				"events/bundle-party/index.en.md":  bbqEN,
				"events/bundle-party/map.png":      "not markdown",
				".obsidian/notes.md":               "hidden folders are not content",
				"jobs/contract-ops.md":             strings.Replace(rehireJA, "employment_type: rehire", "employment_type: contract\nweight: 10\ntags: [ops]", 1),
				"events/online-talk.md":            strings.Replace(bbqJA, "location: 東京本社 屋上テラス", "location: オンライン\nonline: true", 1),
				"events/online-talk.en.md":         strings.Replace(strings.Replace(bbqEN, "location: Tokyo office rooftop", "location: Online\nonline: true", 1), "2026-07-18T17:00:00+09:00", "2026-07-18T08:00:00Z", 1),
				"events/summer-bbq-2026-notes.txt": "ignored",
			},
		},
		{
			name:  "no front matter",
			files: map[string]string{"news/x.md": "# 見出し\n本文\n"},
			want:  []string{"content/news/x.md:1: missing front matter: the file must start with YAML between --- lines"},
		},
		{
			name:  "TOML front matter",
			files: map[string]string{"news/x.md": "+++\ntitle = 'x'\n+++\n"},
			want:  []string{"content/news/x.md:1: front matter must be YAML between --- lines (TOML and JSON are not used here)"},
		},
		{
			name:  "front matter not closed",
			files: map[string]string{"news/x.md": "---\ntitle: x\ndate: 2026-04-01\n本文\n"},
			want:  []string{"content/news/x.md:1: front matter is not closed: add a --- line after it"},
		},
		{
			name:  "invalid YAML names its line",
			files: map[string]string{"news/x.md": "---\ntitle: x\ndate: 2026-04-01\n  description: y\n---\n"},
			want:  []string{"content/news/x.md:4: front matter is not valid YAML: mapping values are not allowed in this context"},
		},
		{
			name:  "front matter that is not key: value",
			files: map[string]string{"news/x.md": "---\n- title\n---\n"},
			want:  []string{"content/news/x.md:2: front matter must be fields written as key: value"},
		},
		{
			name:  "duplicate field, any case",
			files: map[string]string{"news/x.md": "---\ntitle: x\ndate: 2026-04-01\nTitle: y\n---\n"},
			want:  []string{"content/news/x.md:4: duplicate field title (first at line 2)"},
		},
		{
			name:  "missing title",
			files: map[string]string{"about.md": "---\ndescription: x\n---\n"},
			want:  []string{"content/about.md:1: missing required field title"},
		},
		{
			name:  "empty title",
			files: map[string]string{"about.md": "---\ndescription: x\ntitle: \"  \"\n---\n"},
			want:  []string{"content/about.md:3: title is empty"},
		},
		{
			name:  "title left blank",
			files: map[string]string{"about.md": "---\ntitle:\n---\n"},
			want:  []string{"content/about.md:2: title is empty"},
		},
		{
			name:  "title is a list",
			files: map[string]string{"about.md": "---\ntitle: [a, b]\n---\n"},
			want:  []string{"content/about.md:2: title must be text, not a list or map"},
		},
		{
			name:  "news needs a date",
			files: map[string]string{"news/x.md": "---\ntitle: x\n---\n"},
			want:  []string{"content/news/x.md:1: missing required field date"},
		},
		{
			name:  "malformed date",
			files: map[string]string{"news/x.md": "---\ntitle: x\ndate: 2026/04/01\n---\n"},
			want:  []string{`content/news/x.md:3: date must be a date YYYY-MM-DD or a date and time like 2026-12-05T18:30:00+09:00 (got "2026/04/01")`},
		},
		{
			name:  "impossible date",
			files: map[string]string{"news/x.md": "---\ntitle: x\ndate: 2026-02-30\n---\n"},
			want:  []string{`content/news/x.md:3: date must be a date YYYY-MM-DD or a date and time like 2026-12-05T18:30:00+09:00 (got "2026-02-30")`},
		},
		{
			name:  "draft must be a bool",
			files: map[string]string{"news/x.md": "---\ntitle: x\ndate: 2026-04-01\ndraft: yes\n---\n"},
			want:  []string{`content/news/x.md:4: draft must be true or false (got "yes")`},
		},
		{
			name:  "event start without offset",
			files: map[string]string{"events/bbq.md": strings.Replace(bbqJA, "start: 2026-07-18T17:00:00+09:00", "start: 2026-07-18 17:00", 1)},
			want:  []string{`content/events/bbq.md:4: start must be a date and time with offset like 2026-12-05T18:30:00+09:00 (got "2026-07-18 17:00")`},
		},
		{
			name:  "event without start",
			files: map[string]string{"events/bbq.md": strings.Replace(bbqJA, "start: 2026-07-18T17:00:00+09:00\n", "", 1)},
			want:  []string{"content/events/bbq.md:1: missing required field start"},
		},
		{
			name:  "event end before start",
			files: map[string]string{"events/bbq.md": strings.Replace(bbqJA, "end: 2026-07-18T20:00:00+09:00", "end: 2026-07-18T16:00:00+09:00", 1)},
			want:  []string{"content/events/bbq.md:5: end is before start"},
		},
		{
			name:  "event end equals start in another offset",
			files: map[string]string{"events/bbq.md": strings.Replace(bbqJA, "end: 2026-07-18T20:00:00+09:00", "end: 2026-07-18T08:00:00Z", 1)},
			want:  []string{"content/events/bbq.md:5: end is the same as start: it must be after start"},
		},
		{
			name:  "event without location",
			files: map[string]string{"events/bbq.md": strings.Replace(bbqJA, "location: 東京本社 屋上テラス\n", "", 1)},
			want:  []string{"content/events/bbq.md:1: missing required field location"},
		},
		{
			name:  "rsvp deadline after start",
			files: map[string]string{"events/bbq.md": strings.Replace(bbqJA, "capacity: 40", "capacity: 40\nrsvp_deadline: 2026-07-18T18:00:00+09:00", 1)},
			want:  []string{"content/events/bbq.md:8: rsvp_deadline is after start"},
		},
		{
			name:  "capacity not a number",
			files: map[string]string{"events/bbq.md": strings.Replace(bbqJA, "capacity: 40", "capacity: forty", 1)},
			want:  []string{`content/events/bbq.md:7: capacity must be a whole number (got "forty")`},
		},
		{
			name:  "capacity not whole",
			files: map[string]string{"events/bbq.md": strings.Replace(bbqJA, "capacity: 40", "capacity: 40.5", 1)},
			want:  []string{`content/events/bbq.md:7: capacity must be a whole number (got "40.5")`},
		},
		{
			name:  "capacity quoted",
			files: map[string]string{"events/bbq.md": strings.Replace(bbqJA, "capacity: 40", `capacity: "40"`, 1)},
			want:  []string{`content/events/bbq.md:7: capacity must be a whole number (got "40")`},
		},
		{
			name:  "negative capacity",
			files: map[string]string{"events/bbq.md": strings.Replace(bbqJA, "capacity: 40", "capacity: -5", 1)},
			want:  []string{"content/events/bbq.md:7: capacity must be 1 or more"},
		},
		{
			name:  "zero capacity",
			files: map[string]string{"events/bbq.md": strings.Replace(bbqJA, "capacity: 40", "capacity: 0", 1)},
			want:  []string{"content/events/bbq.md:7: capacity must be 1 or more"},
		},
		{
			name:  "missing capacity",
			files: map[string]string{"events/bbq.md": strings.Replace(bbqJA, "capacity: 40\n", "", 1)},
			want:  []string{"content/events/bbq.md:1: missing required field capacity"},
		},
		{
			name:  "negative guests",
			files: map[string]string{"events/bbq.md": strings.Replace(bbqJA, "capacity: 40", "capacity: 40\nguests_allowed: -1", 1)},
			want:  []string{"content/events/bbq.md:8: guests_allowed must be 0 or more"},
		},
		{
			name:  "online must be a bool",
			files: map[string]string{"events/bbq.md": strings.Replace(bbqJA, "capacity: 40", "capacity: 40\nonline: \"true\"", 1)},
			want:  []string{`content/events/bbq.md:8: online must be true or false (got "true")`},
		},
		{
			name:  "unknown field with a suggestion",
			files: map[string]string{"events/bbq.md": strings.Replace(bbqJA, "capacity: 40", "capactiy: 40", 1)},
			want: []string{
				"content/events/bbq.md:1: missing required field capacity",
				"content/events/bbq.md:7: unknown field capactiy (did you mean capacity?)",
			},
		},
		{
			name:  "unknown field without a suggestion",
			files: map[string]string{"jobs/backend.md": strings.Replace(rehireJA, "location: 東京", "location: 東京\nsalary: 800万円", 1)},
			want:  []string{"content/jobs/backend.md:7: unknown field salary"},
		},
		{
			name:  "slug is not allowed on an event",
			files: map[string]string{"events/bbq.md": strings.Replace(bbqJA, "capacity: 40", "capacity: 40\nslug: bbq2", 1)},
			want:  []string{"content/events/bbq.md:8: unknown field slug"},
		},
		{
			name:  "event id must be URL-safe",
			files: map[string]string{"events/Summer BBQ.md": bbqJA},
			want:  []string{`content/events/Summer BBQ.md:1: file name "Summer BBQ" is this page's id and URL: use lowercase letters, digits and hyphens`},
		},
		{
			name:  "unknown visibility",
			files: map[string]string{"news/x.md": "---\ntitle: x\ndate: 2026-04-01\nvisibility: secret\n---\n"},
			want:  []string{`content/news/x.md:4: visibility must be public or members (got "secret")`},
		},
		{
			name:  "members page outside members/",
			files: map[string]string{"news/x.md": "---\ntitle: x\ndate: 2026-04-01\nvisibility: members\n---\n"},
			want:  []string{"content/news/x.md:4: members-only pages belong under content/members/"},
		},
		{
			name: "public page inside members/",
			files: map[string]string{
				"members/_index.md": membersIndex,
				"members/news/x.md": "---\ntitle: x\nvisibility: public\ndate: 2026-04-01\n---\n",
			},
			want: []string{"content/members/news/x.md:3: public pages do not belong under content/members/: remove visibility: public or move the file out"},
		},
		{
			name:  "members folder without its _index.md",
			files: map[string]string{"members/news/x.md": newsJA},
			want:  []string{"content/members/_index.md:1: file is missing: it must set cascade: visibility: members for the pages under content/members/"},
		},
		{
			name: "members _index.md without the cascade",
			files: map[string]string{
				"members/_index.md": "---\ntitle: メンバー限定\ncascade:\n  draft: false\n---\n",
				"members/news/x.md": newsJA,
			},
			want: []string{"content/members/_index.md:3: cascade must set visibility: members for the pages under content/members/"},
		},
		{
			name: "members cascade as a list with params",
			files: map[string]string{
				"members/_index.md": "---\ntitle: メンバー限定\ncascade:\n  - params:\n      visibility: members\n---\n",
				"members/news/x.md": newsJA,
			},
		},
		{
			name:  "unknown employment type lists the allowed ones",
			files: map[string]string{"jobs/backend.md": strings.Replace(rehireJA, "employment_type: rehire", "employment_type: fulltime", 1)},
			want:  []string{`content/jobs/backend.md:4: employment_type must be one of rehire, contract, sidework, project (got "fulltime")`},
		},
		{
			name:  "closes must be a date",
			files: map[string]string{"jobs/backend.md": strings.Replace(rehireJA, "closes: 2026-08-31", "closes: 2026-08-31T18:00:00+09:00", 1)},
			want:  []string{`content/jobs/backend.md:7: closes must be a date YYYY-MM-DD (got "2026-08-31T18:00:00+09:00")`},
		},
		{
			name:  "missing department",
			files: map[string]string{"jobs/backend.md": strings.Replace(rehireJA, "department: プラットフォーム部\n", "", 1)},
			want:  []string{"content/jobs/backend.md:1: missing required field department"},
		},
		{
			name:  "contact with a person's name is not echoed",
			files: map[string]string{"jobs/backend.md": strings.Replace(rehireJA, "contact: careers@example.co.jp", "contact: Taro Yamada <taro@example.co.jp>", 1)},
			want:  []string{"content/jobs/backend.md:8: contact must be a plain email address, like careers@example.co.jp"},
		},
		{
			name: "translation disagrees on visibility",
			files: map[string]string{
				"members/_index.md":        membersIndex,
				"members/news/x.md":        newsJA,
				"members/news/x.en.md":     "---\ntitle: x\ndate: 2026-04-01\nvisibility: public\n---\n",
				"members/news/other.md":    newsJA,
				"members/news/other.en.md": "---\ntitle: y\ndate: 2026-04-01\nvisibility: members\n---\n",
			},
			want: []string{
				"content/members/news/x.en.md:4: public pages do not belong under content/members/: remove visibility: public or move the file out",
				"content/members/news/x.en.md:4: visibility public disagrees with the Japanese original content/members/news/x.md (members)",
			},
		},
		{
			name: "translation disagrees on start and capacity",
			files: map[string]string{
				"events/bbq.md":    bbqJA,
				"events/bbq.en.md": strings.Replace(strings.Replace(bbqEN, "T17:00", "T18:00", 1), "capacity: 40", "capacity: 50", 1),
			},
			want: []string{
				"content/events/bbq.en.md:4: start 2026-07-18T18:00:00+09:00 disagrees with the Japanese original content/events/bbq.md (2026-07-18T17:00:00+09:00)",
				"content/events/bbq.en.md:7: capacity 50 disagrees with the Japanese original content/events/bbq.md (40)",
			},
		},
		{
			name: "translation leaves out an optional machine field",
			files: map[string]string{
				"events/bbq.md":    strings.Replace(bbqJA, "capacity: 40", "capacity: 40\nguests_allowed: 2\nrsvp_deadline: 2026-07-11T23:59:00+09:00", 1),
				"events/bbq.en.md": bbqEN,
			},
			want: []string{
				"content/events/bbq.en.md:1: guests_allowed 0 disagrees with the Japanese original content/events/bbq.md (2)",
				"content/events/bbq.en.md:1: rsvp_deadline not set disagrees with the Japanese original content/events/bbq.md (2026-07-11T23:59:00+09:00)",
			},
		},
		{
			name: "translation disagrees on closes and employment type",
			files: map[string]string{
				"jobs/backend.md":    rehireJA,
				"jobs/backend.en.md": strings.Replace(strings.Replace(rehireEN, "2026-08-31", "2026-09-30", 1), "employment_type: rehire", "employment_type: contract", 1),
			},
			want: []string{
				"content/jobs/backend.en.md:4: employment_type contract disagrees with the Japanese original content/jobs/backend.md (rehire)",
				"content/jobs/backend.en.md:7: closes 2026-09-30 disagrees with the Japanese original content/jobs/backend.md (2026-08-31)",
			},
		},
		{
			name:  "English page without a Japanese original",
			files: map[string]string{"news/x.en.md": "---\ntitle: x\ndate: 2026-04-01\n---\n"},
			want:  []string{"content/news/x.en.md:1: English page has no Japanese original content/news/x.md: every page is written in Japanese first"},
		},
		{
			name: "duplicate id across public and members",
			files: map[string]string{
				"members/_index.md":          membersIndex,
				"events/bbq.md":              bbqJA,
				"members/events/bbq.md":      bbqJA,
				"members/events/other.md":    bbqJA,
				"members/jobs/backend.md":    rehireJA,
				"jobs/2026/backend.md":       rehireJA,
				"news/2026/new-office.md":    newsJA,
				"members/news/new-office.md": newsJA,
			},
			want: []string{
				"content/members/events/bbq.md:1: id bbq is already used by content/events/bbq.md",
				"content/members/jobs/backend.md:1: id backend is already used by content/jobs/2026/backend.md",
				"content/news/2026/new-office.md:1: id new-office is already used by content/members/news/new-office.md",
			},
		},
		{
			name: "problems are sorted by file then line",
			files: map[string]string{
				"news/b.md": "---\ntitle: b\ndate: 2026-04-01\nvisibility: secret\ndraft: 1\n---\n",
				"news/a.md": "---\ndate: x\n---\n",
			},
			want: []string{
				"content/news/a.md:1: missing required field title",
				`content/news/a.md:2: date must be a date YYYY-MM-DD or a date and time like 2026-12-05T18:30:00+09:00 (got "x")`,
				`content/news/b.md:4: visibility must be public or members (got "secret")`,
				`content/news/b.md:5: draft must be true or false (got "1")`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Chdir(t.TempDir())
			writeTree(t, "content", tt.files)
			problems, err := Check("content")
			if err != nil {
				t.Fatal(err)
			}
			got := make([]string, len(problems))
			for i, p := range problems {
				got[i] = p.String()
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("problems:\n  got  %q\n  want %q", got, tt.want)
			}
		})
	}
}

func TestCheckNamesFilesAsGiven(t *testing.T) {
	root := t.TempDir()
	writeTree(t, filepath.Join(root, "site-content"), map[string]string{"news/x.md": "---\ntitle: x\ndate: 2026-13-01\n---\n"})
	problems, err := Check(filepath.Join(root, "site-content"))
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(root, "site-content", "news", "x.md") + ":3: "
	if len(problems) != 1 || !strings.HasPrefix(problems[0].String(), want) {
		t.Fatalf("problems = %v, want one starting %q", problems, want)
	}
}

func TestCheckMissingDir(t *testing.T) {
	if _, err := Check(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Fatal("Check of a missing folder: no error")
	}
}

func TestLoadCatalog(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"events/summer-bbq-2026.md":     strings.Replace(bbqJA, "capacity: 40", "capacity: 40\nguests_allowed: 1\nrsvp_deadline: 2026-07-11T23:59:00+09:00", 1),
		"events/summer-bbq-2026.en.md":  strings.Replace(bbqEN, "capacity: 40", "capacity: 40\nguests_allowed: 1\nrsvp_deadline: 2026-07-11T14:59:00Z", 1),
		"members/_index.md":             membersIndex,
		"members/events/alumni-talk.md": strings.Replace(bbqJA, "location: 東京本社 屋上テラス", "location: オンライン\nonline: true", 1),
		"jobs/backend-rehire.md":        rehireJA,
		"jobs/backend-rehire.en.md":     rehireEN,
		"news/new-office.md":            newsJA,
	})
	c, problems, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 0 {
		t.Fatalf("problems: %v", problems)
	}
	if len(c.Pages) != 7 {
		t.Errorf("pages = %d, want 7", len(c.Pages))
	}
	if len(c.Events) != 2 || c.Events[0].ID != "alumni-talk" || c.Events[1].ID != "summer-bbq-2026" {
		t.Fatalf("events = %+v, want alumni-talk and summer-bbq-2026", c.Events)
	}
	talk, bbq := c.Events[0], c.Events[1]
	if talk.Visibility != Members || !talk.Online || talk.Location[Japanese] != "オンライン" || len(talk.Title) != 1 {
		t.Errorf("alumni-talk = %+v", talk)
	}
	jst := time.FixedZone("JST", 9*60*60)
	wantBBQ := Event{
		ID: "summer-bbq-2026", Path: "events/summer-bbq-2026.md",
		Title:    map[string]string{Japanese: "夏のバーベキュー", English: "Summer barbecue"},
		Location: map[string]string{Japanese: "東京本社 屋上テラス", English: "Tokyo office rooftop"},
		Start:    time.Date(2026, 7, 18, 17, 0, 0, 0, jst), End: time.Date(2026, 7, 18, 20, 0, 0, 0, jst),
		Capacity: 40, RSVPDeadline: time.Date(2026, 7, 11, 23, 59, 0, 0, jst), GuestsAllowed: 1, Visibility: Public,
	}
	if !bbq.Start.Equal(wantBBQ.Start) || !bbq.End.Equal(wantBBQ.End) || !bbq.RSVPDeadline.Equal(wantBBQ.RSVPDeadline) ||
		bbq.ID != wantBBQ.ID || bbq.Path != wantBBQ.Path || bbq.Capacity != 40 || bbq.GuestsAllowed != 1 || bbq.Online ||
		bbq.Visibility != Public || !maps.Equal(bbq.Title, wantBBQ.Title) || !maps.Equal(bbq.Location, wantBBQ.Location) {
		t.Errorf("summer-bbq-2026 =\n  %+v\nwant\n  %+v", bbq, wantBBQ)
	}
	if len(c.Jobs) != 1 {
		t.Fatalf("jobs = %+v, want 1", c.Jobs)
	}
	j := c.Jobs[0]
	if j.ID != "backend-rehire" || j.EmploymentType != "rehire" || j.Contact != "careers@example.co.jp" ||
		!j.Closes.Equal(time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC)) ||
		j.Department[English] != "Platform" || j.Department[Japanese] != "プラットフォーム部" || j.Title[English] != "Backend engineer (re-hire)" {
		t.Errorf("job = %+v", j)
	}
	var news *Page
	for i := range c.Pages {
		if c.Pages[i].Path == "news/new-office.md" {
			news = &c.Pages[i]
		}
	}
	if news == nil || news.Section != "news" || news.ID != "new-office" || news.Lang != Japanese ||
		!news.Date.Equal(time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)) || news.Params["title"] != "新オフィスのお知らせ" {
		t.Errorf("news page = %+v", news)
	}
}

// TestRepositoryContent checks the sample content HR's site is built from.
func TestRepositoryContent(t *testing.T) {
	dir := filepath.Join(repoRoot(t), "content")
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		t.Skip("content/ does not exist yet")
	}
	c, problems, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Pages) == 0 {
		t.Skip("content/ has no pages yet")
	}
	for _, p := range problems {
		t.Error(p)
	}
	t.Logf("%d pages, %d events, %d jobs", len(c.Pages), len(c.Events), len(c.Jobs))
}

// repoRoot walks up from the test's folder to the one holding go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test folder")
		}
		dir = parent
	}
}
