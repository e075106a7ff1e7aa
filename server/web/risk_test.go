package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// The register over HTTP: a bound of the scale is a 400 naming the field,
// a stale version a 409, another unit's head a 403 that writes nothing, a
// link to another unit's NC a 400; the heat map and the due list answer
// what was written.
func TestRiskAPI(t *testing.T) {
	env, co := procSetup(t)
	f := env.Fixtures()
	head := env.As("head.tnmt")
	body := func() map[string]any {
		return map[string]any{"unit": "tnmt", "process_kind": "service", "process_code": "DD-01", "title": "Hồ sơ đất đai trễ hạn",
			"likelihood": 4, "impact": 3, "residual_likelihood": 2, "residual_impact": 2, "treatment": "reduce", "owner": "head.tnmt",
			"review_on": "2026-11-26"}
	}
	var r struct {
		ID            string
		Version       int
		InherentScore int `json:"inherent_score"`
		ResidualScore int `json:"residual_score"`
		Links         []struct{ Kind, Label string }
	}
	head.Do("POST", "/api/v1/risks", body()).MustStatus(http.StatusCreated).Decode(&r)
	if r.InherentScore != 12 || r.ResidualScore != 4 || r.Version != 1 {
		t.Fatalf("risk %+v", r)
	}
	bad := body()
	bad["impact"] = 6
	res := head.Do("POST", "/api/v1/risks", bad).MustStatus(http.StatusBadRequest)
	var eb struct {
		Error struct {
			Code   string
			Fields map[string]string
		}
	}
	res.Decode(&eb)
	if eb.Error.Code != "invalid" || eb.Error.Fields["impact"] != "an impact from 1 to 5" {
		t.Errorf("impact 6: %s", res.Body)
	}
	nc := f.NC(t, "motcua")
	other := env.As("head.motcua") // signed in before the count: a sign-in is on the trail
	// The form refused shows the page again with the message in the
	// reader's language and the values typed.
	form := head.AsForm().Do("POST", "/ui/risks", bad)
	if form.Status != http.StatusBadRequest || !strings.Contains(string(form.Body), "mức độ ảnh hưởng từ 1 đến 5") ||
		!strings.Contains(string(form.Body), `value="Hồ sơ đất đai trễ hạn"`) {
		t.Errorf("refused form: %d %.300s", form.Status, form.Body)
	}
	var trail0, risks0 int
	env.App.DB.Get(&trail0, `SELECT count(*) FROM trail`)
	env.App.DB.Get(&risks0, `SELECT count(*) FROM risks`)
	if res := other.Do("POST", "/api/v1/risks", body()); res.Status != http.StatusForbidden || res.ErrorCode() != "forbidden" {
		t.Errorf("another unit's head: %s", res)
	}
	if res := head.Do("POST", "/api/v1/risks/"+r.ID+"/links", map[string]string{"kind": "nc", "target_id": nc}); res.Status != http.StatusBadRequest ||
		!strings.Contains(string(res.Body), "in this risk") {
		t.Errorf("a link to another unit's NC: %s", res)
	}
	var trail1, risks1, links int
	env.App.DB.Get(&trail1, `SELECT count(*) FROM trail`)
	env.App.DB.Get(&risks1, `SELECT count(*) FROM risks`)
	env.App.DB.Get(&links, `SELECT count(*) FROM risk_links`)
	if trail1 != trail0 || risks1 != risks0 || links != 0 {
		t.Errorf("refusals wrote: trail %d → %d, risks %d → %d, links %d", trail0, trail1, risks0, risks1, links)
	}
	own := f.NC(t, "tnmt")
	head.Do("POST", "/api/v1/risks/"+r.ID+"/links", map[string]string{"kind": "nc", "target_id": own}).MustStatus(http.StatusCreated)
	head.Do("POST", "/api/v1/risks/"+r.ID+"/links", map[string]string{"kind": "nc", "target_id": own}).MustStatus(http.StatusConflict)

	up := body()
	delete(up, "unit")
	up["version"], up["title"] = 1, "Hồ sơ đất đai trễ hạn (đã xem xét)"
	head.Do("PUT", "/api/v1/risks/"+r.ID, up).MustStatus(http.StatusOK).Decode(&r)
	if r.Version != 2 || len(r.Links) != 1 || r.Links[0].Kind != "nc" || !strings.HasPrefix(r.Links[0].Label, "NC-") {
		t.Errorf("after the change: %+v", r)
	}
	if res := co.Do("PUT", "/api/v1/risks/"+r.ID, up); res.Status != http.StatusConflict || res.ErrorCode() != "conflict" {
		t.Errorf("stale version: %s", res)
	}
	up["unit"] = "vp"
	head.Do("PUT", "/api/v1/risks/"+r.ID, up).MustStatus(http.StatusBadRequest)

	var hm struct {
		Total int
		Cells [][]int
	}
	env.As("auditor").Do("GET", "/api/v1/risks/heatmap", nil).MustStatus(http.StatusOK).Decode(&hm)
	if hm.Total != 1 || hm.Cells[3][2] != 1 {
		t.Errorf("heat map %+v", hm)
	}
	var due struct{ Items []struct{ ID string } }
	env.As("staff.tnmt").Do("GET", "/api/v1/risks?due=true", nil).MustStatus(http.StatusOK).Decode(&due)
	if len(due.Items) != 1 || due.Items[0].ID != r.ID {
		t.Errorf("due %+v", due)
	}
	env.As("staff.motcua").Do("GET", "/api/v1/risks?due=true", nil).MustStatus(http.StatusOK).Decode(&due)
	if len(due.Items) != 0 {
		t.Errorf("another unit's staff sees %+v", due)
	}
	env.As("staff.motcua").Do("GET", "/api/v1/risks/"+r.ID, nil).MustStatus(http.StatusNotFound)
	head.Do("GET", "/api/v1/risks/heatmap?score=nope", nil).MustStatus(http.StatusBadRequest)
	var sugg struct{ Items []any }
	head.Do("GET", "/api/v1/risk-suggestions", nil).MustStatus(http.StatusOK).Decode(&sugg)
	if len(sugg.Items) != 0 {
		t.Errorf("suggestions %+v", sugg)
	}
	var tasks struct {
		Items []struct{ Kind, Title string }
	}
	head.Do("GET", "/api/v1/tasks", nil).MustStatus(http.StatusOK).Decode(&tasks)
	found := false
	for _, tk := range tasks.Items {
		found = found || tk.Kind == "risk"
	}
	if !found {
		t.Errorf("the head's tasks have no risk review: %+v", tasks)
	}
}
