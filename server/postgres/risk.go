package postgres

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// RiskStore implements leadership.RiskStore: the register of risks and
// opportunities, their links, and the decisions on suggested risks, whose
// monthly figures it reads as the process capability's KPIs do.
type RiskStore struct{ db *sqlx.DB }

// NewRiskStore returns a RiskStore on db.
func NewRiskStore(db *sqlx.DB) *RiskStore { return &RiskStore{db: db} }

var _ leadership.RiskStore = (*RiskStore)(nil)

type riskRow struct {
	leadership.Risk
	Review    time.Time  `db:"review_on"`
	TrendObj  *string    `db:"trend_objective"`
	TrendFrom *time.Time `db:"trend_from"`
	TrendTo   *time.Time `db:"trend_to"`
}

func (r riskRow) out() leadership.Risk {
	x := r.Risk
	x.ReviewOn = qms.DateFromTime(r.Review)
	if r.TrendObj != nil && r.TrendFrom != nil && r.TrendTo != nil {
		x.Trend = &leadership.Trend{ObjectiveID: *r.TrendObj, From: r.TrendFrom.Format("2006-01"), To: r.TrendTo.Format("2006-01")}
	}
	x.Links = []leadership.Link{}
	return x
}

const riskCols = `r.id, r.kind, r.unit, r.process_kind, r.process_code, coalesce(sv.name_vi, '') AS process_name, r.title, r.description,
	r.cause, r.consequence, r.likelihood, r.impact, r.inherent_score, r.residual_likelihood, r.residual_impact, r.residual_score,
	r.treatment, r.treatment_note, r.owner_id, u.login AS owner_login, u.name AS owner_name, r.review_on, r.status,
	r.trend_objective, r.trend_from, r.trend_to, r.version, r.created_login, r.created_at, r.updated_at`

const riskFrom = ` FROM risks r JOIN users u ON u.id = r.owner_id
	LEFT JOIN services sv ON r.process_kind = 'service' AND sv.code = r.process_code`

// riskRefs resolves what an entry names inside tx: its owner (an active
// user by login) and its process (a service that exists, or a field some
// service belongs to). Problems are reported per field.
func riskRefs(ctx context.Context, tx *sqlx.Tx, r leadership.Risk) (string, error) {
	fe := qms.FieldErrors{}
	var owner string
	err := tx.GetContext(ctx, &owner, `SELECT id FROM users WHERE login = $1 AND status = 'active'`, r.Owner)
	if errors.Is(err, sql.ErrNoRows) {
		fe.Add("owner", "no active user with this login")
	} else if err != nil {
		return "", err
	}
	var ok bool
	q := `SELECT EXISTS (SELECT 1 FROM services WHERE code = $1)`
	if r.ProcessKind == leadership.ProcessField {
		q = `SELECT EXISTS (SELECT 1 FROM services WHERE field = $1)`
	}
	if err := tx.GetContext(ctx, &ok, q, r.ProcessCode); err != nil {
		return "", err
	}
	if !ok {
		if r.ProcessKind == leadership.ProcessField {
			fe.Add("process_code", "no service of this field")
		} else {
			fe.Add("process_code", "no service with this code")
		}
	}
	return owner, fe.Err()
}

func actorID(ctx context.Context) any {
	if a, ok := qms.ActorFrom(ctx); ok && a.UserID != "" {
		return a.UserID
	}
	return nil
}

// CreateRisk inserts an entry and, for an accepted suggestion, the
// decision on its streak, with the trail entry, in one transaction.
func (s *RiskStore) CreateRisk(ctx context.Context, r leadership.Risk, accepted *leadership.SuggestionDecision, ev trail.Event) (leadership.Risk, error) {
	const q = `INSERT INTO risks (kind, unit, process_kind, process_code, title, description, cause, consequence,
			likelihood, impact, residual_likelihood, residual_impact, treatment, treatment_note, owner_id, review_on, status,
			trend_objective, trend_from, trend_to, created_by, created_login)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22) RETURNING id`
	var id string
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		owner, err := riskRefs(ctx, tx, r)
		if err != nil {
			return err
		}
		var tObj, tFrom, tTo any
		if accepted != nil {
			tObj, tFrom, tTo = accepted.ObjectiveID, accepted.StreakFrom.String(), accepted.StreakTo.String()
		}
		if err := tx.QueryRowxContext(ctx, q, r.Kind, r.Unit, r.ProcessKind, r.ProcessCode, r.Title, r.Description, r.Cause, r.Consequence,
			r.Likelihood, r.Impact, r.ResidualLikelihood, r.ResidualImpact, r.Treatment, r.TreatmentNote, owner, r.ReviewOn.String(), r.Status,
			tObj, tFrom, tTo, actorID(ctx), r.CreatedBy).Scan(&id); err != nil {
			return err
		}
		if accepted != nil {
			accepted.RiskID = id
			if err := insertDecision(ctx, tx, *accepted); err != nil {
				return err
			}
		}
		ev.ObjectID = id
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
	if err != nil {
		return r, err
	}
	return s.Risk(ctx, id)
}

