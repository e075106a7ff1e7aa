package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// LegalStore implements leadership.LegalStore: the register of legal bases,
// its links to services and documents, and the revision tasks.
type LegalStore struct {
	db   *sqlx.DB
	mail MailTx // see WithMail
}

// NewLegalStore returns a LegalStore on db.
func NewLegalStore(db *sqlx.DB) *LegalStore { return &LegalStore{db: db} }

// WithMail makes EscalateRevisionTasks queue the e-mail of each new
// notification through mail, in the escalation's transaction; without it
// no e-mail is queued.
func (s *LegalStore) WithMail(mail MailTx) *LegalStore {
	s.mail = mail
	return s
}

var _ leadership.LegalStore = (*LegalStore)(nil)

type legalRow struct {
	leadership.LegalBasis
	Issued    time.Time `db:"issued_on"`
	Effective time.Time `db:"effective_on"`
	Succ      *string   `db:"succ"`
	SuccNo    *string   `db:"succ_number"`
}

func (r legalRow) out() leadership.LegalBasis {
	b := r.LegalBasis
	b.IssuedOn, b.EffectiveOn = qms.DateFromTime(r.Issued), qms.DateFromTime(r.Effective)
	b.SupersededBy, b.SupersededByNumber = deref(r.Succ), deref(r.SuccNo)
	b.Services, b.Documents, b.Supersedes = []leadership.ServiceRef{}, []leadership.DocumentRef{}, []leadership.LegalRef{}
	return b
}

const legalCols = `lb.id, lb.number, lb.title, lb.kind, lb.issuer, lb.issued_on, lb.effective_on, lb.status,
	lb.superseded_by::text AS succ, s.number AS succ_number, lb.already_applied, lb.version, lb.created_login, lb.created_at, lb.updated_at,
	(SELECT count(*) FROM revision_tasks t WHERE t.legal_basis_id = lb.id AND t.closed_at IS NULL)::int AS open_tasks`

// LegalBases lists the register, newest effective date first.
func (s *LegalStore) LegalBases(ctx context.Context, f leadership.LegalFilter) ([]leadership.LegalBasis, error) {
	q := `SELECT ` + legalCols + ` FROM legal_bases lb LEFT JOIN legal_bases s ON s.id = lb.superseded_by
		WHERE ($1 = '' OR lb.status = $1)
			AND ($2 = '' OR EXISTS (SELECT 1 FROM legal_basis_services x WHERE x.legal_basis_id = lb.id AND x.service_code = $2))
			AND ($3 = '' OR EXISTS (SELECT 1 FROM legal_basis_documents x WHERE x.legal_basis_id = lb.id AND x.document_id::text = $3))
		ORDER BY lb.effective_on DESC, lb.number LIMIT 2000`
	var rows []legalRow
	if err := s.db.SelectContext(ctx, &rows, q, f.Status, f.Service, f.Document); err != nil {
		return nil, translate(err)
	}
	out := make([]leadership.LegalBasis, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.out())
	}
	return out, nil
}

// LegalBasis returns one text with its links, the texts it superseded and
// its tasks.
func (s *LegalStore) LegalBasis(ctx context.Context, id string) (leadership.LegalBasis, error) {
	return s.legalBasis(ctx, s.db, id, false)
}

func (s *LegalStore) legalBasis(ctx context.Context, q sqlx.QueryerContext, id string, lock bool) (leadership.LegalBasis, error) {
	if !qms.ValidID(id) {
		return leadership.LegalBasis{}, qms.Errorf(qms.ErrNotFound, "no legal basis %s", id)
	}
	sel := `SELECT ` + legalCols + ` FROM legal_bases lb LEFT JOIN legal_bases s ON s.id = lb.superseded_by WHERE lb.id = $1`
	if lock {
		sel += ` FOR UPDATE OF lb`
	}
	var r legalRow
	if err := sqlx.GetContext(ctx, q, &r, sel, id); err != nil {
		return leadership.LegalBasis{}, notFound(err, "no legal basis %s", id)
	}
	b := r.out()
	if err := sqlx.SelectContext(ctx, q, &b.Services, `SELECT sv.code, sv.name_vi, sv.name_en, sv.unit FROM legal_basis_services x
		JOIN services sv ON sv.code = x.service_code WHERE x.legal_basis_id = $1 ORDER BY sv.code`, id); err != nil {
		return b, translate(err)
	}
	if err := sqlx.SelectContext(ctx, q, &b.Documents, `SELECT d.id, d.code, d.title, d.type, d.unit, d.status FROM legal_basis_documents x
		JOIN documents d ON d.id = x.document_id WHERE x.legal_basis_id = $1 ORDER BY d.code`, id); err != nil {
		return b, translate(err)
	}
	if err := sqlx.SelectContext(ctx, q, &b.Supersedes, `SELECT id, number, title FROM legal_bases WHERE superseded_by = $1 ORDER BY number`, id); err != nil {
		return b, translate(err)
	}
	tasks, err := revisionTasks(ctx, q, leadership.TaskFilter{LegalBasis: id})
	b.Tasks = tasks
	return b, err
}

