package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// AuditStore implements internalaudit.Store.
type AuditStore struct{ db *sqlx.DB }

// NewAuditStore returns an AuditStore on db.
func NewAuditStore(db *sqlx.DB) *AuditStore { return &AuditStore{db: db} }

var _ internalaudit.Store = (*AuditStore)(nil)

// auditNumberLock is the advisory lock class under which audit numbers of
// one year are handed out, so they stay gap-free under concurrent planning.
const auditNumberLock = 72620051

const clauseCols = `clause, sort, title_vi, title_en, question_vi, question_en, active, updated_at`

// Clauses returns the clause checklist in clause order.
func (s *AuditStore) Clauses(ctx context.Context) ([]internalaudit.Clause, error) {
	const q = `SELECT ` + clauseCols + ` FROM audit_clauses ORDER BY sort, clause`
	out := []internalaudit.Clause{}
	return out, translate(s.db.SelectContext(ctx, &out, q))
}

// SaveClause inserts or updates one clause.
func (s *AuditStore) SaveClause(ctx context.Context, c internalaudit.Clause, ev trail.Event) (internalaudit.Clause, error) {
	const q = `INSERT INTO audit_clauses (clause, sort, title_vi, title_en, question_vi, question_en, active)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (clause) DO UPDATE SET title_vi = EXCLUDED.title_vi, title_en = EXCLUDED.title_en,
			question_vi = EXCLUDED.question_vi, question_en = EXCLUDED.question_en, active = EXCLUDED.active, updated_at = now()
		RETURNING ` + clauseCols
	var out internalaudit.Clause
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &out, q, c.Clause, c.Sort, c.TitleVI, c.TitleEN, c.QuestionVI, c.QuestionEN, c.Active); err != nil {
			return err
		}
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	return out, err
}

// Members resolves logins to active users, in the order given, and lists
// the logins of no active user.
func (s *AuditStore) Members(ctx context.Context, logins []string) ([]internalaudit.Member, []string, error) {
	const q = `SELECT id AS user_id, login, name FROM users WHERE login = ANY($1) AND status = 'active'`
	var rows []internalaudit.Member
	if err := s.db.SelectContext(ctx, &rows, q, pq.Array(logins)); err != nil {
		return nil, nil, translate(err)
	}
	by := map[string]internalaudit.Member{}
	for _, m := range rows {
		by[m.Login] = m
	}
	out := make([]internalaudit.Member, 0, len(logins))
	var unknown []string
	for _, l := range logins {
		if m, ok := by[l]; ok {
			out = append(out, m)
		} else {
			unknown = append(unknown, l)
		}
	}
	return out, unknown, nil
}

// Units returns every unit code.
func (s *AuditStore) Units(ctx context.Context) ([]string, error) {
	out := []string{}
	return out, translate(s.db.SelectContext(ctx, &out, `SELECT code FROM units ORDER BY code`))
}

// UnitRoles returns the user's role assignments bound to a unit, as they
// stand now (read on every call, never cached: a role granted or revoked a
// moment ago counts).
func (s *AuditStore) UnitRoles(ctx context.Context, userID string) ([]internalaudit.Assignment, error) {
	const q = `SELECT role, unit FROM role_assignments WHERE user_id = $1 AND unit <> '*' ORDER BY unit, role`
	out := []internalaudit.Assignment{}
	return out, translate(s.db.SelectContext(ctx, &out, q, userID))
}

type auditRow struct {
	ID           string         `db:"id"`
	Number       string         `db:"number"`
	Year         int            `db:"year"`
	Title        string         `db:"title"`
	Units        pq.StringArray `db:"scope_units"`
	Processes    string         `db:"scope_processes"`
	Clauses      pq.StringArray `db:"scope_clauses"`
	Start        time.Time      `db:"planned_start"`
	End          time.Time      `db:"planned_end"`
	Lead         string         `db:"lead_auditor"`
	Status       string         `db:"status"`
	ReportRecord *string        `db:"report_record"`
	ReportedAt   *time.Time     `db:"reported_at"`
	CreatedBy    string         `db:"created_by"`
	CreatedAt    time.Time      `db:"created_at"`
}

const auditCols = `id, number, year, title, scope_units, scope_processes, scope_clauses, planned_start, planned_end,
	lead_auditor, status, report_record, reported_at, created_by, created_at`

