package web

import (
	"mime"
	"testing"
)

func TestContentDisposition(t *testing.T) {
	for _, name := range []string{
		"Quy trình cấp phép.pdf",
		"O'Brien (bản 2); a=b@c,d*e:f.docx",
		`dấu "nháy" \ và % phần trăm.txt`,
		"Đơn đề nghị.xlsx",
	} {
		h := contentDisposition("attachment", name)
		disp, params, err := mime.ParseMediaType(h)
		if err != nil {
			t.Fatalf("%q: %v", h, err)
		}
		// mime decodes filename* (RFC 2231/8187) into "filename".
		if disp != "attachment" || params["filename"] != name {
			t.Errorf("%q: got %q, want %q", h, params["filename"], name)
		}
	}
	if got := contentDisposition("attachment", "Đơn đề nghị.xlsx"); got != `attachment; filename="Don de nghi.xlsx"; filename*=UTF-8''%C4%90%C6%A1n%20%C4%91%E1%BB%81%20ngh%E1%BB%8B.xlsx` {
		t.Errorf("header %s", got)
	}
}
