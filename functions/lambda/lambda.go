// Package lambda runs an Okaeri function on AWS Lambda behind an API Gateway
// HTTP API (payload format 2.0). It is the only place that knows about Lambda.
package lambda

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	awslambda "github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/okaeri/okaeri/functions/httpapi"
)

// DataDir is where a Lambda may write: /tmp is its only writable folder
// (os.TempDir, so that tests can move it with TMPDIR).
func DataDir() string { return filepath.Join(os.TempDir(), "okaeri") }

// Task is a scheduled job's work, run when the function is invoked with
// {"job": Name} instead of an HTTP request. Run returns a report that is
// logged and answered as the invocation's result.
type Task struct {
	Name string
	Run  func(ctx context.Context) (any, error)
	// Stream: the table's DynamoDB stream starts it too. Its records say
	// only that there is work (a new mail queue item): Run reads the
	// table, not the records.
	Stream bool
}

// jobMargin is how long before the invocation's deadline a job's context
// ends, so that a long job (a newsletter send) stops between batches,
// records where it is and lets the next scheduled run resume.
const jobMargin = 30 * time.Second

// Start serves h as this Lambda's handler, runs tasks when a schedule asks
// for them, and never returns.
func Start(h http.Handler, log *slog.Logger, tasks ...Task) {
	awslambda.Start(Invoke(h, log, tasks...))
}

// JobResult is what a function answers to a scheduled job that succeeded.
type JobResult struct {
	Job    string `json:"job"`
	MS     int64  `json:"ms"`
	Report any    `json:"report,omitempty"`
}

// Invoke is the function's Lambda handler: an API Gateway v2 event goes to
// h through aws-lambda-go-api-proxy; {"job": name} runs that task, and a
// batch of the table's DynamoDB stream records runs the Stream task. A
// task's error fails the invocation, so Lambda retries it and, for
// asynchronous invocations, sends it to the on-failure destination. API
// Gateway never sends a top-level "job" or "Records" field, so a request
// cannot start a job.
func Invoke(h http.Handler, log *slog.Logger, tasks ...Task) func(context.Context, json.RawMessage) (any, error) {
	adapter := httpadapter.NewV2(h)
	return func(ctx context.Context, payload json.RawMessage) (any, error) {
		var job struct {
			Job     string `json:"job"`
			Records []struct {
				EventSource string `json:"eventSource"`
			} `json:"Records"`
		}
		if err := json.Unmarshal(payload, &job); err != nil {
			return nil, fmt.Errorf("lambda: event is not a JSON object: %w", err)
		}
		if job.Job == "" && len(job.Records) > 0 {
			if job.Records[0].EventSource != "aws:dynamodb" {
				return nil, fmt.Errorf("lambda: records from %q, not a DynamoDB stream", job.Records[0].EventSource)
			}
			i := slices.IndexFunc(tasks, func(t Task) bool { return t.Stream })
			if i < 0 {
				return nil, errors.New("lambda: a DynamoDB stream event, and no task of this function reads the stream")
			}
			job.Job = tasks[i].Name
		}
		if job.Job == "" {
			var req events.APIGatewayV2HTTPRequest
			if err := json.Unmarshal(payload, &req); err != nil {
				return nil, fmt.Errorf("lambda: not an API Gateway v2 event: %w", err)
			}
			return adapter.ProxyWithContext(ctx, req)
		}
		for _, t := range tasks {
			if t.Name == job.Job {
				if d, ok := ctx.Deadline(); ok && time.Until(d) > 2*jobMargin {
					var cancel context.CancelFunc
					ctx, cancel = context.WithDeadline(ctx, d.Add(-jobMargin))
					defer cancel()
				}
				start := time.Now()
				report, err := t.Run(ctx)
				ms := time.Since(start).Milliseconds()
				if err != nil {
					log.ErrorContext(ctx, "job failed", "job", t.Name, "ms", ms, "err", err)
					return nil, fmt.Errorf("job %s: %w", t.Name, err)
				}
				log.InfoContext(ctx, "job done", "job", t.Name, "ms", ms, "report", report)
				return JobResult{Job: t.Name, MS: ms, Report: report}, nil
			}
		}
		return nil, fmt.Errorf("lambda: no job %q in this function", job.Job)
	}
}

// Handler serves the routes that the table gives function name, out of
// routes (which may hold every function's), with what `okaeri serve` puts
// around them: same-origin checks on state-changing requests, security
// headers, an access log without query strings, and problem+json 404s.
// A function with no paths in the table (the mailer) answers every
// request with a 404.
func Handler(name string, routes map[string]http.Handler, log *slog.Logger) (http.Handler, error) {
	if _, ok := Lookup(name); !ok {
		return nil, fmt.Errorf("lambda: no function %q in lambda.Functions", name)
	}
	own := Routes(name, routes)
	if f, _ := Lookup(name); len(own) == 0 && len(f.Paths) > 0 {
		return nil, errors.New("lambda: function " + name + " serves none of the routes it was given")
	}
	mux := http.NewServeMux()
	for pattern, h := range own {
		mux.Handle(pattern, h)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteError(w, r, log, httpapi.Errorf(httpapi.ENOTFOUND, "not_found"))
	})
	return httpapi.Chain(mux, httpapi.AccessLog(log), httpapi.SecurityHeaders, httpapi.SameOrigin(log)), nil
}

// Routes picks function name's routes out of routes: those whose path the
// table gives it.
func Routes(name string, routes map[string]http.Handler) map[string]http.Handler {
	own := map[string]http.Handler{}
	for pattern, h := range routes {
		if f, ok := Owner(PatternPath(pattern)); ok && f.Name == name {
			own[pattern] = h
		}
	}
	return own
}

// Logger writes JSON lines to stderr, which Lambda sends to CloudWatch Logs.
func Logger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}

// Exit reports an initialisation failure and ends the process: Lambda
// records it as an init error and retries on the next invocation.
func Exit(log *slog.Logger, err error) {
	log.Error("init failed", "err", err)
	os.Exit(1)
}
