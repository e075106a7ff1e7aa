package web_test

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// TestOpenAPITyped: every /api/v1 operation has a typed success answer,
// and every POST or PUT a typed body; a route registered with a plain
// handler and no entry in apiDecls fails here, naming the entry to add.
// An entry of apiDecls for a route that is not registered fails too.
func TestOpenAPITyped(t *testing.T) {
	env := apptest.New(t)
	doc := env.App.Web.OpenAPIDoc()
	n := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			n++
			typed := false
			for code, r := range op.Responses.Map() {
				if strings.HasPrefix(code, "2") && r.Value != nil && len(r.Value.Content) > 0 {
					typed = true
				}
			}
			gin := regexp.MustCompile(`\{([A-Za-z_]+)\}`).ReplaceAllString(path, ":$1")
			if !typed {
				t.Errorf("%s %s has no response type: add %q: {Resp: ...} to apiDecls in server/web/openapi_types.go (or register it with serve)", method, path, method+" "+gin)
			}
			if (method == "POST" || method == "PUT") && op.RequestBody == nil && op.Extensions["x-no-body"] != true {
				t.Errorf("%s %s has no request type: give its entry of apiDecls (server/web/openapi_types.go) a Req, or NoBody: true", method, path)
			}
		}
	}
	if n < 100 {
		t.Errorf("only %d operations", n)
	}
	unused := env.App.Web.UnusedAPIDecls()
	sort.Strings(unused)
	for _, k := range unused {
		t.Errorf("apiDecls declares %s, which is not a registered route: remove or rename the entry", k)
	}
}

// TestOpenAPILint holds the document to the rules of a linter (redocly's
// recommended set, as errors): it validates as OpenAPI 3, names a server,
// and every operation has a unique operation id, a summary and one tag
// that the document declares with a description.
func TestOpenAPILint(t *testing.T) {
	env := apptest.New(t)
	doc := env.App.Web.OpenAPIDoc()
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the document is not valid OpenAPI 3: %v", err)
	}
	if len(doc.Servers) == 0 || doc.Servers[0].URL == "" {
		t.Error("the document names no server")
	}
	if doc.Info == nil || doc.Info.Description == "" || doc.Info.Version == "" {
		t.Error("info lacks a description or a version")
	}
	tags := map[string]bool{}
	for _, tg := range doc.Tags {
		if tg.Description == "" {
			t.Errorf("tag %s has no description", tg.Name)
		}
		tags[tg.Name] = true
	}
	ids := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			if op.OperationID == "" {
				t.Errorf("%s has no operation id", where)
			} else if other, ok := ids[op.OperationID]; ok {
				t.Errorf("%s and %s share the operation id %s", where, other, op.OperationID)
			}
			ids[op.OperationID] = where
			if strings.TrimSpace(op.Summary) == "" {
				t.Errorf("%s has no summary", where)
			}
			if len(op.Tags) != 1 || !tags[op.Tags[0]] {
				t.Errorf("%s has tags %v, not one declared tag", where, op.Tags)
			}
			if op.Responses.Default() == nil {
				t.Errorf("%s has no error answer", where)
			}
			for _, p := range op.Parameters {
				if p.Value == nil || p.Value.Schema == nil {
					t.Errorf("%s: a parameter without a schema", where)
				}
			}
		}
	}
}

// TestOpenAPIQueryDeclared: every query parameter a /api/v1 handler reads
// (c.Query, c.DefaultQuery, c.GetQuery, c.QueryArray with a literal name,
// in the handler or any function of this package or method of the Server
// it calls, followed through the call graph of the source) is a declared parameter of its
// operation. The routes are found in the source as calls
// x.GET/POST/PUT/DELETE/Upload/PostCSV("/path", "summary", ..., handler).
func TestOpenAPIQueryDeclared(t *testing.T) {
	env := apptest.New(t)
	doc := env.App.Web.OpenAPIDoc()
	fset := token.NewFileSet()
	// The package's own non-test sources; this test runs with no build
	// tags, so every .go file here but the tests belongs to the package.
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	funcs := map[string][]*ast.FuncDecl{}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		{
			files = append(files, f)
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok {
					continue
				}
				key := fd.Name.Name
				if fd.Recv != nil {
					// Only the Server's methods are followed (called as s.x).
					st, ok := fd.Recv.List[0].Type.(*ast.StarExpr)
					if !ok {
						continue
					}
					if id, ok := st.X.(*ast.Ident); !ok || id.Name != "Server" {
						continue
					}
					key = "s." + key
				}
				funcs[key] = append(funcs[key], fd)
			}
		}
	}
	// reads collects the query names read under n, following calls.
	var reads func(n ast.Node, seen map[string]bool, out map[string]bool)
	reads = func(n ast.Node, seen map[string]bool, out map[string]bool) {
		ast.Inspect(n, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			var name string
			switch f := call.Fun.(type) {
			case *ast.Ident:
				name = f.Name
			case *ast.SelectorExpr:
				if id, ok := f.X.(*ast.Ident); ok && id.Name == "s" {
					name = "s." + f.Sel.Name
				}
				switch f.Sel.Name {
				case "Query", "DefaultQuery", "GetQuery", "QueryArray":
					if len(call.Args) > 0 {
						if lit, ok := call.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							v, _ := strconv.Unquote(lit.Value)
							out[v] = true
						}
					}
				}
			case *ast.IndexExpr:
				if id, ok := f.X.(*ast.Ident); ok {
					name = id.Name
				}
			}
			if name != "" && !seen[name] {
				seen[name] = true
				for _, fd := range funcs[name] {
					if fd.Body != nil {
						reads(fd.Body, seen, out)
					}
				}
			}
			return true
		})
	}
	checked := 0
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 3 {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			method := map[string]string{"GET": "get", "POST": "post", "PUT": "put", "DELETE": "delete", "Upload": "post", "PostCSV": "post"}[sel.Sel.Name]
			p, ok1 := call.Args[0].(*ast.BasicLit)
			s, ok2 := call.Args[1].(*ast.BasicLit)
			if method == "" || !ok1 || !ok2 || p.Kind != token.STRING || s.Kind != token.STRING {
				return true
			}
			path, _ := strconv.Unquote(p.Value)
			path = "/api/v1" + regexp.MustCompile(`[:*]([A-Za-z_]+)`).ReplaceAllString(path, "{$1}")
			item := doc.Paths.Value(path)
			if item == nil || item.GetOperation(strings.ToUpper(method)) == nil {
				t.Errorf("%s %s is registered in the source but not in the document", method, path)
				return true
			}
			declared := map[string]bool{}
			for _, prm := range item.GetOperation(strings.ToUpper(method)).Parameters {
				if prm.Value.In == "query" {
					declared[prm.Value.Name] = true
				}
			}
			got := map[string]bool{}
			reads(call.Args[len(call.Args)-1], map[string]bool{}, got)
			checked++
			var missing []string
			for q := range got {
				if !declared[q] {
					missing = append(missing, q)
				}
			}
			sort.Strings(missing)
			if len(missing) > 0 {
				t.Errorf("%s %s reads the query parameters %s, which the document does not declare: add them to Query of its entry in apiDecls", strings.ToUpper(method), path, strings.Join(missing, " "))
			}
			return false
		})
	}
	if checked < 100 {
		t.Errorf("only %d routes found in the source", checked)
	}
}