// Targets returns the services and documents of the lists that exist.
func (s *LegalStore) Targets(ctx context.Context, services, documents []string) (map[string]leadership.ServiceRef, map[string]leadership.DocumentRef, error) {
	svcs := map[string]leadership.ServiceRef{}
	docs := map[string]leadership.DocumentRef{}
	if len(services) > 0 {
		var list []leadership.ServiceRef
		if err := s.db.SelectContext(ctx, &list, `SELECT code, name_vi, name_en, unit FROM services WHERE code = ANY($1)`, pq.Array(services)); err != nil {
			return nil, nil, translate(err)
		}
		for _, x := range list {
			svcs[x.Code] = x
		}
	}
	var ids []string
	for _, id := range documents {
		if qms.ValidID(id) {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		var list []leadership.DocumentRef
		if err := s.db.SelectContext(ctx, &list, `SELECT id, code, title, type, unit, status FROM documents WHERE id = ANY($1::uuid[])`, pq.Array(ids)); err != nil {
			return nil, nil, translate(err)
		}
		for _, x := range list {
			docs[x.ID] = x
		}
	}
	return svcs, docs, nil
}

// CreateLegalBasis writes a text, its links and its tasks, with their trail entries.
func (s *LegalStore) CreateLegalBasis(ctx context.Context, b leadership.LegalBasis, tasks []leadership.RevisionTask, ev trail.Event,
	sup []leadership.Supersession) (leadership.LegalBasis, error) {
	const qSup = `UPDATE legal_bases SET status = 'superseded', superseded_by = $2, version = version + 1, updated_at = now()
		WHERE id = $1 AND version = $3 AND status = 'in_force'`
	const q = `INSERT INTO legal_bases (number, number_key, title, kind, issuer, issued_on, effective_on, status, superseded_by,
			already_applied, created_login)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`
	var id string
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &id, q, b.Number, strings.ToUpper(b.Number), b.Title, b.Kind, b.Issuer, b.IssuedOn.String(),
			b.EffectiveOn.String(), b.Status, nullStr(b.SupersededBy), b.AlreadyApplied, b.CreatedBy)
		if err != nil {
			return legalErr(err, b.Number)
		}
		if err := writeLinks(ctx, tx, id, b); err != nil {
			return err
		}
		ev.ObjectID = id
		if _, err := AppendTrail(ctx, tx, ev); err != nil {
			return err
		}
		for _, x := range sup {
			res, err := tx.ExecContext(ctx, qSup, x.ID, id, x.Version)
			if err != nil {
				return translate(err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return qms.Errorf(qms.ErrConflict, "%s was changed meanwhile: reload it and register the new text again", x.Number)
			}
			x.Event.Details["superseded_by"] = id
			if _, err := AppendTrail(ctx, tx, x.Event); err != nil {
				return err
			}
		}
		return openTasks(ctx, tx, id, b.Number, tasks)
	})
	if err != nil {
		return b, err
	}
	return s.LegalBasis(ctx, id)
}

// legalErr names a duplicate number.
func legalErr(err error, number string) error {
	err = translate(err)
	if qms.KindOf(err) == qms.ErrConflict {
		return qms.Errorf(qms.ErrConflict, "%s is already in the register", number)
	}
	return err
}

