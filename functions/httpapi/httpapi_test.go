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

func TestDecodeIsStrict(t *testing.T) {
	type inner struct {
		City string   `json:"city"`
		Tags []string `json:"tags"`
	}
	type target struct {
		Email  string `json:"email"`
		Guests int    `json:"guests"`
		Where  inner  `json:"where"`
	}
	for _, c := range []struct {
		name, body string
		key        string // the detail's message key, or
		field      string // the field named
		code       string
	}{
		{name: "invalid UTF-8 in a value", body: "{\"email\":\"a\xff@example.com\"}", field: "email", code: "utf8"},
		{name: "invalid UTF-8 deep down", body: "{\"where\":{\"tags\":[\"ok\",\"b\xc3(\"]}}", field: "where.tags.1", code: "utf8"},
		{name: "invalid UTF-8 in a key", body: "{\"em\xffail\":\"x\"}", field: "em?ail", code: "utf8"},
		{name: "overlong encoding", body: "{\"email\":\"\xc0\xaf\"}", field: "email", code: "utf8"},
		{name: "duplicate key", body: `{"email":"a@example.com","guests":1,"email":"b@example.com"}`, field: "email", code: "duplicate"},
		{name: "duplicate key at depth", body: `{"where":{"city":"Tokyo","city":"Osaka"}}`, field: "where.city", code: "duplicate"},
		{name: "duplicate key inside an array", body: `{"x":[{"a":1},{"a":1,"a":2}]}`, field: "x.1.a", code: "duplicate"},
		{name: "trailing value", body: `{"email":"a@example.com"} {"email":"b@example.com"}`, key: "trailing_data"},
		{name: "trailing garbage", body: `{"email":"a@example.com"}x`, key: "trailing_data"},
		{name: "trailing brace", body: `{"email":"a@example.com"}}`, key: "trailing_data"},
		{name: "wrong type", body: `{"guests":"2"}`, field: "guests", code: "format"},
		{name: "wrong type at depth", body: `{"where":{"city":7}}`, field: "where.city", code: "format"},
		{name: "fraction for an int", body: `{"guests":1.5}`, field: "guests", code: "format"},
		{name: "not an object", body: `[1,2]`, key: "malformed_json"},
		{name: "empty", body: ``, key: "malformed_json"},
		{name: "unfinished", body: `{"email":`, key: "malformed_json"},
		{name: "syntax", body: `{"email" "x"}`, key: "malformed_json"},
	} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(c.body))
		r.Header.Set("Content-Type", "application/json")
		var got target
		e := AsError(Decode(httptest.NewRecorder(), r, &got))
		if e.Code != EINVALID || e.Code.Status() != http.StatusBadRequest {
			t.Errorf("%s: %v, want 400", c.name, e)
			continue
		}
		switch {
		case c.key != "" && e.Key != c.key:
			t.Errorf("%s: key %q, want %q", c.name, e.Key, c.key)
		case c.field != "" && (len(e.Fields) != 1 || e.Fields[0].Field != c.field || e.Fields[0].Code != c.code):
			t.Errorf("%s: fields %+v, want %s %s", c.name, e.Fields, c.field, c.code)
		}
		if _, ok := messages[e.Key]; !ok {
			t.Errorf("%s: no message %q", c.name, e.Key)
		}
		for _, f := range e.Fields {
			if _, ok := messages["field."+f.Code]; !ok {
				t.Errorf("%s: no message field.%s", c.name, f.Code)
			}
		}
	}
	// What stays allowed: unknown fields, nesting, escapes, surrogate pairs, whitespace around.
	r := httptest.NewRequest("POST", "/", strings.NewReader(" {\"email\":\"\\u3042@example.com\",\"lang\":\"ja\",\"where\":{\"tags\":[\"\\ud83d\\ude00\",\"x\"]},\"guests\":2}\n"))
	r.Header.Set("Content-Type", "application/json")
	var got target
	if err := Decode(httptest.NewRecorder(), r, &got); err != nil || got.Email != "あ@example.com" || got.Guests != 2 || got.Where.Tags[0] != "😀" {
		t.Errorf("a good body: %+v %v", got, err)
	}
	// Forms: names and values must be UTF-8 once decoded.
	for body, field := range map[string]string{"email=a%FF": "email", "em%FFail=x": "em?ail", "email=ok&skills=%C3%28": "skills"} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		var f formTarget
		if e := AsError(Decode(httptest.NewRecorder(), r, &f)); e.Code != EINVALID || len(e.Fields) != 1 || e.Fields[0].Field != field || e.Fields[0].Code != "utf8" {
			t.Errorf("form %q: %+v", body, e)
		}
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader("email=%zz"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if e := AsError(Decode(httptest.NewRecorder(), r, &formTarget{})); e.Code != EINVALID || e.Key != "malformed_body" {
		t.Errorf("bad escape: %+v", e)
	}
}

func TestNewCodesHaveMessages(t *testing.T) {
	for _, key := range []string{"field.invisible", "field.utf8", "field.duplicate", "malformed_body", "trailing_data", "misdirected_host", "body_too_large"} {
		if _, ok := messages[key]; !ok {
			t.Errorf("no message %s", key)
		}
	}
	if EMISDIRECTED.Status() != http.StatusMisdirectedRequest {
		t.Errorf("421: %d", EMISDIRECTED.Status())
	}
}
