package app

import (
	"context"
	"time"

	"github.com/qmstrack/qmstrack/server/evidence"
	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/internalaudit/auditpdf"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/record"
	"github.com/qmstrack/qmstrack/server/web"
)

// auditWindow gives the record capability the units an auditor is auditing
// today, without record importing internalaudit.
type auditWindow struct{ s *postgres.AuditStore }

// AuditedUnits returns the units userID is auditing on the day of now.
func (w auditWindow) AuditedUnits(ctx context.Context, userID string, now time.Time) ([]string, error) {
	return w.s.AuditedUnits(ctx, userID, internalaudit.DateOf(now))
}

// wireRecordsAudits builds records under retention, internal audits and the
// evidence capability, and hands them to the web layer (Extra["records"],
// Extra["audits"], Extra["evidence"]). Nonconformity findings raise NCs
// through the nonconformity capability.
func (a *App) wireRecordsAudits(d *web.Deps) error {
	ncs, err := a.wireNC(d)
	if err != nil {
		return err
	}
	blobs := a.Blob
	auditStore := postgres.NewAuditStore(a.DB)
	records := record.New(postgres.NewRecordStore(a.DB), blobs, a.Authz, a.Identity, record.Options{
		MaxSize: a.Cfg.MaxUpload, Now: a.Now, Audits: auditWindow{auditStore}})
	pdf, err := auditpdf.New(a.Now)
	if err != nil {
		return err
	}
	pdf.UnitName = func(code, lang string) string {
		u, err := a.Org.Unit(context.Background(), code)
		if err != nil {
			return ""
		}
		if lang == "en" {
			return u.NameEN
		}
		return u.NameVI
	}
	audits := internalaudit.New(auditStore, a.Authz, internalaudit.Options{Now: a.Now,
		NC: evidence.NCRaiser{NC: ncs}, Records: evidence.ReportFiler{Records: records}, Renderer: pdf})
	d.Extra["records"] = records
	d.Extra["audits"] = audits
	d.Extra["evidence"] = evidence.New(postgres.NewEvidenceStore(a.DB), blobs, a.Authz, audits, a.Now)
	recStore := postgres.NewRecordStore(a.DB)
	a.Jobs = append(a.Jobs, Job{Name: "record-expiry", Key: recordExpiryJobKey, Run: func(ctx context.Context) error {
		n, err := recStore.NotifyDue(ctx, a.Now())
		if n > 0 {
			a.Log.Info("records due for disposition", "notified", n)
		}
		return err
	}})
	return nil
}

// recordExpiryJobKey is the advisory lock of the retention-expiry scan.
const recordExpiryJobKey = 72620052