// TestOpenAPIAnswersAreChecked: the check every API test's answers go
// through (apptest) refuses an answer that drifts from the document: a
// field missing, a field the type does not have, a wrong type, a status
// the operation does not list; a real answer and an error body pass.
func TestOpenAPIAnswersAreChecked(t *testing.T) {
	env := apptest.New(t)
	me := env.As("coordinator").Do("GET", "/api/v1/me", nil).MustStatus(http.StatusOK)
	req, _ := http.NewRequest("GET", env.URL+"/api/v1/me", nil)
	json := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	if err := env.CheckAnswer(req, http.StatusOK, json, me.Body); err != nil {
		t.Fatalf("a real answer: %v", err)
	}
	for _, tc := range []struct {
		name   string
		status int
		body   string
	}{
		{"a field missing", 200, `{"id":"u1","name":"A","lang":"vi","roles":[]}`},
		{"a field the type does not have", 200, `{"id":"u1","login":"a","name":"A","lang":"vi","roles":[],"admin":true}`},
		{"a wrong type", 200, `{"id":"u1","login":"a","name":"A","lang":"vi","roles":"all"}`},
		{"a status not listed", 201, `{"id":"u1","login":"a","name":"A","lang":"vi","roles":[]}`},
		{"an error body of another shape", 404, `{"message":"no"}`},
	} {
		if err := env.CheckAnswer(req, tc.status, json, []byte(tc.body)); err == nil {
			t.Errorf("%s passed the check", tc.name)
		}
	}
	if err := env.CheckAnswer(req, 401, json, []byte(`{"error":{"code":"unauthenticated","message":"sign in"}}`)); err != nil {
		t.Errorf("an error body: %v", err)
	}
}

// TestOpenAPIRequestsAreChecked: the test client holds every request the
// API accepted to the document (apptest.CheckRequest): a body with a wrong
// type, a field the request type does not have or a query parameter of
// the wrong type or not declared fails; a body that leaves out fields
// passes, as the API reads them as empty and its service names the ones
// an act needs.
func TestOpenAPIRequestsAreChecked(t *testing.T) {
	env := apptest.New(t)
	post := func(path, body string) *http.Request {
		req, _ := http.NewRequest("POST", env.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return req
	}
	get := func(path string) *http.Request {
		req, _ := http.NewRequest("GET", env.URL+path, nil)
		return req
	}
	for _, ok := range []struct {
		req  *http.Request
		body string
	}{
		{post("/api/v1/ncs", ""), `{"title":"Hồ sơ trễ hạn","unit":"tnmt","clauses":["8.5.1"]}`},
		{post("/api/v1/ncs", ""), `{"title":"Chỉ tiêu đề"}`},
		{get("/api/v1/ncs?status=open&limit=20"), ""},
	} {
		if err := env.CheckRequest(ok.req, []byte(ok.body)); err != nil {
			t.Errorf("a request the document describes: %v", err)
		}
	}
	for _, tc := range []struct {
		name string
		req  *http.Request
		body string
	}{
		{"a wrong type", post("/api/v1/ncs", ""), `{"title":5}`},
		{"a field the type does not have", post("/api/v1/ncs", ""), `{"title":"A","priority":"high"}`},
		{"a list where a text belongs", post("/api/v1/ncs", ""), `{"unit":["tnmt"]}`},
		{"a query parameter of the wrong type", get("/api/v1/ncs?limit=many"), ""},
		{"a query parameter not declared", get("/api/v1/ncs?colour=red"), ""},
	} {
		if err := env.CheckRequest(tc.req, []byte(tc.body)); err == nil {
			t.Errorf("%s passed the check", tc.name)
		}
	}
}
