package document

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"os/exec"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of text extraction: search needs the words of a document, not all
// of a 500 MiB scan, and extraction must not hold up the upload for long.
const (
	maxTextRunes   = 200_000
	maxExtractRead = 32 << 20
	extractTimeout = 20 * time.Second
)

// ExtractText returns the text of a file for search, or "" when the format
// has no text or extraction fails (search then covers the other fields).
// PDF goes through pdftotext when it is installed; DOCX, XLSX, ODT and ODS
// are ZIP files whose XML parts hold the text; plain text is read directly.
//
// The ZIP-based formats need r to be an io.ReaderAt as well (object store
// versions are); without it they yield no text.
func ExtractText(ctx context.Context, mediaType string, r io.Reader, size int64) string {
	ra, _ := r.(io.ReaderAt)
	var s string
	switch mediaType {
	case "text/plain":
		b, _ := io.ReadAll(io.LimitReader(r, maxTextRunes*4))
		s = string(b)
	case "application/pdf":
		s = pdfText(ctx, r)
	case "application/vnd.openxmlformats-officedocument.wordprocessingml.document":
		s = zipText(ra, size, func(n string) bool { return n == "word/document.xml" })
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":
		s = zipText(ra, size, func(n string) bool {
			return n == "xl/sharedStrings.xml" || strings.HasPrefix(n, "xl/worksheets/sheet")
		})
	case "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet":
		s = zipText(ra, size, func(n string) bool { return n == "content.xml" })
	}
	return clip(strings.ToValidUTF8(s, " "))
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > maxTextRunes {
		s = string([]rune(s)[:maxTextRunes])
	}
	return s
}

// pdfText pipes the PDF into pdftotext; the file is never written to disk.
func pdfText(ctx context.Context, r io.Reader) string {
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(ctx, extractTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-q", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = io.LimitReader(r, maxExtractRead)
	var out bytes.Buffer
	cmd.Stdout = &limitedBuffer{b: &out, max: maxTextRunes * 4}
	if err := cmd.Run(); err != nil && out.Len() == 0 {
		return ""
	}
	return out.String()
}

type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

// Write keeps the first max bytes and discards the rest without failing.
func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.b.Len(); room > 0 {
		if len(p) > room {
			l.b.Write(p[:room])
		} else {
			l.b.Write(p)
		}
	}
	return len(p), nil // keep pdftotext running to its end
}

// zipText collects the character data of the XML parts chosen by want.
func zipText(r io.ReaderAt, size int64, want func(string) bool) string {
	if r == nil || size <= 0 || size > 1<<30 {
		return ""
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return ""
	}
	var sb strings.Builder
	for _, f := range zr.File {
		if !want(f.Name) || f.UncompressedSize64 > maxExtractRead {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			continue
		}
		xmlText(io.LimitReader(rc, maxExtractRead), &sb)
		rc.Close()
		if sb.Len() > maxTextRunes*4 {
			break
		}
	}
	return sb.String()
}

// xmlText appends the text of an office XML part, a space between elements
// so words of adjacent paragraphs and cells do not run together.
func xmlText(r io.Reader, sb *strings.Builder) {
	dec := xml.NewDecoder(r)
	dec.Strict = false
	for sb.Len() <= maxTextRunes*4 {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		switch t := tok.(type) {
		case xml.CharData:
			sb.Write(t)
		case xml.EndElement:
			switch t.Name.Local {
			case "p", "tc", "c", "si", "h", "table-cell", "tab", "br":
				sb.WriteByte(' ')
			}
		}
	}
}
