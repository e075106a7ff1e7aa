// Package export writes tables as CSV and XLSX for download, streaming, so
// a register of any length leaves memory flat. It is pure: rows in, bytes
// out. Every cell is text, and a cell a spreadsheet would read as a formula
// is neutralised, so an exported value is never evaluated.
package export

import (
	"encoding/csv"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// Rows yields the rows of a table one at a time; it stops at the first
// error that yield or the source returns.
type Rows func(yield func([]string) error) error

// SafeCell neutralises a spreadsheet cell against formula injection: a value
// starting with =, +, -, @ (or a tab or carriage return, which some programs
// skip before such a character) gets a leading apostrophe, so it is shown
// as text and never evaluated.
func SafeCell(v string) string {
	if v == "" {
		return v
	}
	switch v[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + v
	}
	return v
}

// CSV writes header and rows as UTF-8 CSV with a byte-order mark (so
// spreadsheet programs show Vietnamese correctly), every cell neutralised.
// Once bytes are written an error cannot change the status any more: the
// file then ends with a line naming the reason, and the error is returned.
func CSV(w io.Writer, header []string, rows Rows, reason func(error) string) error {
	if _, err := w.Write([]byte("\xef\xbb\xbf")); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	err := rows(func(row []string) error {
		safe := make([]string, len(row))
		for i, v := range row {
			safe[i] = SafeCell(v)
		}
		return cw.Write(safe)
	})
	cw.Flush()
	if err != nil && reason != nil {
		_, _ = fmt.Fprintf(w, "\n# export stopped: %s\n", reason(err))
	}
	if err == nil {
		err = cw.Error()
	}
	return err
}

// XLSX builds a workbook of one sheet with a stream writer (bounded memory)
// and writes it to w; every value is a text cell, so nothing is evaluated as
// a formula. Nothing is written to w unless every row was read, so the
// caller can still answer an error.
func XLSX(w io.Writer, sheet string, header []string, rows Rows) error {
	x := excelize.NewFile()
	defer x.Close()
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	text := func(vals []string) []any {
		out := make([]any, len(vals))
		for i, v := range vals {
			out[i] = excelize.Cell{Value: v}
		}
		return out
	}
	if err := sw.SetRow("A1", text(header)); err != nil {
		return err
	}
	r := 2
	err = rows(func(row []string) error {
		cell, err := excelize.CoordinatesToCellName(1, r)
		if err != nil {
			return err
		}
		r++
		return sw.SetRow(cell, text(row))
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return x.Write(w)
}
