package authz_test

import (
	"context"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/org"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
)

// permissions returns every permission of policy.csv, and pairs it grants
// to nobody: every action on documents, every object with an unknown
// action, and an unknown object with every action.
func permissions(t *testing.T) [][2]string {
	t.Helper()
	rules, err := authz.BaselinePolicy()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[2]string]bool{}
	var out [][2]string
	add := func(obj, act string) {
		if k := [2]string{obj, act}; !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	for _, r := range rules {
		add(r[1], r[2])
	}
	for _, r := range rules {
		add("document", r[2])
		add(r[1], "nope")
		add("nope", r[2])
	}
	return out
}

// policyRoles returns every role named in policy.csv.
func policyRoles(t *testing.T) []string {
	t.Helper()
	rules, err := authz.BaselinePolicy()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range rules {
		if !seen[r[0]] {
			seen[r[0]] = true
			out = append(out, r[0])
		}
	}
	return out
}

// TestSnapshotAgreesWithCasbin: over the whole matrix (every role of
// policy.csv held in a unit and in "*", users with several roles, none, or
// disabled; every permission of the policy and the crossings of its objects
// and actions; the user's own unit, another, "*" and an unknown one) Can,
// CanAnywhere and Scope answer exactly what Casbin's matcher answers.
func TestSnapshotAgreesWithCasbin(t *testing.T) {
	db := testenv.DB(t)
	testenv.AddUnits(t, db, "tnmt", "vhtt")
	type user struct {
		id    string
		roles []string
	}
	var users []user
	add := func(login string, roles ...string) {
		users = append(users, user{testenv.AddUser(t, db, login, roles...).UserID, roles})
	}
	for _, r := range policyRoles(t) {
		add(r+".tnmt", r+"@tnmt")
		add(r+".all", r+"@*")
	}
	add("many", "head@tnmt", "staff@vhtt", "auditor@*")
	add("two.units", "author@tnmt", "head@vhtt")
	add("two.roles", "staff@tnmt", "head@tnmt")
	add("nobody")
	add("gone", "coordinator@*", "head@tnmt")
	if _, err := db.Exec(`UPDATE users SET status = 'disabled' WHERE login = 'gone'`); err != nil {
		t.Fatal(err)
	}
	e, err := authz.New(db)
	if err != nil {
		t.Fatal(err)
	}
	perms := permissions(t)
	units := []string{"tnmt", "vhtt", qms.AllUnits, "nope"}
	yes, no := 0, 0
	for _, u := range users {
		for _, p := range perms {
			casbin := map[string]bool{}
			for _, unit := range units {
				want := e.CasbinEnforce(u.id, unit, p[0], p[1])
				casbin[unit] = want
				if got := e.Can(u.id, unit, p[0], p[1]); got != want {
					t.Errorf("%v: Can(%s, %s/%s) = %v, Casbin says %v", u.roles, unit, p[0], p[1], got, want)
				}
				if want {
					yes++
				} else {
					no++
				}
			}
			var want qms.Scope
			if casbin[qms.AllUnits] {
				want.All = true
			} else {
				for _, unit := range []string{"tnmt", "vhtt"} {
					if casbin[unit] {
						want.Units = append(want.Units, unit)
					}
				}
			}
			if got := e.Scope(u.id, p[0], p[1]); !reflect.DeepEqual(got, want) {
				t.Errorf("%v: Scope(%s/%s) = %+v, from Casbin %+v", u.roles, p[0], p[1], got, want)
			}
			if got := e.CanAnywhere(u.id, p[0], p[1]); got != !want.Empty() {
				t.Errorf("%v: CanAnywhere(%s/%s) = %v, from Casbin %v", u.roles, p[0], p[1], got, !want.Empty())
			}
		}
	}
	// The matrix holds both answers in number (not a vacuous agreement).
	if yes < 500 || no < 5000 {
		t.Fatalf("the matrix is too thin: %d allowed, %d refused", yes, no)
	}
	t.Logf("%d users x %d permissions x %d units: %d allowed, %d refused, all as Casbin", len(users), len(perms), len(units), yes, no)
}

