package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// LeadershipStore implements leadership.Store: meetings, directives, their
// reports and evidence.
type LeadershipStore struct {
	db   *sqlx.DB
	mail MailTx // see WithMail
}

// NewLeadershipStore returns a LeadershipStore on db.
func NewLeadershipStore(db *sqlx.DB) *LeadershipStore { return &LeadershipStore{db: db} }

// WithMail makes EscalateOverdue queue the e-mail of each new notification
// through mail, in the escalation's transaction; without it no e-mail is
// queued.
func (s *LeadershipStore) WithMail(mail MailTx) *LeadershipStore {
	s.mail = mail
	return s
}

var _ leadership.Store = (*LeadershipStore)(nil)

type meetingRow struct {
	leadership.Meeting
	Held     time.Time `db:"held_on"`
	Key      *string   `db:"minutes_key"`
	Version  *string   `db:"minutes_version"`
	Size     *int64    `db:"minutes_size"`
	SHA      *string   `db:"minutes_sha256"`
	Type     *string   `db:"minutes_type"`
	Filename *string   `db:"minutes_filename"`
}

func (r meetingRow) out() leadership.Meeting {
	m := r.Meeting
	m.HeldOn = qms.DateFromTime(r.Held)
	if r.Key != nil {
		m.Minutes = &qms.StoredObject{Key: *r.Key, VersionID: deref(r.Version), Size: *r.Size, SHA256: deref(r.SHA), MediaType: deref(r.Type)}
		m.MinutesName = deref(r.Filename)
	}
	m.Directives = []leadership.Directive{}
	return m
}

const meetingCols = `id, held_on, title, chair, participants, unit, minutes_record, minutes_key, minutes_version, minutes_size, minutes_sha256,
	minutes_type, minutes_filename, created_login, created_at`

// Meetings lists the meetings of scope, newest first: those whose minutes
// a unit of scope keeps or that gave one of its units a directive.
func (s *LeadershipStore) Meetings(ctx context.Context, scope qms.Scope) ([]leadership.Meeting, error) {
	var rows []meetingRow
	const q = `SELECT ` + meetingCols + ` FROM meetings m
		WHERE $1::text[] IS NULL OR m.unit = ANY($1)
			OR EXISTS (SELECT 1 FROM directives dv WHERE dv.meeting_id = m.id AND dv.unit = ANY($1))
		ORDER BY held_on DESC, created_at DESC LIMIT 500`
	if err := s.db.SelectContext(ctx, &rows, q, scopeArg(scope)); err != nil {
		return nil, translate(err)
	}
	out := make([]leadership.Meeting, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.out())
	}
	return out, nil
}

// Meeting returns one meeting.
func (s *LeadershipStore) Meeting(ctx context.Context, id string) (leadership.Meeting, error) {
	if !qms.ValidID(id) {
		return leadership.Meeting{}, qms.Errorf(qms.ErrNotFound, "no meeting %s", id)
	}
	var r meetingRow
	if err := s.db.GetContext(ctx, &r, `SELECT `+meetingCols+` FROM meetings WHERE id = $1`, id); err != nil {
		return leadership.Meeting{}, notFound(err, "no meeting %s", id)
	}
	return r.out(), nil
}

// CreateMeeting inserts a meeting (its minutes are already stored).
func (s *LeadershipStore) CreateMeeting(ctx context.Context, m leadership.Meeting, ev trail.Event) (leadership.Meeting, error) {
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
	m.Directives = []leadership.Directive{}
	return m, err
}

type directiveRow struct {
	leadership.Directive
	Due      time.Time      `db:"due_on"`
	IssuerID *string        `db:"issuer_id"`
	Support  pq.StringArray `db:"support_units"`
}

func (r directiveRow) out() leadership.Directive {
	d := r.Directive
	d.DueOn = qms.DateFromTime(r.Due)
	d.IssuerID = deref(r.IssuerID)
	d.Reports = []leadership.Report{}
	d.SupportUnits = []string(r.Support)
	return d
}

const directiveCols = `dv.id, coalesce(dv.meeting_id::text, '') AS meeting_id, coalesce(m.title, '') AS meeting_title, dv.unit, dv.title,
	dv.report_required, dv.due_on, dv.state, dv.issuer_id, dv.issuer_login, dv.created_at, dv.closed_at,
	coalesce(dv.plan_id::text, '') AS plan_id, dv.criterion, dv.support_units, dv.expected_output, dv.progress_pct`

