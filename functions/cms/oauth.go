package cms

// Okaeri's own OAuth exchange for Decap CMS's GitHub backend, so that no
// outside service (Netlify) stands between HR and the repository. Decap's
// protocol (decap-cms-lib-auth's netlify-auth.js, unchanged in 3.16.3): the
// login button opens a popup at <base_url>/<auth_endpoint>?provider=github;
// the popup's page posts "authorizing:github" to its opener, the opener
// answers with the same message once it sees it come from base_url, and the
// page then posts "authorization:github:success:{json}" (or ":error:{json}")
// to it. Decap keeps the success's "token" and shows an error's "message".
//
// Decisions worth knowing:
//   - Only HR: both routes need a session of one of HR's administrators. A
//     visitor or a member who is not HR gets a page that posts an error to
//     the CMS; nobody else is ever sent to GitHub.
//   - The state is a one-time token in the store (store.Tokens, as login
//     links are): 256 random bits, only their hash stored, bound to the HR
//     session that asked (Token.Subject is the session's id), valid for
//     StateTTL, and consumed by the callback with ConsumeToken, which lets
//     exactly one caller use it under any concurrency, on both engines.
//     An HMAC of the session id would be the same for every login of the
//     session and could be replayed until it expired; a nonce cookie alone
//     would be single-use only as long as the browser drops it. A state of
//     another session, a used one, an expired one or none is refused
//     before GitHub is asked for anything.
//   - The token is in one place only: the success message, posted with
//     postMessage to the portal's own origin (BaseURL, which is also
//     Decap's base_url), and only after the opener answered the handshake
//     from that origin. It is never logged, never in a URL, and the page is
//     no-store. Neither are the code, the state or the client secret.
//   - Both responses carry their own Content-Security-Policy (the portal's,
//     with the page's one inline script allowed by its hash: PopupCSP) and
//     Cross-Origin-Opener-Policy: unsafe-none. The portal's default COOP,
//     same-origin, would give the popup a browsing context group of its own
//     once it comes back from GitHub, and window.opener would be null. The
//     /admin/ page that opens it has AdminCOOP for the same reason.
//   - The scope is the server's (OKAERI_CMS_GITHUB_SCOPE), not the
//     request's, and GitHub's answer must grant it.

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/auth"
	"github.com/okaeri/okaeri/functions/config"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// CallbackPath is where GitHub sends HR back with a code: the OAuth app's
// "Authorization callback URL" is the portal's origin followed by it.
const CallbackPath = "/api/cms/callback"

// StateTTL is how long a login may take between the CMS's button and
// GitHub's answer.
const StateTTL = 10 * time.Minute

// GitHubURL is where GitHub's OAuth endpoints are.
const GitHubURL = "https://github.com"

// AdminCOOP is /admin/'s Cross-Origin-Opener-Policy: the page keeps its
// own browsing context group, but may still talk to the login popup it
// opens (whose pages are unsafe-none).
const AdminCOOP = "same-origin-allow-popups"

// popupCOOP lets the popup keep window.opener across the trip to GitHub.
const popupCOOP = "unsafe-none"

// statePurpose marks the OAuth states among one-time tokens.
const statePurpose store.TokenPurpose = "cms-oauth-state"

// provider is the only one Okaeri's exchange knows.
const provider = "github"

