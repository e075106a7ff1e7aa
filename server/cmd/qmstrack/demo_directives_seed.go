package main

import (
	"context"
	"fmt"
	"io"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/workday"
)

// seedDemoDirectives records the chairman's progress meeting of last week,
// with its minutes, and its directives to five units in every state: the
// land office's still open, the culture office's reported and waiting for
// the chairman, Home Affairs' returned for more, the desk's accepted, and
// the office's overdue. The overdue scan then tells the units, as its job
// would.
func seedDemoDirectives(ctx context.Context, a *app.App, out io.Writer) error {
	d := newDemo(a, out)
	chair, err := d.as(ctx, "chairman")
	if err != nil {
		return err
	}
	l := a.Leadership
	held := d.day(-7)
	m, err := l.CreateMeeting(chair, leadership.NewMeeting{HeldOn: workday.Date(held),
		Title: "Họp giao ban tiến độ cải thiện Chỉ số CCHC", Chair: "Chủ tịch UBND",
		Participants: "Trưởng các phòng chuyên môn, Bộ phận Một cửa, Thư ký ISO", Unit: "vp",
		Minutes: pdfFile("bien-ban-giao-ban.pdf", "Biên bản họp giao ban tiến độ cải thiện Chỉ số CCHC", "Ngày họp: "+held.Display(),
			"Chủ trì: Chủ tịch UBND", "Kết luận: giao các phòng rà soát hồ sơ trễ hạn và báo cáo kết quả.")})
	if err != nil {
		return fmt.Errorf("demo meeting: %w", err)
	}
	type step int
	const (
		open step = iota
		reported
		returned
		accepted
	)
	for _, x := range []struct {
		unit, title, report string
		due                 int
		to                  step
	}{
		{"tnmt", "Rà soát toàn bộ hồ sơ đất đai trễ hạn trong quý, gửi văn bản xin lỗi", "", 14, open},
		{"vhtt", "Cập nhật bảng niêm yết thủ tục hành chính theo mức phí mới", "Đã cập nhật bảng niêm yết tại Bộ phận Một cửa và trên cổng thông tin.", 10, reported},
		{"noivu", "Xây dựng kế hoạch đào tạo ISO cho cán bộ mới", "Đã có dự thảo kế hoạch đào tạo.", 7, returned},
		{"motcua", "Hướng dẫn công dân nộp hồ sơ trực tuyến toàn trình tại quầy", "Đã bố trí một công chức hướng dẫn nộp trực tuyến tại quầy từ thứ Hai.", 5, accepted},
		{"vp", "Báo cáo tình hình lưu biên bản họp vào hệ thống", "", -2, open},
	} {
		dir, err := l.AddDirective(chair, m.ID, leadership.NewDirective{Unit: x.unit, Title: x.title, DueOn: workday.Date(d.day(x.due)),
			ReportRequired: "Báo cáo kết quả kèm văn bản chứng minh"})
		if err != nil {
			return fmt.Errorf("demo directive %q: %w", x.title, err)
		}
		if x.to == open {
			continue
		}
		head, err := d.as(ctx, "head."+x.unit)
		if err != nil {
			return err
		}
		if _, err := l.ReportDirective(head, dir.ID, leadership.ReportIn{Text: x.report,
			Files: pdfFile("bao-cao.pdf", "Báo cáo thực hiện chỉ đạo", x.title, x.report)}); err != nil {
			return fmt.Errorf("demo report on %q: %w", x.title, err)
		}
		switch x.to {
		case returned:
			if _, err := l.DecideDirective(chair, dir.ID, false, leadership.DecideIn{Comment: "Kế hoạch cần nêu rõ thời gian và người phụ trách từng lớp."}); err != nil {
				return fmt.Errorf("demo return of %q: %w", x.title, err)
			}
		case accepted:
			if _, err := l.DecideDirective(chair, dir.ID, true, leadership.DecideIn{Comment: "Đồng ý, tiếp tục duy trì."}); err != nil {
				return fmt.Errorf("demo acceptance of %q: %w", x.title, err)
			}
		}
	}
	if _, err := l.EscalateOverdue(ctx); err != nil {
		return fmt.Errorf("demo directive escalation: %w", err)
	}
	fmt.Fprintln(out, "  a demo meeting with 5 directives")
	return nil
}
