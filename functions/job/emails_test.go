package job

import (
	"flag"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/mail/mailtext"
	"github.com/okaeri/okaeri/functions/mail/mailtext/mailtexttest"
	"github.com/okaeri/okaeri/functions/store"
)

var update = flag.Bool("update", false, "rewrite golden files")

var sampleData = emailData{
	Name: "鈴木 一郎", FromName: "山田 花子", JobTitle: "バックエンドエンジニア（再入社・正社員）", JobTitleEn: "Backend engineer (re-hire)",
	Link: "https://alumni.example.co.jp/jobs/backend-engineer-rehire/", LinkEn: "https://alumni.example.co.jp/en/jobs/backend-engineer-rehire/",
	Status: statusLabel("ja", store.ApplicationInterview), StatusNote: statusNote("ja", store.ApplicationInterview), Contact: "careers@example.co.jp",
	Message: "前職の同僚で、Goが得意です。", Unsubscribe: "https://alumni.example.co.jp/api/referrals/unsubscribe?token=TOKEN",
	Portal: "https://alumni.example.co.jp",
}

// Golden files hold every email in both languages, so a change to any text
// shows up in review as a diff of what people will read.
func TestEmailsMatchGoldenFiles(t *testing.T) {
	// A member's own mails carry the title and status in their language, as
	// apply.go fills them in.
	en := sampleData
	en.JobTitle, en.Status, en.StatusNote = sampleData.JobTitleEn, statusLabel("en", store.ApplicationInterview), statusNote("en", store.ApplicationInterview)
	mailtexttest.Golden(t, emailTemplates, mailtexttest.ByLang{"ja": sampleData, "en": en}, *update)
	// HR's notices to a shared mailbox: Japanese, then English.
	mailtexttest.GoldenBilingual(t, emailTemplates, sampleData, *update, emailHRNewApplication, emailHRWithdrawn, emailReferral)
}

// A referred friend may not read Japanese: the referral is one email in
// Japanese and then English, each with the job and the unsubscribe link.
func TestReferralEmailSpeaksBothLanguages(t *testing.T) {
	e, err := emailTemplates.Render(emailReferral, mailtext.Bilingual, sampleData, mailtexttest.Brand)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"山田 花子さん", "recommended you for \"Backend engineer (re-hire)\"", sampleData.LinkEn, sampleData.Link} {
		if !strings.Contains(e.Text, want) {
			t.Errorf("referral email lacks %q", want)
		}
	}
	if strings.Count(e.Text, sampleData.Unsubscribe) != 2 || strings.Count(e.HTML, `href="`+sampleData.Unsubscribe+`"`) != 2 {
		t.Error("the unsubscribe link should appear in both languages")
	}
	// Without a note or contact, no empty lines are left behind.
	d := sampleData
	d.Message, d.Contact = "", ""
	e, _ = emailTemplates.Render(emailReferral, "en", d, mailtexttest.Brand)
	if strings.Contains(e.Text, "A note from") || strings.Contains(e.Text, "Questions are welcome") || strings.Contains(e.Text, "\n\n\n") {
		t.Errorf("empty sections rendered:\n%s", e.Text)
	}
}
