package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

type objectiveRow struct {
	process.Objective
	PFrom time.Time `db:"period_from"`
	PTo   time.Time `db:"period_to"`
}

const objectiveCols = `id, title, kpi, comparator, target, period_from, period_to, unit, field, service_code, created_by, created_at`

// Objectives lists the objectives of the units in scope.
func (s *ProcessStore) Objectives(ctx context.Context, sc qms.Scope) ([]process.Objective, error) {
	const q = `SELECT ` + objectiveCols + ` FROM objectives WHERE ($1::text[] IS NULL OR unit = ANY($1)) ORDER BY period_to DESC, unit, title`
	var rows []objectiveRow
	if err := s.db.SelectContext(ctx, &rows, q, scopeArg(sc)); err != nil {
		return nil, translate(err)
	}
	out := make([]process.Objective, 0, len(rows))
	for _, r := range rows {
		o := r.Objective
		o.From, o.To = dateOf(r.PFrom), dateOf(r.PTo)
		out = append(out, o)
	}
	return out, nil
}

// CreateObjective inserts an objective.
func (s *ProcessStore) CreateObjective(ctx context.Context, o process.Objective, ev trail.Event) (process.Objective, error) {
	const q = `INSERT INTO objectives (title, kpi, comparator, target, period_from, period_to, unit, field, service_code, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id, created_at`
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.QueryRowxContext(ctx, q, o.Title, o.KPI, o.Comparator, o.Target, o.From.String(), o.To.String(), o.Unit, o.Field,
			o.Service, o.CreatedBy).Scan(&o.ID, &o.CreatedAt); err != nil {
			return err
		}
		ev.ObjectID = o.ID
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	return o, err
}

type meetingRow struct {
	process.Meeting
	Held     time.Time `db:"held_on"`
	Key      *string   `db:"minutes_key"`
	Version  *string   `db:"minutes_version"`
	Size     *int64    `db:"minutes_size"`
	SHA      *string   `db:"minutes_sha256"`
	Type     *string   `db:"minutes_type"`
	Filename *string   `db:"minutes_filename"`
}

func (r meetingRow) out() process.Meeting {
	m := r.Meeting
	m.HeldOn = dateOf(r.Held)
	if r.Key != nil {
		m.Minutes = &qms.StoredObject{Key: *r.Key, VersionID: deref(r.Version), Size: *r.Size, SHA256: deref(r.SHA), MediaType: deref(r.Type)}
		m.MinutesName = deref(r.Filename)
	}
	m.Directives = []process.Directive{}
	return m
}

const meetingCols = `id, held_on, title, chair, participants, unit, minutes_record, minutes_key, minutes_version, minutes_size, minutes_sha256,
	minutes_type, minutes_filename, created_login, created_at`

// Meetings lists meetings, newest first.
func (s *ProcessStore) Meetings(ctx context.Context) ([]process.Meeting, error) {
	var rows []meetingRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+meetingCols+` FROM meetings ORDER BY held_on DESC, created_at DESC LIMIT 500`); err != nil {
		return nil, translate(err)
	}
	out := make([]process.Meeting, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.out())
	}
	return out, nil
}

// Meeting returns one meeting.
func (s *ProcessStore) Meeting(ctx context.Context, id string) (process.Meeting, error) {
	if !isUUID(id) {
		return process.Meeting{}, qms.Errorf(qms.ErrNotFound, "no meeting %s", id)
	}
	var r meetingRow
	if err := s.db.GetContext(ctx, &r, `SELECT `+meetingCols+` FROM meetings WHERE id = $1`, id); err != nil {
		return process.Meeting{}, notFound(err, "no meeting %s", id)
	}
	return r.out(), nil
}

