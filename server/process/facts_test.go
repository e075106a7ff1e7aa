package process_test

import (
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/process"
)

// The import's fact columns: Vietnamese headers and spellings are read,
// an empty cell is "not recorded", a bad value rejects its row with the
// reason, a later file with a new fact updates the dossier and keeps the
// facts it does not name, and the same file again changes nothing.
func TestImportFacts(t *testing.T) {
	f := setup(t)
	ctx := f.as("coord")
	csv := "Số hồ sơ;Mã thủ tục;Hình thức;Ngày tiếp nhận;Ngày trả kết quả;Kết quả;Số hóa;Mức độ hài lòng;Phản ánh;Phản ánh đúng hạn;Kết quả điện tử\n" +
		"F-1;DD-01;trực tiếp;02/11/2026 09:00;10/11/2026 10:00;granted;có;Rất hài lòng;có;không;1\n" +
		"F-2;DD-01;trực tiếp;02/11/2026 09:00;;;;;;;\n" +
		"F-3;DD-01;trực tiếp;02/11/2026 09:00;;;maybe;;;;\n" +
		"F-4;DD-01;trực tiếp;02/11/2026 09:00;;;;tuyệt vời;;;\n" +
		"F-5;DD-01;trực tiếp;02/11/2026 09:00;;;;;;có;\n"
	rep, err := f.p.Import(ctx, strings.NewReader(csv), process.ImportOptions{})
	if err != nil || rep.Inserted != 2 || rep.Rejected != 3 {
		t.Fatalf("import %+v %v", rep, err)
	}
	want := map[string]string{"F-3": `digitised: "maybe" is not yes or no`, "F-4": "satisfaction: \"tuyệt vời\" is not very_satisfied",
		"F-5": "complaint_on_time without a complaint"}
	for _, r := range rep.Rejections {
		if !strings.Contains(r.Reason, want[r.Number]) || want[r.Number] == "" {
			t.Errorf("row %s rejected for %q, want %q", r.Number, r.Reason, want[r.Number])
		}
	}
	d, err := f.p.GetDossier(ctx, "F-1")
	if err != nil {
		t.Fatal(err)
	}
	if d.Digitised == nil || !*d.Digitised || d.Satisfaction == nil || *d.Satisfaction != "very_satisfied" || d.Complaint == nil || !*d.Complaint ||
		d.ComplaintOnTime == nil || *d.ComplaintOnTime || d.ResultElectronic == nil || !*d.ResultElectronic || d.DataReused != nil {
		t.Fatalf("F-1 facts %+v", d.Facts)
	}
	d, _ = f.p.GetDossier(ctx, "F-2")
	if d.Digitised != nil || d.Satisfaction != nil || d.Complaint != nil {
		t.Fatalf("F-2 has no facts recorded: %+v", d.Facts)
	}
	// A later file records F-2's data reuse only: F-1 keeps its facts.
	later := "number,service,channel,received_at,data_reused\n" +
		"F-1,DD-01,in_person,02/11/2026 09:00,\n" +
		"F-2,DD-01,in_person,02/11/2026 09:00,không\n"
	rep, err = f.p.Import(ctx, strings.NewReader(later), process.ImportOptions{})
	if err != nil || rep.Updated != 2 || rep.Rejected != 0 {
		t.Fatalf("later import %+v %v", rep, err)
	}
	d, _ = f.p.GetDossier(ctx, "F-2")
	if d.DataReused == nil || *d.DataReused {
		t.Fatalf("F-2 data reused: %+v", d.Facts)
	}
	if d, _ = f.p.GetDossier(ctx, "F-1"); d.Digitised == nil || !*d.Digitised || d.Satisfaction == nil {
		t.Fatalf("F-1 lost the facts the later file left empty: %+v", d.Facts)
	}
	rep, err = f.p.Import(ctx, strings.NewReader("number,service,channel,received_at,data_reused\nF-2,DD-01,in_person,02/11/2026 09:00,không\n"), process.ImportOptions{})
	if err != nil || rep.Unchanged != 1 || rep.Updated != 0 {
		t.Fatalf("the same fact again: %+v %v", rep, err)
	}
}
