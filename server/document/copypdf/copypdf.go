// Package copypdf prints a copy of a controlled document as PDF with
// go-pdf/fpdf and the embedded DejaVu Sans (Vietnamese needs a Unicode
// font): on every page the header offices use (Mã hiệu / Lần ban hành /
// Ngày ban hành / Trang x/y), then the mark of a numbered controlled copy
// or of an uncontrolled one, the sign-off block (Soạn thảo / Soát xét /
// Phê duyệt) from the revision's e-signatures, the revision table (Sửa đổi
// tài liệu), the main file it covers (name and SHA-256) and a QR code
// (skip2/go-qrcode) to the public page that says whether the revision is
// still in force. When the main file is a PDF (Printout.Pages), its pages
// follow the cover sheet, each scaled under the same header and over the
// copy's mark and QR code in the footer (see stamp.go); a main file of
// another kind (a Word file, say) is identified on the sheet by its SHA-256
// and printed from the file itself. It implements document.CopyPrinter.
package copypdf

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"

	qmstrack "github.com/qmstrack/qmstrack"
	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/internalaudit/auditpdf"
	"github.com/qmstrack/qmstrack/server/qms"
)

// Options configure a Printer.
type Options struct {
	Location *time.Location // the office's time zone; UTC when nil
	// UnitName names a unit in a language; nil shows the code.
	UnitName func(code, lang string) string
	// Office is the office's name in the header, by language.
	Office func(lang string) string
	// QR encodes the check page's address as a PNG; skip2/go-qrcode when nil.
	QR func(url string) ([]byte, error)
	// PDFiumCache is the folder where the compiled PDFium module is kept
	// between runs; PDFiumCacheDir() when empty, none when "-".
	PDFiumCache string
}

// Printer prints copies of documents.
type Printer struct {
	labels map[string]map[string]string
	o      Options
	stamp  *stamper
}

var _ document.CopyPrinter = (*Printer)(nil)

// New loads the labels (the copies' and the roles') from the embedded i18n files.
func New(o Options) (*Printer, error) {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.QR == nil {
		o.QR = func(url string) ([]byte, error) { return qrcode.Encode(url, qrcode.Medium, 256) }
	}
	cache := o.PDFiumCache
	switch cache {
	case "":
		cache = PDFiumCacheDir()
	case "-":
		cache = ""
	}
	p := &Printer{labels: map[string]map[string]string{}, o: o, stamp: &stamper{cacheDir: cache}}
	for _, lang := range []string{"vi", "en"} {
		p.labels[lang] = map[string]string{}
		for _, file := range []string{"copies", "core"} {
			b, err := fs.ReadFile(qmstrack.Assets, "assets/i18n/"+file+"."+lang+".json")
			if err != nil {
				return nil, err
			}
			m := map[string]string{}
			if err := json.Unmarshal(b, &m); err != nil {
				return nil, fmt.Errorf("%s.%s.json: %w", file, lang, err)
			}
			for k, v := range m {
				p.labels[lang][k] = v
			}
		}
	}
	return p, nil
}

// Print writes the printout as a PDF in lang (vi unless en): the cover
// sheet, then the pages of the main file when it is a PDF.
func (p *Printer) Print(w io.Writer, c document.Printout, lang string) error {
	if lang != "en" {
		lang = "vi"
	}
	// The file is opened once: its page sizes shape the sheet's pages,
	// which then go over the file's pages.
	if len(c.Pages) > 0 {
		err := p.stamp.stamp(context.Background(), w, c.Pages, func(sizes []pageSize) ([]byte, int, error) {
			var sheet bytes.Buffer
			cover, err := p.sheet(&sheet, c, lang, sizes, false)
			return sheet.Bytes(), cover, err
		}, frame{Top: marginTop + headerHeight + 3, Bottom: 14, Side: marginSide})
		if !errors.Is(err, errNotPDF) {
			return err
		}
	}
	_, err := p.sheet(w, c, lang, nil, len(c.Pages) > 0)
	return err
}