// CreateDirective inserts a directive.
func (s *LeadershipStore) CreateDirective(ctx context.Context, d leadership.Directive, ev trail.Event) (leadership.Directive, error) {
	const q = `INSERT INTO directives (meeting_id, unit, title, report_required, due_on, issuer_id, issuer_login,
			plan_id, criterion, support_units, expected_output)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`
	var id string
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		support := d.SupportUnits
		if support == nil {
			support = []string{}
		}
		if err := tx.GetContext(ctx, &id, q, nullStr(d.MeetingID), d.Unit, d.Title, d.ReportRequired, d.DueOn.String(), nullStr(d.IssuerID), d.Issuer,
			nullStr(d.PlanID), d.Criterion, pq.Array(support), d.ExpectedOutput); err != nil {
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

// directive reads a directive with its reports and evidence, locked FOR
// UPDATE when lock is set.
func (s *LeadershipStore) directive(ctx context.Context, q sqlx.QueryerContext, id string, lock bool) (leadership.Directive, error) {
	if !qms.ValidID(id) {
		return leadership.Directive{}, qms.Errorf(qms.ErrNotFound, "no directive %s", id)
	}
	sel := `SELECT ` + directiveCols + ` FROM directives dv LEFT JOIN meetings m ON m.id = dv.meeting_id WHERE dv.id = $1`
	if lock {
		sel += ` FOR UPDATE OF dv`
	}
	var r directiveRow
	if err := sqlx.GetContext(ctx, q, &r, sel, id); err != nil {
		return leadership.Directive{}, notFound(err, "no directive %s", id)
	}
	d := r.out()
	const qr = `SELECT id, coalesce(reporter_id::text, '') AS reporter_id, reporter_login, text, at, coalesce(decision, '') AS decision, decision_comment, decided_by, decided_at
		FROM directive_reports WHERE directive_id = $1 ORDER BY at, id`
	if err := sqlx.SelectContext(ctx, q, &d.Reports, qr, id); err != nil {
		return d, translate(err)
	}
	for i := range d.Reports {
		d.Reports[i].Evidence = []leadership.Evidence{}
		const qe = `SELECT id, filename, object_key, version_id, size, sha256, media_type FROM directive_evidence WHERE report_id = $1 ORDER BY created_at, id`
		if err := sqlx.SelectContext(ctx, q, &d.Reports[i].Evidence, qe, d.Reports[i].ID); err != nil {
			return d, translate(err)
		}
	}
	if d.PlanID != "" {
		d.ProgressLog = []leadership.Progress{}
		const qp = `SELECT id, percent, text, reporter_login, at FROM directive_progress WHERE directive_id = $1 ORDER BY at, id`
		if err := sqlx.SelectContext(ctx, q, &d.ProgressLog, qp, id); err != nil {
			return d, translate(err)
		}
	}
	return d, nil
}

// Directive returns a directive with its reports and evidence.
func (s *LeadershipStore) Directive(ctx context.Context, id string) (leadership.Directive, error) {
	return s.directive(ctx, s.db, id, false)
}

// Directives lists directives matching f, soonest due first.
func (s *LeadershipStore) Directives(ctx context.Context, f leadership.DirectiveFilter) ([]leadership.Directive, error) {
	var meeting any
	if f.MeetingID != "" {
		if !qms.ValidID(f.MeetingID) {
			return []leadership.Directive{}, nil
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
	q := `SELECT ` + directiveCols + ` FROM directives dv LEFT JOIN meetings m ON m.id = dv.meeting_id
		WHERE ($1::text[] IS NULL OR dv.unit = ANY($1)) AND ($2 = '' OR dv.unit = $2) AND ($3::uuid IS NULL OR dv.meeting_id = $3)
			AND ($4::text[] IS NULL OR dv.state = ANY($4))
			AND ($5::date IS NULL OR (dv.due_on < $5 AND dv.state IN ('open', 'returned')))
		ORDER BY dv.due_on, dv.created_at LIMIT 1000`
	var rows []directiveRow
	if err := s.db.SelectContext(ctx, &rows, q, scopeArg(f.Scope), f.Unit, meeting, states, overdue); err != nil {
		return nil, translate(err)
	}
	out := make([]leadership.Directive, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.out())
	}
	return out, nil
}

// Mutate locks the directive, lets fn decide, and writes the change: a new
// report with its (already stored) evidence, or the decision on the latest
// report, the new state and the trail entry, in one transaction.
func (s *LeadershipStore) Mutate(ctx context.Context, id string, fn func(*leadership.Directive) (leadership.Change, error)) (leadership.Directive, error) {
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		d, err := s.directive(ctx, tx, id, true)
		if err != nil {
			return err
		}
		ch, err := fn(&d)
		if err != nil {
			return err
		}
		if r := ch.Report; r != nil {
			var rid string
			const qr = `INSERT INTO directive_reports (directive_id, reporter_id, reporter_login, text) VALUES ($1, $2, $3, $4) RETURNING id`
			if err := tx.GetContext(ctx, &rid, qr, id, nullStr(r.ReporterID), r.Reporter, r.Text); err != nil {
				return err
			}
			for _, e := range r.Evidence {
				const qe = `INSERT INTO directive_evidence (report_id, object_key, version_id, size, sha256, media_type, filename)
					VALUES ($1, $2, $3, $4, $5, $6, $7)`
				if _, err := tx.ExecContext(ctx, qe, rid, e.Key, e.VersionID, e.Size, e.SHA256, e.MediaType, e.Filename); err != nil {
					return err
				}
			}
		}
		if dec := ch.Decision; dec != nil && len(d.Reports) > 0 {
			const qd = `UPDATE directive_reports SET decision = $2, decision_comment = $3, decided_by = $4, decided_at = now() WHERE id = $1`
			if _, err := tx.ExecContext(ctx, qd, d.Reports[len(d.Reports)-1].ID, dec.Outcome(), dec.Comment, dec.By); err != nil {
				return err
			}
		}
		// An accepted plan item is done: its progress is 100 %.
		const qs = `UPDATE directives SET state = $2, updated_at = now(), closed_at = CASE WHEN $3 THEN now() END,
			progress_pct = CASE WHEN $3 AND plan_id IS NOT NULL THEN 100 ELSE progress_pct END WHERE id = $1`
		if _, err := tx.ExecContext(ctx, qs, id, ch.State, ch.Closed); err != nil {
			return err
		}
		_, err = AppendTrail(ctx, tx, ch.Event)
		return err
	})
	if err != nil {
		return leadership.Directive{}, err
	}
	return s.Directive(ctx, id)
}

// Evidence returns one evidence file of a directive.
func (s *LeadershipStore) Evidence(ctx context.Context, directiveID, evidenceID string) (leadership.Evidence, error) {
	var e leadership.Evidence
	if !qms.ValidID(evidenceID) || !qms.ValidID(directiveID) {
		return e, qms.Errorf(qms.ErrNotFound, "no such evidence")
	}
	const q = `SELECT e.id, e.filename, e.object_key, e.version_id, e.size, e.sha256, e.media_type FROM directive_evidence e
		JOIN directive_reports r ON r.id = e.report_id WHERE e.id = $1 AND r.directive_id = $2`
	if err := s.db.GetContext(ctx, &e, q, evidenceID, directiveID); err != nil {
		return e, notFound(err, "no such evidence")
	}
	return e, nil
}

// EscalateOverdue notifies the head of the unit and every coordinator of
// each directive past due and not closed, once per directive and due date
// (the dedupe key), writes one trail entry per newly escalated directive,
// queues the e-mail mail makes of each new notification in the same
// transaction, and returns the new notifications.
func (s *LeadershipStore) EscalateOverdue(ctx context.Context, today workday.Date, subject func(leadership.Directive, qms.Text) qms.Msg,
	mail func(leadership.Escalation) qms.Email) ([]leadership.Escalation, error) {
	list, err := s.Directives(ctx, leadership.DirectiveFilter{Scope: qms.Scope{All: true}, Overdue: &today})
	if err != nil {
		return nil, err
	}
	var out []leadership.Escalation
	for _, d := range list {
		var fresh []leadership.Escalation
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
			var unit qms.Text
			if err := tx.GetContext(ctx, &unit, `SELECT name_vi AS vi, name_en AS en FROM units WHERE code = $1`, d.Unit); err != nil && !errors.Is(err, sql.ErrNoRows) {
				return translate(err)
			}
			subj := subject(d, unit)
			link := "/directives/" + d.ID
			sent, err := NotifyEach(ctx, tx, append(heads, coords...), "directive_overdue", subj, link, key)
			if err != nil {
				return err
			}
			for _, n := range sent {
				fresh = append(fresh, leadership.Escalation{UserID: n.UserID, Email: n.Email, Lang: n.Lang, Subject: subj, Link: link, Directive: d.ID})
			}
			if len(fresh) > 0 {
				if _, err := AppendTrail(ctx, tx, trail.Event{ActorLogin: "system", Action: "directive.escalate", ObjectType: "directive",
					ObjectID: d.ID, Unit: d.Unit, Details: map[string]any{"due_on": d.DueOn.String(), "notified": len(fresh)}}); err != nil {
					return err
				}
			}
			for i := range fresh {
				if fresh[i].Mailed, err = s.mail.queue(ctx, tx, mail(fresh[i])); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return out, err
		}
		out = append(out, fresh...)
	}
	return out, nil
}

// CountByUnit counts, per unit with any, the directives past due on today
// and not closed, and those returned.
func (s *LeadershipStore) CountByUnit(ctx context.Context, today workday.Date) ([]leadership.UnitCount, error) {
	const q = `SELECT unit, count(*) FILTER (WHERE due_on < $1)::int AS overdue, count(*) FILTER (WHERE state = 'returned')::int AS returned
		FROM directives WHERE state IN ('open', 'returned') GROUP BY unit ORDER BY unit`
	out := []leadership.UnitCount{}
	return out, translate(s.db.SelectContext(ctx, &out, q, today.String()))
}

const planCols = `id, year, decision_number, title, decision_record, created_login, created_at,
	file_key, file_version, file_size, file_sha256, file_media_type, file_name`

type planRow struct {
	leadership.Plan
	FileKey   *string `db:"file_key"`
	FileVer   *string `db:"file_version"`
	FileSize  *int64  `db:"file_size"`
	FileSHA   *string `db:"file_sha256"`
	FileMedia *string `db:"file_media_type"`
	FileName  *string `db:"file_name"`
}

func (r planRow) out() leadership.Plan {
	p := r.Plan
	if r.FileKey != nil {
		p.File = &qms.StoredObject{Key: *r.FileKey, VersionID: deref(r.FileVer), SHA256: deref(r.FileSHA), MediaType: deref(r.FileMedia)}
		if r.FileSize != nil {
			p.File.Size = *r.FileSize
		}
		p.FileName = deref(r.FileName)
	}
	p.Items = []leadership.Directive{}
	return p
}

// Plans lists the improvement plans, newest year first.
func (s *LeadershipStore) Plans(ctx context.Context) ([]leadership.Plan, error) {
	var rows []planRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+planCols+` FROM improvement_plans ORDER BY year DESC, created_at DESC`); err != nil {
		return nil, translate(err)
	}
	out := make([]leadership.Plan, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.out())
	}
	return out, nil
}

