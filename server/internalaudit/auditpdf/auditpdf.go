// Package auditpdf renders the internal audit report as a PDF with go-pdf/fpdf
// and the DejaVu Sans font (from the Debian package fonts-dejavu-core, under
// the Bitstream Vera licence, see DejaVu-LICENSE), embedded in the binary
// because fpdf's built-in fonts cannot write Vietnamese. Labels come from
// the audits i18n message files, so the PDF speaks the reader's language.
package auditpdf

import (
	"bytes"
	"context"
	_ "embed" // the fonts
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"

	qmstrack "github.com/qmstrack/qmstrack"
	"github.com/qmstrack/qmstrack/server/internalaudit"
)

//go:embed DejaVuSans.ttf
var regular []byte

//go:embed DejaVuSans-Bold.ttf
var bold []byte

// Renderer writes audit reports; it implements internalaudit.ReportRenderer.
type Renderer struct {
	labels map[string]map[string]string // lang -> id -> text
	o      Options
}

// Options configure a Renderer.
type Options struct {
	Now func() time.Time
	// Location is the office's time zone, of the date of issue. Defaults
	// to UTC.
	Location *time.Location
	// UnitName names a unit in a language; nil shows the code.
	UnitName func(code, lang string) string
}

// New loads the labels from the embedded i18n files.
func New(o Options) (*Renderer, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	r := &Renderer{labels: map[string]map[string]string{}, o: o}
	for _, lang := range []string{"vi", "en"} {
		b, err := fs.ReadFile(qmstrack.Assets, "assets/i18n/audits."+lang+".json")
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("audits.%s.json: %w", lang, err)
		}
		r.labels[lang] = m
	}
	return r, nil
}

// Extension is "pdf".
func (r *Renderer) Extension() string { return "pdf" }

func (r *Renderer) t(lang, id string) string {
	if s, ok := r.labels[lang][id]; ok {
		return s
	}
	return id
}

func ddmmyyyy(t time.Time) string { return t.Format("02/01/2006") }

