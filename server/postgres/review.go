package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// ReviewStore implements leadership.ReviewStore (management reviews, their
// written sections and decisions) and reads the nonconformities, audits
// and ratings of a period for their inputs.
type ReviewStore struct{ db *sqlx.DB }

// NewReviewStore returns a ReviewStore on db.
func NewReviewStore(db *sqlx.DB) *ReviewStore { return &ReviewStore{db: db} }

var _ leadership.ReviewStore = (*ReviewStore)(nil)

type reviewRow struct {
	leadership.Review
	Held    time.Time `db:"held_on"`
	PFrom   time.Time `db:"period_from"`
	PTo     time.Time `db:"period_to"`
	Meeting *string   `db:"meeting_id"`
	PackRaw []byte    `db:"pack"`
}

func (r reviewRow) out() (leadership.Review, error) {
	v := r.Review
	v.HeldOn, v.From, v.To = qms.DateFromTime(r.Held), qms.DateFromTime(r.PFrom), qms.DateFromTime(r.PTo)
	v.MeetingID = deref(r.Meeting)
	v.Texts = map[string]leadership.SectionText{}
	v.Decisions = []leadership.ReviewDecision{}
	if len(r.PackRaw) > 0 {
		var p leadership.Pack
		if err := json.Unmarshal(r.PackRaw, &p); err != nil {
			return v, err
		}
		v.Pack = &p
	}
	return v, nil
}

const reviewCols = `id, held_on, period_from, period_to, title, chair, participants, unit, state, meeting_id, record_id,
	created_login, created_at, closed_login, closed_at`

