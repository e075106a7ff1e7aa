package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// YearStore implements leadership.YearStore: closing a QMS year and
// carrying its objectives, audit programme and open items into the next,
// all in one transaction.
type YearStore struct{ db *sqlx.DB }

// NewYearStore returns a YearStore on db.
func NewYearStore(db *sqlx.DB) *YearStore { return &YearStore{db: db} }

var _ leadership.YearStore = (*YearStore)(nil)

// CloseYear closes year: the row of qms_years is written first, so a second
// act on the same year waits on it and is then refused, and from then on
// the year's objectives and audits take no write (migration 00077).
func (s *YearStore) CloseYear(ctx context.Context, year int, userID, login string,
	decide func([]leadership.YearObjective) (map[string]float64, error), ev func(leadership.ClosedYear) trail.Event) (leadership.ClosedYear, error) {
	const qClose = `INSERT INTO qms_years (year, closed_by) VALUES ($1, $2) ON CONFLICT (year) DO NOTHING RETURNING year`
	const qNextClosed = `SELECT qms_year_closed($1)`
	const qObjs = `SELECT id, title, kpi, target FROM objectives WHERE extract(year FROM period_from) = $1 ORDER BY created_at, id`
	// The objectives and the audits are carried set-wise, each with its
	// reference in qms_year_items, so the act's time does not grow with
	// round trips: a new id per source row, then the copies and the
	// references from the same rows (the audit's team and checklist
	// referencing the audit inserted by the same statement).
	const qObjCopy = `WITH src AS (SELECT o.*, gen_random_uuid() AS new_id FROM objectives o WHERE extract(year FROM o.period_from) = $1),
		ins AS (INSERT INTO objectives (id, title, kpi, comparator, target, period_from, period_to, unit, field, service_code, created_by)
			SELECT new_id, title, kpi, comparator, coalesce(($2::jsonb ->> id::text)::double precision, target),
				(period_from + interval '1 year')::date, (period_to + interval '1 year')::date, unit, field, service_code, $3 FROM src)
		INSERT INTO qms_year_items (year, kind, from_id, to_id, label, unit) SELECT $1, 'objective', id, new_id, title, unit FROM src`
	const qAuditCopy = `WITH base AS (SELECT count(*) AS n FROM audits WHERE year = $2),
		src AS (SELECT a.*, gen_random_uuid() AS new_id, base.n + row_number() OVER (ORDER BY a.number) AS no
			FROM audits a, base WHERE a.year = $1),
		num AS (SELECT src.*, 'IA-' || $2::int || '-' || CASE WHEN no < 10 THEN '0' || no ELSE no::text END AS new_number FROM src),
		ins AS (INSERT INTO audits (id, number, year, title, scope_units, scope_processes, scope_clauses, planned_start, planned_end, lead_auditor, created_by)
			SELECT new_id, new_number, $2, title, scope_units, scope_processes, scope_clauses, (planned_start + interval '1 year')::date,
				(planned_end + interval '1 year')::date, lead_auditor, $3 FROM num),
		team AS (INSERT INTO audit_team (audit_id, user_id, is_lead) SELECT num.new_id, t.user_id, t.is_lead FROM audit_team t JOIN num ON num.id = t.audit_id),
		items AS (INSERT INTO audit_items (audit_id, seq, clause, question, source)
			SELECT num.new_id, i.seq, i.clause, i.question, i.source FROM audit_items i JOIN num ON num.id = i.audit_id)
		INSERT INTO qms_year_items (year, kind, from_id, to_id, label, unit)
			SELECT $1, 'audit', id, new_id, number || ' → ' || new_number, scope_units[1] FROM num`
	// The open items: NCs neither closed nor cancelled, their actions not
	// verified effective, directives not accepted.
	const qOpen = `INSERT INTO qms_year_items (year, kind, from_id, label, unit)
		SELECT $1::int, 'nc', id, number || ' ' || title, unit FROM ncs WHERE status NOT IN ('closed', 'cancelled')
		UNION ALL
		SELECT $1::int, 'action', a.id, n.number || ' #' || a.no || ' ' || left(a.description, 200), a.unit
			FROM nc_actions a JOIN ncs n ON n.id = a.nc_id
			WHERE a.status <> 'verified_effective' AND n.status NOT IN ('closed', 'cancelled')
		UNION ALL
		SELECT $1::int, 'directive', id, left(title, 300), unit FROM directives WHERE state <> 'accepted'`
	// The review schedule: the yearly review is due a year after the last
	// closed one (29 February gives 28 February, as leadership's
	// yearAfter), by 31/12 of the new year when none closed yet.
	const qReview = `WITH last AS (SELECT id, held_on FROM management_reviews WHERE state = 'closed' ORDER BY held_on DESC, closed_at DESC LIMIT 1)
		UPDATE qms_years SET review_last = (SELECT id FROM last),
			review_due = coalesce((SELECT (held_on + interval '1 year')::date FROM last), make_date($1 + 1, 12, 31))
		WHERE year = $1 RETURNING review_due, review_last::text`
	const qCount = `SELECT kind, count(*) FROM qms_year_items WHERE year = $1 GROUP BY kind`
	const qCarried = `UPDATE qms_years SET carried = $2 WHERE year = $1`

	var out leadership.ClosedYear
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var got []int
		if err := tx.SelectContext(ctx, &got, qClose, year, userID); err != nil {
			return err
		}
		if len(got) == 0 {
			return qms.Errorf(qms.ErrState, "the QMS year %d is already closed", year)
		}
		var nextClosed bool
		if err := tx.GetContext(ctx, &nextClosed, qNextClosed, year+1); err != nil {
			return err
		}
		if nextClosed {
			return qms.Errorf(qms.ErrState, "the QMS year %d is already closed", year+1)
		}
		var objs []leadership.YearObjective
		if err := tx.SelectContext(ctx, &objs, qObjs, year); err != nil {
			return err
		}
		targets, err := decide(objs)
		if err != nil {
			return err
		}
		tj, err := json.Marshal(targets)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, qObjCopy, year, string(tj), login); err != nil {
			return err
		}
		// Audit numbers of the next year are taken under the lock the
		// audit store numbers them with.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, auditNumberLock, year+1); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, qAuditCopy, year, year+1, userID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, qOpen, year); err != nil {
			return err
		}
		var due time.Time
		var last *string
		if err := tx.QueryRowxContext(ctx, qReview, year).Scan(&due, &last); err != nil {
			return err
		}
		var counts []struct {
			Kind string `db:"kind"`
			N    int    `db:"count"`
		}
		if err := tx.SelectContext(ctx, &counts, qCount, year); err != nil {
			return err
		}
		carried := map[string]int{leadership.CarryObjective: 0, leadership.CarryAudit: 0, leadership.CarryNC: 0,
			leadership.CarryAction: 0, leadership.CarryDirective: 0}
		for _, c := range counts {
			carried[c.Kind] = c.N
		}
		b, _ := json.Marshal(carried)
		if _, err := tx.ExecContext(ctx, qCarried, year, string(b)); err != nil {
			return err
		}
		out = leadership.ClosedYear{Year: year, Next: year + 1, Carried: carried, ReviewDue: qms.DateFromTime(due), ReviewLast: deref(last)}
		_, err = AppendTrail(ctx, tx, ev(out))
		return err
	})
	if err != nil {
		return leadership.ClosedYear{}, err
	}
	return s.ClosedYear(ctx, year)
}

