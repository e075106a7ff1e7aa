package web_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

var updateOpenAPI = flag.Bool("update-openapi", false, "rewrite testdata/openapi.json from the routes")

// TestOpenAPIUnchanged holds the OpenAPI document against the committed
// copy: routes, methods, summaries and bodies are a contract other programs
// rely on, so a change to them must be deliberate (go test -run
// TestOpenAPIUnchanged -update-openapi, and the diff reviewed).
func TestOpenAPIUnchanged(t *testing.T) {
	env := apptest.New(t)
	got, err := json.MarshalIndent(env.App.Web.OpenAPI(), "", " ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *updateOpenAPI {
		if err := os.WriteFile("testdata/openapi.json", got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile("testdata/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		os.WriteFile("testdata/openapi.got.json", got, 0o644)
		t.Fatal("the OpenAPI document differs from testdata/openapi.json (written to testdata/openapi.got.json): diff them; if the change is meant, run with -update-openapi")
	}
}
