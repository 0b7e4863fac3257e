package account

import (
	"flag"
	"testing"

	"github.com/okaeri/okaeri/functions/mail/mailtext/mailtexttest"
)

var update = flag.Bool("update", false, "rewrite golden files")

var sampleData = emailData{
	Name: "山田 花子", Link: "https://alumni.example.co.jp/api/x?token=TOKEN", Minutes: 15, Days: 7,
	Reason: "在籍記録を確認できませんでした", FromName: "佐藤", Message: "お久しぶりです！", Portal: "https://alumni.example.co.jp",
	ReplyNote: "",
}

// Golden files hold every email in both languages, so a change to any text
// shows up in review as a diff of what people will read.
func TestEmailsMatchGoldenFiles(t *testing.T) {
	mailtexttest.Golden(t, emailTemplates, sampleData, *update)
}
