package job

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/okaeri/okaeri/functions/account"
	"github.com/okaeri/okaeri/functions/brand"
	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// A referred friend is not an alumnus: they have no account and cannot log
// in. The referral email leads them to a landing page, signed for their
// referral alone, where they answer: apply, or talk first. The answer is
// recorded on the referral for HR (docs/visitors.md).

// AnswerPath is the landing page of a referral's link.
const AnswerPath = "/api/referrals/answer"

// answerTokenPrefix keeps a landing link's signature from serving as any
// other signed value (the unsubscribe link's, a session's).
const answerTokenPrefix = "referral-answer:"

// answerToken signs a referral's id for its landing link: it works without
// an account and carries no address.
func (s *Service) answerToken(referralID string) string {
	return s.Keys.Sign(answerTokenPrefix + referralID)
}

// AnswerLink is the absolute landing link of a referral, in a language.
func (s *Service) AnswerLink(referralID, lang string) string {
	return s.Config.BaseURL + answerBack(lang, s.answerToken(referralID))
}

// AnswerInput is a referred friend's answer.
type AnswerInput struct {
	Token   string `json:"token"`
	Answer  string `json:"answer"`  // apply or talk
	Message string `json:"message"` // required to apply: who they are, why this job
	Phone   string `json:"phone"`   // optional
	Lang    string `json:"lang"`    // the landing page's language
}

func (in *AnswerInput) validate() error {
	in.Answer, in.Message, in.Phone = strings.TrimSpace(in.Answer), strings.TrimSpace(in.Message), strings.TrimSpace(in.Phone)
	var fields []httpapi.FieldError
	a := store.ReferralAnswer(in.Answer)
	switch {
	case in.Answer == "":
		fields = append(fields, httpapi.FieldError{Field: "answer", Code: "required"})
	case !a.Valid():
		fields = append(fields, httpapi.FieldError{Field: "answer", Code: "one_of", Params: []any{"apply, talk"}})
	}
	if fe := checkLongText("message", in.Message, maxNote, a == store.AnswerApply); fe != nil {
		fields = append(fields, *fe)
	}
	if in.Phone != "" && !phonePattern().MatchString(in.Phone) {
		fields = append(fields, httpapi.FieldError{Field: "phone", Code: "phone"})
	}
	if len(fields) > 0 {
		return httpapi.Invalid(fields...)
	}
	return nil
}

