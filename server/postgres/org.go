package postgres

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/org"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// notifyPolicy tells every instance, when tx commits, to reload the policy.
func notifyPolicy(ctx context.Context, tx *sqlx.Tx, reason string) error {
	return authz.Notify(ctx, tx, reason)
}

// OrgStore implements org.Store.
type OrgStore struct{ db *sqlx.DB }

var _ org.Store = (*OrgStore)(nil)

// NewOrgStore returns an OrgStore on db.
func NewOrgStore(db *sqlx.DB) *OrgStore { return &OrgStore{db: db} }

// CreateUnit inserts a unit.
func (s *OrgStore) CreateUnit(ctx context.Context, u org.Unit, ev trail.Event) (org.Unit, error) {
	const q = `INSERT INTO units (code, name_vi, name_en, parent) VALUES ($1, $2, $3, NULLIF($4, ''))
		RETURNING code, name_vi, name_en, COALESCE(parent, '') AS parent`
	var out org.Unit
	err := InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &out, q, u.Code, u.NameVI, u.NameEN, u.Parent); err != nil {
			if qms.KindOf(translate(err)) == qms.ErrConflict {
				return qms.Errorf(qms.ErrConflict, "a unit with code %q exists", u.Code)
			}
			if qms.KindOf(translate(err)) == qms.ErrInvalid {
				return qms.Errorf(qms.ErrInvalid, "the parent unit %q does not exist", u.Parent)
			}
			return err
		}
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
	return out, err
}

// Units lists every unit.
func (s *OrgStore) Units(ctx context.Context) ([]org.Unit, error) {
	out := []org.Unit{}
	err := s.db.SelectContext(ctx, &out, `SELECT code, name_vi, name_en, COALESCE(parent, '') AS parent FROM units ORDER BY code`)
	return out, translate(err)
}

// Unit returns one unit.
func (s *OrgStore) Unit(ctx context.Context, code string) (org.Unit, error) {
	var u org.Unit
	err := s.db.GetContext(ctx, &u, `SELECT code, name_vi, name_en, COALESCE(parent, '') AS parent FROM units WHERE code = $1`, code)
	if err != nil {
		return u, notFound(err, "no unit %q", code)
	}
	return u, nil
}

// Assign adds a role assignment and broadcasts the policy change.
func (s *OrgStore) Assign(ctx context.Context, a org.Assignment, ev trail.Event) error {
	const q = `INSERT INTO role_assignments (user_id, role, unit) VALUES ($1, $2, $3)`
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, q, a.UserID, a.Role, a.Unit); err != nil {
			if qms.KindOf(translate(err)) == qms.ErrConflict {
				return qms.Errorf(qms.ErrConflict, "the user already holds %s in %s", a.Role, a.Unit)
			}
			return err
		}
		if err := notifyPolicy(ctx, tx, authz.ReasonAssign+" "+a.UserID); err != nil {
			return err
		}
		_, err := AppendTrail(ctx, tx, ev)
		return err
	})
}

// Unassign removes a role assignment and broadcasts the policy change.
func (s *OrgStore) Unassign(ctx context.Context, a org.Assignment, ev trail.Event) error {
	const q = `DELETE FROM role_assignments WHERE user_id = $1 AND role = $2 AND unit = $3`
	return InTx(ctx, s.db, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, q, a.UserID, a.Role, a.Unit)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return qms.Errorf(qms.ErrNotFound, "the user does not hold %s in %s", a.Role, a.Unit)
		}
		if err := notifyPolicy(ctx, tx, authz.ReasonUnassign+" "+a.UserID); err != nil {
			return err
		}
		_, err = AppendTrail(ctx, tx, ev)
		return err
	})
}

// Assignments lists role assignments, of one user when userID is not empty.
// One user's are read by the primary key of role_assignments (user_id
// first) and the users' key: no comparison on a cast of the column, which
// no index serves (issue 15: /me read both tables whole).
func (s *OrgStore) Assignments(ctx context.Context, userID string) ([]org.Assignment, error) {
	out := []org.Assignment{}
	if userID == "" {
		err := s.db.SelectContext(ctx, &out, qAssignmentsAll)
		return out, translate(err)
	}
	if !isUUID(userID) {
		return out, nil // no user has that id
	}
	err := s.db.SelectContext(ctx, &out, qAssignmentsOfUser, userID)
	return out, translate(err)
}

const qAssignmentsAll = `SELECT ra.user_id, u.login, ra.role, ra.unit FROM role_assignments ra JOIN users u ON u.id = ra.user_id
	ORDER BY u.login, ra.role, ra.unit`

const qAssignmentsOfUser = `SELECT ra.user_id, u.login, ra.role, ra.unit FROM role_assignments ra JOIN users u ON u.id = ra.user_id
	WHERE ra.user_id = $1 ORDER BY ra.role, ra.unit`
