package httpapi_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/okaeri/okaeri/functions/httpapi"
	"github.com/okaeri/okaeri/functions/store"
)

// Every stage of the pipeline has its words in both languages.
func TestStageLabelNamesEveryStage(t *testing.T) {
	for _, st := range store.ApplicationStatuses {
		ja, en := httpapi.StageLabel(httpapi.LangJA, string(st)), httpapi.StageLabel(httpapi.LangEN, string(st))
		if ja == string(st) || en == string(st) || ja == en {
			t.Errorf("stage %s: ja %q, en %q", st, ja, en)
		}
	}
	if got := httpapi.StageLabel(httpapi.LangJA, "hired"); got != "採用決定" {
		t.Errorf("hired in Japanese is %q, want 採用決定 (the job pages' word)", got)
	}
	if got := httpapi.StageLabel("xx", "received"); got != "受付済み" {
		t.Errorf("an unknown language reads %q, want Japanese", got)
	}
}

// TestStageLabelIsTheJobPagesWords: the job function's statusLabels
// (functions/job/emails.go, which the core may not import) say each stage
// in the words of StageLabel, so HR's home and the job pages agree. When
// job names its stages with StageLabel itself, this test has nothing left
// to compare and can go.
func TestStageLabelIsTheJobPagesWords(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "../job/emails.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]store.ApplicationStatus{}
	for _, st := range store.ApplicationStatuses {
		consts["Application"+strings.ToUpper(string(st[:1]))+string(st[1:])] = st
	}
	found := 0
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || len(spec.Names) != 1 || spec.Names[0].Name != "statusLabels" || len(spec.Values) != 1 {
			return true
		}
		lit, ok := spec.Values[0].(*ast.CompositeLit)
		if !ok {
			t.Fatal("job's statusLabels is not a map literal")
		}
		for _, el := range lit.Elts {
			kv := el.(*ast.KeyValueExpr)
			sel, ok := kv.Key.(*ast.SelectorExpr)
			st, known := consts[sel.Sel.Name]
			pair, isPair := kv.Value.(*ast.CompositeLit)
			if !ok || !known || !isPair || len(pair.Elts) != 2 {
				t.Errorf("job's statusLabels has an entry this test cannot read: %#v", kv.Key)
				continue
			}
			for i, lang := range []string{httpapi.LangJA, httpapi.LangEN} {
				s, err := strconv.Unquote(pair.Elts[i].(*ast.BasicLit).Value)
				if err != nil {
					t.Fatal(err)
				}
				if want := httpapi.StageLabel(lang, string(st)); s != want {
					t.Errorf("job calls %s %q in %s, StageLabel %q", st, s, lang, want)
				}
			}
			found++
		}
		return false
	})
	t.Logf("compared %d of job's stage names", found)
	if found != 0 && found != len(store.ApplicationStatuses) {
		t.Errorf("job's statusLabels names %d stages, want all %d", found, len(store.ApplicationStatuses))
	}
}
