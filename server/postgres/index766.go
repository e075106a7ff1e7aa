package postgres

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/qmstrack/qmstrack/server/index766"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Index766Store implements index766.Store on the monthly index counts
// (dossier_index_month, kept by the triggers of migration 00064).
type Index766Store struct{ db *sqlx.DB }

// NewIndex766Store returns an Index766Store on db.
func NewIndex766Store(db *sqlx.DB) *Index766Store { return &Index766Store{db: db} }

var _ index766.Store = (*Index766Store)(nil)

// MonthCounts sums the monthly counts up to the month to, per month, key
// (the unit when grouped by unit), kind and the flags of the service. It
// reads a few thousand summary rows for a million dossiers, never the
// dossiers; the cumulative sums (open dossiers at a month's end) need
// every month from the first.
func (s *Index766Store) MonthCounts(ctx context.Context, f index766.Filter, to string) ([]index766.MonthCount, error) {
	key := `''`
	if f.ByUnit {
		key = `m.unit`
	}
	q := `SELECT to_char(m.month, 'YYYY-MM') AS month, ` + key + ` AS key, m.kind,
			coalesce(sv.online_full_eligible, false) AS eligible, coalesce(sv.has_fee, false) AS has_fee, sum(m.n) AS n
		FROM dossier_index_month m LEFT JOIN services sv ON sv.code = m.service_code
		WHERE m.month <= $1 AND ($2::text[] IS NULL OR m.unit = ANY($2)) AND ($3 = '' OR m.unit = $3)
			AND ($4 = '' OR m.field = $4) AND ($5 = '' OR m.service_code = $5)
		GROUP BY 1, 2, 3, 4, 5 HAVING sum(m.n) <> 0 ORDER BY 1, 2, 3`
	out := []index766.MonthCount{}
	err := s.db.SelectContext(ctx, &out, q, to, scopeArg(f.Scope), f.Unit, f.Field, f.Service)
	return out, translate(err)
}

// RunningOverdue counts the open dossiers whose clock runs and whose due
// time has passed, per key, through the partial index of running dossiers.
func (s *Index766Store) RunningOverdue(ctx context.Context, f index766.Filter, now time.Time) (map[string]int64, error) {
	key := `''`
	if f.ByUnit {
		key = `unit`
	}
	q := `SELECT ` + key + ` AS key, count(*) AS n FROM dossiers
		WHERE status = 'processing' AND due_at < $1 AND ($2::text[] IS NULL OR unit = ANY($2)) AND ($3 = '' OR unit = $3)
			AND ($4 = '' OR field = $4) AND ($5 = '' OR service_code = $5)
		GROUP BY 1`
	var rows []struct {
		Key string `db:"key"`
		N   int64  `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &rows, q, now, scopeArg(f.Scope), f.Unit, f.Field, f.Service); err != nil {
		return nil, translate(err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Key] = r.N
	}
	return out, nil
}

const publishedCols = `to_char(month, 'YYYY-MM') AS month, unit, score::float8 AS score, note, entered_by, entered_at`

// Published lists the scores entered for the months from..to (yyyy-mm) of units.
func (s *Index766Store) Published(ctx context.Context, from, to string, units []string) ([]index766.Published, error) {
	q := `SELECT ` + publishedCols + ` FROM index766_published
		WHERE month BETWEEN to_date($1, 'YYYY-MM') AND to_date($2, 'YYYY-MM') AND unit = ANY($3) ORDER BY month, unit`
	out := []index766.Published{}
	if err := s.db.SelectContext(ctx, &out, q, from, to, pq.Array(units)); err != nil {
		return nil, translate(err)
	}
	for i := range out {
		out[i].EnteredAt = out[i].EnteredAt.UTC()
	}
	return out, nil
}

// SavePublished inserts or replaces the score of a month and unit, with
// the trail entry in the same transaction.
func (s *Index766Store) SavePublished(ctx context.Context, p index766.Published, ev trail.Event) (index766.Published, error) {
	q := `INSERT INTO index766_published (month, unit, score, note, entered_by) VALUES (to_date($1, 'YYYY-MM'), $2, $3, $4, $5)
		ON CONFLICT (month, unit) DO UPDATE SET score = excluded.score, note = excluded.note, entered_by = excluded.entered_by,
			entered_at = now()
		RETURNING ` + publishedCols
	var out index766.Published
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &out, q, p.Month, p.Unit, p.Score, p.Note, p.EnteredBy); err != nil {
			return err
		}
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	out.EnteredAt = out.EnteredAt.UTC()
	return out, translate(err)
}
