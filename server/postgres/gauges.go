package postgres

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// Gauge is one figure of the office's state, by unit, for monitoring.
type Gauge struct {
	Name  string  `db:"name"`
	Unit  string  `db:"unit"`
	Value float64 `db:"value"`
}

// qGauges reads, per unit, what a monitoring dashboard watches: the NCs
// still open, the corrective actions past their due date, the dossiers in
// process already late, the effective documents whose periodic review is
// due, and the directives past their due date. "Today" is the office's
// (tz); each count is served by an index on its open rows.
const qGauges = `WITH today AS (SELECT (now() AT TIME ZONE $1)::date AS d)
SELECT 'open_ncs' AS name, unit, count(*)::float8 AS value FROM ncs
	WHERE status NOT IN ('closed', 'cancelled') GROUP BY unit
UNION ALL
SELECT 'overdue_actions', unit, count(*) FROM nc_actions, today
	WHERE status IN ('open', 'in_progress') AND due < today.d GROUP BY unit
UNION ALL
SELECT 'late_open_dossiers', unit, count(*) FROM dossiers
	WHERE late AND status IN ('processing', 'supplement') GROUP BY unit
UNION ALL
SELECT 'documents_review_due', unit, count(*) FROM documents
	WHERE status = 'effective' AND next_review_at <= now() GROUP BY unit
UNION ALL
SELECT 'overdue_directives', unit, count(*) FROM directives, today
	WHERE state IN ('open', 'returned') AND due_on < today.d GROUP BY unit`

// Gauges reads the office's figures for monitoring, tz being the office's
// time zone (an IANA name).
func Gauges(ctx context.Context, db *sqlx.DB, tz string) ([]Gauge, error) {
	out := []Gauge{}
	err := db.SelectContext(ctx, &out, qGauges, tz)
	return out, err
}
