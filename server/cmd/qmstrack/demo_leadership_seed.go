package main

import (
	"context"
	"fmt"
	"io"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/seed"
)

// seedDemoLeadership gives the leadership its year's frame: the QMS scope
// over every service and unit (the coordinator), the chairman's plan to
// improve the reform index with three tasks on its criteria, two entries
// of the register of risks and opportunities, and this year's management
// review in preparation, to be held in two weeks.
func seedDemoLeadership(ctx context.Context, a *app.App, out io.Writer) error {
	d := newDemo(a, out)
	coord, err := d.as(ctx, "coordinator")
	if err != nil {
		return err
	}
	chair, err := d.as(ctx, "chairman")
	if err != nil {
		return err
	}
	svcs, err := postgres.NewProcessStore(a.DB).Procedures(ctx, allUnits())
	if err != nil {
		return err
	}
	codes := make([]string, 0, len(svcs))
	for _, s := range svcs {
		codes = append(codes, s.Code)
	}
	units := make([]string, 0, len(seed.Units))
	for _, u := range seed.Units {
		units = append(units, u.Code)
	}
	year := d.today.Year
	if _, err := a.Scope.SaveScope(coord, leadership.ScopeIn{Version: 0, Services: codes, Units: units, Standard: "TCVN ISO 9001:2015",
		DecisionNumber: "125/QĐ-UBND", DecisionDate: d.day(-90), DecisionSigner: "Chủ tịch UBND", RecordUnit: "vp"}); err != nil {
		return fmt.Errorf("demo scope: %w", err)
	}

	plan, err := a.Leadership.CreatePlan(chair, leadership.NewPlan{Year: year, DecisionNumber: "45/KH-UBND",
		Title: fmt.Sprintf("Kế hoạch cải thiện Chỉ số cải cách hành chính năm %d", year),
		File:  pdfFile("ke-hoach-cai-thien-chi-so.pdf", fmt.Sprintf("Kế hoạch cải thiện Chỉ số CCHC năm %d", year), "Số 45/KH-UBND")})
	if err != nil {
		return fmt.Errorf("demo plan: %w", err)
	}
	for _, it := range []leadership.NewPlanItem{
		{Task: "Giải quyết hồ sơ đất đai trước và đúng hạn, không để hồ sơ quá hạn", Criterion: "P1", Unit: "tnmt", SupportUnits: []string{"motcua"},
			DueOn: d.day(60), ExpectedOutput: "Tỷ lệ hồ sơ đúng hạn từ 98% trở lên"},
		{Task: "Hướng dẫn công dân nộp hồ sơ trực tuyến toàn trình", Criterion: "O1", Unit: "motcua",
			DueOn: d.day(45), ExpectedOutput: "Tỷ lệ hồ sơ trực tuyến toàn trình đạt 50%"},
		{Task: "Công khai đầy đủ, kịp thời thủ tục hành chính trên cổng thông tin", Criterion: "T1", Unit: "vp", SupportUnits: []string{"vhtt"},
			DueOn: d.day(30), ExpectedOutput: "100% thủ tục được công khai đúng hạn"},
	} {
		if _, err := a.Leadership.AddPlanItem(chair, plan.ID, it); err != nil {
			return fmt.Errorf("demo plan task %q: %w", it.Task, err)
		}
	}

	for _, r := range []leadership.RiskInput{
		{Kind: leadership.KindRisk, Unit: "tnmt", ProcessKind: leadership.ProcessField, ProcessCode: "land",
			Title: "Hồ sơ đất đai liên thông trễ hạn khi chuyển qua nhiều phòng", Cause: "Không có người theo dõi hạn khi hồ sơ ở phòng khác",
			Consequence: "Trễ hạn, phải xin lỗi công dân, giảm điểm Chỉ số CCHC", Likelihood: 4, Impact: 4, ResidualLikelihood: 2, ResidualImpact: 3,
			Treatment: "reduce", TreatmentNote: "Sổ theo dõi hạn hồ sơ liên thông, rà soát hằng tuần", Owner: "head.tnmt", ReviewOn: d.day(30), Status: "open"},
		{Kind: leadership.KindOpportunity, Unit: "motcua", ProcessKind: leadership.ProcessField, ProcessCode: "civil_status",
			Title: "Tăng hồ sơ hộ tịch nộp trực tuyến nhờ hướng dẫn tại quầy", Consequence: "Giảm thời gian chờ, tăng điểm dịch vụ trực tuyến",
			Likelihood: 3, Impact: 3, ResidualLikelihood: 3, ResidualImpact: 3, Treatment: "pursue", Owner: "head.motcua", ReviewOn: d.day(-1), Status: "open"},
	} {
		if _, err := a.Risks.Create(coord, r); err != nil {
			return fmt.Errorf("demo risk %q: %w", r.Title, err)
		}
	}

	if _, err := a.Reviews.Create(coord, leadership.NewReview{HeldOn: d.day(14), From: qms.Date{Year: year, Month: 1, Day: 1}, To: d.day(14),
		Title: fmt.Sprintf("Xem xét của lãnh đạo năm %d", year), Chair: "Chủ tịch UBND",
		Participants: "Lãnh đạo UBND, trưởng các phòng, Thư ký ISO", Unit: "vp"}); err != nil {
		return fmt.Errorf("demo management review: %w", err)
	}
	fmt.Fprintln(out, "  the QMS scope, an improvement plan, 2 risks and opportunities, a management review in preparation")
	return nil
}
