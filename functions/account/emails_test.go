package account

import (
	"flag"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/mail/mailtext/mailtexttest"
)

var update = flag.Bool("update", false, "rewrite golden files")

var sampleData = emailData{
	Name: "山田 花子", Link: "https://alumni.example.co.jp/api/x?token=TOKEN", TTL: 24 * time.Hour,
	Reason: "在籍記録を確認できませんでした", FromName: "佐藤", Message: "お久しぶりです！\n来月の交流会でお会いしましょう。", Portal: "https://alumni.example.co.jp",
	Profile: "https://alumni.example.co.jp/members/profile/", Events: "https://alumni.example.co.jp/members/events/", Jobs: "https://alumni.example.co.jp/members/jobs/",
	Preferences: "https://alumni.example.co.jp/members/preferences/",
}

// Golden files hold every email in both languages, so a change to any text
// shows up in review as a diff of what people will read.
func TestEmailsMatchGoldenFiles(t *testing.T) {
	mailtexttest.Golden(t, emailTemplates, sampleData, *update)
}
