package job

import (
	"github.com/okaeri/okaeri/functions/mail/mailtext"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// emailKind names one email of the jobs flow.
type emailKind string

const (
	emailApplied          emailKind = "applied"            // to the applicant: we have your application
	emailHRNewApplication emailKind = "hr-new-application" // to the job's HR contact
	emailHRWithdrawn      emailKind = "hr-withdrawn"       // to the job's HR contact
	emailStatus           emailKind = "status"             // to the applicant, when HR chooses to tell them
	emailReferral         emailKind = "referral"           // to a referred friend
)

// emailData fills the templates; each template uses what it needs.
type emailData struct {
	Name        string
	FromName    string
	JobTitle    string
	JobTitleEn  string
	Link        string
	LinkEn      string
	Status      string
	StatusNote  string
	Contact     string
	Message     string
	Unsubscribe string
	Portal      string
	MembersOnly bool // the job is posted to registered alumni only
}

// emailTemplates: Japanese first, English second, the same facts in both.
// HR's notices (hr-*) go to each recipient in their member record's
// language, and to an address that is no member's (a shared HR mailbox) as
// one email in Japanese and then English: see hrNoticeLang. A referred
// friend's language is unknown too: the referral goes in both.
var emailTemplates = mailtext.Set[emailKind]{
	emailApplied: {
		"ja": {"「{{.JobTitle}}」へのご応募を受け付けました", `{{.Name}} 様

{{company}}の「{{.JobTitle}}」へのご応募ありがとうございます。内容を確認のうえ、担当者からご連絡します。

応募の状況はメンバーページでいつでも確認できます。取り下げもこちらからできます。
{{button "応募の状況を見る" .Link}}
`},
		"en": {"We have received your application: {{.JobTitle}}", `Dear {{.Name}},

Thank you for applying to {{company}} for "{{.JobTitle}}". We will review your application and the person in charge will get in touch.

You can follow your application, or withdraw it, on the members' pages.
{{button "See your application" .Link}}
`},
	},
	emailHRNewApplication: {
		"ja": {"【応募】{{.JobTitle}}：{{.Name}}さん", `「{{.JobTitle}}」にアルムナイから新しい応募がありました。

{{fact "応募者" (print .Name "さん")}}

応募内容と履歴書は採用管理ページで確認できます（ログインが必要です）。
{{button "応募を確認する" .Link}}
`},
		"en": {"[Application] {{if .JobTitleEn}}{{.JobTitleEn}}{{else}}{{.JobTitle}}{{end}}: {{.Name}}", `An alumnus applied for "{{if .JobTitleEn}}{{.JobTitleEn}}{{else}}{{.JobTitle}}{{end}}".

{{fact "Applicant" .Name}}

Read the application and the résumé on the HR page (login required).
{{button "Open the application" .Link}}
`},
	},
	emailHRWithdrawn: {
		"ja": {"【応募の取り下げ】{{.JobTitle}}：{{.Name}}さん", `{{.Name}}さんが「{{.JobTitle}}」への応募を取り下げました。

{{button "求人の応募一覧を見る" .Link}}
`},
		"en": {"[Withdrawn] {{if .JobTitleEn}}{{.JobTitleEn}}{{else}}{{.JobTitle}}{{end}}: {{.Name}}", `{{.Name}} withdrew their application for "{{if .JobTitleEn}}{{.JobTitleEn}}{{else}}{{.JobTitle}}{{end}}".

{{button "See the job's applications" .Link}}
`},
	},
	emailStatus: {
		"ja": {"「{{.JobTitle}}」への応募状況：{{.Status}}", `{{.Name}} 様

{{company}}の「{{.JobTitle}}」へのご応募の状況が「{{.Status}}」になりました。
{{.StatusNote}}

{{button "応募の状況を見る" .Link}}
`},
		"en": {"Your application for {{.JobTitle}}: {{.Status}}", `Dear {{.Name}},

Your application to {{company}} for "{{.JobTitle}}" is now at: {{.Status}}.
{{.StatusNote}}

{{button "See your application" .Link}}
`},
	},
	emailReferral: {
		"ja": {"{{.FromName}}さんから求人のご紹介：{{.JobTitle}}", `{{.Name}} 様

{{company}}のアルムナイ（元社員）の{{.FromName}}さんが、あなたに合う求人として「{{.JobTitle}}」を紹介してくださいました。
{{if .Message}}
{{.FromName}}さんからのひとこと:
{{quote .Message}}
{{end}}
{{if .MembersOnly}}この求人は、アルムナイネットワークに登録した方だけが見られる求人です。登録（無料）のうえ、ご覧ください。
{{button "登録して求人を見る" .Link}}{{else}}{{button "求人の詳細と応募" .Link}}{{end}}
{{if .Contact}}ご質問やご応募の相談は採用担当（{{.Contact}}）までお気軽にどうぞ。
{{end}}
{{note (print "このメールは" .FromName "さんのご紹介によりお送りしています。今後このようなご案内が不要な場合は、下のリンクから配信を停止できます。")}}
{{secondary "配信を停止する" .Unsubscribe}}
`},
		"en": {"{{.FromName}} recommended a job for you: {{if .JobTitleEn}}{{.JobTitleEn}}{{else}}{{.JobTitle}}{{end}}", `Dear {{.Name}},

{{.FromName}}, one of the alumni (former employees) of {{company}}, recommended you for "{{if .JobTitleEn}}{{.JobTitleEn}}{{else}}{{.JobTitle}}{{end}}".
{{if .Message}}
A note from {{.FromName}}:
{{quote .Message}}
{{end}}
{{if .MembersOnly}}The job is posted to members of the alumni network. Register (it is free) to read it.
{{button "Register and read the job" .LinkEn}}{{else}}{{button "Read about the job and apply" .LinkEn}}{{end}}
{{if .Contact}}Questions are welcome at {{.Contact}}.
{{end}}
{{note (print "You received this email because " .FromName " referred you. To receive no more such emails, unsubscribe below.")}}
{{secondary "Unsubscribe" .Unsubscribe}}
`},
	},
}

// statusNotes tell the applicant what a status means for them.
var statusNotes = map[store.ApplicationStatus][2]string{
	store.ApplicationReceived:  {"内容を確認しています。", "We are reading your application."},
	store.ApplicationScreening: {"書類選考を進めています。結果は担当者からご連絡します。", "We are reviewing your documents and will let you know."},
	store.ApplicationInterview: {"面接にお進みいただきます。日程は担当者からご相談します。", "We would like to meet you; the person in charge will suggest dates."},
	store.ApplicationOffer:     {"ぜひ一緒に働きたいと考えています。条件の詳細は担当者からご連絡します。", "We would like to work with you again; the person in charge will send the details of the offer."},
	store.ApplicationHired:     {"おかえりなさい！入社の手続きについては担当者からご案内します。", "Welcome back! The person in charge will guide you through joining."},
	store.ApplicationDeclined:  {"慎重に検討しましたが、今回はご期待に沿えない結果となりました。ご応募ありがとうございました。", "After careful consideration we will not go ahead this time. Thank you for applying."},
	store.ApplicationWithdrawn: {"応募は取り下げられました。", "The application has been withdrawn."},
}

// statusLabel names a stage in the words every page uses (httpapi.StageLabel).
func statusLabel(lang string, s store.ApplicationStatus) string {
	return httpapi.StageLabel(lang, string(s))
}
func statusNote(lang string, s store.ApplicationStatus) string { return pick(lang, statusNotes[s], "") }

func pick(lang string, pair [2]string, fallback string) string {
	i := 0
	if lang == httpapi.LangEN {
		i = 1
	}
	if pair[i] == "" {
		return fallback
	}
	return pair[i]
}
