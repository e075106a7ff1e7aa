package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// reviewCSV: two dossiers received in November 2026 (one online, one by
// post, both returned on time) and one received in June, out of the
// review's period.
const reviewCSV = "number,service,channel,received_at,returned_at,result,reason\n" +
	"RV-1,DD-01,online,02/11/2026 09:00,05/11/2026 10:00,granted,\n" +
	"RV-2,DD-01,postal,04/11/2026 09:00,06/11/2026 10:00,granted,\n" +
	"RV-0,DD-01,in_person,02/06/2026 09:00,05/06/2026 10:00,granted,\n"

type reviewFigure struct {
	Group, Label, Unit, Subject, Status string
	Value                               *float64
}

type reviewSection struct {
	Key      string
	Text     bool
	Required bool
	Open     bool
	Version  int
	Figures  []reviewFigure
}

type reviewPack struct {
	Sections  []reviewSection
	Decisions []struct {
		Seq  int
		Kind string
	}
}

func (p reviewPack) section(t *testing.T, key string) reviewSection {
	t.Helper()
	for _, s := range p.Sections {
		if s.Key == key {
			return s
		}
	}
	t.Fatalf("no section %s in %+v", key, p)
	return reviewSection{}
}

// value is the figure of label (about unit or subject when given).
func (s reviewSection) value(t *testing.T, label, about string) float64 {
	t.Helper()
	for _, f := range s.Figures {
		if f.Label == label && (about == "" || f.Unit == about || f.Subject == about) {
			if f.Value == nil {
				t.Fatalf("section %s: %s %s has no value", s.Key, label, about)
			}
			return *f.Value
		}
	}
	t.Fatalf("section %s has no figure %s %s: %+v", s.Key, label, about, s.Figures)
	return 0
}

func (s reviewSection) count(label string) int {
	n := 0
	for _, f := range s.Figures {
		if f.Label == label {
			n++
		}
	}
	return n
}

// reviewSeed seeds the office at 26/11/2026 with the data of a review of
// 01/11-26/11/2026 and data outside that period.
func reviewSeed(t *testing.T) (*apptest.Env, *apptest.Client) {
	env, co := procSetup(t)
	req, _ := http.NewRequest("POST", env.URL+"/api/v1/dossiers/import?filename=review.csv", strings.NewReader(reviewCSV))
	req.Header.Set("Content-Type", "text/csv")
	var rep struct{ Inserted, Late int }
	co.Send(req).MustStatus(200).Decode(&rep)
	if rep.Inserted != 3 || rep.Late != 0 {
		t.Fatalf("import %+v", rep)
	}
	db := env.App.DB
	if _, err := db.Exec(`UPDATE dossiers SET satisfaction = CASE number WHEN 'RV-1' THEN 'satisfied' ELSE 'dissatisfied' END WHERE number IN ('RV-1', 'RV-0')`); err != nil {
		t.Fatal(err)
	}
	for _, o := range []map[string]any{
		{"title": "Trên 90% hồ sơ đúng hạn", "kpi": "on_time_rate", "target": 90, "period_from": "2026-11-01", "period_to": "2026-11-30", "unit": "tnmt"},
		{"title": "80% hồ sơ trực tuyến", "kpi": "online_share", "target": 80, "period_from": "2026-11-01", "period_to": "2026-11-30", "unit": "tnmt"},
		{"title": "Mục tiêu năm trước", "kpi": "on_time_rate", "target": 90, "period_from": "2025-01-01", "period_to": "2025-12-31", "unit": "tnmt"},
	} {
		co.Do("POST", "/api/v1/objectives", o).MustStatus(http.StatusCreated)
	}
	f := env.Fixtures()
	nc1 := f.NC(t, "tnmt")
	f.Cause(t, nc1)
	f.NC(t, "vhtt")
	co.Do("POST", "/api/v1/ncs", map[string]any{"source": "complaint", "severity": "minor", "unit": "tnmt", "title": "Người dân phản ánh chậm trả kết quả"}).MustStatus(http.StatusCreated)
	old := f.NC(t, "tnmt")
	if _, err := db.Exec(`UPDATE ncs SET detected_on = '2026-06-10' WHERE id = $1`, old); err != nil {
		t.Fatal(err)
	}
	return env, co
}

func createReview(t *testing.T, co *apptest.Client, title string) string {
	t.Helper()
	var r struct{ ID string }
	co.Do("POST", "/api/v1/management-reviews", map[string]any{"title": title, "held_on": "2026-11-26", "period_from": "2026-11-01",
		"period_to": "2026-11-26", "chair": "Chủ tịch UBND huyện", "participants": "Lãnh đạo các phòng", "unit": "vp"}).MustStatus(http.StatusCreated).Decode(&r)
	return r.ID
}

