package web

import (
	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/web/export"
)

// ncExportCols are the columns of the NC export, in order: each code in its
// own column (for programs and filters), followed by its name in the
// reader's language; dates stay yyyy-mm-dd and flags yes/no, machine-readable.
var ncExportCols = []string{"number", "status", "status_name", "severity", "severity_name", "source", "source_name", "source_ref",
	"unit", "unit_name", "clauses", "title", "detected_by", "detected_on", "cause_categories", "cause_summary", "overdue",
	"created_on", "closed_on"}

// ncExportHeader is the header row in the request's language.
func (s *Server) ncExportHeader(c *gin.Context) []string {
	out := make([]string, len(ncExportCols))
	for i, k := range ncExportCols {
		out[i] = s.T(c, "nc.export.col."+k)
	}
	return out
}

// ncExportRows yields the register's rows for an export, page by page with
// the request's filters, at most maxExportRows, with the names of the codes
// and the generated titles in the request's language.
func (s *Server) ncExportRows(c *gin.Context, ncs *nonconformity.Service, f nonconformity.Filter) (export.Rows, error) {
	_, units, err := s.unitNames(c)
	if err != nil {
		return nil, err
	}
	lang := c.GetString("lang")
	t := s.trLang(lang)
	ctx := c.Request.Context()
	return func(yield func([]string) error) error {
		f.Limit, f.Cursor = 500, ""
		n, today := 0, ncs.Today()
		for {
			items, err := ncs.List(ctx, f)
			if err != nil {
				return err
			}
			for _, nc := range items {
				if n++; n > maxExportRows {
					return qms.Errorf(qms.ErrTooLarge, "more than %d nonconformities: narrow the filters", maxExportRows)
				}
				r := nonconformity.ExportRow(nc, today, ncs.Location())
				title := r[7]
				if nc.TitleMsg != nil {
					title = s.views.cat.Msg(lang, *nc.TitleMsg)
				}
				unit := units[nc.Unit]
				if unit == "" {
					unit = nc.Unit
				}
				row := []string{r[0], r[1], t.T("nc.status." + nc.Status), r[2], t.T("nc.severity." + nc.Severity), r[3], t.T("nc.source." + nc.Source), r[4],
					r[5], unit, r[6], title, r[8], r[9], r[10], r[11], r[12], r[13], r[14]}
				if err := yield(row); err != nil {
					return err
				}
			}
			if len(items) < f.Limit {
				return nil
			}
			f.Cursor = items[len(items)-1].Number
		}
	}, nil
}
