package job

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

var answerRE = regexp.MustCompile(`http://portal\.test(/api/referrals/answer\?token=[^\s>&]+)`)

// refer has m refer a friend to job and returns the landing link the
// friend's email carries.
func (f *fixture) refer(m member, job, friend string) string {
	f.t.Helper()
	rec := f.do(request{method: "POST", path: "/api/jobs/" + job + "/referrals", cookie: m.cookie, contentType: "application/json",
		body: strings.NewReader(`{"name":"鈴木 一郎","email":"` + friend + `","relationship":"colleague"}`)})
	if rec.Code != http.StatusCreated {
		f.t.Fatalf("refer: %d %s", rec.Code, rec.Body)
	}
	mails := f.mails(friend)
	if len(mails) != 1 {
		f.t.Fatalf("friend's mails: %d", len(mails))
	}
	link := answerRE.FindStringSubmatch(mails[0].Text)
	if link == nil {
		f.t.Fatalf("no landing link in the friend's email:\n%s", mails[0].Text)
	}
	return link[1]
}

func tokenOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

// A referred friend, who has no account, opens the link of their email,
// sees the job and answers; the answer is recorded on their referral, once,
// and HR sees it on the referral.
func TestReferredFriendAnswersOnTheLandingPage(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	hr := f.member(hrAdmin, "人事 担当", store.LanguageJa)
	m := f.member("hanako@example.net", "山田 花子", store.LanguageJa)
	link := f.refer(m, "security-review-project", "ichiro@example.com") // a members-only job: still shown to the friend
	tok := tokenOf(t, link)

	rec := f.do(request{method: "GET", path: link})
	page := rec.Body.String()
	for _, want := range []string{`<html lang="ja"`, "山田 花子さん（当社のアルムナイ）", "バックエンドエンジニア（再入社・正社員）",
		`name="answer" value="apply"`, `name="answer" value="talk"`, `name="token" value="` + tok + `"`,
		"<dd>2027年1月31日</dd>"} { // the closing date as the site writes it
		if !strings.Contains(page, want) {
			t.Errorf("landing page lacks %q", want)
		}
	}
	if rec.Code != http.StatusOK || rec.Header().Get("Referrer-Policy") != "no-referrer" || strings.Contains(page, "/members/jobs/") {
		t.Fatalf("landing page: %d %v\n%s", rec.Code, rec.Header(), page)
	}
	if rec := f.do(request{method: "GET", path: link + "&lang=en"}); !strings.Contains(rec.Body.String(), `<html lang="en"`) ||
		!strings.Contains(rec.Body.String(), "I would like to talk first") || !strings.Contains(rec.Body.String(), "<dd>January 31, 2027</dd>") {
		t.Errorf("English landing page:\n%s", rec.Body)
	}

	// The form, as a browser without JavaScript posts it.
	form := url.Values{"token": {tok}, "lang": {"ja"}, "answer": {"talk"}, "message": {"まずお話を伺えますか。"}, "phone": {"03-1234-5678"}}
	rec = f.do(request{method: "POST", path: AnswerPath, contentType: "application/x-www-form-urlencoded", accept: "text/html", body: strings.NewReader(form.Encode())})
	if rec.Code != http.StatusSeeOther || !strings.HasSuffix(rec.Header().Get("Location"), "&answered=1") {
		t.Fatalf("answer: %d %q %s", rec.Code, rec.Header().Get("Location"), rec.Body)
	}
	rec = f.do(request{method: "GET", path: rec.Header().Get("Location")})
	if !strings.Contains(rec.Body.String(), "お返事をありがとうございます") || !strings.Contains(rec.Body.String(), "まずお話を伺えますか。") ||
		strings.Contains(rec.Body.String(), `name="answer"`) {
		t.Fatalf("after answering:\n%s", rec.Body)
	}
	refs, _, err := f.st.ListReferralsByJob(ctx, "security-review-project", store.Page{})
	if err != nil || len(refs) != 1 {
		t.Fatal(refs, err)
	}
	r := refs[0]
	if r.Answer != store.AnswerTalk || r.AnswerMessage != "まずお話を伺えますか。" || r.AnswerPhone != "03-1234-5678" || r.AnsweredAt.IsZero() {
		t.Fatalf("recorded: %+v", r)
	}

	// The first answer stands: asked again, the same answer, nothing changed.
	rec = f.do(request{method: "POST", path: AnswerPath, contentType: "application/json",
		body: strings.NewReader(`{"token":"` + tok + `","answer":"apply","message":"やはり応募します"}`)})
	var got struct{ Answer string }
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &got) != nil || got.Answer != "talk" {
		t.Fatalf("answering again: %d %s", rec.Code, rec.Body)
	}

	// HR sees it on the referral.
	rec = f.do(request{method: "GET", path: "/hr/jobs/security-review-project", cookie: hr.cookie})
	if !strings.Contains(rec.Body.String(), `data-answer="talk"`) || !strings.Contains(rec.Body.String(), "まず話を聞きたい") ||
		!strings.Contains(rec.Body.String(), "2027年1月31日") ||
		!strings.Contains(rec.Body.String(), "まずお話を伺えますか。") {
		t.Fatalf("HR's job page does not show the answer:\n%s", rec.Body)
	}
}