// writeLinks replaces the links of text id with b's.
func writeLinks(ctx context.Context, tx *sqlx.Tx, id string, b leadership.LegalBasis) error {
	codes := []string{}
	for _, x := range b.Services {
		codes = append(codes, x.Code)
	}
	ids := []string{}
	for _, x := range b.Documents {
		ids = append(ids, x.ID)
	}
	for _, q := range []string{
		`DELETE FROM legal_basis_services WHERE legal_basis_id = $1 AND service_code <> ALL($2)`,
		`INSERT INTO legal_basis_services (legal_basis_id, service_code) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING`,
	} {
		if _, err := tx.ExecContext(ctx, q, id, pq.Array(codes)); err != nil {
			return translate(err)
		}
	}
	for _, q := range []string{
		`DELETE FROM legal_basis_documents WHERE legal_basis_id = $1 AND document_id <> ALL($2::uuid[])`,
		`INSERT INTO legal_basis_documents (legal_basis_id, document_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`,
	} {
		if _, err := tx.ExecContext(ctx, q, id, pq.Array(ids)); err != nil {
			return translate(err)
		}
	}
	return nil
}

// openTasks opens the tasks of text id (one per document, ever), each with
// its trail entry.
func openTasks(ctx context.Context, tx *sqlx.Tx, id, number string, tasks []leadership.RevisionTask) error {
	const q = `INSERT INTO revision_tasks (legal_basis_id, document_id, due_on) VALUES ($1, $2, $3)
		ON CONFLICT (legal_basis_id, document_id) DO NOTHING RETURNING id`
	for _, t := range tasks {
		var tid string
		if err := tx.GetContext(ctx, &tid, q, id, t.DocumentID, t.DueOn.String()); err != nil {
			if qms.KindOf(translate(err)) == qms.ErrNotFound {
				continue // this document had a task of this text already
			}
			return translate(err)
		}
		if _, err := AppendTrail(ctx, tx, trail.Event{ActorLogin: "system", Action: "revision_task.open", ObjectType: "revision_task",
			ObjectID: tid, Unit: t.Unit, Details: map[string]any{"legal_basis": id, "number": number, "document": t.DocumentID,
				"code": t.DocumentCode, "due_on": t.DueOn.String()}}); err != nil {
			return err
		}
	}
	return nil
}

// MutateLegalBasis is the one locked change of a text.
func (s *LegalStore) MutateLegalBasis(ctx context.Context, id string, fn func(cur leadership.LegalBasis) (leadership.LegalUpdate, error)) (leadership.LegalBasis, error) {
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		cur, err := s.legalBasis(ctx, tx, id, true)
		if err != nil {
			return err
		}
		up, err := fn(cur)
		if err != nil {
			return err
		}
		b := up.Basis
		if b.SupersededBy != "" {
			// The successor may not be superseded, through its own
			// successors, by this text.
			var loop bool
			const qLoop = `WITH RECURSIVE chain(id) AS (SELECT $1::uuid UNION SELECT lb.superseded_by FROM legal_bases lb JOIN chain c ON lb.id = c.id
				WHERE lb.superseded_by IS NOT NULL) SELECT EXISTS (SELECT 1 FROM chain WHERE id = $2)`
			if err := tx.GetContext(ctx, &loop, qLoop, b.SupersededBy, id); err != nil {
				return translate(err)
			}
			if loop {
				fe := qms.FieldErrors{}
				fe.Add("superseded_by", "that text is itself superseded, directly or through others, by this one")
				return fe.Err()
			}
		}
		const q = `UPDATE legal_bases SET number = $2, number_key = $3, title = $4, kind = $5, issuer = $6, issued_on = $7, effective_on = $8,
			status = $9, superseded_by = $10, version = version + 1, updated_at = now() WHERE id = $1`
		if _, err := tx.ExecContext(ctx, q, id, b.Number, strings.ToUpper(b.Number), b.Title, b.Kind, b.Issuer, b.IssuedOn.String(),
			b.EffectiveOn.String(), b.Status, nullStr(b.SupersededBy)); err != nil {
			return legalErr(err, b.Number)
		}
		if err := writeLinks(ctx, tx, id, b); err != nil {
			return err
		}
		if _, err := AppendTrail(ctx, tx, up.Event); err != nil {
			return err
		}
		if len(up.Unlink) > 0 {
			if err := closeTasks(ctx, tx, `SELECT t.id, d.unit, NULL::uuid AS rev FROM revision_tasks t JOIN documents d ON d.id = t.document_id
				WHERE t.legal_basis_id = $1 AND t.document_id = ANY($2::uuid[]) AND t.closed_at IS NULL FOR UPDATE OF t`,
				leadership.ClosedUnlinked, id, pq.Array(up.Unlink)); err != nil {
				return err
			}
		}
		if up.Due != nil {
			if _, err := tx.ExecContext(ctx, `UPDATE revision_tasks SET due_on = $2 WHERE legal_basis_id = $1 AND closed_at IS NULL`,
				id, up.Due.String()); err != nil {
				return translate(err)
			}
		}
		return openTasks(ctx, tx, id, b.Number, up.Open)
	})
	if err != nil {
		return leadership.LegalBasis{}, err
	}
	return s.LegalBasis(ctx, id)
}

