package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/qms"
)

// seedDemoNCs adds a few nonconformities to the demo organisation, so the
// register, the NC page, the home-page tasks and the scorecard show
// something at once: a provincial inspection finding with an action for the
// land office, a citizen complaint at the one-stop desk still without a root
// cause, and an internal-audit observation.
func seedDemoNCs(ctx context.Context, a *app.App, out io.Writer) error {
	ncs := a.NCs
	coord, err := a.Identity.UserByLogin(ctx, "coordinator")
	if err != nil {
		return err
	}
	owner, err := a.Identity.UserByLogin(ctx, "staff.tnmt")
	if err != nil {
		return err
	}
	ctx = qms.WithActor(ctx, qms.Actor{UserID: coord.ID, Login: coord.Login, Name: coord.Name, Lang: "vi"})
	// Seeding twice must not add the demo NCs twice.
	if existing, err := ncs.List(ctx, nonconformity.Filter{Limit: 1}); err != nil || len(existing) > 0 {
		return err
	}
	today := a.Now().In(a.Cfg.Location)
	day := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)

	insp, err := ncs.Create(ctx, nonconformity.NewNC{Source: nonconformity.SourceExternalInspection, Severity: "major", Unit: "tnmt",
		Clauses: []string{"8.5.1", "7.5.3"}, Title: "Hồ sơ đất đai trả trễ hạn, không có văn bản xin lỗi",
		Description: "Đoàn kiểm tra của tỉnh phát hiện 3 hồ sơ cấp giấy chứng nhận trễ hạn trong quý, không có phiếu xin lỗi và hẹn lại ngày trả.",
		DetectedBy:  "Đoàn kiểm tra Sở Nội vụ", DetectedOn: day.AddDate(0, 0, -3)})
	if err != nil {
		return fmt.Errorf("demo NC: %w", err)
	}
	if _, err := ncs.RecordContainment(ctx, insp.ID, nonconformity.Containment{Text: "Đã gửi văn bản xin lỗi và hẹn lại ngày trả cho 3 công dân."}); err != nil {
		return err
	}
	if _, err := ncs.RecordCause(ctx, insp.ID, nonconformity.Cause{
		Whys:       []string{"Hồ sơ chuyển qua lại giữa hai phòng", "Không ai theo dõi hạn khi hồ sơ ở phòng khác", "Quy trình QT-07 không giao trách nhiệm theo dõi hạn"},
		Categories: []string{"method"}, Summary: "Quy trình liên thông thiếu bước theo dõi hạn xử lý."}); err != nil {
		return err
	}
	if _, _, err := ncs.AddAction(ctx, insp.ID, nonconformity.NewAction{Unit: "tnmt", Owner: owner.ID,
		Description: "Lập sổ theo dõi hạn hồ sơ liên thông, rà soát hằng tuần", Due: day.AddDate(0, 0, 14), VerifyAfter: day.AddDate(0, 1, 14)}); err != nil {
		return err
	}
	if _, err := ncs.Create(ctx, nonconformity.NewNC{Source: nonconformity.SourceComplaint, Severity: "minor", Unit: "motcua",
		Clauses: []string{"8.2.1"}, Title: "Công dân phản ánh không được hướng dẫn bổ sung hồ sơ một lần",
		DetectedBy: "Đường dây nóng", DetectedOn: day}); err != nil {
		return err
	}
	if _, err := ncs.Create(ctx, nonconformity.NewNC{Source: nonconformity.SourceInternalAudit, Severity: "observation", Unit: "vhtt",
		Clauses: []string{"7.5.3"}, Title: "Biểu mẫu lưu hồ sơ chưa ghi thời hạn lưu trữ", DetectedBy: "Chuyên gia đánh giá nội bộ"}); err != nil {
		return err
	}
	fmt.Fprintln(out, "  3 demo nonconformities")
	return nil
}
