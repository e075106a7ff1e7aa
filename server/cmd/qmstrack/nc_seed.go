package main

import (
	"context"
	"fmt"
	"io"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/nonconformity"
)

// seedDemoNCs fills the NC register with nonconformities in every state,
// across the units, so the register, the NC pages, the home-page tasks
// and the scorecard show real work at once:
//   - reported: a citizen complaint at the one-stop desk and an
//     internal-audit observation, still without a root cause;
//   - cause analysed: a self-report of the Home Affairs office;
//   - actions open: the provincial inspection's finding at the land office;
//   - actions overdue: planned three weeks ago, due last week (the desk's
//     and the office's), in progress or not started;
//   - awaiting sign-off: an action reported done with its evidence;
//   - awaiting verification: an action signed off by its unit's head;
//   - closed effective: an action verified effective;
//   - cancelled: a duplicate report.
//
// The coordinator manages every NC; each action's owner, the unit's head
// and the coordinator carry it out, sign it off and verify it.
func seedDemoNCs(ctx context.Context, a *app.App, out io.Writer) error {
	d := newDemo(a, out)
	coord, err := d.as(ctx, "coordinator")
	if err != nil {
		return err
	}
	ncs := a.NCs
	// Seeding twice must not add the demo NCs twice.
	if existing, err := ncs.List(coord, nonconformity.Filter{Limit: 1}); err != nil || len(existing) > 0 {
		return err
	}
	n := 0
	create := func(ctx context.Context, d *demo, in nonconformity.NewNC) (nonconformity.NC, error) {
		nc, err := d.a.NCs.Create(ctx, in)
		if err != nil {
			return nc, fmt.Errorf("demo NC %q: %w", in.Title, err)
		}
		n++
		return nc, nil
	}

	// Actions open: the provincial inspection at the land office.
	insp, err := create(coord, d, nonconformity.NewNC{Source: nonconformity.SourceExternalInspection, Severity: "major", Unit: "tnmt",
		Clauses: []string{"8.5.1", "7.5.3"}, Title: "Hồ sơ đất đai trả trễ hạn, không có văn bản xin lỗi",
		Description: "Đoàn kiểm tra của tỉnh phát hiện 3 hồ sơ cấp giấy chứng nhận trễ hạn trong quý, không có phiếu xin lỗi và hẹn lại ngày trả.",
		DetectedBy:  "Đoàn kiểm tra Sở Nội vụ", DetectedOn: d.dayTime(-3)})
	if err != nil {
		return err
	}
	if _, err := ncs.RecordContainment(coord, insp.ID, nonconformity.Containment{Text: "Đã gửi văn bản xin lỗi và hẹn lại ngày trả cho 3 công dân."}); err != nil {
		return err
	}
	if err := d.cause(coord, insp.ID, "Quy trình liên thông thiếu bước theo dõi hạn xử lý.",
		"Hồ sơ chuyển qua lại giữa hai phòng", "Không ai theo dõi hạn khi hồ sơ ở phòng khác", "Quy trình QT.ISO.07 không giao trách nhiệm theo dõi hạn"); err != nil {
		return err
	}
	if _, err := d.action(coord, insp.ID, "tnmt", "staff.tnmt", "Lập sổ theo dõi hạn hồ sơ liên thông, rà soát hằng tuần", 14, 45); err != nil {
		return err
	}

	// Reported, no root cause yet.
	if _, err := create(coord, d, nonconformity.NewNC{Source: nonconformity.SourceComplaint, Severity: "minor", Unit: "motcua",
		Clauses: []string{"8.2.1"}, Title: "Công dân phản ánh không được hướng dẫn bổ sung hồ sơ một lần",
		DetectedBy: "Đường dây nóng", DetectedOn: d.dayTime(0)}); err != nil {
		return err
	}
	if _, err := create(coord, d, nonconformity.NewNC{Source: nonconformity.SourceInternalAudit, Severity: "observation", Unit: "vhtt",
		Clauses: []string{"7.5.3"}, Title: "Biểu mẫu lưu hồ sơ chưa ghi thời hạn lưu trữ", DetectedBy: "Chuyên gia đánh giá nội bộ"}); err != nil {
		return err
	}

	// Cause analysed, actions still to plan.
	an, err := create(coord, d, nonconformity.NewNC{Source: nonconformity.SourceSelfReport, Severity: "minor", Unit: "noivu",
		Clauses: []string{"7.2"}, Title: "Cán bộ mới chưa được đào tạo về hệ thống quản lý chất lượng", DetectedOn: d.dayTime(-2)})
	if err != nil {
		return err
	}
	if err := d.cause(coord, an.ID, "Kế hoạch đào tạo năm chưa có nội dung ISO cho cán bộ mới.",
		"Cán bộ mới nhận việc giữa năm", "Kế hoạch đào tạo chỉ lập đầu năm"); err != nil {
		return err
	}

	// Awaiting sign-off: reported done with its evidence.
	done, err := create(coord, d, nonconformity.NewNC{Source: nonconformity.SourceSelfReport, Severity: "minor", Unit: "tnmt",
		Clauses: []string{"7.5.3"}, Title: "Hồ sơ địa chính lưu không đúng thời hạn quy định", DetectedOn: d.dayTime(-10)})
	if err != nil {
		return err
	}
	if err := d.cause(coord, done.ID, "Chưa phân công người quản lý kho lưu trữ.", "Kho lưu trữ không có người phụ trách"); err != nil {
		return err
	}
	doneAct, err := d.action(coord, done.ID, "tnmt", "staff.tnmt", "Phân công công chức quản lý kho lưu trữ, lập danh mục hồ sơ", 7, 30)
	if err != nil {
		return err
	}
	if err := d.actionDone(ctx, "staff.tnmt", doneAct, "Đã có quyết định phân công và danh mục hồ sơ lưu trữ."); err != nil {
		return err
	}

	// Awaiting verification: signed off by the head of the unit.
	ver, err := create(coord, d, nonconformity.NewNC{Source: nonconformity.SourceComplaint, Severity: "minor", Unit: "vhtt",
		Clauses: []string{"8.2.1"}, Title: "Thông tin thủ tục lễ hội niêm yết chưa cập nhật mức phí mới", DetectedBy: "Hòm thư góp ý", DetectedOn: d.dayTime(-12)})
	if err != nil {
		return err
	}
	if err := d.cause(coord, ver.ID, "Không có bước rà soát bảng niêm yết khi văn bản pháp luật thay đổi.", "Mức phí thay đổi theo nghị quyết mới", "Không ai được giao rà soát bảng niêm yết"); err != nil {
		return err
	}
	verAct, err := d.action(coord, ver.ID, "vhtt", "staff.vhtt", "Cập nhật bảng niêm yết, giao rà soát hằng quý", 0, 0)
	if err != nil {
		return err
	}
	if err := d.actionDone(ctx, "staff.vhtt", verAct, "Đã thay bảng niêm yết mới, ảnh chụp kèm theo."); err != nil {
		return err
	}
	head, err := d.as(ctx, "head.vhtt")
	if err != nil {
		return err
	}
	if _, err := ncs.SignOff(head, verAct, d.password()); err != nil {
		return fmt.Errorf("demo sign-off: %w", err)
	}

	// Closed effective.
	closed, err := create(coord, d, nonconformity.NewNC{Source: nonconformity.SourceInternalAudit, Severity: "minor", Unit: "noivu",
		Clauses: []string{"7.5.2"}, Title: "Quyết định ban hành tài liệu thiếu chữ ký phê duyệt", DetectedBy: "Chuyên gia đánh giá nội bộ", DetectedOn: d.dayTime(-20)})
	if err != nil {
		return err
	}
	if err := d.cause(coord, closed.ID, "Tài liệu được phát hành trước khi ký.", "Ký giấy sau khi đã gửi bản điện tử"); err != nil {
		return err
	}
	closedAct, err := d.action(coord, closed.ID, "noivu", "staff.noivu", "Chỉ phát hành tài liệu qua hệ thống sau khi phê duyệt điện tử", 0, 0)
	if err != nil {
		return err
	}
	if err := d.actionDone(ctx, "staff.noivu", closedAct, "Đã phát hành lại các tài liệu qua hệ thống."); err != nil {
		return err
	}
	headNV, err := d.as(ctx, "head.noivu")
	if err != nil {
		return err
	}
	if _, err := ncs.SignOff(headNV, closedAct, d.password()); err != nil {
		return fmt.Errorf("demo sign-off: %w", err)
	}
	if _, err := ncs.Verify(coord, closedAct, nonconformity.Verification{Effective: true, Password: d.password(),
		Comment: "Kiểm tra 10 tài liệu ban hành sau đó, tất cả đã được phê duyệt điện tử."}); err != nil {
		return fmt.Errorf("demo verification: %w", err)
	}

	// Cancelled: the same complaint reported twice.
	dup, err := create(coord, d, nonconformity.NewNC{Source: nonconformity.SourceComplaint, Severity: "minor", Unit: "motcua",
		Title: "Phản ánh trùng: không được hướng dẫn bổ sung hồ sơ", DetectedBy: "Đường dây nóng"})
	if err != nil {
		return err
	}
	if _, err := ncs.Cancel(coord, dup.ID, "Trùng với phản ánh đã ghi nhận cùng ngày."); err != nil {
		return fmt.Errorf("demo cancel: %w", err)
	}

	// Overdue: planned three weeks ago, due a week ago.
	p, err := d.past(21)
	if err != nil {
		return err
	}
	pcoord, err := p.as(ctx, "coordinator")
	if err != nil {
		return err
	}
	for _, o := range []struct{ unit, owner, title, cause, action string }{
		{"motcua", "staff.motcua", "Giấy tiếp nhận hồ sơ ghi sai ngày hẹn trả", "Ngày hẹn tính tay, không trừ ngày nghỉ lễ", "Dùng ngày hẹn do hệ thống tính, kiểm tra lại trước khi in"},
		{"vp", "staff.vp", "Biên bản họp giao ban không được lưu trong 5 ngày", "Không quy định thời hạn lưu biên bản", "Lưu biên bản họp vào hệ thống trong 2 ngày làm việc"},
	} {
		nc, err := create(pcoord, p, nonconformity.NewNC{Source: nonconformity.SourceSelfReport, Severity: "minor", Unit: o.unit,
			Clauses: []string{"7.5.3"}, Title: o.title})
		if err != nil {
			return err
		}
		if err := p.cause(pcoord, nc.ID, o.cause, o.cause); err != nil {
			return err
		}
		act, err := p.action(pcoord, nc.ID, o.unit, o.owner, o.action, 14, 30)
		if err != nil {
			return err
		}
		if o.unit == "vp" {
			owner, err := p.as(ctx, o.owner)
			if err != nil {
				return err
			}
			if _, err := p.a.NCs.Start(owner, act); err != nil {
				return fmt.Errorf("demo start: %w", err)
			}
		}
	}
	// The overdue scan flags them and tells the owners and heads, as the
	// scheduled job would.
	if _, err := ncs.RunOverdue(ctx); err != nil {
		return fmt.Errorf("demo overdue scan: %w", err)
	}
	fmt.Fprintf(out, "  %d demo nonconformities\n", n)
	return nil
}