type closedYearRow struct {
	leadership.ClosedYear
	CarriedJSON []byte     `db:"carried"`
	Due         *time.Time `db:"review_due"`
	Last        *string    `db:"review_last"`
}

const closedYearSelect = `SELECT y.year, y.closed_at, y.closed_by, u.name AS closed_by_name, y.carried, y.review_due, y.review_last::text AS review_last
	FROM qms_years y JOIN users u ON u.id = y.closed_by`

func (r closedYearRow) out() leadership.ClosedYear {
	y := r.ClosedYear
	y.Next = y.Year + 1
	if r.Due != nil {
		y.ReviewDue = qms.DateFromTime(*r.Due)
	}
	y.ReviewLast = deref(r.Last)
	y.Carried = map[string]int{}
	_ = json.Unmarshal(r.CarriedJSON, &y.Carried)
	y.Items = []leadership.YearItem{}
	return y
}

// ClosedYears lists the closed years, newest first.
func (s *YearStore) ClosedYears(ctx context.Context) ([]leadership.ClosedYear, error) {
	var rows []closedYearRow
	if err := s.db.SelectContext(ctx, &rows, closedYearSelect+` ORDER BY y.year DESC`); err != nil {
		return nil, translate(err)
	}
	out := make([]leadership.ClosedYear, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.out())
	}
	return out, nil
}

// ClosedYear returns one closed year with what it carried.
func (s *YearStore) ClosedYear(ctx context.Context, year int) (leadership.ClosedYear, error) {
	var r closedYearRow
	if err := s.db.GetContext(ctx, &r, closedYearSelect+` WHERE y.year = $1`, year); err != nil {
		return leadership.ClosedYear{}, notFound(err, "the QMS year %d is not closed", year)
	}
	y := r.out()
	const q = `SELECT kind, from_id, to_id, label, unit FROM qms_year_items WHERE year = $1
		ORDER BY array_position(ARRAY['objective', 'audit', 'nc', 'action', 'directive'], kind), label`
	if err := s.db.SelectContext(ctx, &y.Items, q, year); err != nil {
		return leadership.ClosedYear{}, translate(err)
	}
	return y, nil
}
