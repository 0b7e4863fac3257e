package lambda_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/prefs"
)

// apiGatewayRequest builds the event API Gateway's HTTP API sends a Lambda.
func apiGatewayRequest(method, path, contentType, body string, headers map[string]string) events.APIGatewayV2HTTPRequest {
	h := map[string]string{"content-type": contentType, "host": "alumni.example.co.jp"}
	for k, v := range headers {
		h[k] = v
	}
	return events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: method + " " + path, RawPath: path, Headers: h, Body: body,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			DomainName: "alumni.example.co.jp", Stage: "$default",
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "192.0.2.1"},
		},
	}
}

func TestAdapterCarriesStatusHeadersBodyAndCookies(t *testing.T) {
	adapter := httpadapter.NewV2(&prefs.Handler{Secure: true})
	resp, err := adapter.ProxyWithContext(context.Background(),
		apiGatewayRequest("POST", "/api/preferences/language", "application/json", `{"lang":"en"}`, nil))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, body %s", resp.StatusCode, resp.Body)
	}
	if ct := resp.Headers["Content-Type"]; !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	var body map[string]string
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || body["lang"] != "en" {
		t.Errorf("body %q (%v)", resp.Body, err)
	}
	if len(resp.Cookies) != 1 {
		t.Fatalf("cookies %v", resp.Cookies)
	}
	c, err := http.ParseSetCookie(resp.Cookies[0])
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != httpapi.LangCookie || c.Value != "en" || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" {
		t.Errorf("cookie %+v", c)
	}
}

func TestAdapterFormPostRedirectsBack(t *testing.T) {
	adapter := httpadapter.NewV2(&prefs.Handler{Secure: true})
	resp, err := adapter.ProxyWithContext(context.Background(),
		apiGatewayRequest("POST", "/api/preferences/language", "application/x-www-form-urlencoded", "lang=ja&next=%2Fjobs%2F", nil))
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusSeeOther || resp.Headers["Location"] != "/jobs/" {
		t.Errorf("status %d location %q", resp.StatusCode, resp.Headers["Location"])
	}
}

func TestAdapterProblemJSONInRequestLanguage(t *testing.T) {
	adapter := httpadapter.NewV2(&prefs.Handler{})
	for _, tc := range []struct{ acceptLang, wantMsg string }{
		{"ja", "ja または en を指定してください。"},
		{"en-US,en;q=0.9", "Use ja or en."},
	} {
		resp, err := adapter.ProxyWithContext(context.Background(),
			apiGatewayRequest("POST", "/api/preferences/language", "application/json", `{"lang":"fr"}`,
				map[string]string{"accept-language": tc.acceptLang}))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusBadRequest || resp.Headers["Content-Type"] != "application/problem+json; charset=utf-8" {
			t.Fatalf("status %d type %q", resp.StatusCode, resp.Headers["Content-Type"])
		}
		var p httpapi.Problem
		if err := json.Unmarshal([]byte(resp.Body), &p); err != nil {
			t.Fatal(err)
		}
		if len(p.Errors) != 1 || p.Errors[0].Field != "lang" || p.Errors[0].Message != tc.wantMsg {
			t.Errorf("%s: errors %+v", tc.acceptLang, p.Errors)
		}
		if len(resp.Cookies) != 0 {
			t.Errorf("a refused request set cookies: %v", resp.Cookies)
		}
	}
}
