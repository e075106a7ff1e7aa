package postgres

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// ScopeStore implements leadership.ScopeStore: the QMS scope's versions,
// the conformity announcements and the conversion checklist's state.
type ScopeStore struct{ db *sqlx.DB }

// NewScopeStore returns a ScopeStore on db.
func NewScopeStore(db *sqlx.DB) *ScopeStore { return &ScopeStore{db: db} }

var _ leadership.ScopeStore = (*ScopeStore)(nil)

type scopeRow struct {
	Version        int            `db:"version"`
	Services       pq.StringArray `db:"services"`
	Units          pq.StringArray `db:"units"`
	Exclusions     []byte         `db:"exclusions"`
	Standard       string         `db:"standard"`
	DecisionNumber string         `db:"decision_number"`
	DecisionDate   *time.Time     `db:"decision_date"`
	DecisionSigner string         `db:"decision_signer"`
	RecordUnit     string         `db:"record_unit"`
	ChangedLogin   string         `db:"changed_login"`
	ChangedAt      time.Time      `db:"changed_at"`
}

func (r scopeRow) out() (leadership.Scope, error) {
	s := leadership.Scope{Version: r.Version, Services: r.Services, Units: r.Units, Standard: r.Standard,
		DecisionNumber: r.DecisionNumber, DecisionSigner: r.DecisionSigner, RecordUnit: r.RecordUnit, ChangedBy: r.ChangedLogin}
	at := r.ChangedAt.UTC()
	s.ChangedAt = &at
	if r.DecisionDate != nil {
		s.DecisionDate = qms.DateFromTime(*r.DecisionDate)
	}
	if err := json.Unmarshal(r.Exclusions, &s.Exclusions); err != nil {
		return s, err
	}
	return s, nil
}

const scopeCols = `version, services, units, exclusions, standard, decision_number, decision_date, decision_signer, record_unit,
	changed_login, changed_at`

// Scope returns the current version of the scope.
func (s *ScopeStore) Scope(ctx context.Context) (leadership.Scope, error) {
	return currentScope(ctx, s.db)
}

func currentScope(ctx context.Context, q sqlx.QueryerContext) (leadership.Scope, error) {
	var r scopeRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+scopeCols+` FROM qms_scope_versions ORDER BY version DESC LIMIT 1`)
	if err != nil {
		if qms.KindOf(notFound(err, "no scope")) == qms.ErrNotFound {
			return leadership.Scope{Services: []string{}, Units: []string{}, Exclusions: []leadership.Exclusion{},
				Standard: leadership.StandardDefault}, nil
		}
		return leadership.Scope{}, translate(err)
	}
	return r.out()
}

// lockScope takes the scope's lock for the rest of tx: changes of the
// scope and drafts and signatures of the announcement are serialised.
func lockScope(ctx context.Context, tx *sqlx.Tx) error {
	_, err := tx.ExecContext(ctx, `LOCK TABLE qms_scope_versions IN SHARE ROW EXCLUSIVE MODE`)
	return translate(err)
}

