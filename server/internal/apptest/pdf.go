package apptest

import (
	"testing"

	"github.com/qmstrack/qmstrack/server/internalaudit/auditpdf"
)

// TextPDF writes an A4 PDF with one page per entry of pages
// (auditpdf.TextPDF), so that Vietnamese text survives pdftotext.
func TextPDF(t testing.TB, pages ...[]string) []byte {
	t.Helper()
	b, err := auditpdf.TextPDF(pages...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