// cause records the root cause of an NC (its whys; the summary first).
func (d *demo) cause(ctx context.Context, ncID, summary string, whys ...string) error {
	if _, err := d.a.NCs.RecordCause(ctx, ncID, nonconformity.Cause{Whys: whys, Categories: []string{"method"}, Summary: summary}); err != nil {
		return fmt.Errorf("demo cause: %w", err)
	}
	return nil
}

// action plans a corrective action of unit owned by owner (a login), due
// in dueIn days and verifiable verifyIn days from the demo's today.
func (d *demo) action(ctx context.Context, ncID, unit, owner, what string, dueIn, verifyIn int) (string, error) {
	id, err := d.userID(ctx, owner)
	if err != nil {
		return "", err
	}
	_, act, err := d.a.NCs.AddAction(ctx, ncID, nonconformity.NewAction{Unit: unit, Owner: id, Description: what,
		Due: d.dayTime(dueIn), VerifyAfter: d.dayTime(verifyIn)})
	if err != nil {
		return "", fmt.Errorf("demo action %q: %w", what, err)
	}
	return act.ID, nil
}

// actionDone has the owner start the action and report it done with a
// PDF of evidence.
func (d *demo) actionDone(ctx context.Context, owner, actionID, report string) error {
	octx, err := d.as(ctx, owner)
	if err != nil {
		return err
	}
	if _, err := d.a.NCs.Start(octx, actionID); err != nil {
		return fmt.Errorf("demo start: %w", err)
	}
	if _, err := d.a.NCs.Done(octx, actionID, report, pdfFile("bang-chung.pdf", "Bằng chứng thực hiện hành động khắc phục", report)); err != nil {
		return fmt.Errorf("demo done: %w", err)
	}
	return nil
}