// Names returns the names of those of codes that exist as kind.
func (s *ScopeStore) Names(ctx context.Context, kind string, codes []string) (map[string]qms.Text, error) {
	out := map[string]qms.Text{}
	if len(codes) == 0 {
		return out, nil
	}
	var q string
	args := []any{pq.Array(codes)}
	switch kind {
	case leadership.KindService:
		q = `SELECT code, name_vi, name_en FROM services WHERE code = ANY($1)`
	case leadership.KindUnit:
		q = `SELECT code, name_vi, name_en FROM units WHERE code = ANY($1)`
	case leadership.KindClause:
		q = `SELECT clause, title_vi, title_en FROM audit_clauses WHERE clause = ANY($1)`
	case leadership.KindDocument:
		// By code, whatever its case (code_key is the upper-cased code).
		keys := make([]string, 0, len(codes))
		for _, c := range codes {
			keys = append(keys, strings.ToUpper(c))
		}
		q, args = `SELECT code_key, code || ' ' || title, code || ' ' || title FROM documents WHERE code_key = ANY($1)`, []any{pq.Array(keys)}
	case leadership.KindRecord:
		var ids []string
		for _, c := range codes {
			if qms.ValidID(c) {
				ids = append(ids, c)
			}
		}
		if len(ids) == 0 {
			return out, nil
		}
		q, args = `SELECT id::text, title, title FROM records WHERE id = ANY($1::uuid[])`, []any{pq.Array(ids)}
	default:
		return nil, qms.Errorf(qms.ErrInvalid, "unknown kind %s", kind)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	found := map[string]qms.Text{}
	for rows.Next() {
		var code string
		var t qms.Text
		if err := rows.Scan(&code, &t.VI, &t.EN); err != nil {
			return nil, translate(err)
		}
		found[code] = t
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	for _, c := range codes {
		key := c
		if kind == leadership.KindDocument {
			key = strings.ToUpper(c)
		}
		if t, ok := found[key]; ok {
			out[c] = t
		}
	}
	return out, nil
}

// SaveScope writes the version after base and outdates the effective
// announcement when outdate says so, in one transaction.
func (s *ScopeStore) SaveScope(ctx context.Context, base int, sc leadership.Scope, ev trail.Event,
	outdate func(eff leadership.Announcement) ([]string, []string, *trail.Event)) (leadership.Scope, error) {
	excl, err := json.Marshal(sc.Exclusions)
	if err != nil {
		return sc, err
	}
	var out leadership.Scope
	err = InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := lockScope(ctx, tx); err != nil {
			return err
		}
		cur, err := currentScope(ctx, tx)
		if err != nil {
			return err
		}
		if cur.Version != base {
			return qms.Errorf(qms.ErrConflict, "the scope was changed meanwhile (it is at version %d); reload it and make your change again", cur.Version)
		}
		var actorID any
		if a, ok := qms.ActorFrom(ctx); ok && a.UserID != "" {
			actorID = a.UserID
		}
		var r scopeRow
		const q = `INSERT INTO qms_scope_versions (version, services, units, exclusions, standard, decision_number, decision_date,
				decision_signer, record_unit, changed_by, changed_login)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ` + scopeCols
		var day any
		if !sc.DecisionDate.IsZero() {
			day = sc.DecisionDate.String()
		}
		if err := tx.QueryRowxContext(ctx, q, base+1, pq.Array(sc.Services), pq.Array(sc.Units), excl, sc.Standard, sc.DecisionNumber,
			day, sc.DecisionSigner, sc.RecordUnit, actorID, sc.ChangedBy).StructScan(&r); err != nil {
			return translate(err)
		}
		if out, err = r.out(); err != nil {
			return err
		}
		ev.Details["version"] = out.Version
		if _, err := AppendTrail(ctx, tx, ev); err != nil {
			return err
		}
		effs, err := announcements(ctx, tx, `WHERE state = 'effective' FOR UPDATE`)
		if err != nil || len(effs) == 0 {
			return err
		}
		added, removed, oev := outdate(effs[0])
		if oev == nil {
			return nil
		}
		const upd = `UPDATE qms_announcements SET state = 'outdated', outdated_at = now(), outdated_added = $2, outdated_removed = $3
			WHERE id = $1`
		if _, err := tx.ExecContext(ctx, upd, effs[0].ID, pq.Array(nonNil(added)), pq.Array(nonNil(removed))); err != nil {
			return translate(err)
		}
		_, err = AppendTrail(ctx, tx, *oev)
		return err
	})
	return out, err
}

type announcementRow struct {
	ID           string         `db:"id"`
	ScopeVersion int            `db:"scope_version"`
	State        string         `db:"state"`
	Place        string         `db:"place"`
	Day          time.Time      `db:"announced_on"`
	Content      []byte         `db:"content"`
	Key          *string        `db:"pdf_key"`
	Version      *string        `db:"pdf_version"`
	Size         *int64         `db:"pdf_size"`
	SHA          *string        `db:"pdf_sha256"`
	RecordID     *string        `db:"record_id"`
	SignatureID  *string        `db:"signature_id"`
	SignedLogin  string         `db:"signed_login"`
	SignedName   string         `db:"signed_name"`
	SignedAt     *time.Time     `db:"signed_at"`
	OutdatedAt   *time.Time     `db:"outdated_at"`
	Added        pq.StringArray `db:"outdated_added"`
	Removed      pq.StringArray `db:"outdated_removed"`
	CreatedLogin string         `db:"created_login"`
	CreatedAt    time.Time      `db:"created_at"`
}

const announcementCols = `id, scope_version, state, place, announced_on, content, pdf_key, pdf_version, pdf_size, pdf_sha256,
	record_id, signature_id, signed_login, signed_name, signed_at, outdated_at, outdated_added, outdated_removed, created_login, created_at`