// OAuth serves /api/cms/auth and /api/cms/callback: HR logs in to GitHub
// through the portal's own OAuth app, and the CMS gets the token.
type OAuth struct {
	Accounts Sessions
	// Tokens keeps the states (the store).
	Tokens store.Tokens
	Log    *slog.Logger
	// BaseURL is the portal's origin (OKAERI_BASE_URL): the CMS's base_url,
	// the only origin the token is posted to, and the start of the
	// callback URL.
	BaseURL string
	// ClientID and ClientSecret are the GitHub OAuth app's; without both,
	// the popup says that the CMS is not set up.
	ClientID, ClientSecret string
	// Scope is asked of GitHub: "repo" (the default) or "public_repo".
	Scope string
	// GitHub is where GitHub's /login/oauth/authorize and
	// /login/oauth/access_token are; empty is GitHubURL (a test points it
	// at its own server).
	GitHub string
	// Client reaches GitHub; nil is a client with a 10-second timeout.
	Client *http.Client
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// GitHubRoutes are the CMS's routes where it saves to GitHub (on AWS):
// /admin/ on Decap's GitHub backend and the OAuth exchange, configured
// from cfg (OKAERI_BASE_URL and OKAERI_CMS_GITHUB_*).
func GitHubRoutes(accounts Sessions, tokens store.Tokens, cfg config.Config, log *slog.Logger) map[string]http.Handler {
	routes := Handler{Accounts: accounts, Log: log, SiteURL: cfg.BaseURL,
		Backend: Backend{Repo: cfg.CMSGitHubRepo, Branch: cfg.CMSGitHubBranch, BaseURL: cfg.BaseURL}}.Routes()
	maps.Copy(routes, OAuth{Accounts: accounts, Tokens: tokens, Log: log, BaseURL: cfg.BaseURL,
		ClientID: cfg.CMSGitHubClientID, ClientSecret: cfg.CMSGitHubClientSecret, Scope: cfg.CMSGitHubScope}.Routes())
	return routes
}

// Routes lists the exchange's routes.
func (o OAuth) Routes() map[string]http.Handler {
	return map[string]http.Handler{
		"GET /" + AuthEndpoint: o.popup(o.auth),
		"GET " + CallbackPath:  o.popup(o.callback),
	}
}

type popupHandler func(w http.ResponseWriter, r *http.Request, m store.Member, sess store.Session, lang string)

// popup gives next the popup's headers and one of HR's sessions; anyone
// else gets the page that tells the CMS why not.
func (o OAuth) popup(next popupHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		popupHeaders(w)
		m, sess, ok := o.Accounts.Authenticate(r)
		if !ok {
			o.fail(w, r, httpapi.Lang(r), http.StatusUnauthorized, "login_required")
			return
		}
		if !o.Accounts.IsAdmin(m) {
			o.fail(w, r, memberLang(m), http.StatusForbidden, "admin_only")
			return
		}
		next(w, r, m, sess, memberLang(m))
	})
}

// auth starts a login: a state for this HR session, then GitHub.
func (o OAuth) auth(w http.ResponseWriter, r *http.Request, _ store.Member, sess store.Session, lang string) {
	if p := r.URL.Query().Get("provider"); p != provider {
		o.fail(w, r, lang, http.StatusBadRequest, "provider")
		return
	}
	if o.ClientID == "" || o.ClientSecret == "" || o.BaseURL == "" {
		o.fail(w, r, lang, http.StatusServiceUnavailable, "not_configured")
		return
	}
	state := auth.NewToken()
	now := o.now()
	err := o.Tokens.CreateToken(r.Context(), store.Token{Hash: store.HashToken(state), Purpose: statePurpose,
		Subject: sess.ID, CreatedAt: now, ExpiresAt: now.Add(StateTTL)})
	if err != nil {
		o.log().ErrorContext(r.Context(), "cms: storing the OAuth state", "err", err)
		o.fail(w, r, lang, http.StatusInternalServerError, "unavailable")
		return
	}
	q := url.Values{
		"client_id":    {o.ClientID},
		"redirect_uri": {o.redirectURI()},
		"scope":        {o.scope()},
		"state":        {state},
		// HR logs in with an account the repository knows.
		"allow_signup": {"false"},
	}
	http.Redirect(w, r, o.github()+"/login/oauth/authorize?"+q.Encode(), http.StatusFound)
}

