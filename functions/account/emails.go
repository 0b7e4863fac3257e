package account

import (
	"github.com/okaeri/okaeri/functions/mail/mailtext"

	"github.com/okaeri/okaeri/functions/mail"
)

// emailKind names one transactional email of the accounts flow.
type emailKind string

const (
	emailVerify       emailKind = "verify"        // confirm the address after registering
	emailAlreadyKnown emailKind = "already-known" // someone registered an address that has an account
	emailApproved     emailKind = "approved"
	emailPendingHR    emailKind = "pending-hr"
	emailRejected     emailKind = "rejected"
	emailLogin        emailKind = "login"
	emailChangeVerify emailKind = "change-verify" // confirm a new address
	// emailAddressInUse answers an address change to an address that has
	// an account: the requester learns nothing, the mailbox's owner is told.
	emailAddressInUse emailKind = "address-in-use"
	// emailChanged tells the old address that the account moved, with a
	// link that puts it back.
	emailChanged emailKind = "email-changed"
	// emailNumberHeld tells a registering address that the employee number
	// it typed is held by another registration.
	emailNumberHeld emailKind = "number-held"
	emailErased     emailKind = "erased"
	emailContact    emailKind = "contact" // a relayed message from another member
	// emailReviewWaiting tells HR that registrations await review; it
	// names nobody and goes at most once an hour (notifyReviewers).
	emailReviewWaiting emailKind = "review-waiting"
)

// emailData fills the templates. Only what the template shows is set.
type emailData struct {
	Name      string
	Link      string
	Minutes   int
	Days      int
	Reason    string
	FromName  string
	Message   string
	Portal    string
	ReplyNote string
}

