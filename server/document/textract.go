package document

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os/exec"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Text extraction for search. A file's text is read after the upload, by
// the documents.index job (IndexText), never in the request, and within a
// budget of bytes and time for the whole file: an office file is a ZIP of
// XML parts, and a few hundred kilobytes of it can decompress to gigabytes
// of empty elements. A file over its budget, or one that cannot be read as
// its type, is "not indexed", with the reason; its upload stands.

// maxTextRunes bounds the text kept for search: search needs the words of
// a document, not all of a 500 MiB scan. Extraction stops once it has them.
const maxTextRunes = 200_000

// TextBudget bounds the extraction of one file.
type TextBudget struct {
	// Bytes bounds every byte extraction reads: taken from the file (a ZIP
	// directory, compressed parts, a PDF) and decompressed from it.
	Bytes int64
	// Time bounds the whole extraction, the object store's reads included.
	Time time.Duration
}

// DefaultTextBudget is the budget when none is configured. A procedure of a
// hundred pages is a few megabytes of XML and its 200,000 characters of
// text come well before the end; reading 32 MiB of the worst XML takes a
// few seconds of one core.
var DefaultTextBudget = TextBudget{Bytes: 32 << 20, Time: 15 * time.Second}

// The states of a file's text.
const (
	TextPending    = "pending"     // waiting for the documents.index job
	TextIndexed    = "indexed"     // its text is searchable
	TextNotIndexed = "not_indexed" // see the reason
)

// Why a file's text is not indexed.
const (
	TextTooLarge    = "too_large"   // more to read than the budget's bytes
	TextTooSlow     = "too_slow"    // reading took longer than the budget's time
	TextMalformed   = "malformed"   // damaged, or not in the format its type says
	TextNoText      = "no_text"     // a type without text to search (images)
	TextUnavailable = "unavailable" // the reader of the type is not installed (pdftotext)
	TextUnreadable  = "unreadable"  // the object store did not give the file, several times
)

// TextReasons lists the reasons, for the pages' texts.
var TextReasons = []string{TextTooLarge, TextTooSlow, TextMalformed, TextNoText, TextUnavailable, TextUnreadable}

// Extracted is the outcome of the extraction of one file's text.
type Extracted struct {
	Text   string // folded for search by the store
	Reason string // empty when the text is indexed
}

// State is the text state the outcome records.
func (x Extracted) State() string {
	if x.Reason != "" {
		return TextNotIndexed
	}
	return TextIndexed
}

// The office media types whose text is read from their XML.
const (
	MediaDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	MediaXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	MediaODT  = "application/vnd.oasis.opendocument.text"
	MediaODS  = "application/vnd.oasis.opendocument.spreadsheet"
)

// hasText reports whether files of mediaType have text that Extract reads.
func hasText(mediaType string) bool {
	switch mediaType {
	case "text/plain", "application/pdf", MediaDOCX, MediaXLSX, MediaODT, MediaODS:
		return true
	}
	return false
}

var (
	errOverBudget  = errors.New("text extraction: over its byte budget")
	errMalformed   = errors.New("text extraction: malformed file")
	errUnavailable = errors.New("text extraction: no reader for the type")
)