// Bad input gets problem+json per field in the reader's language, or the
// page again with what was typed; a forged or another referral's token
// finds nothing; changes nothing either way.
func TestReferralAnswerIsValidatedAndBoundToItsToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	m := f.member("hanako@example.net", "山田 花子", store.LanguageJa)
	tok := tokenOf(t, f.refer(m, "backend-engineer-rehire", "ichiro@example.com"))

	for _, c := range []struct {
		body, lang string
		fields     map[string]string
	}{
		{`{"token":"` + tok + `"}`, "ja", map[string]string{"answer": "必須項目です。"}},
		{`{"token":"` + tok + `","answer":"apply","phone":"abc"}`, "en", map[string]string{"message": "This field is required.", "phone": "Use digits and hyphens for the phone number."}},
		{`{"token":"` + tok + `","answer":"hire-me"}`, "en", map[string]string{"answer": "Use one of: apply, talk"}},
	} {
		rec := f.do(request{method: "POST", path: AnswerPath, contentType: "application/json", lang: c.lang, body: strings.NewReader(c.body)})
		var p httpapi.Problem
		if rec.Code != http.StatusBadRequest || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") ||
			json.Unmarshal(rec.Body.Bytes(), &p) != nil || len(p.Errors) != len(c.fields) {
			t.Fatalf("%s: %d %s", c.body, rec.Code, rec.Body)
		}
		for _, e := range p.Errors {
			if c.fields[e.Field] != e.Message {
				t.Errorf("%s: %s = %q, want %q", c.body, e.Field, e.Message, c.fields[e.Field])
			}
		}
	}
	// Without JavaScript: the page again, with the typed message kept.
	form := url.Values{"token": {tok}, "answer": {"apply"}, "message": {"   "}, "phone": {"x"}}
	rec := f.do(request{method: "POST", path: AnswerPath, contentType: "application/x-www-form-urlencoded", accept: "text/html", body: strings.NewReader(form.Encode())})
	if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), `href="#answer-message"`) ||
		!strings.Contains(rec.Body.String(), `value="x"`) || !strings.Contains(rec.Body.String(), `value="apply" required aria-describedby="answer-apply-hint" checked`) {
		t.Fatalf("form error page: %d\n%s", rec.Code, rec.Body)
	}
	// Tokens: forged, or signed for something else (the unsubscribe link).
	for _, bad := range []string{"", "nonsense", strings.Replace(tok, "referral-answer", "referral-unsubscribe", 1), f.s.unsubscribeToken("x")} {
		rec := f.do(request{method: "POST", path: AnswerPath, contentType: "application/json",
			body: strings.NewReader(`{"token":"` + bad + `","answer":"talk"}`)})
		if rec.Code != http.StatusNotFound {
			t.Errorf("token %q: %d %s", bad, rec.Code, rec.Body)
		}
	}
	refs, _, _ := f.st.ListReferralsByJob(ctx, "backend-engineer-rehire", store.Page{})
	if len(refs) != 1 || refs[0].Answer != "" {
		t.Fatalf("bad input changed the referral: %+v", refs)
	}
}

// The landing page's form is public: one client may send only so many.
func TestReferralAnswersAreRateLimitedPerClient(t *testing.T) {
	f := newFixture(t)
	m := f.member("hanako@example.net", "山田 花子", store.LanguageJa)
	tok := tokenOf(t, f.refer(m, "backend-engineer-rehire", "ichiro@example.com"))
	codes := map[int]int{}
	for range f.s.Config.AnswersPerClient.Count + 1 {
		rec := f.do(request{method: "POST", path: AnswerPath, contentType: "application/json", body: strings.NewReader(`{"token":"` + tok + `"}`)})
		codes[rec.Code]++
	}
	if codes[http.StatusBadRequest] != f.s.Config.AnswersPerClient.Count || codes[http.StatusTooManyRequests] != 1 {
		t.Fatalf("answers over the limit: %v", codes)
	}
}
