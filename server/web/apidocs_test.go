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
}