// Extract reads the text of a file of mediaType within the budget b (zero
// fields take DefaultTextBudget's). The outcome says the text, or why it is
// not indexed; an error means the file could not be read from r (the
// object store failed, or ctx ended) and extraction should be tried again.
//
// PDF goes through pdftotext, the file piped in and never written to disk;
// DOCX, XLSX, ODT and ODS are ZIP files whose XML parts hold the text (r
// must then be an io.ReaderAt, as object store versions are, or is read
// into memory within the budget); plain text is read directly.
func Extract(ctx context.Context, mediaType string, r io.Reader, size int64, b TextBudget) (out Extracted, err error) {
	if b.Bytes <= 0 {
		b.Bytes = DefaultTextBudget.Bytes
	}
	if b.Time <= 0 {
		b.Time = DefaultTextBudget.Time
	}
	if err := ctx.Err(); err != nil {
		return Extracted{}, err
	}
	if !hasText(mediaType) {
		return Extracted{Reason: TextNoText}, nil
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, b.Time)
	defer cancel()
	bd := &budget{ctx: ctx, left: b.Bytes}
	defer func() {
		// A parser's panic on hostile input is a malformed file, not a
		// dead job.
		if p := recover(); p != nil {
			out, err = Extracted{Reason: TextMalformed}, nil
		}
	}()
	var s string
	switch mediaType {
	case "text/plain":
		var raw []byte
		raw, err = io.ReadAll(io.LimitReader(&meter{r: r, b: bd, source: true}, maxTextRunes*4))
		s = string(raw)
	case "application/pdf":
		s, err = pdfText(ctx, r, size, bd)
	case MediaDOCX:
		s, err = zipText(r, size, bd, "word/document.xml", func(n string) bool { return n == "word/document.xml" })
	case MediaXLSX:
		s, err = zipText(r, size, bd, "", func(n string) bool {
			return n == "xl/sharedStrings.xml" || strings.HasPrefix(n, "xl/worksheets/sheet")
		})
	default: // MediaODT, MediaODS
		s, err = zipText(r, size, bd, "content.xml", func(n string) bool { return n == "content.xml" })
	}
	switch {
	case bd.src != nil:
		return Extracted{}, bd.src
	case parent.Err() != nil:
		return Extracted{}, parent.Err()
	case ctx.Err() != nil:
		return Extracted{Reason: TextTooSlow}, nil
	case bd.over || errors.Is(err, errOverBudget):
		return Extracted{Reason: TextTooLarge}, nil
	case errors.Is(err, errUnavailable):
		return Extracted{Reason: TextUnavailable}, nil
	case err != nil:
		return Extracted{Reason: TextMalformed}, nil
	}
	return Extracted{Text: clip(strings.ToValidUTF8(s, " "))}, nil
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > maxTextRunes {
		s = string([]rune(s)[:maxTextRunes])
	}
	return s
}

// budget is what is left of a TextBudget while one file is read.
type budget struct {
	ctx  context.Context
	left int64
	over bool  // the bytes ran out
	src  error // the file's reader failed (not the file's fault)
}

// take spends n bytes; it fails once the bytes or the time have run out.
func (b *budget) take(n int) error {
	if err := b.ctx.Err(); err != nil {
		return err
	}
	b.left -= int64(n)
	if b.left < 0 {
		b.over = true
		return errOverBudget
	}
	return nil
}

// source records a failure of the file's own reader.
func (b *budget) source(err error) {
	if err != nil && err != io.EOF && b.src == nil && b.ctx.Err() == nil {
		b.src = err
	}
}

// meter spends the budget on every byte read through it; source marks the
// file's own reader, whose failures are not the file's fault.
type meter struct {
	r      io.Reader
	b      *budget
	source bool
}

func (m *meter) Read(p []byte) (int, error) {
	if err := m.b.take(0); err != nil {
		return 0, err
	}
	n, err := m.r.Read(p)
	if m.source {
		m.b.source(err)
	}
	if berr := m.b.take(n); berr != nil {
		return 0, berr
	}
	return n, err
}

// meterAt is meter for random access (the ZIP directory and parts).
type meterAt struct {
	r io.ReaderAt
	b *budget
}

func (m *meterAt) ReadAt(p []byte, off int64) (int, error) {
	if err := m.b.take(0); err != nil {
		return 0, err
	}
	n, err := m.r.ReadAt(p, off)
	m.b.source(err)
	if berr := m.b.take(n); berr != nil {
		return 0, berr
	}
	return n, err
}

