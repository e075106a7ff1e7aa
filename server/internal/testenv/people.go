package testenv

import (
	"context"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/qms"
)

// People creates the units (code, Vietnamese name, English name) and the
// people (login, role, unit) of a capability test, and returns each person
// as an actor by login.
func People(t testing.TB, db *sqlx.DB, units, people [][3]string) map[string]qms.Actor {
	t.Helper()
	ctx := context.Background()
	for _, u := range units {
		if _, err := db.ExecContext(ctx, `INSERT INTO units (code, name_vi, name_en) VALUES ($1, $2, $3)`, u[0], u[1], u[2]); err != nil {
			t.Fatalf("unit %s: %v", u[0], err)
		}
	}
	out := map[string]qms.Actor{}
	for _, p := range people {
		var id string
		if err := db.GetContext(ctx, &id, `INSERT INTO users (login, name, password_hash) VALUES ($1, $1, 'x') RETURNING id`, p[0]); err != nil {
			t.Fatalf("user %s: %v", p[0], err)
		}
		if _, err := db.ExecContext(ctx, `INSERT INTO role_assignments (user_id, role, unit) VALUES ($1, $2, $3)`, id, p[1], p[2]); err != nil {
			t.Fatalf("role of %s: %v", p[0], err)
		}
		out[p[0]] = qms.Actor{UserID: id, Login: p[0], Name: p[0]}
	}
	return out
}
