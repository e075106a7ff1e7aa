package postgres

import (
	"context"
	"database/sql"
	"errors"
	"iter"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/reconcile"
)

// ReconcileStore implements reconcile.Store: it reads every table whose
// rows reference object versions and keeps the reconciler's checks.
type ReconcileStore struct{ db *sqlx.DB }

// NewReconcileStore returns a ReconcileStore on db.
func NewReconcileStore(db *sqlx.DB) *ReconcileStore { return &ReconcileStore{db: db} }

var _ reconcile.Store = (*ReconcileStore)(nil)

// keptChecks is how many checks are kept: a week of them at the default
// hourly check (reconcile.DefaultEvery).
const keptChecks = 168

// Refs yields the rows of every table in reconcile.Sources. A record
// version disposed of (deleted_at set) is Gone: its object was removed on
// purpose. Parent is the object whose page shows the file.
func (s *ReconcileStore) Refs(ctx context.Context) iter.Seq2[reconcile.Ref, error] {
	const q = `
		SELECT 'revision_files' AS source, f.id::text AS row_id, r.document_id::text AS parent,
		       f.object_key, f.version_id, false AS gone
		  FROM revision_files f JOIN revisions r ON r.id = f.revision_id
		UNION ALL
		SELECT 'nc_files', id::text, nc_id::text, object_key, version_id, false FROM nc_files
		UNION ALL
		SELECT 'record_versions', record_id::text || '/' || no, record_id::text, object_key, version_id, deleted_at IS NOT NULL
		  FROM record_versions
		UNION ALL
		SELECT 'meetings', id::text, id::text, minutes_key, minutes_version, false
		  FROM meetings WHERE minutes_key IS NOT NULL AND minutes_version IS NOT NULL
		UNION ALL
		SELECT 'directive_evidence', e.id::text, d.directive_id::text, e.object_key, e.version_id, false
		  FROM directive_evidence e JOIN directive_reports d ON d.id = e.report_id
		UNION ALL
		SELECT 'improvement_plans', id::text, id::text, file_key, file_version, false
		  FROM improvement_plans WHERE file_key IS NOT NULL AND file_version IS NOT NULL
		UNION ALL
		SELECT 'qms_announcements', id::text, id::text, pdf_key, pdf_version, false
		  FROM qms_announcements WHERE pdf_key IS NOT NULL AND pdf_version IS NOT NULL`
	return func(yield func(reconcile.Ref, error) bool) {
		rows, err := s.db.QueryxContext(ctx, q)
		if err != nil {
			yield(reconcile.Ref{}, translate(err))
			return
		}
		defer rows.Close()
		for rows.Next() {
			var r reconcile.Ref
			if err := rows.Scan(&r.Source, &r.RowID, &r.Parent, &r.Key, &r.VersionID, &r.Gone); err != nil {
				yield(reconcile.Ref{}, translate(err))
				return
			}
			if !yield(r, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(reconcile.Ref{}, translate(err))
		}
	}
}

// SaveCheck stores c and its findings in one transaction and drops the
// checks beyond the newest keptChecks.
func (s *ReconcileStore) SaveCheck(ctx context.Context, c reconcile.Check) (int64, error) {
	const qCheck = `INSERT INTO object_checks (started_at, finished_at, repaired, grace_seconds, rows_checked, versions_seen,
			missing, orphans_young, orphans_removed, orphans_listed, uploads_young, uploads_aborted)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`
	const qFinding = `INSERT INTO object_findings (check_id, kind, source, row_id, parent_id, object_key, version_id, size,
			modified_at, retain_until, legal_hold, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
	const qPrune = `DELETE FROM object_checks WHERE id <= (SELECT id FROM object_checks ORDER BY id DESC OFFSET $1 LIMIT 1)`
	var id int64
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.QueryRowxContext(ctx, qCheck, c.Started, c.Finished, c.Repaired, c.GraceS, c.RowsChecked, c.VersionsSeen,
			c.Missing, c.OrphansYoung, c.OrphansRemoved, c.OrphansListed, c.UploadsYoung, c.UploadsAborted).Scan(&id); err != nil {
			return err
		}
		st, err := tx.PreparexContext(ctx, qFinding)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, f := range c.Findings {
			if _, err := st.ExecContext(ctx, id, f.Kind, f.Source, f.RowID, f.Parent, f.Key, f.VersionID, f.Size,
				f.Modified, f.Until, f.LegalHold, f.Detail); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, qPrune, keptChecks)
		return err
	})
	return id, translate(err)
}

// LastCheck returns the newest check, with its findings when findings is
// set (/readyz asks for the counts only).
func (s *ReconcileStore) LastCheck(ctx context.Context, findings bool) (reconcile.Check, error) {
	const qCheck = `SELECT id, started_at, finished_at, repaired, grace_seconds, rows_checked, versions_seen, missing,
			orphans_young, orphans_removed, orphans_listed, uploads_young, uploads_aborted
		FROM object_checks ORDER BY id DESC LIMIT 1`
	const qFindings = `SELECT kind, source, row_id, parent_id, object_key, version_id, size, modified_at, retain_until, legal_hold, detail
		FROM object_findings WHERE check_id = $1 ORDER BY kind, source, object_key, version_id`
	var c reconcile.Check
	err := s.db.QueryRowxContext(ctx, qCheck).Scan(&c.ID, &c.Started, &c.Finished, &c.Repaired, &c.GraceS, &c.RowsChecked,
		&c.VersionsSeen, &c.Missing, &c.OrphansYoung, &c.OrphansRemoved, &c.OrphansListed, &c.UploadsYoung, &c.UploadsAborted)
	if errors.Is(err, sql.ErrNoRows) {
		return c, qms.Errorf(qms.ErrNotFound, "the object store has not been checked yet")
	}
	if err != nil {
		return c, translate(err)
	}
	c.Grace = time.Duration(c.GraceS) * time.Second
	if !findings {
		return c, nil
	}
	rows, err := s.db.QueryxContext(ctx, qFindings, c.ID)
	if err != nil {
		return c, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var f reconcile.Finding
		var mod, until sql.NullTime
		if err := rows.Scan(&f.Kind, &f.Source, &f.RowID, &f.Parent, &f.Key, &f.VersionID, &f.Size, &mod, &until,
			&f.LegalHold, &f.Detail); err != nil {
			return c, translate(err)
		}
		if mod.Valid {
			f.Modified = &mod.Time
		}
		if until.Valid {
			f.Until = &until.Time
		}
		c.Findings = append(c.Findings, f)
	}
	return c, translate(rows.Err())
}
