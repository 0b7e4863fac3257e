package lambda_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/lambda"
)

// A batch of the table's stream records runs the Stream task, as a job;
// records from elsewhere, or a function with no Stream task, fail.
func TestInvokeRunsTheStreamTask(t *testing.T) {
	ran := 0
	log := slog.New(slog.DiscardHandler)
	drain := lambda.Task{Name: lambda.JobMailDrain, Stream: true, Run: func(ctx context.Context) (any, error) { ran++; return ran, nil }}
	inv := lambda.Invoke(ok("page"), log, lambda.Task{Name: "other", Run: func(context.Context) (any, error) { return nil, nil }}, drain)
	ctx := context.Background()
	stream := json.RawMessage(`{"Records":[{"eventID":"1","eventName":"INSERT","eventSource":"aws:dynamodb",
		"dynamodb":{"Keys":{"PK":{"S":"MAILQ"},"SK":{"S":"2026-04-01T09:00:00.000000000Z#X"}},"StreamViewType":"KEYS_ONLY"}}]}`)
	out, err := inv(ctx, stream)
	if err != nil || ran != 1 || out.(lambda.JobResult).Job != lambda.JobMailDrain {
		t.Fatalf("stream event: %v %v (ran %d)", out, err, ran)
	}
	// {"job": ...} still runs it too (the schedule).
	if _, err := inv(ctx, json.RawMessage(`{"job":"mail-drain"}`)); err != nil || ran != 2 {
		t.Fatalf("the scheduled run: %v (ran %d)", err, ran)
	}
	if _, err := inv(ctx, json.RawMessage(`{"Records":[{"eventSource":"aws:sqs"}]}`)); err == nil || ran != 2 {
		t.Errorf("SQS records ran the stream task: %v", err)
	}
	noStream := lambda.Invoke(ok("page"), log, lambda.Task{Name: "other", Run: func(context.Context) (any, error) { return nil, nil }})
	if _, err := noStream(ctx, stream); err == nil || !strings.Contains(err.Error(), "stream") {
		t.Errorf("a function without a stream task: %v", err)
	}
}

// The mailer has no paths: its handler answers every request with a
// problem+json 404 and the security headers.
func TestHandlerOfAFunctionWithoutPaths(t *testing.T) {
	f, found := lambda.Lookup("mailer")
	if !found || len(f.Paths) != 0 || f.Stream != lambda.JobMailDrain {
		t.Fatalf("mailer in the table: %+v", f)
	}
	h, err := lambda.Handler("mailer", nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/me", nil))
	if rec.Code != 404 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/problem+json") || rec.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("GET /api/me on the mailer: %d %v", rec.Code, rec.Header())
	}
}
