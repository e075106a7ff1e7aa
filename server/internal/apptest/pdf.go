package apptest

import (
	"bytes"
	"testing"

	"github.com/go-pdf/fpdf"

	"github.com/qmstrack/qmstrack/server/internalaudit/auditpdf"
)

// TextPDF writes an A4 PDF with one page per entry of pages, each line in
// the embedded DejaVu Sans, so that Vietnamese text survives pdftotext.
func TextPDF(t testing.TB, pages ...[]string) []byte {
	t.Helper()
	regular, bold := auditpdf.Fonts()
	f := fpdf.New("P", "mm", "A4", "")
	f.AddUTF8FontFromBytes("dejavu", "", regular)
	f.AddUTF8FontFromBytes("dejavu", "B", bold)
	for _, lines := range pages {
		f.AddPage()
		f.SetFont("dejavu", "", 12)
		for _, l := range lines {
			f.MultiCell(0, 7, l, "", "L", false)
		}
	}
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