// TestManagementReviewInputs: the pack's figures are those of the period
// (data before it does not count), section by section.
func TestManagementReviewInputs(t *testing.T) {
	env, co := reviewSeed(t)
	id := createReview(t, co, "Xem xét của lãnh đạo năm 2026")
	var p reviewPack
	env.As("auditor").Do("GET", "/api/v1/management-reviews/"+id+"/inputs", nil).MustStatus(200).Decode(&p)

	perf := p.section(t, "process_performance")
	for label, want := range map[string]float64{"review.fig.received": 2, "review.fig.returned": 2, "review.fig.on_time_rate": 100, "review.fig.late": 0, "review.fig.online_share": 50} {
		if got := perf.value(t, label, ""); got != want {
			t.Errorf("%s = %v, want %v", label, got, want)
		}
	}
	if got := perf.value(t, "review.fig.unit_on_time", "tnmt"); got != 100 {
		t.Errorf("tnmt on time %v", got)
	}
	prov := p.section(t, "providers")
	if prov.value(t, "review.fig.postal_received", "") != 1 || prov.value(t, "review.fig.postal_on_time", "") != 100 {
		t.Errorf("providers %+v", prov.Figures)
	}
	sat := p.section(t, "satisfaction")
	if sat.value(t, "review.fig.rated", "") != 1 || sat.value(t, "review.fig.satisfied_share", "") != 100 ||
		sat.value(t, "review.fig.dissatisfied", "") != 0 || sat.value(t, "review.fig.complaints", "") != 1 {
		t.Errorf("satisfaction %+v", sat.Figures)
	}
	obj := p.section(t, "objectives")
	if obj.value(t, "review.fig.objectives_met", "") != 1 || obj.value(t, "review.fig.objectives_missed", "") != 1 || obj.count("review.fig.objective") != 2 {
		t.Errorf("objectives %+v", obj.Figures)
	}
	for _, f := range obj.Figures {
		if f.Subject == "Mục tiêu năm trước" {
			t.Errorf("an objective of another period is in the pack: %+v", f)
		}
		if f.Subject == "80% hồ sơ trực tuyến" && f.Status != "review.status.missed" {
			t.Errorf("the online objective is %s", f.Status)
		}
	}
	nc := p.section(t, "nonconformities")
	if got := nc.value(t, "review.fig.nc_opened", ""); got != 3 {
		t.Errorf("NCs opened %v, want 3 (the June one is out of the period)", got)
	}
	if nc.value(t, "review.fig.nc_unit", "tnmt") != 2 || nc.value(t, "review.fig.nc_unit", "vhtt") != 1 {
		t.Errorf("NCs by unit %+v", nc.Figures)
	}
	if nc.value(t, "nc.cause.method", "") != 1 || nc.value(t, "nc.source.complaint", "") != 1 || nc.value(t, "nc.source.self_report", "") != 2 {
		t.Errorf("NCs by cause and source %+v", nc.Figures)
	}
	if nc.value(t, "review.fig.month", "11/2026") != 3 || nc.count("review.fig.month") != 1 {
		t.Errorf("NCs by month %+v", nc.Figures)
	}
	if nc.value(t, "review.fig.nc_open_at_end", "") != 4 {
		t.Errorf("open at the end %+v", nc.Figures)
	}
	res := p.section(t, "resources")
	if !res.Text || !res.Required || !res.Open {
		t.Errorf("resources %+v", res)
	}
	// Who may not read reviews gets nothing.
	env.As("staff.tnmt").Do("GET", "/api/v1/management-reviews/"+id+"/inputs", nil).MustStatus(http.StatusForbidden)
	env.As("head.tnmt").Do("GET", "/api/v1/management-reviews", nil).MustStatus(http.StatusForbidden)
}

