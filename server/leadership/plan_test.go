package leadership_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

// An improvement plan's item runs through the directive cycle: the land
// office reports 50 % progress, then reports completion with evidence, the
// chairman accepts; the plan shows the progress by unit and by criterion,
// the overdue item counts against its unit, and a meeting adds an item.
func TestPlanItemProgressThenAccepted(t *testing.T) {
	f := setup(t)
	criteria := map[string]bool{"P1": true, "progress": true, "D2": true}
	f.l = f.service(leadership.Options{Criteria: func(c string) bool { return criteria[c] }})
	chair := f.as("chair")
	p, err := f.l.CreatePlan(chair, leadership.NewPlan{Year: 2026, DecisionNumber: "123/KH-UBND", Title: "Kế hoạch cải thiện Chỉ số CCHC năm 2026",
		File: file("ke-hoach-123.pdf")})
	if err != nil || p.ID == "" || p.File == nil || p.File.VersionID == "" || p.FileName != "ke-hoach-123.pdf" {
		t.Fatalf("plan %+v %v", p, err)
	}
	got0, rc, err := f.l.OpenPlanFile(f.as("landstaff"), p.ID)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.HasPrefix(body, []byte("%PDF-1.4")) || got0.File.SHA256 != p.File.SHA256 {
		t.Fatalf("the decision file read back: %q %+v", body, got0.File)
	}
	if _, err := f.l.CreatePlan(chair, leadership.NewPlan{Year: 2026, DecisionNumber: "123/KH-UBND", Title: "again"}); !errors.Is(err, qms.ErrConflict) {
		t.Fatalf("the same decision twice: %v", err)
	}
	if _, err := f.l.CreatePlan(f.as("landhead"), leadership.NewPlan{Year: 2026, DecisionNumber: "1", Title: "x"}); !errors.Is(err, qms.ErrForbidden) {
		t.Fatalf("a unit head issuing the plan: %v", err)
	}
	due := workday.Date{Year: 2026, Month: 12, Day: 15}
	item, err := f.l.AddPlanItem(chair, p.ID, leadership.NewPlanItem{Task: "Giải quyết hồ sơ đất đai đúng hạn", Criterion: "P1", Unit: "land",
		SupportUnits: []string{"home", "land", "home"}, DueOn: due, ExpectedOutput: "Tỷ lệ đúng hạn trên 95 %"})
	if err != nil || item.PlanID != p.ID || item.MeetingID != "" || item.State != "open" || strings.Join(item.SupportUnits, ",") != "home" {
		t.Fatalf("item %+v %v", item, err)
	}
	if _, err := f.l.AddPlanItem(chair, p.ID, leadership.NewPlanItem{Task: "x", Criterion: "Z9", Unit: "land", DueOn: due}); !errors.Is(err, qms.ErrInvalid) ||
		!strings.Contains(err.Error(), "criterion") {
		t.Fatalf("an unknown criterion: %v", err)
	}
	// A meeting adds an overdue item for justice.
	m, err := f.l.CreateMeeting(chair, leadership.NewMeeting{HeldOn: workday.Date{Year: 2026, Month: 11, Day: 20}, Title: "Họp kiểm tra tiến độ", Chair: "Chủ tịch"})
	if err != nil {
		t.Fatal(err)
	}
	late, err := f.l.AddPlanItem(chair, p.ID, leadership.NewPlanItem{Task: "Số hóa hồ sơ hộ tịch", Criterion: "D2", Unit: "justice",
		DueOn: workday.Date{Year: 2026, Month: 11, Day: 24}, MeetingID: m.ID})
	if err != nil || late.MeetingID != m.ID {
		t.Fatalf("item of the meeting %+v %v", late, err)
	}

	half := 50
	if _, err := f.l.ReportProgress(f.as("jstaff"), item.ID, leadership.ProgressIn{Percent: &half, Text: "x"}); !errors.Is(err, qms.ErrNotFound) {
		t.Fatalf("justice staff on a land item: %v", err)
	}
	over := 120
	if _, err := f.l.ReportProgress(f.as("landhead"), item.ID, leadership.ProgressIn{Percent: &over, Text: "x"}); !errors.Is(err, qms.ErrInvalid) ||
		!strings.Contains(err.Error(), "from 0 to 100") {
		t.Fatalf("120 %%: %v", err)
	}
	d, err := f.l.ReportProgress(f.as("landhead"), item.ID, leadership.ProgressIn{Percent: &half, Text: "Đã rà soát một nửa số hồ sơ"})
	if err != nil || d.Progress != 50 || len(d.ProgressLog) != 1 || d.ProgressLog[0].Reporter != "landhead" || d.State != "open" {
		t.Fatalf("after 50 %%: %+v %v", d, err)
	}
	got, err := f.l.Plan(chair, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if u := progressOf(t, got.ByUnit, "land"); u.Progress != 50 || u.Accepted != 0 {
		t.Fatalf("land at 50 %%: %+v", u)
	}
	if j := progressOf(t, got.ByUnit, "justice"); j.Overdue != 1 {
		t.Fatalf("the overdue justice item: %+v", j)
	}
	// Completed: the directive's own report with evidence, then accepted.
	if _, err := f.l.ReportDirective(f.as("landhead"), item.ID, leadership.ReportIn{Text: "Hoàn thành", Files: file("bao-cao.pdf")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.l.ReportProgress(f.as("landhead"), item.ID, leadership.ProgressIn{Percent: &half, Text: "again"}); !errors.Is(err, qms.ErrState) {
		t.Fatalf("progress on a reported item: %v", err)
	}
	if d, err = f.l.DecideDirective(chair, item.ID, true, leadership.DecideIn{}); err != nil || d.State != "accepted" || d.Progress != 100 {
		t.Fatalf("accepted: %+v %v", d, err)
	}
	got, _ = f.l.Plan(chair, p.ID)
	if u := progressOf(t, got.ByUnit, "land"); u.Progress != 100 || u.Accepted != 1 || u.Items != 1 {
		t.Fatalf("land after acceptance: %+v", u)
	}
	if c := progressOf(t, got.ByCriterion, "P1"); c.Accepted != 1 || c.Progress != 100 {
		t.Fatalf("criterion P1: %+v", c)
	}
	// The plan's items are directives: the overdue one counts against justice.
	counts, err := f.l.CountByUnit(chair)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range counts {
		found = found || (c.Unit == "justice" && c.Overdue == 1)
	}
	if !found {
		t.Fatalf("units not complying: %+v", counts)
	}
	// The land head sees the land item only.
	mine, err := f.l.Plan(f.as("landhead"), p.ID)
	if err != nil || len(mine.Items) != 1 || mine.Items[0].ID != item.ID {
		t.Fatalf("the land head's plan: %+v %v", mine.Items, err)
	}
	var n int
	if err := f.db.Get(&n, `SELECT count(*) FROM trail WHERE action IN ('plan.create', 'plan.item', 'plan.progress')`); err != nil || n != 4 {
		t.Fatalf("trail entries of the plan: %d %v, want 4", n, err)
	}
}

func progressOf(t *testing.T, list []leadership.PlanProgress, key string) leadership.PlanProgress {
	t.Helper()
	for _, p := range list {
		if p.Key == key {
			return p
		}
	}
	t.Fatalf("no %q in %+v", key, list)
	return leadership.PlanProgress{}
}
