package postgres

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// NCStore keeps nonconformities, their actions and evidence files.
type NCStore struct {
	db   *sqlx.DB
	loc  *time.Location // the organisation's time zone, for "done on time"
	mail MailTx         // see WithMail
}

// NewNCStore returns an NCStore on db; loc is the organisation's time zone.
func NewNCStore(db *sqlx.DB, loc *time.Location) *NCStore {
	if loc == nil {
		loc = time.UTC
	}
	return &NCStore{db: db, loc: loc}
}

// WithMail makes Escalate queue the e-mail of each new notification through
// mail, in the escalation's transaction; without it no e-mail is queued.
func (s *NCStore) WithMail(mail MailTx) *NCStore {
	s.mail = mail
	return s
}

var _ nonconformity.Store = (*NCStore)(nil)

// ncRow adds the array columns to an NC for scanning.
type ncRow struct {
	nonconformity.NC
	Clauses         pq.StringArray `db:"clauses"`
	CauseCategories pq.StringArray `db:"cause_categories"`
	Whys            pq.StringArray `db:"whys"`
	TitleMsg        []byte         `db:"title_msg"`
	DescriptionMsg  []byte         `db:"description_msg"`
}

func (r ncRow) nc() nonconformity.NC {
	n := r.NC
	n.Clauses, n.CauseCategories, n.Whys = nonNil(r.Clauses), nonNil(r.CauseCategories), nonNil(r.Whys)
	n.TitleMsg, n.DescriptionMsg = msgOrNil(r.TitleMsg), msgOrNil(r.DescriptionMsg)
	n.Actions, n.Files = []nonconformity.Action{}, []nonconformity.File{}
	return n
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// number and seq are NULL only inside the creating transaction, until the
// number is taken (last, see Create).
const ncCols = `n.id, COALESCE(n.number, '') AS number, n.year, COALESCE(n.seq, 0) AS seq, n.source, n.source_ref, n.severity, n.unit, n.clauses, n.title,
	n.description, n.detected_by, n.detected_on, n.status, n.containment, n.containment_by, n.containment_on,
	n.cause_summary, n.cause_categories, n.whys, n.analysed_at, n.cancel_reason, n.closed_at, n.cancelled_at,
	n.analysis_late_at, n.created_by, COALESCE(cu.name, '') AS created_by_name, n.created_at, n.updated_at,
	n.title_msg, n.description_msg`

const actionCols = `a.id, a.nc_id, a.no, a.unit, a.owner, ou.name AS owner_name, a.verifier, a.description, a.due,
	a.verify_after, a.status, a.report, a.started_at, a.done_at, a.signed_off_at, a.signed_off_by, a.verified_at,
	a.verified_by, a.verify_comment, a.overdue_at, a.created_by, a.created_at`

// scope turns a qms.Scope into the $n parameter of
// `($n::text[] IS NULL OR unit = ANY($n))`: untyped nil for every unit.
func scopeParam(s qms.Scope) any {
	if f := s.Filter(); f != nil {
		return pq.Array(f)
	}
	return nil
}

// Create stores the NC, its files and the trail entry in one transaction,
// and takes the year's next number last. The counter row of the year is the
// lock every creation shares: the NC row goes in without a number, its
// files are written and the answer is read, and only then, in one
// statement, the counter is incremented and the number set (migration
// 00056), so the lock is held from there to the commit only, across the
// trail entry, which needs the number. Numbers stay gap-free: a rolled-back
// creation rolls its increment back.
func (s *NCStore) Create(ctx context.Context, nc nonconformity.NC, year int, ev trail.Event) (nonconformity.NC, bool, error) {
	// The answer is read inside the transaction: once COMMIT succeeds
	// nothing else can fail, so a committed NC is never answered as an error
	// (a client that retried such an answer would raise it twice).
	var existing string
	var out nonconformity.NC
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if nc.SourceRef != "" {
			const qRef = `SELECT id FROM ncs WHERE source_ref = $1 AND status <> 'cancelled'`
			err := tx.GetContext(ctx, &existing, qRef, nc.SourceRef)
			if err == nil {
				out, err = s.load(ctx, tx, existing, false)
				return err
			}
			if !errors.Is(translate(err), qms.ErrNotFound) {
				return err
			}
		}
		nc.Year = year
		const qIns = `INSERT INTO ncs (id, year, source, source_ref, severity, unit, clauses, title,
			description, detected_by, detected_on, status, created_by, created_at, title_msg, description_msg)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`
		titleMsg, err := msgJSON(nc.TitleMsg)
		if err != nil {
			return err
		}
		descMsg, err := msgJSON(nc.DescriptionMsg)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, qIns, nc.ID, nc.Year, nc.Source, nc.SourceRef, nc.Severity,
			nc.Unit, pq.Array(nonNil(nc.Clauses)), nc.Title, nc.Description, nc.DetectedBy, nc.DetectedOn, nc.Status,
			nc.CreatedBy, nc.CreatedAt, titleMsg, descMsg); err != nil {
			return err
		}
		for _, f := range nc.Files {
			if err := insertNCFile(ctx, tx, f); err != nil {
				return err
			}
		}

		if out, err = s.load(ctx, tx, nc.ID, false); err != nil {
			return err
		}
		// From here to the commit the year's counter row is locked.
		const qNumber = `WITH c AS (
				INSERT INTO nc_counters AS c (year, last) VALUES ($2::int, 1)
				ON CONFLICT (year) DO UPDATE SET last = c.last + 1 RETURNING last)
			UPDATE ncs SET seq = c.last,
				number = 'NC-' || $2::int || '-' || CASE WHEN c.last < 10000 THEN lpad(c.last::text, 4, '0') ELSE c.last::text END
			FROM c WHERE ncs.id = $1 RETURNING ncs.seq, ncs.number`
		if err := tx.QueryRowxContext(ctx, qNumber, nc.ID, year).Scan(&out.Seq, &out.Number); err != nil {
			return err
		}
		ev.Details = withNumber(ev.Details, out.Number)
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
	if err != nil {
		// Two raises of the same source at once: the unique index lets one
		// through; the other returns the winner.
		if nc.SourceRef != "" && errors.Is(err, qms.ErrConflict) {
			const qRef = `SELECT id FROM ncs WHERE source_ref = $1 AND status <> 'cancelled'`
			if e2 := s.db.GetContext(ctx, &existing, qRef, nc.SourceRef); e2 == nil {
				out, err := s.Get(ctx, existing)
				return out, false, err
			}
		}
		return nonconformity.NC{}, false, err
	}
	return out, existing == "", nil
}