// TestManagementReviewDecisionsAndClosing: a directive decision is a
// directive to its unit with its due date; the review cannot close with a
// required section open; closing files the pack; the next review shows
// the decisions, done or not.
func TestManagementReviewDecisionsAndClosing(t *testing.T) {
	env, co := reviewSeed(t)
	chair := env.As("chairman")
	id := createReview(t, co, "Xem xét của lãnh đạo năm 2026")

	// Preparing is the coordinator's, deciding the chairman's.
	r := env.As("head.tnmt").Do("POST", "/api/v1/management-reviews", map[string]any{"title": "x", "held_on": "2026-11-26", "period_from": "2026-11-01",
		"period_to": "2026-11-26", "chair": "x", "unit": "vp"}).MustStatus(http.StatusForbidden)
	if !strings.Contains(errorMessage(t, r), "management reviews") {
		t.Errorf("refusal %s", r.Body)
	}
	r = co.Do("POST", "/api/v1/management-reviews/"+id+"/decisions", map[string]any{"kind": "resource", "title": "x"}).MustStatus(http.StatusForbidden)
	if msg := errorMessage(t, r); msg != "you may not decide management reviews" {
		t.Errorf("refusal %q", msg)
	}
	r = co.Do("POST", "/api/v1/management-reviews", map[string]any{"title": "x", "held_on": "2026-11-20", "period_from": "2026-11-01",
		"period_to": "2026-11-26", "chair": "x", "unit": "vp"}).MustStatus(http.StatusBadRequest)
	if !strings.Contains(string(r.Body), "the period ends on or before the day of the review") {
		t.Errorf("refusal %s", r.Body)
	}

	var d1 struct {
		ID          string
		DirectiveID string `json:"directive_id"`
		Seq         int
	}
	chair.Do("POST", "/api/v1/management-reviews/"+id+"/decisions", map[string]any{"kind": "directive", "unit": "tnmt",
		"title": "Rà soát, khắc phục hồ sơ đất đai trễ hạn", "due_on": "2026-12-15", "report_required": "Báo cáo kết quả rà soát"}).MustStatus(http.StatusCreated).Decode(&d1)
	if d1.DirectiveID == "" || d1.Seq != 1 {
		t.Fatalf("directive decision %+v", d1)
	}
	var d2 struct{ ID string }
	chair.Do("POST", "/api/v1/management-reviews/"+id+"/decisions", map[string]any{"kind": "resource",
		"title": "Bổ sung một công chức cho Bộ phận Một cửa"}).MustStatus(http.StatusCreated).Decode(&d2)
	// A directive without a unit or a due date is refused, nothing written.
	r = chair.Do("POST", "/api/v1/management-reviews/"+id+"/decisions", map[string]any{"kind": "directive", "title": "x"}).MustStatus(http.StatusBadRequest)
	if !strings.Contains(string(r.Body), "due_on") || !strings.Contains(string(r.Body), "unit") {
		t.Errorf("refusal %s", r.Body)
	}

	// The directive is in the unit's directives, due on its date, and its
	// unit reports on it as on any directive.
	var ds struct {
		Items []struct {
			ID, Title, State string
			DueOn            string `json:"due_on"`
			MeetingTitle     string `json:"meeting_title"`
		}
	}
	env.As("head.tnmt").Do("GET", "/api/v1/directives?unit=tnmt", nil).MustStatus(200).Decode(&ds)
	found := false
	for _, d := range ds.Items {
		if d.ID == d1.DirectiveID {
			found = true
			if d.DueOn != "2026-12-15" || d.Title != "Rà soát, khắc phục hồ sơ đất đai trễ hạn" || d.MeetingTitle != "Xem xét của lãnh đạo năm 2026" || d.State != "open" {
				t.Errorf("directive %+v", d)
			}
		}
	}
	if !found {
		t.Fatalf("the decision's directive is not among tnmt's: %+v", ds)
	}

	// Closing with the required sections open is refused with its reason.
	r = chair.Do("POST", "/api/v1/management-reviews/"+id+"/close", nil).MustStatus(http.StatusConflict)
	if msg := errorMessage(t, r); !strings.HasPrefix(msg, "the review cannot be closed while a required section is open") {
		t.Errorf("refusal %q", msg)
	}
	var p reviewPack
	co.Do("GET", "/api/v1/management-reviews/"+id+"/inputs", nil).MustStatus(200).Decode(&p)
	co.Do("POST", "/api/v1/management-reviews/"+id+"/sections/resources", map[string]any{"body": "Bộ phận Một cửa thiếu một công chức vào giờ cao điểm.", "version": 0}).MustStatus(200)
	// A writer who saw the section before it was written is refused.
	r = co.Do("POST", "/api/v1/management-reviews/"+id+"/sections/resources", map[string]any{"body": "Khác", "version": 0}).MustStatus(http.StatusConflict)
	if !strings.Contains(errorMessage(t, r), "someone else changed this section") {
		t.Errorf("refusal %s", r.Body)
	}
	co.Do("POST", "/api/v1/management-reviews/"+id+"/sections/nope", map[string]any{"body": "x"}).MustStatus(http.StatusNotFound)
	r = chair.Do("POST", "/api/v1/management-reviews/"+id+"/close", nil).MustStatus(http.StatusConflict)
	if msg := errorMessage(t, r); !strings.HasSuffix(msg, "improvement") {
		t.Errorf("refusal %q (the improvement section is still open)", msg)
	}
	co.Do("POST", "/api/v1/management-reviews/"+id+"/sections/improvement", map[string]any{"body": "Số hóa toàn bộ hồ sơ đất đai.", "version": 0}).MustStatus(200)
	var closed struct {
		State    string
		RecordID string `json:"record_id"`
	}
	chair.Do("POST", "/api/v1/management-reviews/"+id+"/close", nil).MustStatus(200).Decode(&closed)
	if closed.State != "closed" || closed.RecordID == "" {
		t.Fatalf("closed %+v", closed)
	}
	var rec struct{ Type string }
	co.Do("GET", "/api/v1/records/"+closed.RecordID, nil).MustStatus(200).Decode(&rec)
	if rec.Type != "management-review" {
		t.Errorf("record %+v", rec)
	}
	chair.Do("POST", "/api/v1/management-reviews/"+id+"/decisions", map[string]any{"kind": "resource", "title": "x"}).MustStatus(http.StatusConflict)
	co.Do("POST", "/api/v1/management-reviews/"+id+"/sections/resources", map[string]any{"body": "x", "version": 1}).MustStatus(http.StatusConflict)

	// The next review's inputs show both decisions, and the one marked done.
	next := createReview(t, co, "Xem xét của lãnh đạo bổ sung")
	co.Do("POST", "/api/v1/management-review-decisions/"+d1.ID+"/done", map[string]any{"note": "x"}).MustStatus(http.StatusConflict)
	co.Do("POST", "/api/v1/management-review-decisions/"+d2.ID+"/done", map[string]any{"note": "Đã điều động một công chức"}).MustStatus(200)
	env.As("staff.tnmt").Do("POST", "/api/v1/management-review-decisions/"+d2.ID+"/done", map[string]any{"note": "x"}).MustStatus(http.StatusForbidden)
	co.Do("GET", "/api/v1/management-reviews/"+next+"/inputs", nil).MustStatus(200).Decode(&p)
	prev := p.section(t, "previous_actions")
	if prev.value(t, "review.fig.previous_total", "") != 2 || prev.value(t, "review.fig.previous_done", "") != 1 || prev.value(t, "review.fig.previous_open", "") != 1 {
		t.Errorf("previous actions %+v", prev.Figures)
	}
	// The trail holds every act.
	var n int
	if err := env.App.DB.Get(&n, `SELECT count(*) FROM trail WHERE action IN ('review.create', 'review.decide', 'review.section', 'review.close', 'review.decision_done')`); err != nil {
		t.Fatal(err)
	}
	if want := 2 + 2 + 2 + 1 + 1; n != want {
		t.Errorf("trail has %d review entries, want %d", n, want)
	}
}