func (r announcementRow) out() (leadership.Announcement, error) {
	a := leadership.Announcement{ID: r.ID, ScopeVersion: r.ScopeVersion, State: r.State, Place: r.Place, Date: qms.DateFromTime(r.Day),
		RecordID: deref(r.RecordID), SignatureID: deref(r.SignatureID), SignedBy: r.SignedLogin, SignerName: r.SignedName,
		Added: r.Added, Removed: r.Removed, CreatedBy: r.CreatedLogin, CreatedAt: r.CreatedAt.UTC()}
	if r.Key != nil {
		a.PDF = &qms.StoredObject{Key: *r.Key, VersionID: deref(r.Version), Size: *r.Size, SHA256: deref(r.SHA), MediaType: "application/pdf"}
	}
	if r.SignedAt != nil {
		t := r.SignedAt.UTC()
		a.SignedAt = &t
	}
	if r.OutdatedAt != nil {
		t := r.OutdatedAt.UTC()
		a.OutdatedAt = &t
	}
	return a, json.Unmarshal(r.Content, &a.Content)
}

func announcements(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) ([]leadership.Announcement, error) {
	var rows []announcementRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT `+announcementCols+` FROM qms_announcements `+where, args...); err != nil {
		return nil, translate(err)
	}
	out := make([]leadership.Announcement, 0, len(rows))
	for _, r := range rows {
		a, err := r.out()
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Announcements lists the latest announcements, newest first.
func (s *ScopeStore) Announcements(ctx context.Context, limit int) ([]leadership.Announcement, error) {
	return announcements(ctx, s.db, `ORDER BY created_at DESC, id LIMIT $1`, limit)
}

// Announcement returns one announcement.
func (s *ScopeStore) Announcement(ctx context.Context, id string) (leadership.Announcement, error) {
	if !qms.ValidID(id) {
		return leadership.Announcement{}, qms.Errorf(qms.ErrNotFound, "no announcement %s", id)
	}
	list, err := announcements(ctx, s.db, `WHERE id = $1`, id)
	if err != nil {
		return leadership.Announcement{}, err
	}
	if len(list) == 0 {
		return leadership.Announcement{}, qms.Errorf(qms.ErrNotFound, "no announcement %s", id)
	}
	return list[0], nil
}

// DraftAnnouncement discards the previous draft and stores a.
func (s *ScopeStore) DraftAnnouncement(ctx context.Context, a leadership.Announcement, ev trail.Event) (leadership.Announcement, error) {
	content, err := json.Marshal(a.Content)
	if err != nil {
		return a, err
	}
	var actorID any
	if ac, ok := qms.ActorFrom(ctx); ok && ac.UserID != "" {
		actorID = ac.UserID
	}
	err = InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := lockScope(ctx, tx); err != nil {
			return err
		}
		cur, err := currentScope(ctx, tx)
		if err != nil {
			return err
		}
		if cur.Version != a.ScopeVersion {
			return qms.Errorf(qms.ErrConflict, "the scope was changed meanwhile (it is at version %d); reload it and make your change again", cur.Version)
		}
		var old []string
		if err := tx.SelectContext(ctx, &old, `UPDATE qms_announcements SET state = 'discarded' WHERE state = 'draft' RETURNING id`); err != nil {
			return translate(err)
		}
		const q = `INSERT INTO qms_announcements (scope_version, state, place, announced_on, content, created_by, created_login)
			VALUES ($1, 'draft', $2, $3, $4, $5, $6) RETURNING id, created_at`
		if err := tx.QueryRowxContext(ctx, q, a.ScopeVersion, a.Place, a.Date.String(), content, actorID, a.CreatedBy).
			Scan(&a.ID, &a.CreatedAt); err != nil {
			return translate(err)
		}
		a.CreatedAt = a.CreatedAt.UTC()
		ev.ObjectID = a.ID
		if len(old) > 0 {
			ev.Details["discarded"] = old
		}
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
	return a, err
}

// SignAnnouncement makes the draft id the effective announcement, signed.
func (s *ScopeStore) SignAnnouncement(ctx context.Context, id string, check func(leadership.Announcement, int) error,
	signed leadership.SignedAnnouncement, ev trail.Event) (leadership.Announcement, error) {
	var out leadership.Announcement
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := lockScope(ctx, tx); err != nil {
			return err
		}
		list, err := announcements(ctx, tx, `WHERE id = $1 FOR UPDATE`, id)
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return qms.Errorf(qms.ErrNotFound, "no announcement %s", id)
		}
		cur, err := currentScope(ctx, tx)
		if err != nil {
			return err
		}
		if err := check(list[0], cur.Version); err != nil {
			return err
		}
		sig, err := InsertSignature(ctx, tx, signed.Signature)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE qms_announcements SET state = 'superseded' WHERE state = 'effective'`); err != nil {
			return translate(err)
		}
		var rec any
		if signed.RecordID != "" {
			rec = signed.RecordID
		}
		const q = `UPDATE qms_announcements SET state = 'effective', pdf_key = $2, pdf_version = $3, pdf_size = $4, pdf_sha256 = $5,
				record_id = $6, signature_id = $7, signed_login = $8, signed_name = $9, signed_at = $10
			WHERE id = $1`
		if _, err := tx.ExecContext(ctx, q, id, signed.PDF.Key, signed.PDF.VersionID, signed.PDF.Size, sig.SHA256s[0], rec, sig.ID,
			sig.Login, sig.Name, sig.SignedAt); err != nil {
			return translate(err)
		}
		ev.Details["signature"] = sig.ID
		if _, err := AppendTrail(ctx, tx, ev); err != nil {
			return err
		}
		list, err = announcements(ctx, tx, `WHERE id = $1`, id)
		if err != nil {
			return err
		}
		out = list[0]
		return nil
	})
	return out, err
}