func withNumber(d map[string]any, number string) map[string]any {
	out := map[string]any{}
	for k, v := range d {
		out[k] = v
	}
	out["number"] = number
	return out
}

func insertNCFile(ctx context.Context, tx *sqlx.Tx, f nonconformity.File) error {
	const q = `INSERT INTO nc_files (id, nc_id, action_id, purpose, object_key, version_id, size, sha256, media_type,
		file_name, uploaded_by) VALUES ($1, $2, NULLIF($3, '')::uuid, $4, $5, $6, $7, $8, $9, $10, NULLIF($11, '')::uuid)`
	_, err := tx.ExecContext(ctx, q, f.ID, f.NCID, f.ActionID, f.Purpose, f.Key, f.VersionID, f.Size, f.SHA256,
		f.MediaType, f.FileName, f.UploadedBy)
	return err
}

// Get returns an NC with its actions, files and the actions' signatures.
func (s *NCStore) Get(ctx context.Context, id string) (nonconformity.NC, error) {
	return s.load(ctx, s.db, id, false)
}

func (s *NCStore) load(ctx context.Context, q sqlx.QueryerContext, id string, lock bool) (nonconformity.NC, error) {
	if !isUUID(id) {
		return nonconformity.NC{}, qms.Errorf(qms.ErrNotFound, "nonconformity not found")
	}
	sel := `SELECT ` + ncCols + ` FROM ncs n LEFT JOIN users cu ON cu.id = n.created_by WHERE n.id = $1`
	if lock {
		sel += ` FOR UPDATE OF n`
	}
	var row ncRow
	if err := sqlx.GetContext(ctx, q, &row, sel, id); err != nil {
		return nonconformity.NC{}, notFound(err, "nonconformity not found")
	}
	nc := row.nc()
	const qa = `SELECT ` + actionCols + ` FROM nc_actions a JOIN users ou ON ou.id = a.owner WHERE a.nc_id = $1 ORDER BY a.no`
	if err := sqlx.SelectContext(ctx, q, &nc.Actions, qa, id); err != nil {
		return nonconformity.NC{}, translate(err)
	}
	const qf = `SELECT id, nc_id, COALESCE(action_id::text, '') AS action_id, purpose, file_name,
		COALESCE(uploaded_by::text, '') AS uploaded_by, object_key, version_id, size, sha256, media_type, uploaded_at
		FROM nc_files WHERE nc_id = $1 ORDER BY uploaded_at, id`
	if err := sqlx.SelectContext(ctx, q, &nc.Files, qf, id); err != nil {
		return nonconformity.NC{}, translate(err)
	}
	nc.ActionCount = len(nc.Actions)
	for i := range nc.Actions {
		sigs, err := Signatures(ctx, q, nonconformity.ObjectAction, nc.Actions[i].ID)
		if err != nil {
			return nonconformity.NC{}, err
		}
		nc.Actions[i].Signatures = sigs
	}
	return nc, nil
}