// TestManagementReviewPDF: the pack prints in Vietnamese with the section
// titles and the figures, decimal comma included.
func TestManagementReviewPDF(t *testing.T) {
	env, co := reviewSeed(t)
	id := createReview(t, co, "Xem xét của lãnh đạo năm 2026")
	env.As("chairman").Do("POST", "/api/v1/management-reviews/"+id+"/decisions", map[string]any{"kind": "directive", "unit": "tnmt",
		"title": "Rà soát hồ sơ đất đai", "due_on": "2026-12-15"}).MustStatus(http.StatusCreated)
	r := co.Do("GET", "/api/v1/management-reviews/"+id+"/pack.pdf", nil).MustStatus(200)
	text := strings.Join(strings.Fields(pdfText(t, r.Body)), " ")
	for _, want := range []string{
		"Báo cáo đầu vào xem xét của lãnh đạo", "Xem xét của lãnh đạo năm 2026", "26/11/2026", "01/11/2026 – 26/11/2026",
		"Tình trạng các hành động từ các cuộc xem xét trước", "Mức độ đạt được mục tiêu chất lượng",
		"Sự không phù hợp và hành động khắc phục", "Sự thỏa đáng của các nguồn lực", "Cơ hội cải tiến",
		"Số hồ sơ tiếp nhận: 2", "Tỷ lệ trả kết quả trước và đúng hạn: 100%", "Tỷ lệ hồ sơ trực tuyến: 50%",
		"Số điểm không phù hợp phát hiện trong kỳ: 3", "Tháng — 11/2026: 3", "Tỷ lệ đóng đúng hạn: không có số liệu", "Phòng Tài nguyên", "Rà soát hồ sơ đất đai", "15/12/2026",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, text)
		}
	}
	env.As("staff.tnmt").Do("GET", "/api/v1/management-reviews/"+id+"/pack.pdf", nil).MustStatus(http.StatusForbidden)
}

// TestManagementReviewOverdue: a year after the last closed review, the
// yearly review is overdue on the coordinator's and the chairman's home
// page, not on others'.
func TestManagementReviewOverdue(t *testing.T) {
	env := apptest.New(t, apptest.WithClock(procNow))
	tasks := func(login string) []struct{ Kind, Title, Link string } {
		var out struct {
			Items []struct{ Kind, Title, Link string }
		}
		env.As(login).Do("GET", "/api/v1/tasks", nil).MustStatus(200).Decode(&out)
		var rv []struct{ Kind, Title, Link string }
		for _, x := range out.Items {
			if x.Kind == "management_review" {
				rv = append(rv, x)
			}
		}
		return rv
	}
	// No review closed yet: due by the end of the year, not overdue.
	if ts := tasks("coordinator"); len(ts) != 0 {
		t.Fatalf("overdue before any was due: %+v", ts)
	}
	insert := func(held string) {
		t.Helper()
		if _, err := env.App.DB.Exec(`INSERT INTO management_reviews (held_on, period_from, period_to, title, chair, unit, state, pack, closed_at, created_login)
			VALUES ($1, $1::date - 300, $1, $2, 'Chủ tịch', 'vp', 'closed', '{}', now(), 'coordinator')`, held, "Xem xét "+held); err != nil {
			t.Fatal(err)
		}
	}
	insert("2025-11-25") // due 25/11/2026, the day before the clock's
	for _, login := range []string{"coordinator", "chairman"} {
		ts := tasks(login)
		if len(ts) != 1 || ts[0].Link != "/management-reviews" || !strings.Contains(ts[0].Title, "25/11/2026") {
			t.Errorf("%s's tasks %+v", login, ts)
		}
	}
	for _, login := range []string{"head.tnmt", "staff.tnmt", "auditor", "admin"} {
		if ts := tasks(login); len(ts) != 0 {
			t.Errorf("%s sees the overdue review: %+v", login, ts)
		}
	}
	home := env.As("chairman").Do("GET", "/", nil).MustStatus(200)
	if !strings.Contains(string(home.Body), "Quá hạn xem xét của lãnh đạo hằng năm (hạn 25/11/2026)") {
		t.Errorf("the chairman's home page lacks the overdue review")
	}
	var sc struct {
		Due     string
		Overdue bool
	}
	env.As("auditor").Do("GET", "/api/v1/management-review-schedule", nil).MustStatus(200).Decode(&sc)
	if sc.Due != "2026-11-25" || !sc.Overdue {
		t.Errorf("schedule %+v", sc)
	}
	// A review closed since: not overdue any more.
	insert("2026-11-26")
	if ts := tasks("coordinator"); len(ts) != 0 {
		t.Errorf("overdue after a review: %+v", ts)
	}
}

