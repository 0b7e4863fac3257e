package httpapi

import "fmt"

// message is one person-facing text in both languages; %v placeholders take Params.
type message struct{ ja, en string }

// messages is the catalog of error titles, details and field messages.
// One table holds every text a person can see in an error, so a test can
// check that each has both languages.
var messages = map[string]message{
	// titles per code
	"title." + string(EINVALID):      {"入力内容に誤りがあります", "Some input is not valid"},
	"title." + string(EUNAUTHORIZED): {"ログインが必要です", "Login required"},
	"title." + string(EFORBIDDEN):    {"この操作は許可されていません", "This action is not allowed"},
	"title." + string(ENOTFOUND):     {"見つかりません", "Not found"},
	"title." + string(ECONFLICT):     {"現在の状態ではこの操作はできません", "This cannot be done in the current state"},
	"title." + string(ETOOLARGE):     {"データが大きすぎます", "The request is too large"},
	"title." + string(EUNSUPPORTED):  {"この形式には対応していません", "This format is not supported"},
	"title." + string(ERATELIMITED):  {"リクエストが多すぎます", "Too many requests"},
	"title." + string(EINTERNAL):     {"サーバーで問題が発生しました", "Something went wrong on our side"},
	"title." + string(EUNAVAILABLE):  {"ただいま利用できません", "Temporarily unavailable"},
	"title." + string(EMETHOD):       {"このメソッドは使えません", "Method not allowed"},
	"title." + string(EIDEMPOTENCY):  {"同じIdempotency-Keyが別のリクエストに使われました", "The Idempotency-Key was used for a different request"},
	"title." + string(EMISDIRECTED):  {"このホスト名では応答できません", "Misdirected request"},

	// details
	"invalid_input":           {"入力内容を確認してください。", "Please check the fields below."},
	"internal":                {"時間をおいてもう一度お試しください。問題が続く場合は事務局にお問い合わせください。", "Please try again later. If the problem continues, contact the alumni office."},
	"not_found":               {"お探しのページまたはデータは見つかりませんでした。", "The page or item you asked for does not exist."},
	"cross_origin":            {"別のサイトからの送信は受け付けていません。ページを開き直してもう一度お試しください。", "Requests from other sites are not accepted. Reload the page and try again."},
	"method_not_allowed":      {"このURLではこの操作はできません。", "This URL does not accept this method."},
	"body_too_large":          {"送信データは%vバイトまでです。", "The request body may be at most %v bytes."},
	"unsupported_media":       {"JSONまたはフォーム形式で送信してください。", "Send JSON or a form (application/x-www-form-urlencoded)."},
	"malformed_json":          {"JSONの形式が正しくありません。", "The JSON body is malformed."},
	"malformed_body":          {"送信データの形式が正しくありません。", "The request body is malformed."},
	"trailing_data":           {"JSONの値のあとに余分なデータがあります。", "There is more data after the JSON value."},
	"misdirected_host":        {"このサーバーはこのホスト名あてのリクエストに応答しません。ポータルのURLを開き直してください。", "This server does not answer requests for this host name. Open the portal at its own address."},
	"rate_limited":            {"しばらく時間をおいてからもう一度お試しください。", "Please wait a moment and try again."},
	"login_required":          {"このページを見るにはログインしてください。", "Please log in to see this page."},
	"idempotency_in_progress": {"同じリクエストを処理中です。少し待ってからもう一度お試しください。", "The same request is still being processed. Try again in a moment."},
	"idempotency_reused":      {"このIdempotency-Keyはすでに別の内容のリクエストに使われています。", "This Idempotency-Key was already used with a different request body."},

	// field messages by code
	"field.required":        {"必須項目です。", "This field is required."},
	"field.format":          {"形式が正しくありません。", "The format is not valid."},
	"field.email":           {"メールアドレスの形式が正しくありません。", "Enter a valid email address."},
	"field.too_long":        {"%v文字以内で入力してください。", "Use at most %v characters."},
	"field.one_of":          {"次のいずれかを指定してください: %v", "Use one of: %v"},
	"field.month":           {"年と月を入力してください。例: 2015年4月、2015/4、2015-04", "Enter a year and a month, for example 2015-04 (or 2015/4)."},
	"field.unknown":         {"不明な項目です。", "Unknown field."},
	"field.lang":            {"ja または en を指定してください。", "Use ja or en."},
	"field.control":         {"改行などの制御文字は使えません。", "Control characters such as line breaks are not allowed."},
	"field.invisible":       {"見えない文字（ゼロ幅文字）や文字の向きを変える制御文字は使えません。", "Invisible (zero-width) characters and text-direction controls are not allowed."},
	"field.utf8":            {"文字コードはUTF-8で送信してください。", "Send the text as UTF-8."},
	"field.duplicate":       {"同じ項目が二度送信されました。", "This field was sent twice."},
	"field.kana":            {"ひらがなまたはカタカナで入力してください。", "Use hiragana or katakana."},
	"field.future":          {"未来の年月は指定できません。", "This month is in the future."},
	"field.before_joined":   {"退職年月は入社年月より後にしてください。", "The month you left must not be before the month you joined."},
	"field.employee_number": {"社員番号は英数字とハイフン（32文字以内）で入力してください。", "Use letters, digits and hyphens (at most 32)."},
	"field.policy_version":  {"プライバシーポリシーが更新されました。ページを再読み込みして最新版をご確認ください。", "The privacy policy has changed. Reload the page and read the current version."},
	"field.not_found":       {"見つかりません。", "Not found."},

	"back":           {"戻る", "Back"},
	"link_invalid":   {"このリンクは無効か、期限が切れているか、すでに使われています。もう一度お試しください。", "This link is invalid, has expired or was already used. Please try again."},
	"not_reviewable": {"この登録は審査待ちではありません。", "This registration is not waiting for review."},
	"not_undoable":   {"この判断はもう取り消せません（取り消せるのは10分以内、その後に変更がない場合です）。", "This decision can no longer be undone (only within 10 minutes, and while nothing else has changed)."},
	"not_approved":   {"アカウントはまだ承認されていません。", "Your account is not approved yet."},

	"register_accepted":       {"ご登録を受け付けました。確認メールをお送りしましたので、メール内のリンクを開いてください。", "Thank you. We have sent you an email: open the link in it to confirm your address."},
	"login_accepted":          {"ご登録のアドレスであれば、ログイン用のリンクをメールでお送りしました（15分間有効）。", "If the address is registered, we have emailed you a login link (valid for 15 minutes)."},
	"verified_approved_title": {"おかえりなさい！", "Welcome back!"},
	"verified_approved":       {"メールアドレスを確認し、ご登録が承認されました。次はログインしてください。メンバー限定のお知らせ・求人・イベントと、アルムナイ名簿をご覧いただけます。", "Your address is confirmed and your registration is approved. Next, log in: the members' news, jobs and events and the alumni directory are waiting for you."},
	"verified_pending_title":  {"メールアドレスを確認しました", "Email address confirmed"},
	"verified_pending":        {"次は、事務局がご登録内容を在籍時の記録と照らし合わせて確認します。承認されたら、このアドレスにメールでお知らせします。それまでの間も、公開中のお知らせやイベントをご覧いただけます。", "Next, the alumni office checks your registration against its records and emails this address once it is approved. Meanwhile, the public news and events are open to you."},
	"link_used_title":         {"このリンクはすでに使われています", "This link has already been used"},
	"link_used_login":         {"ログイン用のリンクは一度だけ、届いてから15分の間使えます。このリンクはすでに使われたか、期限が切れています。新しいリンクをお送りします。", "A login link works once, for 15 minutes after it arrives. This one has been used or has expired: we will send you a new one."},
	"link_used_verify":        {"確認用のリンクは一度だけ使えます。このリンクはすでに使われたか、期限が切れています。確認がお済みなら、そのままログインできます。まだなら、もう一度ご登録いただくと新しいリンクが届きます。", "A confirmation link works once. This one has been used or has expired. If you have confirmed your address, just log in; if not, register again and we will send you a new link."},
	"link_new_login":          {"新しいログイン用リンクを送る", "Send me a new login link"},
	"to_register":             {"もう一度登録する", "Register again"},
	"email_changed_title":     {"メールアドレスを変更しました", "Email address changed"},
	"email_changed":           {"今後のお知らせは新しいアドレスにお送りします。", "From now on we will write to your new address."},
	"erased_title":            {"登録情報を削除しました", "Your data has been erased"},
	"erased":                  {"あなたの個人情報をすべて削除しました。ご参加ありがとうございました。", "All your personal data has been erased. Thank you for being part of the network."},
	"admin_only":              {"このページは事務局（管理者）専用です。", "This page is for the alumni office (administrators) only."},
	"email_taken":             {"このメールアドレスは別のアカウントで使われています。", "This address belongs to another account."},
	"to_login":                {"ログインする", "Log in"},
	"to_home":                 {"トップページへ", "Go to the home page"},
	"to_profile":              {"プロフィールへ", "Go to your profile"},
	"field.too_many":          {"%v個までにしてください。", "Use at most %v items."},
	"field.too_long_rendered": {"表示用に変換すると長くなりすぎます。参照リンクや引用・リストの入れ子を減らしてください。", "This grows too long once formatted: use fewer reference links and nested quotes or lists."},
	"field.taken":             {"すでに使われています。", "This is already taken."},
	"label.reason":            {"理由", "Reason"},
	"label.ids":               {"選択した申請", "Selected registrations"},
	"field.year":              {"西暦4桁で入力してください。例: 2015", "Enter a year, for example 2015."},
	"field.year_order":        {"「から」の年より前にはできません。", "This cannot be before the year in “from”."},
	"field.page":              {"1から%vまでのページ番号を指定してください。", "Use a page number from 1 to %v."},
	"field.self":              {"自分自身は指定できません。", "You cannot choose yourself."},
	"unblock_first":           {"この人をブロックしています。メッセージを送るには、先にブロックを解除してください。", "You block this person: unblock them first to send a message."},
	"label.joined_from":       {"入社した年（から）", "Year joined (from)"},
	"label.joined_to":         {"入社した年（まで）", "Year joined (to)"},
	"label.left_from":         {"退職した年（から）", "Year left (from)"},
	"label.left_to":           {"退職した年（まで）", "Year left (to)"},
	"label.skill":             {"スキル", "Skill"},
	"label.open_to":           {"興味のあること", "Open to"},
	"label.page":              {"ページ", "Page"},
	"label.q":                 {"キーワード", "Keywords"},
	"label.message":           {"メッセージ", "Message"},
	"label.bio":               {"自己紹介", "Bio"},
	"label.company":           {"現在の勤務先", "Current company"},
	"label.role":              {"役職・職種", "Role"},
	"label.location":          {"地域", "Location"},
	"label.skills":            {"スキル", "Skills"},
	"label.interests":         {"関心ごと", "Interests"},
	"label.confirm":           {"確認", "Confirmation"},
	"label.version":           {"ページを開いた時点の版", "Version you saw"},
	"label.visible":           {"名簿に表示する項目", "Fields shown in the directory"},
	"label.email":             {"メールアドレス", "Email"},
	"label.name":              {"氏名", "Name"},
	"label.kana":              {"フリガナ", "Kana"},
	"label.department":        {"所属部署", "Department"},
	"label.joined":            {"入社年月", "Joined"},
	"label.left":              {"退職年月", "Left"},
	"label.employee_number":   {"社員番号", "Employee number"},
	"label.language":          {"言語", "Language"},
	"label.privacy":           {"プライバシーポリシーへの同意", "Consent to the privacy policy"},
	"label.privacy_version":   {"プライバシーポリシーの版", "Privacy policy version"},
	"field.must_true":         {"同意が必要です。", "Your consent is required."},
	// events: RSVPs, waitlist offers, check-in
	"event_not_found":       {"このイベントは見つかりませんでした。", "This event does not exist."},
	"event_past":            {"このイベントはすでに始まっているか、終了しています。", "This event has already started or ended."},
	"rsvp_closed":           {"このイベントの申し込みは%vに締め切りました。", "RSVPs for this event closed on %v."},
	"rsvp_link_invalid":     {"このリンクは正しくありません。メールに書かれたリンクをそのまま開くか、ログインしてイベントページからお申し込みください。", "This link is not valid. Open the link exactly as it is in the email, or log in and RSVP from the event page."},
	"rsvp_link_expired":     {"このリンクは有効期限が切れています。ログインしてイベントページからお申し込みください。", "This link has expired. Log in and RSVP from the event page."},
	"rsvp_not_found":        {"このイベントへのお申し込みはありません。", "You have no RSVP for this event."},
	"offer_gone":            {"このお席のご案内は、確定の期限が過ぎたか、すでに無効になっています。イベントページから、あらためてお申し込みいただけます。", "This seat offer has expired or is no longer valid. You can RSVP again from the event page."},
	"not_confirmed":         {"この方の参加は確定していないため、出席を記録できません。", "This RSVP is not confirmed, so attendance cannot be recorded."},
	"field.too_many_guests": {"同伴者は%v名までです。", "You may bring at most %v guests."},
	"label.guests":          {"同伴者の人数", "Number of guests"},
	"label.member_id":       {"会員", "Member"},
	// the members' menu (NewMemberMenu)
	"members.menu":         {"メンバーメニュー", "Members' menu"},
	"members.home":         {"メンバートップ", "Members' home"},
	"members.profile":      {"プロフィール", "Profile"},
	"members.preferences":  {"メールの設定", "Email settings"},
	"members.directory":    {"アルムナイ名簿", "Alumni directory"},
	"members.events":       {"参加イベント", "My events"},
	"members.applications": {"応募と紹介", "Applications and referrals"},
	// HR's menu (HRPages)
	"hr.menu":          {"事務局メニュー", "HR menu"},
	"hr.home":          {"メンバートップ", "Members' home"},
	"hr.console":       {"HRホーム", "HR home"},
	"hr.registrations": {"登録申請", "Registrations"},
	"hr.members":       {"メンバー", "Members"},
	"hr.events":        {"イベント", "Events"},
	"hr.jobs":          {"求人と応募", "Jobs and applications"},
	"hr.applications":  {"すべての応募", "All applications"},
	"hr.referrals":     {"紹介", "Referrals"},
	"hr.newsletters":   {"ニュースレター", "Newsletters"},
	"hr.admins":        {"管理者", "Administrators"},
	"hr.mails":         {"自動メール", "Automatic mails"},
	"hr.audit":         {"操作の記録", "Audit log"},
	// the audit log's filters (/hr/audit)
	"label.who":          {"操作した人", "Who"},
	"label.whom":         {"対象", "To whom or what"},
	"label.what":         {"操作", "What"},
	"label.from":         {"期間（から）", "From"},
	"label.to":           {"期間（まで）", "To"},
	"label.cursor":       {"続きの位置", "Position in the list"},
	"field.no_member":    {"このメールアドレスや名前のメンバーは見つかりません。", "No member has this email address or name."},
	"field.many_members": {"「%v」に当てはまるメンバーが%v人います。メールアドレスで入力してください。", "More than one member matches “%v” (%v of them). Enter their email address instead."},
	"field.member_name":  {"名前は%v文字以内で入力してください。", "Enter a name of at most %v characters."},
	"field.choice":       {"一覧から選んでください。", "Choose one from the list."},
	"field.date":         {"日付は YYYY-MM-DD の形で入力してください。例: 2026-04-01", "Enter a date as YYYY-MM-DD, for example 2026-04-01."},
	"field.date_order":   {"終わりの日は始まりの日と同じか、それより後にしてください。", "The end date must not be before the start date."},

	// emailed links opened in a browser: one button does the work
	"link.verify_title":        {"メールアドレスの確認", "Confirm your email address"},
	"link.verify":              {"下のボタンを押すと、メールアドレスの確認が完了します。", "Press the button below to confirm your email address."},
	"link.verify_button":       {"メールアドレスを確認する", "Confirm my address"},
	"link.login_title":         {"ログイン", "Log in"},
	"link.login":               {"下のボタンを押すとログインします。", "Press the button below to log in."},
	"link.login_button":        {"ログインする", "Log in"},
	"link.change_title":        {"新しいメールアドレスの確認", "Confirm your new email address"},
	"link.change":              {"下のボタンを押すと、メールアドレスの変更が完了します。", "Press the button below to finish changing your email address."},
	"link.change_button":       {"変更を完了する", "Finish the change"},
	"link.block_sender_title":  {"この方をブロックする", "Block this member"},
	"link.block_sender":        {"下のボタンを押すと、メッセージを送ってきた方をブロックします。その方には、名簿にあなたが表示されなくなり、あなたにメッセージを送れなくなります。相手には知らされません。", "Press the button below to block the member who wrote to you: they will no longer see you in the directory or be able to write to you. They are not told."},
	"link.block_sender_button": {"ブロックする", "Block"},
	"blocked_sender_title":     {"ブロックしました", "Blocked"},
	"blocked_sender":           {"ブロックしました。この方には、名簿にあなたが表示されず、メッセージも届きません。解除はプロフィールのページからできます。", "Blocked. They no longer see you in the directory and cannot write to you. You can lift it on your profile page."},
	"link.undo_title":          {"メールアドレスを元に戻す", "Put your email address back"},
	"link.undo":                {"下のボタンを押すと、アカウントのメールアドレスをこのリンクが届いたアドレスに戻し、すべてのログインを終了します。", "Press the button below to put your account's address back to the one this link was sent to, and end every login."},
	"link.undo_button":         {"元のアドレスに戻す", "Put my address back"},
	"email_undone_title":       {"メールアドレスを元に戻しました", "Your email address is back"},
	"email_undone":             {"すべてのログインを終了しました。もう一度ログインして、プロフィールをご確認ください。", "Every login has been ended. Log in again and check your profile."},

	// roles
	"member_not_found":     {"該当するメンバーが見つかりません。", "No such member."},
	"role_needs_approved":  {"承認済みのメンバーにだけ管理者の役割を付与できます。", "Only an approved member can be made an administrator."},
	"not_on_self":          {"ご自身に対してはこの操作はできません。ほかの管理者に依頼してください。", "You cannot do this to your own record. Ask another administrator."},
	"member_changed":       {"このページを開いた後に、このメンバーの情報が変わりました。ページを開き直して確認してから、もう一度お試しください。", "This member changed after you opened the page. Reload it, check, and try again."},
	"status_not_approved":  {"承認済みのメンバーだけ利用を停止できます。", "Only an approved member can be suspended."},
	"status_not_suspended": {"利用停止中のメンバーではありません。", "This member is not suspended."},
	"last_admin":           {"最後の管理者の役割は外せません。先に別の方を管理者にしてください。", "The last administrator cannot be removed. Make someone else an administrator first."},
	// jobs: applications, referrals, HR's pipeline
	"job_not_found":          {"この求人は見つかりませんでした。", "This job does not exist."},
	"job_closed":             {"この求人は%vに締め切りました。ご応募ありがとうございました。", "This job closed on %v. Thank you for your interest."},
	"job_withdrawn":          {"この求人の掲載は終了しました。", "This job is no longer posted."},
	"login_to_apply":         {"応募や紹介にはメンバーとしてのログインが必要です。", "Please log in as a member to apply or refer a friend."},
	"malformed_upload":       {"送信内容を読み取れませんでした。もう一度お試しください。", "The upload could not be read. Please try again."},
	"resume_too_large":       {"履歴書のファイルは%vMBまでです。", "The résumé may be at most %v MB."},
	"resume_not_pdf":         {"履歴書はPDFファイルで送ってください。", "Please send your résumé as a PDF file."},
	"application_final":      {"この応募はすでに結果が出ているため、取り下げられません。", "This application is already decided and cannot be withdrawn."},
	"transition_not_allowed": {"この応募を、その状況に変更することはできません。", "The application cannot move to that status from where it is."},
	"field.url":              {"http:// または https:// で始まるURLを入力してください。", "Enter a URL starting with http:// or https://."},
	"field.phone":            {"電話番号は数字とハイフンで入力してください。", "Use digits and hyphens for the phone number."},
	"label.link":             {"リンク", "Link"},
	"label.contact":          {"希望する連絡方法", "Contact by"},
	"label.phone":            {"電話番号", "Phone"},
	"label.answer":           {"お返事", "Your answer"},
	"label.resume":           {"履歴書", "Résumé"},
	"label.note":             {"メモ", "Note"},
	"label.status":           {"状況", "Status"},
	"label.outcome":          {"結果", "Outcome"},
	"label.relationship":     {"関係", "Relationship"},
	// HR's application board: its filters
	"label.job":   {"求人", "Job"},
	"label.stage": {"選考段階", "Stage"},
	// newsletters: unsubscribe, HR's send, SendGrid's webhook
	"unsubscribe_title":       {"配信停止の確認", "Unsubscribe"},
	"unsubscribe_confirm":     {"アルムナイ通信（ニュースレター）の配信を停止しますか？ 下のボタンを押すと、すぐに停止します。", "Stop receiving the alumni newsletter? Press the button below and it stops at once."},
	"unsubscribe_button":      {"配信を停止する", "Unsubscribe"},
	"unsubscribed_title":      {"配信を停止しました", "You are unsubscribed"},
	"unsubscribed":            {"今後、アルムナイ通信はお送りしません。ログイン用のリンクなど、お手続きに必要なメールは引き続きお送りします。再開はメール設定からいつでもできます。", "We will not send you the alumni newsletter any more. Emails you need for your account, such as login links, still come. You can subscribe again at any time in your email preferences."},
	"already_unsubscribed":    {"アルムナイ通信の配信は停止されています。再開はメール設定からできます。", "You do not receive the alumni newsletter. You can subscribe again in your email preferences."},
	"to_preferences":          {"メール設定へ", "Email preferences"},
	"newsletter_not_synced":   {"このニュースレターはまだ登録されていません。okaeri sync を実行してください。", "This newsletter is not in the store yet. Run okaeri sync."},
	"newsletter_running":      {"このニュースレターはただいま配信中です。", "This newsletter is being sent right now."},
	"newsletter_not_rendered": {"このニュースレターは以前のバージョンで登録されたため、配信用の本文がありません。okaeri sync をもう一度実行してから、配信を開始してください。", "This newsletter was stored by an older version and has no rendered email. Run okaeri sync again, then start the send."},
	"newsletter_changed":      {"このニュースレターは、確認したあとに内容か配信の状態が変わりました。最新の状態を確認してから、もう一度お試しください。", "This newsletter or its send has changed since you checked it. Check it again, then try again."},
	"label.confirmed":         {"配信前の確認", "Confirmation before sending"},
	"webhook_signature":       {"署名を確認できませんでした。", "The signature could not be verified."},
	"webhook_not_configured":  {"Webhookの検証鍵が設定されていません。", "No webhook verification key is configured."},
}

// Message renders a catalog key in a language; an unknown key renders as itself
// so that a missing translation is visible in tests, not hidden.
func Message(lang, key string, params ...any) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	s := m.ja
	if lang == LangEN {
		s = m.en
	}
	if len(params) > 0 {
		return fmt.Sprintf(s, inLang(lang, params)...)
	}
	return s
}

// Localized is a parameter written differently per language, such as a
// date: 2027年1月31日 in Japanese, January 31, 2027 in English.
type Localized interface {
	In(lang string) string
}

// inLang resolves the Localized params for lang, leaving params as they were.
func inLang(lang string, params []any) []any {
	var out []any
	for i, p := range params {
		if l, ok := p.(Localized); ok {
			if out == nil {
				out = append([]any(nil), params...)
			}
			out[i] = l.In(lang)
		}
	}
	if out == nil {
		return params
	}
	return out
}
