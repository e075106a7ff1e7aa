package record

import (
	"context"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// The steps that follow a committed row, each safe to repeat, so that a
// restart or another instance finishes what a request began:
//
//   - retention after the row: a filed version is stored without a lock,
//     its row commits with lock_pending, then its retention (and the legal
//     hold, when the record is held) is applied and the flag cleared. A file
//     whose row never came stays unlocked, for the reconciler to remove.
//   - deletion after the decision: a disposing record's versions are
//     deleted from the object store one by one, each row marked deleted in
//     its own transaction after the store deleted it; a version the store
//     no longer has counts as deleted, so a deletion interrupted between
//     the two is finished by the next attempt. When none is left the
//     record becomes disposed.

// errStoreUnavailable is kept on a version the object store did not delete
// for another reason than a lock (it did not answer, it failed).
var errStoreUnavailable = qms.Errorf(qms.ErrState, "the object store did not delete this version; it will be tried again")

// PendingReport counts what RunPending did.
type PendingReport struct {
	Locked       int // versions whose retention was applied
	LockErrors   int // versions still waiting for their retention
	Disposed     int // records that became disposed
	Disposing    int // records still disposing after this run
	DeleteErrors int // versions the object store did not delete
	// Err is the first object-store error met, for the log.
	Err error
}

// RunPending finishes, for the scheduled job, what committed rows left to
// do in the object store: retention still to apply, dispositions still to
// carry out. Every instance may run it; each record's deletion is done by
// one of them at a time.
func (s *Service) RunPending(ctx context.Context) (PendingReport, error) {
	var rep PendingReport
	if err := s.applyPendingLocks(ctx, &rep); err != nil {
		return rep, err
	}
	ids, err := s.store.Disposing(ctx, 100)
	if err != nil {
		return rep, err
	}
	for _, id := range ids {
		res, err := s.finishOne(ctx, id)
		if err != nil {
			return rep, err
		}
		switch {
		case res.done:
			rep.Disposed++
		default:
			rep.Disposing++
		}
		rep.DeleteErrors += res.failed
		if rep.Err == nil {
			rep.Err = res.firstErr
		}
	}
	return rep, nil
}

func (s *Service) applyPendingLocks(ctx context.Context, rep *PendingReport) error {
	refs, err := s.store.PendingLocks(ctx, 500)
	if err != nil {
		return err
	}
	for _, ref := range refs {
		err := s.applyLock(ctx, ref.RecordID, ref.No)
		switch {
		case err == nil:
			rep.Locked++
		case ctx.Err() != nil:
			return ctx.Err()
		default:
			rep.LockErrors++
			if rep.Err == nil {
				rep.Err = err
			}
		}
	}
	return nil
}

// applyLock applies the retention of version no of record id, and the
// legal hold when the record is held, as the record is under its row lock.
// The object store takes a retain-until date only in its own future: a
// retention that has ended meanwhile is not applied.
func (s *Service) applyLock(ctx context.Context, id string, no int) error {
	return s.store.ApplyLock(ctx, id, no, func(r Record, v Version) error {
		ret := qms.Retention{}
		if v.Locked && v.RetainUntil.After(time.Now().Add(time.Minute)) {
			ret = qms.Retention{Mode: r.Mode, Until: v.RetainUntil}
		}
		if ret.Mode == "" && !r.Held {
			return nil
		}
		s.step("record.before-lock")
		return s.blobs.ApplyRetention(ctx, v.Key, v.VersionID, ret, r.Held)
	})
}

type finishResult struct {
	done     bool
	failed   int
	firstErr error
}

// finishOne carries out the disposition of record id under its disposal
// lock; when another worker holds the lock it leaves the record to it.
func (s *Service) finishOne(ctx context.Context, id string) (finishResult, error) {
	var res finishResult
	ran, err := s.store.WithDisposalLock(ctx, id, func(ctx context.Context) error {
		var err error
		res, err = s.finish(ctx, id)
		return err
	})
	if err == nil && !ran {
		r, gerr := s.store.Get(ctx, id)
		res.done = gerr == nil && r.Status == StatusDisposed
	}
	return res, err
}

// finish deletes the versions still to delete of a disposing record and
// marks it disposed when none is left. A version the store refuses keeps
// the reason and the record stays disposing; the others are deleted.
func (s *Service) finish(ctx context.Context, id string) (finishResult, error) {
	var res finishResult
	r, err := s.store.Get(ctx, id)
	if err != nil {
		return res, err
	}
	if r.Status != StatusDisposing {
		res.done = r.Status == StatusDisposed
		return res, nil
	}
	// The deletion is the system carrying out the signed decision, whoever
	// started it: its entries name no person.
	sys := context.Background()
	for _, v := range r.ToDelete() {
		s.step("dispose.before-delete")
		if err := s.blobs.DisposeVersion(ctx, v.Key, v.VersionID); err != nil {
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
			res.failed++
			if res.firstErr == nil {
				res.firstErr = err
			}
			msg := qms.Message(errStoreUnavailable)
			if qms.KindOf(err) == qms.ErrState {
				msg = qms.Message(err)
			}
			if err := s.store.VersionDeleteFailed(ctx, id, v.No, msg, s.o.Now()); err != nil {
				return res, err
			}
			continue
		}
		s.step("dispose.after-delete")
		ev := trail.NewEvent(sys, "record.version_delete", "record", r.ID, r.Unit, map[string]any{
			"no": v.No, "key": v.Key, "version_id": v.VersionID, "sha256": v.SHA256})
		if err := s.store.VersionDeleted(ctx, id, v.No, s.o.Now(), ev); err != nil {
			return res, err
		}
		s.step("dispose.after-mark")
	}
	if res.failed > 0 {
		return res, nil
	}
	s.step("dispose.before-final")
	ev := trail.NewEvent(sys, "record.disposed", "record", r.ID, r.Unit, map[string]any{"versions": len(r.Versions)})
	res.done, err = s.store.Disposed(ctx, id, s.o.Now(), ev)
	return res, err
}