func (r auditRow) audit() internalaudit.Audit {
	a := internalaudit.Audit{ID: r.ID, Number: r.Number, Year: r.Year, Title: r.Title, Units: []string(r.Units),
		Processes: r.Processes, Clauses: []string(r.Clauses), Start: r.Start, End: r.End, Lead: r.Lead, Status: r.Status,
		ReportedAt: r.ReportedAt, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), Team: []internalaudit.Member{}}
	if r.ReportRecord != nil {
		a.ReportRecord = *r.ReportRecord
	}
	if a.Clauses == nil {
		a.Clauses = []string{}
	}
	return a
}

// Create numbers and stores a planned audit with its team and checklist.
func (s *AuditStore) Create(ctx context.Context, a internalaudit.Audit, items []internalaudit.Item, ev trail.Event) (internalaudit.Audit, error) {
	const qNum = `SELECT count(*) + 1 FROM audits WHERE year = $1`
	const qIns = `INSERT INTO audits (number, year, title, scope_units, scope_processes, scope_clauses, planned_start, planned_end, lead_auditor, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`
	const qTeam = `INSERT INTO audit_team (audit_id, user_id, is_lead) VALUES ($1, $2, $3)`
	const qItem = `INSERT INTO audit_items (audit_id, seq, clause, question, source) VALUES ($1, $2, $3, $4, $5)`
	var id string
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, auditNumberLock, a.Year); err != nil {
			return err
		}
		var n int
		if err := tx.GetContext(ctx, &n, qNum, a.Year); err != nil {
			return err
		}
		number := fmt.Sprintf("IA-%d-%02d", a.Year, n)
		if err := tx.GetContext(ctx, &id, qIns, number, a.Year, a.Title, pq.Array(a.Units), a.Processes, pq.Array(a.Clauses),
			a.Start, a.End, a.Lead, a.CreatedBy); err != nil {
			return err
		}
		for _, m := range a.Team {
			if _, err := tx.ExecContext(ctx, qTeam, id, m.UserID, m.Lead); err != nil {
				return err
			}
		}
		for _, it := range items {
			if _, err := tx.ExecContext(ctx, qItem, id, it.Seq, it.Clause, it.Question, it.Source); err != nil {
				return err
			}
		}
		ev.ObjectID = id
		ev.Details["number"] = number
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	if err != nil {
		return internalaudit.Audit{}, err
	}
	return s.Get(ctx, id)
}

// Get returns an audit with team, checklist and findings.
func (s *AuditStore) Get(ctx context.Context, id string) (internalaudit.Audit, error) {
	return s.load(ctx, s.db, id, false)
}

// load reads an audit with team, checklist and findings; forUpdate locks
// its row.
func (s *AuditStore) load(ctx context.Context, q sqlx.QueryerContext, id string, forUpdate bool) (internalaudit.Audit, error) {
	sel := `SELECT ` + auditCols + ` FROM audits WHERE id = $1`
	if forUpdate {
		sel += ` FOR UPDATE`
	}
	var row auditRow
	if err := sqlx.GetContext(ctx, q, &row, sel, id); err != nil {
		return internalaudit.Audit{}, notFound(err, "audit not found")
	}
	a := row.audit()
	const qTeam = `SELECT t.user_id, u.login, u.name, t.is_lead FROM audit_team t JOIN users u ON u.id = t.user_id
		WHERE t.audit_id = $1 ORDER BY t.is_lead DESC, u.login`
	if err := sqlx.SelectContext(ctx, q, &a.Team, qTeam, id); err != nil {
		return a, translate(err)
	}
	const qItems = `SELECT id, seq, clause, question, source FROM audit_items WHERE audit_id = $1 ORDER BY seq`
	a.Items = []internalaudit.Item{}
	if err := sqlx.SelectContext(ctx, q, &a.Items, qItems, id); err != nil {
		return a, translate(err)
	}
	var err error
	a.Findings, err = findings(ctx, q, id)
	return a, err
}

