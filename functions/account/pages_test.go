package account

import (
	"strings"
	"testing"
)

// The profile page speaks to members, not to programmers: the bio says
// how to write paragraphs and lists instead of naming Markdown, and the
// data download says what the file holds, its format only as a hint.
func TestProfilePageSpeaksPlainly(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	c := f.client(t, f.approvedMember(t, "plain@example.com"))
	for path, want := range map[string][]string{
		"/members/profile/": {`<label for="bio">自己紹介</label>`, "行の頭に「- 」を付けると箇条書き", "スキル（「、」で区切って複数書けます）",
			`aria-describedby="export-hint">登録データをダウンロードする</a>`, "ほかのサービスでも読み込める形式（JSON形式）"},
		"/en/members/profile/": {`<label for="bio">About you</label>`, "for a bulleted list", "Skills (separate them with commas)",
			`aria-describedby="export-hint">Download my data</a>`, "in a format other services can read (JSON)"},
	} {
		body := c.get(path, "text/html").Body.String()
		for _, w := range want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", path, w)
			}
		}
		for _, w := range []string{"Markdown", "カンマ区切り", "comma-separated", "（JSON）<", "(JSON)<"} {
			if strings.Contains(body, w) {
				t.Errorf("%s shows %q", path, w)
			}
		}
	}
}
