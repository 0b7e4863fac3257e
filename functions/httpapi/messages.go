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

	// details
	"invalid_input":           {"入力内容を確認してください。", "Please check the fields below."},
	"internal":                {"時間をおいてもう一度お試しください。問題が続く場合は事務局にお問い合わせください。", "Please try again later. If the problem continues, contact the alumni office."},
	"not_found":               {"お探しのページまたはデータは見つかりませんでした。", "The page or item you asked for does not exist."},
	"cross_origin":            {"別のサイトからの送信は受け付けていません。ページを開き直してもう一度お試しください。", "Requests from other sites are not accepted. Reload the page and try again."},
	"method_not_allowed":      {"このURLではこの操作はできません。", "This URL does not accept this method."},
	"body_too_large":          {"送信データは%vバイトまでです。", "The request body may be at most %v bytes."},
	"unsupported_media":       {"JSONまたはフォーム形式で送信してください。", "Send JSON or a form (application/x-www-form-urlencoded)."},
	"malformed_json":          {"JSONの形式が正しくありません。", "The JSON body is malformed."},
	"rate_limited":            {"しばらく時間をおいてからもう一度お試しください。", "Please wait a moment and try again."},
	"login_required":          {"このページを見るにはログインしてください。", "Please log in to see this page."},
	"idempotency_in_progress": {"同じリクエストを処理中です。少し待ってからもう一度お試しください。", "The same request is still being processed. Try again in a moment."},
	"idempotency_reused":      {"このIdempotency-Keyはすでに別の内容のリクエストに使われています。", "This Idempotency-Key was already used with a different request body."},

	// field messages by code
	"field.required":  {"必須項目です。", "This field is required."},
	"field.format":    {"形式が正しくありません。", "The format is not valid."},
	"field.email":     {"メールアドレスの形式が正しくありません。", "Enter a valid email address."},
	"field.too_long":  {"%v文字以内で入力してください。", "Use at most %v characters."},
	"field.one_of":    {"次のいずれかを指定してください: %v", "Use one of: %v"},
	"field.month":     {"YYYY-MM形式で入力してください。", "Use the form YYYY-MM."},
	"field.unknown":   {"不明な項目です。", "Unknown field."},
	"field.lang":      {"ja または en を指定してください。", "Use ja or en."},
	"field.must_true": {"同意が必要です。", "Your consent is required."},
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
		return fmt.Sprintf(s, params...)
	}
	return s
}
