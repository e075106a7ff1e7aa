package postgres

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/portalsync"
)

// PortalSyncStore implements portalsync.Store.
type PortalSyncStore struct{ db *sqlx.DB }

var _ portalsync.Store = (*PortalSyncStore)(nil)

// NewPortalSyncStore returns a PortalSyncStore on db.
func NewPortalSyncStore(db *sqlx.DB) *PortalSyncStore { return &PortalSyncStore{db: db} }

// SetEnabled turns the capture on or off.
func (s *PortalSyncStore) SetEnabled(ctx context.Context, on bool) error {
	_, err := s.db.ExecContext(ctx, `UPDATE portal_sync_settings SET enabled = $1 WHERE enabled <> $1`, on)
	return translate(err)
}

// qClaim leases the unsent changes of the dossiers whose first unsent
// change is due and not leased. The lease is checked again by the UPDATE
// (read committed rechecks a row another claim changed), so two claims
// never take one dossier.
const qClaim = `WITH heads AS (
	SELECT DISTINCT ON (dossier_id) dossier_id, next_at, lease_until
	FROM portal_sync_events WHERE synced_at IS NULL ORDER BY dossier_id, seq
), due AS (
	SELECT dossier_id FROM heads WHERE next_at <= $1 AND (lease_until IS NULL OR lease_until < $1) LIMIT $2
)
UPDATE portal_sync_events e SET lease_until = $1 + $3 * interval '1 millisecond'
FROM due WHERE e.dossier_id = due.dossier_id AND e.synced_at IS NULL AND (e.lease_until IS NULL OR e.lease_until < $1)
RETURNING e.id, e.dossier_id, e.seq, e.kind, e.snapshot, e.changed_at, e.attempts`

// Claim leases the changes to send, in order per dossier.
func (s *PortalSyncStore) Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]portalsync.Change, error) {
	out := []portalsync.Change{}
	if err := s.db.SelectContext(ctx, &out, qClaim, now, limit, lease.Milliseconds()); err != nil {
		return nil, translate(err)
	}
	// RETURNING keeps no order: by dossier, then by number.
	sortChanges(out)
	return out, nil
}

func sortChanges(cs []portalsync.Change) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && (cs[j].DossierID < cs[j-1].DossierID || cs[j].DossierID == cs[j-1].DossierID && cs[j].Seq < cs[j-1].Seq); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

// Synced marks a change received.
func (s *PortalSyncStore) Synced(ctx context.Context, id int64, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE portal_sync_events SET synced_at = $2, attempts = attempts + 1, lease_until = NULL, last_error = ''
		WHERE id = $1`, id, at)
	return translate(err)
}

// Failed records a failed attempt and frees the dossier's later changes.
func (s *PortalSyncStore) Failed(ctx context.Context, c portalsync.Change, msg string, next time.Time) error {
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE portal_sync_events SET attempts = attempts + 1, last_error = $2, next_at = $3, lease_until = NULL
			WHERE id = $1`, c.ID, msg, next); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE portal_sync_events SET lease_until = NULL WHERE dossier_id = $1 AND seq > $2 AND synced_at IS NULL`,
			c.DossierID, c.Seq)
		return err
	})
}

// DossierSync is the status of each change of a dossier.
func (s *PortalSyncStore) DossierSync(ctx context.Context, number string, now time.Time) ([]portalsync.Status, error) {
	out := []portalsync.Status{}
	err := s.db.SelectContext(ctx, &out, `SELECT e.seq, e.kind, e.changed_at, e.synced_at, e.attempts, e.last_error,
		extract(epoch FROM COALESCE(e.synced_at, $2) - e.changed_at)::float8 AS late_seconds
		FROM portal_sync_events e JOIN dossiers d ON d.id = e.dossier_id WHERE d.number = $1 ORDER BY e.seq`, number, now)
	return out, translate(err)
}
