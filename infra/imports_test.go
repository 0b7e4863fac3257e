package infra_test

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/infra/lambdabuild"
)

// slowToStart are packages whose package init, which runs at every cold
// start before main, costs a Lambda a large share of its 1.5x-hello-world
// init budget (GODEBUG=inittrace=1 on this machine; docs/aws.md):
var slowToStart = map[string]string{
	// service/dynamodb's schemas alone take 0.9 ms; the store has its own
	// small client (functions/store/dynamo/ddb).
	"github.com/aws/aws-sdk-go-v2/service/": "an SDK service client",
	// config links the STS, SSO and sign-in clients and their endpoint
	// tables (about 1 ms); Lambdas read their environment (awsenv).
	"github.com/aws/aws-sdk-go-v2/config": "the SDK's default configuration chain",
	// linkify's regexps, 0.9 ms.
	"github.com/yuin/goldmark/extension": "goldmark's GFM extensions",
	// Content is parsed by `okaeri sync`, never by a function.
	"gopkg.in/yaml.v3":                           "YAML",
	"github.com/okaeri/okaeri/functions/content": "the content parser",
}

// markdown are the functions that render Markdown themselves: render,
// which renders bios for the directory and serves no request. Newsletters
// are rendered by `okaeri sync`.
var markdown = map[string]bool{"render": true}

// TestLambdasLeaveOutSlowPackages checks each function's import graph, as
// built for Lambda, so that a new import cannot quietly slow every cold
// start: `make bench` measures the time, this names the package.
func TestLambdasLeaveOutSlowPackages(t *testing.T) {
	root, err := lambdabuild.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range lambda.Functions {
		cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", lambdabuild.Package(f.Name))
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GOOS="+lambdabuild.Lambda.GOOS, "GOARCH="+lambdabuild.Lambda.GOARCH, "CGO_ENABLED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list %s: %v", f.Name, err)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 50 {
			t.Fatalf("%s: go list gave %d packages; expected the whole graph", f.Name, len(deps))
		}
		if markdown[f.Name] && !slices.Contains(deps, "github.com/yuin/goldmark") {
			t.Errorf("%s renders bios but does not link goldmark: does it still use bio.RenderAll?", f.Name)
		}
		reported := map[string]bool{}
		for _, d := range deps {
			for prefix, what := range slowToStart {
				if !reported[prefix] && (d == prefix || strings.HasPrefix(d, prefix) && (strings.HasSuffix(prefix, "/") || strings.HasPrefix(d, prefix+"/"))) {
					reported[prefix] = true
					t.Errorf("%s links %s (%s): its package init slows every cold start", f.Name, d, what)
				}
			}
			if !reported["goldmark"] && strings.HasPrefix(d, "github.com/yuin/goldmark") && !markdown[f.Name] {
				reported["goldmark"] = true
				t.Errorf("%s links %s but renders no Markdown", f.Name, d)
			}
		}
	}
}
