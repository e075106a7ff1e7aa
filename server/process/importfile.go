package process

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/qmstrack/qmstrack/server/qms"
)

// MaxImportLine bounds one row of an import file, its line end included
// (one line, or several when a quoted value holds line breaks). A dossier
// row is a few hundred bytes: a row of more than 64 KiB is not a row of a
// one-stop export, and the CSV reader would hold it whole in memory, so the
// whole import is refused at the first one (ErrTooLarge, nothing stored)
// rather than the row alone: what follows a runaway row (an unclosed quote
// swallows the rest of the file) cannot be trusted either.
const MaxImportLine = 64 << 10

// DefaultMaxImport bounds an import file when Options.MaxImport is 0: the
// default of QMS_MAX_UPLOAD_BYTES.
const DefaultMaxImport = 512 << 20

var (
	errLineBound = errors.New("import line over its bound")
	errFileBound = errors.New("import file over its bound")
)

func errImportTooLarge(max int64) error {
	return qms.Errorf(qms.ErrTooLarge, "the file is larger than the limit of %s", sizeText(max))
}

// sizeText writes a size as people read it (1 GiB, 512 MiB, 64 KiB).
func sizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// importFile reads an import file one row at a time within its bounds, so
// that memory stays flat whatever the file holds: the file is read through
// a limit of its size, cut into lines by a buffer of MaxImportLine (a longer
// line is refused without being held), and the lines are handed to the CSV
// reader one at a time, so that importFile knows where each row begins and
// refuses a row that grows past MaxImportLine over several lines.
type importFile struct {
	max     int64
	lines   *bufio.Reader
	pending []byte // the rest of the current line, not yet handed over
	between bool   // the CSV reader has finished a row and not begun the next
	row     int    // bytes of the current row handed over
	err     error
	cr      *csv.Reader
	idx     map[string]int
	line    int // the row last read; the header is line 1
}

// openImport reads the header of the file r and maps its columns as o
// says: a column named in the mapping, else by its own name, else by a
// known alias; the first four columns are required.
func openImport(r io.Reader, o ImportOptions, max int64) (*importFile, error) {
	for k := range o.Mapping {
		if !oneOf(k, ImportColumns) {
			return nil, qms.Errorf(qms.ErrInvalid, "mapping: unknown column %q (known: %s)", k, strings.Join(ImportColumns, ", "))
		}
	}
	if max <= 0 {
		max = DefaultMaxImport
	}
	f := &importFile{max: max, between: true, lines: bufio.NewReaderSize(&sizeBound{r: r, left: max + 1}, MaxImportLine+1)}
	comma := o.Comma
	if comma == 0 {
		comma = f.detectComma()
	}
	f.cr = csv.NewReader(f)
	f.cr.Comma = comma
	f.cr.FieldsPerRecord = -1
	f.cr.ReuseRecord = true
	f.cr.LazyQuotes = true
	header, err := f.read()
	if err != nil {
		if qms.KindOf(err) == qms.ErrTooLarge {
			return nil, err
		}
		return nil, qms.Errorf(qms.ErrInvalid, "the file has no header row")
	}
	byHeader := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		byHeader[strings.ToLower(h)] = i
	}
	f.idx = map[string]int{}
	for _, col := range ImportColumns {
		if h, ok := o.Mapping[col]; ok {
			i, found := byHeader[strings.ToLower(strings.TrimSpace(h))]
			if !found {
				return nil, qms.Errorf(qms.ErrInvalid, "mapping: the file has no column %q", h)
			}
			f.idx[col] = i
			continue
		}
		if i, ok := byHeader[col]; ok {
			f.idx[col] = i
		}
	}
	for h, i := range byHeader {
		if col, ok := headerAliases[h]; ok {
			if _, set := f.idx[col]; !set {
				f.idx[col] = i
			}
		}
	}
	for _, col := range ImportColumns[:4] {
		if _, ok := f.idx[col]; !ok {
			return nil, qms.Errorf(qms.ErrInvalid, "the file has no %s column; map it to one of the file's columns", col)
		}
	}
	return f, nil
}

// next reads the next row and returns its line and its columns by our
// names: io.EOF at the end, a *csv.ParseError for a row that cannot be read
// (the import rejects it and goes on), ErrTooLarge beyond a bound.
func (f *importFile) next() (int, func(col string) string, error) {
	rec, err := f.read()
	if err != nil {
		return f.line, nil, err
	}
	return f.line, func(col string) string {
		if i, ok := f.idx[col]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}, nil
}

// read reads one row with the CSV reader and names the bounds' errors.
func (f *importFile) read() ([]string, error) {
	rec, err := f.cr.Read()
	f.line++
	f.between, f.row = true, 0
	var pe *csv.ParseError
	switch {
	case err == nil, errors.Is(err, io.EOF), errors.As(err, &pe):
		return rec, err
	case errors.Is(err, errLineBound):
		return nil, qms.Errorf(qms.ErrTooLarge, "line %d of the file is longer than %s", f.line, sizeText(MaxImportLine))
	case errors.Is(err, errFileBound):
		return nil, errImportTooLarge(f.max)
	}
	return nil, qms.Wrap(qms.ErrInvalid, err, "the file could not be read")
}

// Read hands the CSV reader the file at most one line at a time. Blank
// lines between rows, which the CSV reader would skip, are skipped here,
// so that they do not count in the size of the row after them.
func (f *importFile) Read(p []byte) (int, error) {
	for len(f.pending) == 0 {
		if f.err != nil {
			return 0, f.err
		}
		line, err := f.lines.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) || len(line) > MaxImportLine || f.row+len(line) > MaxImportLine {
			f.err = errLineBound
			return 0, f.err
		}
		if err != nil {
			f.err = err // the end of the file, or the size bound
		}
		if f.between && (string(line) == "\n" || string(line) == "\r\n") {
			continue
		}
		if len(line) > 0 {
			f.between = false
		}
		f.pending = line
	}
	n := copy(p, f.pending)
	f.pending = f.pending[n:]
	f.row += n
	return n, nil
}

// detectComma picks ';' when the first line has more semicolons than
// commas (spreadsheets in Vietnamese locales often export so), else ','.
func (f *importFile) detectComma() rune {
	head, _ := f.lines.Peek(4096)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	if bytes.Count(head, []byte(";")) > bytes.Count(head, []byte(",")) {
		return ';'
	}
	return ','
}

// sizeBound reads at most left-1 bytes of r and fails with errFileBound
// on the next one, so a file of exactly the bound is read whole.
type sizeBound struct {
	r    io.Reader
	left int64
	err  error
}

func (b *sizeBound) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if b.left <= 0 {
		b.err = errFileBound
		return n - 1, b.err
	}
	return n, err
}
