package copypdf_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"

	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/document/copypdf"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/internalaudit/auditpdf"
	"github.com/qmstrack/qmstrack/server/qms"
)

func text(t *testing.T, pdf []byte) string {
	t.Helper()
	bin := testenv.Tool(t, "pdftotext")
	cmd := exec.Command(bin, "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return regexp.MustCompile(`[ \t]+`).ReplaceAllString(string(out), " ")
}

// TestPrintControlledCopy: the QR code encodes the check page's address
// (the generator's input), every page carries the header with its page
// number out of the total, a long revision table runs onto the next page,
// every reviewer signs in the block, and the English labels are used in
// English.
func TestPrintControlledCopy(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	var encoded []string
	p, err := copypdf.New(copypdf.Options{Location: loc,
		UnitName: func(code, lang string) string {
			return map[string]string{"tnmt": "Phòng Tài nguyên và Môi trường"}[code]
		},
		Office: func(string) string { return "UBND huyện Châu Thành" },
		QR: func(url string) ([]byte, error) {
			encoded = append(encoded, url)
			return qrcode.Encode(url, qrcode.Medium, 128)
		}})
	if err != nil {
		t.Fatal(err)
	}
	eff := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC) // 02/03/2026 in Hà Nội
	var hist []document.HistoryLine
	for i := 1; i <= 40; i++ {
		hist = append(hist, document.HistoryLine{Issue: i, EffectiveAt: eff.AddDate(0, i-40, 0), Change: fmt.Sprintf("Sửa đổi số %d theo văn bản mới", i)})
	}
	at := func(d int) time.Time { return eff.AddDate(0, 0, -d) }
	c := document.Printout{
		Doc: document.Document{Code: "QT-07", Title: "Quy trình cấp giấy chứng nhận quyền sử dụng đất", Unit: "tnmt"},
		Rev: document.Revision{ID: "r40", Issue: 40, Status: document.StatusEffective, EffectiveAt: &eff,
			Files: []document.File{{Kind: document.KindMain, Name: "qt-07.pdf", StoredObject: qms.StoredObject{SHA256: "ab12"}}}},
		History:  hist,
		Copy:     &document.Copy{No: 3, Unit: "tnmt", Holder: "Bộ phận Một cửa", IssuedByName: "Thư ký ISO", IssuedAt: eff},
		CheckURL: "https://qms.example.vn/public/check/r40",
		Drafted:  qms.Signature{Name: "Nguyễn Soạn", Role: "author", SignedAt: at(9)},
		Reviewed: []qms.Signature{{Name: "Trần Xét Một", Role: "head", SignedAt: at(5)}, {Name: "Lê Xét Hai", Role: "coordinator", SignedAt: at(4)}},
		Approved: &qms.Signature{Name: "Phạm Duyệt", Role: "head", SignedAt: at(2)},
		At:       eff,
	}
	var buf bytes.Buffer
	if err := p.Print(&buf, c, "vi"); err != nil {
		t.Fatal(err)
	}
	if len(encoded) != 1 || encoded[0] != "https://qms.example.vn/public/check/r40" {
		t.Fatalf("the QR code encodes %q", encoded)
	}
	txt := text(t, buf.Bytes())
	for _, want := range []string{"Mã hiệu: QT-07", "Lần ban hành: 40", "Ngày ban hành: 02/03/2026", "Trang: 1/2", "Trang: 2/2",
		"BẢN KIỂM SOÁT SỐ 03", "Bộ phận Một cửa", "PHÒNG TÀI NGUYÊN VÀ",
		"Soạn thảo Nguyễn Soạn Người soạn thảo 21/02/2026", "Soát xét Trần Xét Một Trưởng đơn vị 25/02/2026",
		"Soát xét Lê Xét Hai Thư ký ISO 26/02/2026", "Phê duyệt Phạm Duyệt Trưởng đơn vị 28/02/2026",
		"Sửa đổi tài liệu", "Sửa đổi số 1 theo văn bản mới", "Sửa đổi số 40 theo văn bản mới", "https://qms.example.vn/public/check/r40"} {
		if !strings.Contains(txt, want) {
			t.Errorf("lacks %q:\n%s", want, txt)
		}
	}
	if strings.Count(txt, "Mã hiệu: QT-07") != 2 {
		t.Errorf("the header is not on every page:\n%s", txt)
	}

	buf.Reset()
	c.Copy = nil
	if err := p.Print(&buf, c, "en"); err != nil {
		t.Fatal(err)
	}
	txt = text(t, buf.Bytes())
	for _, want := range []string{"Code: QT-07", "Issue: 40", "Page: 1/2", "UNCONTROLLED COPY", "Drafted", "Reviewed", "Approved", "Document changes"} {
		if !strings.Contains(txt, want) {
			t.Errorf("English copy lacks %q:\n%s", want, txt)
		}
	}
	if strings.Contains(txt, "CONTROLLED COPY NO.") {
		t.Error("an uncontrolled copy is numbered")
	}
}

