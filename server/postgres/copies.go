package postgres

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// CopyStore implements document.CopyStore: the log of controlled copies,
// the revision table of a printed copy and the public check of a revision.
type CopyStore struct{ db *sqlx.DB }

// NewCopyStore returns a CopyStore on db.
func NewCopyStore(db *sqlx.DB) *CopyStore { return &CopyStore{db: db} }

var _ document.CopyStore = (*CopyStore)(nil)

const copySelect = `SELECT c.id, c.revision_id, c.document_id, d.code, d.title, d.unit AS doc_unit, r.issue, r.status AS rev_status,
		c.no, c.unit, c.holder, c.issued_by, u.name AS issued_by_name, c.issued_at, c.withdrawn_at, w.name AS withdrawn_by
	FROM controlled_copies c
	JOIN revisions r ON r.id = c.revision_id
	JOIN documents d ON d.id = c.document_id
	JOIN users u ON u.id = c.issued_by
	LEFT JOIN users w ON w.id = c.withdrawn_by`

// IssueCopy numbers the copy after the revision's last one, under the
// revision's row lock, so two copies issued at once get two numbers; the
// revision must still be in force when the lock is held.
func (s *CopyStore) IssueCopy(ctx context.Context, c document.Copy, ev trail.Event) (document.Copy, error) {
	const qLock = `SELECT status FROM revisions WHERE id = $1 FOR UPDATE`
	const qIns = `INSERT INTO controlled_copies (revision_id, document_id, no, unit, holder, issued_by)
		SELECT $1, $2, coalesce(max(no), 0) + 1, $3, $4, $5 FROM controlled_copies WHERE revision_id = $1
		RETURNING id, no`
	var out struct {
		ID string `db:"id"`
		No int    `db:"no"`
	}
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var st string
		if err := tx.GetContext(ctx, &st, qLock, c.RevisionID); err != nil {
			return notFound(err, "revision not found")
		}
		if st != document.StatusEffective {
			return document.ErrNotInForce
		}
		if err := tx.GetContext(ctx, &out, qIns, c.RevisionID, c.DocumentID, c.Unit, c.Holder, c.IssuedBy); err != nil {
			return err
		}
		ev.ObjectID = out.ID
		ev.Details["no"] = out.No
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	if err != nil {
		return document.Copy{}, err
	}
	return s.Copy(ctx, out.ID)
}

// WithdrawCopy marks a copy withdrawn under its row lock.
func (s *CopyStore) WithdrawCopy(ctx context.Context, id, userID string, decide func(document.Copy) error, ev func(document.Copy) trail.Event) (document.Copy, error) {
	if !isUUID(id) {
		return document.Copy{}, document.ErrNoCopy
	}
	const qUpd = `UPDATE controlled_copies SET withdrawn_at = now(), withdrawn_by = $2 WHERE id = $1`
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var c document.Copy
		if err := tx.GetContext(ctx, &c, copySelect+` WHERE c.id = $1 FOR UPDATE OF c`, id); err != nil {
			return notFound(err, "controlled copy not found")
		}
		if err := decide(c); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, qUpd, id, userID); err != nil {
			return err
		}
		_, err := AppendTrail(ctx, tx, ev(c))
		return err
	})
	if err != nil {
		return document.Copy{}, err
	}
	return s.Copy(ctx, id)
}

// Copy returns one copy.
func (s *CopyStore) Copy(ctx context.Context, id string) (document.Copy, error) {
	if !isUUID(id) {
		return document.Copy{}, document.ErrNoCopy
	}
	var c document.Copy
	if err := s.db.GetContext(ctx, &c, copySelect+` WHERE c.id = $1`, id); err != nil {
		return document.Copy{}, notFound(err, "controlled copy not found")
	}
	return c, nil
}

// Copies lists the copies of a revision by number.
func (s *CopyStore) Copies(ctx context.Context, revID string) ([]document.Copy, error) {
	out := []document.Copy{}
	if !isUUID(revID) {
		return out, nil
	}
	if err := s.db.SelectContext(ctx, &out, copySelect+` WHERE c.revision_id = $1 ORDER BY c.no`, revID); err != nil {
		return nil, translate(err)
	}
	return out, nil
}

// Outstanding lists the copies still out of revisions no longer in force.
func (s *CopyStore) Outstanding(ctx context.Context, scope qms.Scope) ([]document.Copy, error) {
	out := []document.Copy{}
	const where = ` WHERE c.withdrawn_at IS NULL AND r.status <> 'effective' AND ($1::text[] IS NULL OR d.unit = ANY($1))
		ORDER BY d.code, r.issue, c.no LIMIT 1000`
	if err := s.db.SelectContext(ctx, &out, copySelect+where, scopeArg(scope)); err != nil {
		return nil, translate(err)
	}
	return out, nil
}

// History lists the issues of a document that have been in force, oldest
// first: a revision published for a later date is not in the table yet.
func (s *CopyStore) History(ctx context.Context, docID string) ([]document.HistoryLine, error) {
	out := []document.HistoryLine{}
	const q = `SELECT issue, effective_at, change FROM revisions
		WHERE document_id = $1 AND effective_at IS NOT NULL AND status IN ('effective', 'superseded', 'obsolete')
		ORDER BY issue`
	if err := s.db.SelectContext(ctx, &out, q, docID); err != nil {
		return nil, translate(err)
	}
	return out, nil
}

// Check reads a revision that has been in force, with the one that
// superseded it (the next issue that has been in force) and, when its
// document was withdrawn, when.
func (s *CopyStore) Check(ctx context.Context, revID string) (document.Check, error) {
	if !isUUID(revID) {
		return document.Check{}, document.ErrNoRevision
	}
	const q = `SELECT r.id AS revision_id, d.code, d.title, r.issue, r.status AS rev_status, r.effective_at, r.superseded_at,
			n.issue AS by_issue, n.id::text AS by_id, d.withdrawn_at
		FROM revisions r JOIN documents d ON d.id = r.document_id
		LEFT JOIN LATERAL (SELECT id, issue FROM revisions x WHERE x.document_id = r.document_id AND x.issue > r.issue
			AND x.status IN ('effective', 'superseded', 'obsolete') AND x.effective_at IS NOT NULL ORDER BY x.issue LIMIT 1) n
			ON r.status = 'superseded'
		WHERE r.id = $1 AND r.effective_at IS NOT NULL AND r.status IN ('effective', 'superseded', 'obsolete')
			AND (r.status <> 'obsolete' OR r.superseded_at IS NOT NULL OR d.withdrawn_at IS NOT NULL)`
	var c document.Check
	if err := s.db.GetContext(ctx, &c, q, revID); err != nil {
		return document.Check{}, notFound(err, "revision not found")
	}
	return c, nil
}
