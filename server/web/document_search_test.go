package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// The register page offers relevance: a search sorted by it lists the title holding the words side by side before a
// newer one holding them apart, and before a lower code; "code" still
// sorts by code, and is the default.
func TestDocumentRegisterSearchByRelevance(t *testing.T) {
	env := apptest.New(t)
	coord := env.As("coordinator")
	for _, d := range []struct{ code, title string }{{"PK-2", "Quy trình phúc khảo bài thi"}, {"PK-1", "Khắc phục sự cố sau khảo sát"}} {
		coord.Do("POST", "/api/v1/documents", map[string]any{"code": d.code, "title": d.title, "type": "procedure",
			"unit": "tnmt"}).MustStatus(http.StatusCreated)
	}
	order := func(query string) string {
		req, _ := http.NewRequest("GET", env.URL+"/documents?"+query, nil)
		req.Header.Set("Accept", "text/html")
		page := string(coord.Send(req).MustStatus(http.StatusOK).Body)
		a, b := strings.Index(page, `id="doc-PK-2"`), strings.Index(page, `id="doc-PK-1"`)
		if a < 0 || b < 0 {
			t.Fatalf("%s: rows missing (%d, %d)", query, a, b)
		}
		if strings.Contains(query, "sort=relevance") && !strings.Contains(page, `<option value="relevance" selected>`) {
			t.Fatalf("%s: relevance not the chosen sort", query)
		}
		if a < b {
			return "PK-2,PK-1"
		}
		return "PK-1,PK-2"
	}
	for _, tc := range []struct{ query, want string }{
		{"q=ph%C3%BAc+kh%E1%BA%A3o&sort=relevance", "PK-2,PK-1"},
		{"q=phuc+khao", "PK-1,PK-2"}, // the default sort: code
		{"q=phuc+khao&sort=code", "PK-1,PK-2"},
		{"q=phuc+khao&sort=updated", "PK-1,PK-2"},
	} {
		if got := order(tc.query); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.query, got, tc.want)
		}
	}
}
