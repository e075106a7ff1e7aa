package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/qmstrack/qmstrack/server/mail"
	"github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/record"
	"github.com/qmstrack/qmstrack/server/web"
	"github.com/qmstrack/qmstrack/server/workday"
)

// jobKeyProcess is the advisory-lock key of the process job (late
// dossiers, overdue directives).
const jobKeyProcess = 7262060

// wireProcess builds process performance, adapts the nonconformity
// capability to it (looked up when used, so the order of wiring does not
// matter) and adds its scheduled job.
func (a *App) wireProcess(d *web.Deps) error {
	extra := d.Extra
	p := process.New(postgres.NewProcessStore(a.DB), a.Authz, a.Blob, lateNC{extra}, a.Now, a.Cfg.Location)
	if a.Cfg.MaxUpload > 0 {
		p.MaxEvidence = a.Cfg.MaxUpload
	}
	p.SetMinutesFiler(minutesRecord{extra})
	sender, err := mail.FromConfig(a.Cfg)
	if err != nil {
		return err
	}
	if sender != nil { // a nil *Sender must not become a non-nil interface
		p.SetMailer(sender, a.Cfg.BaseURL)
	}
	d.Extra["process"] = p
	d.Extra["process.ncs"] = ncCounts{extra}
	a.Jobs = append(a.Jobs, Job{Name: "process.late_and_overdue", Key: jobKeyProcess, Run: func(ctx context.Context) error {
		if _, err := p.ProcessLate(ctx, a.Now()); err != nil {
			return err
		}
		rep, err := p.EscalateOverdue(ctx)
		if rep.Directives > 0 || err != nil {
			a.Log.Info("overdue directives", "directives", rep.Directives, "notified", rep.Notified, "emailed", rep.Emailed,
				"email_errors", rep.EmailErrors)
		}
		return err
	}})
	return nil
}

// lateNC raises the nonconformity of a late dossier (source "process",
// reference "dossier:<number>", idempotent on the nonconformity side).
type lateNC struct{ extra map[string]any }

// RaiseLateDossier implements process.NCRaiser.
func (l lateNC) RaiseLateDossier(ctx context.Context, in process.LateDossierNC) (string, string, error) {
	ncs, ok := l.extra["ncs"].(*nonconformity.Service)
	if !ok {
		return "", "", qms.Errorf(qms.ErrState, "nonconformities are not available")
	}
	loc := time.FixedZone("ICT", 7*3600)
	desc := fmt.Sprintf("Hồ sơ %s (%s, %d ngày làm việc) hạn trả %s", in.Number, in.Service, in.Days, in.DueAt.In(loc).Format("02/01/2006 15:04"))
	if in.Returned != nil {
		desc += fmt.Sprintf(", trả kết quả %s.", in.Returned.In(loc).Format("02/01/2006 15:04"))
	} else {
		desc += ", chưa trả kết quả."
	}
	desc += "\nLate dossier " + in.Number + "."
	nc, err := ncs.Raise(ctx, nonconformity.NewNC{Source: nonconformity.SourceProcess, SourceRef: "dossier:" + in.Number,
		Severity: "minor", Unit: in.Unit, Clauses: []string{"8.5.1", "9.1.1"},
		Title: "Hồ sơ trễ hạn / Late dossier " + in.Number, Description: desc})
	return nc.ID, nc.Number, err
}

// ncCounts gives the dashboard open nonconformities and overdue actions per unit.
type ncCounts struct{ extra map[string]any }

// OpenByUnit implements process.NCSummary.
func (n ncCounts) OpenByUnit(ctx context.Context, _ time.Time) (map[string][2]int, error) {
	ncs, ok := n.extra["ncs"].(*nonconformity.Service)
	if !ok {
		return nil, nil
	}
	sc, err := ncs.Scorecard(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][2]int{}
	for _, u := range sc.Units {
		out[u.Unit] = [2]int{u.Open, u.Overdue}
	}
	return out, nil
}

// minutesRecord files meeting minutes as a record of type meeting-minutes
// of the unit keeping them; the process capability has already checked
// that the actor may hold the meeting.
type minutesRecord struct{ extra map[string]any }

// FileMinutes implements process.MinutesFiler.
func (m minutesRecord) FileMinutes(ctx context.Context, unit, title string, date workday.Date, filename string, r io.Reader) (string, error) {
	recs, ok := m.extra["records"].(*record.Service)
	if !ok {
		return "", qms.Errorf(qms.ErrState, "records are not available")
	}
	if r := []rune(title); len(r) > 200 {
		title = string(r[:200]) + "…"
	}
	rec, err := recs.FileTrusted(ctx, record.NewRecord{Type: "meeting-minutes", Unit: unit, Title: "Biên bản họp / Minutes: " + title,
		Date: date.String(), Clauses: []string{"5.1", "9.3"}, FileName: filename, File: r})
	return rec.ID, err
}