// filePDF is a procedure's own file: a portrait A4 page whose first line
// sits 10 mm from the top, and a landscape one.
func filePDF(t *testing.T) []byte {
	t.Helper()
	regular, bold := auditpdf.Fonts()
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes("dejavu", "", regular)
	f.AddUTF8FontFromBytes("dejavu", "B", bold)
	f.SetAutoPageBreak(false, 0)
	f.AddPage()
	f.SetFont("dejavu", "B", 14)
	f.SetXY(20, 10)
	f.CellFormat(0, 8, "ĐIỀU 1. PHẠM VI ÁP DỤNG", "", 1, "L", false, 0, "")
	f.SetFont("dejavu", "", 11)
	f.SetXY(20, 280)
	f.CellFormat(0, 6, "Bước 5: trả kết quả cho công dân", "", 1, "L", false, 0, "")
	f.AddPageFormat("L", fpdf.SizeType{Wd: 210, Ht: 297})
	f.SetXY(20, 30)
	f.CellFormat(0, 8, "Lưu đồ quy trình tiếp nhận hồ sơ", "", 1, "L", false, 0, "")
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pages splits pdftotext's output of a whole PDF at its form feeds.
func pages(txt string) []string {
	return strings.Split(strings.TrimRight(txt, "\f\n "), "\f")
}

// TestPrintCarriesTheFilePages: a controlled copy of a revision whose main
// file is a PDF holds the cover sheet and then each page of the file, of the
// file's own size, under the header numbered out of the whole copy, with the
// copy's mark and holder in the footer; the file's first line is pushed
// below the header (not printed over it). A file that is not a PDF gives the
// cover sheet alone, saying so.
func TestPrintCarriesTheFilePages(t *testing.T) {
	p, err := copypdf.New(copypdf.Options{
		UnitName: func(code, lang string) string {
			return map[string]string{"tnmt": "Phòng Tài nguyên và Môi trường"}[code]
		},
		Office: func(string) string { return "UBND huyện Châu Thành" }})
	if err != nil {
		t.Fatal(err)
	}
	eff := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
	c := document.Printout{
		Doc: document.Document{Code: "QT-07", Title: "Quy trình cấp giấy chứng nhận", Unit: "tnmt"},
		Rev: document.Revision{ID: "r2", Issue: 2, Status: document.StatusEffective, EffectiveAt: &eff,
			Files: []document.File{{Kind: document.KindMain, Name: "qt-07.pdf", StoredObject: qms.StoredObject{SHA256: "ab12"}}}},
		Copy:     &document.Copy{No: 3, Unit: "tnmt", Holder: "Bộ phận Một cửa", IssuedByName: "Thư ký ISO", IssuedAt: eff},
		CheckURL: "https://qms.example.vn/public/check/r2",
		Drafted:  qms.Signature{Name: "Nguyễn Soạn", Role: "author", SignedAt: eff},
		At:       eff,
		Pages:    filePDF(t),
	}
	var buf bytes.Buffer
	if err := p.Print(&buf, c, "vi"); err != nil {
		t.Fatal(err)
	}
	if d := os.Getenv("QMS_DUMP"); d != "" {
		os.WriteFile(d, buf.Bytes(), 0o644)
	}
	pg := pages(text(t, buf.Bytes()))
	if len(pg) != 3 {
		t.Fatalf("the copy has %d pages, want the cover and the file's 2:\n%s", len(pg), strings.Join(pg, "\n=====\n"))
	}
	if !strings.Contains(pg[0], "Các trang sau là 2 trang của tệp này") {
		t.Errorf("the cover does not announce the file's pages:\n%s", pg[0])
	}
	for i, want := range [][]string{
		{"ĐIỀU 1. PHẠM VI ÁP DỤNG", "Bước 5: trả kết quả cho công dân", "Trang: 2/3"},
		{"Lưu đồ quy trình tiếp nhận hồ sơ", "Trang: 3/3"},
	} {
		page := pg[i+1]
		want = append(want, "Mã hiệu: QT-07", "Lần ban hành: 02", "Ngày ban hành: 02/03/2026", "QUY TRÌNH CẤP GIẤY CHỨNG NHẬN",
			"BẢN KIỂM SOÁT SỐ 03 (Phòng Tài nguyên và Môi trường — Bộ phận Một cửa)")
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("page %d lacks %q:\n%s", i+2, w, page)
			}
		}
	}
	if strings.Contains(pg[0], "ĐIỀU 1") {
		t.Error("the file's text is on the cover sheet")
	}
	// Sizes: page 3 keeps the file's landscape A4 (842 × 595 pt).
	info := pdfinfo(t, buf.Bytes(), 3)
	if !strings.Contains(info, "841.89 x 595.28 pts") && !strings.Contains(info, "842 x 595 pts") {
		t.Errorf("page 3 is not the file's landscape A4:\n%s", info)
	}
	// The header band (the top 39 mm, 110 pt) holds the header alone: the
	// file's first line, 10 mm from the top of its own page, is drawn below it.
	top := crop(t, buf.Bytes(), 2, 110)
	if !strings.Contains(top, "Mã hiệu: QT-07") || strings.Contains(top, "ĐIỀU 1") {
		t.Errorf("the top 110 pt of page 2 read:\n%s", top)
	}

	// A main file that PDFium cannot read: the cover sheet alone, saying so.
	c.Pages = []byte("%PDF-1.7 this is not a PDF")
	buf.Reset()
	if err := p.Print(&buf, c, "vi"); err != nil {
		t.Fatal(err)
	}
	if pg := pages(text(t, buf.Bytes())); len(pg) != 1 || !strings.Contains(pg[0], "không đọc được dưới dạng PDF") {
		t.Errorf("an unreadable file gave %d pages:\n%s", len(pg), strings.Join(pg, "\n=====\n"))
	}
	// No file content (a Word file): the sheet says to print the file itself.
	c.Pages = nil
	buf.Reset()
	if err := p.Print(&buf, c, "en"); err != nil {
		t.Fatal(err)
	}
	if pg := pages(text(t, buf.Bytes())); len(pg) != 1 || !strings.Contains(pg[0], "This file is not a PDF") {
		t.Errorf("a copy without the file's pages gave %d pages:\n%s", len(pg), strings.Join(pg, "\n=====\n"))
	}
}

func pdfinfo(t *testing.T, pdf []byte, page int) string {
	t.Helper()
	bin := testenv.Tool(t, "pdfinfo")
	cmd := exec.Command(bin, "-f", fmt.Sprint(page), "-l", fmt.Sprint(page), "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	return string(out)
}

// crop is the text of the top h points of a page.
func crop(t *testing.T, pdf []byte, page, h int) string {
	t.Helper()
	bin := testenv.Tool(t, "pdftotext")
	cmd := exec.Command(bin, "-f", fmt.Sprint(page), "-l", fmt.Sprint(page), "-x", "0", "-y", "0", "-W", "900", "-H", fmt.Sprint(h), "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