// TestManagementReviewRefusals: a review is decided and closed once held;
// its period is ordered, ends by the review and spans at most two years;
// a directive is due after the review. A refusal writes nothing.
func TestManagementReviewRefusals(t *testing.T) {
	env, co := procSetup(t)
	chair := env.As("chairman")
	for _, c := range []struct {
		from, to, held, want string
	}{
		{"2026-11-10", "2026-11-01", "2026-11-26", "the period needs a start and an end, in order"},
		{"2024-01-01", "2026-11-26", "2026-11-26", "a review covers at most two years"},
		{"2026-01-01", "2026-11-26", "2026-11-25", "the period ends on or before the day of the review"},
	} {
		r := co.Do("POST", "/api/v1/management-reviews", map[string]any{"title": "x", "held_on": c.held, "period_from": c.from,
			"period_to": c.to, "chair": "x", "unit": "vp"}).MustStatus(http.StatusBadRequest)
		if !strings.Contains(string(r.Body), c.want) {
			t.Errorf("%+v: %s", c, r.Body)
		}
	}
	var later struct{ ID string }
	co.Do("POST", "/api/v1/management-reviews", map[string]any{"title": "Xem xét tháng 12", "held_on": "2026-12-10", "period_from": "2026-01-01",
		"period_to": "2026-12-10", "chair": "Chủ tịch", "unit": "vp"}).MustStatus(http.StatusCreated).Decode(&later)
	r := chair.Do("POST", "/api/v1/management-reviews/"+later.ID+"/decisions", map[string]any{"kind": "resource", "title": "x"}).MustStatus(http.StatusConflict)
	if msg := errorMessage(t, r); msg != "decisions are recorded once the review is held (10/12/2026)" {
		t.Errorf("refusal %q", msg)
	}
	r = chair.Do("POST", "/api/v1/management-reviews/"+later.ID+"/close", nil).MustStatus(http.StatusConflict)
	if msg := errorMessage(t, r); msg != "the review is closed once it is held (10/12/2026)" {
		t.Errorf("refusal %q", msg)
	}
	id := createReview(t, co, "Xem xét năm 2026")
	r = chair.Do("POST", "/api/v1/management-reviews/"+id+"/decisions", map[string]any{"kind": "directive", "unit": "tnmt", "title": "x",
		"due_on": "2026-11-20"}).MustStatus(http.StatusBadRequest)
	if msg := errorMessage(t, r); msg != "the directive is due after the review" {
		t.Errorf("refusal %q", msg)
	}
	chair.Do("POST", "/api/v1/management-reviews/"+id+"/decisions", map[string]any{"kind": "sideways", "title": "x"}).MustStatus(http.StatusBadRequest)
	chair.Do("POST", "/api/v1/management-reviews/"+id+"/decisions", map[string]any{"kind": "resource", "title": "x", "objective_id": "5e0c2a3e-4a4b-4c7e-9a59-0d9a3b2f4d11"}).MustStatus(http.StatusBadRequest)
	chair.Do("POST", "/api/v1/management-reviews/"+id+"/decisions", map[string]any{"kind": "objective", "title": "x", "objective_id": "5e0c2a3e-4a4b-4c7e-9a59-0d9a3b2f4d11"}).MustStatus(http.StatusBadRequest)
	chair.Do("POST", "/api/v1/management-reviews/"+id+"/decisions", map[string]any{"kind": "resource", "title": "x", "extra": 1}).MustStatus(http.StatusBadRequest)
	var n int
	if err := env.App.DB.Get(&n, `SELECT (SELECT count(*) FROM management_review_decisions) + (SELECT count(*) FROM directives) + (SELECT count(*) FROM meetings)`); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("refused decisions left %d rows", n)
	}
}

