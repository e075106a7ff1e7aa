package testenv

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
)

// Org is an organisation seeded by SeedOrg.
type Org struct {
	Units []string      // unit codes
	Users []string      // user ids
	Roles [][][2]string // Roles[i]: the (role, unit) pairs of Users[i]
	Home  []string      // Home[i]: the unit of Users[i]'s first role
}

// OrgUserID is the id SeedOrg gives its i-th user.
func OrgUserID(i int) string { return fmt.Sprintf("00000000-0000-4000-8000-%012d", i) }

// SeedOrg inserts, with COPY, units units, users active users and
// assignments role assignments (at least users, at most twice as many), and
// analyses the tables. Every user holds a role in their own unit (user i in
// unit i mod units: the first user of each unit is its head, one in ten an
// author, the others staff); the assignments beyond one per user are spread
// evenly over the users: a second unit (staff in the next unit, one in
// twenty an auditor there) or, one in fifty, coordinator in every unit ("*").
func SeedOrg(tb testing.TB, db *sqlx.DB, units, users, assignments int) Org {
	tb.Helper()
	if assignments < users || assignments > 2*users || units < 2 {
		tb.Fatalf("SeedOrg: want units >= 2 and users <= assignments <= 2*users, got %d, %d, %d", units, users, assignments)
	}
	o := Org{Units: make([]string, units), Users: make([]string, users), Roles: make([][][2]string, users), Home: make([]string, users)}
	for i := range o.Units {
		o.Units[i] = fmt.Sprintf("unit-%03d", i)
	}
	for i := range o.Users {
		o.Users[i] = OrgUserID(i)
		home := o.Units[i%units]
		role := "staff"
		switch {
		case i < units:
			role = "head"
		case i%10 == 1:
			role = "author"
		}
		o.Home[i] = home
		o.Roles[i] = [][2]string{{role, home}}
	}
	extra := assignments - users
	for j := 0; j < extra; j++ {
		i := j * users / extra
		next := o.Units[(i+1)%units]
		pair := [2]string{"staff", next}
		switch {
		case j%50 == 0:
			pair = [2]string{"coordinator", "*"}
		case j%20 == 0:
			pair = [2]string{"auditor", next}
		}
		o.Roles[i] = append(o.Roles[i], pair)
	}
	ctx := context.Background()
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	copyRows := func(table string, cols []string, n int, row func(i int) []any) {
		// lib/pq runs a prepared "COPY ... FROM STDIN" as the copy protocol.
		stmt, err := tx.PrepareContext(ctx, "COPY "+table+" ("+strings.Join(cols, ", ")+") FROM STDIN")
		if err != nil {
			tb.Fatal(err)
		}
		for i := 0; i < n; i++ {
			if _, err := stmt.ExecContext(ctx, row(i)...); err != nil {
				tb.Fatal(err)
			}
		}
		if _, err := stmt.ExecContext(ctx); err != nil {
			tb.Fatal(err)
		}
		if err := stmt.Close(); err != nil {
			tb.Fatal(err)
		}
	}
	copyRows("units", []string{"code", "name_vi", "name_en"}, units, func(i int) []any {
		return []any{o.Units[i], "Phòng " + o.Units[i], "Unit " + o.Units[i]}
	})
	copyRows("users", []string{"id", "login", "name", "password_hash"}, users, func(i int) []any {
		return []any{o.Users[i], fmt.Sprintf("user%05d", i), fmt.Sprintf("Cán bộ %d", i), "x"}
	})
	type ra struct{ user, role, unit string }
	var all []ra
	for i, rs := range o.Roles {
		for _, r := range rs {
			all = append(all, ra{o.Users[i], r[0], r[1]})
		}
	}
	copyRows("role_assignments", []string{"user_id", "role", "unit"}, len(all), func(i int) []any {
		return []any{all[i].user, all[i].role, all[i].unit}
	})
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE units, users, role_assignments`); err != nil {
		tb.Fatal(err)
	}
	return o
}
