package table_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// No request path may Scan: in the domain code the only Scan call is in
// scanSegment, which only Export (`okaeri store export`) uses. A Scan added
// anywhere else in this package fails here, before it reaches a table with
// real data. Every call of a method or function named Scan counts (the item
// layer's DB.Scan, or any other), so going around it through a helper of
// another name is what review has to catch.
func TestScanOnlyInExport(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	found, parsed := 0, 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		parsed++
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "Scan" {
				return true
			}
			found++
			if fn := enclosingFunc(f, call.Pos()); fn != "scanSegment" {
				t.Errorf("%s: %s calls Scan; only Export's scanSegment may", fset.Position(call.Pos()), fn)
			}
			return true
		})
	}
	if parsed == 0 {
		t.Fatal("no source files found: the test must run in the package's directory")
	}
	if found != 1 {
		t.Errorf("found %d Scan calls, want exactly the one in scanSegment", found)
	}
}

// enclosingFunc names the top-level function (or method) around pos, or
// says it is outside any (a package-level variable's initializer).
func enclosingFunc(f *ast.File, pos token.Pos) string {
	for _, decl := range f.Decls {
		if fn, ok := decl.(*ast.FuncDecl); ok && fn.Pos() <= pos && pos < fn.End() {
			return fn.Name.Name
		}
	}
	return "a package-level declaration"
}
