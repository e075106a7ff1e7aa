package postgres

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/feed"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// FeedStore implements feed.Store.
type FeedStore struct{ db *sqlx.DB }

var _ feed.Store = (*FeedStore)(nil)

// NewFeedStore returns a FeedStore on db.
func NewFeedStore(db *sqlx.DB) *FeedStore { return &FeedStore{db: db} }

// FeedStatus is the person's feed.
func (s *FeedStore) FeedStatus(ctx context.Context, userID string) (feed.Status, error) {
	var st feed.Status
	err := s.db.QueryRowxContext(ctx, `SELECT created_at, last_used FROM calendar_feeds WHERE user_id = $1`, userID).
		Scan(&st.CreatedAt, &st.LastUsed)
	if errors.Is(err, sql.ErrNoRows) {
		return feed.Status{}, nil
	}
	st.Enabled = err == nil
	return st, err
}

// ReplaceFeed makes hash the person's only live feed, with its trail entry.
func (s *FeedStore) ReplaceFeed(ctx context.Context, userID string, hash []byte, ev trail.Event) (feed.Status, error) {
	st := feed.Status{Enabled: true}
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		err := tx.QueryRowxContext(ctx, `INSERT INTO calendar_feeds (user_id, token_hash) VALUES ($1, $2)
			ON CONFLICT (user_id) DO UPDATE SET token_hash = EXCLUDED.token_hash, created_at = now(), last_used = NULL
			RETURNING created_at`, userID, hash).Scan(&st.CreatedAt)
		if err != nil {
			return err
		}
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
	return st, err
}

// DeleteFeed ends the person's feed, with its trail entry; false when there
// was none, and then nothing is written.
func (s *FeedStore) DeleteFeed(ctx context.Context, userID string, ev trail.Event) (bool, error) {
	var found bool
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := tx.ExecContext(ctx, `DELETE FROM calendar_feeds WHERE user_id = $1`, userID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return nil
		}
		found = true
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
	return found, err
}

// feedTouchEvery is how stale a feed's last use may get before a read
// writes it: calendar applications poll, and each poll need not write.
const feedTouchEvery = time.Minute

// FeedOwner is the active person whose live feed has this hash; the use is
// noted at most once a minute.
func (s *FeedStore) FeedOwner(ctx context.Context, hash []byte, now time.Time) (feed.Owner, error) {
	var o feed.Owner
	var last *time.Time
	err := s.db.QueryRowxContext(ctx, `SELECT u.id, u.login, u.lang, f.last_used
		FROM calendar_feeds f JOIN users u ON u.id = f.user_id
		WHERE f.token_hash = $1 AND u.status = 'active'`, hash).Scan(&o.UserID, &o.Login, &o.Lang, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return feed.Owner{}, qms.Errorf(qms.ErrNotFound, "no such feed")
	}
	if err != nil {
		return feed.Owner{}, err
	}
	if last == nil || now.Sub(*last) >= feedTouchEvery {
		if _, err := s.db.ExecContext(ctx, `UPDATE calendar_feeds SET last_used = $2 WHERE token_hash = $1`, hash, now); err != nil {
			return feed.Owner{}, err
		}
	}
	return o, nil
}

