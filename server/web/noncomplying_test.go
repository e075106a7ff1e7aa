package web_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// An overdue leadership directive puts its unit on the coordinator's list
// of units not complying, beside overdue actions and unanswered NCs.
func TestOverdueDirectiveMakesUnitNonComplying(t *testing.T) {
	clk := &testClock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	env := apptest.New(t, apptest.WithClock(clk.now))
	chair := env.As("chairman")
	var m struct{ ID string }
	chair.Multipart("/api/v1/meetings", map[string]string{"held_on": "2026-11-20", "title": "Họp CCHC", "chair": "Chủ tịch UBND", "participants": "Phòng Nội vụ", "unit": "vp"},
		apptest.File{Field: "minutes", Name: "bien-ban.pdf", Content: []byte("%PDF-1.4\n%%EOF\n")}).MustStatus(http.StatusCreated).Decode(&m)
	chair.Do("POST", "/api/v1/meetings/"+m.ID+"/directives", map[string]any{"unit": "vhtt", "title": "Cập nhật bảng niêm yết TTHC",
		"report_required": "Ảnh bảng niêm yết", "due_on": "2026-11-27"}).MustStatus(http.StatusCreated)

	type score struct {
		NonComplying []struct {
			Unit              string `json:"unit"`
			OverdueDirectives int    `json:"overdue_directives"`
		} `json:"non_complying"`
	}
	coord := env.As("coordinator")
	var before score
	coord.Do("GET", "/api/v1/scorecard", nil).MustStatus(200).Decode(&before)
	for _, u := range before.NonComplying {
		if u.Unit == "vhtt" {
			t.Fatalf("vhtt listed before its directive is due: %+v", u)
		}
	}
	clk.add(10 * 24 * time.Hour)
	coord = env.As("coordinator") // the earlier session has expired by now
	var after score
	coord.Do("GET", "/api/v1/scorecard", nil).MustStatus(200).Decode(&after)
	found := false
	for _, u := range after.NonComplying {
		if u.Unit == "vhtt" && u.OverdueDirectives == 1 {
			found = true
		}
	}
	if !found {
		t.Fatalf("vhtt with an overdue directive is not listed as not complying: %+v", after.NonComplying)
	}
}

// A unit whose directive report was returned has not done what was asked:
// it is listed as not complying (with the returned count) until it reports
// again, though the directive is not yet due; the dashboard shows it too.
func TestReturnedDirectiveMakesUnitNonComplyingUntilReportedAgain(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	meeting := f.Meeting(t, "chairman")
	dir := f.Directive(t, "chairman", meeting, "vhtt")
	type unitRow struct {
		Unit               string `json:"unit"`
		OverdueDirectives  int    `json:"overdue_directives"`
		ReturnedDirectives int    `json:"returned_directives"`
	}
	listed := func() *unitRow {
		var out struct{ Items []unitRow }
		f.As("coordinator").Do("GET", "/api/v1/non-compliant-units", nil).MustStatus(200).Decode(&out)
		for _, u := range out.Items {
			if u.Unit == "vhtt" {
				return &u
			}
		}
		return nil
	}
	f.ReportDirective(t, "head.vhtt", dir)
	if u := listed(); u != nil {
		t.Fatalf("vhtt listed with its report awaiting a decision: %+v", u)
	}
	apptest.Expect(t, "return", f.As("chairman").Do("POST", "/api/v1/directives/"+dir+"/return", map[string]any{"comment": "Thiếu ảnh"}), http.StatusOK, nil)
	u := listed()
	if u == nil || u.ReturnedDirectives != 1 || u.OverdueDirectives != 0 {
		t.Fatalf("vhtt with a returned report: %+v", u)
	}
	req, _ := http.NewRequest("GET", env.URL+"/dashboard", nil)
	req.Header.Set("Accept", "text/html")
	page := string(f.As("coordinator").Send(req).MustStatus(200).Body)
	if !strings.Contains(page, `<tr id="nonc-vhtt"><td>Phòng Văn hóa`) || !strings.Contains(page, `<td>0</td><td>1</td>`) {
		t.Errorf("the dashboard does not list vhtt with one returned directive: %s", page[max(0, strings.Index(page, `id="non-compliant"`)):min(len(page), max(0, strings.Index(page, `id="non-compliant"`))+700)])
	}
	f.ReportDirective(t, "head.vhtt", dir)
	if u := listed(); u != nil {
		t.Fatalf("vhtt still listed after reporting again: %+v", u)
	}
}
