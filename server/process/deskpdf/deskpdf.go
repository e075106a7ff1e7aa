// Package deskpdf prints the one-stop desk's papers as PDF with go-pdf/fpdf
// and the embedded DejaVu Sans (fpdf's own fonts cannot write Vietnamese):
// the receipt with the appointment date (Giấy tiếp nhận hồ sơ và hẹn trả
// kết quả) and the control slip of the dossier's journey (Phiếu kiểm soát
// quá trình giải quyết hồ sơ), each with a QR code (skip2/go-qrcode, pure
// Go) to the dossier's public status page. Labels come from the desk i18n
// files, so a paper speaks the reader's language. It implements
// process.PaperRenderer.
package deskpdf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"time"

	"github.com/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"

	qmstrack "github.com/qmstrack/qmstrack"
	"github.com/qmstrack/qmstrack/server/internalaudit/auditpdf"
	"github.com/qmstrack/qmstrack/server/process"
)

// Options configure a Renderer.
type Options struct {
	Location *time.Location // the office's time zone; UTC when nil
	// UnitName names a unit in a language; nil shows the code.
	UnitName func(code, lang string) string
	// Office is the office's name on the papers' heading; OfficeEN its
	// English name, on English papers when set.
	Office, OfficeEN string
}

// Renderer prints the desk's papers.
type Renderer struct {
	labels map[string]map[string]string
	o      Options
}

var _ process.PaperRenderer = (*Renderer)(nil)

// New loads the labels from the embedded i18n files.
func New(o Options) (*Renderer, error) {
	if o.Location == nil {
		o.Location = time.UTC
	}
	r := &Renderer{labels: map[string]map[string]string{}, o: o}
	for _, lang := range []string{"vi", "en"} {
		b, err := fs.ReadFile(qmstrack.Assets, "assets/i18n/desk."+lang+".json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("desk.%s.json: %w", lang, err)
		}
		r.labels[lang] = m
	}
	return r, nil
}