// referralByToken reads the referral a landing link was signed for, and its
// job. A forged link, or one to an erased referral, is not found.
func (s *Service) referralByToken(ctx context.Context, token string) (store.Referral, store.Job, error) {
	v, ok := s.Keys.Verify(token)
	id, found := strings.CutPrefix(v, answerTokenPrefix)
	if !ok || !found {
		return store.Referral{}, store.Job{}, httpapi.Errorf(httpapi.ENOTFOUND, "link_invalid")
	}
	r, err := s.Store.GetReferral(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && !r.ErasedAt.IsZero() {
		return store.Referral{}, store.Job{}, httpapi.Errorf(httpapi.ENOTFOUND, "link_invalid")
	}
	if err != nil {
		return store.Referral{}, store.Job{}, httpapi.Internal(err)
	}
	j, err := s.job(ctx, r.JobID)
	if err != nil {
		return store.Referral{}, store.Job{}, err
	}
	return r, j, nil
}

// Answer records a referred friend's answer on their referral. It is
// rate-limited per client like the other public forms; the first answer
// stands (asked again, it returns the referral as it is, created false);
// a closed job takes no answer.
func (s *Service) Answer(ctx context.Context, in AnswerInput, client string) (store.Referral, bool, error) {
	now := s.Now()
	if n, err := s.Store.HitRateLimit(ctx, "referral-answer:client:"+client, s.Config.AnswersPerClient.Window, now); err != nil {
		return store.Referral{}, false, httpapi.Internal(err)
	} else if n > s.Config.AnswersPerClient.Count {
		return store.Referral{}, false, httpapi.Errorf(httpapi.ERATELIMITED, "rate_limited")
	}
	r, j, err := s.referralByToken(ctx, in.Token)
	if err != nil {
		return store.Referral{}, false, err
	}
	if r.Answer != "" {
		return r, false, nil
	}
	if err := in.validate(); err != nil {
		return store.Referral{}, false, err
	}
	if j.Closed(now) {
		return store.Referral{}, false, closedError(j)
	}
	first := false
	r, err = s.Store.UpdateReferral(ctx, r.ID, func(old store.Referral) (store.Referral, error) {
		if old.Answer != "" {
			return old, nil // a concurrent answer came first
		}
		first = true
		old.Answer, old.AnswerMessage, old.AnswerPhone, old.AnsweredAt = store.ReferralAnswer(in.Answer), in.Message, in.Phone, now
		return old, nil
	})
	if err != nil {
		return store.Referral{}, false, storeError(err)
	}
	if first {
		fields := []string{"answer"}
		if in.Message != "" {
			fields = append(fields, "answerMessage")
		}
		if in.Phone != "" {
			fields = append(fields, "answerPhone")
		}
		s.audit(ctx, "referral:"+r.ID, "referral.answer", r.ID, fields...)
	}
	return r, first, nil
}

// ---- the landing page

// answerLabels names the answers for the friend and for HR.
var answerLabels = map[store.ReferralAnswer][2]string{
	store.AnswerApply: {"応募したい", "Wants to apply"},
	store.AnswerTalk:  {"まず話を聞きたい", "Would like to talk first"},
}

func answerLabel(lang string, a store.ReferralAnswer) string {
	return pick(lang, answerLabels[a], string(a))
}

var answerText = map[string]map[string]string{
	"ja": {
		"title": "「%s」へのご紹介", "intro": "%sさん（当社のアルムナイ）が、あなたにこの求人を紹介してくださいました。",
		"intro_anon": "当社のアルムナイが、あなたにこの求人を紹介してくださいました。",
		"ask":        "ご興味があれば、応募するか、まず採用担当と話をしてみるかをお選びください。アカウントの登録は要りません。お返事は紹介者には知らされません。",
		"type":       "雇用形態", "department": "部署", "location": "勤務地", "closes": "応募締切", "details": "求人の詳細を見る",
		"your_answer": "お返事", "answer": "お返事", "apply": "応募したい", "apply_hint": "採用担当があなたのメッセージを読んで、選考のご案内をします。",
		"talk": "まず話を聞きたい", "talk_hint": "応募の前に、仕事の内容や働き方について採用担当とお話しできます。",
		"message": "メッセージ", "message_help": "自己紹介と、この求人に興味を持った理由（応募の場合は必須）。ご質問もどうぞ。",
		"phone": "電話番号", "phone_help": "電話での連絡をご希望の場合のみ。例: 03-1234-5678", "optional": "任意", "required_if_apply": "応募の場合は必須",
		"submit": "送信する", "thanks_title": "お返事をありがとうございます", "thanks_apply": "応募のご意思を承りました。採用担当からメールでご連絡します。",
		"thanks_talk": "承りました。採用担当から、お話の日程についてメールでご連絡します。", "answered": "いただいたお返事",
		"contact": "お急ぎの場合は採用担当（%s）までどうぞ。", "closed": "この求人の募集は終了しました（%s締切）。ご興味をお寄せいただきありがとうございました。",
		"privacy": "お返事は、この紹介の記録として採用担当だけが読みます。", "privacy_link": "プライバシーポリシー",
	},
	"en": {
		"title": "You were recommended for “%s”", "intro": "%s, one of our alumni (former employees), recommended you for this job.",
		"intro_anon": "One of our alumni (former employees) recommended you for this job.",
		"ask":        "If you are interested, tell us whether you would like to apply or to talk with our recruiters first. No account is needed, and the person who referred you is not told your answer.",
		"type":       "Type", "department": "Department", "location": "Location", "closes": "Closes", "details": "Read the full posting",
		"your_answer": "Your answer", "answer": "Your answer", "apply": "I would like to apply", "apply_hint": "A recruiter reads your message and tells you how the selection goes.",
		"talk": "I would like to talk first", "talk_hint": "Before applying, talk with a recruiter about the work and how the team works.",
		"message": "Message", "message_help": "A few words about yourself and why this job interests you (needed to apply). Questions are welcome.",
		"phone": "Phone", "phone_help": "Only if you would like a call. For example: +81 3-1234-5678", "optional": "optional", "required_if_apply": "needed to apply",
		"submit": "Send", "thanks_title": "Thank you for your answer", "thanks_apply": "We have your application. A recruiter will email you.",
		"thanks_talk": "Thank you. A recruiter will email you to find a time to talk.", "answered": "Your answer",
		"contact": "If it is urgent, write to %s.", "closed": "This job has closed (on %s). Thank you for your interest.",
		"privacy": "Only our recruiters read your answer, as part of this referral's record.", "privacy_link": "Privacy policy",
	},
}

// answerPage is what the landing page shows.
type answerPage struct {
	Lang, Base, Token, Title, Intro, JobURL, Type, Closes, ContactLine, ClosedLine string
	T                                                                              map[string]string
	Job                                                                            store.Job
	Answered, Closed                                                               bool
	Answer                                                                         store.Referral
	AnswerLabel, Thanks, Success                                                   string
	// A refused post shows the page again with what was typed, a summary
	// linking to each field and each error beside its field.
	Values  AnswerInput
	Problem string
	Errors  map[string]string
	Summary []answerError
}

type answerError struct{ ID, Label, Message string }

// answerTmpl is the page's content, in the site's frame (httpapi.Render).
var answerTmpl = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("referral-answer").Parse(`<div class="wrap narrow referral-answer">
<header class="page-header"><h1>{{.Title}}</h1></header>
<p class="lead">{{.Intro}}</p>
<dl class="facts">
<div><dt>{{.T.type}}</dt><dd>{{.Type}}</dd></div>
{{if .Job.Department}}<div><dt>{{.T.department}}</dt><dd>{{.Job.DepartmentIn .Lang}}</dd></div>{{end}}
{{if .Job.Location}}<div><dt>{{.T.location}}</dt><dd>{{.Job.LocationIn .Lang}}</dd></div>{{end}}
<div><dt>{{.T.closes}}</dt><dd>{{.Closes}}</dd></div>
</dl>
{{if .JobURL}}<p><a href="{{.JobURL}}">{{.T.details}}</a></p>{{end}}
{{if .Answered}}<section class="callout" aria-labelledby="answered">
<h2 id="answered">{{if .Thanks}}{{.T.thanks_title}}{{else}}{{.T.answered}}{{end}}</h2>
{{with .Thanks}}<p class="notice" role="status">{{.}}</p>{{end}}
<dl class="facts"><div><dt>{{.T.your_answer}}</dt><dd>{{.AnswerLabel}}</dd></div>
{{if .Answer.AnswerMessage}}<div><dt>{{.T.message}}</dt><dd class="pre">{{.Answer.AnswerMessage}}</dd></div>{{end}}
{{if .Answer.AnswerPhone}}<div><dt>{{.T.phone}}</dt><dd>{{.Answer.AnswerPhone}}</dd></div>{{end}}</dl>
{{with .ContactLine}}<p>{{.}}</p>{{end}}
</section>
{{else if .Closed}}<p class="notice">{{.ClosedLine}}</p>
{{else}}<section class="callout" aria-labelledby="answer-title">
<h2 id="answer-title">{{.T.your_answer}}</h2>
<p>{{.T.ask}}</p>
<form class="form stack" id="answer-form" method="post" action="` + AnswerPath + `" data-enhance data-success="{{.Success}}" novalidate>
{{if .Summary}}<div class="form-errors" role="alert" tabindex="-1" id="answer-errors"><p>{{.Problem}}</p><ul>{{range .Summary}}<li><a href="#{{.ID}}">{{.Label}}: {{.Message}}</a></li>{{end}}</ul></div>{{end}}
<input type="hidden" name="token" value="{{.Token}}">
<input type="hidden" name="lang" value="{{.Lang}}">
<fieldset{{with .Errors.answer}} aria-describedby="answer-apply-error"{{end}}><legend>{{.T.your_answer}}</legend>
<div class="check"><input type="radio" id="answer-apply" name="answer" value="apply" required aria-describedby="answer-apply-hint"{{if eq .Values.Answer "apply"}} checked{{end}}><label for="answer-apply">{{.T.apply}}</label></div>
<p class="help" id="answer-apply-hint">{{.T.apply_hint}}</p>
<div class="check"><input type="radio" id="answer-talk" name="answer" value="talk" aria-describedby="answer-talk-hint"{{if eq .Values.Answer "talk"}} checked{{end}}><label for="answer-talk">{{.T.talk}}</label></div>
<p class="help" id="answer-talk-hint">{{.T.talk_hint}}</p>
{{with .Errors.answer}}<p class="field-error" id="answer-apply-error">{{.}}</p>{{end}}
</fieldset>
<div class="field"><label for="answer-message">{{.T.message}} <span class="opt">{{.T.required_if_apply}}</span></label>
<textarea id="answer-message" name="message" rows="6" maxlength="2000" aria-describedby="answer-message-help{{if .Errors.message}} answer-message-error{{end}}"{{if .Errors.message}} aria-invalid="true"{{end}}>{{.Values.Message}}</textarea>
<p class="help" id="answer-message-help">{{.T.message_help}}</p>
{{with .Errors.message}}<p class="field-error" id="answer-message-error">{{.}}</p>{{end}}</div>
<div class="field"><label for="answer-phone">{{.T.phone}} <span class="opt">{{.T.optional}}</span></label>
<input id="answer-phone" name="phone" type="tel" autocomplete="tel" maxlength="25" value="{{.Values.Phone}}" aria-describedby="answer-phone-help{{if .Errors.phone}} answer-phone-error{{end}}"{{if .Errors.phone}} aria-invalid="true"{{end}}>
<p class="help" id="answer-phone-help">{{.T.phone_help}}</p>
{{with .Errors.phone}}<p class="field-error" id="answer-phone-error">{{.}}</p>{{end}}</div>
<p class="help">{{.T.privacy}} <a href="{{.Base}}/privacy/">{{.T.privacy_link}}</a></p>
<p><button class="button" type="submit">{{.T.submit}}</button></p>
</form>
{{with .ContactLine}}<p>{{.}}</p>{{end}}
</section>{{end}}
</div>`))
})

