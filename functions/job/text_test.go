package job

import (
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/httpapi"
)

func TestApplicationTextRefusesInvisibleCharacters(t *testing.T) {
	for msg, code := range map[string]string{
		"よろしくお願いします\u202Eします": "invisible",
		"admin\u200Bhr":               "invisible",
		"\uFEFF志望動機":                  "invisible",
		"bell\a":                      "control",
		"二行目\n三行目\tタブ":                "",
		"エンジニアです👩\u200D💻":             "",
		"left\u2066isolate\u2069done": "invisible",
	} {
		in := ApplyInput{Message: msg}
		err := in.validate()
		got := ""
		if err != nil {
			got = err.Error()
		}
		switch {
		case code == "" && err != nil:
			t.Errorf("%+q refused: %v", msg, err)
		case code != "" && (err == nil || !strings.Contains(got, code)):
			t.Errorf("%+q: %v, want %s", msg, err, code)
		}
	}
	if fe := checkText("name", "山田\u200F花子", maxName, true); fe == nil || fe.Code != "invisible" {
		t.Errorf("a referred friend's name with a bidi mark: %+v", fe)
	}
	if got := resumeName("履歴書\u202Efdp.exe"); got != "履歴書fdp.exe" {
		t.Errorf("resumeName kept a bidi override: %+q", got)
	}
}

// Only the application route takes a résumé's size; every other route of
// jobs keeps the JSON and form limit.
func TestOnlyTheUploadRouteTakesLargeBodies(t *testing.T) {
	for p, h := range (Handler{}).Routes() {
		want := int64(httpapi.MaxBodyBytes)
		if p == "POST /api/jobs/{id}/applications" {
			want = maxUploadBytes
		}
		if got := httpapi.BodyLimitOf(h); got != want {
			t.Errorf("%s: body limit %d, want %d", p, got, want)
		}
	}
	if maxUploadBytes <= MaxResumeBytes {
		t.Error("the upload limit must leave room for the form around the résumé")
	}
}