// Mutate locks the NC row, so acts on one NC (and its actions) run one after
// the other: of two concurrent sign-offs the second finds the action already
// signed off and fn refuses it.
func (s *NCStore) Mutate(ctx context.Context, id string, fn func(nc *nonconformity.NC) (nonconformity.Change, error)) (nonconformity.NC, error) {
	var out nonconformity.NC
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		nc, err := s.load(ctx, tx, id, true)
		if err != nil {
			return err
		}
		before := map[string]nonconformity.Action{}
		for _, a := range nc.Actions {
			before[a.ID] = a
		}
		ch, err := fn(&nc)
		if err != nil {
			return err
		}
		// The actions first, then the NC: the NC row's trigger computes
		// "closed on time" from its actions (migration 00055), which are
		// then already written.
		for _, a := range nc.Actions {
			if old, ok := before[a.ID]; ok && reflect.DeepEqual(old, a) {
				continue
			}
			if err := upsertAction(ctx, tx, a); err != nil {
				return err
			}
		}
		const qUpd = `UPDATE ncs SET status = $2, containment = $3, containment_by = $4, containment_on = $5,
			cause_summary = $6, cause_categories = $7, whys = $8, analysed_at = $9, cancel_reason = $10,
			closed_at = $11, cancelled_at = $12, updated_at = now() WHERE id = $1`
		if _, err := tx.ExecContext(ctx, qUpd, nc.ID, nc.Status, nc.Containment, nc.ContainmentBy, nc.ContainmentOn,
			nc.CauseSummary, pq.Array(nonNil(nc.CauseCategories)), pq.Array(nonNil(nc.Whys)), nc.AnalysedAt,
			nc.CancelReason, nc.ClosedAt, nc.CancelledAt); err != nil {
			return err
		}
		for _, sig := range ch.Signatures {
			if _, err := InsertSignature(ctx, tx, sig); err != nil {
				return err
			}
		}
		for _, f := range ch.Files {
			if err := insertNCFile(ctx, tx, f); err != nil {
				return err
			}
		}
		for _, n := range ch.Notes {
			if _, err := Notify(ctx, tx, n.UserID, n.Kind, n.Subject, n.Link, n.Dedupe); err != nil {
				return err
			}
		}
		for _, ev := range ch.Events {
			ev.Details = withNumber(ev.Details, nc.Number)
			if _, err := AppendTrail(ctx, tx, ev); err != nil {
				return err
			}
		}
		out, err = s.load(ctx, tx, id, false)
		return err
	})
	return out, err
}

