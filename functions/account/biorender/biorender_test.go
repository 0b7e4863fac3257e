package biorender

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/okaeri/okaeri/functions/awsrest"
)

// fakeLambda answers Lambda's Invoke API as documented: POST
// /2015-03-31/functions/{name}/invocations, the payload in, the function's
// result out, and X-Amz-Function-Error when the function failed.
func fakeLambda(t *testing.T, answer func(req Request) (int, http.Header, string)) (*Remote, *int) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if r.Method != http.MethodPost || r.URL.Path != "/2015-03-31/functions/okaeri-test-render/invocations" {
			t.Errorf("%s %s", r.Method, r.URL.Path)
		}
		if a := r.Header.Get("Authorization"); !strings.Contains(a, "AWS4-HMAC-SHA256") || !strings.Contains(a, "/ap-northeast-1/lambda/aws4_request") {
			t.Errorf("not signed for lambda: %q", a)
		}
		if r.Header.Get("X-Amz-Invocation-Type") != "RequestResponse" {
			t.Errorf("invocation type %q", r.Header.Get("X-Amz-Invocation-Type"))
		}
		var req Request
		body, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(body, &req); err != nil {
			t.Errorf("payload: %v", err)
		}
		status, h, out := answer(req)
		for k, v := range h {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		io.WriteString(w, out)
	}))
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "ap-northeast-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")}
	return &Remote{Client: awsrest.Client{Config: cfg, Service: "lambda", HTTP: srv.Client()}, Endpoint: srv.URL, Function: "okaeri-test-render"}, &calls
}

func TestRemoteRendersAPageInOneInvocation(t *testing.T) {
	r, calls := fakeLambda(t, func(req Request) (int, http.Header, string) {
		out := Response{}
		for _, b := range req.Bios {
			out.HTML = append(out.HTML, "<p>"+strings.ToUpper(b)+"</p>")
		}
		data, _ := json.Marshal(out)
		return 200, nil, string(data)
	})
	html, err := r.Render(context.Background(), []string{"a", "b", "c"})
	if err != nil || *calls != 1 || strings.Join(html, "") != "<p>A</p><p>B</p><p>C</p>" {
		t.Fatalf("Render = %q, %v after %d calls", html, err, *calls)
	}
}

func TestRemoteFailures(t *testing.T) {
	ctx := context.Background()
	for name, answer := range map[string]func(Request) (int, http.Header, string){
		"the function failed": func(Request) (int, http.Header, string) {
			return 200, http.Header{"X-Amz-Function-Error": {"Unhandled"}}, `{"errorMessage":"boom","errorType":"errorString"}`
		},
		"Lambda refused": func(Request) (int, http.Header, string) {
			return 403, nil, `{"Message":"not authorized to perform lambda:InvokeFunction"}`
		},
		"too few answers": func(Request) (int, http.Header, string) { return 200, nil, `{"html":["<p>x</p>"]}` },
		"not JSON":        func(Request) (int, http.Header, string) { return 200, nil, `<html>` },
	} {
		r, _ := fakeLambda(t, answer)
		if _, err := r.Render(ctx, []string{"秘密の経歴", "b"}); err == nil {
			t.Errorf("%s: no error", name)
		} else if strings.Contains(err.Error(), "秘密") {
			t.Errorf("%s: the error quotes a bio: %v", name, err)
		}
	}
	// Over the limits nothing is sent.
	r, calls := fakeLambda(t, func(Request) (int, http.Header, string) { return 200, nil, `{}` })
	if _, err := r.Render(ctx, make([]string, MaxBios+1)); err == nil || *calls != 0 {
		t.Errorf("too many bios: %v, %d calls", err, *calls)
	}
	if _, err := r.Render(ctx, []string{strings.Repeat("x", MaxBytes+1)}); err == nil || *calls != 0 {
		t.Errorf("too much Markdown: %v, %d calls", err, *calls)
	}
}

func TestEndpoint(t *testing.T) {
	if e := Endpoint("ap-northeast-1"); e != "https://lambda.ap-northeast-1.amazonaws.com" {
		t.Error(e)
	}
	if e := Endpoint("cn-north-1"); e != "https://lambda.cn-north-1.amazonaws.com.cn" {
		t.Error(e)
	}
}
