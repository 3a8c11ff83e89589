package auth_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestWebOnlyReads checks the rule that handlers never write to the
// database (issue 11): no web package but the wiring (web/node) and the
// test rig names the writable store or a transaction, opens one, or asks
// the engine for its store. The fields' types (storage.Reader) keep most
// of this by compilation; this catches the ways round them.
func TestWebOnlyReads(t *testing.T) {
	forbidden := map[string]string{
		"storage.Store": "the writable store",
		"storage.Tx":    "a write transaction",
		"InTx":          "a write transaction",
		"InBatch":       "a write batch",
	}
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "node" || name == "testrig" || name == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				name := n.Sel.Name
				if x, ok := n.X.(*ast.Ident); ok && x.Name == "storage" {
					name = "storage." + name
				}
				if what, bad := forbidden[name]; bad {
					t.Errorf("%s: %s uses %s; web reads through storage.Reader and writes through the engine",
						fset.Position(n.Pos()), name, what)
				}
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Store" && len(n.Args) == 0 {
					t.Errorf("%s: Store() hands out the writable store; use Reader()", fset.Position(n.Pos()))
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
