package infra_test

import (
	"bytes"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/lambda"
	"github.com/okaeri/okaeri/infra/lambdabuild"
)

const (
	module = "github.com/okaeri/okaeri/functions/"
	sdk    = "github.com/aws/aws-sdk-go-v2/"
)

// What a package under functions/ is part of, besides a feature's name.
const (
	core          = "the core"
	every         = "every feature"
	okaeriCommand = "the okaeri command"
	contentParser = "the content parser"
	testOnly      = "tests"
	resumes       = "résumés"
)

// featureOf places every package under functions/ by the longest prefix of
// its path there (the folder and everything under it). Any function may
// link the core; a feature's packages only the functions whose entry in
// ownFeatures names it; the okaeri command's, the content parser's and
// the tests' packages none. A package no prefix covers fails the test:
// place a new folder here.
var featureOf = map[string]string{
	// The core: configuration, the store and its engines, mail and its
	// engines, sessions and accounts (every function knows its visitor,
	// and the mailer runs the accounts' deferred work), the wire
	// conventions, and running on Lambda.
	"account":     core,
	"app/core":    core,
	"auth":        core,
	"awsenv":      core,
	"brand":       core, // the company, for every page and mail
	"config":      core,
	"edge":        core,
	"httpapi":     core,
	"idempotency": core,
	"lambda":      core,
	"mail":        core,
	"paramstore":  core,
	"site":        core,
	"store":       core,
	"waitctx":     core,

	"prefs":           "prefs",
	"event":           "event",
	"app/events":      "event",
	"job":             "job",
	"app/jobs":        "job",
	"newsletter":      "newsletter",
	"app/newsletters": "newsletter",
	"cms":             "cms",
	// Allowed where lambda.Functions gives the function résumés access.
	"blob": resumes,
	// Builds every feature: only for a function that reaches them all.
	"app": every,

	// HR's content is parsed by `okaeri sync`, never by a function.
	"content":            contentParser,
	"newsletter/compose": contentParser,
	"cmd":                okaeriCommand, // except the function's own main
	"portal":             okaeriCommand,
	"roster":             okaeriCommand,
	"roster/month":       core, // registration reads months as the roster does
	"store/jsonl":        okaeriCommand,
	"site/benchsite":     okaeriCommand,

	"browsertest":                      testOnly,
	"e2e":                              testOnly,
	"servetest":                        testOnly,
	"blob/blobtest":                    testOnly,
	"job/browsertest":                  testOnly,
	"job/jobtest":                      testOnly,
	"mail/mailtext/mailtexttest":       testOnly,
	"mail/sendgrid/sendgridtest":       testOnly,
	"store/conformance":                testOnly,
	"store/dynamo/dynamotest":          testOnly,
	"store/item/dynamodb/dynamodbtest": testOnly,
}

// ownFeatures are the features each function serves, which it may link
// beyond the core (and résumés, where lambda.Functions gives it access).
// Each must really be linked, so that the list stays true.
var ownFeatures = map[string][]string{
	"prefs": {"prefs"},
	// Erasure and export reach every feature.
	"account":    {every, "prefs", "event", "job", "newsletter"},
	"directory":  {},
	"job":        {"job"},
	"event":      {"event"},
	"newsletter": {"newsletter"},
	"mailer":     {},
	// Decap's config.yml is made from the content schema (content.Schema),
	// which lives beside the content parser.
	"cms": {"cms", contentParser},
}

// markdown are the functions that render Markdown, and so link goldmark:
// directory, which owns profiles and renders bios when they are saved.
// Newsletters are rendered by `okaeri sync`.
var markdown = map[string]bool{"directory": true}

// yamlWriters are the functions that write YAML, and so may link
// gopkg.in/yaml.v3: cms, which serves Decap's config.yml. None reads any.
var yamlWriters = map[string]bool{"cms": true}

// forbidden are packages no function links, whatever it serves.
var forbidden = map[string]string{
	"gopkg.in/yaml.v3":         "YAML (content is parsed by `okaeri sync`)",
	"gopkg.in/yaml.v2":         "YAML (content is parsed by `okaeri sync`)",
	"github.com/goccy/go-yaml": "YAML (content is parsed by `okaeri sync`)",
	"sigs.k8s.io/yaml":         "YAML (content is parsed by `okaeri sync`)",
}

func never(lambda.Function) bool { return false }

