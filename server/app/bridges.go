package app

import (
	"context"
	"io"
	"time"

	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/evidence"
	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/org"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/record"
)

// The adapters through which one capability uses another. Capabilities never
// import each other: each declares the small interface it needs, and the
// types here satisfy it by mapping fields. A rule or a sentence found here
// belongs in a capability instead.

// ncBlobs gives the nonconformity capability the object store.
type ncBlobs struct{ s *blob.Store }

func (b ncBlobs) Put(ctx context.Context, key string, r io.Reader, max int64) (qms.StoredObject, error) {
	return b.s.Put(ctx, key, r, blob.PutOptions{MaxSize: max})
}

func (b ncBlobs) Open(ctx context.Context, key, version string) (io.ReadSeekCloser, error) {
	return b.s.Open(ctx, key, version)
}

// AuditWindow gives records and nonconformities the units an auditor is
// auditing today (internal audits own the audit window and its impartiality
// rule). It hands the audit store, not the service, to the rule, because
// audits file their reports as records and are built after them.
type AuditWindow struct {
	Store    *postgres.AuditStore
	Location *time.Location // the office's time zone
}

// AuditedUnits returns the units userID is auditing on the day of now.
func (w AuditWindow) AuditedUnits(ctx context.Context, userID string, now time.Time) ([]string, error) {
	return internalaudit.WindowUnits(ctx, w.Store, userID, qms.DateOf(now, w.Location))
}

// recordLinks lets records ask each capability that owns a link target
// whether the filer may see it: its own read (Get) answers, "not found" for
// what is hidden as for what does not exist. It reads the services from the
// app when a record is filed, because nonconformities and internal audits
// are built after records (audits file their reports as records).
type recordLinks struct{ a *App }

// Revision implements record.LinkTargets.
func (l recordLinks) Revision(ctx context.Context, id string) error {
	_, _, err := l.a.Documents.Revision(ctx, id)
	return err
}

// NC implements record.LinkTargets.
func (l recordLinks) NC(ctx context.Context, id string) error {
	_, err := l.a.NCs.Get(ctx, id)
	return err
}

// Action implements record.LinkTargets.
func (l recordLinks) Action(ctx context.Context, id string) error {
	_, err := l.a.NCs.NCOfAction(ctx, id)
	return err
}

// Audit implements record.LinkTargets.
func (l recordLinks) Audit(ctx context.Context, id string) error {
	_, err := l.a.Audits.Get(ctx, id)
	return err
}

// overdueDirectives gives the NC scorecard the overdue directives per unit.
type overdueDirectives struct{ l *leadership.Service }

// OverdueDirectivesByUnit implements nonconformity.OverdueDirectives.
func (o overdueDirectives) OverdueDirectivesByUnit(ctx context.Context) (map[string]int, error) {
	list, err := o.l.CountByUnit(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(list))
	for _, u := range list {
		if u.Overdue > 0 {
			out[u.Unit] = u.Overdue
		}
	}
	return out, nil
}

// processDirectives gives the process dashboard and its list of units not
// complying the leadership's directives.
type processDirectives struct {
	l     *leadership.Service
	legal *leadership.Legal // overdue revision tasks after a legal change; nil counts none
}

// DirectivesByUnit implements process.Directives.
func (p processDirectives) DirectivesByUnit(ctx context.Context) (map[string]process.DirectiveCount, error) {
	list, err := p.l.CountByUnit(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]process.DirectiveCount, len(list))
	for _, u := range list {
		out[u.Unit] = process.DirectiveCount{Overdue: u.Overdue, Returned: u.Returned}
	}
	if p.legal == nil {
		return out, nil
	}
	revs, err := p.legal.OverdueByUnit(ctx)
	for unit, n := range revs {
		c := out[unit]
		c.OverdueRevisions = n
		out[unit] = c
	}
	return out, err
}

// DirectiveStates implements process.Directives.
func (p processDirectives) DirectiveStates(ctx context.Context) (map[string]int, error) {
	return p.l.CountByState(ctx)
}

// unitNamer names a unit in a language (for the audit report PDF).
type unitNamer struct{ o *org.Service }

func (n unitNamer) Name(code, lang string) string {
	u, err := n.o.Unit(context.Background(), code)
	if err != nil {
		return ""
	}
	return u.Name(lang)
}

// AuditNCs raises the nonconformity of an audit finding.
type AuditNCs struct{ NCs *nonconformity.Service }

// RaiseFromAudit implements internalaudit.NCRaiser.
func (r AuditNCs) RaiseFromAudit(ctx context.Context, in internalaudit.NCRequest) (string, string, error) {
	nc, err := r.NCs.Raise(ctx, nonconformity.NewNC{Source: nonconformity.SourceInternalAudit, SourceRef: in.FindingRef,
		Severity: in.Severity, Unit: in.Unit, Clauses: in.Clauses, Title: in.Title, DescriptionMsg: ptr(in.NCDescription())})
	return nc.ID, nc.Number, err
}

