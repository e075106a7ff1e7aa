package evidence

import (
	"context"

	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/record"
)

// ReportFiler files internal audit reports as records of type audit report;
// it implements internalaudit.RecordFiler with the record capability.
type ReportFiler struct{ Records *record.Service }

// AuditReportType is the record type of audit reports (seeded).
const AuditReportType = "audit-report"

// FileAuditReport files r and returns the record id.
func (f ReportFiler) FileAuditReport(ctx context.Context, r internalaudit.ReportFile) (string, error) {
	rec, err := f.Records.FileTrusted(ctx, record.NewRecord{Type: AuditReportType, Unit: r.Unit, Title: r.Title,
		Date: r.Date.Format("2006-01-02"), Clauses: r.Clauses, Links: record.Links{Audit: r.AuditID},
		FileName: r.FileName, File: r.File})
	if err != nil {
		return "", err
	}
	return rec.ID, nil
}
