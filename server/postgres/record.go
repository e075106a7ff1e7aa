package postgres

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/record"
	"github.com/qmstrack/qmstrack/server/trail"
)

// RecordStore implements record.Store.
type RecordStore struct{ db *sqlx.DB }

// NewRecordStore returns a RecordStore on db.
func NewRecordStore(db *sqlx.DB) *RecordStore { return &RecordStore{db: db} }

var _ record.Store = (*RecordStore)(nil)

// Types lists the record types by code.
func (s *RecordStore) Types(ctx context.Context) ([]record.Type, error) {
	const q = `SELECT code, name_vi, name_en, retention_years, lock_mode, updated_at FROM record_types ORDER BY code`
	out := []record.Type{}
	return out, translate(s.db.SelectContext(ctx, &out, q))
}

// Type returns one record type.
func (s *RecordStore) Type(ctx context.Context, code string) (record.Type, error) {
	const q = `SELECT code, name_vi, name_en, retention_years, lock_mode, updated_at FROM record_types WHERE code = $1`
	var t record.Type
	if err := s.db.GetContext(ctx, &t, q, code); err != nil {
		return t, notFound(err, "record type %s not found", code)
	}
	return t, nil
}

// SaveType inserts or updates a record type.
func (s *RecordStore) SaveType(ctx context.Context, t record.Type, ev trail.Event) (record.Type, error) {
	const q = `INSERT INTO record_types (code, name_vi, name_en, retention_years, lock_mode) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (code) DO UPDATE SET name_vi = EXCLUDED.name_vi, name_en = EXCLUDED.name_en,
			retention_years = EXCLUDED.retention_years, lock_mode = EXCLUDED.lock_mode, updated_at = now()
		RETURNING code, name_vi, name_en, retention_years, lock_mode, updated_at`
	var out record.Type
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &out, q, t.Code, t.NameVI, t.NameEN, t.RetentionYears, t.Mode); err != nil {
			return err
		}
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	return out, err
}

// recordRow is the flat row of records.
type recordRow struct {
	ID           string         `db:"id"`
	Type         string         `db:"type_code"`
	Unit         string         `db:"unit"`
	Title        string         `db:"title"`
	Date         time.Time      `db:"record_date"`
	Clauses      pq.StringArray `db:"clauses"`
	LinkRevision string         `db:"link_revision"`
	LinkNC       string         `db:"link_nc"`
	LinkAction   string         `db:"link_action"`
	LinkAudit    string         `db:"link_audit"`
	Mode         string         `db:"lock_mode"`
	Permanent    bool           `db:"permanent"`
	RetainUntil  time.Time      `db:"retain_until"`
	Held         bool           `db:"held"`
	HoldReason   string         `db:"hold_reason"`
	Status       string         `db:"status"`
	DisposedAt   *time.Time     `db:"disposed_at"`
	DisposalSig  *string        `db:"disposal_signature"`
	Versions     int            `db:"versions"`
	CreatedBy    string         `db:"created_by"`
	CreatedAt    time.Time      `db:"created_at"`
	TitleMsg     []byte         `db:"title_msg"`
}

const recordCols = `id, type_code, unit, title, record_date, clauses, link_revision, link_nc, link_action, link_audit,
	lock_mode, permanent, retain_until, held, hold_reason, status, disposed_at, disposal_signature, versions, created_by, created_at, title_msg`

func (r recordRow) record() record.Record {
	out := record.Record{ID: r.ID, Type: r.Type, Unit: r.Unit, Title: r.Title, Date: r.Date, Clauses: []string(r.Clauses),
		Links: record.Links{Revision: r.LinkRevision, NC: r.LinkNC, Action: r.LinkAction, Audit: r.LinkAudit},
		Mode:  r.Mode, Permanent: r.Permanent, RetainUntil: r.RetainUntil.UTC(), Held: r.Held, HoldReason: r.HoldReason,
		Status: r.Status, DisposedAt: r.DisposedAt, VersionsN: r.Versions, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(),
		TitleMsg: msgOrNil(r.TitleMsg)}
	if out.Clauses == nil {
		out.Clauses = []string{}
	}
	return out
}

const versionCols = `record_id, no, object_key, version_id, size, sha256, media_type, file_name, reason, retain_until, locked,
	created_by, created_at, deleted_at, lock_pending, delete_requested_at, delete_error, delete_error_at`

func insertVersion(ctx context.Context, tx *sqlx.Tx, id string, v record.Version) (record.Version, error) {
	const q = `INSERT INTO record_versions (record_id, no, object_key, version_id, size, sha256, media_type, file_name, reason,
			retain_until, locked, created_by, lock_pending)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING ` + versionCols
	var out record.Version
	err := tx.GetContext(ctx, &out, q, id, v.No, v.Key, v.VersionID, v.Size, v.SHA256, v.MediaType, v.FileName, v.Reason,
		v.RetainUntil, v.Locked, v.CreatedBy, v.LockPending)
	return out, err
}