// Render writes the paper p as a PDF in lang.
func (r *Renderer) Render(w io.Writer, p process.Paper, lang string) error {
	if lang != "en" {
		lang = "vi"
	}
	t := func(id string) string {
		if s, ok := r.labels[lang][id]; ok {
			return s
		}
		return id
	}
	unit := func(code string) string {
		if code == "" {
			return "—"
		}
		if r.o.UnitName != nil {
			if n := r.o.UnitName(code, lang); n != "" {
				return n
			}
		}
		return code
	}
	at := func(tm time.Time) string { return tm.In(r.o.Location).Format("15:04 02/01/2006") }
	d := p.Dossier
	regular, bold := auditpdf.Fonts()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(true)
	pdf.AddUTF8FontFromBytes("dejavu", "", regular)
	pdf.AddUTF8FontFromBytes("dejavu", "B", bold)
	// The receipt's time keeps the bytes the same for the same dossier.
	pdf.SetCreationDate(d.ReceivedAt)
	pdf.SetModificationDate(d.ReceivedAt)
	title := t("desk.pdf." + p.Kind)
	pdf.SetTitle(title+" "+d.Number, true)
	pdf.SetProducer("qmstrack", true)
	pdf.SetMargins(18, 16, 18)
	pdf.AddPage()

	office := r.o.Office
	if lang == "en" && r.o.OfficeEN != "" {
		office = r.o.OfficeEN
	}
	if office != "" {
		pdf.SetFont("dejavu", "B", 10)
		pdf.CellFormat(0, 5, office, "", 1, "L", false, 0, "")
	}
	pdf.SetFont("dejavu", "", 10)
	recv := d.ReceivingUnit
	if recv == "" {
		recv = d.Unit
	}
	pdf.CellFormat(0, 5, unit(recv), "", 1, "L", false, 0, "")
	pdf.Ln(4)
	pdf.SetFont("dejavu", "B", 14)
	pdf.MultiCell(0, 7, title, "", "C", false)
	pdf.SetFont("dejavu", "", 10)
	pdf.CellFormat(0, 6, t("desk.pdf.number")+": "+d.Number, "", 1, "C", false, 0, "")
	pdf.Ln(3)

	// The QR code to the status page, top right.
	png, err := qrcode.Encode(p.StatusURL, qrcode.Medium, 256)
	if err != nil {
		return err
	}
	y := pdf.GetY()
	pdf.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	pdf.ImageOptions("qr", 160, y, 32, 32, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")

	row := func(label, value string) {
		pdf.SetFont("dejavu", "B", 10)
		pdf.CellFormat(52, 6, label, "", 0, "L", false, 0, "")
		pdf.SetFont("dejavu", "", 10)
		pdf.MultiCell(85, 6, value, "", "L", false)
	}
	row(t("desk.pdf.service"), p.Service.Name(lang)+" ("+p.Service.Code+")")
	row(t("desk.pdf.applicant"), dash(d.ApplicantRef))
	row(t("desk.pdf.channel"), t("desk.channel."+d.Channel))
	if d.ReturnChannel != "" {
		row(t("desk.pdf.return_channel"), t("desk.return."+d.ReturnChannel))
	}
	row(t("desk.pdf.received_at"), at(d.ReceivedAt))
	row(t("desk.pdf.receiving_officer"), dash(d.ReceivingOfficer))
	row(t("desk.pdf.competent_unit"), unit(d.Unit))
	if d.RoutePending {
		row(t("desk.pdf.appointment"), t("desk.pdf.route_pending"))
	} else {
		row(t("desk.pdf.appointment"), at(d.DueAt))
	}
	row(t("desk.pdf.lookup_code"), d.LookupCode)
	if pdf.GetY() < y+36 {
		pdf.SetY(y + 36)
	}
	pdf.SetFont("dejavu", "", 8)
	pdf.MultiCell(0, 4, t("desk.pdf.status_page")+": "+p.StatusURL, "", "L", false)
	pdf.Ln(3)

	if p.Kind == process.PaperControlSlip {
		pdf.SetFont("dejavu", "B", 9)
		cols := []struct {
			label string
			w     float64
		}{{t("desk.pdf.step"), 30}, {t("desk.pdf.unit"), 40}, {t("desk.pdf.start"), 28}, {t("desk.pdf.due"), 28}, {t("desk.pdf.end"), 28}, {t("desk.pdf.officer"), 20}}
		for _, c := range cols {
			pdf.CellFormat(c.w, 7, c.label, "1", 0, "C", false, 0, "")
		}
		pdf.Ln(-1)
		pdf.SetFont("dejavu", "", 8)
		opt := func(tm *time.Time) string {
			if tm == nil {
				return ""
			}
			return at(*tm)
		}
		for _, s := range d.Steps {
			end := opt(s.End)
			if s.Outcome != "" {
				end += " (" + t("desk.outcome."+s.Outcome) + ")"
			}
			vals := []string{s.Step, unit(s.Unit), at(s.Start), opt(s.Due), end, s.Officer}
			for i, c := range cols {
				pdf.CellFormat(c.w, 7, fit(pdf, vals[i], c.w), "1", 0, "L", false, 0, "")
			}
			pdf.Ln(-1)
		}
	} else {
		pdf.SetFont("dejavu", "", 10)
		pdf.MultiCell(0, 5, t("desk.pdf.receipt_note"), "", "L", false)
	}
	if err := pdf.Error(); err != nil {
		return err
	}
	return pdf.Output(w)
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// fit shortens s to the width w of a table cell.
func fit(pdf *fpdf.Fpdf, s string, w float64) string {
	r := []rune(s)
	for len(r) > 0 && pdf.GetStringWidth(string(r)) > w-2 {
		r = r[:len(r)-1]
	}
	return string(r)
}