func (h Handler) renderAnswer(w http.ResponseWriter, r *http.Request, status int, p answerPage) {
	// The token is in the page's URL: keep it out of Referer headers.
	w.Header().Set("Referrer-Policy", "no-referrer")
	httpapi.RenderTemplate(w, r, status, httpapi.View{Lang: p.Lang, Title: p.Title}, answerTmpl(), p)
}

// answerLang is the landing page's language: the link's (lang=en in the
// English part of the email), else the browser's.
func answerLang(r *http.Request, posted string) string {
	for _, l := range []string{posted, r.URL.Query().Get("lang")} {
		if l == httpapi.LangEN || l == httpapi.LangJA {
			return l
		}
	}
	return httpapi.Lang(r)
}

func (h Handler) answerView(ctx context.Context, lang, token string, ref store.Referral, j store.Job) answerPage {
	T := answerText[lang]
	p := answerPage{Lang: lang, Base: strings.TrimSuffix(httpapi.PathIn(lang, "/"), "/"), Token: token, T: T, Job: j,
		Title: fmt.Sprintf(T["title"], j.TitleIn(lang)), Intro: T["intro_anon"], Type: typeLabel(hrText[lang], j.EmploymentType),
		Closes: brand.Date(lang, j.Closes), Closed: j.Closed(h.S.Now()), Answered: ref.Answer != "", Answer: ref, AnswerLabel: answerLabel(lang, ref.Answer)}
	if j.Visibility == store.VisibilityPublic {
		p.JobURL = JobPath(lang, j)
	}
	if ref.ReferrerID != "" {
		if m, err := h.S.Store.GetMember(ctx, ref.ReferrerID); err == nil && m.Name != "" {
			p.Intro = fmt.Sprintf(T["intro"], m.Name)
		}
	}
	if j.Contact != "" {
		p.ContactLine = fmt.Sprintf(T["contact"], j.Contact)
	}
	p.ClosedLine = fmt.Sprintf(T["closed"], p.Closes)
	p.Success = answerBack(lang, token) + "&answered=1"
	return p
}

