package account

import (
	"context"
	"time"

	"github.com/okaeri/okaeri/functions/mail"

	"github.com/okaeri/okaeri/functions/mail/mailtext"
)

// emailKind names one transactional email of the accounts flow.
type emailKind string

const (
	emailVerify       emailKind = "verify"        // confirm the address after registering
	emailAlreadyKnown emailKind = "already-known" // someone registered an address that has an account
	// emailWelcome greets an approved member with a one-click login link
	// (single use, bound to the member and the address) and three next steps.
	emailWelcome      emailKind = "welcome"
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
	// emailNudge asks a member whose profile is still empty a week after
	// approval to fill it in (a lifecycle mail, RunLifecycle).
	emailNudge emailKind = "nudge"
	// emailYearly asks, on each anniversary of approval, whether the
	// profile and the consents are still right (a lifecycle mail).
	emailYearly emailKind = "yearly"
)

// emailData fills the templates. Only what the template shows is set.
type emailData struct {
	Name     string
	Link     string
	TTL      time.Duration // how long Link works
	Reason   string
	FromName string
	Message  string
	Portal   string // the portal's origin
	// Steps are the welcome mail's next steps' pages.
	Profile, Events, Jobs string
	// Preferences is the member's preferences page (the yearly check).
	Preferences string
}

