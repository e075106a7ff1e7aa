package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// TestAPIDocsPage: /api/docs lists every operation of the OpenAPI document
// (one row each), readable without signing in, in the reader's language,
// and links the document itself; the document names its server.
func TestAPIDocsPage(t *testing.T) {
	env := apptest.New(t)
	var doc struct {
		Servers []struct{ URL string } `json:"servers"`
		Paths   map[string]map[string]any
	}
	apptest.Expect(t, "openapi", env.Anon().Do("GET", "/api/v1/openapi.json", nil), http.StatusOK, &doc)
	ops := 0
	for _, item := range doc.Paths {
		ops += len(item)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/" {
		t.Errorf("servers %+v", doc.Servers)
	}
	req, _ := http.NewRequest("GET", env.URL+"/api/docs", nil)
	req.Header.Set("Accept", "text/html")
	r := env.Anon().Send(req).MustStatus(http.StatusOK)
	body := string(r.Body)
	if n := strings.Count(body, `<tr class="api-op">`); n != ops || ops < 100 {
		t.Errorf("the page lists %d operations, the document %d", n, ops)
	}
	for _, want := range []string{`href="/api/v1/openapi.json"`, "<code>/api/v1/dossiers/{number}</code>", "Giao diện lập trình"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	// Each operation lists its fields from the typed document: the query
	// parameters with their types, the request body's fields, and the
	// answer's, those always written marked.
	op := func(method, path string) string {
		t.Helper()
		i := strings.Index(body, "<td><code>"+method+"</code></td><td><code>"+path+"</code>")
		if i < 0 {
			t.Fatalf("no row for %s %s", method, path)
		}
		end := strings.Index(body[i:], "</tr>")
		return body[i : i+end]
	}
	for _, tc := range []struct {
		method, path string
		want         []string
	}{
		{"GET", "/api/v1/ncs", []string{"Tham số truy vấn", `<code>limit</code> <small lang="en">integer</small>`, `<code>status</code> <small lang="en">string</small>`}},
		{"POST", "/api/v1/ncs", []string{"Thân yêu cầu", `<code>title</code> <small lang="en">string</small>`, `<code>clauses</code> <small lang="en">array of string, null</small>`}},
		{"GET", "/api/v1/me", []string{"Trả lời", `<code>login</code> <small lang="en">string</small> <small class="muted">luôn có</small>`}},
	} {
		row := op(tc.method, tc.path)
		for _, w := range tc.want {
			if !strings.Contains(row, w) {
				t.Errorf("%s %s: the page lacks %q in\n%s", tc.method, tc.path, w, row)
			}
		}
	}
}
