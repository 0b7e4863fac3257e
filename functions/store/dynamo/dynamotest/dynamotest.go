// Package dynamotest runs tests against AWS's DynamoDB Local, started by
// scripts/dynamodb-local, with a fresh table per test.
//
// A test package uses it like this:
//
//	func TestMain(m *testing.M) { os.Exit(dynamotest.Main(m)) }
//
//	func TestSomething(t *testing.T) {
//		s := dynamotest.NewStore(t)
//		...
//	}
//
// If OKAERI_DYNAMODB_ENDPOINT is set, that DynamoDB is used and nothing is
// started. Otherwise Main starts DynamoDB Local for the test binary and stops
// it afterwards. If it cannot start, the package FAILS: the dynamo engine is
// never silently untested. A developer without Java may opt out with
// OKAERI_SKIP_DYNAMODB=1, which skips every test with a banner (shown by
// go test -v; a Makefile should echo its own warning); CI=true overrides the
// opt-out.
package dynamotest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okaeri/okaeri/functions/store/dynamo"
	"github.com/okaeri/okaeri/functions/store/item/dynamodb/dynamodbtest"
)

// Environment variables read here (dynamodbtest's).
const (
	EnvEndpoint = dynamodbtest.EnvEndpoint // use this DynamoDB instead of starting one
	EnvSkip     = dynamodbtest.EnvSkip     // "1": skip (never honoured when CI=true)
)

// startTimeout covers a first run, which fetches the emulator from npm.
const startTimeout = 5 * time.Minute

// Main starts DynamoDB Local unless EnvEndpoint is set, runs the tests with
// EnvEndpoint pointing at it, stops it, and returns the exit code.
func Main(m *testing.M) int {
	if os.Getenv(EnvEndpoint) != "" {
		return m.Run()
	}
	if dynamodbtest.SkipAllowed() {
		fmt.Fprintf(os.Stderr, "\n%s\n!!! %s=1: every DynamoDB test in this package is SKIPPED, the dynamo engine is NOT tested.\n%s\n\n",
			strings.Repeat("!", 100), EnvSkip, strings.Repeat("!", 100))
		return m.Run()
	}
	endpoint, stop, err := Start(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "\nFAIL: DynamoDB Local did not start, so the dynamo engine cannot be tested:\n%v\n"+
			"Install Java 17+ and npm, or point %s at a running DynamoDB.\n"+
			"To skip these tests on your own machine only, set %s=1 (ignored when CI=true).\n\n", err, EnvEndpoint, EnvSkip)
		return 1
	}
	os.Setenv(EnvEndpoint, endpoint)
	code := m.Run()
	if err := stop(); err != nil {
		fmt.Fprintf(os.Stderr, "dynamotest: stopping DynamoDB Local: %v\n", err)
	}
	return code
}

// Start runs scripts/dynamodb-local for this process and returns the
// endpoint and a function that stops it. The script is told our PID so the
// emulator also ends if this process is killed before calling stop.
func Start(ctx context.Context) (endpoint string, stop func() error, err error) {
	script, err := findScript()
	if err != nil {
		return "", nil, err
	}
	dir, err := os.MkdirTemp("", "okaeri-dynamodb-local-")
	if err != nil {
		return "", nil, err
	}
	pidFile := filepath.Join(dir, "dynamodb-local.pid")
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, script, "start", "--pid-file", pidFile, "--exit-with", strconv.Itoa(os.Getpid()))
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("%s start: %w\n%s", script, err, stderr.String())
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "http://") {
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("%s start printed no endpoint:\n%s%s", script, out, stderr.String())
	}
	endpoint = sc.Text()
	stop = func() error {
		defer os.RemoveAll(dir)
		out, err := exec.Command(script, "stop", "--pid-file", pidFile).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s stop: %w\n%s", script, err, out)
		}
		return nil
	}
	return endpoint, stop, nil
}

// findScript walks up from the working directory (a package folder under
// go test) to the repository's scripts/dynamodb-local.
func findScript() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "scripts", "dynamodb-local")
		if _, err := os.Stat(p); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				return p, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("scripts/dynamodb-local not found above the working directory")
		}
		dir = parent
	}
}

// Config returns a dynamo.Config for a new, empty table with a unique name
// on the test DynamoDB, deleted when the test ends, so tests can run in
// parallel (dynamodbtest.Config, for the whole store).
func Config(t testing.TB) dynamo.Config {
	t.Helper()
	c := dynamodbtest.Config(t)
	return dynamo.Config{Table: c.Table, Region: c.Region, Endpoint: c.Endpoint}
}

// NewStore returns a store on a fresh table (see Config); adjust changes the
// configuration first, for example to add client middleware.
func NewStore(t testing.TB, adjust ...func(*dynamo.Config)) *dynamo.Store {
	t.Helper()
	cfg := Config(t)
	for _, f := range adjust {
		f(&cfg)
	}
	s, err := dynamo.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}
