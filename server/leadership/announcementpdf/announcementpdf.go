// Package announcementpdf prints the conformity announcement of the QMS
// (công bố Hệ thống quản lý chất lượng phù hợp Tiêu chuẩn quốc gia TCVN
// ISO 9001:2015) in the format of the annex of QĐ 19/2014/QĐ-TTg, in
// Vietnamese with the embedded DejaVu Sans (fpdf's own fonts cannot write
// Vietnamese): the national header, the agency, "CÔNG BỐ", the scope, the
// place and date, the head of the agency's signature block, and the list
// of the administrative procedures covered. It implements
// leadership.AnnouncementRenderer.
package announcementpdf

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/qmstrack/qmstrack/server/internalaudit/auditpdf"
	"github.com/qmstrack/qmstrack/server/leadership"
)

// Renderer prints announcements.
type Renderer struct {
	loc *time.Location
}

var _ leadership.AnnouncementRenderer = (*Renderer)(nil)

// New returns a Renderer writing times in loc (UTC when nil).
func New(loc *time.Location) *Renderer {
	if loc == nil {
		loc = time.UTC
	}
	return &Renderer{loc: loc}
}

// RenderAnnouncement writes a as a PDF. An announcement not signed yet is
// marked as a draft and its signature block is empty.
func (r *Renderer) RenderAnnouncement(w io.Writer, a leadership.Announcement) error {
	c := a.Content
	agency := c.Agency.VI
	if agency == "" {
		agency = c.Agency.EN
	}
	if agency == "" {
		agency = "(Tên cơ quan)"
	}
	regular, bold := auditpdf.Fonts()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(true)
	pdf.AddUTF8FontFromBytes("dejavu", "", regular)
	pdf.AddUTF8FontFromBytes("dejavu", "B", bold)
	stamp := a.CreatedAt
	if a.SignedAt != nil {
		stamp = *a.SignedAt
	}
	pdf.SetCreationDate(stamp)
	pdf.SetModificationDate(stamp)
	pdf.SetTitle("Công bố HTQLCL phù hợp "+c.Standard, true)
	pdf.SetProducer("qmstrack", true)
	pdf.SetMargins(20, 15, 15)
	pdf.SetAutoPageBreak(true, 15)
	pdf.AddPage()

	// The header: the agency on the left, the national motto on the right.
	y := pdf.GetY()
	pdf.SetFont("dejavu", "B", 10)
	pdf.SetXY(20, y)
	pdf.MultiCell(70, 5, strings.ToUpper(agency), "", "C", false)
	left := pdf.GetY()
	pdf.SetXY(90, y)
	pdf.MultiCell(105, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "", "C", false)
	pdf.SetX(90)
	pdf.MultiCell(105, 5, "Độc lập - Tự do - Hạnh phúc", "", "C", false)
	pdf.Line(120, pdf.GetY()+0.5, 165, pdf.GetY()+0.5)
	pdf.Ln(3)
	pdf.SetX(90)
	pdf.SetFont("dejavu", "", 10)
	d := a.Date
	pdf.MultiCell(105, 5, fmt.Sprintf("%s, ngày %02d tháng %02d năm %04d", a.Place, d.Day, int(d.Month), d.Year), "", "C", false)
	if pdf.GetY() < left {
		pdf.SetY(left)
	}
	pdf.Ln(6)

	if a.SignedAt == nil {
		pdf.SetFont("dejavu", "B", 12)
		pdf.SetTextColor(180, 0, 0)
		pdf.CellFormat(0, 6, "DỰ THẢO - CHƯA KÝ", "", 1, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
		pdf.Ln(2)
	}
	pdf.SetFont("dejavu", "B", 16)
	pdf.CellFormat(0, 8, "CÔNG BỐ", "", 1, "C", false, 0, "")
	pdf.SetFont("dejavu", "B", 11)
	pdf.MultiCell(0, 6, "Hệ thống quản lý chất lượng phù hợp Tiêu chuẩn quốc gia "+c.Standard, "", "C", false)
	pdf.Ln(5)

	para := func(style, text string) {
		pdf.SetFont("dejavu", style, 11)
		pdf.MultiCell(0, 6, text, "", "J", false)
		pdf.Ln(1)
	}
	para("B", agency)
	if c.Address != "" {
		para("", "Địa chỉ: "+c.Address)
	}
	pdf.Ln(2)
	pdf.SetFont("dejavu", "B", 12)
	pdf.CellFormat(0, 7, "CÔNG BỐ:", "", 1, "C", false, 0, "")
	para("", fmt.Sprintf("Hệ thống quản lý chất lượng của %s phù hợp Tiêu chuẩn quốc gia %s đối với %d thủ tục hành chính "+
		"được liệt kê trong danh mục kèm theo.", agency, c.Standard, len(c.Services)))
	units := make([]string, 0, len(c.Units))
	for _, u := range c.Units {
		units = append(units, name(u))
	}
	para("", "Phạm vi áp dụng: "+strings.Join(units, "; ")+".")
	if len(c.Exclusions) > 0 {
		para("", "Các điều khoản không áp dụng:")
		for _, x := range c.Exclusions {
			para("", fmt.Sprintf("- Điều khoản %s: %s", x.Clause, x.Justification))
		}
	}
	para("", fmt.Sprintf("Hệ thống quản lý chất lượng được áp dụng theo Quyết định số %s ngày %s của %s.",
		c.DecisionNumber, c.DecisionDate.Display(), c.DecisionSigner))
	pdf.Ln(6)

	// The signature block of the head of the agency.
	sign := func(style, text string) {
		pdf.SetX(110)
		pdf.SetFont("dejavu", style, 11)
		pdf.MultiCell(85, 6, text, "", "C", false)
	}
	sign("B", "THỦ TRƯỞNG CƠ QUAN")
	if a.SignedAt != nil {
		sign("", "(Đã ký điện tử)")
		pdf.Ln(4)
		sign("B", a.SignerName)
		sign("", "Ký lúc "+a.SignedAt.In(r.loc).Format("15:04 02/01/2006"))
	} else {
		sign("", "(Ký, ghi rõ họ tên)")
	}

	// The list of the procedures covered.
	pdf.AddPage()
	pdf.SetFont("dejavu", "B", 12)
	pdf.MultiCell(0, 6, "DANH MỤC THỦ TỤC HÀNH CHÍNH ÁP DỤNG HỆ THỐNG QUẢN LÝ CHẤT LƯỢNG", "", "C", false)
	pdf.SetFont("dejavu", "", 10)
	pdf.MultiCell(0, 5, fmt.Sprintf("(Kèm theo Công bố ngày %s của %s)", a.Date.Display(), agency), "", "C", false)
	pdf.Ln(4)
	pdf.SetFont("dejavu", "B", 10)
	pdf.CellFormat(12, 7, "STT", "1", 0, "C", false, 0, "")
	pdf.CellFormat(35, 7, "Mã", "1", 0, "C", false, 0, "")
	pdf.CellFormat(128, 7, "Tên thủ tục hành chính", "1", 1, "C", false, 0, "")
	pdf.SetFont("dejavu", "", 10)
	for i, s := range c.Services {
		lines := pdf.SplitText(name(s), 126)
		h := float64(len(lines)) * 6
		if pdf.GetY()+h > 280 {
			pdf.AddPage()
		}
		x, y := pdf.GetX(), pdf.GetY()
		pdf.CellFormat(12, h, fmt.Sprint(i+1), "1", 0, "C", false, 0, "")
		pdf.CellFormat(35, h, s.Code, "1", 0, "L", false, 0, "")
		pdf.MultiCell(128, 6, strings.Join(lines, "\n"), "1", "L", false)
		pdf.SetXY(x, y+h)
	}
	if err := pdf.Error(); err != nil {
		return err
	}
	return pdf.Output(w)
}

func name(n leadership.Named) string {
	if n.Name.VI != "" {
		return n.Name.VI
	}
	if n.Name.EN != "" {
		return n.Name.EN
	}
	return n.Code
}
