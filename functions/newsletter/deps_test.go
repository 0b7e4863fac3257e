package newsletter_test

import (
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/infra/lambdabuild"
)

// markdownDeps are what okaeri sync uses to read and render newsletters
// (compose), and the newsletter function must not link: their package
// init alone (goldmark's extension package builds linkify's regexps)
// would cost its every cold start more than the whole of a hello-world
// Lambda's (issue 8).
var markdownDeps = []string{"github.com/yuin/goldmark", "gopkg.in/yaml.v3"}

// TestNewsletterFunctionLinksNoMarkdown asks go list what the newsletter
// Lambda links, built as it is deployed, and names the import chain that
// brings in a Markdown or YAML package.
func TestNewsletterFunctionLinksNoMarkdown(t *testing.T) {
	for _, pkg := range []string{
		"github.com/okaeri/okaeri/functions/newsletter",
		"github.com/okaeri/okaeri/functions/cmd/newsletter",
	} {
		imports := listDeps(t, pkg)
		if _, ok := imports[pkg]; !ok {
			t.Fatalf("go list did not list %s itself", pkg)
		}
		for dep := range imports {
			for _, bad := range markdownDeps {
				if dep == bad || strings.HasPrefix(dep, bad+"/") {
					t.Errorf("%s links %s: %s", pkg, dep, strings.Join(importChain(imports, pkg, dep), " → "))
				}
			}
		}
	}
}

// listDeps returns every package pkg links, with the packages each imports,
// for the deployed target and build flags.
func listDeps(t *testing.T, pkg string) map[string][]string {
	t.Helper()
	args := append([]string{"list", "-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}"}, lambdabuild.Flags...)
	cmd := exec.Command("go", append(args, pkg)...)
	cmd.Env = append(os.Environ(), "GOOS="+lambdabuild.Lambda.GOOS, "GOARCH="+lambdabuild.Lambda.GOARCH, "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, stderr)
	}
	imports := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) > 0 {
			imports[fields[0]] = fields[1:]
		}
	}
	return imports
}

// importChain is the shortest chain of imports from pkg to dep.
func importChain(imports map[string][]string, pkg, dep string) []string {
	from := map[string]string{pkg: ""}
	queue := []string{pkg}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == dep {
			var chain []string
			for ; p != ""; p = from[p] {
				chain = append(chain, p)
			}
			slices.Reverse(chain)
			return chain
		}
		for _, next := range imports[p] {
			if _, seen := from[next]; !seen {
				from[next] = p
				queue = append(queue, next)
			}
		}
	}
	return []string{pkg, "…", dep}
}
