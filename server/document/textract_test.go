package document_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

func zipOf(files map[string]string) []byte {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for name, body := range files {
		w, _ := z.Create(name)
		io.WriteString(w, body)
	}
	z.Close()
	return buf.Bytes()
}

// minimalPDF builds a one-page PDF showing text (ASCII, Helvetica).
func minimalPDF(text string) []byte {
	content := fmt.Sprintf("BT /F1 12 Tf 72 720 Td (%s) Tj ET", text)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

func TestExtractText(t *testing.T) {
	cases := []struct {
		name, mediaType string
		body            []byte
		want, reason    string
	}{
		{"plain", "text/plain", []byte("Quy trình\ncấp phép"), "Quy trình cấp phép", ""},
		{"docx", document.MediaDOCX,
			zipOf(map[string]string{"word/document.xml": `<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>Hồ sơ</w:t></w:r></w:p><w:p><w:r><w:t>đất đai</w:t></w:r></w:p></w:body></w:document>`}),
			"Hồ sơ đất đai", ""},
		{"xlsx", document.MediaXLSX,
			zipOf(map[string]string{"xl/sharedStrings.xml": `<sst><si><t>Biểu mẫu</t></si><si><t>số 01</t></si></sst>`}), "Biểu mẫu số 01", ""},
		{"odt", document.MediaODT,
			zipOf(map[string]string{"content.xml": `<office:document-content xmlns:office="o" xmlns:text="t"><office:body><text:p>Sổ tay</text:p><text:p>chất lượng</text:p></office:body></office:document-content>`}),
			"Sổ tay chất lượng", ""},
		{"entities and CDATA", document.MediaDOCX,
			zipOf(map[string]string{"word/document.xml": `<w:document><w:p>A &amp; B &#273;&#x1EA5;t</w:p><w:p><![CDATA[<i>x</i>]]></w:p></w:document>`}),
			"A & B đất <i>x</i>", ""},
		{"png has no text", "image/png", []byte("\x89PNG\r\n\x1a\n"), "", document.TextNoText},
		{"broken zip", document.MediaODT, []byte("PK\x03\x04garbage"), "", document.TextMalformed},
		{"docx without its document part", document.MediaDOCX, zipOf(map[string]string{"word/other.xml": "<a>x</a>"}), "", document.TextMalformed},
		{"broken XML", document.MediaDOCX, zipOf(map[string]string{"word/document.xml": "<w:p>a</w:p><"}), "", document.TextMalformed},
	}
	if _, ok := testenv.HasTool(t, "pdftotext"); ok {
		cases = append(cases, struct {
			name, mediaType string
			body            []byte
			want, reason    string
		}{"pdf", "application/pdf", minimalPDF("Quy trinh cap phep xay dung"), "Quy trinh cap phep xay dung", ""})
	}
	for _, tc := range cases {
		r := bytes.NewReader(tc.body)
		got, err := document.Extract(context.Background(), tc.mediaType, r, int64(len(tc.body)), document.TextBudget{})
		if err != nil || got.Text != tc.want || got.Reason != tc.reason {
			t.Errorf("%s: %+v %v, want %q (reason %q)", tc.name, got, err, tc.want, tc.reason)
		}
	}
}

// emptySheets is the attack of the issue: a small workbook of many sheets,
// each megabytes of empty elements once decompressed.
func emptySheets(sheets int) []byte {
	part := "<worksheet><sheetData><row>" + strings.Repeat("<v/>", 1<<20) + "</row></sheetData></worksheet>"
	parts := map[string]string{}
	for i := 1; i <= sheets; i++ {
		parts[fmt.Sprintf("xl/worksheets/sheet%d.xml", i)] = part
	}
	return zipOf(parts)
}

// nestedParagraphs is a Word document of n unclosed, empty, nested paragraphs.
func nestedParagraphs(n int) []byte {
	return zipOf(map[string]string{"word/document.xml": "<w:document><w:body>" + strings.Repeat("<w:p>", n)})
}

// TestExtractBudget: the budget holds for the whole file, not per part: a
// file over its bytes is too large, one over its time too slow, and a
// failing reader (the object store) is an error to retry, not an outcome.
func TestExtractBudget(t *testing.T) {
	budget := document.TextBudget{Bytes: 8 << 20, Time: time.Minute}
	for _, tc := range []struct {
		name, mediaType string
		body            []byte
		reason          string
	}{
		{"one sheet of empty elements (4 MiB)", document.MediaXLSX, emptySheets(1), ""},
		{"20 sheets of empty elements (80 MiB)", document.MediaXLSX, emptySheets(20), document.TextTooLarge},
		{"a million nested paragraphs (5 MiB)", document.MediaDOCX, nestedParagraphs(1 << 20), ""},
		{"ten million nested paragraphs (50 MiB)", document.MediaDOCX, nestedParagraphs(10 << 20), document.TextTooLarge},
	} {
		x, err := document.Extract(context.Background(), tc.mediaType, bytes.NewReader(tc.body), int64(len(tc.body)), budget)
		if err != nil || x.Reason != tc.reason || x.Text != "" {
			t.Errorf("%s (%d bytes on disk): %+v %v, want reason %q", tc.name, len(tc.body), x, err, tc.reason)
		}
	}
	if _, ok := testenv.HasTool(t, "pdftotext"); ok {
		pdf := minimalPDF("Quy trinh")
		if x, err := document.Extract(context.Background(), "application/pdf", bytes.NewReader(pdf), int64(len(pdf)),
			document.TextBudget{Bytes: int64(len(pdf)) - 1}); err != nil || x.Reason != document.TextTooLarge {
			t.Errorf("a PDF larger than the budget: %+v %v", x, err)
		}
		bad := []byte("%PDF-1.4\n" + strings.Repeat("garbage ", 100))
		if x, err := document.Extract(context.Background(), "application/pdf", bytes.NewReader(bad), int64(len(bad)),
			document.TextBudget{}); err != nil || x.Reason != document.TextMalformed {
			t.Errorf("a broken PDF: %+v %v", x, err)
		}
	}
	body := docxBytes("Thẩm định")
	x, err := document.Extract(context.Background(), document.MediaDOCX, bytes.NewReader(body), int64(len(body)), document.TextBudget{Time: time.Nanosecond})
	if err != nil || x.Reason != document.TextTooSlow {
		t.Errorf("over its time: %+v %v, want too slow", x, err)
	}
	// A reader without random access is read into memory within the budget.
	x, err = document.Extract(context.Background(), document.MediaDOCX, io.MultiReader(bytes.NewReader(body)), int64(len(body)), document.TextBudget{})
	if err != nil || x.Text != "Thẩm định" {
		t.Errorf("sequential reader: %+v %v", x, err)
	}
	huge := emptySheets(1)
	x, err = document.Extract(context.Background(), document.MediaXLSX, io.MultiReader(bytes.NewReader(huge)), 64<<20, budget)
	if err != nil || x.Reason != document.TextTooLarge {
		t.Errorf("a sequential file larger than the budget: %+v %v", x, err)
	}
	// The object store failing mid-file is not the file's fault.
	x, err = document.Extract(context.Background(), document.MediaDOCX, failingReader{bytes.NewReader(body)}, int64(len(body)), document.TextBudget{})
	if err == nil {
		t.Errorf("a failing reader gave an outcome: %+v", x)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := document.Extract(ctx, document.MediaDOCX, bytes.NewReader(body), int64(len(body)), document.TextBudget{}); err == nil {
		t.Error("a cancelled extraction gave an outcome")
	}
}

// failingReader fails every read past its first bytes, as a dropped
// connection to the object store does.
type failingReader struct{ r *bytes.Reader }

func (f failingReader) Read(p []byte) (int, error) { return 0, errors.New("connection reset") }
func (f failingReader) ReadAt(p []byte, off int64) (int, error) {
	if off > 0 {
		return 0, errors.New("connection reset")
	}
	return f.r.ReadAt(p, off)
}

func docxBytes(text string) []byte {
	return zipOf(map[string]string{"word/document.xml": `<w:document><w:body><w:p><w:r><w:t>` + text + `</w:t></w:r></w:p></w:body></w:document>`})
}
