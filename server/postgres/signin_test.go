package postgres_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
)

// TestTokenLastUsedAtMostOnceAMinute: a bearer-token request writes the
// token's last_used only when the one stored is a minute old or more (by
// the injected clock): at 59.999999 s the row is not written at all (its
// xmin stays), at 60 s it is.
func TestTokenLastUsedAtMostOnceAMinute(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	u := testenv.AddUser(t, db, "api.user", "staff@*")
	sum := sha256.Sum256([]byte("qms_secret"))
	hash := sum[:]
	if _, err := db.Exec(`INSERT INTO api_tokens (user_id, name, token_hash) VALUES ($1, 'ci', $2)`, u.UserID, hash); err != nil {
		t.Fatal(err)
	}
	var now time.Time
	s := postgres.NewIdentityStore(db).WithTokenClock(func(context.Context) time.Time { return now })
	row := func() (*time.Time, string) {
		t.Helper()
		var last *time.Time
		var xmin string
		if err := db.QueryRow(`SELECT last_used, xmin::text FROM api_tokens WHERE token_hash = $1`, hash).Scan(&last, &xmin); err != nil {
			t.Fatal(err)
		}
		return last, xmin
	}
	use := func(at time.Time) {
		t.Helper()
		now = at
		got, err := s.TokenUser(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != u.UserID || got.Login != "api.user" || got.Status != "active" {
			t.Fatalf("TokenUser = %+v", got)
		}
	}
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 123456000, time.UTC)
	if last, _ := row(); last != nil {
		t.Fatalf("a new token has last_used %v", last)
	}
	use(t0)
	last, x0 := row()
	if last == nil || !last.Equal(t0) {
		t.Fatalf("first use: last_used = %v, want %v", last, t0)
	}
	use(t0.Add(time.Minute - time.Microsecond))
	if last, x := row(); !last.Equal(t0) || x != x0 {
		t.Fatalf("59.999999 s later: last_used = %v (xmin %s -> %s), want %v and no write", last, x0, x, t0)
	}
	use(t0.Add(time.Minute))
	last, x1 := row()
	if !last.Equal(t0.Add(time.Minute)) || x1 == x0 {
		t.Fatalf("60 s later: last_used = %v (xmin %s -> %s), want %v, written", last, x0, x1, t0.Add(time.Minute))
	}
	// An instance whose clock is behind the last writer's writes nothing.
	use(t0.Add(30 * time.Second))
	if last, x := row(); !last.Equal(t0.Add(time.Minute)) || x != x1 {
		t.Fatalf("a clock behind the stored use: last_used = %v, xmin %s -> %s", last, x1, x)
	}

	if _, err := db.Exec(`UPDATE api_tokens SET revoked_at = now() WHERE token_hash = $1`, hash); err != nil {
		t.Fatal(err)
	}
	now = t0.Add(time.Hour)
	if _, err := s.TokenUser(ctx, hash); qms.KindOf(err) != qms.ErrNotFound || qms.Message(err) != "token not found" {
		t.Fatalf("a revoked token: %v (%v), want not found", err, qms.KindOf(err))
	}
	if last, _ := row(); !last.Equal(t0.Add(time.Minute)) {
		t.Fatalf("a revoked token's use was written: %v", last)
	}
}

// signInOrg seeds 10,000 users in 100 units with 14,000 role assignments
// (the office of issue 15), a session and a token per user.
func signInOrg(t testing.TB) (*sqlx.DB, testenv.Org) {
	db := testenv.DB(t)
	o := testenv.SeedOrg(t, db, 100, 10000, 14000)
	const q = `
INSERT INTO sessions (token_hash, user_id, csrf_token, expires_at)
SELECT sha256(u.id::text::bytea), u.id, 'c', now() + interval '1 hour' FROM users u;
INSERT INTO api_tokens (user_id, name, token_hash, created_at)
SELECT u.id, 'ci', sha256(('t' || g || u.id::text)::bytea), now() - (g * interval '1 day') FROM users u, generate_series(1, 2) g;
ANALYZE sessions, api_tokens`
	if _, err := db.Exec(q); err != nil {
		t.Fatal(err)
	}
	return db, o
}