// TestManagementReviewObjectiveChange: a decision changing an objective
// (9.3.3) changes the objective when it is recorded, in one transaction
// with its trail entry; it is done from then on, and the next review's
// inputs show it done with the new target. A change that is refused
// writes nothing: not the decision, not the objective, not the trail.
func TestManagementReviewObjectiveChange(t *testing.T) {
	env, co := reviewSeed(t)
	chair := env.As("chairman")
	id := createReview(t, co, "Xem xét của lãnh đạo năm 2026")
	type objective struct {
		ID, Title string
		Target    float64
		From      string `json:"period_from"`
		To        string `json:"period_to"`
	}
	list := func() []objective {
		var l struct{ Items []objective }
		co.Do("GET", "/api/v1/objectives", nil).MustStatus(200).Decode(&l)
		return l.Items
	}
	objectives := func() map[string]objective {
		m := map[string]objective{}
		for _, o := range list() {
			if _, ok := m[o.Title]; !ok {
				m[o.Title] = o
			}
		}
		return m
	}
	onTime, last := objectives()["Trên 90% hồ sơ đúng hạn"], objectives()["Mục tiêu năm trước"]
	if onTime.ID == "" || last.ID == "" {
		t.Fatalf("objectives %+v", objectives())
	}
	// Closing 2025 leaves its objective read-only.
	co.Do("POST", "/api/v1/qms-years", map[string]any{"year": 2025}).MustStatus(http.StatusCreated)
	written := func() string {
		return fmt.Sprint(env.Count(t, `SELECT count(*) FROM management_review_decisions`),
			env.Count(t, `SELECT count(*) FROM trail WHERE action IN ('review.decide', 'objective.change')`), list())
	}
	before := written()
	path := "/api/v1/management-reviews/" + id + "/decisions"
	for _, rf := range []struct {
		body         map[string]any
		status       int
		field, inMsg string
	}{
		{map[string]any{"kind": "objective", "title": "Nâng chỉ tiêu", "objective_id": onTime.ID}, 400, "new_target", ""},
		{map[string]any{"kind": "objective", "title": "Nâng chỉ tiêu", "new_target": 95}, 400, "objective_id", ""},
		{map[string]any{"kind": "resource", "title": "x", "new_target": 95}, 400, "new_target", ""},
		{map[string]any{"kind": "objective", "title": "x", "objective_id": onTime.ID, "new_target": -1}, 400, "new_target", ""},
		{map[string]any{"kind": "objective", "title": "x", "objective_id": onTime.ID, "new_period_from": "2026-12-31", "new_period_to": "2026-11-01"}, 400, "new_period_to", ""},
		{map[string]any{"kind": "objective", "title": "x", "objective_id": onTime.ID, "new_period_from": "2026-11-01"}, 400, "new_period_to", ""},
		{map[string]any{"kind": "objective", "title": "x", "objective_id": onTime.ID, "new_target": 120}, 400, "",
			`the new target of objective "Trên 90% hồ sơ đúng hạn" is a percentage: at most 100`},
		{map[string]any{"kind": "objective", "title": "x", "objective_id": onTime.ID, "new_target": 90}, 400, "",
			`the change leaves the objective "Trên 90% hồ sơ đúng hạn" as it is`},
		{map[string]any{"kind": "objective", "title": "x", "objective_id": "5e0c2a3e-4a4b-4c7e-9a59-0d9a3b2f4d11", "new_target": 90}, 400, "",
			"no objective 5e0c2a3e-4a4b-4c7e-9a59-0d9a3b2f4d11"},
		{map[string]any{"kind": "objective", "title": "x", "objective_id": last.ID, "new_target": 95}, 409, "",
			"this belongs to a closed QMS year, whose reports are read-only"},
	} {
		r := chair.Do("POST", path, rf.body)
		b := errOf(r)
		if r.Status != rf.status || (rf.field != "" && b.Error.Fields[rf.field] == "") || (rf.inMsg != "" && b.Error.Message != rf.inMsg) {
			t.Errorf("%v: %s", rf.body, r)
		}
	}
	co.Do("POST", path, map[string]any{"kind": "objective", "title": "x", "objective_id": onTime.ID, "new_target": 95}).MustStatus(http.StatusForbidden)
	if got := written(); got != before {
		t.Fatalf("refusals wrote: %s -> %s", before, got)
	}

	// The change is applied as it is recorded.
	var d struct {
		ID     string
		Done   bool
		DoneBy string `json:"done_by"`
		Change *struct {
			Target    *float64
			From      string  `json:"period_from"`
			To        string  `json:"period_to"`
			OldTarget float64 `json:"old_target"`
			OldFrom   string  `json:"old_period_from"`
			OldTo     string  `json:"old_period_to"`
		} `json:"objective_change"`
	}
	chair.Do("POST", path, map[string]any{"kind": "objective", "title": "Nâng chỉ tiêu đúng hạn lên 95% đến hết năm",
		"objective_id": onTime.ID, "new_target": 95, "new_period_from": "2026-11-01", "new_period_to": "2026-12-31"}).MustStatus(http.StatusCreated).Decode(&d)
	if !d.Done || d.DoneBy != "chairman" || d.Change == nil || d.Change.Target == nil || *d.Change.Target != 95 || d.Change.OldTarget != 90 ||
		d.Change.OldTo != "2026-11-30" || d.Change.To != "2026-12-31" {
		t.Fatalf("decision %+v %+v", d, d.Change)
	}
	if o := objectives()["Trên 90% hồ sơ đúng hạn"]; o.Target != 95 || o.From != "2026-11-01" || o.To != "2026-12-31" {
		t.Errorf("the objective after the change: %+v", o)
	}
	var ev struct {
		Object string `db:"object_id"`
		Unit   string `db:"unit"`
		Target string `db:"target"`
	}
	if err := env.App.DB.Get(&ev, `SELECT object_id, unit, details->>'target' AS target FROM trail WHERE action = 'objective.change'`); err != nil {
		t.Fatalf("no trail entry of the change: %v", err)
	}
	if ev.Object != onTime.ID || ev.Unit != "tnmt" || ev.Target != "95" {
		t.Errorf("trail entry %+v", ev)
	}
	// Done at recording: it is not marked done again.
	r := co.Do("POST", "/api/v1/management-review-decisions/"+d.ID+"/done", map[string]any{"note": "x"}).MustStatus(http.StatusConflict)
	if msg := errorMessage(t, r); msg != "the decision is already done" {
		t.Errorf("refusal %q", msg)
	}
	// A target only: the period stays.
	chair.Do("POST", path, map[string]any{"kind": "objective", "title": "Trực tuyến 85%", "objective_id": objectives()["80% hồ sơ trực tuyến"].ID,
		"new_target": 85}).MustStatus(http.StatusCreated)
	if o := objectives()["80% hồ sơ trực tuyến"]; o.Target != 85 || o.To != "2026-11-30" {
		t.Errorf("the online objective after the change: %+v", o)
	}

	// The review page and its PDF pack show the change.
	page := co.Do("GET", "/management-reviews/"+id, nil).MustStatus(200)
	pack := strings.Join(strings.Fields(pdfText(t, co.Do("GET", "/api/v1/management-reviews/"+id+"/pack.pdf", nil).MustStatus(200).Body)), " ")
	for _, want := range []string{"chỉ tiêu 90 → 95", "thời hạn 01/11/2026 – 30/11/2026 → 01/11/2026 – 31/12/2026"} {
		if !strings.Contains(string(page.Body), want) {
			t.Errorf("the review page does not show %q", want)
		}
		if !strings.Contains(pack, want) {
			t.Errorf("the review's PDF does not show %q:\n%s", want, pack)
		}
	}

	// The next review's inputs show the decision done with the new target.
	next := createReview(t, co, "Xem xét của lãnh đạo bổ sung")
	var p reviewPack
	co.Do("GET", "/api/v1/management-reviews/"+next+"/inputs", nil).MustStatus(200).Decode(&p)
	prev := p.section(t, "previous_actions")
	subject := "Nâng chỉ tiêu đúng hạn lên 95% đến hết năm — Trên 90% hồ sơ đúng hạn (01/11/2026 – 31/12/2026)"
	if prev.value(t, "review.fig.previous_objective", subject) != 95 || prev.value(t, "review.fig.previous_done", "") != 2 {
		t.Errorf("previous actions %+v", prev.Figures)
	}
	for _, f := range prev.Figures {
		if f.Subject == subject && f.Status != "review.status.done" {
			t.Errorf("the change is %s in the next review", f.Status)
		}
	}
}

