package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// A reported directive waits on the home page of who decides on its report
// (the issuer, and who decides in every unit: the chairman, the
// coordinator), named by its unit in the reader's language; not on the
// page of the unit that reported it, nor of another unit's head; and it
// leaves the page once decided.
func TestReportedDirectiveWaitsForTheDecider(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	dir := f.Directive(t, "chairman", f.Meeting(t, "chairman"), "tnmt")
	f.ReportDirective(t, "head.tnmt", dir)
	var unitVI string
	if err := env.App.DB.Get(&unitVI, `SELECT name_vi FROM units WHERE code = 'tnmt'`); err != nil {
		t.Fatal(err)
	}
	decideTasks := func(login string) []string {
		t.Helper()
		var tasks struct {
			Items []struct{ Kind, Title, Link string }
		}
		apptest.Expect(t, "tasks of "+login, f.As(login).Do("GET", "/api/v1/tasks", nil), http.StatusOK, &tasks)
		var out []string
		for _, tk := range tasks.Items {
			if tk.Kind == "directive_decide" {
				if tk.Link != "/directives/"+dir {
					t.Errorf("%s: a decision task for %s", login, tk.Link)
				}
				out = append(out, tk.Title)
			}
		}
		return out
	}
	for _, login := range []string{"chairman", "coordinator"} {
		got := decideTasks(login)
		if len(got) != 1 || !strings.HasPrefix(got[0], "Xem xét báo cáo của "+unitVI+": ") {
			t.Errorf("%s's decision tasks: %q, want one naming %q", login, got, unitVI)
		}
	}
	for _, login := range []string{"head.tnmt", "head.noivu", "staff.tnmt"} {
		if got := decideTasks(login); len(got) != 0 {
			t.Errorf("%s has decision tasks %q", login, got)
		}
	}
	// The home page groups them under their own heading.
	home := f.As("chairman").AsForm().Do("GET", "/", nil).MustStatus(http.StatusOK)
	if !strings.Contains(string(home.Body), "báo cáo chỉ đạo chờ quyết định") {
		t.Errorf("the chairman's home page has no group of reports to decide on")
	}
	apptest.Expect(t, "accept", f.As("chairman").Do("POST", "/api/v1/directives/"+dir+"/accept", nil), http.StatusOK, nil)
	if got := decideTasks("chairman"); len(got) != 0 {
		t.Errorf("a decided report still waits: %q", got)
	}
}