func upsertAction(ctx context.Context, tx *sqlx.Tx, a nonconformity.Action) error {
	const q = `INSERT INTO nc_actions (id, nc_id, no, unit, owner, verifier, description, due, verify_after, status,
			report, started_at, done_at, signed_off_at, signed_off_by, verified_at, verified_by, verify_comment, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, report = EXCLUDED.report,
			started_at = EXCLUDED.started_at, done_at = EXCLUDED.done_at, signed_off_at = EXCLUDED.signed_off_at,
			signed_off_by = EXCLUDED.signed_off_by, verified_at = EXCLUDED.verified_at,
			verified_by = EXCLUDED.verified_by, verify_comment = EXCLUDED.verify_comment, updated_at = now()
		WHERE nc_actions.nc_id = EXCLUDED.nc_id`
	_, err := tx.ExecContext(ctx, q, a.ID, a.NCID, a.No, a.Unit, a.Owner, a.Verifier, a.Description, a.Due,
		a.VerifyAfter, a.Status, a.Report, a.StartedAt, a.DoneAt, a.SignedOffAt, a.SignedOffBy, a.VerifiedAt,
		a.VerifiedBy, a.VerifyComment, a.CreatedBy)
	return err
}

// ActionNC returns the NC of an action.
func (s *NCStore) ActionNC(ctx context.Context, actionID string) (string, error) {
	if !isUUID(actionID) {
		return "", qms.Errorf(qms.ErrNotFound, "corrective action not found")
	}
	var id string
	const q = `SELECT nc_id FROM nc_actions WHERE id = $1`
	if err := s.db.GetContext(ctx, &id, q, actionID); err != nil {
		return "", notFound(err, "corrective action not found")
	}
	return id, nil
}

// parseNumber splits "NC-2026-0007" into year and sequence (the list cursor).
func parseNumber(n string) (int, int, error) {
	parts := strings.Split(n, "-")
	if len(parts) != 3 || parts[0] != "NC" {
		return 0, 0, qms.Errorf(qms.ErrInvalid, "invalid cursor")
	}
	y, err1 := strconv.Atoi(parts[1])
	q, err2 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil {
		return 0, 0, qms.Errorf(qms.ErrInvalid, "invalid cursor")
	}
	return y, q, nil
}