// TestQMSYearCarriesReviewSchedule: closing a QMS year carries the review
// schedule: the next year's management review is due a year after the
// last closed review, as the schedule says, recorded with the act, in its
// trail entry and on the QMS years page.
func TestQMSYearCarriesReviewSchedule(t *testing.T) {
	env, co := reviewSeed(t)
	chair := env.As("chairman")
	id := createReview(t, co, "Xem xét của lãnh đạo năm 2026")
	for _, key := range []string{"resources", "improvement"} {
		co.Do("POST", "/api/v1/management-reviews/"+id+"/sections/"+key, map[string]any{"body": "Nội dung " + key, "version": 0}).MustStatus(200)
	}
	chair.Do("POST", "/api/v1/management-reviews/"+id+"/close", nil).MustStatus(200)
	var sc struct{ Due string }
	co.Do("GET", "/api/v1/management-review-schedule", nil).MustStatus(200).Decode(&sc)
	if sc.Due != "2027-11-26" {
		t.Fatalf("schedule %+v", sc)
	}
	var yr yearOut
	co.Do("POST", "/api/v1/qms-years", map[string]any{"year": 2026}).MustStatus(http.StatusCreated).Decode(&yr)
	if yr.ReviewDue != sc.Due || yr.ReviewLast != id {
		t.Fatalf("closed year carried the review due %q after %q, want %s after %s", yr.ReviewDue, yr.ReviewLast, sc.Due, id)
	}
	var again yearOut
	co.Do("GET", "/api/v1/qms-years/2026", nil).MustStatus(200).Decode(&again)
	if again.ReviewDue != sc.Due || again.ReviewLast != id {
		t.Errorf("read back: due %q after %q", again.ReviewDue, again.ReviewLast)
	}
	if n := env.Count(t, `SELECT count(*) FROM trail WHERE action = 'qms_year.close' AND details->>'review_due' = '2027-11-26'`); n != 1 {
		t.Errorf("trail entries with the review due: %d", n)
	}
	page := co.Do("GET", "/qms-years", nil).MustStatus(200)
	if !strings.Contains(string(page.Body), "Xem xét của lãnh đạo năm 2027: hạn chậm nhất ngày 26/11/2027") {
		t.Errorf("the QMS years page does not show the review due")
	}
}