// CreateMeeting inserts a meeting (its minutes are already stored).
func (s *ProcessStore) CreateMeeting(ctx context.Context, m process.Meeting, ev trail.Event) (process.Meeting, error) {
	var key, ver, sha, typ, name any
	var size any
	if m.Minutes != nil {
		key, ver, size, sha, typ, name = m.Minutes.Key, m.Minutes.VersionID, m.Minutes.Size, m.Minutes.SHA256, m.Minutes.MediaType, m.MinutesName
	}
	var actorID any
	if a, ok := qms.ActorFrom(ctx); ok {
		actorID = a.UserID
	}
	const q = `INSERT INTO meetings (held_on, title, chair, participants, minutes_record, minutes_key, minutes_version, minutes_size,
			minutes_sha256, minutes_type, minutes_filename, created_by, created_login, unit)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id, created_at`
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.QueryRowxContext(ctx, q, m.HeldOn.String(), m.Title, m.Chair, m.Participants, m.MinutesRef, key, ver, size, sha, typ,
			name, actorID, m.CreatedBy, m.Unit).Scan(&m.ID, &m.CreatedAt); err != nil {
			return err
		}
		ev.ObjectID = m.ID
		if m.Minutes != nil {
			ev.Details["minutes_sha256"] = m.Minutes.SHA256
		}
		if m.MinutesRef != "" {
			ev.Details["minutes_record"] = m.MinutesRef
		}
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	m.Directives = []process.Directive{}
	return m, err
}

type directiveRow struct {
	process.Directive
	Due      time.Time `db:"due_on"`
	IssuerID *string   `db:"issuer_id"`
}

const directiveCols = `dv.id, dv.meeting_id, m.title AS meeting_title, dv.unit, dv.title, dv.report_required, dv.due_on, dv.state,
	dv.issuer_id, dv.issuer_login, dv.created_at, dv.closed_at`

// CreateDirective inserts a directive.
func (s *ProcessStore) CreateDirective(ctx context.Context, d process.Directive, ev trail.Event) (process.Directive, error) {
	const q = `INSERT INTO directives (meeting_id, unit, title, report_required, due_on, issuer_id, issuer_login)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`
	var id string
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &id, q, d.MeetingID, d.Unit, d.Title, d.ReportRequired, d.DueOn.String(), nullStr(d.IssuerID), d.Issuer); err != nil {
			if qms.KindOf(translate(err)) == qms.ErrInvalid {
				return qms.Errorf(qms.ErrInvalid, "unknown unit %s", d.Unit)
			}
			return err
		}
		ev.ObjectID = id
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	if err != nil {
		return d, err
	}
	return s.Directive(ctx, id)
}

func (s *ProcessStore) directive(ctx context.Context, q sqlx.QueryerContext, id string, lock bool) (process.Directive, error) {
	if !isUUID(id) {
		return process.Directive{}, qms.Errorf(qms.ErrNotFound, "no directive %s", id)
	}
	sel := `SELECT ` + directiveCols + ` FROM directives dv JOIN meetings m ON m.id = dv.meeting_id WHERE dv.id = $1`
	if lock {
		sel += ` FOR UPDATE OF dv`
	}
	var r directiveRow
	if err := sqlx.GetContext(ctx, q, &r, sel, id); err != nil {
		return process.Directive{}, notFound(err, "no directive %s", id)
	}
	d := r.out()
	const qr = `SELECT id, coalesce(reporter_id::text, '') AS reporter_id, reporter_login, text, at, coalesce(decision, '') AS decision, decision_comment, decided_by, decided_at
		FROM directive_reports WHERE directive_id = $1 ORDER BY at, id`
	if err := sqlx.SelectContext(ctx, q, &d.Reports, qr, id); err != nil {
		return d, translate(err)
	}
	for i := range d.Reports {
		d.Reports[i].Evidence = []process.Evidence{}
		const qe = `SELECT id, filename, object_key, version_id, size, sha256, media_type FROM directive_evidence WHERE report_id = $1 ORDER BY created_at, id`
		if err := sqlx.SelectContext(ctx, q, &d.Reports[i].Evidence, qe, d.Reports[i].ID); err != nil {
			return d, translate(err)
		}
	}
	return d, nil
}

func (r directiveRow) out() process.Directive {
	d := r.Directive
	d.DueOn = dateOf(r.Due)
	d.IssuerID = deref(r.IssuerID)
	d.Reports = []process.Report{}
	return d
}

// Directive returns a directive with its reports and evidence.
func (s *ProcessStore) Directive(ctx context.Context, id string) (process.Directive, error) {
	return s.directive(ctx, s.db, id, false)
}

