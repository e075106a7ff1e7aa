package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// TestDocumentFormOffersOnlyTheUnitsOfTheUser: the new-document form of
// author.tnmt lists tnmt alone and starts on it (it used to start on the
// desk's unit, and the submit answered 403); the coordinator's lists every
// unit; what the form offers, the submit accepts.
func TestDocumentFormOffersOnlyTheUnitsOfTheUser(t *testing.T) {
	env := apptest.New(t)
	opt := regexp.MustCompile(`<option value="([a-z0-9_-]+)"( selected)?>`)
	form := func(login string) (units []string, selected string) {
		req, _ := http.NewRequest("GET", env.URL+"/documents/new", nil)
		req.Header.Set("Accept", "text/html")
		page := string(env.As(login).Send(req).MustStatus(200).Body)
		i := strings.Index(page, `id="f-unit"`)
		if i < 0 {
			t.Fatalf("%s: no unit select", login)
		}
		sel := page[i : i+strings.Index(page[i:], "</select>")]
		for _, m := range opt.FindAllStringSubmatch(sel, -1) {
			units = append(units, m[1])
			if m[2] != "" {
				selected = m[1]
			}
		}
		return units, selected
	}
	units, selected := form("author.tnmt")
	if strings.Join(units, ",") != "tnmt" || selected != "tnmt" {
		t.Fatalf("author.tnmt's form offers %v, starting on %q; want tnmt alone, selected", units, selected)
	}
	r := env.As("author.tnmt").AsForm().Do("POST", "/ui/documents", map[string]string{"code": "QT-TNMT-09", "title": "Quy trình cấp giấy",
		"type": "procedure", "unit": selected, "review_months": "12"})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("submitting the form as offered: %s", r)
	}
	if units, _ := form("coordinator"); len(units) < 5 {
		t.Fatalf("the coordinator's form offers %v, want every unit", units)
	}
}
