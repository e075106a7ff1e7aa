package app

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/queue"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Job is a scheduled task, enqueued on the job queue every interval by
// the cluster's leader; its advisory lock Key also keeps a run started by
// hand from overlapping it.
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
					"notified", rep.Notified, "emailed", rep.Emailed, "err", err)
			}
			if err != nil {
				return err
			}
			// Then the reminders of overdue actions on the coordinator's schedule.
			return a.remind(ctx, "action")
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
					"err", err)
			}
			if err != nil {
				return err
			}
			// Then the reminders of overdue directives on the coordinator's schedule.
			if err := a.remind(ctx, "directive"); err != nil {
				return err
			}
			// Revision tasks after a legal change: closed when revised, escalated when overdue.
			rev, err := a.Legal.EscalateRevisions(ctx)
			if rev.Directives > 0 || err != nil {
				a.Log.Info("overdue revision tasks", "tasks", rev.Directives, "notified", rev.Notified, "emailed", rev.Emailed,
					"err", err)
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

// remind sends the reminders of overdue items of typ due now.
func (a *App) remind(ctx context.Context, typ string) error {
	rep, err := a.Reminders.Run(ctx, typ)
	if rep.Sent > 0 || err != nil {
		a.Log.Info("reminders of overdue work", "type", typ, "overdue", rep.Overdue, "sent", rep.Sent, "notified", rep.Notified, "err", err)
	}
	return err
}

// KindScheduled is the queue's kind of the scheduled jobs above: its
// arguments name the job ({"job": "nc-overdue"}).
const KindScheduled = "scheduled"

type scheduledArgs struct {
	Job string `json:"job"`
}

// runScheduled works one scheduled job: it finds the job by name in a.Jobs
// and runs it under its advisory lock, so a job started by hand (the
// object store check) and its scheduled run never overlap.
func (a *App) runScheduled(ctx context.Context, j queue.Job) error {
	var args scheduledArgs
	if err := json.Unmarshal(j.Args, &args); err != nil {
		return queue.Cancel(err)
	}
	for _, job := range a.Jobs {
		if job.Name == args.Job {
			_, err := postgres.TryExclusive(ctx, a.DB, job.Key, job.Run)
			if err != nil && ctx.Err() == nil {
				a.Log.Error("scheduled job failed", "job", job.Name, "err", err)
			}
			return err
		}
	}
	return queue.Cancel(fmt.Errorf("no scheduled job %q", args.Job))
}

// RunJobs runs the instance's share of the job queue until ctx ends, and the
// trail's sequencer beside it (RunTrailSequencer): it
// works the jobs of every kind and, while this instance is the cluster's
// elected leader, enqueues each scheduled job every interval (and once at
// start). A job is worked by one instance, so each fires once per cluster
// however many instances run; a failed run is retried with the queue's
// backoff and listed on the jobs page.
func (a *App) RunJobs(ctx context.Context, interval time.Duration) {
	for _, j := range a.Jobs {
		if err := a.Queue.Periodic(j.Name, KindScheduled, scheduledArgs{Job: j.Name}, interval); err != nil {
			a.Log.Error("scheduled job not added", "job", j.Name, "err", err)
		}
	}
	seqDone := make(chan struct{})
	go func() { a.RunTrailSequencer(ctx); close(seqDone) }()
	defer func() { <-seqDone }()
	if err := a.Queue.Start(ctx); err != nil {
		a.Log.Error("job queue did not start", "err", err)
		return
	}
	<-ctx.Done()
	grace := a.Cfg.ShutdownTimeout
	if grace <= 0 {
		grace = 30 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := a.Queue.Stop(sctx); err != nil {
		a.Log.Warn("job queue stopped with jobs still running", "err", err)
	}
}

// RunTrailSequencer chains the trail's committed entries until ctx ends: a
// pass every trail.SequencerPoll (200 ms), again at once while a pass fills
// its batch of trail.SequencerBatch, under the sequencer's advisory lock so
// one instance of the cluster chains at a time. While it runs, an entry
// has its place in the chain within about 200 ms plus one pass of its
// commit. Beside it, the head is checkpointed to the object store
// (CheckpointTrail) once it has moved and QMS_TRAIL_CHECKPOINT_EVERY has
// passed since this instance's last checkpoint, looked at every minute (or
// every QMS_TRAIL_CHECKPOINT_EVERY when shorter): an entry is anchored
// within that interval and a minute of its place in the chain.
func (a *App) RunTrailSequencer(ctx context.Context) {
	if every := a.Cfg.TrailCheckpointEvery; every > 0 {
		done := make(chan struct{})
		defer func() { <-done }()
		go func() {
			defer close(done)
			t := time.NewTicker(min(every, time.Minute))
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					a.checkpointDue(ctx)
				}
			}
		}()
	}
	trail.RunSequencer(ctx, a.Trail.Sequence, trail.SequencerPoll, func(err error) {
		a.Log.Error("trail sequencer pass failed", "err", err)
	}, nil)
}