type conversionRow struct {
	Code         string    `db:"code"`
	Done         bool      `db:"done"`
	Note         string    `db:"note"`
	Evidence     []byte    `db:"evidence"`
	Version      int       `db:"version"`
	UpdatedLogin string    `db:"updated_login"`
	UpdatedAt    time.Time `db:"updated_at"`
}

func (r conversionRow) out() (leadership.ConversionItem, error) {
	at := r.UpdatedAt.UTC()
	c := leadership.ConversionItem{Done: r.Done, Note: r.Note, Version: r.Version, UpdatedBy: r.UpdatedLogin, UpdatedAt: &at}
	c.Code = r.Code
	return c, json.Unmarshal(r.Evidence, &c.Evidence)
}

// ConversionState returns the saved state of the checklist's items.
func (s *ScopeStore) ConversionState(ctx context.Context) (map[string]leadership.ConversionItem, error) {
	var rows []conversionRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT code, done, note, evidence, version, updated_login, updated_at FROM conversion_items`); err != nil {
		return nil, translate(err)
	}
	out := map[string]leadership.ConversionItem{}
	for _, r := range rows {
		c, err := r.out()
		if err != nil {
			return nil, err
		}
		out[r.Code] = c
	}
	return out, nil
}

// SaveConversion writes every item at its version or none.
func (s *ScopeStore) SaveConversion(ctx context.Context, items []leadership.ConversionItem, ev trail.Event) ([]leadership.ConversionItem, error) {
	var actorID any
	if a, ok := qms.ActorFrom(ctx); ok && a.UserID != "" {
		actorID = a.UserID
	}
	out := make([]leadership.ConversionItem, 0, len(items))
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		for _, it := range items {
			evidence, err := json.Marshal(it.Evidence)
			if err != nil {
				return err
			}
			var r conversionRow
			const ret = ` RETURNING code, done, note, evidence, version, updated_login, updated_at`
			if it.Version == 0 {
				err = tx.QueryRowxContext(ctx, `INSERT INTO conversion_items (code, done, note, evidence, updated_by, updated_login)
					VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (code) DO NOTHING`+ret,
					it.Code, it.Done, it.Note, evidence, actorID, it.UpdatedBy).StructScan(&r)
			} else {
				err = tx.QueryRowxContext(ctx, `UPDATE conversion_items SET done = $2, note = $3, evidence = $4, updated_by = $5,
					updated_login = $6, updated_at = now(), version = version + 1 WHERE code = $1 AND version = $7`+ret,
					it.Code, it.Done, it.Note, evidence, actorID, it.UpdatedBy, it.Version).StructScan(&r)
			}
			if err != nil {
				if qms.KindOf(notFound(err, "")) == qms.ErrNotFound {
					return qms.Errorf(qms.ErrConflict, "item %s was changed meanwhile; reload the checklist", it.Code)
				}
				return translate(err)
			}
			c, err := r.out()
			if err != nil {
				return err
			}
			c.ChecklistItem = it.ChecklistItem
			out = append(out, c)
		}
		ev.Details["count"] = len(items)
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	return out, err
}
