package dynamo_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// No request path may Scan: the only Scan call in the engine is in
// scanSegment, which only Export (`okaeri store export`) uses. A Scan added
// anywhere else fails here, before it reaches a table with real data.
func TestScanOnlyInExport(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	found := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			ast.Inspect(fn, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Scan" {
					found++
					if fn.Name.Name != "scanSegment" {
						t.Errorf("%s: %s calls Scan; only Export's scanSegment may", fset.Position(call.Pos()), fn.Name.Name)
					}
				}
				return true
			})
		}
	}
	if found != 1 {
		t.Errorf("found %d Scan calls, want exactly the one in scanSegment", found)
	}
}
