package lambda_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/okaeri/okaeri/functions/lambda"
)

func TestOwnerIsTheLongestPrefix(t *testing.T) {
	for path, want := range map[string]string{
		"/api/me":                            "account",
		"/api/me/export":                     "account",
		"/api/me/applications":               "job",
		"/api/me/applications/a1/withdraw":   "job",
		"/api/preferences/language":          "prefs",
		"/hr/applications.csv":               "job",
		"/en/members/profile/":               "directory",
		"/api/me/profile":                    "directory",
		"/members/preferences/":              "account",
		"/api/events/e1/rsvp":                "event",
		"/api/webhooks/sendgrid":             "newsletter",
		"/api/register/verify":               "account",
		"/api/registerx":                     "",
		"/members/":                          "",
		"/api/hr/registrations/r1/approve":   "account",
		"/api/hr/applications/a1/status":     "job",
		"/api/hr/newsletters/spring-26/send": "newsletter",
		"/hr/newsletters":                    "newsletter",
		"/hr/newsletters/spring-26":          "newsletter",
		"/admin/":                            "cms",
		"/admin/config.yml":                  "cms",
		"/api/cms/callback":                  "cms",
		"/administrator":                     "",
		"/cms/decap/decap-cms.js":            "", // Decap's files are the site's
	} {
		f, ok := lambda.Owner(path)
		if ok != (want != "") || f.Name != want {
			t.Errorf("Owner(%s) = %q, %v; want %q", path, f.Name, ok, want)
		}
	}
}

func TestTableIsConsistent(t *testing.T) {
	seen := map[string]string{}
	for _, f := range lambda.Functions {
		if f.Name == "" || strings.ContainsAny(f.Name, "/ ") {
			t.Errorf("bad name %q", f.Name)
		}
		for _, p := range f.Paths {
			if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
				t.Errorf("%s: path %q must start and not end with /", f.Name, p)
			}
			if other, dup := seen[p]; dup {
				t.Errorf("%s and %s both own %s", other, f.Name, p)
			}
			seen[p] = f.Name
		}
	}
}

func ok(name string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(name)) })
}

func TestHandlerServesOnlyItsOwnRoutes(t *testing.T) {
	routes := map[string]http.Handler{
		"GET /api/me":              ok("me"),
		"GET /api/me/applications": ok("applications"),
		"POST /api/logout":         ok("logout"),
	}
	h, err := lambda.Handler("account", routes, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/api/me", 200, "me"},
		{"GET", "/api/me/applications", 404, ""}, // the jobs function's
		{"GET", "/nowhere", 404, ""},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
		if rec.Code != tc.status || tc.body != "" && rec.Body.String() != tc.body {
			t.Errorf("%s %s: %d %q", tc.method, tc.path, rec.Code, rec.Body)
		}
		if rec.Code == 404 && !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s: 404 is not problem+json", tc.path)
		}
		if rec.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("%s: no security headers", tc.path)
		}
	}
	// A state-changing request from another site is refused.
	req := httptest.NewRequest("POST", "/api/logout", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("cross-site POST: %d", rec.Code)
	}
	if _, err := lambda.Handler("nobody", routes, nil); err == nil {
		t.Error("a function outside the table got a handler")
	}
	if _, err := lambda.Handler("prefs", routes, slog.New(slog.DiscardHandler)); err == nil {
		t.Error("a function with none of the routes got a handler")
	}
}

func TestInvokeRunsJobsAndRequests(t *testing.T) {
	ran := 0
	inv := lambda.Invoke(ok("page"), slog.New(slog.DiscardHandler),
		lambda.Task{Name: "tick", Run: func(ctx context.Context) (any, error) { ran++; return map[string]int{"n": ran}, nil }},
		lambda.Task{Name: "broken", Run: func(ctx context.Context) (any, error) { return nil, errors.New("boom") }})
	ctx := context.Background()
	out, err := inv(ctx, json.RawMessage(`{"job":"tick"}`))
	if err != nil || ran != 1 || out.(lambda.JobResult).Job != "tick" {
		t.Fatalf("tick: %v %v", out, err)
	}
	if _, err := inv(ctx, json.RawMessage(`{"job":"broken"}`)); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("a failed job must fail the invocation: %v", err)
	}
	if _, err := inv(ctx, json.RawMessage(`{"job":"nope"}`)); err == nil {
		t.Error("an unknown job succeeded")
	}
	ev, _ := json.Marshal(events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: "/x", RequestContext: events.APIGatewayV2HTTPRequestContext{
		HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: "GET", Path: "/x"}}})
	out, err = inv(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if resp, isResp := out.(events.APIGatewayV2HTTPResponse); !isResp || resp.StatusCode != 200 || resp.Body != "page" {
		t.Errorf("HTTP event: %#v", out)
	}
	if _, err := inv(ctx, json.RawMessage(`[1]`)); err == nil {
		t.Error("a non-object event was accepted")
	}
}