// answerPageGet shows the landing page: the job and the form, or the
// answer already given.
func (h Handler) answerPageGet(w http.ResponseWriter, r *http.Request) {
	lang := answerLang(r, "")
	token := r.URL.Query().Get("token")
	ref, j, err := h.S.referralByToken(r.Context(), token)
	if err != nil {
		httpapi.WriteFormError(w, r, err, httpapi.PathIn(lang, "/"))
		return
	}
	p := h.answerView(r.Context(), lang, token, ref, j)
	if r.URL.Query().Get("answered") == "1" && ref.Answer != "" {
		p.Thanks = answerThanks(lang, ref.Answer)
	}
	h.renderAnswer(w, r, http.StatusOK, p)
}

// answerBack is the landing page of a token in a language.
func answerBack(lang, token string) string {
	// Always named: the Japanese link must not follow an English browser.
	if lang != httpapi.LangEN {
		lang = httpapi.LangJA
	}
	return AnswerPath + "?token=" + url.QueryEscape(token) + "&lang=" + lang
}

func answerThanks(lang string, a store.ReferralAnswer) string {
	if a == store.AnswerApply {
		return answerText[lang]["thanks_apply"]
	}
	return answerText[lang]["thanks_talk"]
}

// answerPost records the answer: a form post comes back to the page (303),
// JSON gets the answer (201 the first time, 200 after) or problem+json.
func (h Handler) answerPost(w http.ResponseWriter, r *http.Request) {
	var in AnswerInput
	if err := httpapi.Decode(w, r, &in); err != nil {
		h.fail(w, r, err, httpapi.PathIn(httpapi.Lang(r), "/"))
		return
	}
	lang := answerLang(r, in.Lang)
	back := answerBack(lang, in.Token)
	ref, created, err := h.S.Answer(r.Context(), in, account.ClientKey(r))
	if e := httpapi.AsError(err); err != nil && e.Code == httpapi.EINVALID && wantsPage(r) {
		// Without JavaScript: the page again, with what was typed and why.
		if ref, j, rerr := h.S.referralByToken(r.Context(), in.Token); rerr == nil {
			p := h.answerView(r.Context(), lang, in.Token, ref, j)
			prob := httpapi.ProblemFor(err, lang)
			p.Values, p.Problem, p.Errors = in, prob.Detail, map[string]string{}
			for _, f := range prob.Errors {
				id := "answer-" + f.Field
				if f.Field == "answer" {
					id = "answer-apply"
				}
				p.Errors[f.Field] = f.Message
				p.Summary = append(p.Summary, answerError{ID: id, Label: p.T[f.Field], Message: f.Message})
			}
			h.renderAnswer(w, r, http.StatusBadRequest, p)
			return
		}
	}
	if err != nil {
		h.fail(w, r, err, back)
		return
	}
	if wantsPage(r) {
		http.Redirect(w, r, back+"&answered=1", http.StatusSeeOther)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	httpapi.WriteJSON(w, status, map[string]any{"answer": ref.Answer, "answered_at": ref.AnsweredAt,
		"message": answerThanks(lang, ref.Answer), "location": back + "&answered=1"})
}
