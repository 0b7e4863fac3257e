package account

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

var sampleData = emailData{
	Name: "山田 花子", Link: "https://alumni.example.co.jp/api/x?token=TOKEN", Minutes: 15,
	Reason: "在籍記録を確認できませんでした", FromName: "佐藤", Message: "お久しぶりです！", Portal: "https://alumni.example.co.jp",
	ReplyNote: "",
}

// Golden files hold every email in both languages, so a change to any text
// shows up in review as a diff of what people will read.
func TestEmailsMatchGoldenFiles(t *testing.T) {
	for kind, langs := range emailTemplates {
		for _, lang := range []string{"ja", "en"} {
			if _, ok := langs[lang]; !ok {
				t.Errorf("%s has no %s version", kind, lang)
				continue
			}
			subject, body, err := renderEmail(kind, lang, sampleData)
			if err != nil {
				t.Fatalf("%s/%s: %v", kind, lang, err)
			}
			got := "Subject: " + subject + "\n\n" + body
			path := filepath.Join("testdata", "email-"+string(kind)+"."+lang+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from golden file:\n%s", path, got)
			}
		}
	}
}
