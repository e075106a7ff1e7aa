package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

type yearOut struct {
	Year       int            `json:"year"`
	Next       int            `json:"next_year"`
	Carried    map[string]int `json:"carried"`
	ReviewDue  string         `json:"review_due"`
	ReviewLast string         `json:"review_last"`
	Items      []struct {
		Kind string  `json:"kind"`
		From string  `json:"from_id"`
		To   *string `json:"to_id"`
	} `json:"items"`
}

// TestQMSYearRollover: closing a year carries its objectives (a new target
// where given, the others kept), its audit programme (team and checklist)
// and its open items into the next year in one transaction; only the
// chairman or the coordinator closes a year, once; the closed year is then
// read-only.
func TestQMSYearRollover(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	co := f.As("coordinator")
	y := time.Now().In(f.Loc).Year()
	next := y + 1
	objective := func(c *apptest.Client, title, kpi, unit string, target float64, year int) *apptest.Response {
		return c.Do("POST", "/api/v1/objectives", map[string]any{"title": title, "kpi": kpi, "target": target, "unit": unit,
			"period_from": fmt.Sprintf("%d-01-01", year), "period_to": fmt.Sprintf("%d-12-31", year)})
	}
	var o1, o2, o3 struct {
		ID string `json:"id"`
	}
	apptest.Expect(t, "objective 1", objective(co, "Đúng hạn đất đai", "on_time_rate", "tnmt", 95, y), 201, &o1)
	apptest.Expect(t, "objective 2", objective(co, "Hồ sơ trễ hạn văn phòng", "late_count", "vp", 5, y), 201, &o2)
	apptest.Expect(t, "objective 3", objective(co, "Thời gian giải quyết bình quân", "mean_days", "tnmt", 3, y), 201, &o3)
	auditID, itemID := f.Audit(t, "tnmt", "auditor")
	nc := f.NC(t, "tnmt")
	directive := f.Directive(t, "coordinator", f.Meeting(t, "coordinator"), "tnmt")

	count := func(q string, args ...any) int { return countRows(t, env, q, args...) }
	snapshot := func() string {
		return fmt.Sprint(count(`SELECT count(*) FROM qms_years`), count(`SELECT count(*) FROM qms_year_items`),
			count(`SELECT count(*) FROM objectives`), count(`SELECT count(*) FROM audits`), count(`SELECT count(*) FROM audit_items`),
			count(`SELECT count(*) FROM trail`))
	}
	// Closed items are not carried: a cancelled NC, an accepted directive.
	cancelled := f.NC(t, "vp")
	co.Do("POST", "/api/v1/ncs/"+cancelled+"/cancel", map[string]string{"reason": "Trùng lặp"}).MustStatus(200)
	accepted := f.Directive(t, "coordinator", f.Meeting(t, "coordinator"), "tnmt")
	f.ReportDirective(t, "head.tnmt", accepted)
	f.As("chairman").Do("POST", "/api/v1/directives/"+accepted+"/accept", nil).MustStatus(200)
	for _, login := range []string{"staff.tnmt", "head.tnmt", "auditor", "chairman"} {
		f.As(login) // signed in before the counts: a sign-in is in the trail
	}
	before := snapshot()

	// Refusals: who may not, a year not begun, a target of no objective of
	// the year, a percentage above 100. None writes anything.
	for _, login := range []string{"staff.tnmt", "head.tnmt", "auditor"} {
		r := f.As(login).Do("POST", "/api/v1/qms-years", map[string]any{"year": y})
		if r.Status != http.StatusForbidden || errOf(r).Error.Message != "only the chairman or the coordinator closes a QMS year" {
			t.Fatalf("%s closed the year: %s", login, r)
		}
	}
	refusals := []struct {
		body any
		msg  string
	}{
		{map[string]any{"year": next}, fmt.Sprintf("the QMS year %d has not begun; a year is closed once it has begun", next)},
		{map[string]any{"year": y, "targets": map[string]float64{"00000000-0000-0000-0000-000000000000": 90}},
			fmt.Sprintf("objective 00000000-0000-0000-0000-000000000000 is not an objective of the QMS year %d", y)},
		{map[string]any{"year": y, "targets": map[string]float64{o1.ID: 120}}, `the new target of objective "Đúng hạn đất đai" is a percentage: at most 100`},
		{map[string]any{"year": y, "targets": map[string]float64{o2.ID: -1}}, fmt.Sprintf("the new target of objective %s must be a number not below zero", o2.ID)},
	}
	if r := co.Do("POST", "/api/v1/qms-years", map[string]any{"year": 1999}); r.Status != http.StatusBadRequest ||
		errOf(r).Error.Fields["year"] != "a year between 2000 and 2198" {
		t.Fatalf("year 1999: %s", r)
	}
	for _, rf := range refusals {
		r := co.Do("POST", "/api/v1/qms-years", rf.body)
		if r.Status != http.StatusBadRequest || errOf(r).Error.Message != rf.msg {
			t.Fatalf("%v: %s", rf.body, r)
		}
	}
	if got := snapshot(); got != before {
		var acts []string
		_ = env.App.DB.Select(&acts, `SELECT action FROM trail ORDER BY seq DESC LIMIT 5`)
		t.Fatalf("refusals wrote: %s -> %s %v", before, got, acts)
	}

	// One transaction: a failure while the audit programme is carried,
	// after the objectives were, leaves nothing behind.
	if _, err := env.App.DB.Exec(`CREATE FUNCTION test_boom() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'boom'; END $$;
		CREATE TRIGGER test_boom BEFORE INSERT ON audit_items FOR EACH ROW EXECUTE FUNCTION test_boom();`); err != nil {
		t.Fatal(err)
	}
	if r := co.Do("POST", "/api/v1/qms-years", map[string]any{"year": y}); r.Status != http.StatusInternalServerError {
		t.Fatalf("a failing rollover: %s", r)
	}
	if got := snapshot(); got != before {
		t.Fatalf("a failed rollover wrote: %s -> %s", before, got)
	}
	if _, err := env.App.DB.Exec(`DROP TRIGGER test_boom ON audit_items; DROP FUNCTION test_boom();`); err != nil {
		t.Fatal(err)
	}

	// The coordinator closes the year with a new target for one objective.
	var yr yearOut
	apptest.Expect(t, "close", co.Do("POST", "/api/v1/qms-years", map[string]any{"year": y, "targets": map[string]float64{o1.ID: 97, o2.ID: 150}}), 201, &yr)
	if yr.Year != y || yr.Next != next || yr.Carried["objective"] != 3 || yr.Carried["audit"] != 1 || yr.Carried["nc"] != 1 || yr.Carried["directive"] != 1 {
		t.Fatalf("closed year %+v", yr)
	}
	// No review had closed: the next year's review is due by its 31/12.
	if yr.ReviewDue != fmt.Sprintf("%d-12-31", next) || yr.ReviewLast != "" {
		t.Errorf("review schedule carried: due %q after %q", yr.ReviewDue, yr.ReviewLast)
	}
	refs := map[string]bool{}
	for _, it := range yr.Items {
		refs[it.Kind+":"+it.From] = true
	}
	for _, k := range []string{"objective:" + o1.ID, "objective:" + o2.ID, "audit:" + auditID, "nc:" + nc, "directive:" + directive} {
		if !refs[k] {
			t.Errorf("the new year does not reference %s: %+v", k, yr.Items)
		}
	}
	if refs["nc:"+cancelled] || refs["directive:"+accepted] {
		t.Errorf("closed items carried: %+v", yr.Items)
	}
	// The objectives of the next year: same measure, a year later, the new
	// target or the old one.
	type objRow struct {
		Title  string  `db:"title"`
		Target float64 `db:"target"`
		From   string  `db:"period_from"`
		To     string  `db:"period_to"`
	}
	var objs []objRow
	if err := env.App.DB.Select(&objs, `SELECT title, target, period_from::text, period_to::text FROM objectives
		WHERE extract(year FROM period_from) = $1 ORDER BY title`, next); err != nil {
		t.Fatal(err)
	}
	// (a count may exceed 100; the third keeps its target)
	want := []objRow{{"Hồ sơ trễ hạn văn phòng", 150, fmt.Sprintf("%d-01-01", next), fmt.Sprintf("%d-12-31", next)},
		{"Thời gian giải quyết bình quân", 3, fmt.Sprintf("%d-01-01", next), fmt.Sprintf("%d-12-31", next)},
		{"Đúng hạn đất đai", 97, fmt.Sprintf("%d-01-01", next), fmt.Sprintf("%d-12-31", next)}}
	if fmt.Sprint(objs) != fmt.Sprint(want) {
		t.Fatalf("objectives of %d: %+v, want %+v", next, objs, want)
	}
	// The audit programme of the next year: the same audit a year later,
	// with its team and checklist.
	var audits struct {
		Items []struct {
			ID     string `json:"id"`
			Number string `json:"number"`
			Title  string `json:"title"`
		} `json:"items"`
	}
	apptest.Expect(t, "audits", co.Do("GET", fmt.Sprintf("/api/v1/audits?year=%d", next), nil), 200, &audits)
	if len(audits.Items) != 1 || audits.Items[0].Number != fmt.Sprintf("IA-%d-01", next) || !strings.HasPrefix(audits.Items[0].Title, "Đánh giá nội bộ thử") {
		t.Fatalf("audits of %d: %+v", next, audits.Items)
	}
	newAudit := audits.Items[0].ID
	if a, b := count(`SELECT count(*) FROM audit_items WHERE audit_id = $1`, auditID), count(`SELECT count(*) FROM audit_items WHERE audit_id = $1`, newAudit); a == 0 || a != b {
		t.Fatalf("checklist %d carried as %d", a, b)
	}
	if n := count(`SELECT count(*) FROM audit_team WHERE audit_id = $1 AND is_lead`, newAudit); n != 1 {
		t.Fatalf("lead auditors of the carried audit: %d", n)
	}
	if n := count(`SELECT count(*) FROM audits a JOIN audits b ON b.id = $2 WHERE a.id = $1 AND b.planned_start = (a.planned_start + interval '1 year')::date`, auditID, newAudit); n != 1 {
		t.Fatal("the carried audit is not planned a year later")
	}
	// The open NC stays open.
	if n := count(`SELECT count(*) FROM ncs WHERE id = $1 AND status = 'open'`, nc); n != 1 {
		t.Fatal("the open NC did not stay open")
	}
	if n := count(`SELECT count(*) FROM trail WHERE action = 'qms_year.close' AND object_id = $1`, fmt.Sprint(y)); n != 1 {
		t.Fatalf("qms_year.close trail entries: %d", n)
	}

	// Twice for the same year: refused, whoever asks.
	before = snapshot()
	r := f.As("chairman").Do("POST", "/api/v1/qms-years", map[string]any{"year": y})
	if r.Status != http.StatusConflict || errOf(r).Error.Message != fmt.Sprintf("the QMS year %d is already closed", y) {
		t.Fatalf("second rollover: %s", r)
	}
	if got := snapshot(); got != before {
		t.Fatalf("the second rollover wrote: %s -> %s", before, got)
	}

	// A year before a closed one is not closed after it.
	r = co.Do("POST", "/api/v1/qms-years", map[string]any{"year": y - 1})
	if r.Status != http.StatusConflict || errOf(r).Error.Message != fmt.Sprintf("the QMS year %d is already closed", y) {
		t.Fatalf("closing the year before a closed one: %s", r)
	}

	// The closed year is read-only: objectives and audits dated in it.
	const closedMsg = "this belongs to a closed QMS year, whose reports are read-only"
	if r := objective(co, "Mục tiêu muộn", "on_time_rate", "tnmt", 90, y); r.Status != http.StatusConflict || errOf(r).Error.Message != closedMsg {
		t.Fatalf("an objective in the closed year: %s", r)
	}
	r = f.As("auditor").Do("POST", "/api/v1/audits/"+auditID+"/findings", map[string]any{"item_id": itemID, "unit": "tnmt",
		"kind": "observation", "description": "Ghi muộn"})
	if r.Status != http.StatusConflict || errOf(r).Error.Message != closedMsg {
		t.Fatalf("a finding in the closed year: %s", r)
	}
	r = co.Do("POST", "/api/v1/audits", map[string]any{"title": "Đánh giá bổ sung", "units": []string{"tnmt"},
		"planned_start": fmt.Sprintf("%d-03-01", y), "planned_end": fmt.Sprintf("%d-03-05", y), "lead_auditor": "auditor"})
	if r.Status != http.StatusConflict || errOf(r).Error.Message != closedMsg {
		t.Fatalf("an audit planned in the closed year: %s", r)
	}
	if got := snapshot(); got != before {
		t.Fatalf("refused writes in the closed year wrote: %s -> %s", before, got)
	}
	// The new year takes writes.
	objective(co, "Mục tiêu năm mới", "on_time_rate", "tnmt", 90, next).MustStatus(201)

	// The list and the page.
	var list struct{ Items []yearOut }
	apptest.Expect(t, "list", f.As("auditor").Do("GET", "/api/v1/qms-years", nil), 200, &list)
	if len(list.Items) != 1 || list.Items[0].Year != y || list.Items[0].Carried["audit"] != 1 {
		t.Fatalf("closed years %+v", list.Items)
	}
	if r := f.As("staff.tnmt").Do("GET", "/api/v1/qms-years", nil); r.Status != http.StatusForbidden {
		t.Fatalf("staff read the QMS years: %s", r)
	}
	page := string(co.Do("GET", "/qms-years", nil).MustStatus(200).Body)
	if !strings.Contains(page, fmt.Sprintf(`id="year-%d"`, y)) || !strings.Contains(page, "Chỉ xem") {
		t.Fatalf("the page does not show the closed year:\n%s", page)
	}
}