// callback takes GitHub's answer: the state must be this HR session's,
// then the code becomes a token, which the page hands to the CMS.
func (o OAuth) callback(w http.ResponseWriter, r *http.Request, m store.Member, sess store.Session, lang string) {
	q := r.URL.Query()
	if !o.useState(r.Context(), q.Get("state"), sess) {
		o.log().WarnContext(r.Context(), "cms: OAuth state refused (unknown, used, expired or another session's)", "member", m.ID)
		o.fail(w, r, lang, http.StatusBadRequest, "state")
		return
	}
	if e := q.Get("error"); e != "" {
		o.log().InfoContext(r.Context(), "cms: GitHub did not authorize", "member", m.ID, "error", errorCode(e))
		key := "denied"
		if e == "redirect_uri_mismatch" || e == "application_suspended" {
			key = "github_config"
		}
		o.fail(w, r, lang, http.StatusForbidden, key)
		return
	}
	code := q.Get("code")
	if code == "" || len(code) > 256 {
		o.fail(w, r, lang, http.StatusBadRequest, "state")
		return
	}
	token, err := o.exchange(r.Context(), code)
	if err != nil {
		key := "github_down"
		var ge *githubError
		if errors.As(err, &ge) {
			key = ge.key()
		}
		o.log().WarnContext(r.Context(), "cms: no token from GitHub", "member", m.ID, "err", err)
		o.fail(w, r, lang, http.StatusBadGateway, key)
		return
	}
	o.log().InfoContext(r.Context(), "cms: HR logged in with GitHub", "member", m.ID)
	o.page(w, r, lang, http.StatusOK, true, result{Token: token, Provider: provider})
}

// useState consumes state if it is a live state of sess.
func (o OAuth) useState(ctx context.Context, state string, sess store.Session) bool {
	if state == "" || len(state) > 128 {
		return false
	}
	t, err := o.Tokens.ConsumeToken(ctx, store.HashToken(state), statePurpose, o.now())
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			o.log().ErrorContext(ctx, "cms: reading the OAuth state", "err", err)
		}
		return false
	}
	return subtle.ConstantTimeCompare([]byte(t.Subject), []byte(sess.ID)) == 1
}

// tokenAnswer is GitHub's answer at /login/oauth/access_token with
// Accept: application/json: the token, or an error (with status 200).
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	Scope       string `json:"scope"`
	Error       string `json:"error"`
}

// githubError is an error GitHub answered, by its code.
type githubError struct{ code string }

func (e *githubError) Error() string { return "cms: GitHub refused the code: " + e.code }

// key is the popup's message for the error.
func (e *githubError) key() string {
	switch e.code {
	case "bad_verification_code":
		return "code_expired"
	case "scope":
		return "scope"
	case "incorrect_client_credentials", "redirect_uri_mismatch", "unverified_user_email", "application_suspended":
		return "github_config"
	}
	return "github_down"
}

// exchange trades code for a token as GitHub documents ("Exchange the
// code for a user access token"): POST with client_id, client_secret,
// code and redirect_uri, asking for JSON.
func (o OAuth) exchange(ctx context.Context, code string) (string, error) {
	form := url.Values{
		"client_id":     {o.ClientID},
		"client_secret": {o.ClientSecret},
		"code":          {code},
		"redirect_uri":  {o.redirectURI()},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.github()+"/login/oauth/access_token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("cms: GitHub's token endpoint: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "okaeri")
	client := o.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("cms: GitHub's token endpoint: %w", err)
	}
	defer resp.Body.Close()
	// The body may hold the token: it is read, never logged.
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("cms: GitHub's token endpoint: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("cms: GitHub's token endpoint answered %d", resp.StatusCode)
	}
	var a tokenAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return "", errors.New("cms: GitHub's token endpoint answered something other than its JSON")
	}
	if a.Error != "" {
		return "", &githubError{code: errorCode(a.Error)}
	}
	if a.AccessToken == "" || !strings.EqualFold(a.TokenType, "bearer") {
		return "", errors.New("cms: GitHub's token endpoint answered no bearer token")
	}
	if !granted(a.Scope, o.scope()) {
		return "", &githubError{code: "scope"}
	}
	return a.AccessToken, nil
}

