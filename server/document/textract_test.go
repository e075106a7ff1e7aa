package document_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/document"
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
		want            string
	}{
		{"plain", "text/plain", []byte("Quy trình\ncấp phép"), "Quy trình cấp phép"},
		{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
			zipOf(map[string]string{"word/document.xml": `<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>Hồ sơ</w:t></w:r></w:p><w:p><w:r><w:t>đất đai</w:t></w:r></w:p></w:body></w:document>`}),
			"Hồ sơ đất đai"},
		{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
			zipOf(map[string]string{"xl/sharedStrings.xml": `<sst><si><t>Biểu mẫu</t></si><si><t>số 01</t></si></sst>`}), "Biểu mẫu số 01"},
		{"odt", "application/vnd.oasis.opendocument.text",
			zipOf(map[string]string{"content.xml": `<office:document-content xmlns:office="o" xmlns:text="t"><office:body><text:p>Sổ tay</text:p><text:p>chất lượng</text:p></office:body></office:document-content>`}),
			"Sổ tay chất lượng"},
		{"png has no text", "image/png", []byte("\x89PNG\r\n\x1a\n"), ""},
		{"broken zip", "application/vnd.oasis.opendocument.text", []byte("PK\x03\x04garbage"), ""},
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		cases = append(cases, struct {
			name, mediaType string
			body            []byte
			want            string
		}{"pdf", "application/pdf", minimalPDF("Quy trinh cap phep xay dung"), "Quy trinh cap phep xay dung"})
	} else {
		t.Log("pdftotext is not installed: PDF extraction not tested")
	}
	for _, tc := range cases {
		r := bytes.NewReader(tc.body)
		got := document.ExtractText(context.Background(), tc.mediaType, r, int64(len(tc.body)))
		if strings.TrimSpace(got) != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