func findings(ctx context.Context, q sqlx.QueryerContext, auditID string) ([]internalaudit.Finding, error) {
	const sel = `SELECT f.id, f.audit_id, f.item_id, i.clause, f.unit, f.kind, f.severity, f.description, f.evidence,
			f.nc_id, f.nc_number, f.created_by, u.login, f.created_at
		FROM audit_findings f JOIN audit_items i ON i.id = f.item_id JOIN users u ON u.id = f.created_by
		WHERE f.audit_id = $1 ORDER BY i.seq, f.created_at`
	rows, err := q.QueryxContext(ctx, sel, auditID)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := []internalaudit.Finding{}
	for rows.Next() {
		var f internalaudit.Finding
		var ev pq.StringArray
		if err := rows.Scan(&f.ID, &f.AuditID, &f.ItemID, &f.Clause, &f.Unit, &f.Kind, &f.Severity, &f.Description, &ev,
			&f.NCID, &f.NCNumber, &f.CreatedBy, &f.CreatedLogin, &f.CreatedAt); err != nil {
			return nil, translate(err)
		}
		f.Evidence = []string(ev)
		if f.Evidence == nil {
			f.Evidence = []string{}
		}
		f.CreatedAt = f.CreatedAt.UTC()
		out = append(out, f)
	}
	return out, translate(rows.Err())
}

// List returns the programme: audits of year touching the scope's units or
// with userID on the team, with their lead auditor.
func (s *AuditStore) List(ctx context.Context, year int, scope qms.Scope, userID string) ([]internalaudit.Audit, error) {
	const q = `SELECT a.id, a.number, a.year, a.title, a.scope_units, a.scope_processes, a.scope_clauses, a.planned_start,
			a.planned_end, a.lead_auditor, a.status, a.report_record, a.reported_at, a.created_by, a.created_at,
			u.login AS lead_login, u.name AS lead_name,
			(SELECT count(*) FROM audit_findings f WHERE f.audit_id = a.id) AS findings
		FROM audits a JOIN users u ON u.id = a.lead_auditor
		WHERE ($1 = 0 OR year = $1)
		  AND ($2::text[] IS NULL OR scope_units && $2
		       OR EXISTS (SELECT 1 FROM audit_team t WHERE t.audit_id = a.id AND t.user_id = $3))
		ORDER BY planned_start, number`
	var units any
	if !scope.All {
		units = pq.Array(scope.Filter())
	}
	var rows []struct {
		auditRow
		LeadLogin string `db:"lead_login"`
		LeadName  string `db:"lead_name"`
		Findings  int    `db:"findings"`
	}
	if err := s.db.SelectContext(ctx, &rows, q, year, units, userID); err != nil {
		return nil, translate(err)
	}
	out := make([]internalaudit.Audit, 0, len(rows))
	for _, r := range rows {
		a := r.audit()
		a.Team = []internalaudit.Member{{UserID: a.Lead, Login: r.LeadLogin, Name: r.LeadName, Lead: true}}
		a.Findings = make([]internalaudit.Finding, r.Findings)
		out = append(out, a)
	}
	return out, nil
}

