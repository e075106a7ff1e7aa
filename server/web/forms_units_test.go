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

// TestHeadHomeListsNCsAwaitingACause: the head of tnmt's home page lists
// tnmt's NC still waiting for its root cause (and not noivu's); once the
// cause is recorded it leaves the list.
func TestHeadHomeListsNCsAwaitingACause(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	mine := f.NC(t, "tnmt")
	other := f.NC(t, "noivu")
	tasks := func() map[string]string {
		var out struct {
			Items []struct{ Kind, Link, Title string }
		}
		f.As("head.tnmt").Do("GET", "/api/v1/tasks", nil).MustStatus(200).Decode(&out)
		m := map[string]string{}
		for _, it := range out.Items {
			if it.Kind == "nc-cause" {
				m[it.Link] = it.Title
			}
		}
		return m
	}
	got := tasks()
	if !strings.HasPrefix(got["/ncs/"+mine], "Phân tích nguyên nhân điểm không phù hợp NC-") || got["/ncs/"+other] != "" {
		t.Fatalf("head.tnmt's cause tasks %v: want tnmt's NC only, worded in Vietnamese", got)
	}
	f.Cause(t, mine)
	if got := tasks(); got["/ncs/"+mine] != "" {
		t.Fatalf("an NC with its cause recorded is still a cause task: %v", got)
	}
}