// Directives lists directives matching f, soonest due first.
func (s *ProcessStore) Directives(ctx context.Context, f process.DirectiveFilter) ([]process.Directive, error) {
	var meeting any
	if f.MeetingID != "" {
		if !isUUID(f.MeetingID) {
			return []process.Directive{}, nil
		}
		meeting = f.MeetingID
	}
	var overdue any
	if f.Overdue != nil {
		overdue = f.Overdue.String()
	}
	var states any
	if len(f.States) > 0 {
		states = pq.Array(f.States)
	}
	q := `SELECT ` + directiveCols + ` FROM directives dv JOIN meetings m ON m.id = dv.meeting_id
		WHERE ($1::text[] IS NULL OR dv.unit = ANY($1)) AND ($2 = '' OR dv.unit = $2) AND ($3::uuid IS NULL OR dv.meeting_id = $3)
			AND ($4::text[] IS NULL OR dv.state = ANY($4))
			AND ($5::date IS NULL OR (dv.due_on < $5 AND dv.state IN ('open', 'returned')))
		ORDER BY dv.due_on, dv.created_at LIMIT 1000`
	var rows []directiveRow
	if err := s.db.SelectContext(ctx, &rows, q, scopeArg(f.Scope), f.Unit, meeting, states, overdue); err != nil {
		return nil, translate(err)
	}
	out := make([]process.Directive, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.out())
	}
	return out, nil
}

