package postgres

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/record"
	"github.com/qmstrack/qmstrack/server/trail"
)

// The steps of the record capability that follow a committed row (see
// record/pending.go): retention still to apply, dispositions still to carry
// out. Each is a small transaction of its own, safe to repeat.

// recordDisposalLockClass is the first half of the two-key advisory lock
// of one record's disposal; the second is a hash of the record's id (two
// records that share a hash only wait for each other).
const recordDisposalLockClass = 72620053

// PendingLocks lists versions whose retention is still to be applied.
func (s *RecordStore) PendingLocks(ctx context.Context, limit int) ([]record.VersionRef, error) {
	const q = `SELECT record_id, no FROM record_versions WHERE lock_pending ORDER BY created_at, no LIMIT $1`
	out := []record.VersionRef{}
	return out, translate(s.db.SelectContext(ctx, &out, q, limit))
}

// ApplyLock calls fn for version no of record id under the record's row
// lock if the version is still lock_pending, then clears the flag.
func (s *RecordStore) ApplyLock(ctx context.Context, id string, no int, fn func(record.Record, record.Version) error) error {
	const lock = `SELECT ` + recordCols + ` FROM records WHERE id = $1 FOR UPDATE`
	const selV = `SELECT ` + versionCols + ` FROM record_versions WHERE record_id = $1 AND no = $2`
	const done = `UPDATE record_versions SET lock_pending = false WHERE record_id = $1 AND no = $2`
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var row recordRow
		if err := tx.GetContext(ctx, &row, lock, id); err != nil {
			return notFound(err, "record not found")
		}
		var v record.Version
		if err := tx.GetContext(ctx, &v, selV, id, no); err != nil {
			return notFound(err, "version %d not found", no)
		}
		if !v.LockPending {
			return nil
		}
		v.RetainUntil = v.RetainUntil.UTC()
		if err := fn(row.record(), v); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, done, id, no)
		return err
	})
}

// Disposing lists the records in status disposing, longest waiting first.
func (s *RecordStore) Disposing(ctx context.Context, limit int) ([]string, error) {
	const q = `SELECT id FROM records WHERE status = 'disposing' ORDER BY created_at LIMIT $1`
	out := []string{}
	return out, translate(s.db.SelectContext(ctx, &out, q, limit))
}

// WithDisposalLock runs fn holding the session advisory lock of record
// id's disposal on a connection of its own; PostgreSQL releases it if the
// process dies, so another instance (or this one restarted) resumes.
func (s *RecordStore) WithDisposalLock(ctx context.Context, id string, fn func(context.Context) error) (bool, error) {
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return false, translate(err)
	}
	defer conn.Close()
	var got bool
	if err := conn.QueryRowxContext(ctx, `SELECT pg_try_advisory_lock($1, hashtext($2))`, recordDisposalLockClass, id).Scan(&got); err != nil {
		return false, translate(err)
	}
	if !got {
		return false, nil
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1, hashtext($2))`, recordDisposalLockClass, id)
	return true, fn(ctx)
}

// VersionDeleted marks a version the object store has deleted, with ev,
// unless it is marked already.
func (s *RecordStore) VersionDeleted(ctx context.Context, id string, no int, at time.Time, ev trail.Event) error {
	const q = `UPDATE record_versions SET deleted_at = $3, delete_error = '', delete_error_at = NULL
		WHERE record_id = $1 AND no = $2 AND deleted_at IS NULL AND delete_requested_at IS NOT NULL`
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, q, id, no, at)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
}

// VersionDeleteFailed keeps the object store's last refusal of a version.
func (s *RecordStore) VersionDeleteFailed(ctx context.Context, id string, no int, msg string, at time.Time) error {
	const q = `UPDATE record_versions SET delete_error = $3, delete_error_at = $4
		WHERE record_id = $1 AND no = $2 AND deleted_at IS NULL`
	_, err := s.db.ExecContext(ctx, q, id, no, msg, at)
	return translate(err)
}

// Disposed marks a disposing record disposed, with ev naming the
// disposition's signature, when none of its versions is left.
func (s *RecordStore) Disposed(ctx context.Context, id string, at time.Time, ev trail.Event) (bool, error) {
	const lock = `SELECT status, disposal_signature FROM records WHERE id = $1 FOR UPDATE`
	const left = `SELECT count(*) FROM record_versions WHERE record_id = $1 AND deleted_at IS NULL`
	const upd = `UPDATE records SET status = 'disposed', disposed_at = $2 WHERE id = $1`
	done := false
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var cur struct {
			Status string  `db:"status"`
			Sig    *string `db:"disposal_signature"`
		}
		if err := tx.GetContext(ctx, &cur, lock, id); err != nil {
			return notFound(err, "record not found")
		}
		if cur.Status != record.StatusDisposing {
			done = cur.Status == record.StatusDisposed
			return nil
		}
		var n int
		if err := tx.GetContext(ctx, &n, left, id); err != nil || n > 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, upd, id, at); err != nil {
			return err
		}
		if cur.Sig != nil {
			ev.Details["signature"] = *cur.Sig
		}
		done = true
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	return done, err
}