// The page layout, in millimetres.
const (
	marginTop    = 12.0
	marginSide   = 15.0
	headerHeight = 24.0
	qrFooter     = 10.0
)

// sheet writes the cover sheet and, after it, one page per entry of sizes
// holding only the header and the footer, and returns how many pages the
// cover has. unread says the main file was meant to be printed but could
// not be read as a PDF.
func (p *Printer) sheet(w io.Writer, c document.Printout, lang string, sizes []pageSize, unread bool) (int, error) {
	t := func(id string) string {
		if s, ok := p.labels[lang][id]; ok {
			return s
		}
		return id
	}
	unit := func(code string) string {
		if p.o.UnitName != nil {
			if n := p.o.UnitName(code, lang); n != "" {
				return n
			}
		}
		return code
	}
	day := func(tm time.Time) string { return tm.In(p.o.Location).Format("02/01/2006") }
	role := func(r string) string {
		if r == "" {
			return ""
		}
		return t("role." + r)
	}
	d, r := c.Doc, c.Rev
	issued := ""
	if r.EffectiveAt != nil {
		issued = day(*r.EffectiveAt)
	}
	regular, bold := auditpdf.Fonts()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(true)
	pdf.AddUTF8FontFromBytes("dejavu", "", regular)
	pdf.AddUTF8FontFromBytes("dejavu", "B", bold)
	pdf.SetCreationDate(c.At)
	pdf.SetModificationDate(c.At)
	pdf.SetTitle(d.Code+" "+d.Title, true)
	pdf.SetProducer("qmstrack", true)
	pdf.SetMargins(marginSide, marginTop, marginSide)
	pdf.AliasNbPages("{nb}")
	office := ""
	if p.o.Office != nil {
		office = p.o.Office(lang)
	}

	// The header of every page: office and owner unit | title | the
	// document's identity and the page.
	// The three boxes share the page's width between the margins as 45, 85
	// and 50 of the 180 mm of an A4 page.
	pdf.SetHeaderFunc(func() {
		x, y := pdf.GetX(), pdf.GetY()
		const h = headerHeight
		pw, _ := pdf.GetPageSize()
		k := (pw - 2*marginSide) / 180
		w1, w2, w3 := 45*k, 85*k, 50*k
		pdf.SetFont("dejavu", "B", 8)
		pdf.Rect(x, y, w1, h, "D")
		pdf.SetXY(x+1, y+3)
		pdf.MultiCell(w1-2, 4, strings.ToUpper(strings.TrimSpace(office+"\n"+unit(d.Unit))), "", "C", false)
		pdf.Rect(x+w1, y, w2, h, "D")
		pdf.SetXY(x+w1+1, y+5)
		pdf.SetFont("dejavu", "B", 11)
		pdf.MultiCell(w2-2, 5.5, strings.ToUpper(d.Title), "", "C", false)
		pdf.SetFont("dejavu", "", 8.5)
		lines := []string{
			t("copy.pdf.code") + ": " + d.Code,
			t("copy.pdf.issue") + ": " + r.IssueLabel(),
			t("copy.pdf.issued") + ": " + issued,
			fmt.Sprintf("%s: %d/{nb}", t("copy.pdf.page"), pdf.PageNo()),
		}
		for i, l := range lines {
			pdf.Rect(x+w1+w2, y+float64(i)*h/4, w3, h/4, "D")
			pdf.SetXY(x+w1+w2+1, y+float64(i)*h/4)
			pdf.CellFormat(w3-2, h/4, fit(pdf, l, w3), "", 0, "L", false, 0, "")
		}
		pdf.SetXY(x, y+h+4)
	})
	// The footer: the copy's mark on every page; on the file's pages, the
	// holder too and the QR code of the check page, so that any page
	// taken alone says what it is.
	png, err := p.o.QR(c.CheckURL)
	if err != nil {
		return 0, err
	}
	pdf.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	cover := 0
	pdf.SetFooterFunc(func() {
		pw, ph := pdf.GetPageSize()
		filePage := cover > 0 && pdf.PageNo() > cover
		mark := t("copy.pdf.uncontrolled")
		if c.Copy != nil {
			mark = fmt.Sprintf("%s %02d", t("copy.pdf.controlled"), c.Copy.No)
			if filePage {
				mark += " (" + unit(c.Copy.Unit) + " — " + c.Copy.Holder + ")"
			}
		}
		line := d.Code + " · " + t("copy.pdf.issue") + " " + r.IssueLabel() + " · " + mark + " · " + t("copy.pdf.printed") + " " + day(c.At)
		pdf.SetFont("dejavu", "", 7.5)
		pdf.SetY(-11)
		if filePage {
			// The header names the document and its issue already.
			line = mark + " · " + t("copy.pdf.printed") + " " + day(c.At)
			pdf.ImageOptions("qr", pw-marginSide-qrFooter, ph-qrFooter-2.5, qrFooter, qrFooter, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
			pdf.SetXY(marginSide, ph-11)
			pdf.CellFormat(pw-2*marginSide-qrFooter-2, 4, fit(pdf, line, pw-2*marginSide-qrFooter-2), "", 0, "C", false, 0, "")
			return
		}
		pdf.CellFormat(0, 4, line, "", 0, "C", false, 0, "")
	})
	pdf.AddPage()

	// The mark of the copy, and its holder.
	pdf.SetFont("dejavu", "B", 13)
	if c.Copy != nil {
		pdf.SetTextColor(0, 0, 160)
		pdf.CellFormat(0, 8, fmt.Sprintf("%s %02d", t("copy.pdf.controlled"), c.Copy.No), "1", 1, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
		pdf.SetFont("dejavu", "", 9.5)
		pdf.CellFormat(0, 6, fmt.Sprintf("%s: %s — %s · %s: %s (%s)", t("copy.pdf.holder"), unit(c.Copy.Unit), c.Copy.Holder,
			t("copy.pdf.issued_by"), c.Copy.IssuedByName, day(c.Copy.IssuedAt)), "", 1, "C", false, 0, "")
	} else {
		pdf.SetTextColor(160, 0, 0)
		pdf.CellFormat(0, 8, t("copy.pdf.uncontrolled"), "1", 1, "C", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
		pdf.SetFont("dejavu", "", 9)
		pdf.MultiCell(0, 5, t("copy.pdf.uncontrolled.note"), "", "C", false)
	}
	if r.Status != document.StatusEffective {
		pdf.SetFont("dejavu", "B", 10)
		pdf.SetTextColor(160, 0, 0)
		pdf.MultiCell(0, 6, t("copy.pdf.notcurrent."+r.Status), "", "C", false)
		pdf.SetTextColor(0, 0, 0)
	}
	pdf.Ln(4)

	// The sign-off block.
	pdf.SetFont("dejavu", "B", 10)
	pdf.CellFormat(0, 6, t("copy.pdf.signoff"), "", 1, "L", false, 0, "")
	// One row per signer: the drafter, each reviewer, the approver.
	sw := []float64{30, 75, 45, 30}
	pdf.SetFont("dejavu", "B", 9)
	for i, h := range []string{"", t("copy.pdf.name"), t("copy.pdf.title"), t("copy.pdf.date")} {
		pdf.CellFormat(sw[i], 7, h, "1", 0, "C", false, 0, "")
	}
	pdf.Ln(-1)
	type signer struct {
		label string
		sig   *qms.Signature
	}
	signers := []signer{{t("copy.pdf.drafted"), &c.Drafted}}
	for i := range c.Reviewed {
		signers = append(signers, signer{t("copy.pdf.reviewed"), &c.Reviewed[i]})
	}
	if len(c.Reviewed) == 0 {
		signers = append(signers, signer{t("copy.pdf.reviewed"), nil})
	}
	signers = append(signers, signer{t("copy.pdf.approved"), c.Approved})
	for _, sg := range signers {
		vals := []string{sg.label, "—", "", ""}
		if sg.sig != nil {
			vals = []string{sg.label, sg.sig.Name, role(sg.sig.Role), day(sg.sig.SignedAt)}
		}
		for i, v := range vals {
			style := ""
			if i == 0 {
				style = "B"
			}
			pdf.SetFont("dejavu", style, 9)
			pdf.CellFormat(sw[i], 7, fit(pdf, v, sw[i]), "1", 0, "L", false, 0, "")
		}
		pdf.Ln(-1)
	}
	pdf.Ln(5)

	// The revision table (Sửa đổi tài liệu).
	pdf.SetFont("dejavu", "B", 10)
	pdf.CellFormat(0, 6, t("copy.pdf.history"), "", 1, "L", false, 0, "")
	pdf.SetFont("dejavu", "B", 9)
	hw := []float64{28, 30, 122}
	for i, h := range []string{t("copy.pdf.history.issue"), t("copy.pdf.history.date"), t("copy.pdf.history.change")} {
		pdf.CellFormat(hw[i], 7, h, "1", 0, "C", false, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("dejavu", "", 9)
	for _, h := range c.History {
		x, y := pdf.GetX(), pdf.GetY()
		change := strings.TrimSpace(h.Change)
		if change == "" {
			change = "—"
		}
		lines := pdf.SplitText(change, hw[2]-2)
		ht := 5.5 * float64(max(1, len(lines)))
		if y+ht > 270 {
			pdf.AddPage()
			x, y = pdf.GetX(), pdf.GetY()
		}
		pdf.Rect(x, y, hw[0], ht, "D")
		pdf.Rect(x+hw[0], y, hw[1], ht, "D")
		pdf.Rect(x+hw[0]+hw[1], y, hw[2], ht, "D")
		pdf.SetXY(x, y)
		pdf.CellFormat(hw[0], 5.5, h.IssueLabel(), "", 0, "C", false, 0, "")
		pdf.CellFormat(hw[1], 5.5, day(h.EffectiveAt), "", 0, "C", false, 0, "")
		pdf.MultiCell(hw[2], 5.5, change, "", "L", false)
		pdf.SetXY(x, y+ht)
	}
	pdf.Ln(5)

	// What the copy covers, and the QR code to the check page.
	if pdf.GetY() > 225 {
		pdf.AddPage()
	}
	y := pdf.GetY()
	pdf.ImageOptions("qr", 153, y, 32, 32, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	pdf.SetFont("dejavu", "B", 9.5)
	pdf.CellFormat(130, 6, t("copy.pdf.content"), "", 1, "L", false, 0, "")
	pdf.SetFont("dejavu", "", 9)
	if f, ok := r.MainFile(); ok {
		pdf.MultiCell(130, 5, f.Name+" · SHA-256 "+f.SHA256, "", "L", false)
		switch {
		case len(sizes) > 0:
			pdf.MultiCell(130, 5, fmt.Sprintf(t("copy.pdf.pages"), len(sizes)), "", "L", false)
		case unread:
			pdf.MultiCell(130, 5, t("copy.pdf.unread"), "", "L", false)
		default:
			pdf.MultiCell(130, 5, t("copy.pdf.separate"), "", "L", false)
		}
	} else {
		pdf.MultiCell(130, 5, "—", "", "L", false)
	}
	pdf.Ln(2)
	pdf.SetFont("dejavu", "", 8.5)
	pdf.MultiCell(130, 4.5, t("copy.pdf.check")+"\n"+c.CheckURL, "", "L", false)
	if pdf.GetY() < y+34 {
		pdf.SetY(y + 34)
	}

	// The pages the file's pages go under: the header and the footer only.
	cover = pdf.PageNo()
	const mm = 72 / 25.4
	for _, sz := range sizes {
		pdf.AddPageFormat("P", fpdf.SizeType{Wd: sz.W / mm, Ht: sz.H / mm})
	}
	if err := pdf.Error(); err != nil {
		return 0, err
	}
	return cover, pdf.Output(w)
}

// fit shortens s to the width w of a table cell.
func fit(pdf *fpdf.Fpdf, s string, w float64) string {
	r := []rune(s)
	for len(r) > 0 && pdf.GetStringWidth(string(r)) > w-2 {
		r = r[:len(r)-1]
	}
	return string(r)
}