// closeTasks closes the tasks sel selects (id, unit, revision) with reason,
// one trail entry each, and returns how many.
func closeTasks(ctx context.Context, tx *sqlx.Tx, sel, reason string, args ...any) error {
	_, err := closeTasksN(ctx, tx, sel, reason, args...)
	return err
}

func closeTasksN(ctx context.Context, tx *sqlx.Tx, sel, reason string, args ...any) (int, error) {
	var rows []struct {
		ID   string  `db:"id"`
		Unit string  `db:"unit"`
		Rev  *string `db:"rev"`
	}
	if err := tx.SelectContext(ctx, &rows, sel, args...); err != nil {
		return 0, translate(err)
	}
	for _, r := range rows {
		if _, err := tx.ExecContext(ctx, `UPDATE revision_tasks SET closed_at = now(), closed_reason = $2, closed_revision = $3 WHERE id = $1`,
			r.ID, reason, r.Rev); err != nil {
			return 0, translate(err)
		}
		det := map[string]any{"reason": reason}
		if r.Rev != nil {
			det["revision"] = *r.Rev
		}
		if _, err := AppendTrail(ctx, tx, trail.Event{ActorLogin: "system", Action: "revision_task.close", ObjectType: "revision_task",
			ObjectID: r.ID, Unit: r.Unit, Details: det}); err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}

// CloseRevisionTasks closes the open tasks whose document has a revision
// in force (or since superseded) published after the task opened, and those
// whose document was withdrawn. Rows another instance is closing are
// skipped (it closes them).
func (s *LegalStore) CloseRevisionTasks(ctx context.Context) (int, error) {
	n := 0
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var err error
		n, err = closeTasksN(ctx, tx, `SELECT t.id, d.unit, (SELECT r.id FROM revisions r WHERE r.document_id = t.document_id
				AND r.status IN ('effective', 'superseded') AND r.published_at >= t.opened_at ORDER BY r.issue LIMIT 1) AS rev
			FROM revision_tasks t JOIN documents d ON d.id = t.document_id
			WHERE t.closed_at IS NULL AND EXISTS (SELECT 1 FROM revisions r WHERE r.document_id = t.document_id
				AND r.status IN ('effective', 'superseded') AND r.published_at >= t.opened_at)
			FOR UPDATE OF t SKIP LOCKED`, leadership.ClosedRevised)
		if err != nil {
			return err
		}
		w, err := closeTasksN(ctx, tx, `SELECT t.id, d.unit, NULL::uuid AS rev FROM revision_tasks t JOIN documents d ON d.id = t.document_id
			WHERE t.closed_at IS NULL AND d.status = 'obsolete' FOR UPDATE OF t SKIP LOCKED`, leadership.ClosedWithdrawn)
		n += w
		return err
	})
	return n, err
}

type taskRow struct {
	leadership.RevisionTask
	Due time.Time `db:"due_on"`
	Rev *string   `db:"rev"`
	Why *string   `db:"why"`
}

const taskCols = `t.id, t.legal_basis_id, lb.number AS legal_number, lb.title AS legal_title, t.document_id, d.code AS document_code,
	d.title AS document_title, d.unit, t.due_on, t.opened_at, t.closed_at, t.closed_reason AS why, t.closed_revision::text AS rev, COALESCE(r.issue, 0) AS closed_issue`

// RevisionTasks lists tasks, soonest due first.
func (s *LegalStore) RevisionTasks(ctx context.Context, f leadership.TaskFilter) ([]leadership.RevisionTask, error) {
	return revisionTasks(ctx, s.db, f)
}