// Create inserts a record with its first version and the trail entry.
func (s *RecordStore) Create(ctx context.Context, r record.Record, v record.Version, ev trail.Event) (record.Record, error) {
	const q = `INSERT INTO records (type_code, unit, title, record_date, clauses, link_revision, link_nc, link_action, link_audit,
			lock_mode, permanent, retain_until, created_by, title_msg)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING ` + recordCols
	titleMsg, err := msgJSON(r.TitleMsg)
	if err != nil {
		return record.Record{}, err
	}
	var row recordRow
	err = InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		// The linked objects were checked before the file was stored; one
		// that went missing since is refused here.
		if _, missing, err := resolveRecordLinks(ctx, tx, r.Links); err != nil || len(missing) > 0 {
			if err == nil {
				err = record.LinkError(missing)
			}
			return err
		}
		if err := tx.GetContext(ctx, &row, q, r.Type, r.Unit, r.Title, r.Date, pq.Array(r.Clauses), r.Links.Revision,
			r.Links.NC, r.Links.Action, r.Links.Audit, r.Mode, r.Permanent, r.RetainUntil, r.CreatedBy, titleMsg); err != nil {
			return err
		}
		v.No = 1
		if _, err := insertVersion(ctx, tx, row.ID, v); err != nil {
			return err
		}
		ev.ObjectID = row.ID
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	if err != nil {
		return record.Record{}, err
	}
	return s.Get(ctx, row.ID)
}

func (s *RecordStore) versions(ctx context.Context, q sqlx.QueryerContext, id string) ([]record.Version, error) {
	const sel = `SELECT ` + versionCols + ` FROM record_versions WHERE record_id = $1 ORDER BY no`
	out := []record.Version{}
	if err := sqlx.SelectContext(ctx, q, &out, sel, id); err != nil {
		return nil, translate(err)
	}
	for i := range out {
		out[i].RetainUntil = out[i].RetainUntil.UTC()
	}
	return out, nil
}

// Get returns a record with its versions and disposal signature.
func (s *RecordStore) Get(ctx context.Context, id string) (record.Record, error) {
	const q = `SELECT ` + recordCols + ` FROM records WHERE id = $1`
	var row recordRow
	if err := s.db.GetContext(ctx, &row, q, id); err != nil {
		return record.Record{}, notFound(err, "record not found")
	}
	r := row.record()
	var err error
	if r.Versions, err = s.versions(ctx, s.db, id); err != nil {
		return r, err
	}
	if row.DisposalSig != nil {
		sigs, err := Signatures(ctx, s.db, "record", id)
		if err != nil {
			return r, err
		}
		for i := range sigs {
			if sigs[i].ID == *row.DisposalSig {
				r.Disposal = &sigs[i]
			}
		}
	}
	return r, nil
}

// List returns records matching f inside scope, newest first.
func (s *RecordStore) List(ctx context.Context, f record.Filter, scope qms.Scope) ([]record.Record, error) {
	const q = `SELECT ` + recordCols + ` FROM records
		WHERE ($1::text[] IS NULL OR unit = ANY($1))
		  AND ($2 = '' OR type_code = $2) AND ($3 = '' OR unit = $3) AND ($4 = '' OR clauses && qms_clause_family($4))
		  AND ($5 = '' OR link_audit = $5) AND status = $6
		  AND ($7 = '' OR qms_fold(title) LIKE '%' || qms_fold($7) || '%'
		       OR ($7 ~ '^(4|5|6|7|8|9|10)(\.[0-9]{1,2}){0,3}$' AND clauses && qms_clause_family($7)))
		  AND (NOT $8 OR (NOT permanent AND NOT held AND retain_until <= $9))
		ORDER BY record_date DESC, created_at DESC LIMIT $10`
	status := f.Status
	if status == "" {
		status = record.StatusActive
	}
	var units any
	if !scope.All {
		units = pq.Array(scope.Filter())
	}
	var rows []recordRow
	if err := s.db.SelectContext(ctx, &rows, q, units, f.Type, f.Unit, f.Clause, f.Audit, status, recordLikeEscape(f.Q),
		f.DueOnly, f.Now, f.Limit); err != nil {
		return nil, translate(err)
	}
	out := make([]record.Record, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.record())
	}
	return out, nil
}

