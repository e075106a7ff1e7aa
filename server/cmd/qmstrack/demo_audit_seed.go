package main

import (
	"context"
	"fmt"
	"io"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/internalaudit"
)

// seedDemoAudit plans this year's internal audit of the land office and
// the one-stop desk (the coordinator), in its window from yesterday for a
// week, led by the internal auditor, who has added a question of their own
// and recorded three findings: a conformity, an observation, and a minor
// nonconformity, which raises its NC in the register.
func seedDemoAudit(ctx context.Context, a *app.App, out io.Writer) error {
	d := newDemo(a, out)
	coord, err := d.as(ctx, "coordinator")
	if err != nil {
		return err
	}
	au, err := a.Audits.Create(coord, internalaudit.Plan{Title: "Đánh giá nội bộ năm: Phòng Tài nguyên và Môi trường, Bộ phận Một cửa",
		Units: []string{"tnmt", "motcua"}, Processes: "Cấp giấy chứng nhận quyền sử dụng đất; tiếp nhận và trả kết quả",
		Clauses: []string{"7.5", "8.2", "8.5", "10.2"}, Start: d.day(-1).String(), End: d.day(6).String(), Lead: "auditor",
		Questions: internalaudit.Lines{"Hồ sơ trễ hạn có văn bản xin lỗi và hẹn lại ngày trả không?"}})
	if err != nil {
		return fmt.Errorf("demo audit: %w", err)
	}
	auditor, err := d.as(ctx, "auditor")
	if err != nil {
		return err
	}
	q, err := a.Audits.AddQuestion(auditor, au.ID, internalaudit.NewQuestion{Clause: "7.5",
		Question: "Sổ theo dõi hồ sơ liên thông có được cập nhật hằng tuần không?"})
	if err != nil {
		return fmt.Errorf("demo audit question: %w", err)
	}
	if au, err = a.Audits.Get(auditor, au.ID); err != nil {
		return err
	}
	if len(au.Items) < 2 {
		return fmt.Errorf("demo audit %s has %d checklist items", au.Number, len(au.Items))
	}
	for _, f := range []internalaudit.NewFinding{
		{ItemID: au.Items[0].ID, Unit: "motcua", Kind: internalaudit.KindConformity,
			Description: "Giấy tiếp nhận và hẹn trả kết quả ghi đủ thông tin, đúng mẫu.", Evidence: internalaudit.Lines{"Giấy tiếp nhận số 000125, 000126"}},
		{ItemID: q.ID, Unit: "tnmt", Kind: internalaudit.KindObservation,
			Description: "Sổ theo dõi hồ sơ liên thông có nhưng chưa ghi ngày chuyển trả."},
		{ItemID: au.Items[1].ID, Unit: "tnmt", Kind: internalaudit.KindNonconformity, Severity: "minor",
			Description: "Hai hồ sơ cấp giấy chứng nhận trễ hạn không có phiếu xin lỗi gửi công dân.",
			Evidence:    internalaudit.Lines{"Hồ sơ 2026-TNMT-0412", "Hồ sơ 2026-TNMT-0431"}},
	} {
		if _, err := a.Audits.AddFinding(auditor, au.ID, f); err != nil {
			return fmt.Errorf("demo finding %q: %w", f.Description, err)
		}
	}
	fmt.Fprintf(out, "  demo audit %s with 3 findings\n", au.Number)
	return nil
}
