package evidence

import (
	"context"
	"strings"

	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/nonconformity"
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

// NCRaiser raises nonconformities for audit findings through the
// nonconformity capability; it implements internalaudit.NCRaiser.
type NCRaiser struct{ NC *nonconformity.Service }

// RaiseFromAudit creates (or, for the same finding, returns) the NC.
func (r NCRaiser) RaiseFromAudit(ctx context.Context, in internalaudit.NCRequest) (string, string, error) {
	desc := in.Description
	if len(in.Evidence) > 0 {
		desc += "\n\nBằng chứng / Evidence:\n- " + strings.Join(in.Evidence, "\n- ")
	}
	desc += "\n\nĐánh giá nội bộ / Internal audit " + in.AuditNumber
	if r := []rune(desc); len(r) > 8000 {
		desc = string(r[:7999]) + "…"
	}
	nc, err := r.NC.Raise(ctx, nonconformity.NewNC{Source: "internal_audit", SourceRef: in.FindingRef, Severity: in.Severity,
		Unit: in.Unit, Clauses: in.Clauses, Title: in.Title, Description: desc})
	if err != nil {
		return "", "", err
	}
	return nc.ID, nc.Number, nil
}