// TestRolesFromTheSnapshotSide: RolesOf, HasRole and HoldsRole tell the
// active user's assignments, by role and unit; a disabled user holds none.
func TestRolesFromTheSnapshotSide(t *testing.T) {
	db := testenv.DB(t)
	testenv.AddUnits(t, db, "tnmt", "vhtt")
	many := testenv.AddUser(t, db, "many", "staff@vhtt", "head@tnmt", "auditor@*")
	gone := testenv.AddUser(t, db, "gone", "head@tnmt")
	if _, err := db.Exec(`UPDATE users SET status = 'disabled' WHERE id = $1`, gone.UserID); err != nil {
		t.Fatal(err)
	}
	e, err := authz.New(db)
	if err != nil {
		t.Fatal(err)
	}
	want := []authz.Assignment{{Role: "auditor", Unit: "*"}, {Role: "head", Unit: "tnmt"}, {Role: "staff", Unit: "vhtt"}}
	got := e.RolesOf(many.UserID)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("RolesOf = %+v, want %+v", got, want)
	}
	got[0].Role = "admin" // the caller's copy: the enforcer's stays
	if r := e.RolesOf(many.UserID); r[0].Role != "auditor" {
		t.Fatalf("changing RolesOf's answer changed the enforcer's: %+v", r)
	}
	for _, c := range []struct {
		role, unit string
		want       bool
	}{{"head", "tnmt", true}, {"head", "vhtt", false}, {"auditor", "vhtt", true}, {"auditor", "nope", true}, {"staff", "tnmt", false}, {"coordinator", "tnmt", false}} {
		if got := e.HoldsRole(many.UserID, c.role, c.unit); got != c.want {
			t.Errorf("HoldsRole(%s, %s) = %v", c.role, c.unit, got)
		}
	}
	if !e.HasRole(many.UserID, "staff") || e.HasRole(many.UserID, "admin") {
		t.Error("HasRole disagrees with the assignments")
	}
	if len(e.RolesOf(gone.UserID)) != 0 || e.HasRole(gone.UserID, "head") || e.HoldsRole(gone.UserID, "head", "tnmt") {
		t.Error("a disabled user holds roles")
	}
	if s := e.SigningRole(many.UserID, "tnmt", "document", "approve"); s != "head" {
		t.Errorf("SigningRole in tnmt = %q, want head", s)
	}
	if s := e.SigningRole(many.UserID, "vhtt", "document", "approve"); s != "" {
		t.Errorf("SigningRole in vhtt = %q, want none", s)
	}
}

// TestCanAllocatesNothing: once a user's snapshot is built, Can and
// CanAnywhere allocate nothing (issue 15: a third of the CPU was garbage
// collection), and Scope only its answer.
func TestCanAllocatesNothing(t *testing.T) {
	db := testenv.DB(t)
	testenv.AddUnits(t, db, "tnmt", "vhtt")
	u := testenv.AddUser(t, db, "head", "head@tnmt", "staff@vhtt")
	e, err := authz.New(db)
	if err != nil {
		t.Fatal(err)
	}
	if !e.Can(u.UserID, "tnmt", "document", "approve") || e.Can(u.UserID, "vhtt", "document", "approve") {
		t.Fatal("wrong answers")
	}
	if n := testing.AllocsPerRun(1000, func() {
		e.Can(u.UserID, "tnmt", "document", "approve")
		e.Can(u.UserID, "vhtt", "document", "approve")
		e.CanAnywhere(u.UserID, "record", "create")
	}); n != 0 {
		t.Errorf("Can allocates %.1f times per call", n)
	}
	if n := testing.AllocsPerRun(1000, func() { e.Scope(u.UserID, "record", "create") }); n > 1 {
		t.Errorf("Scope allocates %.1f times per call", n)
	}
}