// qDueItems reads a person's due dates in a window. Who sees what:
//   - a corrective action: its owner while it is to do, its designated
//     verifier once it is signed off (from the day it may be verified);
//   - a directive open or returned: the heads of its unit;
//   - a document's periodic review: the heads and authors of its unit;
//   - an audit still planned: its lead auditor and team;
//   - a record whose retention ends (not permanent, not on hold): the
//     heads of its unit;
//   - a dossier in process: the staff and heads of the unit it is at, and
//     the desk of the unit that received it.
//
// A role held in every unit ("*") counts in every unit.
const qDueItems = `WITH r AS (SELECT role, unit FROM role_assignments WHERE user_id = $1)
SELECT * FROM (
	SELECT 'action' AS kind, a.id::text AS id, n.id::text AS target, n.number || ' #' || a.no AS ref,
		a.description AS title, '' AS title_en, a.unit, a.due AS day, NULL::date AS end_day, NULL::timestamptz AS at
	FROM nc_actions a JOIN ncs n ON n.id = a.nc_id
	WHERE a.owner = $1 AND a.status IN ('open', 'in_progress') AND a.due BETWEEN $2 AND $3
	UNION ALL
	SELECT 'action_verify', a.id::text, n.id::text, n.number || ' #' || a.no, a.description, '', a.unit,
		a.verify_after, NULL, NULL
	FROM nc_actions a JOIN ncs n ON n.id = a.nc_id
	WHERE a.verifier = $1 AND a.status = 'signed_off' AND a.verify_after BETWEEN $2 AND $3
	UNION ALL
	SELECT 'directive', d.id::text, d.id::text, '', d.title, '', d.unit, d.due_on, NULL, NULL
	FROM directives d
	WHERE d.state IN ('open', 'returned') AND d.due_on BETWEEN $2 AND $3
		AND EXISTS (SELECT 1 FROM r WHERE r.role = 'head' AND r.unit IN (d.unit, '*'))
	UNION ALL
	SELECT 'review', doc.id::text, doc.id::text, doc.code, doc.title, '', doc.unit, NULL, NULL, doc.next_review_at
	FROM documents doc
	WHERE doc.status = 'effective' AND doc.next_review_at >= $2::date - 1 AND doc.next_review_at < $3::date + 2
		AND EXISTS (SELECT 1 FROM r WHERE r.role IN ('head', 'author') AND r.unit IN (doc.unit, '*'))
	UNION ALL
	SELECT 'audit', au.id::text, au.id::text, au.number, au.title, '', '', au.planned_start, au.planned_end, NULL
	FROM audits au
	WHERE au.status = 'planned' AND au.planned_start <= $3 AND au.planned_end >= $2
		AND (au.lead_auditor = $1 OR EXISTS (SELECT 1 FROM audit_team t WHERE t.audit_id = au.id AND t.user_id = $1))
	UNION ALL
	SELECT 'record', rec.id::text, rec.id::text, rec.type_code, rec.title, '', rec.unit, NULL, NULL, rec.retain_until
	FROM records rec
	WHERE rec.status = 'active' AND NOT rec.permanent AND NOT rec.held
		AND rec.retain_until >= $2::date - 1 AND rec.retain_until < $3::date + 2
		AND EXISTS (SELECT 1 FROM r WHERE r.role = 'head' AND r.unit IN (rec.unit, '*'))
	UNION ALL
	SELECT 'dossier', ds.id::text, ds.number, ds.number, COALESCE(sv.name_vi, ds.service_code), COALESCE(sv.name_en, ''), ds.current_unit,
		NULL, NULL, COALESCE(ds.extended_due_at, ds.due_at)
	FROM dossiers ds LEFT JOIN services sv ON sv.code = ds.service_code
	WHERE ds.status IN ('processing', 'supplement')
		AND COALESCE(ds.extended_due_at, ds.due_at) >= $2::date - 1 AND COALESCE(ds.extended_due_at, ds.due_at) < $3::date + 2
		AND (EXISTS (SELECT 1 FROM r WHERE r.role IN ('staff', 'head') AND r.unit IN (ds.current_unit, '*'))
			OR EXISTS (SELECT 1 FROM r WHERE r.role = 'desk' AND r.unit IN (ds.receiving_unit, '*')))
) due
ORDER BY COALESCE(day, at::date), kind, id
LIMIT $4`

// DueItems reads the person's due dates from..to, nearest first.
func (s *FeedStore) DueItems(ctx context.Context, userID string, from, to qms.Date, limit int) ([]feed.Item, error) {
	items := []feed.Item{}
	err := s.db.SelectContext(ctx, &items, qDueItems, userID, from.String(), to.String(), limit)
	return items, err
}
