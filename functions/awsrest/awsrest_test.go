package awsrest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

func TestCallJSON(t *testing.T) {
	answers := map[string]func(w http.ResponseWriter){
		"/ok": func(w http.ResponseWriter) { io.WriteString(w, `{"value":"v"}`) },
		"/ssm": func(w http.ResponseWriter) {
			w.WriteHeader(400)
			io.WriteString(w, `{"__type":"ParameterNotFound","message":"no such parameter"}`)
		},
		"/lambda": func(w http.ResponseWriter) {
			w.Header().Set("X-Amzn-ErrorType", "AccessDeniedException")
			w.WriteHeader(403)
			io.WriteString(w, `{"Type":"User","Message":"not authorized"}`)
		},
		"/bare": func(w http.ResponseWriter) { w.WriteHeader(503) },
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !strings.Contains(r.Header.Get("Authorization"), "/eu-west-1/ssm/aws4_request") || r.Header.Get("X-Amz-Target") != "T" || string(body) != `{"in":1}` {
			t.Errorf("request: %v %s", r.Header, body)
		}
		answers[r.URL.Path](w)
	}))
	defer srv.Close()
	c := Client{Config: aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKID", "s", "")}, Service: "ssm", HTTP: srv.Client()}
	call := func(path string) (map[string]string, error) {
		out := map[string]string{}
		_, err := c.CallJSON(context.Background(), srv.URL+path, http.Header{"X-Amz-Target": {"T"}}, map[string]int{"in": 1}, &out)
		return out, err
	}
	if out, err := call("/ok"); err != nil || out["value"] != "v" {
		t.Fatalf("ok: %v %v", out, err)
	}
	for path, want := range map[string]Error{
		"/ssm":    {Status: 400, Code: "ParameterNotFound", Message: "no such parameter"},
		"/lambda": {Status: 403, Code: "AccessDeniedException", Message: "not authorized"},
		"/bare":   {Status: 503, Code: "Service Unavailable"},
	} {
		_, err := call(path)
		var e *Error
		if !errors.As(err, &e) || *e != want {
			t.Errorf("%s: %v, want %+v", path, err, want)
		}
	}
}