// TestSnapshotsAreBounded: beyond its capacity the enforcer drops the
// least recently used snapshot, and builds it again, rightly, when asked.
func TestSnapshotsAreBounded(t *testing.T) {
	db := testenv.DB(t)
	testenv.AddUnits(t, db, "tnmt", "vhtt")
	u1 := testenv.AddUser(t, db, "u1", "head@tnmt").UserID
	u2 := testenv.AddUser(t, db, "u2", "head@vhtt").UserID
	u3 := testenv.AddUser(t, db, "u3", "coordinator@*").UserID
	e, err := authz.New(db, authz.WithSnapshots(2))
	if err != nil {
		t.Fatal(err)
	}
	check := func(step string, user, unit string, want bool, builds, evictions int) {
		t.Helper()
		if got := e.Can(user, unit, "document", "approve"); got != want {
			t.Fatalf("%s: Can = %v, want %v", step, got, want)
		}
		s := e.Snapshots()
		if s.Builds != builds || s.Evictions != evictions || s.Held > 2 {
			t.Fatalf("%s: %+v, want %d builds, %d evictions, at most 2 held", step, s, builds, evictions)
		}
	}
	check("u1", u1, "tnmt", true, 1, 0)
	check("u2", u2, "vhtt", true, 2, 0)
	check("u1 again, kept", u1, "vhtt", false, 2, 0)
	check("u3 evicts u2, the least recent", u3, "tnmt", true, 3, 1)
	check("u1 still kept", u1, "tnmt", true, 3, 1)
	check("u2 built again, evicting u3", u2, "vhtt", true, 4, 2)
	check("u1 still kept", u1, "tnmt", true, 4, 2)
	check("u3 built again, evicting u2", u3, "vhtt", true, 5, 3)
	check("u1 kept", u1, "vhtt", false, 5, 3)
}