// Mutate locks the audit row for the whole act (see internalaudit.Store):
// of two concurrent reports the second waits, then finds the audit reported.
func (s *AuditStore) Mutate(ctx context.Context, id string, fn func(*internalaudit.Audit) (internalaudit.Change, error)) (internalaudit.Audit, error) {
	const upd = `UPDATE audits SET status = $2, report_record = NULLIF($3, '')::uuid, reported_at = $4 WHERE id = $1`
	const qItem = `INSERT INTO audit_items (id, audit_id, seq, clause, question, source) VALUES ($1, $2, $3, $4, $5, $6)`
	const qFinding = `INSERT INTO audit_findings (id, audit_id, item_id, unit, kind, severity, description, evidence, nc_id, nc_number, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		a, err := s.load(ctx, tx, id, true)
		if err != nil {
			return err
		}
		ch, err := fn(&a)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, upd, id, a.Status, a.ReportRecord, a.ReportedAt); err != nil {
			return err
		}
		for _, it := range ch.Items {
			if _, err := tx.ExecContext(ctx, qItem, it.ID, id, it.Seq, it.Clause, it.Question, it.Source); err != nil {
				return err
			}
		}
		for _, f := range ch.Findings {
			if _, err := tx.ExecContext(ctx, qFinding, f.ID, id, f.ItemID, f.Unit, f.Kind, f.Severity, f.Description,
				pq.Array(f.Evidence), f.NCID, f.NCNumber, f.CreatedBy); err != nil {
				return err
			}
		}
		for _, ev := range ch.Events {
			if _, err := AppendTrail(ctx, tx, ev); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return internalaudit.Audit{}, err
	}
	return s.Get(ctx, id)
}

// TeamAudits returns the audits whose window contains day and whose team
// includes the user: id, number and units only.
func (s *AuditStore) TeamAudits(ctx context.Context, userID string, day qms.Date) ([]internalaudit.Audit, error) {
	const q = `SELECT a.id, a.number, a.scope_units FROM audits a JOIN audit_team t ON t.audit_id = a.id
		WHERE t.user_id = $1 AND $2::date BETWEEN a.planned_start AND a.planned_end ORDER BY a.number`
	var rows []struct {
		ID     string         `db:"id"`
		Number string         `db:"number"`
		Units  pq.StringArray `db:"scope_units"`
	}
	if err := s.db.SelectContext(ctx, &rows, q, userID, day.String()); err != nil {
		return nil, translate(err)
	}
	out := make([]internalaudit.Audit, 0, len(rows))
	for _, r := range rows {
		out = append(out, internalaudit.Audit{ID: r.ID, Number: r.Number, Units: []string(r.Units)})
	}
	return out, nil
}

// ObjectUnit returns the unit a piece of evidence the audit team may examine
// belongs to (documents and revisions once in force), or an ErrNotFound (the
// capability says what is missing). Documents,
// nonconformities and actions live in tables of other capabilities, looked
// up only when those tables exist.
func (s *AuditStore) ObjectUnit(ctx context.Context, objectType, objectID string) (string, error) {
	q, ok := evidenceUnitQueries[objectType]
	if !ok {
		return "", fmt.Errorf("evidence of kind %q: %w", objectType, qms.ErrInvalid)
	}
	if q.table != "" {
		var exists bool
		if err := s.db.GetContext(ctx, &exists, `SELECT to_regclass($1) IS NOT NULL`, q.table); err != nil {
			return "", translate(err)
		}
		if !exists {
			return "", qms.ErrNotFound
		}
	}
	var unit string
	return unit, translate(s.db.GetContext(ctx, &unit, q.sql, objectID)) // no row: ErrNotFound
}

// evidenceUnitQueries find the unit of each kind of evidence by id (text).
var evidenceUnitQueries = map[string]struct{ table, sql string }{
	"record":   {"", `SELECT unit FROM records WHERE id::text = $1`},
	"trail":    {"", `SELECT unit FROM trail WHERE seq::text = $1`},
	"document": {"documents", `SELECT unit FROM documents WHERE (id::text = $1 OR code_key = upper($1)) AND status <> 'draft'`},
	"revision": {"revisions", `SELECT d.unit FROM revisions r JOIN documents d ON d.id = r.document_id
		WHERE r.id::text = $1 AND r.status IN ('effective', 'superseded', 'obsolete')`},
	"nc":     {"ncs", `SELECT unit FROM ncs WHERE id::text = $1 OR number = $1`},
	"action": {"nc_actions", `SELECT unit FROM nc_actions WHERE id::text = $1`},
}

// AddReview stores (or updates the comment of) a review mark.
func (s *AuditStore) AddReview(ctx context.Context, r internalaudit.Review, ev trail.Event) (internalaudit.Review, error) {
	const q = `INSERT INTO evidence_reviews (audit_id, object_type, object_id, unit, comment, reviewer)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (audit_id, object_type, object_id, reviewer) DO UPDATE SET comment = EXCLUDED.comment, reviewed_at = now()
		RETURNING id, reviewed_at`
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.QueryRowxContext(ctx, q, r.AuditID, r.ObjectType, r.ObjectID, r.Unit, r.Comment, r.Reviewer).Scan(&r.ID, &r.ReviewedAt); err != nil {
			return err
		}
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	r.ReviewedAt = r.ReviewedAt.UTC()
	return r, err
}

// Reviews lists the evidence reviewed in an audit, newest first.
func (s *AuditStore) Reviews(ctx context.Context, auditID string) ([]internalaudit.Review, error) {
	const q = `SELECT r.id, r.audit_id, r.object_type, r.object_id, r.unit, r.comment, r.reviewer, u.login AS reviewer_login, r.reviewed_at
		FROM evidence_reviews r JOIN users u ON u.id = r.reviewer WHERE r.audit_id = $1 ORDER BY r.reviewed_at DESC`
	out := []internalaudit.Review{}
	return out, translate(s.db.SelectContext(ctx, &out, q, auditID))
}
