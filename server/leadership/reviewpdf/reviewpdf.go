// Package reviewpdf prints a management review's input pack (ISO 9001
// 9.3.2) and its decisions as a PDF with go-pdf/fpdf and the embedded
// DejaVu Sans (fpdf's own fonts cannot write Vietnamese), in the reader's
// language through the one translator. It implements
// leadership.PackRenderer.
package reviewpdf

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/qmstrack/qmstrack/server/internalaudit/auditpdf"
	"github.com/qmstrack/qmstrack/server/leadership"
)

// Options configure a Renderer.
type Options struct {
	Location *time.Location // the office's time zone; UTC when nil
	// T translates a message id in a language (the catalog); nil shows ids.
	T func(lang, id string, args ...any) string
	// UnitName names a unit in a language; nil shows the code.
	UnitName func(code, lang string) string
	// Office is the office's name on the heading.
	Office string
}

// Renderer prints packs.
type Renderer struct{ o Options }

var _ leadership.PackRenderer = (*Renderer)(nil)

// New returns a Renderer.
func New(o Options) *Renderer {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.T == nil {
		o.T = func(_, id string, _ ...any) string { return id }
	}
	return &Renderer{o: o}
}

// Number formats v with up to two decimals, with the decimal comma in
// Vietnamese.
func Number(v float64, lang string) string {
	s := strconv.FormatFloat(v, 'f', 2, 64)
	s = strings.TrimSuffix(strings.TrimSuffix(s, "0"), "0")
	s = strings.TrimSuffix(s, ".")
	if lang == "vi" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// RenderPack writes the pack p as a PDF in lang.
func (r *Renderer) RenderPack(_ context.Context, w io.Writer, p leadership.Pack, lang string) error {
	if lang != "en" {
		lang = "vi"
	}
	t := func(id string, args ...any) string { return r.o.T(lang, id, args...) }
	unit := func(code string) string {
		if r.o.UnitName != nil {
			if n := r.o.UnitName(code, lang); n != "" {
				return n
			}
		}
		return code
	}
	regular, bold := auditpdf.Fonts()
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(true)
	pdf.AddUTF8FontFromBytes("dejavu", "", regular)
	pdf.AddUTF8FontFromBytes("dejavu", "B", bold)
	pdf.SetCreationDate(p.CompiledAt)
	pdf.SetModificationDate(p.CompiledAt)
	pdf.SetTitle(t("review.pack.title")+" "+p.Title, true)
	pdf.SetProducer("qmstrack", true)
	pdf.SetMargins(18, 16, 18)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("dejavu", "", 8)
		pdf.CellFormat(0, 5, fmt.Sprintf("%s · %s %d/{nb}", p.Title, t("review.pack.page"), pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	if r.o.Office != "" {
		pdf.SetFont("dejavu", "B", 10)
		pdf.CellFormat(0, 6, r.o.Office, "", 1, "C", false, 0, "")
	}
	pdf.SetFont("dejavu", "B", 15)
	pdf.CellFormat(0, 9, t("review.pack.title"), "", 1, "C", false, 0, "")
	pdf.SetFont("dejavu", "", 11)
	pdf.MultiCell(0, 6, p.Title, "", "C", false)
	pdf.Ln(3)
	row := func(label, value string) {
		pdf.SetFont("dejavu", "B", 10)
		pdf.CellFormat(48, 6, label, "", 0, "L", false, 0, "")
		pdf.SetFont("dejavu", "", 10)
		pdf.MultiCell(0, 6, value, "", "L", false)
	}
	row(t("review.field.held_on"), p.HeldOn.Display())
	row(t("review.field.period"), p.From.Display()+" – "+p.To.Display())
	row(t("review.field.chair"), p.Chair)
	if p.Participants != "" {
		row(t("review.field.participants"), p.Participants)
	}
	row(t("review.field.unit"), unit(p.Unit))
	row(t("review.pack.compiled"), p.CompiledAt.In(r.o.Location).Format("02/01/2006 15:04"))

	for i, s := range p.Sections {
		pdf.Ln(3)
		pdf.SetFont("dejavu", "B", 12)
		pdf.MultiCell(0, 7, fmt.Sprintf("%d. %s (%s)", i+1, t("review.section."+s.Key), s.Clause), "", "L", false)
		if s.Text {
			pdf.SetFont("dejavu", "", 10)
			body := s.Body
			if body == "" {
				body = t("review.section.empty")
			}
			pdf.MultiCell(0, 5.5, body, "", "L", false)
		}
		group := ""
		for _, f := range s.Figures {
			if f.Group != group {
				group = f.Group
				if group != "" {
					pdf.SetFont("dejavu", "B", 10)
					pdf.MultiCell(0, 6, t(group), "", "L", false)
				}
			}
			pdf.SetFont("dejavu", "", 10)
			pdf.MultiCell(0, 5.5, "• "+Line(f, lang, t, unit), "", "L", false)
		}
	}
	pdf.Ln(3)
	pdf.SetFont("dejavu", "B", 12)
	pdf.CellFormat(0, 7, t("review.decisions"), "", 1, "L", false, 0, "")
	pdf.SetFont("dejavu", "", 10)
	if len(p.Decisions) == 0 {
		pdf.MultiCell(0, 5.5, t("review.decisions.none"), "", "L", false)
	}
	for _, d := range p.Decisions {
		line := fmt.Sprintf("%d. [%s] %s", d.Seq, t("review.kind."+d.Kind), d.Title)
		if d.Unit != "" {
			line += " — " + unit(d.Unit)
		}
		if !d.DueOn.IsZero() {
			line += " — " + t("review.field.due_on") + " " + d.DueOn.Display()
		}
		// A change to an objective prints its objective and what it
		// changes, as the review page shows it.
		if c := d.Change; c != nil {
			var what []string
			if c.Target != nil {
				what = append(what, t("review.change.target", "Old", Number(c.OldTarget, lang), "New", Number(c.NewTarget(), lang)))
			}
			if c.ChangesPeriod() {
				what = append(what, t("review.change.period", "Old", c.OldFrom.Display()+" – "+c.OldTo.Display(), "New", c.From.Display()+" – "+c.To.Display()))
			}
			if d.ObjectiveTitle != "" {
				line += " (" + d.ObjectiveTitle + ")"
			}
			if len(what) > 0 {
				line += ": " + strings.Join(what, "; ")
			}
		}
		pdf.MultiCell(0, 5.5, line, "", "L", false)
	}
	pdf.Ln(10)
	if pdf.GetY() > 240 { // the signature block stays on one page
		pdf.AddPage()
	}
	pdf.SetFont("dejavu", "B", 10)
	pdf.CellFormat(0, 6, t("review.field.chair"), "", 1, "R", false, 0, "")
	pdf.Ln(12)
	pdf.SetFont("dejavu", "", 10)
	pdf.CellFormat(0, 6, p.Chair, "", 1, "R", false, 0, "")
	if err := pdf.Error(); err != nil {
		return err
	}
	return pdf.Output(w)
}

// Line writes one figure as text: its label, what it is about, its value
// and its state.
func Line(f leadership.Figure, lang string, t func(string, ...any) string, unit func(string) string) string {
	parts := []string{t(f.Label)}
	if f.Unit != "" {
		parts = append(parts, unit(f.Unit))
	}
	if n := f.Name.In(lang); n != "" {
		parts = append(parts, n)
	}
	if f.Subject != "" {
		parts = append(parts, f.Subject)
	}
	s := strings.Join(parts, " — ")
	if f.Value != nil {
		v := Number(*f.Value, lang)
		if f.Percent {
			v += "%"
		}
		s += ": " + v
	} else if f.Status == "" {
		s += ": " + t("review.no_data")
	}
	if f.Status != "" {
		s += " (" + t(f.Status) + ")"
	}
	return s
}
