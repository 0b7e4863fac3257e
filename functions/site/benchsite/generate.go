package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// sections are the content sections, cycled through so each gets a quarter of the pages.
var sections = []string{"news", "stories", "jobs", "events"}

var (
	jaSentences = []string{
		"ひかりテックを卒業したみなさんに、会社の近況をお届けします。",
		"今回は、新しいオフィスでの働き方について担当者に話を聞きました。",
		"アルムナイのみなさんからいただいたご意見をもとに、制度を見直しました。",
		"参加のお申し込みは、メンバーページから受け付けています。",
		"ご不明な点は、人事部アルムナイ担当までお気軽にお問い合わせください。",
		"在籍時の経験を生かして、いまは別の会社でチームを率いています。",
		"オンラインと会場の両方で参加できるように準備を進めています。",
		"応募にあたっては、これまでのご経験を簡単にお知らせください。",
		"定員に達した場合は、キャンセル待ちとしてご案内します。",
		"当日の様子は、後日メンバーページでご報告する予定です。",
	}
	enSentences = []string{
		"Here is the latest news from Hikari Tech for our alumni.",
		"This time we asked the team about working in the new office.",
		"We have updated the policy based on feedback from alumni.",
		"Sign up from the members area.",
		"If you have any questions, please contact the alumni team in HR.",
		"She now leads a team at another company, building on her years here.",
		"We are preparing so that you can join online or in person.",
		"When you apply, please tell us briefly about your experience.",
		"When the event is full, you will be put on the waiting list.",
		"We will report on the day in the members area afterwards.",
	}
	departments = []string{"プロダクト開発部", "基盤技術部", "デザイン室", "人事部", "ソリューション事業部"}
	locations   = []string{"東京都渋谷区", "フルリモート", "大阪支社（リモート併用）", "オンライン"}
	jobTypes    = []string{"rehire", "contract", "sidework", "project"}
)

// generateContent writes n Markdown files shaped like HR's content into dir:
// the real site's list and root pages, then pages cycling through the four
// sections, every tenth under members/, every fourth with an English translation.
func generateContent(root, dir string, n int) error {
	real := filepath.Join(root, "content")
	entries, err := os.ReadDir(real)
	if err != nil {
		return err
	}
	// The real home, about, privacy, login and register pages, and the list pages.
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".md") {
			if err := copyFile(filepath.Join(real, e.Name()), filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	for _, sec := range append([]string{"members"}, sections...) {
		for _, idx := range []string{"_index.md", "_index.en.md"} {
			if err := copyFile(filepath.Join(real, sec, idx), filepath.Join(dir, sec, idx)); err != nil {
				return err
			}
		}
	}

	rng := rand.New(rand.NewPCG(2026, 11))
	first := time.Date(2020, 1, 6, 0, 0, 0, 0, time.FixedZone("JST", 9*60*60))
	written := 0
	for i := 0; written < n; i++ {
		sec := sections[i%len(sections)]
		folder := filepath.Join(dir, sec)
		if i%10 == 9 {
			folder = filepath.Join(dir, "members", sec)
		}
		slug := fmt.Sprintf("%s-%05d", sec, i)
		date := first.AddDate(0, 0, i%2500)
		langs := []string{"ja"}
		if (i/len(sections))%4 == 0 && written+1 < n {
			langs = append(langs, "en")
		}
		for _, lang := range langs {
			name := slug + ".md"
			if lang == "en" {
				name = slug + ".en.md"
			}
			if err := writeFile(filepath.Join(folder, name), page(rng, sec, lang, i, date)); err != nil {
				return err
			}
			written++
		}
	}
	return nil
}

// page renders one page: front matter for its section and a few paragraphs,
// a heading and a list, about the length of the sample content.
func page(rng *rand.Rand, sec, lang string, i int, date time.Time) string {
	pool, title := jaSentences, fmt.Sprintf("アルムナイ向けのお知らせ 第%d号", i)
	if lang == "en" {
		pool, title = enSentences, fmt.Sprintf("Alumni update no. %d", i)
	}
	pick := func() string { return pool[rng.IntN(len(pool))] }
	var b strings.Builder
	fmt.Fprintf(&b, "---\ntitle: %q\ndate: %s\ndescription: %q\n", title, date.Format("2006-01-02"), pick())
	switch sec {
	case "stories":
		fmt.Fprintf(&b, "person: %q\nrole_then: %q\nrole_now: %q\n", "アルムナイ", departments[i%len(departments)], "エンジニア")
	case "jobs":
		fmt.Fprintf(&b, "employment_type: %s\ndepartment: %s\nlocation: %s\ncloses: %s\ncontact: careers@example.co.jp\n",
			jobTypes[i%len(jobTypes)], departments[i%len(departments)], locations[i%len(locations)], date.AddDate(0, 2, 0).Format("2006-01-02"))
	case "events":
		start := date.AddDate(0, 0, 30+i%90).Add(19 * time.Hour)
		fmt.Fprintf(&b, "start: %s\nend: %s\nlocation: %s\nonline: %t\ncapacity: %d\nrsvp_deadline: %s\nguests_allowed: %d\n",
			start.Format(time.RFC3339), start.Add(2*time.Hour).Format(time.RFC3339), locations[i%len(locations)],
			i%2 == 0, 20+i%80, start.AddDate(0, 0, -2).Format(time.RFC3339), i%2)
	}
	b.WriteString("---\n\n")
	for p := 0; p < 3; p++ {
		b.WriteString(pick() + pick() + pick() + "\n\n")
	}
	heading := "## 詳しく"
	if lang == "en" {
		heading = "## Details"
	}
	b.WriteString(heading + "\n\n")
	for l := 0; l < 3; l++ {
		b.WriteString("- " + pick() + "\n")
	}
	b.WriteString("\n" + pick() + pick() + "\n")
	return b.String()
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return writeFile(to, string(b))
}

func writeFile(path, text string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(text), 0o644)
}