// Reviews lists the reviews, newest first (without their packs).
func (s *ReviewStore) Reviews(ctx context.Context) ([]leadership.Review, error) {
	var rows []reviewRow
	const q = `SELECT ` + reviewCols + `, NULL::jsonb AS pack FROM management_reviews ORDER BY held_on DESC, created_at DESC LIMIT 500`
	if err := s.db.SelectContext(ctx, &rows, q); err != nil {
		return nil, translate(err)
	}
	out := make([]leadership.Review, 0, len(rows))
	for _, r := range rows {
		v, err := r.out()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Review returns one review with its texts, decisions and frozen pack.
func (s *ReviewStore) Review(ctx context.Context, id string) (leadership.Review, error) {
	return s.review(ctx, s.db, id, false)
}

func (s *ReviewStore) review(ctx context.Context, q sqlx.QueryerContext, id string, lock bool) (leadership.Review, error) {
	if !qms.ValidID(id) {
		return leadership.Review{}, qms.Errorf(qms.ErrNotFound, "no management review %s", id)
	}
	sel := `SELECT ` + reviewCols + `, pack FROM management_reviews WHERE id = $1`
	if lock {
		sel += ` FOR UPDATE`
	}
	var r reviewRow
	if err := sqlx.GetContext(ctx, q, &r, sel, id); err != nil {
		return leadership.Review{}, notFound(err, "no management review %s", id)
	}
	v, err := r.out()
	if err != nil {
		return v, err
	}
	var texts []leadership.SectionText
	const qt = `SELECT key, body, version, updated_login, updated_at FROM management_review_sections WHERE review_id = $1`
	if err := sqlx.SelectContext(ctx, q, &texts, qt, id); err != nil {
		return v, translate(err)
	}
	for _, t := range texts {
		v.Texts[t.Key] = t
	}
	ds, err := s.decisions(ctx, q, `d.review_id = $1`, id)
	v.Decisions = ds
	return v, err
}

type decisionRow struct {
	leadership.ReviewDecision
	NewTarget *float64   `db:"new_target"`
	NewFrom   *time.Time `db:"new_period_from"`
	NewTo     *time.Time `db:"new_period_to"`
	OldTarget *float64   `db:"old_target"`
	OldFrom   *time.Time `db:"old_period_from"`
	OldTo     *time.Time `db:"old_period_to"`
	ObjKPI    *string    `db:"objective_kpi"`
	Due       *time.Time `db:"due_on"`
	RHeld     time.Time  `db:"review_held_on"`
	Unit      *string    `db:"unit"`
	DirID     *string    `db:"directive_id"`
	DirSt     *string    `db:"directive_state"`
	ObjID     *string    `db:"objective_id"`
	ObjName   *string    `db:"objective_title"`
}

// decisions reads decisions matching where (on $1), in review and seq order.
func (s *ReviewStore) decisions(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) ([]leadership.ReviewDecision, error) {
	sel := `SELECT d.id, d.review_id, d.seq, d.kind, d.title, d.unit, d.due_on, d.directive_id::text AS directive_id, dv.state AS directive_state,
			d.objective_id::text AS objective_id, o.title AS objective_title, o.kpi AS objective_kpi, o.target AS objective_target,
			d.new_target, d.new_period_from, d.new_period_to, d.old_target, d.old_period_from, d.old_period_to, d.done_at, d.done_login, d.done_note, d.created_login, d.created_at,
			r.title AS review_title, r.held_on AS review_held_on
		FROM management_review_decisions d JOIN management_reviews r ON r.id = d.review_id
		LEFT JOIN directives dv ON dv.id = d.directive_id LEFT JOIN objectives o ON o.id = d.objective_id
		WHERE ` + where + ` ORDER BY r.held_on, r.created_at, d.seq LIMIT 2000`
	var rows []decisionRow
	if err := sqlx.SelectContext(ctx, q, &rows, sel, args...); err != nil {
		return nil, translate(err)
	}
	out := make([]leadership.ReviewDecision, 0, len(rows))
	for _, r := range rows {
		d := r.ReviewDecision
		if r.Due != nil {
			d.DueOn = qms.DateFromTime(*r.Due)
		}
		d.ReviewHeldOn = qms.DateFromTime(r.RHeld)
		d.Unit, d.DirectiveID, d.DirectiveState = deref(r.Unit), deref(r.DirID), deref(r.DirSt)
		d.ObjectiveID, d.ObjectiveTitle, d.ObjectiveKPI = deref(r.ObjID), deref(r.ObjName), deref(r.ObjKPI)
		if r.OldTarget != nil && r.OldFrom != nil && r.OldTo != nil {
			c := &leadership.ObjectiveChange{Target: r.NewTarget, OldTarget: *r.OldTarget,
				OldFrom: qms.DateFromTime(*r.OldFrom), OldTo: qms.DateFromTime(*r.OldTo)}
			if r.NewFrom != nil && r.NewTo != nil {
				c.From, c.To = qms.DateFromTime(*r.NewFrom), qms.DateFromTime(*r.NewTo)
			}
			d.Change = c
		}
		out = append(out, d)
	}
	return out, nil
}

// CreateReview inserts a review.
func (s *ReviewStore) CreateReview(ctx context.Context, r leadership.Review, ev trail.Event) (leadership.Review, error) {
	const q = `INSERT INTO management_reviews (held_on, period_from, period_to, title, chair, participants, unit, created_login)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`
	var id string
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &id, q, r.HeldOn.String(), r.From.String(), r.To.String(), r.Title, r.Chair, r.Participants,
			r.Unit, r.CreatedBy); err != nil {
			if qms.KindOf(translate(err)) == qms.ErrInvalid {
				return qms.Errorf(qms.ErrInvalid, "unknown unit %s", r.Unit)
			}
			return err
		}
		ev.ObjectID = id
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	if err != nil {
		return r, err
	}
	return s.Review(ctx, id)
}

// MutateReview locks the review, lets fn decide, and writes the change and
// its trail entries in one transaction.
func (s *ReviewStore) MutateReview(ctx context.Context, id string, fn func(*leadership.Review) (leadership.ReviewChange, error)) (leadership.Review, error) {
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		r, err := s.review(ctx, tx, id, true)
		if err != nil {
			return err
		}
		ch, err := fn(&r)
		if err != nil {
			return err
		}
		ids := map[string]string{"management_review": r.ID}
		if t := ch.Text; t != nil {
			if ch.ExpectVersion == 0 {
				const qi = `INSERT INTO management_review_sections (review_id, key, body, version, updated_login) VALUES ($1, $2, $3, 1, $4)
					ON CONFLICT (review_id, key) DO NOTHING`
				res, err := tx.ExecContext(ctx, qi, r.ID, t.Key, t.Body, t.UpdatedBy)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n != 1 {
					return qms.Errorf(qms.ErrConflict, "someone else changed this section; reload it and write again")
				}
			} else {
				const qu = `UPDATE management_review_sections SET body = $3, version = version + 1, updated_login = $4, updated_at = now()
					WHERE review_id = $1 AND key = $2 AND version = $5`
				res, err := tx.ExecContext(ctx, qu, r.ID, t.Key, t.Body, t.UpdatedBy, ch.ExpectVersion)
				if err != nil {
					return err
				}
				if n, _ := res.RowsAffected(); n != 1 {
					return qms.Errorf(qms.ErrConflict, "someone else changed this section; reload it and write again")
				}
			}
		}
		if m := ch.Meeting; m != nil {
			const qm = `INSERT INTO meetings (held_on, title, chair, participants, created_by, created_login, unit)
				VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`
			var actorID any
			if a, ok := qms.ActorFrom(ctx); ok {
				actorID = nullStr(a.UserID)
			}
			if err := tx.GetContext(ctx, &m.ID, qm, m.HeldOn.String(), m.Title, m.Chair, m.Participants, actorID, m.CreatedBy, m.Unit); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE management_reviews SET meeting_id = $2 WHERE id = $1`, r.ID, m.ID); err != nil {
				return err
			}
			ids["meeting"] = m.ID
			if ch.Directive != nil {
				ch.Directive.MeetingID = m.ID
			}
		}
		if d := ch.Directive; d != nil {
			const qd = `INSERT INTO directives (meeting_id, unit, title, report_required, due_on, issuer_id, issuer_login)
				VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`
			if err := tx.GetContext(ctx, &d.ID, qd, d.MeetingID, d.Unit, d.Title, d.ReportRequired, d.DueOn.String(), nullStr(d.IssuerID), d.Issuer); err != nil {
				if qms.KindOf(translate(err)) == qms.ErrInvalid {
					return qms.Errorf(qms.ErrInvalid, "unknown unit %s", d.Unit)
				}
				return err
			}
			ids["directive"] = d.ID
		}
		if o := ch.Objective; o != nil && ch.Decision != nil && ch.Decision.Change != nil {
			// The change is applied only to the objective as it was decided
			// on: one changed meanwhile is refused, the decision not written.
			c := ch.Decision.Change
			var target, from, to any
			if c.Target != nil {
				target = *c.Target
			}
			if c.ChangesPeriod() {
				from, to = c.From.String(), c.To.String()
			}
			const qo = `UPDATE objectives SET target = coalesce($2, target), period_from = coalesce($3::date, period_from),
				period_to = coalesce($4::date, period_to)
				WHERE id = $1 AND target = $5 AND period_from = $6 AND period_to = $7`
			res, err := tx.ExecContext(ctx, qo, o.ID, target, from, to, o.Target, o.From.String(), o.To.String())
			if err != nil {
				return translate(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return qms.Errorf(qms.ErrConflict, "the objective %q changed while the decision was recorded; record it again", o.Title)
			}
		}
		if d := ch.Decision; d != nil {
			var due, dir, obj, unit any
			if !d.DueOn.IsZero() {
				due = d.DueOn.String()
			}
			if ch.Directive != nil {
				dir = ch.Directive.ID
			}
			obj, unit = nullStr(d.ObjectiveID), nullStr(d.Unit)
			// A change to an objective is applied as it is recorded: the
			// decision is done at once.
			var nt, nf, nto, ot, of, oto any
			if c := d.Change; c != nil {
				if c.Target != nil {
					nt = *c.Target
				}
				if c.ChangesPeriod() {
					nf, nto = c.From.String(), c.To.String()
				}
				ot, of, oto = c.OldTarget, c.OldFrom.String(), c.OldTo.String()
			}
			const qd = `INSERT INTO management_review_decisions (review_id, seq, kind, title, unit, due_on, directive_id, objective_id, created_login,
					new_target, new_period_from, new_period_to, old_target, old_period_from, old_period_to, done_at, done_login)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,
					CASE WHEN $13::double precision IS NULL THEN NULL ELSE now() END, CASE WHEN $13::double precision IS NULL THEN '' ELSE $9 END)
				RETURNING id`
			if err := tx.GetContext(ctx, &d.ID, qd, r.ID, d.Seq, d.Kind, d.Title, unit, due, dir, obj, d.CreatedBy, nt, nf, nto, ot, of, oto); err != nil {
				if qms.KindOf(translate(err)) == qms.ErrInvalid && d.ObjectiveID != "" {
					return qms.Errorf(qms.ErrInvalid, "no objective %s", d.ObjectiveID)
				}
				return err
			}
		}
		if ch.Done != "" {
			a, _ := qms.ActorFrom(ctx)
			const qn = `UPDATE management_review_decisions SET done_at = now(), done_login = $2, done_note = $3 WHERE id = $1 AND done_at IS NULL`
			if _, err := tx.ExecContext(ctx, qn, ch.Done, a.Login, ch.DoneNote); err != nil {
				return err
			}
		}
		if p := ch.Close; p != nil {
			b, err := json.Marshal(p)
			if err != nil {
				return err
			}
			const qc = `UPDATE management_reviews SET state = 'closed', pack = $2, record_id = $3, closed_login = $4, closed_at = now() WHERE id = $1`
			if _, err := tx.ExecContext(ctx, qc, r.ID, b, p.RecordID, p.ClosedBy); err != nil {
				return err
			}
			if r.MeetingID != "" && p.RecordID != "" {
				// The review's meeting keeps the review's record as its minutes.
				if _, err := tx.ExecContext(ctx, `UPDATE meetings SET minutes_record = $2 WHERE id = $1 AND minutes_record = ''`, r.MeetingID, p.RecordID); err != nil {
					return err
				}
			}
		}
		for _, ev := range ch.Events {
			if ev.ObjectID == "" {
				ev.ObjectID = ids[ev.ObjectType]
			}
			if _, err := AppendTrail(ctx, tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return leadership.Review{}, err
	}
	return s.Review(ctx, id)
}

// DecisionReview returns the review of a decision.
func (s *ReviewStore) DecisionReview(ctx context.Context, decisionID string) (string, error) {
	if !qms.ValidID(decisionID) {
		return "", qms.Errorf(qms.ErrNotFound, "no decision %s", decisionID)
	}
	var id string
	if err := s.db.GetContext(ctx, &id, `SELECT review_id FROM management_review_decisions WHERE id = $1`, decisionID); err != nil {
		return "", notFound(err, "no decision %s", decisionID)
	}
	return id, nil
}

// EarlierDecisions lists the decisions of the reviews held before day, or
// on it and prepared before review id.
func (s *ReviewStore) EarlierDecisions(ctx context.Context, id string, day workday.Date) ([]leadership.ReviewDecision, error) {
	return s.decisions(ctx, s.db, `r.id <> $1 AND (r.held_on < $2 OR (r.held_on = $2 AND r.created_at < (SELECT created_at FROM management_reviews WHERE id = $1)))`,
		id, day.String())
}

// LastClosed returns the closed review held last.
func (s *ReviewStore) LastClosed(ctx context.Context) (leadership.Review, error) {
	var r reviewRow
	const q = `SELECT ` + reviewCols + `, NULL::jsonb AS pack FROM management_reviews WHERE state = 'closed' ORDER BY held_on DESC, closed_at DESC LIMIT 1`
	if err := s.db.GetContext(ctx, &r, q); err != nil {
		return leadership.Review{}, notFound(err, "no closed management review")
	}
	return r.out()
}

// CarriedReviewDue returns the latest closed QMS year with a recorded
// review due.
func (s *ReviewStore) CarriedReviewDue(ctx context.Context) (leadership.ClosedYear, error) {
	var r struct {
		Year int       `db:"year"`
		Due  time.Time `db:"review_due"`
		Last *string   `db:"review_last"`
	}
	const q = `SELECT year, review_due, review_last::text AS review_last FROM qms_years WHERE review_due IS NOT NULL ORDER BY year DESC LIMIT 1`
	if err := s.db.GetContext(ctx, &r, q); err != nil {
		return leadership.ClosedYear{}, notFound(err, "no QMS year has carried a review due")
	}
	return leadership.ClosedYear{Year: r.Year, Next: r.Year + 1, ReviewDue: qms.DateFromTime(r.Due), ReviewLast: deref(r.Last)}, nil
}

// Objective returns a quality objective a decision changes.
func (s *ReviewStore) Objective(ctx context.Context, id string) (leadership.ChangedObjective, error) {
	if !qms.ValidID(id) {
		return leadership.ChangedObjective{}, qms.Errorf(qms.ErrNotFound, "no objective %s", id)
	}
	var r struct {
		ID     string    `db:"id"`
		Title  string    `db:"title"`
		KPI    string    `db:"kpi"`
		Target float64   `db:"target"`
		From   time.Time `db:"period_from"`
		To     time.Time `db:"period_to"`
		Unit   string    `db:"unit"`
	}
	const q = `SELECT id, title, kpi, target, period_from, period_to, unit FROM objectives WHERE id = $1`
	if err := s.db.GetContext(ctx, &r, q, id); err != nil {
		return leadership.ChangedObjective{}, notFound(err, "no objective %s", id)
	}
	return leadership.ChangedObjective{ID: r.ID, Title: r.Title, KPI: r.KPI, Target: r.Target,
		From: qms.DateFromTime(r.From), To: qms.DateFromTime(r.To), Unit: r.Unit}, nil
}

// ReviewNCs counts the nonconformities and corrective actions of a period
// (days in the office's time zone): raised in it (by unit, cause, source
// and month), closed in it and on time, still open at its end, complaints
// raised in it; actions due in it, those done late or not done, and the
// verifications of effectiveness made in it.
func (s *ReviewStore) ReviewNCs(ctx context.Context, from, to workday.Date) (leadership.ReviewNCs, error) {
	var n leadership.ReviewNCs
	f, t := from.String(), to.String()
	const q = `SELECT
		count(*) FILTER (WHERE detected_on BETWEEN $1 AND $2) AS opened,
		count(*) FILTER (WHERE status = 'closed' AND (closed_at AT TIME ZONE office_time_zone())::date BETWEEN $1 AND $2) AS closed,
		count(*) FILTER (WHERE status = 'closed' AND closed_on_time AND (closed_at AT TIME ZONE office_time_zone())::date BETWEEN $1 AND $2) AS closed_on_time,
		count(*) FILTER (WHERE detected_on <= $2 AND status <> 'cancelled'
			AND (closed_at IS NULL OR (closed_at AT TIME ZONE office_time_zone())::date > $2)) AS open_at_end,
		count(*) FILTER (WHERE source = 'complaint' AND detected_on BETWEEN $1 AND $2) AS complaints
		FROM ncs WHERE status <> 'cancelled' OR detected_on BETWEEN $1 AND $2`
	var c struct {
		Opened, Closed, ClosedOnTime, OpenAtEnd, Complaints int64
	}
	if err := s.db.QueryRowxContext(ctx, q, f, t).Scan(&c.Opened, &c.Closed, &c.ClosedOnTime, &c.OpenAtEnd, &c.Complaints); err != nil {
		return n, translate(err)
	}
	n.Opened, n.Closed, n.ClosedOnTime, n.OpenAtEnd, n.Complaints = c.Opened, c.Closed, c.ClosedOnTime, c.OpenAtEnd, c.Complaints
	groups := []struct {
		dst *[]leadership.Count
		q   string
	}{
		{&n.ByUnit, `SELECT unit AS key, count(*) AS n FROM ncs WHERE detected_on BETWEEN $1 AND $2 AND status <> 'cancelled' GROUP BY unit ORDER BY n DESC, key`},
		{&n.ByCause, `SELECT c AS key, count(*) AS n FROM ncs, unnest(cause_categories) c WHERE detected_on BETWEEN $1 AND $2 AND status <> 'cancelled'
			GROUP BY c ORDER BY n DESC, key`},
		{&n.BySource, `SELECT source AS key, count(*) AS n FROM ncs WHERE detected_on BETWEEN $1 AND $2 AND status <> 'cancelled' GROUP BY source ORDER BY n DESC, key`},
		{&n.ByMonth, `SELECT to_char(detected_on, 'YYYY-MM') AS key, count(*) AS n FROM ncs WHERE detected_on BETWEEN $1 AND $2 AND status <> 'cancelled'
			GROUP BY key ORDER BY key`},
	}
	for _, g := range groups {
		*g.dst = []leadership.Count{}
		if err := s.db.SelectContext(ctx, g.dst, g.q, f, t); err != nil {
			return n, translate(err)
		}
	}
	const qa = `SELECT
		count(*) FILTER (WHERE a.due BETWEEN $1 AND $2),
		count(*) FILTER (WHERE a.due BETWEEN $1 AND $2 AND (a.done_at IS NULL OR (a.done_at AT TIME ZONE office_time_zone())::date > a.due)),
		count(*) FILTER (WHERE a.status = 'verified_effective' AND (a.verified_at AT TIME ZONE office_time_zone())::date BETWEEN $1 AND $2),
		count(*) FILTER (WHERE a.status = 'verified_not_effective' AND (a.verified_at AT TIME ZONE office_time_zone())::date BETWEEN $1 AND $2)
		FROM nc_actions a JOIN ncs n ON n.id = a.nc_id WHERE n.status <> 'cancelled'`
	if err := s.db.QueryRowxContext(ctx, qa, f, t).Scan(&n.ActionsDue, &n.ActionsLate, &n.Effective, &n.NotEffective); err != nil {
		return n, translate(err)
	}
	return n, nil
}

// ReviewAudits lists the internal audits whose planned period meets the
// review's, with their findings by kind.
func (s *ReviewStore) ReviewAudits(ctx context.Context, from, to workday.Date) ([]leadership.ReviewAudit, error) {
	const q = `SELECT a.id, a.number, a.title, a.status,
			count(f.id) FILTER (WHERE f.kind = 'nonconformity') AS nonconformities,
			count(f.id) FILTER (WHERE f.kind = 'observation') AS observations,
			count(f.id) FILTER (WHERE f.kind = 'ofi') AS ofis,
			count(f.id) FILTER (WHERE f.kind = 'conformity') AS conform
		FROM audits a LEFT JOIN audit_findings f ON f.audit_id = a.id
		WHERE a.planned_start <= $2 AND a.planned_end >= $1
		GROUP BY a.id ORDER BY a.planned_start, a.number LIMIT 500`
	out := []leadership.ReviewAudit{}
	rows, err := s.db.QueryxContext(ctx, q, from.String(), to.String())
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var a leadership.ReviewAudit
		if err := rows.Scan(&a.ID, &a.Number, &a.Title, &a.Status, &a.Nonconformities, &a.Observations, &a.OFIs, &a.Conform); err != nil {
			return nil, translate(err)
		}
		out = append(out, a)
	}
	return out, translate(rows.Err())
}

// ReviewSatisfaction counts the ratings of the dossiers received in the
// period.
func (s *ReviewStore) ReviewSatisfaction(ctx context.Context, from, to workday.Date) (leadership.ReviewSatisfaction, error) {
	var r leadership.ReviewSatisfaction
	const q = `SELECT count(satisfaction),
			count(*) FILTER (WHERE satisfaction IN ('very_satisfied', 'satisfied')),
			count(*) FILTER (WHERE satisfaction = 'dissatisfied')
		FROM dossiers WHERE status <> 'withdrawn' AND satisfaction IS NOT NULL
			AND (received_at AT TIME ZONE office_time_zone())::date BETWEEN $1 AND $2`
	err := s.db.QueryRowxContext(ctx, q, from.String(), to.String()).Scan(&r.Rated, &r.Satisfied, &r.Dissatisfied)
	return r, translate(err)
}

// ReviewChanges counts the changes of the period (both days inclusive, in
// the office's time zone) in the legal-basis and risk registers.
func (s *ReviewStore) ReviewChanges(ctx context.Context, from, to workday.Date) (leadership.ReviewChanges, error) {
	var c leadership.ReviewChanges
	const q = `SELECT
			(SELECT count(*) FROM legal_bases WHERE effective_on BETWEEN $1::date AND $2::date),
			(SELECT count(*) FROM legal_bases WHERE status <> 'in_force'
				AND (updated_at AT TIME ZONE office_time_zone())::date BETWEEN $1::date AND $2::date),
			(SELECT count(*) FROM revision_tasks WHERE (opened_at AT TIME ZONE office_time_zone())::date BETWEEN $1::date AND $2::date),
			(SELECT count(*) FROM revision_tasks WHERE (closed_at AT TIME ZONE office_time_zone())::date BETWEEN $1::date AND $2::date),
			(SELECT count(*) FROM revision_tasks WHERE due_on < $2::date
				AND (closed_at IS NULL OR (closed_at AT TIME ZONE office_time_zone())::date > $2::date)),
			(SELECT count(*) FROM risks WHERE kind = 'risk' AND (created_at AT TIME ZONE office_time_zone())::date BETWEEN $1::date AND $2::date),
			(SELECT count(*) FROM risks WHERE kind = 'opportunity' AND (created_at AT TIME ZONE office_time_zone())::date BETWEEN $1::date AND $2::date),
			(SELECT count(*) FROM risks WHERE status = 'closed' AND (updated_at AT TIME ZONE office_time_zone())::date BETWEEN $1::date AND $2::date)`
	err := s.db.QueryRowxContext(ctx, q, from.String(), to.String()).Scan(&c.LegalEffective, &c.LegalSuperseded,
		&c.TasksOpened, &c.TasksClosed, &c.TasksOverdue, &c.RisksAdded, &c.OpportunitiesAdded, &c.RisksClosed)
	return c, translate(err)
}

// ReviewRiskActions reads the effectiveness of the actions on the risks
// registered by the period's end: those treated (not accepted), those of
// them whose residual score is below the inherent one, the actions and
// directives linked to them, and those whose review date passed before the
// period's end while not closed.
func (s *ReviewStore) ReviewRiskActions(ctx context.Context, to workday.Date) (leadership.ReviewRiskActions, error) {
	var a leadership.ReviewRiskActions
	const q = `WITH r AS (SELECT * FROM risks WHERE (created_at AT TIME ZONE office_time_zone())::date <= $1::date::date)
		SELECT
			(SELECT count(*) FROM r WHERE treatment <> 'accept'),
			(SELECT count(*) FROM r WHERE treatment <> 'accept' AND residual_score < inherent_score),
			(SELECT count(*) FROM r WHERE treatment <> 'accept' AND residual_score >= inherent_score),
			(SELECT count(*) FROM risk_links l JOIN r ON r.id = l.risk_id WHERE l.kind IN ('action', 'directive')),
			(SELECT count(*) FROM r WHERE status <> 'closed' AND review_on < $1::date::date)`
	err := s.db.QueryRowxContext(ctx, q, to.String()).Scan(&a.Treated, &a.Reduced, &a.Unchanged,
		&a.ActionsLinked, &a.ReviewOverdue)
	return a, translate(err)
}
