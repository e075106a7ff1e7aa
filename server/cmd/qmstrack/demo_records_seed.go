package main

import (
	"context"
	"fmt"
	"io"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/record"
)

// seedDemoRecords files records of several types, each with its PDF, by
// the people who keep them, under their types' retention: the land
// office's and the desk's registers (filled forms, 5 years), the Home
// Affairs office's training evidence (5 years), and a register of six
// years ago whose retention has ended, so the coordinator has a
// disposition to decide. The meeting's minutes are filed by the meeting.
func seedDemoRecords(ctx context.Context, a *app.App, out io.Writer) error {
	d := newDemo(a, out)
	for _, r := range []struct {
		by, typ, unit, title string
		date                 int // days from today
		clauses              []string
	}{
		{"staff.tnmt", "filled-form", "tnmt", "Sổ theo dõi hồ sơ liên thông tháng trước", -3, []string{"8.5"}},
		{"staff.motcua", "filled-form", "motcua", "Sổ tiếp nhận và trả kết quả hồ sơ tuần trước", -2, []string{"8.2"}},
		{"head.noivu", "training-evidence", "noivu", "Danh sách cán bộ dự lớp tập huấn TCVN ISO 9001:2015", -30, []string{"7.2"}},
		{"staff.vhtt", "filled-form", "vhtt", "Phiếu khảo sát mức độ hài lòng của công dân quý trước", -40, []string{"9.1"}},
		{"coordinator", "filled-form", "vp", "Sổ theo dõi công văn đến năm cũ", -6 * 366, []string{"7.5"}},
	} {
		ctx, err := d.as(ctx, r.by)
		if err != nil {
			return err
		}
		date := d.day(r.date)
		if _, err := a.Records.Create(ctx, record.NewRecord{Type: r.typ, Unit: r.unit, Title: r.title, Date: date.String(), Clauses: r.clauses,
			File: pdfFile("ho-so.pdf", r.title, "Ngày: "+date.Display())}); err != nil {
			return fmt.Errorf("demo record %q: %w", r.title, err)
		}
	}
	fmt.Fprintln(out, "  5 demo records")
	return nil
}