// pdfText pipes the PDF into pdftotext, which the deadline of ctx kills.
// A PDF larger than the budget is not read at all.
func pdfText(ctx context.Context, r io.Reader, size int64, bd *budget) (string, error) {
	if size > bd.left {
		bd.over = true
		return "", errOverBudget
	}
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		return "", errUnavailable
	}
	cmd := exec.CommandContext(ctx, bin, "-q", "-enc", "UTF-8", "-", "-")
	cmd.Stdin = &meter{r: r, b: bd, source: true}
	cmd.WaitDelay = time.Second // the stdin copy ends with the process
	var out bytes.Buffer
	cmd.Stdout = &limitedBuffer{b: &out, max: maxTextRunes * 4}
	err = cmd.Run()
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	if err != nil && out.Len() == 0 {
		return "", errMalformed
	}
	return out.String(), nil // a full buffer stops pdftotext early: its text so far is the text
}

// errFull stops pdftotext once the text kept for search is complete.
var errFull = errors.New("text extraction: enough text")

type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

// Write keeps the first max bytes, then fails so pdftotext stops.
func (l *limitedBuffer) Write(p []byte) (int, error) {
	room := l.max - l.b.Len()
	if room <= 0 {
		return 0, errFull
	}
	if len(p) > room {
		l.b.Write(p[:room])
		return room, errFull
	}
	return l.b.Write(p)
}

// zipText collects the character data of the XML parts chosen by want,
// shared strings first (they hold a workbook's text). required names the
// part without which the file is not of its type ("" for none).
func zipText(r io.Reader, size int64, bd *budget, required string, want func(string) bool) (string, error) {
	if size <= 0 {
		return "", errMalformed
	}
	ra, ok := r.(io.ReaderAt)
	if !ok {
		// Without random access the file is read into memory, within the budget.
		if size > bd.left {
			bd.over = true
			return "", errOverBudget
		}
		raw, err := io.ReadAll(&meter{r: r, b: bd, source: true})
		if err != nil {
			return "", err
		}
		ra, size = bytes.NewReader(raw), int64(len(raw))
	}
	zr, err := zip.NewReader(&meterAt{r: ra, b: bd}, size)
	if err != nil {
		if bd.over || bd.src != nil || bd.ctx.Err() != nil {
			return "", err
		}
		return "", errMalformed
	}
	var parts []*zip.File
	found := required == ""
	for _, f := range zr.File {
		if want(f.Name) {
			parts = append(parts, f)
		}
		found = found || f.Name == required
	}
	if !found || len(parts) == 0 {
		return "", errMalformed
	}
	sort.SliceStable(parts, func(i, j int) bool {
		return strings.HasSuffix(parts[i].Name, "sharedStrings.xml") && !strings.HasSuffix(parts[j].Name, "sharedStrings.xml")
	})
	var sb strings.Builder
	for _, f := range parts {
		if f.UncompressedSize64 > uint64(bd.left) {
			bd.over = true // the part says it is larger than what is left to read
			return "", errOverBudget
		}
		rc, err := f.Open()
		if err != nil {
			return "", errMalformed
		}
		err = xmlText(&meter{r: rc, b: bd}, &sb, bd)
		rc.Close()
		if err != nil {
			return "", err
		}
		if sb.Len() >= maxTextRunes*4 {
			break
		}
	}
	return sb.String(), nil
}

// xmlText appends the text of an office XML part to sb, a space between
// elements so words of adjacent paragraphs and cells do not run together,
// until sb holds the text search keeps. It reads raw tokens: no element
// stack, so deep nesting costs nothing but its bytes.
func xmlText(r io.Reader, sb *strings.Builder, bd *budget) error {
	dec := xml.NewDecoder(r)
	dec.Strict = false
	for n := 0; sb.Len() < maxTextRunes*4; n++ {
		if n&1023 == 0 {
			if err := bd.ctx.Err(); err != nil {
				return err
			}
		}
		tok, err := dec.RawToken()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if bd.over || bd.src != nil || bd.ctx.Err() != nil {
				return err
			}
			return errMalformed
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
	return nil
}