// ReportDirective adds a report with its (already stored) evidence and
// moves the directive to reported, under a row lock: of two concurrent
// reports one wins, the other gets ErrState.
func (s *ProcessStore) ReportDirective(ctx context.Context, id string, r process.Report, ev trail.Event) (process.Directive, error) {
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		d, err := s.directive(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if d.State != process.DirectiveOpen && d.State != process.DirectiveReturned {
			return qms.Errorf(qms.ErrState, "directive is %s; it was reported already", d.State)
		}
		var rid string
		if err := tx.GetContext(ctx, &rid, `INSERT INTO directive_reports (directive_id, reporter_id, reporter_login, text) VALUES ($1, $2, $3, $4) RETURNING id`,
			id, nullStr(r.ReporterID), r.Reporter, r.Text); err != nil {
			return err
		}
		for _, e := range r.Evidence {
			if _, err := tx.ExecContext(ctx, `INSERT INTO directive_evidence (report_id, object_key, version_id, size, sha256, media_type, filename)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, rid, e.Key, e.VersionID, e.Size, e.SHA256, e.MediaType, e.Filename); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE directives SET state = 'reported', updated_at = now() WHERE id = $1`, id); err != nil {
			return err
		}
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
	if err != nil {
		return process.Directive{}, err
	}
	return s.Directive(ctx, id)
}

// DecideDirective accepts or returns the latest report under a row lock.
func (s *ProcessStore) DecideDirective(ctx context.Context, id string, accept bool, comment, decider string, check func(process.Directive) error, ev trail.Event) (process.Directive, error) {
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		d, err := s.directive(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := check(d); err != nil {
			return err
		}
		decision, state, closed := "returned", process.DirectiveReturned, "NULL"
		if accept {
			decision, state, closed = "accepted", process.DirectiveAccepted, "now()"
		}
		last := d.Reports[len(d.Reports)-1]
		if _, err := tx.ExecContext(ctx, `UPDATE directive_reports SET decision = $2, decision_comment = $3, decided_by = $4, decided_at = now() WHERE id = $1`,
			last.ID, decision, comment, decider); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE directives SET state = $2, updated_at = now(), closed_at = `+closed+` WHERE id = $1`, id, state); err != nil {
			return err
		}
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
	if err != nil {
		return process.Directive{}, err
	}
	return s.Directive(ctx, id)
}

// Evidence returns one evidence file of a directive.
func (s *ProcessStore) Evidence(ctx context.Context, directiveID, evidenceID string) (process.Evidence, string, error) {
	var e process.Evidence
	if !isUUID(evidenceID) || !isUUID(directiveID) {
		return e, "", qms.Errorf(qms.ErrNotFound, "no such evidence")
	}
	const q = `SELECT e.id, e.filename, e.object_key, e.version_id, e.size, e.sha256, e.media_type FROM directive_evidence e
		JOIN directive_reports r ON r.id = e.report_id WHERE e.id = $1 AND r.directive_id = $2`
	if err := s.db.GetContext(ctx, &e, q, evidenceID, directiveID); err != nil {
		return e, "", notFound(err, "no such evidence")
	}
	return e, directiveID, nil
}

// EscalateOverdueDirectives notifies the head of the unit and every
// coordinator of each directive past due and not closed, once per
// directive and due date (the dedupe key), writes one trail entry per newly
// escalated directive, and returns the new notifications with the
// recipients' email addresses.
func (s *ProcessStore) EscalateOverdueDirectives(ctx context.Context, today workday.Date) ([]process.Escalation, error) {
	od := today
	list, err := s.Directives(ctx, process.DirectiveFilter{Scope: qms.Scope{All: true}, Overdue: &od})
	if err != nil {
		return nil, err
	}
	var out []process.Escalation
	for _, d := range list {
		var fresh []process.Escalation
		err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
			fresh = nil
			heads, err := UsersWithRole(ctx, tx, "head", d.Unit)
			if err != nil {
				return err
			}
			coords, err := UsersWithRole(ctx, tx, "coordinator", d.Unit)
			if err != nil {
				return err
			}
			key := fmt.Sprintf("directive-overdue:%s:%s", d.ID, d.DueOn)
			subject := fmt.Sprintf("Chỉ đạo quá hạn / Overdue directive (%s, %s): %s", d.Unit, d.DueOn.Display(), truncateText(d.Title, 120))
			link := "/directives/" + d.ID
			notified := map[string]bool{}
			for _, u := range append(heads, coords...) {
				if notified[u] {
					continue
				}
				notified[u] = true
				ok, err := Notify(ctx, tx, u, "directive_overdue",
					qms.M("Overdue directive (%s, %s): %s", d.Unit, d.DueOn, truncateText(d.Title, 120)), link, key)
				if err != nil {
					return err
				}
				if ok {
					var email string
					if err := tx.GetContext(ctx, &email, `SELECT email FROM users WHERE id = $1`, u); err != nil {
						return err
					}
					fresh = append(fresh, process.Escalation{UserID: u, Email: email, Subject: subject, Link: link, Directive: d.ID})
				}
			}
			if len(fresh) > 0 {
				_, err = AppendTrail(ctx, tx, trail.Event{ActorLogin: "system", Action: "directive.escalate", ObjectType: "directive",
					ObjectID: d.ID, Unit: d.Unit, Details: map[string]any{"due_on": d.DueOn.String(), "notified": len(fresh)}})
			}
			return err
		})
		if err != nil {
			return out, err
		}
		out = append(out, fresh...)
	}
	return out, nil
}

func truncateText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// NonCompliantUnits lists the units with overdue or returned directives or
// late dossiers still open, worst first. The nonconformity capability's
// list of units not complying and the dashboard read it.
func (s *ProcessStore) NonCompliantUnits(ctx context.Context, today workday.Date) ([]process.UnitCompliance, error) {
	const q = `SELECT unit, sum(od)::int AS overdue_directives, sum(rd)::int AS returned_directives, sum(ld)::int AS late_dossiers_open FROM (
			SELECT unit, count(*) FILTER (WHERE due_on < $1 AND state IN ('open', 'returned')) AS od,
				count(*) FILTER (WHERE state = 'returned') AS rd, 0 AS ld
			FROM directives WHERE state IN ('open', 'returned') GROUP BY unit
			UNION ALL
			SELECT unit, 0, 0, count(*) FROM dossiers WHERE late AND status IN ('processing', 'supplement') GROUP BY unit
		) x GROUP BY unit HAVING sum(od) + sum(ld) > 0 ORDER BY sum(od) DESC, sum(ld) DESC, unit`
	out := []process.UnitCompliance{}
	return out, translate(s.db.SelectContext(ctx, &out, q, today.String()))
}
