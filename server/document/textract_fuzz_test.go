package document_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/qmstrack/qmstrack/server/document"
)

// FuzzExtract feeds the text extraction hostile office files: kind picks
// whether data is the XML part of a DOCX, of an XLSX (shared strings and a
// sheet) or of an ODT, or the whole file given as a DOCX (the ZIP reader).
// Whatever the input, extraction ends within its budget with an outcome:
// valid UTF-8 text of at most 200,000 characters, single-spaced, or no
// text and a known reason; it never panics and never fails as if the
// reader had (a bytes.Reader does not). The seed corpus is in
// testdata/fuzz/FuzzExtract: office XML in each kind, entities and a DTD,
// CDATA, deep nesting, empty elements, invalid UTF-8, and broken ZIPs.
func FuzzExtract(f *testing.F) {
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		var mediaType string
		var body []byte
		switch kind % 4 {
		case 0:
			mediaType, body = document.MediaDOCX, zipOf(map[string]string{"word/document.xml": string(data)})
		case 1:
			mediaType, body = document.MediaXLSX, zipOf(map[string]string{"xl/sharedStrings.xml": string(data), "xl/worksheets/sheet1.xml": string(data)})
		case 2:
			mediaType, body = document.MediaODT, zipOf(map[string]string{"content.xml": string(data)})
		default:
			mediaType, body = document.MediaDOCX, data
		}
		x, err := document.Extract(context.Background(), mediaType, bytes.NewReader(body), int64(len(body)),
			document.TextBudget{Bytes: 1 << 20, Time: 10 * time.Second})
		if err != nil {
			t.Fatalf("an in-memory file failed as if its reader had: %v", err)
		}
		if x.Reason != "" {
			if x.Text != "" || !slices.Contains(document.TextReasons, x.Reason) {
				t.Fatalf("not indexed with text or an unknown reason: %+v", x)
			}
			return
		}
		if !utf8.ValidString(x.Text) || utf8.RuneCountInString(x.Text) > 200_000 {
			t.Fatalf("text is not valid UTF-8 or too long: %d runes", utf8.RuneCountInString(x.Text))
		}
		if x.Text != strings.Join(strings.Fields(x.Text), " ") {
			t.Fatalf("text is not single-spaced: %q", x.Text)
		}
	})
}
