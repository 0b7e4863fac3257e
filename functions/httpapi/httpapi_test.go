package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestEveryMessageSpeaksBothLanguages(t *testing.T) {
	for key, m := range messages {
		if strings.TrimSpace(m.ja) == "" || strings.TrimSpace(m.en) == "" {
			t.Errorf("%s: missing a language", key)
		}
		if m.ja == m.en {
			t.Errorf("%s: ja and en are identical (untranslated?)", key)
		}
		if strings.Count(m.ja, "%v") != strings.Count(m.en, "%v") {
			t.Errorf("%s: placeholders differ between ja and en", key)
		}
	}
	for code := range statusOf {
		if _, ok := messages["title."+string(code)]; !ok {
			t.Errorf("code %s has no title", code)
		}
	}
}

func TestFromAcceptLanguage(t *testing.T) {
	for h, want := range map[string]string{
		"":                        "ja",
		"en":                      "en",
		"en-US,en;q=0.9":          "en",
		"ja,en-US;q=0.8":          "ja",
		"fr-FR,en;q=0.5,ja;q=0.7": "ja",
		"fr-FR,en;q=0.8,ja;q=0.3": "en",
		"de":                      "ja",
		"EN-gb":                   "en",
	} {
		if got := FromAcceptLanguage(h); got != want {
			t.Errorf("%q: got %s want %s", h, got, want)
		}
	}
}

func TestProblemHidesInternalCause(t *testing.T) {
	p := ProblemFor(errors.New("dynamodb: table okaeri-prod: user hanako@example.com"), LangEN)
	if p.Status != 500 || strings.Contains(p.Detail, "hanako") || strings.Contains(p.Title, "dynamodb") {
		t.Errorf("internal detail leaked: %+v", p)
	}
	p = ProblemFor(Invalid(FieldError{Field: "name", Code: "too_long", Params: []any{100}}), LangJA)
	if p.Status != 400 || len(p.Errors) != 1 || p.Errors[0].Message != "100文字以内で入力してください。" {
		t.Errorf("field problem: %+v", p)
	}
}

type formTarget struct {
	Email    string   `json:"email"`
	Consent  bool     `json:"consent"`
	Guests   int      `json:"guests"`
	Skills   []string `json:"skills"`
	Optional *string  `json:"optional"`
}

func TestDecodeFormAndJSON(t *testing.T) {
	form := url.Values{"email": {"a@example.com"}, "consent": {"on"}, "guests": {"2"}, "skills": {"Go", "AWS"}}
	r := httptest.NewRequest("POST", "/", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var got formTarget
	if err := Decode(httptest.NewRecorder(), r, &got); err != nil {
		t.Fatal(err)
	}
	if got.Email != "a@example.com" || !got.Consent || got.Guests != 2 || len(got.Skills) != 2 || got.Optional != nil {
		t.Errorf("form decoded as %+v", got)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader("guests=many"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	err := Decode(httptest.NewRecorder(), r, &got)
	if e := AsError(err); e.Code != EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "guests" {
		t.Errorf("bad int: %v", err)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader(`{"guests":"x"}`))
	r.Header.Set("Content-Type", "application/json")
	if e := AsError(Decode(httptest.NewRecorder(), r, &got)); e.Code != EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != "guests" {
		t.Errorf("json type error: %v", e)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader(`{"email":"`+strings.Repeat("x", MaxBodyBytes)+`"}`))
	r.Header.Set("Content-Type", "application/json")
	if e := AsError(Decode(httptest.NewRecorder(), r, &got)); e.Code != ETOOLARGE || e.Code.Status() != http.StatusRequestEntityTooLarge {
		t.Errorf("big body: %v", e)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader(`x`))
	r.Header.Set("Content-Type", "text/plain")
	if e := AsError(Decode(httptest.NewRecorder(), r, &got)); e.Code != EUNSUPPORTED {
		t.Errorf("text/plain: %v", e)
	}
}