func revisionTasks(ctx context.Context, q sqlx.QueryerContext, f leadership.TaskFilter) ([]leadership.RevisionTask, error) {
	var sc any
	if f.Scope != nil {
		sc = scopeArg(*f.Scope)
		if f.Scope.All {
			sc = nil
		}
	}
	today := f.Today
	if today.IsZero() {
		today = workday.Date{Year: 1, Month: 1, Day: 1}
	}
	sel := `SELECT ` + taskCols + ` FROM revision_tasks t JOIN legal_bases lb ON lb.id = t.legal_basis_id
		JOIN documents d ON d.id = t.document_id LEFT JOIN revisions r ON r.id = t.closed_revision
		WHERE ($1 = '' OR ($1 = 'open' AND t.closed_at IS NULL) OR ($1 = 'closed' AND t.closed_at IS NOT NULL)
				OR ($1 = 'overdue' AND t.closed_at IS NULL AND t.due_on < $2::date))
			AND ($3 = '' OR d.unit = $3) AND ($4 = '' OR t.legal_basis_id::text = $4) AND ($5 = '' OR t.document_id::text = $5)
			AND ($6::text[] IS NULL OR d.unit = ANY($6))
		ORDER BY t.closed_at IS NOT NULL, t.due_on, d.code LIMIT 2000`
	var rows []taskRow
	if err := sqlx.SelectContext(ctx, q, &rows, sel, f.State, today.String(), f.Unit, f.LegalBasis, f.Document, sc); err != nil {
		return nil, translate(err)
	}
	out := make([]leadership.RevisionTask, 0, len(rows))
	for _, r := range rows {
		t := r.RevisionTask
		t.DueOn, t.ClosedRevision, t.ClosedReason = qms.DateFromTime(r.Due), deref(r.Rev), deref(r.Why)
		out = append(out, t)
	}
	return out, nil
}

// EscalateRevisionTasks notifies the head of each overdue task's unit and
// every coordinator, once per task and due date (the dedupe key), with one
// trail entry per newly escalated task, and queues the e-mail mail makes of
// each new notification in the same transaction.
func (s *LegalStore) EscalateRevisionTasks(ctx context.Context, today workday.Date, subject func(leadership.RevisionTask) qms.Msg,
	mail func(leadership.RevisionEscalation) qms.Email) ([]leadership.RevisionEscalation, error) {
	list, err := revisionTasks(ctx, s.db, leadership.TaskFilter{State: leadership.TaskOverdue, Today: today})
	if err != nil {
		return nil, err
	}
	var out []leadership.RevisionEscalation
	for _, t := range list {
		var fresh []leadership.RevisionEscalation
		err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
			fresh = nil
			heads, err := UsersWithRole(ctx, tx, "head", t.Unit)
			if err != nil {
				return err
			}
			coords, err := UsersWithRole(ctx, tx, "coordinator", t.Unit)
			if err != nil {
				return err
			}
			key := fmt.Sprintf("revision-overdue:%s:%s", t.ID, t.DueOn)
			subj := subject(t)
			link := "/legal-bases/" + t.LegalBasisID + "#task-" + t.ID
			sent, err := NotifyEach(ctx, tx, append(heads, coords...), "revision_overdue", subj, link, key)
			if err != nil {
				return err
			}
			for _, n := range sent {
				fresh = append(fresh, leadership.RevisionEscalation{UserID: n.UserID, Email: n.Email, Lang: n.Lang, Subject: subj, Link: link, Task: t.ID})
			}
			if len(fresh) > 0 {
				if _, err := AppendTrail(ctx, tx, trail.Event{ActorLogin: "system", Action: "revision_task.escalate", ObjectType: "revision_task",
					ObjectID: t.ID, Unit: t.Unit, Details: map[string]any{"due_on": t.DueOn.String(), "notified": len(fresh)}}); err != nil {
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

// OverdueRevisionsByUnit counts per unit the tasks open past due on today.
func (s *LegalStore) OverdueRevisionsByUnit(ctx context.Context, today workday.Date) (map[string]int, error) {
	var rows []struct {
		Unit string `db:"unit"`
		N    int    `db:"n"`
	}
	const q = `SELECT d.unit, count(*)::int AS n FROM revision_tasks t JOIN documents d ON d.id = t.document_id
		WHERE t.closed_at IS NULL AND t.due_on < $1 GROUP BY d.unit`
	if err := s.db.SelectContext(ctx, &rows, q, today.String()); err != nil {
		return nil, translate(err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Unit] = r.N
	}
	return out, nil
}
