package cli

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestUsersCommandUsesOnlyTheSDK holds the users command to its rule: it
// reaches the service through the public SDK alone, as a partner's program
// does, so that what it needs the SDK has. Its files may import the
// standard library, cobra, the progress bar and the SDK (client), and no
// other package of this module; and they may not open the database through
// the CLI's own helpers, which need no import.
func TestUsersCommandUsesOnlyTheSDK(t *testing.T) {
	t.Parallel()
	const module = "github.com/secusers/secusers/"
	allowed := []string{module + "client"}
	storeHelpers := []string{"withStore", "withStoreLogging", "location"}

	files, err := filepath.Glob("users*.go")
	if err != nil {
		t.Fatal(err)
	}
	files = slices.DeleteFunc(files, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
	for _, want := range []string{"users.go", "users_list.go", "users_summary.go", "users_output.go"} {
		if !slices.Contains(files, want) {
			t.Fatalf("got the users command's files %v, want %s among them", files, want)
		}
	}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(path, module) && !slices.Contains(allowed, path) {
				t.Errorf("%s imports %s; the users command may import only the SDK of this module (%v)", name, path, allowed)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok && slices.Contains(storeHelpers, sel.Sel.Name) {
				t.Errorf("%s: calls %s, which opens the database", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
}