// emailTemplates: Japanese first, English second, same facts in both.
var emailTemplates = mailtext.Set[emailKind]{
	emailVerify: {
		"ja": {"【アルムナイ】メールアドレスの確認", `{{.Name}} 様

アルムナイネットワークへのご登録ありがとうございます。
下のリンクを開いて、メールアドレスを確認してください（{{.Minutes}}分間有効です）。

{{.Link}}

お心当たりのない場合は、このメールを破棄してください。登録は完了しません。
`},
		"en": {"[Alumni] Please confirm your email address", `Dear {{.Name}},

Thank you for registering with the alumni network.
Open the link below to confirm your email address (valid for {{.Minutes}} minutes).

{{.Link}}

If you did not register, ignore this email; nothing will be created.
`},
	},
	emailAlreadyKnown: {
		"ja": {"【アルムナイ】登録のお申し込みについて", `このメールアドレスはすでにアルムナイネットワークに登録されています。
ログインはこちらから: {{.Portal}}/login/

お心当たりのない場合は、このメールを破棄してください。
`},
		"en": {"[Alumni] About your registration", `This email address is already registered with the alumni network.
Log in here: {{.Portal}}/en/login/

If this was not you, ignore this email.
`},
	},
	emailApproved: {
		"ja": {"【アルムナイ】ご登録が承認されました", `{{.Name}} 様

おかえりなさい。アルムナイネットワークへのご登録が承認されました。
ログインはこちらから: {{.Portal}}/login/
`},
		"en": {"[Alumni] Your registration is approved", `Dear {{.Name}},

Welcome back! Your registration with the alumni network is approved.
Log in here: {{.Portal}}/en/login/
`},
	},
	emailPendingHR: {
		"ja": {"【アルムナイ】メールアドレスを確認しました", `{{.Name}} 様

メールアドレスの確認が完了しました。事務局がご登録内容を確認しています。
承認されましたら、あらためてメールでお知らせします。
`},
		"en": {"[Alumni] Email address confirmed", `Dear {{.Name}},

Your email address is confirmed. The alumni office is reviewing your registration
and will email you once it is approved.
`},
	},
	emailReviewWaiting: {
		"ja": {"【アルムナイ】承認待ちの登録があります", `アルムナイ事務局 ご担当者様

アルムナイネットワークに、承認を待っている登録があります。
在籍記録と照らし合わせて、承認または却下してください。
{{.Link}}

このお知らせは、承認待ちの登録が増えたとき、1時間に1回までお送りします。
`},
		"en": {"[Alumni] Registrations await your review", `Dear alumni office,

Registrations to the alumni network are waiting for your review.
Please check them against the employment records and approve or reject them:
{{.Link}}

This notice is sent at most once an hour while new registrations arrive.
`},
	},
	emailRejected: {
		"ja": {"【アルムナイ】ご登録について", `{{.Name}} 様

申し訳ございませんが、今回のご登録は承認できませんでした。
理由: {{.Reason}}

ご不明な点は事務局までお問い合わせください。
`},
		"en": {"[Alumni] About your registration", `Dear {{.Name}},

We are sorry, but we could not approve your registration.
Reason: {{.Reason}}

Please contact the alumni office if you have questions.
`},
	},
	emailLogin: {
		"ja": {"【アルムナイ】ログインリンク", `{{.Name}} 様

下のリンクからログインしてください（{{.Minutes}}分間、一度だけ有効です）。

{{.Link}}

ログインをお申し込みでない場合は、このメールを破棄してください。
`},
		"en": {"[Alumni] Your login link", `Dear {{.Name}},

Use the link below to log in (valid once, for {{.Minutes}} minutes).

{{.Link}}

If you did not ask to log in, ignore this email.
`},
	},
	emailChangeVerify: {
		"ja": {"【アルムナイ】新しいメールアドレスの確認", `{{.Name}} 様

メールアドレスの変更を受け付けました。下のリンクを開くと変更が完了します（{{.Minutes}}分間有効です）。

{{.Link}}

お心当たりのない場合は、このメールを破棄してください。アドレスは変更されません。
`},
		"en": {"[Alumni] Confirm your new email address", `Dear {{.Name}},

We received a request to change your email address. Open the link below to finish
the change (valid for {{.Minutes}} minutes).

{{.Link}}

If this was not you, ignore this email; your address stays as it is.
`},
	},
	emailAddressInUse: {
		"ja": {"【アルムナイ】メールアドレス変更のお申し込みについて", `アルムナイネットワークで、別のアカウントのメールアドレスをこのアドレスに変更するお申し込みがありました。
このアドレスはすでにアカウントに登録されているため、変更は行われていません。

お心当たりのない場合は、このメールを破棄してください。あなたのアカウントには何も変更はありません。
`},
		"en": {"[Alumni] About a request to use this address", `Someone asked the alumni network to move another account to this email address.
This address already belongs to an account, so nothing was changed.

If this was not you, ignore this email; your account is unchanged.
`},
	},
	emailChanged: {
		"ja": {"【アルムナイ】メールアドレスが変更されました", `{{.Name}} 様

アルムナイネットワークのアカウントのメールアドレスが、このアドレスから別のアドレスに変更されました。
今後のお知らせとログイン用リンクは新しいアドレスに届きます。

お心当たりのない場合は、下のリンクを開くと元のアドレス（このアドレス）に戻し、すべてのログインを終了します（{{.Days}}日間有効です）。

{{.Link}}
`},
		"en": {"[Alumni] Your email address was changed", `Dear {{.Name}},

The email address of your alumni network account was changed from this address to another one.
News and login links will go to the new address from now on.

If this was not you, open the link below: it puts this address back and ends every
login (valid for {{.Days}} days).

{{.Link}}
`},
	},
	emailNumberHeld: {
		"ja": {"【アルムナイ】社員番号の確認について", `{{.Name}} 様

ご登録ありがとうございます。入力された社員番号は、すでに別のご登録で使われています。
ご登録はメールアドレスの確認後、事務局が名簿と照合して判断します（別のメールでお送りするリンクからメールアドレスを確認してください）。

社員番号に誤りがある場合や、お心当たりがない場合は、事務局にお問い合わせください。
`},
		"en": {"[Alumni] About your employee number", `Dear {{.Name}},

Thank you for registering. The employee number you entered is already used by another registration.
Once you confirm your address (with the link in our other email), the alumni office will check
your registration against the roster and decide.

If the number is wrong, or if this surprises you, please contact the alumni office.
`},
	},
	emailErased: {
		"ja": {"【アルムナイ】登録情報を削除しました", `アルムナイネットワークに登録されていたあなたの個人情報をすべて削除しました。
これまでのご参加ありがとうございました。またいつでもお待ちしています。
`},
		"en": {"[Alumni] Your data has been erased", `We have erased all personal data the alumni network held about you.
Thank you for being part of it; you are welcome back any time.
`},
	},
	emailContact: {
		"ja": {"【アルムナイ】{{.FromName}}さんからメッセージが届きました", `{{.FromName}}さんから、アルムナイ名簿経由でメッセージが届きました。

----
{{.Message}}
----

{{.ReplyNote}}
このメールにはあなたのメールアドレスは含まれていません。返信すると、あなたのアドレスが相手に伝わります。
`},
		"en": {"[Alumni] A message from {{.FromName}}", `{{.FromName}} sent you a message through the alumni directory.

----
{{.Message}}
----

{{.ReplyNote}}
Your email address has not been shared. If you reply, they will see your address.
`},
	},
}

// message is renderEmail as a mail.Message.
func message(from, to mail.Address, kind emailKind, lang string, d emailData) (mail.Message, error) {
	subject, body, err := emailTemplates.Render(kind, lang, d)
	if err != nil {
		return mail.Message{}, err
	}
	return mail.Message{From: from, To: to, Subject: subject, Text: body, Category: string(kind)}, nil
}
