package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/okaeri/okaeri/functions/app"
)

// The embedded store is one process's at a time, so while `okaeri serve`
// runs, `okaeri sync` and the other commands that open the store could not
// run beside it. Instead serve listens on a Unix socket in its data folder
// (readable by its user only), and such a command, finding it, runs inside
// the server on the server's open store: HR edits content/, runs
// `okaeri sync`, and the running portal has the change.

// controlSocket is the socket's name in the data folder.
const controlSocket = "okaeri.sock"

// controlExit is the trailer that carries the command's exit status.
const controlExit = "Okaeri-Exit"

// controlRequest is one forwarded command line.
type controlRequest struct {
	Args []string `json:"args"`
	Dir  string   `json:"dir"` // the caller's working directory
}

// serveControl listens on <data>/okaeri.sock and runs forwarded commands
// with a. It returns a function that stops it and removes the socket.
func serveControl(ctx context.Context, a *app.App, data string, log *slog.Logger) (func(), error) {
	path := filepath.Join(data, controlSocket)
	if c, err := net.DialTimeout("unix", path, 200*time.Millisecond); err == nil {
		c.Close()
		return nil, fmt.Errorf("another okaeri serve is running on %s", data)
	}
	os.Remove(path) // left by a server that crashed
	ln, err := listenPrivate(path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil { // and stays so
		ln.Close()
		return nil, err
	}
	wd, err := os.Getwd()
	if err != nil {
		ln.Close()
		return nil, err
	}
	// One forwarded command at a time: they are HR's batch jobs.
	var mu sync.Mutex
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req controlRequest
		if r.Method != http.MethodPost || r.URL.Path != "/run" || json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req) != nil || len(req.Args) == 0 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Trailer", controlExit)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		out := &flushWriter{w: w}
		if filepath.Clean(req.Dir) != wd {
			// Relative paths (--dir content, a roster file) would mean
			// another folder here.
			fmt.Fprintf(out, "okaeri: okaeri serve is running in %s; run this command from there (or stop the server)\n", wd)
			w.Header().Set(controlExit, "1")
			return
		}
		if !forwardable(req.Args[0]) {
			fmt.Fprintf(out, "okaeri %s: cannot run while okaeri serve holds the store; stop the server first\n", req.Args[0])
			w.Header().Set(controlExit, "1")
			return
		}
		mu.Lock()
		defer mu.Unlock()
		log.Info("running a forwarded command", "command", req.Args[0])
		code := run(r.Context(), req.Args, &env{
			Stdin: strings.NewReader(""), Stdout: out, Stderr: out, Getenv: os.Getenv, Log: log, shared: a,
		})
		w.Header().Set(controlExit, strconv.Itoa(code))
	})}
	go srv.Serve(ln)
	return func() {
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
		os.Remove(path)
	}, nil
}

// forwardable are the commands that open the store through newApp and so
// can run on a running server's app. store export/import open the engine
// themselves and are left to a stopped server.
func forwardable(name string) bool {
	switch name {
	case "sync", "events", "lifecycle", "newsletter", "roster", "member", "demo", "admin":
		return true
	}
	return false
}

// flushWriter sends each write at once, so that a long command's lines
// appear as it runs.
type flushWriter struct {
	mu sync.Mutex
	w  http.ResponseWriter
}

func (f *flushWriter) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.w.Write(p)
	if fl, ok := f.w.(http.Flusher); ok {
		fl.Flush()
	}
	return n, err
}

// errNoServer means no okaeri serve listens on the data folder.
var errNoServer = errors.New("no running okaeri serve")

// forward runs args inside the okaeri serve that listens in data, copying
// its output to e.Stdout, and returns the exit status.
func forward(ctx context.Context, e *env, data string, args []string) (int, error) {
	path := filepath.Join(data, controlSocket)
	if _, err := os.Stat(path); err != nil {
		return 0, errNoServer
	}
	dial := func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}
	client := &http.Client{Transport: &http.Transport{DialContext: dial}}
	wd, err := os.Getwd()
	if err != nil {
		return 0, err
	}
	body, _ := json.Marshal(controlRequest{Args: args, Dir: wd})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://okaeri/run", strings.NewReader(string(body)))
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) {
			return 0, errNoServer // a socket nobody listens on
		}
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("okaeri serve answered %s", resp.Status)
	}
	if _, err := io.Copy(e.Stdout, bufio.NewReader(resp.Body)); err != nil {
		return 0, err
	}
	code, err := strconv.Atoi(resp.Trailer.Get(controlExit))
	if err != nil {
		return 0, errors.New("okaeri serve ended the command without an exit status")
	}
	return code, nil
}

// dataFlag is the --data value in a command's arguments (default .okaeri).
func dataFlag(args []string) string {
	for i, a := range args {
		switch {
		case a == "--data" || a == "-data":
			if i+1 < len(args) {
				return args[i+1]
			}
		case strings.HasPrefix(a, "--data="):
			return strings.TrimPrefix(a, "--data=")
		case strings.HasPrefix(a, "-data="):
			return strings.TrimPrefix(a, "-data=")
		}
	}
	return ".okaeri"
}
