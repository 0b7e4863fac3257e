package account

import (
	"net/http"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/store"
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

// What a member is open to (re-hire, side work, mentoring, referring
// friends) is named as their profile form names it on every page that
// shows it: the directory, and HR's member list, member page, CSV and
// audit log; in English too. HR's pages once said 関心 and 紹介.
func TestOpenToIsNamedAsOnTheProfileForm(t *testing.T) {
	f := newFixture(t, ApprovalOpen)
	open := f.listedMember(t, "open@example.com", "出戻 太郎", func(m *store.Member) {
		m.Profile.OpenTo = store.OpenTo{Rehire: true, Referrals: true}
		m.Profile.Visible = append(m.Profile.Visible, "open_to")
	})
	hrJA := f.listedMember(t, "hr@example.co.jp", "人事 花子", func(m *store.Member) { m.Roles = []store.Role{store.RoleHR} })
	hrEN := f.listedMember(t, "hr-en@example.co.jp", "HR", func(m *store.Member) {
		m.Roles, m.Language = []store.Role{store.RoleHR}, store.LanguageEn
	})
	for lang, words := range openToWords {
		form := f.client(t, open).get(map[string]string{"ja": "/members/profile/", "en": "/en/members/profile/"}[lang], "text/html").Body.String()
		for _, w := range []string{words["open_to"], words["rehire"], words["referrals"], words["sidework"], words["mentoring"]} {
			if !strings.Contains(form, w) {
				t.Fatalf("%s: the profile form does not say %q; the test's words are not the form's", lang, w)
			}
		}
		hr := f.client(t, map[string]store.Member{"ja": hrJA, "en": hrEN}[lang])
		dir := map[string]string{"ja": "/members/directory/", "en": "/en/members/directory/"}[lang] + open.ID + "/"
		pages := map[string][]string{
			dir:                      {"<dt>" + words["open_to"] + "</dt>", words["rehire"], words["referrals"]},
			"/hr/members?q=出戻":       {"<legend>" + words["open_to"] + "</legend>", `value="rehire"> ` + words["rehire"] + "</label>", `value="referrals"> ` + words["referrals"] + "</label>"},
			"/hr/members/" + open.ID: {"<dt>" + words["open_to"] + "</dt>", words["rehire"] + map[string]string{"ja": "、", "en": ", "}[lang] + words["referrals"]},
			"/hr/members.csv":        {openToLabel(lang, "rehire"), openToLabel(lang, "referrals")},
		}
		for path, wants := range pages {
			client := hr
			if path == dir {
				client = f.client(t, hrJA)
				if lang == "en" {
					client = f.client(t, hrEN)
				}
			}
			rec := client.get(path, "text/html")
			body := rec.Body.String()
			if rec.Code != http.StatusOK {
				t.Fatalf("%s %s: %d %s", lang, path, rec.Code, body)
			}
			for _, w := range wants {
				if !strings.Contains(body, w) {
					t.Errorf("%s %s lacks %q", lang, path, w)
				}
			}
			for _, old := range []string{"<dt>関心</dt>", "<legend>関心</legend>", "> 紹介</label>", "> 再入社</label>", "再入社に関心", "紹介に協力",
				"> Referrals</label>", "> Re-hire</label>", "Open to re-hire", "Open to referrals"} {
				if strings.Contains(body, old) {
					t.Errorf("%s %s still says %q", lang, path, old)
				}
			}
		}
		// The audit log names a changed choice the same way.
		if got, want := auditFieldLabel(lang, "profile.open_to.referrals"), words["open_to"]; !strings.HasPrefix(got, want) || !strings.HasSuffix(got, words["referrals"]) {
			t.Errorf("%s: the audit log names the referrals choice %q, want %s and %s", lang, got, want, words["referrals"])
		}
	}
}