// TestReviewScheduleFollowsTheCarriedYear: an office that never closes a
// review is due by the end of its first year; once that year is closed and
// the next has begun, the schedule is the date the year carried (31/12 of
// the next year), and it stays so past that year (overdue), where counting
// "by the end of the current year" would move it on each 1 January; the
// schedule counts from the last review again once one closes.
func TestReviewScheduleFollowsTheCarriedYear(t *testing.T) {
	var now atomic.Value
	now.Store(time.Date(2026, 12, 10, 3, 0, 0, 0, time.UTC))
	env := apptest.New(t, apptest.WithClock(func() time.Time { return now.Load().(time.Time) }))
	// Sessions end as the clock moves on by months: each step signs in anew.
	type schedule struct {
		Due         string
		Overdue     bool
		CarriedFrom int `json:"carried_from"`
	}
	read := func() schedule {
		t.Helper()
		var sc schedule
		env.As("coordinator").Do("GET", "/api/v1/management-review-schedule", nil).MustStatus(200).Decode(&sc)
		return sc
	}
	if sc := read(); sc != (schedule{Due: "2026-12-31"}) {
		t.Fatalf("before any review or closed year: %+v", sc)
	}
	var yr yearOut
	env.As("coordinator").Do("POST", "/api/v1/qms-years", map[string]any{"year": 2026}).MustStatus(http.StatusCreated).Decode(&yr)
	if yr.ReviewDue != "2027-12-31" {
		t.Fatalf("the closed year carried %q", yr.ReviewDue)
	}
	// Still in 2026: the year's own review is due by its end.
	if sc := read(); sc != (schedule{Due: "2026-12-31"}) {
		t.Fatalf("in the closed year: %+v", sc)
	}
	now.Store(time.Date(2027, 3, 1, 3, 0, 0, 0, time.UTC))
	if sc := read(); sc != (schedule{Due: "2027-12-31", CarriedFrom: 2026}) {
		t.Fatalf("in the year carried into: %+v", sc)
	}
	now.Store(time.Date(2028, 2, 1, 3, 0, 0, 0, time.UTC))
	if sc := read(); sc != (schedule{Due: "2027-12-31", Overdue: true, CarriedFrom: 2026}) {
		t.Fatalf("a year later, without a review: %+v", sc)
	}
	co := env.As("coordinator")
	home := co.Do("GET", "/", nil).MustStatus(200)
	if !strings.Contains(string(home.Body), "31/12/2027") {
		t.Errorf("the coordinator's home page does not show the overdue review due 31/12/2027")
	}
	page := string(co.Do("GET", "/management-reviews", nil).MustStatus(200).Body)
	if !strings.Contains(page, "Hạn xem xét của lãnh đạo hằng năm: 31/12/2027") || !strings.Contains(page, "theo lịch chuyển từ năm HTQLCL 2026 khi khép năm") {
		t.Errorf("the reviews page does not show the carried schedule")
	}

	// A review held and closed on 01/02/2028: a year after it.
	var r struct{ ID string }
	co.Do("POST", "/api/v1/management-reviews", map[string]any{"title": "Xem xét của lãnh đạo năm 2028", "held_on": "2028-02-01", "period_from": "2027-01-01",
		"period_to": "2027-12-31", "chair": "Chủ tịch UBND huyện", "participants": "Lãnh đạo các phòng", "unit": "vp"}).MustStatus(http.StatusCreated).Decode(&r)
	for _, key := range []string{"resources", "improvement"} {
		co.Do("POST", "/api/v1/management-reviews/"+r.ID+"/sections/"+key, map[string]any{"body": "Nội dung " + key, "version": 0}).MustStatus(200)
	}
	env.As("chairman").Do("POST", "/api/v1/management-reviews/"+r.ID+"/close", nil).MustStatus(200)
	if sc := read(); sc != (schedule{Due: "2029-02-01"}) {
		t.Fatalf("after a review closed: %+v", sc)
	}
}
