package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/qms"
)

// maxExportRows bounds one export; the register's filters narrow it.
const maxExportRows = 20000

// exportNCs walks the register page by page with the request's filters.
func exportNCs(ctx context.Context, ncs *nonconformity.Service, f nonconformity.Filter, row func(nonconformity.NC) error) error {
	f.Limit, f.Cursor = 500, ""
	n := 0
	for {
		items, err := ncs.List(ctx, f)
		if err != nil {
			return err
		}
		for _, nc := range items {
			if n++; n > maxExportRows {
				return qms.Errorf(qms.ErrTooLarge, "more than %d nonconformities: narrow the filters", maxExportRows)
			}
			if err := row(nc); err != nil {
				return err
			}
		}
		if len(items) < f.Limit {
			return nil
		}
		f.Cursor = items[len(items)-1].Number
	}
}

// handleNCExportCSV writes the register as CSV (UTF-8 with a byte-order
// mark, so spreadsheet programs show Vietnamese correctly). Every cell that
// a spreadsheet would read as a formula gets a leading apostrophe.
func handleNCExportCSV(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, err := ncFilter(c)
		if err != nil {
			fail(c, err)
			return
		}
		// Check access and filters before the first byte is written.
		if _, err := ncs.List(c.Request.Context(), nonconformity.Filter{Status: f.Status, Unit: f.Unit, Severity: f.Severity,
			Source: f.Source, Clause: f.Clause, Q: f.Q, Limit: 1}); err != nil {
			fail(c, err)
			return
		}
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", `attachment; filename="nonconformities.csv"`)
		c.Status(http.StatusOK)
		_, _ = c.Writer.Write([]byte("\xef\xbb\xbf"))
		w := csv.NewWriter(c.Writer)
		_ = w.Write(nonconformity.ExportHeader)
		today := ncs.Today()
		err = exportNCs(c.Request.Context(), ncs, f, func(nc nonconformity.NC) error {
			row := nonconformity.ExportRow(nc, today)
			for i := range row {
				row[i] = nonconformity.SafeCell(row[i])
			}
			return w.Write(row)
		})
		w.Flush()
		if err != nil {
			// Headers are gone; the truncated file ends with the reason.
			_, _ = fmt.Fprintf(c.Writer, "\n# export stopped: %s\n", qms.Message(err))
		}
	}
}

// handleNCExportXLSX writes the register as an XLSX workbook with a stream
// writer (bounded memory). Every value is written as a text cell, so
// nothing is ever evaluated as a formula.
func handleNCExportXLSX(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, err := ncFilter(c)
		if err != nil {
			fail(c, err)
			return
		}
		x := excelize.NewFile()
		defer x.Close()
		sheet := "NC"
		if err := x.SetSheetName("Sheet1", sheet); err != nil {
			fail(c, err)
			return
		}
		sw, err := x.NewStreamWriter(sheet)
		if err != nil {
			fail(c, err)
			return
		}
		text := func(vals []string) []any {
			out := make([]any, len(vals))
			for i, v := range vals {
				out[i] = excelize.Cell{Value: v}
			}
			return out
		}
		if err := sw.SetRow("A1", text(nonconformity.ExportHeader)); err != nil {
			fail(c, err)
			return
		}
		r := 2
		today := ncs.Today()
		err = exportNCs(c.Request.Context(), ncs, f, func(nc nonconformity.NC) error {
			cell, _ := excelize.CoordinatesToCellName(1, r)
			r++
			return sw.SetRow(cell, text(nonconformity.ExportRow(nc, today)))
		})
		if err != nil {
			fail(c, err)
			return
		}
		if err := sw.Flush(); err != nil {
			fail(c, err)
			return
		}
		c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		c.Header("Content-Disposition", `attachment; filename="nonconformities.xlsx"`)
		c.Status(http.StatusOK)
		if err := x.Write(c.Writer); err != nil {
			_ = c.Error(err)
		}
	}
}