func insertDecision(ctx context.Context, tx *sqlx.Tx, d leadership.SuggestionDecision) error {
	const q = `INSERT INTO risk_suggestion_decisions (objective_id, streak_from, streak_to, unit, service_code, decision, reason, risk_id,
			decided_by, decided_login)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	var risk any
	if d.RiskID != "" {
		risk = d.RiskID
	}
	_, err := tx.ExecContext(ctx, q, d.ObjectiveID, d.StreakFrom.String(), d.StreakTo.String(), d.Unit, d.Service, d.Decision, d.Reason, risk,
		actorID(ctx), d.By)
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" {
		return qms.Errorf(qms.ErrConflict, "this suggested risk was decided already")
	}
	return err
}

// Risk returns one entry with its links.
func (s *RiskStore) Risk(ctx context.Context, id string) (leadership.Risk, error) {
	if !qms.ValidID(id) {
		return leadership.Risk{}, qms.Errorf(qms.ErrNotFound, "no risk %s", id)
	}
	var row riskRow
	if err := s.db.GetContext(ctx, &row, `SELECT `+riskCols+riskFrom+` WHERE r.id = $1`, id); err != nil {
		return leadership.Risk{}, notFound(err, "no risk %s", id)
	}
	r := row.out()
	const q = `SELECT l.id, l.kind, coalesce(l.nc_id, l.action_id, l.directive_id, l.finding_id)::text AS target_id,
			left(CASE l.kind
				WHEN 'nc' THEN n.number || ' ' || n.title
				WHEN 'action' THEN an.number || ' #' || a.no || ': ' || a.description
				WHEN 'directive' THEN d.title
				ELSE f.description END, 300) AS label,
			coalesce(n.status, a.status, d.state, f.kind, '') AS state, l.created_login, l.created_at
		FROM risk_links l
		LEFT JOIN ncs n ON n.id = l.nc_id
		LEFT JOIN nc_actions a ON a.id = l.action_id LEFT JOIN ncs an ON an.id = a.nc_id
		LEFT JOIN directives d ON d.id = l.directive_id
		LEFT JOIN audit_findings f ON f.id = l.finding_id
		WHERE l.risk_id = $1 ORDER BY l.created_at, l.id`
	if err := s.db.SelectContext(ctx, &r.Links, q, id); err != nil {
		return r, translate(err)
	}
	return r, nil
}

// Risks lists the entries f selects: the due list soonest review first,
// the register highest residual score first.
func (s *RiskStore) Risks(ctx context.Context, f leadership.RiskFilter) ([]leadership.Risk, error) {
	var due any
	order := ` ORDER BY r.residual_score DESC, r.inherent_score DESC, r.review_on, r.id`
	if f.DueBy != nil {
		due = f.DueBy.String()
		order = ` ORDER BY r.review_on, r.residual_score DESC, r.id`
	}
	q := `SELECT ` + riskCols + riskFrom + `
		WHERE ($1::text[] IS NULL OR r.unit = ANY($1)) AND ($2 = '' OR r.unit = $2) AND ($3 = '' OR r.kind = $3)
			AND ($4 = '' OR r.status = $4) AND ($5 = '' OR r.process_code = $5)
			AND ($6::date IS NULL OR (r.status <> 'closed' AND r.review_on <= $6)) AND (NOT $7 OR r.status <> 'closed')` + order + ` LIMIT 2000`
	var rows []riskRow
	if err := s.db.SelectContext(ctx, &rows, q, scopeArg(f.Scope), f.Unit, f.Kind, f.Status, f.Process, due, f.NotClosed); err != nil {
		return nil, translate(err)
	}
	out := make([]leadership.Risk, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.out())
	}
	return out, nil
}

// UpdateRisk writes the editable fields when the stored version is still
// r.Version, raising it by one, with the trail entry.
func (s *RiskStore) UpdateRisk(ctx context.Context, r leadership.Risk, ev trail.Event) (leadership.Risk, error) {
	const q = `UPDATE risks SET process_kind = $3, process_code = $4, title = $5, description = $6, cause = $7, consequence = $8,
			likelihood = $9, impact = $10, residual_likelihood = $11, residual_impact = $12, treatment = $13, treatment_note = $14,
			owner_id = $15, review_on = $16, status = $17, version = version + 1, updated_at = now()
		WHERE id = $1 AND version = $2 RETURNING version`
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		owner, err := riskRefs(ctx, tx, r)
		if err != nil {
			return err
		}
		var v int
		err = tx.QueryRowxContext(ctx, q, r.ID, r.Version, r.ProcessKind, r.ProcessCode, r.Title, r.Description, r.Cause, r.Consequence,
			r.Likelihood, r.Impact, r.ResidualLikelihood, r.ResidualImpact, r.Treatment, r.TreatmentNote, owner, r.ReviewOn.String(), r.Status).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return qms.Errorf(qms.ErrConflict, "the risk was changed by someone else since version %d: reload it and make your change again", r.Version)
		}
		if err != nil {
			return err
		}
		ev.Details["new_version"] = v
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
	if err != nil {
		return r, err
	}
	return s.Risk(ctx, r.ID)
}

// riskTargets is, per link kind, the check that the linked object is in
// the entry's unit and the column that links it.
var riskTargets = map[string]struct{ check, column string }{
	leadership.LinkNC:        {`SELECT EXISTS (SELECT 1 FROM ncs WHERE id = $1 AND unit = $2)`, "nc_id"},
	leadership.LinkAction:    {`SELECT EXISTS (SELECT 1 FROM nc_actions WHERE id = $1 AND unit = $2)`, "action_id"},
	leadership.LinkDirective: {`SELECT EXISTS (SELECT 1 FROM directives WHERE id = $1 AND unit = $2)`, "directive_id"},
	leadership.LinkFinding:   {`SELECT EXISTS (SELECT 1 FROM audit_findings WHERE id = $1 AND unit = $2)`, "finding_id"},
}

// AddRiskLink links target to risk id under the entry's lock, when the
// target belongs to the entry's unit.
func (s *RiskStore) AddRiskLink(ctx context.Context, id, kind, target string, ev trail.Event) (leadership.Link, error) {
	t, ok := riskTargets[kind]
	if !ok || !qms.ValidID(target) {
		return leadership.Link{}, qms.Errorf(qms.ErrInvalid, "unknown link kind %q", kind)
	}
	var l leadership.Link
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var unit string
		if err := tx.GetContext(ctx, &unit, `SELECT unit FROM risks WHERE id = $1 FOR UPDATE`, id); err != nil {
			return notFound(err, "no risk %s", id)
		}
		var there bool
		if err := tx.GetContext(ctx, &there, t.check, target, unit); err != nil {
			return err
		}
		if !there {
			switch kind {
			case leadership.LinkNC:
				return qms.Errorf(qms.ErrInvalid, "no nonconformity %s in this risk's unit", target)
			case leadership.LinkAction:
				return qms.Errorf(qms.ErrInvalid, "no corrective action %s in this risk's unit", target)
			case leadership.LinkDirective:
				return qms.Errorf(qms.ErrInvalid, "no directive %s in this risk's unit", target)
			}
			return qms.Errorf(qms.ErrInvalid, "no audit finding %s in this risk's unit", target)
		}
		q := `INSERT INTO risk_links (risk_id, kind, ` + t.column + `, created_login) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING RETURNING id, kind, ` + t.column + `::text AS target_id, created_login, created_at`
		err := tx.GetContext(ctx, &l, q, id, kind, target, ev.ActorLogin)
		if errors.Is(err, sql.ErrNoRows) {
			return qms.Errorf(qms.ErrConflict, "this object is linked to the risk already")
		}
		if err != nil {
			return err
		}
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
	return l, err
}

// HeatMap counts the entries of kind in scope that are not closed by
// likelihood and impact, inherent or residual.
func (s *RiskStore) HeatMap(ctx context.Context, sc qms.Scope, kind string, residual bool) ([]leadership.HeatCell, error) {
	const q = `SELECT CASE WHEN $3 THEN residual_likelihood ELSE likelihood END AS likelihood,
			CASE WHEN $3 THEN residual_impact ELSE impact END AS impact, count(*) AS n
		FROM risks WHERE kind = $2 AND status <> 'closed' AND ($1::text[] IS NULL OR unit = ANY($1))
		GROUP BY 1, 2 ORDER BY 1, 2`
	out := []leadership.HeatCell{}
	return out, translate(s.db.SelectContext(ctx, &out, q, scopeArg(sc), kind, residual))
}

// LateObjectives lists the objectives on a service's on-time rate (at
// least a target) in scope whose period overlaps [from, to].
func (s *RiskStore) LateObjectives(ctx context.Context, sc qms.Scope, from, to workday.Date) ([]leadership.LateObjective, error) {
	const q = `SELECT o.id, o.title, o.unit, o.service_code, coalesce(sv.name_vi, '') AS service_name, o.target, o.period_from, o.period_to
		FROM objectives o LEFT JOIN services sv ON sv.code = o.service_code
		WHERE o.kpi = 'on_time_rate' AND o.comparator = '>=' AND o.service_code <> ''
			AND o.period_from <= $3 AND o.period_to >= $2 AND ($1::text[] IS NULL OR o.unit = ANY($1))
		ORDER BY o.unit, o.service_code, o.created_at, o.id`
	var rows []struct {
		leadership.LateObjective
		PFrom time.Time `db:"period_from"`
		PTo   time.Time `db:"period_to"`
	}
	if err := s.db.SelectContext(ctx, &rows, q, scopeArg(sc), from.String(), to.String()); err != nil {
		return nil, translate(err)
	}
	out := make([]leadership.LateObjective, 0, len(rows))
	for _, r := range rows {
		o := r.LateObjective
		o.From, o.To = qms.DateFromTime(r.PFrom), qms.DateFromTime(r.PTo)
		out = append(out, o)
	}
	return out, nil
}

// ServiceMonths reads the monthly figures of a service in a unit with the
// process capability's KPI query, so the rate is the one its pages show.
func (s *RiskStore) ServiceMonths(ctx context.Context, unit, service string, from, to workday.Date) ([]leadership.MonthRate, error) {
	rows, err := NewProcessStore(s.db).KPIs(ctx, process.KPIQuery{Scope: qms.Scope{All: true}, Unit: unit, Service: service, From: from, To: to, By: "month"})
	if err != nil {
		return nil, err
	}
	out := make([]leadership.MonthRate, 0, len(rows))
	for _, k := range rows {
		k.Derive()
		if k.OnTimeRate == nil {
			continue
		}
		out = append(out, leadership.MonthRate{Month: k.Key, Returned: k.Returned, Late: k.Late, OnTimeRate: *k.OnTimeRate})
	}
	return out, nil
}

// Decisions returns the decisions on the streaks of the objectives.
func (s *RiskStore) Decisions(ctx context.Context, objectives []string) ([]leadership.SuggestionDecision, error) {
	const q = `SELECT objective_id, streak_from, streak_to, unit, service_code, decision, reason, coalesce(risk_id::text, '') AS risk_id,
			decided_login, decided_at
		FROM risk_suggestion_decisions WHERE objective_id = ANY($1::uuid[]) ORDER BY decided_at`
	var rows []struct {
		leadership.SuggestionDecision
		From time.Time `db:"streak_from"`
		To   time.Time `db:"streak_to"`
	}
	if err := s.db.SelectContext(ctx, &rows, q, pq.Array(objectives)); err != nil {
		return nil, translate(err)
	}
	out := make([]leadership.SuggestionDecision, 0, len(rows))
	for _, r := range rows {
		d := r.SuggestionDecision
		d.StreakFrom, d.StreakTo = qms.DateFromTime(r.From), qms.DateFromTime(r.To)
		out = append(out, d)
	}
	return out, nil
}

// Dismiss records the dismissal of a streak with its trail entry.
func (s *RiskStore) Dismiss(ctx context.Context, d leadership.SuggestionDecision, ev trail.Event) error {
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := insertDecision(ctx, tx, d); err != nil {
			return err
		}
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
}