// RenderReport writes the report of a as a PDF.
func (r *Renderer) RenderReport(ctx context.Context, w io.Writer, a internalaudit.Audit, lang string) error {
	if lang != "en" {
		lang = "vi"
	}
	t := func(id string) string { return r.t(lang, id) }
	unit := func(code string) string {
		if r.o.UnitName != nil {
			if n := r.o.UnitName(code, lang); n != "" {
				return n
			}
		}
		return code
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(true)
	pdf.AddUTF8FontFromBytes("dejavu", "", regular)
	pdf.AddUTF8FontFromBytes("dejavu", "B", bold)
	issued := r.o.Now()
	// Fixed dates keep the bytes reproducible for the same report.
	pdf.SetCreationDate(issued)
	pdf.SetModificationDate(issued)
	pdf.SetTitle(t("audits.report.title")+" "+a.Number, true)
	pdf.SetProducer("qmstrack", true)
	pdf.SetMargins(18, 16, 18)
	pdf.AliasNbPages("{nb}")
	pdf.SetFooterFunc(func() {
		pdf.SetY(-12)
		pdf.SetFont("dejavu", "", 8)
		pdf.CellFormat(0, 5, fmt.Sprintf("%s %s · %s %d/{nb}", t("audits.report.number"), a.Number, t("audits.report.page"), pdf.PageNo()), "", 0, "C", false, 0, "")
	})
	pdf.AddPage()
	pdf.SetFont("dejavu", "B", 15)
	pdf.CellFormat(0, 9, t("audits.report.title"), "", 1, "C", false, 0, "")
	pdf.SetFont("dejavu", "", 10)
	pdf.CellFormat(0, 6, t("audits.report.number")+" "+a.Number, "", 1, "C", false, 0, "")
	pdf.Ln(4)

	row := func(label, value string) {
		pdf.SetFont("dejavu", "B", 10)
		pdf.CellFormat(50, 6, label, "", 0, "L", false, 0, "")
		pdf.SetFont("dejavu", "", 10)
		pdf.MultiCell(0, 6, value, "", "L", false)
	}
	var units []string
	for _, u := range a.Units {
		units = append(units, unit(u))
	}
	var lead string
	var team []string
	for _, m := range a.Team {
		if m.Lead {
			lead = m.Name
		} else {
			team = append(team, m.Name)
		}
	}
	row(t("audits.report.audit_title"), a.Title)
	row(t("audits.report.units"), strings.Join(units, ", "))
	if a.Processes != "" {
		row(t("audits.report.processes"), a.Processes)
	}
	if len(a.Clauses) > 0 {
		row(t("audits.report.clauses"), strings.Join(a.Clauses, ", "))
	}
	row(t("audits.report.dates"), ddmmyyyy(a.Start)+" – "+ddmmyyyy(a.End))
	row(t("audits.report.lead"), lead)
	if len(team) > 0 {
		row(t("audits.report.team"), strings.Join(team, ", "))
	}
	row(t("audits.report.issued"), ddmmyyyy(issued.In(r.o.Location)))
	pdf.Ln(3)

	pdf.SetFont("dejavu", "B", 12)
	pdf.CellFormat(0, 8, t("audits.report.summary"), "", 1, "L", false, 0, "")
	counts := a.Counts()
	pdf.SetFont("dejavu", "", 10)
	for _, k := range internalaudit.Kinds {
		pdf.CellFormat(90, 6, t("audits.kind."+k), "1", 0, "L", false, 0, "")
		pdf.CellFormat(20, 6, fmt.Sprint(counts[k]), "1", 1, "R", false, 0, "")
	}
	pdf.Ln(4)

	pdf.SetFont("dejavu", "B", 12)
	pdf.CellFormat(0, 8, t("audits.report.findings"), "", 1, "L", false, 0, "")
	if len(a.Findings) == 0 {
		pdf.SetFont("dejavu", "", 10)
		pdf.MultiCell(0, 6, t("audits.report.no_findings"), "", "L", false)
	}
	questions := map[string]internalaudit.Item{}
	for _, it := range a.Items {
		questions[it.ID] = it
	}
	for i, f := range a.Findings {
		if err := ctx.Err(); err != nil {
			return err
		}
		kind := t("audits.kind." + f.Kind)
		if f.Severity != "" {
			kind += " (" + t("audits.severity."+f.Severity) + ")"
		}
		head := fmt.Sprintf("%d. %s", i+1, kind)
		if f.Clause != "" {
			head += " · " + t("audits.report.clause") + " " + f.Clause
		}
		head += " · " + unit(f.Unit)
		pdf.SetFont("dejavu", "B", 10)
		pdf.MultiCell(0, 6, head, "T", "L", false)
		pdf.SetFont("dejavu", "", 9)
		if it, ok := questions[f.ItemID]; ok {
			pdf.MultiCell(0, 5, t("audits.report.question")+": "+it.Question, "", "L", false)
		}
		pdf.SetFont("dejavu", "", 10)
		pdf.MultiCell(0, 5.5, f.Description, "", "L", false)
		if len(f.Evidence) > 0 {
			pdf.SetFont("dejavu", "", 9)
			pdf.MultiCell(0, 5, t("audits.report.evidence")+": "+strings.Join(f.Evidence, "; "), "", "L", false)
		}
		if f.NCNumber != "" || f.NCID != "" {
			ref := f.NCNumber
			if ref == "" {
				ref = f.NCID
			}
			pdf.SetFont("dejavu", "", 9)
			pdf.MultiCell(0, 5, t("audits.report.nc")+": "+ref, "", "L", false)
		}
		pdf.Ln(2)
	}
	pdf.Ln(10)
	pdf.SetFont("dejavu", "", 10)
	pdf.CellFormat(0, 6, t("audits.report.signature"), "", 1, "R", false, 0, "")
	pdf.Ln(14)
	pdf.CellFormat(0, 6, lead, "", 1, "R", false, 0, "")
	if err := pdf.Error(); err != nil {
		return err
	}
	return pdf.Output(w)
}

// Fonts returns the embedded DejaVu Sans regular and bold, for the other
// papers qmstrack prints in Vietnamese.
func Fonts() (regularTTF, boldTTF []byte) { return regular, bold }

// TextPDF writes a plain A4 paper in DejaVu Sans, one page per entry of
// pages, each line as a paragraph (the first of a page in bold; a line
// may hold several, split at "\n"), dated 01/01/2026 so that the same
// lines give the same file: the demo organisation's files, and the tests'.
func TextPDF(pages ...[]string) ([]byte, error) {
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes("dejavu", "", regular)
	f.AddUTF8FontFromBytes("dejavu", "B", bold)
	day := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.SetCreationDate(day)
	f.SetModificationDate(day)
	f.SetMargins(20, 20, 20)
	for _, lines := range pages {
		f.AddPage()
		for i, l := range lines {
			if i == 0 {
				f.SetFont("dejavu", "B", 13)
			} else {
				f.SetFont("dejavu", "", 11.5)
			}
			f.MultiCell(0, 7, l, "", "L", false)
			f.Ln(1)
		}
	}
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		return nil, fmt.Errorf("text PDF: %w", err)
	}
	return b.Bytes(), nil
}