// granted reports whether GitHub's comma-separated scopes include want.
func granted(scopes, want string) bool {
	for _, s := range strings.Split(scopes, ",") {
		if strings.TrimSpace(s) == want {
			return true
		}
	}
	return false
}

// errorCode keeps an error code GitHub sent (or a query string carried)
// to what such codes are made of, for the log.
func errorCode(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r == '_' {
			return r
		}
		return '?'
	}, s)
}

func (o OAuth) redirectURI() string { return strings.TrimSuffix(o.BaseURL, "/") + CallbackPath }

// origin is where the token may go: the scheme and host of BaseURL.
func (o OAuth) origin() string {
	u, err := url.Parse(o.BaseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

func (o OAuth) scope() string {
	if o.Scope == "" {
		return "repo"
	}
	return o.Scope
}

func (o OAuth) github() string {
	if o.GitHub == "" {
		return GitHubURL
	}
	return strings.TrimSuffix(o.GitHub, "/")
}

func (o OAuth) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o OAuth) log() *slog.Logger {
	if o.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.Log
}

// result is what the page posts to the CMS after "authorization:github:".
type result struct {
	Token    string `json:"token,omitempty"`
	Provider string `json:"provider"`
	Code     string `json:"code,omitempty"`
	Message  string `json:"message,omitempty"`
}

// popupMessages are the popup's texts, Japanese and English, by key.
var popupMessages = map[string][2]string{
	"title.ok":   {"GitHubにログインしました", "Logged in with GitHub"},
	"title.fail": {"GitHubにログインできませんでした", "Could not log in with GitHub"},
	"ok":         {"コンテンツの編集画面に戻ります。このウィンドウは自動で閉じます。", "Back to editing the portal: this window closes by itself."},
	"no_opener": {"このウィンドウは、コンテンツの編集画面（/admin/）の「GitHubでログイン」から開いてください。閉じてから、もう一度お試しください。",
		"Open this window from \"Login with GitHub\" on the content editor (/admin/). Close it and try again."},
	"login_required": {"ポータルにログインしていません。ポータルにログインしてから、もう一度「GitHubでログイン」を押してください。",
		"You are not logged in to the portal. Log in, then press \"Login with GitHub\" again."},
	"admin_only": {"コンテンツを編集できるのは人事の管理者だけです。", "Only HR administrators can edit the portal's content."},
	"provider":   {"このポータルで使えるのはGitHubでのログインだけです。", "This portal logs in with GitHub only."},
	"not_configured": {"GitHubでの編集がまだ設定されていません（GitHubのOAuthアプリのクライアントIDとシークレット）。運用担当者に docs/aws.md の手順を依頼してください。",
		"Editing through GitHub is not set up yet (the GitHub OAuth app's client ID and secret). Ask the operator to follow docs/aws.md."},
	"unavailable": {"ただいまログインを始められません。しばらくしてから、もう一度お試しください。", "The login cannot start right now. Try again in a moment."},
	"state": {"ログインを確認できませんでした（期限切れ、使用済み、または別のセッションで始めたログインです）。このウィンドウを閉じて、もう一度「GitHubでログイン」を押してください。",
		"The login could not be verified (it expired, was used already, or was started in another session). Close this window and press \"Login with GitHub\" again."},
	"denied": {"GitHubでのアクセスが許可されませんでした。編集するには、GitHubの画面で「Authorize」を押してください。",
		"GitHub access was not granted. To edit, press \"Authorize\" on GitHub's page."},
	"code_expired": {"GitHubの確認が期限切れか、使用済みです。もう一度「GitHubでログイン」を押してください。",
		"GitHub's confirmation expired or was used already. Press \"Login with GitHub\" again."},
	"scope": {"GitHubがリポジトリへの書き込みを許可しませんでした。もう一度ログインし、アクセスを許可してください。",
		"GitHub did not allow writing to the repository. Log in again and grant the access."},
	"github_config": {"GitHubのOAuthアプリの設定がポータルと合っていません（クライアントID、シークレット、コールバックURL）。運用担当者に連絡してください。",
		"The GitHub OAuth app's settings do not match the portal's (client ID, secret, callback URL). Contact the operator."},
	"github_down": {"GitHubからトークンを受け取れませんでした。しばらくしてから、もう一度お試しください。",
		"GitHub did not give a token. Try again in a moment."},
}

func popupMessage(lang, key string) string { return popupMessages[key][index(lang)] }

// fail answers with the page that posts an error to the CMS.
func (o OAuth) fail(w http.ResponseWriter, r *http.Request, lang string, status int, key string) {
	o.page(w, r, lang, status, false, result{Provider: provider, Code: key, Message: popupMessage(lang, key)})
}

// page answers with the popup's page in the site's frame: what happened,
// for HR, and the script that hands res to the CMS.
func (o OAuth) page(w http.ResponseWriter, r *http.Request, lang string, status int, ok bool, res result) {
	data, err := json.Marshal(res)
	if err != nil {
		httpapi.WriteError(w, r, o.log(), httpapi.Internal(err))
		return
	}
	outcome := "error"
	title, message := popupMessage(lang, "title.fail"), res.Message
	if ok {
		outcome = "success"
		title, message = popupMessage(lang, "title.ok"), popupMessage(lang, "ok")
	}
	section := httpapi.SectionMembers
	if status == http.StatusUnauthorized {
		section = ""
	}
	httpapi.RenderTemplate(w, r, status, httpapi.View{Lang: lang, Title: title, Section: section}, popupTemplate(), map[string]string{
		"Title": title, "Message": message, "NoOpener": popupMessage(lang, "no_opener"),
		"Origin": o.origin(), "Result": "authorization:" + provider + ":" + outcome + ":" + string(data),
	})
}

// popupScript hands the result to the CMS: it tells the opener that it is
// authorizing, waits for the opener to answer that from the portal's own
// origin, and posts the result to that origin only. Without an opener it
// shows why nothing happens.
const popupScript = `(function () {
  var el = document.getElementById("okaeri-cms-auth");
  var origin = el.getAttribute("data-origin");
  var opener = window.opener;
  if (!opener || !origin) {
    el.querySelector("[data-no-opener]").hidden = false;
    return;
  }
  var handshake = "authorizing:github";
  window.addEventListener("message", function answer(e) {
    if (e.source !== opener || e.origin !== origin || e.data !== handshake) {
      return;
    }
    window.removeEventListener("message", answer);
    opener.postMessage(el.getAttribute("data-result"), origin);
  });
  opener.postMessage(handshake, origin);
})();`

var popupTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("cms-popup").Parse(`<div class="wrap narrow result-page" id="okaeri-cms-auth" data-origin="{{.Origin}}" data-result="{{.Result}}">
<header class="page-header"><h1>{{.Title}}</h1></header>
<p class="lead">{{.Message}}</p>
<p data-no-opener hidden>{{.NoOpener}}</p>
</div>
<script>` + popupScript + `</script>`))
})

// PopupCSP is the Content-Security-Policy of the exchange's two answers:
// the portal's, with the popup's one inline script allowed by its hash.
var PopupCSP = sync.OnceValue(func() string {
	sum := sha256.Sum256([]byte(popupScript))
	hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	return strings.Replace(httpapi.ContentSecurityPolicy, "script-src 'self';", "script-src 'self' "+hash+";", 1)
})

func popupHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Content-Security-Policy", PopupCSP())
	h.Set("Cross-Origin-Opener-Policy", popupCOOP)
	h.Set("Cache-Control", "no-store")
	// The callback's address holds the code and the state.
	h.Set("Referrer-Policy", "no-referrer")
}
