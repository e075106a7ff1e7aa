package app

import (
	"context"
	"time"

	"github.com/qmstrack/qmstrack/server/postgres"
)

// Job is a scheduled task. Every instance runs it; the advisory lock Key
// lets only one of them fire at a time.
type Job struct {
	Name string
	Key  int64
	Run  func(ctx context.Context) error
}

// The advisory-lock keys of the scheduled jobs, one per job, all here so no
// two jobs can share one by accident.
const (
	jobKeyDocuments    = 7262010    // scheduled publications
	jobKeyDocumentText = 7262011    // text of stored files for search
	jobKeyNCOverdue    = 0x6e630001 // overdue corrective actions and analyses
	jobKeyRecordExpiry = 72620052   // records whose retention has ended
	jobKeyRecordSteps  = 72620054   // record retention to apply, dispositions to carry out
	jobKeyProcess      = 7262060    // late dossiers, overdue directives
	jobKeyObjects      = 7262053    // rows against the object store's versions
	jobKeyPending      = 7262061    // dossier events waiting for their dossier
	jobKeyPortalSync   = 7262062    // dossiers' changes to the public-service portal
)

// jobs lists every scheduled job of the instance.
func (a *App) jobs() []Job {
	jobs := []Job{
		{Name: "documents.activate", Key: jobKeyDocuments, Run: func(ctx context.Context) error {
			_, err := a.Documents.ActivateDue(ctx)
			return err
		}},
		{Name: "documents.index", Key: jobKeyDocumentText, Run: func(ctx context.Context) error {
			rep, err := a.Documents.IndexText(ctx)
			if rep.Indexed+rep.NotIndexed > 0 || err != nil {
				a.Log.Info("document text for search", "indexed", rep.Indexed, "not_indexed", rep.NotIndexed, "err", err)
			}
			return err
		}},
		{Name: "nc-overdue", Key: jobKeyNCOverdue, Run: func(ctx context.Context) error {
			rep, err := a.NCs.RunOverdue(ctx)
			if rep.LateActions+rep.LateAnalyses > 0 || err != nil {
				a.Log.Info("nonconformity overdue scan", "late_actions", rep.LateActions, "late_analyses", rep.LateAnalyses,
					"notified", rep.Notified, "emailed", rep.Emailed, "email_errors", rep.EmailErrors)
			}
			return err
		}},
		{Name: "record-expiry", Key: jobKeyRecordExpiry, Run: func(ctx context.Context) error {
			n, err := a.Records.NotifyDue(ctx)
			if n > 0 {
				a.Log.Info("records due for disposition", "notified", n)
			}
			return err
		}},
		{Name: "record-pending", Key: jobKeyRecordSteps, Run: func(ctx context.Context) error {
			rep, err := a.Records.RunPending(ctx)
			if rep.Locked+rep.LockErrors+rep.Disposed+rep.Disposing > 0 || err != nil {
				a.Log.Info("records: retention applied and dispositions carried out", "locked", rep.Locked,
					"lock_errors", rep.LockErrors, "disposed", rep.Disposed, "disposing", rep.Disposing,
					"delete_errors", rep.DeleteErrors, "store_err", rep.Err)
			}
			return err
		}},
		{Name: "process.late_and_overdue", Key: jobKeyProcess, Run: func(ctx context.Context) error {
			if _, err := a.Process.ProcessLate(ctx, a.Process.Now(ctx)); err != nil {
				return err
			}
			// The notices of dossiers' status changes, under the same lock.
			if rep, err := a.Process.SendNotices(ctx, 200); err != nil || rep.Failed > 0 {
				a.Log.Info("dossier notices", "sent", rep.Sent, "logged", rep.Logged, "failed", rep.Failed, "retry", rep.Retry, "err", err)
			}
			rep, err := a.Leadership.EscalateOverdue(ctx)
			if rep.Directives > 0 || err != nil {
				a.Log.Info("overdue directives", "directives", rep.Directives, "notified", rep.Notified, "emailed", rep.Emailed,
					"email_errors", rep.EmailErrors)
			}
			if err != nil {
				return err
			}
			// Revision tasks after a legal change: closed when revised, escalated when overdue.
			rev, err := a.Legal.EscalateRevisions(ctx)
			if rev.Directives > 0 || err != nil {
				a.Log.Info("overdue revision tasks", "tasks", rev.Directives, "notified", rev.Notified, "emailed", rev.Emailed,
					"email_errors", rev.EmailErrors, "err", err)
			}
			return err
		}},
		{Name: "objects.reconcile", Key: jobKeyObjects, Run: func(ctx context.Context) error {
			c, ran, err := a.Reconcile.RunDue(ctx)
			if err != nil || ran && c.Missing+c.OrphansRemoved+c.OrphansListed+c.UploadsAborted > 0 {
				a.Log.Info("object store check", "rows_without_object", c.Missing, "orphans_removed", c.OrphansRemoved,
					"orphans_listed", c.OrphansListed, "uploads_aborted", c.UploadsAborted, "err", err)
			}
			return err
		}},
		{Name: "process.pending_events", Key: jobKeyPending, Run: func(ctx context.Context) error {
			rep, err := a.Process.ApplyPendingEvents(ctx)
			if rep.Applied+rep.Failed > 0 || err != nil {
				a.Log.Info("waiting dossier events applied", "dossiers", rep.Dossiers, "applied", rep.Applied, "failed", rep.Failed, "err", err)
			}
			return err
		}},
	}
	// The sync to the public-service portal, where its address is set.
	if a.PortalSync != nil && a.PortalSync.Enabled() {
		jobs = append(jobs, Job{Name: "portal.sync", Key: jobKeyPortalSync, Run: func(ctx context.Context) error {
			rep, err := a.PortalSync.Run(ctx)
			if rep.Sent+rep.Failed > 0 || err != nil {
				a.Log.Info("dossier changes synced to the portal", "dossiers", rep.Dossiers, "sent", rep.Sent, "failed", rep.Failed, "err", err)
			}
			return err
		}})
	}
	return jobs
}

// RunJobs runs every job each interval until ctx ends. Each run takes the
// job's advisory lock, so a job fires once per cluster however many
// instances run.
func (a *App) RunJobs(ctx context.Context, interval time.Duration) {
	if len(a.Jobs) == 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for _, j := range a.Jobs {
			ran, err := postgres.TryExclusive(ctx, a.DB, j.Key, j.Run)
			if err != nil && ctx.Err() == nil {
				a.Log.Error("scheduled job failed", "job", j.Name, "err", err)
			} else if ran {
				a.Log.Debug("scheduled job ran", "job", j.Name)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
