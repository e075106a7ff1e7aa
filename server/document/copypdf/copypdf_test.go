package copypdf_test

import (
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/document/copypdf"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
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