// emailTemplates: Japanese first, English second, same facts in both.
// Links are buttons ({{button}}, {{secondary}}): the HTML part prints no
// URL; the plain-text part shows each after its label (mailtext).
var emailTemplates = mailtext.Set[emailKind]{
	emailNudge: {
		"ja": {"プロフィールを入力しませんか", `{{.Name}} 様

{{portal}}にご登録いただいてから1週間がたちました。プロフィールはまだ空のままです。
いまのお仕事や地域、得意なことを書いておくと、{{company}}やほかのアルムナイがあなたを見つけやすくなり、求人やイベントのご案内もあなたに合ったものになります。数分で終わります。

{{button "プロフィールを入力する" .Profile}}

{{note "名簿に何を載せるかはプロフィールで選べます。載せない項目はほかの会員には表示されません。"}}
`},
		"en": {"Would you fill in your profile?", `Dear {{.Name}},

It is a week since you joined {{portal}}, and your profile is still empty.
Saying what you do now, where you are and what you are good at helps {{company}} and other alumni find you, and makes the jobs and events we tell you about fit you better. It takes a few minutes.

{{button "Fill in your profile" .Profile}}

{{note "You choose in your profile what the directory shows; what you do not show, other members do not see."}}
`},
	},
	emailYearly: {
		"ja": {"ご登録内容はいまも正しいですか", `{{.Name}} 様

{{portal}}にご登録いただいて、また1年がたちました。いつもありがとうございます。
年に一度、ご登録の内容をご確認いただくお願いをしています。勤務先や地域が変わっていたら、プロフィールを更新してください。
受け取るお知らせ（ニュースレター、イベント、求人など）への同意も、いつでも見直し、取り消すことができます。

{{button "プロフィールを確認する" .Profile}}

{{secondary "受け取るお知らせを確認する" .Preferences}}

{{note "このメールはご登録内容の確認のため、年に一度だけお送りしています。"}}
`},
		"en": {"Is this still right?", `Dear {{.Name}},

Another year has passed since you joined {{portal}}. Thank you for being with us.
Once a year we ask you to look over what you registered. If your company or location has changed, please update your profile.
You can also review, and withdraw at any time, what you agreed to receive (the newsletter, events, jobs and more).

{{button "Check your profile" .Profile}}

{{secondary "Check what you receive" .Preferences}}

{{note "We send this once a year, so that what we hold about you stays right."}}
`},
	},
	emailVerify: {
		"ja": {"メールアドレスの確認をお願いします", `{{.Name}} 様

{{portal}}へのご登録ありがとうございます。
下のボタンを押して、メールアドレスを確認してください。リンクは{{duration .TTL}}有効です。

{{button "メールアドレスを確認する" .Link}}

{{note "お心当たりのない場合は、このメールを破棄してください。登録は完了しません。"}}
`},
		"en": {"Please confirm your email address", `Dear {{.Name}},

Thank you for registering with {{portal}}.
Press the button below to confirm your email address. The link works for {{duration .TTL}}.

{{button "Confirm my email address" .Link}}

{{note "If you did not register, ignore this email; nothing will be created."}}
`},
	},
	emailAlreadyKnown: {
		"ja": {"登録のお申し込みについて", `このメールアドレスは、すでに{{portal}}に登録されています。
ログインは下のボタンからどうぞ。

{{button "ログインする" (print .Portal "/login/")}}

{{note "お心当たりのない場合は、このメールを破棄してください。"}}
`},
		"en": {"About your registration", `This email address is already registered with {{portal}}.
Log in with the button below.

{{button "Log in" (print .Portal "/en/login/")}}

{{note "If this was not you, ignore this email."}}
`},
	},
	emailWelcome: {
		"ja": {"おかえりなさい。ご登録が承認されました", `{{.Name}} 様

おかえりなさい。{{company}}のアルムナイネットワーク「{{portal}}」へのご登録が承認されました。
下のボタンからそのままログインできます（{{duration .TTL}}、一度だけ有効です。その後はログインページからメールでリンクを受け取れます）。

{{button "ログインしてはじめる" .Link}}

{{heading "はじめにおすすめの3つのこと"}}

{{heading "1. プロフィールを整える"}}
いまのお仕事や、興味のあること（再入社・副業・業務委託など）をプロフィールに書いておくと、会社やほかのアルムナイとつながりやすくなります。名簿に載せるかどうかも選べます。
{{secondary "プロフィールへ" .Profile}}

{{heading "2. イベントに参加する"}}
交流会や勉強会を開いています。ログインなしでメールから申し込めるものもあります。
{{secondary "イベントを見る" .Events}}

{{heading "3. 求人を見る"}}
再入社・業務委託・副業の求人を、アルムナイの方に先にお知らせしています。
{{secondary "求人を見る" .Jobs}}
`},
		"en": {"Welcome back: your registration is approved", `Dear {{.Name}},

Welcome back! Your registration with {{portal}}, the alumni network of {{company}}, is approved.
The button below logs you straight in (once, for {{duration .TTL}}; after that, ask the login page for a link by email).

{{button "Log in and get started" .Link}}

{{heading "Three things to do first"}}

{{heading "1. Fill in your profile"}}
Say what you do now and what you are open to (coming back, side work and contracts, and more): it helps the company and other alumni find you. You choose whether the directory lists you.
{{secondary "Your profile" .Profile}}

{{heading "2. Join an event"}}
We hold meetups and study sessions; some you can RSVP to straight from the email, without logging in.
{{secondary "See the events" .Events}}

{{heading "3. Look at the jobs"}}
Re-hire, contract and side-work openings are shown to alumni first.
{{secondary "See the jobs" .Jobs}}
`},
	},
	emailPendingHR: {
		"ja": {"メールアドレスを確認しました", `{{.Name}} 様

メールアドレスの確認が完了しました。{{office}}がご登録内容を確認しています。
承認されましたら、あらためてメールでお知らせします。
`},
		"en": {"Email address confirmed", `Dear {{.Name}},

Your email address is confirmed. The {{office}} is reviewing your registration
and will email you once it is approved.
`},
	},
	emailReviewWaiting: {
		"ja": {"【アルムナイ】承認待ちの登録があります", `{{office}} ご担当者様

{{portal}}に、承認を待っている登録があります。
在籍記録と照らし合わせて、承認または却下してください。

{{button "承認待ちの登録を見る" .Link}}

{{note "このお知らせは、承認待ちの登録が増えたとき、1時間に1回までお送りします。"}}
`},
		"en": {"[Alumni] Registrations await your review", `Dear {{office}},

Registrations to {{portal}} are waiting for your review.
Please check them against the employment records and approve or reject them.

{{button "Review the registrations" .Link}}

{{note "This notice is sent at most once an hour while new registrations arrive."}}
`},
	},
	emailRejected: {
		"ja": {"ご登録について", `{{.Name}} 様

{{portal}}へのご登録をいただきありがとうございました。
申し訳ございませんが、今回のご登録は承認できませんでした。

{{fact "理由" .Reason}}

ご不明な点は{{office}}（{{contact}}）までお問い合わせください。
`},
		"en": {"About your registration", `Dear {{.Name}},

Thank you for registering with {{portal}}.
We are sorry, but we could not approve your registration.

{{fact "Reason" .Reason}}

If you have questions, please write to the {{office}} ({{contact}}).
`},
	},
	emailLogin: {
		"ja": {"ログインリンクをお送りします", `{{.Name}} 様

下のボタンから{{portal}}にログインしてください。リンクは{{duration .TTL}}、一度だけ有効です。

{{button "ログインする" .Link}}

{{note "ログインをお申し込みでない場合は、このメールを破棄してください。"}}
`},
		"en": {"Your login link", `Dear {{.Name}},

Use the button below to log in to {{portal}}. The link works once, for {{duration .TTL}}.

{{button "Log in" .Link}}

{{note "If you did not ask to log in, ignore this email."}}
`},
	},
	emailChangeVerify: {
		"ja": {"新しいメールアドレスの確認をお願いします", `{{.Name}} 様

{{portal}}のメールアドレスの変更を受け付けました。下のボタンを押すと変更が完了します。リンクは{{duration .TTL}}有効です。

{{button "新しいアドレスを確認する" .Link}}

{{note "お心当たりのない場合は、このメールを破棄してください。アドレスは変更されません。"}}
`},
		"en": {"Please confirm your new email address", `Dear {{.Name}},

We received a request to change your email address at {{portal}}. Press the button below to finish
the change. The link works for {{duration .TTL}}.

{{button "Confirm my new address" .Link}}

{{note "If this was not you, ignore this email; your address stays as it is."}}
`},
	},
	emailAddressInUse: {
		"ja": {"メールアドレス変更のお申し込みについて", `{{portal}}で、別のアカウントのメールアドレスをこのアドレスに変更するお申し込みがありました。
このアドレスはすでにアカウントに登録されているため、変更は行われていません。

{{note "お心当たりのない場合は、このメールを破棄してください。あなたのアカウントには何も変更はありません。"}}
`},
		"en": {"About a request to use this address", `Someone asked {{portal}} to move another account to this email address.
This address already belongs to an account, so nothing was changed.

{{note "If this was not you, ignore this email; your account is unchanged."}}
`},
	},
	emailChanged: {
		"ja": {"メールアドレスが変更されました", `{{.Name}} 様

{{portal}}のアカウントのメールアドレスが、このアドレスから別のアドレスに変更されました。
今後のお知らせとログイン用リンクは新しいアドレスに届きます。

お心当たりのない場合は、下のボタンを押すと元のアドレス（このアドレス）に戻し、すべてのログインを終了します。リンクは{{duration .TTL}}有効です。

{{button "元のアドレスに戻す" .Link}}
`},
		"en": {"Your email address was changed", `Dear {{.Name}},

The email address of your {{portal}} account was changed from this address to another one.
News and login links will go to the new address from now on.

If this was not you, press the button below: it puts this address back and ends every
login. The link works for {{duration .TTL}}.

{{button "Put my address back" .Link}}
`},
	},
	emailNumberHeld: {
		"ja": {"社員番号の確認について", `{{.Name}} 様

{{portal}}へのご登録ありがとうございます。入力された社員番号は、すでに別のご登録で使われています。
ご登録はメールアドレスの確認後、{{office}}が名簿と照合して判断します（別のメールでお送りするリンクからメールアドレスを確認してください）。

社員番号に誤りがある場合や、お心当たりがない場合は、{{office}}（{{contact}}）にお問い合わせください。
`},
		"en": {"About your employee number", `Dear {{.Name}},

Thank you for registering with {{portal}}. The employee number you entered is already used by another registration.
Once you confirm your address (with the link in our other email), the {{office}} will check
your registration against the roster and decide.

If the number is wrong, or if this surprises you, please write to the {{office}} ({{contact}}).
`},
	},
	emailErased: {
		"ja": {"登録情報を削除しました", `{{portal}}に登録されていたあなたの個人情報をすべて削除しました。
これまでのご参加ありがとうございました。またいつでもお待ちしています。
`},
		"en": {"Your data has been erased", `We have erased all personal data {{portal}} held about you.
Thank you for being part of it; you are welcome back any time.
`},
	},
	emailContact: {
		"ja": {"{{.FromName}}さんからメッセージが届きました", `{{.FromName}}さんから、{{portal}}の名簿経由でメッセージが届きました。

{{quote .Message}}

{{note "このメールにはあなたのメールアドレスは含まれていません。返信すると、あなたのアドレスが相手に伝わります。"}}

{{secondary "この方をブロックする" .Link}}
{{note "ブロックすると、その方には名簿にあなたが表示されず、メッセージも届かなくなります。相手には知らされません。"}}
`},
		"en": {"A message from {{.FromName}}", `{{.FromName}} sent you a message through the {{portal}} directory.

{{quote .Message}}

{{note "Your email address has not been shared. If you reply, they will see your address."}}

{{secondary "Block this member" .Link}}
{{note "Once blocked, they no longer see you in the directory and cannot write to you. They are not told."}}
`},
	},
}

// email renders one email in lang with the company's frame and sender.
func (s *Service) email(ctx context.Context, to mail.Address, kind emailKind, lang string, d emailData) (mail.Message, error) {
	if d.Portal == "" {
		d.Portal = s.Config.BaseURL
	}
	b := mailtext.BrandOf(ctx, s.Company, s.Config.BaseURL)
	e, err := emailTemplates.Render(kind, lang, d, b)
	if err != nil {
		return mail.Message{}, err
	}
	return e.Message(s.Config.From, to, b, string(kind)), nil
}
