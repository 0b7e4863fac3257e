package runtimeapi

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"sync"
	"time"
)

// Process is a bootstrap running against its own Runtime API.
type Process struct {
	API *Server
	// Started is just before the process was started: Ready measures init
	// from here, as Lambda's init phase starts with the process.
	Started time.Time

	cmd    *exec.Cmd
	exited chan struct{}
	err    error
	stderr lockedBuffer
}

// Start runs the bootstrap at path with exactly env (plus
// AWS_LAMBDA_RUNTIME_API): nothing of the caller's environment leaks in.
func Start(path string, env []string) (*Process, error) {
	api, err := New()
	if err != nil {
		return nil, err
	}
	p := &Process{API: api, exited: make(chan struct{})}
	p.cmd = exec.Command(path)
	p.cmd.Env = append(append([]string{}, env...), "AWS_LAMBDA_RUNTIME_API="+api.Addr)
	p.cmd.Stdout = &p.stderr
	p.cmd.Stderr = &p.stderr
	p.Started = time.Now()
	if err := p.cmd.Start(); err != nil {
		api.Close()
		return nil, fmt.Errorf("runtimeapi: start %s: %w", path, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// Ready waits for the first /next and returns the init duration.
func (p *Process) Ready(ctx context.Context) (time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-p.exited:
			cancel()
		case <-ctx.Done():
		}
	}()
	t, err := p.API.Ready(ctx)
	if err != nil {
		select {
		case <-p.exited:
			return 0, fmt.Errorf("%w (%v): %s", ErrExited, p.err, p.Output())
		default:
		}
		return 0, err
	}
	return t.Sub(p.Started), nil
}

// Output is what the process wrote to stdout and stderr so far.
func (p *Process) Output() string { return p.stderr.String() }

// Stop kills the process and closes its Runtime API.
func (p *Process) Stop() {
	p.cmd.Process.Kill()
	<-p.exited
	p.API.Close()
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