// Plan returns a plan with its items in scope, soonest due first.
func (s *LeadershipStore) Plan(ctx context.Context, id string, sc qms.Scope) (leadership.Plan, error) {
	if !qms.ValidID(id) {
		return leadership.Plan{}, qms.Errorf(qms.ErrNotFound, "no plan %s", id)
	}
	var r planRow
	if err := s.db.GetContext(ctx, &r, `SELECT `+planCols+` FROM improvement_plans WHERE id = $1`, id); err != nil {
		return leadership.Plan{}, notFound(err, "no plan %s", id)
	}
	p := r.out()
	q := `SELECT ` + directiveCols + ` FROM directives dv LEFT JOIN meetings m ON m.id = dv.meeting_id
		WHERE dv.plan_id = $1 AND ($2::text[] IS NULL OR dv.unit = ANY($2)) ORDER BY dv.due_on, dv.created_at`
	var rows []directiveRow
	if err := s.db.SelectContext(ctx, &rows, q, id, scopeArg(sc)); err != nil {
		return p, translate(err)
	}
	p.Items = make([]leadership.Directive, 0, len(rows))
	for _, r := range rows {
		p.Items = append(p.Items, r.out())
	}
	return p, nil
}

// CreatePlan inserts a plan with its trail entry.
func (s *LeadershipStore) CreatePlan(ctx context.Context, p leadership.Plan, ev trail.Event) (leadership.Plan, error) {
	const q = `INSERT INTO improvement_plans (year, decision_number, title, decision_record, created_login,
			file_key, file_version, file_size, file_sha256, file_media_type, file_name)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ` + planCols
	var fileKey, fileVer, fileSize, fileSHA, fileMedia, fileName any
	if f := p.File; f != nil {
		fileKey, fileVer, fileSize, fileSHA, fileMedia, fileName = f.Key, f.VersionID, f.Size, f.SHA256, f.MediaType, p.FileName
	}
	var row planRow
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &row, q, p.Year, p.DecisionNumber, p.Title, p.DecisionRecord, p.CreatedBy,
			fileKey, fileVer, fileSize, fileSHA, fileMedia, fileName); err != nil {
			if qms.KindOf(translate(err)) == qms.ErrConflict {
				return qms.Errorf(qms.ErrConflict, "a plan of %d with decision %s already exists", p.Year, p.DecisionNumber)
			}
			return err
		}
		ev.ObjectID = row.ID
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	return row.out(), err
}

// AddProgress records a progress report of a plan item under its lock and
// makes its percent the item's progress.
func (s *LeadershipStore) AddProgress(ctx context.Context, id string, pr leadership.Progress, ok func(leadership.Directive) error, ev trail.Event) (leadership.Directive, error) {
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		d, err := s.directive(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := ok(d); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO directive_progress (directive_id, percent, text, reporter_login) VALUES ($1, $2, $3, $4)`,
			id, pr.Percent, pr.Text, pr.Reporter); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE directives SET progress_pct = $2, updated_at = now() WHERE id = $1`, id, pr.Percent); err != nil {
			return err
		}
		ev.Unit = d.Unit
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
	if err != nil {
		return leadership.Directive{}, err
	}
	return s.Directive(ctx, id)
}
