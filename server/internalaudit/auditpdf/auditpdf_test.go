package auditpdf_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/internalaudit/auditpdf"
)

// TestVietnameseSurvivesInPDF renders a report and extracts its text again
// with pdftotext: every Vietnamese letter must come back as written.
func TestVietnameseSurvivesInPDF(t *testing.T) {
	// 20:00 UTC on the 26th is already the 27th in the office.
	now := time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC)
	r, err := auditpdf.New(auditpdf.Options{Now: func() time.Time { return now }, Location: time.FixedZone("ICT", 7*3600),
		UnitName: func(code, lang string) string { return "Phòng Tài nguyên và Môi trường" }})
	if err != nil {
		t.Fatal(err)
	}
	a := internalaudit.Audit{Number: "IA-2026-01", Title: "Đánh giá nội bộ lần 1 năm 2026", Units: []string{"land"},
		Start: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC),
		Team:  []internalaudit.Member{{Name: "Nguyễn Thị Hường", Lead: true}, {Name: "Trần Văn Đức"}},
		Items: []internalaudit.Item{{ID: "i1", Clause: "7.5.3", Question: "Tài liệu lỗi thời có bị ngăn sử dụng không?"}},
		Findings: []internalaudit.Finding{
			{ItemID: "i1", Clause: "7.5.3", Unit: "land", Kind: "nonconformity", Severity: "minor",
				Description: "Hồ sơ cấp giấy chứng nhận quyền sử dụng đất lưu trữ chưa đúng quy định; thiếu phiếu kiểm soát.",
				Evidence:    []string{"Hồ sơ số 000.00.12.H12-261126-0001"}, NCNumber: "NC-2026-0007"},
			{ItemID: "i1", Clause: "7.5.3", Unit: "land", Kind: "ofi", Description: "Nên số hóa sổ theo dõi ủy quyền."},
		}}
	for _, lang := range []string{"vi", "en"} {
		var buf bytes.Buffer
		if err := r.RenderReport(context.Background(), &buf, a, lang); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-")) {
			t.Fatalf("not a PDF: %q", buf.Bytes()[:16])
		}
		testenv.Tool(t, "pdftotext")
		p := filepath.Join(t.TempDir(), "r.pdf")
		if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("pdftotext", "-enc", "UTF-8", p, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(strings.Fields(string(out)), " ")
		want := []string{"IA-2026-01", "Nguyễn Thị Hường", "Phòng Tài nguyên và Môi trường", "thiếu phiếu kiểm soát", "NC-2026-0007", "ủy quyền", "27/11/2026"}
		if lang == "vi" {
			want = append(want, "BÁO CÁO ĐÁNH GIÁ NỘI BỘ", "Không phù hợp (nhẹ)", "Cơ hội cải tiến")
		} else {
			want = append(want, "INTERNAL AUDIT REPORT", "Nonconformity (minor)", "Opportunity for improvement")
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: %q missing from the extracted text:\n%s", lang, w, text)
			}
		}
	}
}
