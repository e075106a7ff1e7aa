package authz

import (
	"context"
	"errors"
	"fmt"

	"github.com/casbin/casbin/v2/model"
	"github.com/casbin/casbin/v2/persist"
	"github.com/jmoiron/sqlx"
)

// Adapter is a Casbin adapter over sqlx: p rules are the embedded baseline,
// g rules (user, role, unit) are the rows of role_assignments.
type Adapter struct {
	db       *sqlx.DB
	baseline [][]string
}

var _ persist.Adapter = (*Adapter)(nil)

// NewAdapter returns an adapter reading role assignments from db.
func NewAdapter(db *sqlx.DB, baseline [][]string) *Adapter {
	return &Adapter{db: db, baseline: baseline}
}

// LoadPolicy loads the baseline and every role assignment.
func (a *Adapter) LoadPolicy(m model.Model) error {
	for _, r := range a.baseline {
		if err := persist.LoadPolicyArray(append([]string{"p"}, r...), m); err != nil {
			return err
		}
	}
	const q = `SELECT ra.user_id::text, ra.role, ra.unit FROM role_assignments ra
		JOIN users u ON u.id = ra.user_id WHERE u.status = 'active' ORDER BY 1, 2, 3`
	rows, err := a.db.QueryContext(context.Background(), q)
	if err != nil {
		return fmt.Errorf("load role assignments: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var user, role, unit string
		if err := rows.Scan(&user, &role, &unit); err != nil {
			return err
		}
		if err := persist.LoadPolicyArray([]string{"g", user, role, unit}, m); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SavePolicy is refused: the baseline is a file in the binary and assignments
// are written one by one with their trail entry.
func (a *Adapter) SavePolicy(model.Model) error {
	return errors.New("authz: SavePolicy is not supported; change role assignments one at a time")
}

// AddPolicy stores a role assignment (g rules only).
func (a *Adapter) AddPolicy(sec, ptype string, rule []string) error {
	if sec != "g" || len(rule) != 3 {
		return errors.New("authz: only role assignments (g, user, role, unit) can be added")
	}
	const q = `INSERT INTO role_assignments (user_id, role, unit) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`
	_, err := a.db.Exec(q, rule[0], rule[1], rule[2])
	return err
}

// RemovePolicy deletes a role assignment (g rules only).
func (a *Adapter) RemovePolicy(sec, ptype string, rule []string) error {
	if sec != "g" || len(rule) != 3 {
		return errors.New("authz: only role assignments (g, user, role, unit) can be removed")
	}
	const q = `DELETE FROM role_assignments WHERE user_id = $1 AND role = $2 AND unit = $3`
	_, err := a.db.Exec(q, rule[0], rule[1], rule[2])
	return err
}

// RemoveFilteredPolicy deletes the role assignments of a user (field 0),
// optionally of one role (field 1) and unit (field 2).
func (a *Adapter) RemoveFilteredPolicy(sec, ptype string, fieldIndex int, fieldValues ...string) error {
	if sec != "g" || fieldIndex != 0 || len(fieldValues) == 0 || len(fieldValues) > 3 {
		return errors.New("authz: only role assignments filtered by user can be removed")
	}
	v := append(fieldValues, "", "")[:3]
	const q = `DELETE FROM role_assignments WHERE user_id = $1 AND ($2 = '' OR role = $2) AND ($3 = '' OR unit = $3)`
	_, err := a.db.Exec(q, v[0], v[1], v[2])
	return err
}