// List returns the register newest first, one page after the cursor. The
// scope admits an NC of a unit in scope, or with an action of one.
//
// Every plan reads about one page, however large the register: an
// organisation-wide reader walks the (year, seq) index from the cursor; a
// reader of some units gets the union of the page of their units' NCs
// (ncs_unit_number, walked in order when the scope is one unit) and the
// page of other units' NCs with an action in theirs, found through the few
// actions whose unit is not their NC's (nc_actions_other_unit). Overdue
// is the NC's kept earliest pending due date (ncs.next_due, migration
// 00096) before today: the overdue filter walks ncs_next_due_number (or
// ncs_unit_next_due), the NCs with a pending action only, testing the date
// on the index entry. Each returned row's action count is one probe of an
// index (LATERAL runs per row, where a subquery in the select list may be
// planned as a hashed subplan over every action, whatever the LIMIT).
func (s *NCStore) List(ctx context.Context, f nonconformity.Filter, scope qms.Scope) ([]nonconformity.NC, error) {
	cy, cs := 1<<30, 1<<30
	if f.Cursor != "" {
		var err error
		if cy, cs, err = parseNumber(f.Cursor); err != nil {
			return nil, err
		}
	}
	const filters = `($2 = '' OR n.status = $2)
		  AND ($3 = '' OR n.unit = $3)
		  AND ($4 = '' OR n.severity = $4)
		  AND ($5 = '' OR n.source = $5)
		  AND ($6 = '' OR EXISTS (SELECT 1 FROM unnest(n.clauses) c WHERE c = $6 OR c LIKE $6 || '.%'))
		  AND (NOT $7 OR n.next_due < $8)
		  AND ($9 = '' OR qms_fold(n.title) LIKE '%' || qms_fold($9) || '%' ESCAPE '\' OR n.number ILIKE '%' || $9 || '%' ESCAPE '\'
		       OR ($9 ~ '^(4|5|6|7|8|9|10)(\.[0-9]{1,2}){0,3}$' AND n.clauses && qms_clause_family($9)))
		  AND (n.year, n.seq) < ($10, $11)`
	// rows: the page's NCs; $1 the scope's units (NULL: every unit), $13
	// the scope's unit when it is one (else '').
	const rows = `SELECT n.* FROM ncs n WHERE $1::text[] IS NULL AND ($13 = '' OR n.unit = $13) AND ` + filters + `
		ORDER BY n.year DESC, n.seq DESC LIMIT $12`
	const scoped = `(SELECT n.* FROM ncs n WHERE n.unit = ANY($1) AND ($13 = '' OR n.unit = $13) AND ` + filters + `
			ORDER BY n.year DESC, n.seq DESC LIMIT $12)
		UNION ALL
		(SELECT n.* FROM (SELECT DISTINCT o.nc_id FROM nc_actions o WHERE o.unit = ANY($1) AND o.other_unit) x
			CROSS JOIN LATERAL (SELECT * FROM ncs WHERE id = x.nc_id OFFSET 0) n
			WHERE NOT (n.unit = ANY($1)) AND ` + filters + `
			ORDER BY n.year DESC, n.seq DESC LIMIT $12)`
	const outer = `SELECT ` + ncCols + `, COALESCE(n.next_due < $8, false) AS overdue, ac.n AS action_count
		FROM (%s) n LEFT JOIN users cu ON cu.id = n.created_by
		CROSS JOIN LATERAL (SELECT count(*) AS n FROM nc_actions a WHERE a.nc_id = n.id) ac
		ORDER BY n.year DESC, n.seq DESC LIMIT $12`
	q := fmt.Sprintf(outer, rows)
	one := ""
	if u := scope.Filter(); u != nil {
		q = fmt.Sprintf(outer, scoped)
		if len(u) == 1 {
			one = u[0]
		}
	}
	var out0 []ncRow
	if err := s.db.SelectContext(ctx, &out0, q, scopeParam(scope), f.Status, f.Unit, f.Severity, f.Source, f.Clause,
		f.Overdue, f.Today, likeEscape(f.Q), cy, cs, f.Limit, one); err != nil {
		return nil, translate(err)
	}
	out := make([]nonconformity.NC, 0, len(out0))
	for _, r := range out0 {
		nc := r.nc()
		nc.Actions, nc.Files = nil, nil
		out = append(out, nc)
	}
	return out, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Similar lists earlier NCs sharing the unit, a clause or a cause category,
// the most alike first.
func (s *NCStore) Similar(ctx context.Context, nc nonconformity.NC, scope qms.Scope, limit int) ([]nonconformity.Similar, error) {
	const q = `SELECT id, number, title, title_msg, status, unit, created_at,
			unit = $2 AS same_unit, clauses && $3 AS same_clause, cause_categories && $4 AS same_cause
		FROM ncs
		WHERE id <> $1 AND status <> 'cancelled' AND (year, seq) < ($5, $6)
		  AND (unit = $2 OR clauses && $3 OR cause_categories && $4)
		  AND ($7::text[] IS NULL OR unit = ANY($7))
		ORDER BY (unit = $2)::int + (clauses && $3)::int + (cause_categories && $4)::int DESC, year DESC, seq DESC
		LIMIT $8`
	var rows []struct {
		nonconformity.Similar
		Msg []byte `db:"title_msg"`
	}
	if err := s.db.SelectContext(ctx, &rows, q, nc.ID, nc.Unit, pq.Array(nonNil(nc.Clauses)), pq.Array(nonNil(nc.CauseCategories)),
		nc.Year, nc.Seq, scopeParam(scope), limit); err != nil {
		return nil, translate(err)
	}
	out := make([]nonconformity.Similar, len(rows))
	for i, r := range rows {
		out[i] = r.Similar
		out[i].TitleMsg = msgOrNil(r.Msg)
	}
	return out, nil
}

// MyActions lists actions waiting for the user: owned and not done, done
// in a unit where they sign off, signed off where they verify (or are the
// designated verifier). Never their own action for sign-off or verification.
func (s *NCStore) MyActions(ctx context.Context, userID string, signoff, verify qms.Scope) ([]nonconformity.Action, error) {
	const q = `SELECT ` + actionCols + `, n.number AS nc_number, n.title AS nc_title, n.title_msg AS nc_title_msg
		FROM nc_actions a JOIN ncs n ON n.id = a.nc_id JOIN users ou ON ou.id = a.owner
		WHERE n.status NOT IN ('closed', 'cancelled') AND (
			(a.owner = $1 AND a.status IN ('open', 'in_progress'))
			OR (a.status = 'done' AND a.owner <> $1 AND ($2::text[] IS NULL OR a.unit = ANY($2)))
			OR (a.status = 'signed_off' AND a.owner <> $1 AND ($3::text[] IS NULL OR a.unit = ANY($3) OR a.verifier = $1)))
		ORDER BY a.due, n.year, n.seq, a.no LIMIT 200`
	if !isUUID(userID) {
		return []nonconformity.Action{}, nil
	}
	var rows []struct {
		nonconformity.Action
		Msg []byte `db:"nc_title_msg"`
	}
	if err := s.db.SelectContext(ctx, &rows, q, userID, scopeParam(signoff), scopeParam(verify)); err != nil {
		return nil, translate(err)
	}
	out := make([]nonconformity.Action, len(rows))
	for i, r := range rows {
		out[i] = r.Action
		out[i].NCTitleMsg = msgOrNil(r.Msg)
	}
	return out, nil
}

// File returns one evidence file row.
func (s *NCStore) File(ctx context.Context, id string) (nonconformity.File, error) {
	var f nonconformity.File
	if !isUUID(id) {
		return f, qms.Errorf(qms.ErrNotFound, "file not found")
	}
	const q = `SELECT id, nc_id, COALESCE(action_id::text, '') AS action_id, purpose, file_name,
		COALESCE(uploaded_by::text, '') AS uploaded_by, object_key, version_id, size, sha256, media_type, uploaded_at
		FROM nc_files WHERE id = $1`
	if err := s.db.GetContext(ctx, &f, q, id); err != nil {
		return f, notFound(err, "file not found")
	}
	return f, nil
}

// Scorecard reads the per-unit counts kept by migration 00055's triggers
// (nc_stats_month: open, closed, closed on time, time to close), and the two
// counts that depend on now from indexes: overdue actions are the
// nc_open_due rows (pending actions of live NCs per unit and due date) due
// before today; NCs without a root cause past the analysis period are a
// count over the partial index ncs_awaiting_cause. No query scans the NCs'
// history. A unit appears when it has counted NCs or pending actions.
func (s *NCStore) Scorecard(ctx context.Context, today, analysisCutoff time.Time, scope qms.Scope) ([]nonconformity.UnitScore, error) {
	const q = `WITH st AS (
			SELECT unit, sum(opened) AS opened, sum(open) AS open, sum(closed) AS closed,
				sum(closed_on_time) AS closed_on_time, sum(close_us) AS close_us
			FROM nc_stats_month WHERE ($3::text[] IS NULL OR unit = ANY($3)) GROUP BY unit),
		od AS (
			SELECT unit, sum(n) FILTER (WHERE due < $1) AS overdue, sum(n) AS pending
			FROM nc_open_due WHERE ($3::text[] IS NULL OR unit = ANY($3)) GROUP BY unit),
		un AS (
			SELECT unit, count(*) AS unanswered FROM ncs
			WHERE status = 'open' AND created_at < $2 AND ($3::text[] IS NULL OR unit = ANY($3)) GROUP BY unit)
		SELECT unit, COALESCE(st.open, 0) AS open, COALESCE(od.overdue, 0) AS overdue,
			COALESCE(un.unanswered, 0) AS unanswered, COALESCE(st.closed, 0) AS closed,
			COALESCE(st.closed_on_time, 0) AS closed_on_time, COALESCE(st.close_us, 0)::float8 / 86400e6 AS days_to_close
		FROM st FULL JOIN od USING (unit) FULL JOIN un USING (unit)
		WHERE COALESCE(st.opened, 0) > 0 OR COALESCE(od.pending, 0) > 0 OR COALESCE(un.unanswered, 0) > 0
		ORDER BY unit`
	out := []nonconformity.UnitScore{}
	err := s.db.SelectContext(ctx, &out, q, today, analysisCutoff, scopeParam(scope))
	return out, translate(err)
}

// OpenOverdue gives per unit the open NCs and the overdue actions (the
// dashboard's part of the scorecard), from the same kept counts and index.
func (s *NCStore) OpenOverdue(ctx context.Context, today time.Time, scope qms.Scope) ([]nonconformity.UnitScore, error) {
	const q = `WITH st AS (
			SELECT unit, sum(open) AS open FROM nc_stats_month
			WHERE ($2::text[] IS NULL OR unit = ANY($2)) GROUP BY unit),
		od AS (
			SELECT unit, sum(n) AS overdue FROM nc_open_due
			WHERE due < $1 AND ($2::text[] IS NULL OR unit = ANY($2)) GROUP BY unit)
		SELECT unit, COALESCE(st.open, 0) AS open, COALESCE(od.overdue, 0) AS overdue
		FROM st FULL JOIN od USING (unit)
		WHERE COALESCE(st.open, 0) > 0 OR COALESCE(od.overdue, 0) > 0 ORDER BY unit`
	out := []nonconformity.UnitScore{}
	err := s.db.SelectContext(ctx, &out, q, today, scopeParam(scope))
	return out, translate(err)
}

// Monthly gives the NCs opened and closed per month since from's month, from
// nc_stats_month (months in the office's time zone, migration 00051).
func (s *NCStore) Monthly(ctx context.Context, from time.Time, loc *time.Location, scope qms.Scope) ([]nonconformity.MonthCount, error) {
	const q = `SELECT to_char(month, 'YYYY-MM') AS month, sum(opened)::int AS opened, sum(closed)::int AS closed
		FROM nc_stats_month WHERE month >= $1::date AND ($2::text[] IS NULL OR unit = ANY($2))
		GROUP BY month HAVING sum(opened) <> 0 OR sum(closed) <> 0 ORDER BY month`
	out := []nonconformity.MonthCount{}
	l := from.In(loc)
	first := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	err := s.db.SelectContext(ctx, &out, q, first, scopeParam(scope))
	return out, translate(err)
}

// Causes counts cause categories over NCs in scope (nc_cause_month).
func (s *NCStore) Causes(ctx context.Context, scope qms.Scope) ([]nonconformity.CauseCount, error) {
	const q = `SELECT category, sum(n) AS n FROM nc_cause_month
		WHERE ($1::text[] IS NULL OR unit = ANY($1)) GROUP BY category HAVING sum(n) > 0`
	out := []nonconformity.CauseCount{}
	err := s.db.SelectContext(ctx, &out, q, scopeParam(scope))
	return out, translate(err)
}

// LateActions lists actions past their due date not yet escalated.
func (s *NCStore) LateActions(ctx context.Context, today time.Time) ([]nonconformity.LateItem, error) {
	const q = `SELECT 'action' AS kind, a.id, a.nc_id, n.number, n.title, a.unit, a.no, a.owner::text AS owner, a.due
		FROM nc_actions a JOIN ncs n ON n.id = a.nc_id
		WHERE a.status IN ('open', 'in_progress') AND a.due < $1 AND a.overdue_at IS NULL
		  AND n.status NOT IN ('closed', 'cancelled')
		ORDER BY a.due, n.year, n.seq, a.no`
	out := []nonconformity.LateItem{}
	err := s.db.SelectContext(ctx, &out, q, today)
	return out, translate(err)
}

// LateAnalyses lists open NCs created before cutoff, not yet escalated.
func (s *NCStore) LateAnalyses(ctx context.Context, cutoff time.Time) ([]nonconformity.LateItem, error) {
	const q = `SELECT 'analysis' AS kind, id, id AS nc_id, number, title, unit, 0 AS no, '' AS owner, created_at AS due
		FROM ncs WHERE status = 'open' AND created_at < $1 AND analysis_late_at IS NULL ORDER BY year, seq`
	out := []nonconformity.LateItem{}
	err := s.db.SelectContext(ctx, &out, q, cutoff)
	return out, translate(err)
}

// People lists active users holding role in unit or everywhere.
func (s *NCStore) People(ctx context.Context, role, unit string) ([]nonconformity.Person, error) {
	const q = `SELECT DISTINCT u.id, u.name, u.email, u.lang FROM role_assignments ra JOIN users u ON u.id = ra.user_id
		WHERE u.status = 'active' AND ra.role = $1 AND (ra.unit = $2 OR ra.unit = '*') ORDER BY u.id`
	out := []nonconformity.Person{}
	err := s.db.SelectContext(ctx, &out, q, role, unit)
	return out, translate(err)
}

// Person returns one user for notifications.
func (s *NCStore) Person(ctx context.Context, id string) (nonconformity.Person, error) {
	var p nonconformity.Person
	const q = `SELECT id, name, email, lang FROM users WHERE id = $1`
	if err := s.db.GetContext(ctx, &p, q, id); err != nil {
		return p, notFound(err, "user not found")
	}
	return p, nil
}

// Escalate flags the item late (only the first runner to get the row lock
// succeeds), appends the trail entry, adds the notifications and queues
// the e-mail of each new one, in one transaction.
func (s *NCStore) Escalate(ctx context.Context, it nonconformity.LateItem, ev trail.Event, notes []nonconformity.Note) ([]nonconformity.Note, error) {
	var fresh []nonconformity.Note
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		fresh = nil
		q := `UPDATE nc_actions SET overdue_at = now() WHERE id = $1 AND overdue_at IS NULL AND status IN ('open', 'in_progress')`
		if it.Kind == "analysis" {
			q = `UPDATE ncs SET analysis_late_at = now() WHERE id = $1 AND analysis_late_at IS NULL AND status = 'open'`
		}
		res, err := tx.ExecContext(ctx, q, it.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		ev.Details = withNumber(ev.Details, it.Number)
		if _, err := AppendTrail(ctx, tx, ev); err != nil {
			return err
		}
		for _, n := range notes {
			isNew, err := Notify(ctx, tx, n.UserID, n.Kind, n.Subject, n.Link, n.Dedupe)
			if err != nil {
				return err
			}
			if !isNew {
				continue
			}
			if n.Mailed, err = s.mail.queue(ctx, tx, n.Mail); err != nil {
				return err
			}
			fresh = append(fresh, n)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return fresh, nil
}

// Notify adds in-app notifications in one transaction.
func (s *NCStore) Notify(ctx context.Context, notes []nonconformity.Note) ([]nonconformity.Note, error) {
	var fresh []nonconformity.Note
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		for _, n := range notes {
			isNew, err := Notify(ctx, tx, n.UserID, n.Kind, n.Subject, n.Link, n.Dedupe)
			if err != nil {
				return err
			}
			if isNew {
				fresh = append(fresh, n)
			}
		}
		return nil
	})
	return fresh, err
}