// plan returns the text of the query's plan for args.
func plan(t testing.TB, db *sqlx.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.Query(`EXPLAIN `+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		b.WriteString(line + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestSignInQueriesUseIndexes: at 10,000 users and 14,000 assignments the
// queries of every request (the session, the bearer token) and of /me (the
// user's roles) and the tokens page read by index, never a whole table;
// the old comparison on ra.user_id::text, which no index serves, read
// role_assignments whole.
func TestSignInQueriesUseIndexes(t *testing.T) {
	db, o := signInOrg(t)
	user := o.Users[4242]
	sum := sha256.Sum256([]byte(user))
	tok := sha256.Sum256([]byte("t1" + user))
	for _, c := range []struct {
		name, query string
		args        []any
		indexes     []string
	}{
		{"roles of /me", postgres.QAssignmentsOfUser, []any{user}, []string{"role_assignments_pkey", "users_pkey"}},
		{"session", postgres.QTouchSession, []any{sum[:], time.Now(), 3600.0}, []string{"sessions_pkey", "users_pkey"}},
		{"bearer token", postgres.QTokenUser, []any{tok[:]}, []string{"api_tokens_token_hash_key", "users_pkey"}},
		{"tokens page", postgres.QListTokens, []any{user}, []string{"api_tokens_user"}},
	} {
		p := plan(t, db, c.query, c.args...)
		t.Logf("%s:\n%s", c.name, p)
		if strings.Contains(p, "Seq Scan") {
			t.Errorf("%s reads a whole table:\n%s", c.name, p)
		}
		for _, ix := range c.indexes {
			if !strings.Contains(p, ix) {
				t.Errorf("%s does not use %s:\n%s", c.name, ix, p)
			}
		}
	}
	old := strings.Replace(postgres.QAssignmentsOfUser, "ra.user_id = $1", "ra.user_id::text = $1", 1)
	p := plan(t, db, old, user)
	t.Logf("before, with the cast:\n%s", p)
	if !strings.Contains(p, "Seq Scan on role_assignments") {
		t.Errorf("the cast comparison was expected to read role_assignments whole:\n%s", p)
	}

	// And the store answers from it: the user's roles, by role and unit.
	as, err := postgres.NewOrgStore(db).Assignments(context.Background(), user)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range as {
		if a.UserID != user || a.Login != "user04242" {
			t.Fatalf("assignment of another user: %+v", a)
		}
		got = append(got, a.Role+"@"+a.Unit)
	}
	var want []string
	for _, r := range o.Roles[4242] {
		want = append(want, r[0]+"@"+r[1])
	}
	sort.Strings(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("Assignments = %v, want %v", got, want)
	}
	if as, err := postgres.NewOrgStore(db).Assignments(context.Background(), "not-a-uuid"); err != nil || len(as) != 0 {
		t.Fatalf("Assignments of a malformed id = %v, %v; want none", as, err)
	}
}

// BenchmarkSignInQueries times, at 10,000 users and 14,000 assignments, the
// roles of /me by the primary key beside the old cast comparison, and the
// session and token reads of every request.
func BenchmarkSignInQueries(b *testing.B) {
	db, o := signInOrg(b)
	old := strings.Replace(postgres.QAssignmentsOfUser, "ra.user_id = $1", "ra.user_id::text = $1", 1)
	run := func(name, query string, args func(i int) []any) {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				rows, err := db.Query(query, args(i)...)
				if err != nil {
					b.Fatal(err)
				}
				for rows.Next() {
				}
				rows.Close()
			}
		})
	}
	user := func(i int) string { return o.Users[(i*7919)%len(o.Users)] }
	run("me-roles", postgres.QAssignmentsOfUser, func(i int) []any { return []any{user(i)} })
	run("me-roles-cast-before", old, func(i int) []any { return []any{user(i)} })
	run("session", postgres.QTouchSession, func(i int) []any {
		h := sha256.Sum256([]byte(user(i)))
		return []any{h[:], time.Now(), 3600.0}
	})
	run("bearer-token", postgres.QTokenUser, func(i int) []any {
		h := sha256.Sum256([]byte("t1" + user(i)))
		return []any{h[:]}
	})
	// A bearer-token request of one client, repeated: the store writes
	// last_used once a minute, where before every request wrote it.
	h := sha256.Sum256([]byte("t1" + user(1)))
	store := postgres.NewIdentityStore(db)
	b.Run("token-request", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := store.TokenUser(context.Background(), h[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
	const before = `UPDATE api_tokens t SET last_used = now() FROM users u
		WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.id = t.user_id
		RETURNING u.id, u.login, u.name, u.email, u.status, u.lang, u.created_at`
	run("token-request-write-every-time-before", before, func(int) []any { return []any{h[:]} })
}
