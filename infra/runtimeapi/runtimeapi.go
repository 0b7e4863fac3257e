// Package runtimeapi is a local implementation of the AWS Lambda Runtime
// API (2018-06-01): the next-invocation, response and error endpoints a
// custom runtime such as aws-lambda-go's polls. Tests and the Lambda
// benchmark start a real bootstrap against it with AWS_LAMBDA_RUNTIME_API
// pointing here, hand it events and read its answers, and learn when it
// first asked for work (the end of its init phase).
package runtimeapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Prefix of every Runtime API path.
const Prefix = "/2018-06-01/runtime"

// Result is what the function answered to one invocation: Payload from
// .../response, or Error from .../error.
type Result struct {
	Payload []byte
	Error   *FunctionError
}

// FunctionError is the body a runtime posts to .../error.
type FunctionError struct {
	Message string   `json:"errorMessage"`
	Type    string   `json:"errorType"`
	Trace   []string `json:"stackTrace,omitempty"`
}

func (e *FunctionError) Error() string { return e.Type + ": " + e.Message }

type invocation struct {
	id      string
	event   []byte
	timeout time.Duration
	done    chan Result
}

// Server is one function's Runtime API.
type Server struct {
	// Addr is host:port, the value of AWS_LAMBDA_RUNTIME_API.
	Addr string

	srv     *http.Server
	queue   chan *invocation
	nextAt  chan time.Time // receives the time of the first /next, once
	initErr chan FunctionError
	seq     atomic.Int64

	mu      sync.Mutex
	pending map[string]*invocation
	sawNext bool
}

// New starts a Runtime API on a free local port.
func New() (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("runtimeapi: %w", err)
	}
	s := &Server{
		Addr:    ln.Addr().String(),
		queue:   make(chan *invocation, 16),
		nextAt:  make(chan time.Time, 1),
		initErr: make(chan FunctionError, 1),
		pending: map[string]*invocation{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Prefix+"/invocation/next", s.next)
	mux.HandleFunc("POST "+Prefix+"/invocation/{id}/response", s.respond)
	mux.HandleFunc("POST "+Prefix+"/invocation/{id}/error", s.fail)
	mux.HandleFunc("POST "+Prefix+"/init/error", s.initFailed)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// Close stops the server; a function blocked on /next sees its connection end.
func (s *Server) Close() error { return s.srv.Close() }

// Ready waits until the function asks for its first invocation (its init
// is over) and returns when that was, or returns the error the runtime
// reported at init.
func (s *Server) Ready(ctx context.Context) (time.Time, error) {
	select {
	case t := <-s.nextAt:
		s.nextAt <- t // later callers see it too
		return t, nil
	case e := <-s.initErr:
		s.initErr <- e
		return time.Time{}, &e
	case <-ctx.Done():
		return time.Time{}, fmt.Errorf("runtimeapi: the function never asked for work: %w", ctx.Err())
	}
}

// Invoke hands the function one event and waits for its answer. timeout
// is the invocation's deadline as the function sees it.
func (s *Server) Invoke(ctx context.Context, event []byte, timeout time.Duration) (Result, error) {
	inv := &invocation{
		id:      "req-" + strconv.FormatInt(s.seq.Add(1), 10),
		event:   event,
		timeout: timeout,
		done:    make(chan Result, 1),
	}
	s.mu.Lock()
	s.pending[inv.id] = inv
	s.mu.Unlock()
	select {
	case s.queue <- inv:
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	select {
	case r := <-inv.done:
		return r, nil
	case <-ctx.Done():
		return Result{}, fmt.Errorf("runtimeapi: no answer to %s: %w", inv.id, ctx.Err())
	}
}

// InvokeJSON marshals event, invokes, and unmarshals a successful answer
// into out; a function error is returned as *FunctionError.
func (s *Server) InvokeJSON(ctx context.Context, event, out any) error {
	b, err := json.Marshal(event)
	if err != nil {
		return err
	}
	r, err := s.Invoke(ctx, b, 10*time.Second)
	if err != nil {
		return err
	}
	if r.Error != nil {
		return r.Error
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(r.Payload, out)
}

func (s *Server) next(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if !s.sawNext {
		s.sawNext = true
		s.nextAt <- time.Now()
	}
	s.mu.Unlock()
	var inv *invocation
	select {
	case inv = <-s.queue:
	case <-r.Context().Done():
		return
	}
	h := w.Header()
	h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
	h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(time.Now().Add(inv.timeout).UnixMilli(), 10))
	h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:ap-northeast-1:123456789012:function:okaeri-test")
	h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0")
	h.Set("Content-Type", "application/json")
	w.Write(inv.event)
}

func (s *Server) take(id string) (*invocation, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	inv, ok := s.pending[id]
	delete(s.pending, id)
	return inv, ok
}

func (s *Server) respond(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	inv, ok := s.take(r.PathValue("id"))
	if err != nil || !ok {
		http.Error(w, `{"errorMessage":"unknown or finished invocation","errorType":"InvalidRequestID"}`, http.StatusBadRequest)
		return
	}
	inv.done <- Result{Payload: body}
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	inv, ok := s.take(r.PathValue("id"))
	if err != nil || !ok {
		http.Error(w, `{"errorMessage":"unknown or finished invocation","errorType":"InvalidRequestID"}`, http.StatusBadRequest)
		return
	}
	var e FunctionError
	if err := json.Unmarshal(body, &e); err != nil {
		e = FunctionError{Message: string(body), Type: "Unparseable"}
	}
	inv.done <- Result{Error: &e}
	w.WriteHeader(http.StatusAccepted)
}

func (s *Server) initFailed(w http.ResponseWriter, r *http.Request) {
	var e FunctionError
	if err := json.NewDecoder(r.Body).Decode(&e); err != nil {
		e = FunctionError{Message: "unparseable init error", Type: "Unparseable"}
	}
	select {
	case s.initErr <- e:
	default:
	}
	w.WriteHeader(http.StatusAccepted)
}

// ErrExited means the function's process ended before it was ready.
var ErrExited = errors.New("runtimeapi: the function exited")