// instances returns the database, an org service on instance a (which
// reloads after its own changes) and a second instance b that only hears
// the notifications, as another server would.
func instances(t *testing.T) (*sqlx.DB, *org.Service, *authz.Enforcer, *authz.Enforcer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	url := testenv.DatabaseURL(t)
	open := func() *sqlx.DB {
		db, err := postgres.Open(ctx, url, 5)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	dbA, dbB := open(), open()
	testenv.AddUnits(t, dbA, "tnmt", "vhtt")
	a, err := authz.New(dbA)
	if err != nil {
		t.Fatal(err)
	}
	b, err := authz.New(dbB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Watch(ctx, url, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	return dbA, org.NewService(postgres.NewOrgStore(dbA), a), a, b
}

// TestSnapshotInvalidationAcrossInstances: a grant, a revocation and a
// disabled account reach the other instance's cached snapshot through the
// notification, and make only that user's snapshot stale there.
func TestSnapshotInvalidationAcrossInstances(t *testing.T) {
	db, orgs, a, b := instances(t)
	ctx := context.Background()
	u1 := testenv.AddUser(t, db, "u1").UserID
	u2 := testenv.AddUser(t, db, "u2").UserID
	if err := orgs.Assign(ctx, org.Assignment{UserID: u2, Role: "head", Unit: "vhtt"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return b.Can(u2, "vhtt", "document", "approve") }, "b to see u2's role")
	// b holds a snapshot of each: u1 refused, u2 allowed.
	if b.Can(u1, "tnmt", "document", "approve") {
		t.Fatal("u1 allowed before any grant")
	}
	before := b.Snapshots().Builds

	if err := orgs.Assign(ctx, org.Assignment{UserID: u1, Role: "head", Unit: "tnmt"}); err != nil {
		t.Fatal(err)
	}
	if !a.Can(u1, "tnmt", "document", "approve") {
		t.Fatal("the granting instance refuses the new role at its next request")
	}
	waitFor(t, func() bool { return b.Can(u1, "tnmt", "document", "approve") }, "b to see the grant")
	if s := b.Scope(u1, "document", "approve"); s.All || !reflect.DeepEqual(s.Units, []string{"tnmt"}) {
		t.Fatalf("b's scope after the grant = %+v", s)
	}
	if !b.Can(u2, "vhtt", "document", "approve") {
		t.Fatal("u2 lost the role")
	}
	if got := b.Snapshots().Builds - before; got != 1 {
		t.Fatalf("the grant to u1 built %d snapshots on b, want 1 (u1's alone; u2's stays)", got)
	}

	if err := orgs.Unassign(ctx, org.Assignment{UserID: u1, Role: "head", Unit: "tnmt"}); err != nil {
		t.Fatal(err)
	}
	if a.Can(u1, "tnmt", "document", "approve") {
		t.Fatal("the revoking instance still allows the revoked role")
	}
	waitFor(t, func() bool { return !b.Can(u1, "tnmt", "document", "approve") }, "b to refuse the revoked role")
	if !b.Scope(u1, "document", "approve").Empty() || b.CanAnywhere(u1, "document", "approve") || b.HasRole(u1, "head") {
		t.Fatal("b keeps the revoked role in the scope")
	}

	ids := identity.NewService(postgres.NewIdentityStore(db), time.Now, identity.Options{SessionIdle: time.Hour, SessionMax: 2 * time.Hour})
	disabled := "disabled"
	if _, err := ids.UpdateUser(ctx, u2, identity.UserUpdate{Status: &disabled}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return !b.Can(u2, "vhtt", "document", "approve") }, "b to refuse a disabled user")
	if len(b.RolesOf(u2)) != 0 {
		t.Fatalf("b lists roles of a disabled user: %+v", b.RolesOf(u2))
	}
}

// TestNotificationReloadsWhatItNames: a notification naming a user reads
// that user's assignments only; any other reason, and Reload, read them all.
// Rows are written here behind the enforcers' back, as a restore would.
func TestNotificationReloadsWhatItNames(t *testing.T) {
	db, _, _, b := instances(t)
	ctx := context.Background()
	u1 := testenv.AddUser(t, db, "u1").UserID
	u2 := testenv.AddUser(t, db, "u2").UserID
	u3 := testenv.AddUser(t, db, "u3").UserID
	u4 := testenv.AddUser(t, db, "u4").UserID
	grant := func(user, role, unit string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, `INSERT INTO role_assignments (user_id, role, unit) VALUES ($1, $2, $3)`, user, role, unit); err != nil {
			t.Fatal(err)
		}
	}
	notify := func(reason string) {
		t.Helper()
		if _, err := db.ExecContext(ctx, `SELECT pg_notify($1, $2)`, authz.Channel, reason); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{u1, u2, u3, u4} {
		if b.Can(u, "tnmt", "record", "create") {
			t.Fatal("allowed before any grant")
		}
	}
	grant(u1, "staff", "tnmt")
	grant(u2, "staff", "tnmt")
	notify(authz.ReasonAssign + " " + u1)
	waitFor(t, func() bool { return b.Can(u1, "tnmt", "record", "create") }, "b to read u1's rows")
	// Notifications are handled in order: once a later one is seen, the
	// earlier reloads are done, and none of them read u2's row.
	grant(u3, "staff", "tnmt")
	notify(authz.ReasonUnassign + " " + u3)
	waitFor(t, func() bool { return b.Can(u3, "tnmt", "record", "create") }, "b to read u3's rows")
	grant(u4, "staff", "tnmt")
	notify(authz.ReasonUser + " " + u4)
	waitFor(t, func() bool { return b.Can(u4, "tnmt", "record", "create") }, "b to read u4's rows")
	if b.Can(u2, "tnmt", "record", "create") {
		t.Fatal("a notification naming u1, u3 or u4 read u2's rows too")
	}
	if b.Can(u1, "vhtt", "record", "create") {
		t.Fatal("u1 allowed in another unit")
	}

	// A reason that names no user (or no valid one) reloads everything.
	notify("policy changed")
	waitFor(t, func() bool { return b.Can(u2, "tnmt", "record", "create") }, "b to reload everything")
	grant(u2, "head", "vhtt")
	notify(authz.ReasonUser + " not-a-uuid")
	waitFor(t, func() bool { return b.Can(u2, "vhtt", "document", "approve") }, "b to reload everything on a malformed reason")

	// Reload, told by hand, reads every row again, and a user whose rows
	// did not change keeps their snapshot.
	grant(u1, "author", "vhtt")
	b.Can(u3, "tnmt", "record", "create")
	before := b.Snapshots().Builds
	if err := b.Reload(); err != nil {
		t.Fatal(err)
	}
	if !b.Can(u1, "vhtt", "document", "draft") || !b.Can(u3, "tnmt", "record", "create") {
		t.Fatal("after Reload the roles are wrong")
	}
	if got := b.Snapshots().Builds - before; got != 1 {
		t.Fatalf("Reload built %d snapshots for u1 (changed) and u3 (unchanged), want 1", got)
	}
	// ReloadUser of a user whose rows did not change keeps the snapshot;
	// of one whose rows changed, builds it again; of a malformed id, it
	// reads everything.
	b.Can(u2, "tnmt", "record", "create")
	before = b.Snapshots().Builds
	if err := b.ReloadUser(u2); err != nil {
		t.Fatal(err)
	}
	if !b.Can(u2, "vhtt", "document", "approve") || b.Snapshots().Builds != before {
		t.Fatalf("ReloadUser of an unchanged user: builds %d -> %d", before, b.Snapshots().Builds)
	}
	// An id in upper case names the same user (the notification carries
	// the id as the request gave it).
	if _, err := db.ExecContext(ctx, `INSERT INTO role_assignments (user_id, role, unit) VALUES ($1, 'auditor', 'tnmt')`, u2); err != nil {
		t.Fatal(err)
	}
	if err := b.ReloadUser(strings.ToUpper(u2)); err != nil {
		t.Fatal(err)
	}
	if !b.Can(u2, "tnmt", "audit", "conduct") || b.Can(strings.ToUpper(u2), "tnmt", "audit", "conduct") {
		t.Fatal("ReloadUser of the upper-case id did not reload the user's roles (or made a second user of it)")
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM role_assignments WHERE user_id = $1 AND role = 'auditor'`, u2); err != nil {
		t.Fatal(err)
	}
	if err := b.ReloadUser(u2); err != nil {
		t.Fatal(err)
	}
	before = b.Snapshots().Builds
	if _, err := db.ExecContext(ctx, `DELETE FROM role_assignments WHERE user_id = $1 AND role = 'head'`, u2); err != nil {
		t.Fatal(err)
	}
	if err := b.ReloadUser(u2); err != nil {
		t.Fatal(err)
	}
	if b.Can(u2, "vhtt", "document", "approve") || !b.Can(u2, "tnmt", "record", "create") || b.Snapshots().Builds != before+1 {
		t.Fatalf("ReloadUser after a revocation: approve %v, builds %d -> %d", b.Can(u2, "vhtt", "document", "approve"), before, b.Snapshots().Builds)
	}
	grant(u3, "coordinator", "*")
	if err := b.ReloadUser("not-a-uuid"); err != nil {
		t.Fatal(err)
	}
	if !b.Can(u3, "vhtt", "document", "publish") {
		t.Fatal("ReloadUser of a malformed id did not reload everything")
	}
}

// TestLargeSnapshotCacheBounded: a cache large enough to be split into
// shards still holds at most its capacity, to the snapshot.
func TestLargeSnapshotCacheBounded(t *testing.T) {
	db := testenv.DB(t)
	e, err := authz.New(db, authz.WithSnapshots(1024))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4000; i++ {
		if e.Can(testenv.OrgUserID(i), "tnmt", "document", "read") {
			t.Fatal("a user without roles may read")
		}
	}
	if s := e.Snapshots(); s.Held != 1024 || s.Builds != 4000 || s.Evictions != 4000-1024 {
		t.Fatalf("after 4,000 users: %+v, want 1,024 held, 4,000 built, 2,976 evicted", s)
	}
}

// TestReloadWhileAsked: reloads, whole and of one user, while requests ask
// (run with -race): every answer is one the policy gave at some time, and the
// last state is the database's.
func TestReloadWhileAsked(t *testing.T) {
	db := testenv.DB(t)
	testenv.AddUnits(t, db, "tnmt")
	steady := testenv.AddUser(t, db, "steady", "head@tnmt").UserID
	moving := testenv.AddUser(t, db, "moving").UserID
	e, err := authz.New(db)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var bad sync.Once
	var badMsg string
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if !e.Can(steady, "tnmt", "document", "approve") || e.Can(steady, "tnmt", "document", "publish") {
					bad.Do(func() { badMsg = "the steady user's answer changed during a reload" })
				}
				e.Can(moving, "tnmt", "document", "approve")
				e.Scope(moving, "document", "approve")
			}
		}()
	}
	for i := 0; i < 20; i++ {
		q := `INSERT INTO role_assignments (user_id, role, unit) VALUES ($1, 'head', 'tnmt')`
		if i%2 == 1 {
			q = `DELETE FROM role_assignments WHERE user_id = $1`
		}
		if _, err := db.Exec(q, moving); err != nil {
			t.Fatal(err)
		}
		if i%3 == 0 {
			err = e.Reload()
		} else {
			err = e.ReloadUser(moving)
		}
		if err != nil {
			t.Fatal(err)
		}
		if got, want := e.Can(moving, "tnmt", "document", "approve"), i%2 == 0; got != want {
			t.Fatalf("step %d: Can = %v after the reload, want %v", i, got, want)
		}
	}
	close(stop)
	wg.Wait()
	if badMsg != "" {
		t.Fatal(badMsg)
	}
}