func usesTable(f lambda.Function) bool { return f.Table != lambda.NoAccess }

// callsAWS is true of a function that reaches any AWS API.
func callsAWS(f lambda.Function) bool {
	return f.Table != lambda.NoAccess || f.Resumes != lambda.NoAccess || len(f.Secrets) > 0 || len(f.Invokes) > 0
}

// awsClients say which functions may link each part of the AWS SDK (the
// path under github.com/aws/aws-sdk-go-v2/, a service client by its
// folder), from what lambda.Functions lets them touch: a client a
// function has no use for costs its cold start and its size for nothing.
// A service client not listed here fails the test.
var awsClients = map[string]func(lambda.Function) bool{
	"service/dynamodb": usesTable,
	// feature/dynamodb/attributevalue converts DynamoDB Streams' records too.
	"service/dynamodbstreams": usesTable,
	"service/s3":              func(f lambda.Function) bool { return f.Resumes != lambda.NoAccess },
	"service/ssm":             func(f lambda.Function) bool { return len(f.Secrets) > 0 },
	"service/lambda":          func(f lambda.Function) bool { return len(f.Invokes) > 0 },
	// config.LoadDefaultConfig's chain and its credential providers'
	// clients are the okaeri command's (awsenv/chain): a Lambda's
	// credentials and region are in its environment (awsenv.FromEnv).
	"config":           never,
	"service/sts":      never,
	"service/sso":      never,
	"service/ssooidc":  never,
	"service/signin":   never,
	"service/internal": callsAWS,
}