// Mutate locks the record row (see record.Store): of two concurrent acts on
// one record the second waits, then finds the record as the first left it.
func (s *RecordStore) Mutate(ctx context.Context, id string, fn func(*record.Record) (record.Change, error)) (record.Record, error) {
	const lock = `SELECT ` + recordCols + ` FROM records WHERE id = $1 FOR UPDATE`
	const upd = `UPDATE records SET held = $2, hold_reason = $3, status = $4, disposed_at = $5,
		disposal_signature = coalesce($6, disposal_signature), versions = $7 WHERE id = $1`
	const updV = `UPDATE record_versions SET delete_requested_at = $3
		WHERE record_id = $1 AND no = $2 AND deleted_at IS NULL AND delete_requested_at IS NULL`
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var row recordRow
		if err := tx.GetContext(ctx, &row, lock, id); err != nil {
			return notFound(err, "record not found")
		}
		r := row.record()
		var err error
		if r.Versions, err = s.versions(ctx, tx, id); err != nil {
			return err
		}
		asked := map[int]bool{}
		for _, v := range r.Versions {
			asked[v.No] = v.DeleteRequestedAt != nil || v.DeletedAt != nil
		}
		ch, err := fn(&r)
		if err != nil {
			return err
		}
		var sigID *string
		if ch.Signature != nil {
			signed, err := InsertSignature(ctx, tx, *ch.Signature)
			if err != nil {
				return err
			}
			sigID = &signed.ID
		}
		if _, err := tx.ExecContext(ctx, upd, id, r.Held, r.HoldReason, r.Status, r.DisposedAt, sigID, r.VersionsN); err != nil {
			return err
		}
		if ch.Version != nil {
			if _, err := insertVersion(ctx, tx, id, *ch.Version); err != nil {
				return err
			}
		}
		for _, v := range r.Versions {
			if v.DeleteRequestedAt != nil && !asked[v.No] {
				if _, err := tx.ExecContext(ctx, updV, id, v.No, v.DeleteRequestedAt); err != nil {
					return err
				}
			}
		}
		for _, ev := range ch.Events {
			if sigID != nil {
				ev.Details["signature"] = *sigID
			}
			if _, err := AppendTrail(ctx, tx, ev); err != nil {
				return err
			}
		}
		if ch.Apply != nil {
			return ch.Apply()
		}
		return nil
	})
	if err != nil {
		return record.Record{}, err
	}
	return s.Get(ctx, id)
}

// The audit window (which units an auditor reads today) is the internal
// audit capability's: see TeamAudits in audit.go.

// recordLikeEscape escapes LIKE wildcards in user input.
func recordLikeEscape(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		if r == '%' || r == '_' || r == '\\' {
			out = append(out, '\\')
		}
		out = append(out, r)
	}
	return string(out)
}

// NotifyDue tells the coordinators about every record whose retention has
// ended (not permanent, not held), once per record and coordinator however
// often it runs; it returns the number of new notifications.
func (s *RecordStore) NotifyDue(ctx context.Context, now time.Time, subject func(title string) qms.Msg) (int, error) {
	const q = `SELECT id, unit, title FROM records
		WHERE status = 'active' AND NOT permanent AND NOT held AND retain_until <= $1 ORDER BY retain_until LIMIT 1000`
	n := 0
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var due []struct {
			ID    string `db:"id"`
			Unit  string `db:"unit"`
			Title string `db:"title"`
		}
		if err := tx.SelectContext(ctx, &due, q, now); err != nil {
			return err
		}
		for _, r := range due {
			users, err := UsersWithRole(ctx, tx, "coordinator", r.Unit)
			if err != nil {
				return err
			}
			for _, u := range users {
				added, err := Notify(ctx, tx, u, "record_due", subject(r.Title), "/records/"+r.ID, "record-due:"+r.ID)
				if err != nil {
					return err
				}
				if added {
					n++
				}
			}
		}
		return nil
	})
	return n, err
}

// recordLinkChecks find a linked object by id (NCs and audits also by
// number) and return its id. Links to capabilities whose tables this
// database lacks are not checked.
var recordLinkChecks = []struct {
	field, table, q string
	ref             func(*record.Links) *string
}{
	{"link_revision", "revisions", `SELECT id::text FROM revisions WHERE id::text = $1`, func(l *record.Links) *string { return &l.Revision }},
	{"link_nc", "ncs", `SELECT id::text FROM ncs WHERE id::text = $1 OR number = $1`, func(l *record.Links) *string { return &l.NC }},
	{"link_action", "nc_actions", `SELECT id::text FROM nc_actions WHERE id::text = $1`, func(l *record.Links) *string { return &l.Action }},
	{"link_audit", "audits", `SELECT id::text FROM audits WHERE id::text = $1 OR number = $1`, func(l *record.Links) *string { return &l.Audit }},
}

// ResolveLinks returns the links naming each object by id, and the link
// fields naming objects that do not exist.
func (s *RecordStore) ResolveLinks(ctx context.Context, l record.Links) (record.Links, []string, error) {
	out, missing, err := resolveRecordLinks(ctx, s.db, l)
	return out, missing, translate(err)
}

func resolveRecordLinks(ctx context.Context, q sqlx.QueryerContext, l record.Links) (record.Links, []string, error) {
	var missing []string
	for _, c := range recordLinkChecks {
		v := c.ref(&l)
		if *v == "" {
			continue
		}
		var exists bool
		if err := sqlx.GetContext(ctx, q, &exists, `SELECT to_regclass($1) IS NOT NULL`, c.table); err != nil {
			return l, nil, err
		}
		if !exists {
			continue
		}
		var id string
		err := sqlx.GetContext(ctx, q, &id, c.q, *v)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			missing = append(missing, c.field)
		case err != nil:
			return l, nil, err
		default:
			*v = id
		}
	}
	return l, missing, nil
}