// AuditReports files audit reports as records of type audit report.
type AuditReports struct{ Records *record.Service }

// FileAuditReport implements internalaudit.RecordFiler.
func (f AuditReports) FileAuditReport(ctx context.Context, r internalaudit.ReportFile) (string, error) {
	rec, err := f.Records.FileTrusted(ctx, record.NewRecord{Type: internalaudit.ReportRecordType, Unit: r.Unit, TitleMsg: &r.Title,
		Date: r.Date.String(), Clauses: r.Clauses, LinkAudit: r.AuditID,
		File: qms.FilesOf(qms.Upload{Name: r.FileName, Body: r.File})})
	return rec.ID, err
}

// EvidenceAudits gives evidence packs the audit they are made for and the
// auditor's window access.
type EvidenceAudits struct{ Audits *internalaudit.Service }

// Audit implements evidence.Audits.
func (e EvidenceAudits) Audit(ctx context.Context, id string) (evidence.Audit, error) {
	a, err := e.Audits.Get(ctx, id)
	team := make([]string, 0, len(a.Team))
	for _, m := range a.Team {
		team = append(team, m.UserID)
	}
	return evidence.Audit{ID: a.ID, Number: a.Number, Units: a.Units, Clauses: a.Clauses, Team: team,
		Start: qms.DateFromTime(a.Start), End: qms.DateFromTime(a.End)}, err
}

// AuditedUnits implements evidence.Audits.
func (e EvidenceAudits) AuditedUnits(ctx context.Context, userID string, now time.Time) ([]string, error) {
	return e.Audits.AuditedUnits(ctx, userID, now)
}

// Impartial implements evidence.Audits.
func (e EvidenceAudits) Impartial(ctx context.Context, a evidence.Audit) error {
	return e.Audits.Impartial(ctx, a.Units)
}

// lateNCs raises the nonconformity of a late dossier.
type lateNCs struct{ ncs *nonconformity.Service }

// RaiseLateDossier implements process.NCRaiser.
func (l lateNCs) RaiseLateDossier(ctx context.Context, in process.LateDossierNC) (string, string, error) {
	nc, err := l.ncs.Raise(ctx, nonconformity.NewNC{Source: nonconformity.SourceProcess, SourceRef: in.Ref,
		Severity: in.Severity, Unit: in.Unit, Clauses: in.Clauses, TitleMsg: &in.Title, DescriptionMsg: &in.Description})
	return nc.ID, nc.Number, err
}

// ptr is the address of a copy of v.
func ptr[T any](v T) *T { return &v }

// ncSummary gives the dashboard open nonconformities and overdue actions per unit.
type ncSummary struct{ ncs *nonconformity.Service }

// OpenByUnit implements process.NCSummary.
func (n ncSummary) OpenByUnit(ctx context.Context) (map[string]process.NCCount, error) {
	units, err := n.ncs.OpenByUnit(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]process.NCCount{}
	for _, u := range units {
		out[u.Unit] = process.NCCount{Open: u.Open, OverdueActions: u.Overdue}
	}
	return out, nil
}

// minutesRecords files meeting minutes as records.
type minutesRecords struct{ recs *record.Service }

// FileMinutes implements leadership.MinutesFiler.
func (m minutesRecords) FileMinutes(ctx context.Context, in leadership.MinutesRecord) (string, error) {
	rec, err := m.recs.FileTrusted(ctx, record.NewRecord{Type: in.Type, Unit: in.Unit, TitleMsg: &in.Title,
		Date: in.Date.String(), Clauses: in.Clauses, File: qms.FilesOf(qms.Upload{Name: in.FileName, Body: in.File})})
	return rec.ID, err
}

// userRoles lists the roles a user holds in any unit, for the roles that
// require a second factor.
type userRoles struct{ a *App }

func (r userRoles) Roles(ctx context.Context, userID string) ([]string, error) {
	as, err := r.a.Org.Assignments(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(as))
	for _, x := range as {
		out = append(out, x.Role)
	}
	return out, nil
}

// revisedProcedures tells the register of legal bases that revisions
// became effective, so the revision tasks they fulfil close. It reads the
// register from the app because documents are built before it. A failure is
// logged: the scheduled scan closes the tasks before it escalates any.
type revisedProcedures struct{ a *App }

// RevisionsEffective implements document.EffectiveListener.
func (r revisedProcedures) RevisionsEffective(ctx context.Context) {
	if r.a.Legal == nil {
		return
	}
	if _, err := r.a.Legal.CloseRevised(ctx); err != nil && r.a.Log != nil {
		r.a.Log.Warn("revision tasks not closed after a publication; the scheduled scan will", "err", err)
	}
}
