package app

import (
	"context"
	"io"

	"github.com/qmstrack/qmstrack/server/blob"
	"github.com/qmstrack/qmstrack/server/mail"
	"github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/web"
	"github.com/qmstrack/qmstrack/server/workday"
)

// ncBlobs adapts the object store to what the nonconformity capability needs.
type ncBlobs struct{ s *blob.Store }

func (b ncBlobs) Put(ctx context.Context, key string, r io.Reader, max int64) (qms.StoredObject, error) {
	return b.s.Put(ctx, key, r, blob.PutOptions{MaxSize: max})
}

func (b ncBlobs) Open(ctx context.Context, key, version string) (io.ReadSeekCloser, error) {
	return b.s.Open(ctx, key, version)
}

// overdueDirectives reads the process capability's overdue directives per unit.
type overdueDirectives struct{ a *App }

func (o overdueDirectives) OverdueDirectivesByUnit(ctx context.Context) (map[string]int, error) {
	list, err := postgres.NewProcessStore(o.a.DB).NonCompliantUnits(ctx, workday.DateOf(o.a.Now(), o.a.Cfg.Location))
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(list))
	for _, u := range list {
		out[u.Unit] = u.OverdueDirectives
	}
	return out, nil
}

// wireNC builds the nonconformity capability, hands it to the web layer
// (Extra["ncs"]) and registers its overdue scan. Other capabilities that
// raise NCs (internal-audit findings, late dossiers) take the returned
// service through their own one-method interface (Raise).
func (a *App) wireNC(d *web.Deps) (*nonconformity.Service, error) {
	if svc, ok := d.Extra["ncs"].(*nonconformity.Service); ok {
		return svc, nil
	}
	o := nonconformity.Options{
		Now: a.Now, Location: a.Cfg.Location, MaxFileSize: a.Cfg.MaxUpload, AnalysisDays: a.Cfg.NCAnalysisDays,
		BaseURL: a.Cfg.BaseURL, Trail: a.Trail,
		// Auditors read the NCs of the units they audit during the audit's window.
		Audits: auditWindow{postgres.NewAuditStore(a.DB)},
		// Overdue leadership directives count in the list of units not complying.
		Directives: overdueDirectives{a},
	}
	sender, err := mail.FromConfig(a.Cfg)
	if err != nil {
		return nil, err
	}
	if sender != nil { // a nil *Sender must not become a non-nil interface
		o.Mailer = sender
	}
	svc := nonconformity.New(postgres.NewNCStore(a.DB, a.Cfg.Location), ncBlobs{a.Blob}, a.Authz, a.Identity, o)
	d.Extra["ncs"] = svc
	a.Jobs = append(a.Jobs, Job{Name: "nc-overdue", Key: nonconformity.JobAdvisoryKey, Run: func(ctx context.Context) error {
		rep, err := svc.RunOverdue(ctx)
		if rep.LateActions+rep.LateAnalyses > 0 || err != nil {
			a.Log.Info("nonconformity overdue scan", "late_actions", rep.LateActions, "late_analyses", rep.LateAnalyses,
				"notified", rep.Notified, "emailed", rep.Emailed, "email_errors", rep.EmailErrors)
		}
		return err
	}})
	return svc, nil
}