// importGraph is every package function name links, as built for Lambda,
// with the packages each imports.
func importGraph(t *testing.T, root, name string) map[string][]string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-json=ImportPath,Dir,GoFiles,Imports,Module", "-tags", "lambda.norpc", lambdabuild.Package(name))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS="+lambdabuild.Lambda.GOOS, "GOARCH="+lambdabuild.Lambda.GOARCH, "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if e, ok := err.(*exec.ExitError); ok {
			stderr = e.Stderr
		}
		t.Fatalf("go list %s: %v\n%s", name, err, stderr)
	}
	// go test caches a result by the files the test itself opens, and go
	// list's reads are not among them: reading the module's go.mod and
	// go.sum and every linked package of the module here makes an edit to
	// any of them run the test again.
	for _, f := range []string{"go.mod", "go.sum"} {
		if _, err := os.ReadFile(filepath.Join(root, f)); err != nil {
			t.Fatal(err)
		}
	}
	g := map[string][]string{}
	for dec := json.NewDecoder(bytes.NewReader(out)); dec.More(); {
		var p struct {
			ImportPath, Dir  string
			GoFiles, Imports []string
			Module           *struct{ Main bool }
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list %s: %v", name, err)
		}
		g[p.ImportPath] = p.Imports
		if p.Module != nil && p.Module.Main {
			if _, err := os.ReadDir(p.Dir); err != nil {
				t.Fatal(err)
			}
			for _, f := range p.GoFiles {
				if _, err := os.ReadFile(filepath.Join(p.Dir, f)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if len(g) < 50 {
		t.Fatalf("%s: go list gave %d packages; expected the whole graph", name, len(g))
	}
	return g
}

// chain is how main reaches pkg: "a ← b ← main", shortest first.
func chain(g map[string][]string, main, pkg string) string {
	from := map[string]string{main: ""}
	queue := []string{main}
	for len(queue) > 0 && from[pkg] == "" && pkg != main {
		p := queue[0]
		queue = queue[1:]
		for _, d := range g[p] {
			if _, seen := from[d]; !seen {
				from[d] = p
				queue = append(queue, d)
			}
		}
	}
	var path []string
	for p := pkg; p != ""; p = from[p] {
		path = append(path, strings.TrimPrefix(p, "github.com/okaeri/okaeri/"))
	}
	return strings.Join(path, " ← ")
}

// placeOf is the featureOf entry of a package under functions/.
func placeOf(rel string) (string, bool) {
	for p := rel; ; {
		if f, ok := featureOf[p]; ok {
			return f, true
		}
		i := strings.LastIndex(p, "/")
		if i < 0 {
			return "", false
		}
		p = p[:i]
	}
}

// describe names a featureOf place in a sentence.
func describe(place string) string {
	switch place {
	case core, every, okaeriCommand, contentParser, testOnly, resumes:
		return place
	}
	return "the " + place + " feature"
}

// sdkPart is the awsClients key of a package of the AWS SDK.
func sdkPart(pkg string) string {
	rest := strings.TrimPrefix(pkg, sdk)
	first, after, _ := strings.Cut(rest, "/")
	if first == "service" {
		svc, _, _ := strings.Cut(after, "/")
		return "service/" + svc
	}
	return first
}

// TestEachFunctionLinksOnlyItsOwnFeature checks each function's import
// graph, as built for Lambda, so that a function grows only with its own
// feature: no other feature's packages, no AWS client it has no use for,
// no content parser, and goldmark only where Markdown is rendered.
// `make bench` measures what the graph costs at a cold start; this names
// the package and how it got in.
func TestEachFunctionLinksOnlyItsOwnFeature(t *testing.T) {
	root, err := lambdabuild.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []map[string]bool{markdown, yamlWriters, keys(ownFeatures)} {
		for name := range m {
			if _, ok := lambda.Lookup(name); !ok {
				t.Errorf("%s is in this test's tables but not in lambda.Functions: delete its line", name)
			}
		}
	}
	for _, f := range lambda.Functions {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			own, ok := ownFeatures[f.Name]
			if !ok {
				t.Fatalf("%s has no entry in ownFeatures: list the features it serves", f.Name)
			}
			allowed := map[string]bool{core: true}
			for _, ft := range own {
				allowed[ft] = true
			}
			if f.Resumes != lambda.NoAccess {
				allowed[resumes] = true
			}
			main := module + strings.TrimPrefix(lambdabuild.Package(f.Name), "./functions/")
			g := importGraph(t, root, f.Name)
			deps := slices.Sorted(maps.Keys(g))
			linked := map[string]bool{}
			reported := map[string]bool{}
			report := func(key, format string, args ...any) {
				if !reported[key] {
					reported[key] = true
					t.Errorf(format, args...)
				}
			}
			for _, d := range deps {
				if rel, ok := strings.CutPrefix(d, module); ok && d != main {
					place, ok := placeOf(rel)
					switch {
					case !ok:
						report(d, "%s links %s, which featureOf does not place (%s): add its folder there", f.Name, d, chain(g, main, d))
					case allowed[place]:
						linked[place] = true
					case place == resumes:
						report(place, "%s links %s (%s), but lambda.Functions gives it no résumés access (%s)", f.Name, d, place, chain(g, main, d))
					default:
						report(place, "%s links %s, which belongs to %s, not to its own feature (%s)", f.Name, d, describe(place), chain(g, main, d))
					}
				}
				if rest, ok := strings.CutPrefix(d, sdk); ok && rest != "" {
					part := sdkPart(d)
					need, listed := awsClients[part]
					switch {
					case !listed && strings.HasPrefix(part, "service/"):
						report(part, "%s links %s, a client awsClients does not list (%s): add it with the functions that need it", f.Name, d, chain(g, main, d))
					case listed && !need(f):
						report(part, "%s links %s, but its entry in lambda.Functions gives it no use for %s (%s)", f.Name, d, part, chain(g, main, d))
					}
				}
				for prefix, what := range forbidden {
					if prefix == "gopkg.in/yaml.v3" && yamlWriters[f.Name] {
						continue
					}
					if d == prefix || strings.HasPrefix(d, prefix+"/") {
						report(prefix, "%s links %s, %s (%s)", f.Name, d, what, chain(g, main, d))
					}
				}
				if strings.HasPrefix(d, "github.com/yuin/goldmark") && !markdown[f.Name] {
					report("goldmark", "%s links %s but renders no Markdown (%s): render it where it is saved, or add the function to markdown", f.Name, d, chain(g, main, d))
				}
			}
			for _, ft := range own {
				if !linked[ft] {
					t.Errorf("%s: ownFeatures lists %s, but it links none of its packages: take it off the list", f.Name, ft)
				}
			}
			if _, ok := g["github.com/yuin/goldmark"]; markdown[f.Name] && !ok {
				t.Errorf("%s is in markdown but does not link goldmark: take it off the list", f.Name)
			}
			if _, ok := g["gopkg.in/yaml.v3"]; yamlWriters[f.Name] && !ok {
				t.Errorf("%s is in yamlWriters but does not link YAML: take it off the list", f.Name)
			}
		})
	}
}

func keys[V any](m map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}
