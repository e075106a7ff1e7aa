package web

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	qmstrack "github.com/qmstrack/qmstrack"
	"github.com/qmstrack/qmstrack/server/i18n"
	"github.com/qmstrack/qmstrack/server/qms"
)

// userMessages parses every non-test Go file under root and returns the
// English messages domain code shows to people: formats of qms.Errorf (and
// of the postgres notFound helper), messages of qms.Wrap, and the messages
// given to FieldErrors.Add (a literal or the format of fmt.Sprintf). The
// value is one place each message is written, for the failure report.
func userMessages(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, p, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		inQMS := f.Name.Name == "qms"
		consts := stringConsts(f)
		fieldErrs := fieldErrorVars(f)
		add := func(e ast.Expr) {
			if s, ok := literal(e, consts); ok && strings.TrimSpace(s) != "" {
				if _, seen := out[s]; !seen {
					out[s] = fset.Position(e.Pos()).String()
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			switch name := callee(call.Fun); {
			case (name == "qms.Errorf" || inQMS && name == "Errorf") && len(call.Args) >= 2:
				add(call.Args[1])
			case (name == "qms.Wrap" || inQMS && name == "Wrap") && len(call.Args) == 3:
				add(call.Args[2])
			case name == "notFound" && f.Name.Name == "postgres" && len(call.Args) >= 2:
				add(call.Args[1])
			case (name == "qms.M" || inQMS && name == "M") && len(call.Args) >= 1:
				add(call.Args[0])
			case strings.HasSuffix(name, ".Add") && len(call.Args) >= 2 && fieldErrs[strings.TrimSuffix(name, ".Add")]:
				msg := call.Args[1]
				if c, ok := msg.(*ast.CallExpr); ok && callee(c.Fun) == "fmt.Sprintf" && len(c.Args) > 0 {
					msg = c.Args[0]
				}
				add(msg)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// callee names a call's function as written: "qms.Errorf", "fe.Add", "Errorf".
func callee(e ast.Expr) string {
	switch f := e.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok {
			return x.Name + "." + f.Sel.Name
		}
		return "?." + f.Sel.Name
	}
	return ""
}

// literal is the value of a string literal, a sum of them, or a string
// constant of the same file.
func literal(e ast.Expr, consts map[string]string) (string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(x.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return "", false
		}
		a, ok1 := literal(x.X, consts)
		b, ok2 := literal(x.Y, consts)
		return a + b, ok1 && ok2
	case *ast.ParenExpr:
		return literal(x.X, consts)
	case *ast.Ident:
		s, ok := consts[x.Name]
		return s, ok
	}
	return "", false
}

func stringConsts(f *ast.File) map[string]string {
	out := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		g, ok := n.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			return true
		}
		for _, sp := range g.Specs {
			vs := sp.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if i < len(vs.Values) {
					if s, ok := literal(vs.Values[i], out); ok {
						out[name.Name] = s
					}
				}
			}
		}
		return true
	})
	return out
}

// fieldErrorVars names the variables, parameters and fields of a file that
// hold a qms.FieldErrors, so .Add on something else (url.Values, a
// WaitGroup) is not taken for a field message.
func fieldErrorVars(f *ast.File) map[string]bool {
	out := map[string]bool{}
	isFE := func(e ast.Expr) bool {
		switch x := e.(type) {
		case *ast.SelectorExpr:
			return x.Sel.Name == "FieldErrors"
		case *ast.Ident:
			return x.Name == "FieldErrors"
		case *ast.CompositeLit:
			if s, ok := x.Type.(*ast.SelectorExpr); ok {
				return s.Sel.Name == "FieldErrors"
			}
			if s, ok := x.Type.(*ast.Ident); ok {
				return s.Name == "FieldErrors"
			}
		case *ast.CallExpr:
			if callee(x.Fun) == "make" && len(x.Args) > 0 {
				if s, ok := x.Args[0].(*ast.SelectorExpr); ok {
					return s.Sel.Name == "FieldErrors"
				}
				if s, ok := x.Args[0].(*ast.Ident); ok {
					return s.Name == "FieldErrors"
				}
			}
		}
		return false
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.AssignStmt:
			for i, r := range x.Rhs {
				if i < len(x.Lhs) && isFE(r) {
					if id, ok := x.Lhs[i].(*ast.Ident); ok {
						out[id.Name] = true
					}
				}
			}
		case *ast.ValueSpec:
			if x.Type != nil && isFE(x.Type) {
				for _, n := range x.Names {
					out[n.Name] = true
				}
			}
			for i, v := range x.Values {
				if i < len(x.Names) && isFE(v) {
					out[x.Names[i].Name] = true
				}
			}
		case *ast.Field:
			if isFE(x.Type) {
				for _, n := range x.Names {
					out[n.Name] = true
				}
			}
		}
		return true
	})
	return out
}

func readErrorCatalog(t *testing.T) map[string]string {
	t.Helper()
	b, err := fs.ReadFile(qmstrack.Assets, i18n.ErrorCatalogFile)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestErrorCatalogComplete fails for every message written in domain code
// without a Vietnamese entry, and for every entry whose verbs differ from its
// English key (a translation must take the same arguments in the same order).
// QMS_MISSING_OUT=file writes the missing ones as a JSON object to fill in.
func TestErrorCatalogComplete(t *testing.T) {
	msgs := userMessages(t, "..")
	if len(msgs) < 100 {
		t.Fatalf("only %d messages found: is the parser looking at the server tree?", len(msgs))
	}
	cat := readErrorCatalog(t)
	var missing []string
	for m := range msgs {
		if strings.TrimSpace(cat[m]) == "" {
			missing = append(missing, m)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		if p := os.Getenv("QMS_MISSING_OUT"); p != "" {
			m := map[string]string{}
			for _, k := range missing {
				m[k] = ""
			}
			b, _ := json.MarshalIndent(m, "", "  ")
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, m := range missing {
			t.Errorf("no Vietnamese for %q (%s)", m, msgs[m])
		}
		t.Errorf("%d of %d messages have no Vietnamese in %s", len(missing), len(msgs), i18n.ErrorCatalogFile)
	}
	for en, vi := range cat {
		if !reflect.DeepEqual(qms.Verbs(en), qms.Verbs(vi)) {
			t.Errorf("verbs differ: %q has %q, its Vietnamese %q has %q", en, string(qms.Verbs(en)), vi, string(qms.Verbs(vi)))
		}
	}
	t.Logf("%d messages, %d catalog entries", len(msgs), len(cat))
}
