package nonconformity_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/identity"
	nonc "github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
)

// addPerson creates a user with a password and the given role@unit
// assignments, reloads the policy and registers it under key.
func (f *ncFixture) addPerson(key string, roles ...string) {
	f.t.Helper()
	ctx := context.Background()
	ids := identity.NewService(postgres.NewIdentityStore(f.env.DB), f.clk.now, identity.Options{LoginMaxFailures: 1000})
	u, err := ids.CreateUser(ctx, identity.NewUser{Login: key, Name: "Người " + key, Email: key + "@example.org", Password: ncPassword, Lang: "vi"})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, ra := range roles {
		role, unit, _ := strings.Cut(ra, "@")
		if _, err := f.env.DB.ExecContext(ctx, `INSERT INTO role_assignments (user_id, role, unit) VALUES ($1, $2, $3)`, u.ID, role, unit); err != nil {
			f.t.Fatal(err)
		}
	}
	if err := f.az.Reload(); err != nil {
		f.t.Fatal(err)
	}
	f.users[key] = qms.Actor{UserID: u.ID, Login: u.Login, Name: u.Name, Lang: u.Lang, Via: "session"}
}

// TestNCOwnerNeverVerifies: a person who holds the verify permission in the
// unit (a coordinator who is also staff there) and carried out the action
// may neither verify it nor find it not effective again, is offered neither
// button, and the refusal says why; another coordinator then may.
func TestNCOwnerNeverVerifies(t *testing.T) {
	f := newNCFixture(t)
	f.addPerson("coord-owner", "coordinator@phong-a", "staff@phong-a")
	if !f.az.Can(f.id("coord-owner"), "phong-a", "action", "verify") {
		t.Fatal("setup: coord-owner must hold the verify permission, or Casbin refuses before the rule")
	}
	nc, act := f.actionIn("phong-a", "coord-owner", "head", nonc.ActionSignedOff)
	const why = "you carried out action #1; someone else must verify its effectiveness"

	count := func() (n int) {
		if err := f.env.DB.Get(&n, `SELECT (SELECT count(*) FROM trail) + (SELECT count(*) FROM signatures)`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	for _, effective := range []bool{true, false} {
		_, err := f.svc.Verify(f.as("coord-owner"), act.ID, nonc.Verification{Effective: effective, Comment: "Tự kiểm tra", Password: ncPassword})
		if qms.KindOf(err) != qms.ErrForbidden || !strings.Contains(err.Error(), why) {
			t.Fatalf("owner verifies (effective=%v): want forbidden %q, got %s (%v)", effective, why, kindName(err), err)
		}
	}
	if after := count(); after != before {
		t.Fatalf("refused verification wrote %d rows", after-before)
	}
	got, err := f.svc.Get(f.as("boss"), nc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Actions[0].Status != nonc.ActionSignedOff {
		t.Fatalf("action after the refusal: %s", got.Actions[0].Status)
	}
	if p := f.svc.PermissionsOf(f.as("coord-owner"), got); strings.Contains(strings.Join(p.Actions[act.ID], " "), "verify") {
		t.Fatalf("the owner is offered %v", p.Actions[act.ID])
	}
	if p := f.svc.PermissionsOf(f.as("coordinator"), got); strings.Join(p.Actions[act.ID], " ") != "verify" {
		t.Fatalf("another coordinator is offered %v, want verify", p.Actions[act.ID])
	}

	// Another coordinator verifies it effective; the owner may not find it
	// not effective again on the closed NC either.
	closed, err := f.svc.Verify(f.as("coordinator"), act.ID, nonc.Verification{Effective: true, Password: ncPassword})
	if err != nil || closed.Status != nonc.StatusClosed {
		t.Fatalf("another coordinator verifies: %v %s", err, closed.Status)
	}
	_, err = f.svc.Reverify(f.as("coord-owner"), act.ID, nonc.Verification{Comment: "Tái diễn", Password: ncPassword})
	if qms.KindOf(err) != qms.ErrForbidden || !strings.Contains(err.Error(), why) {
		t.Fatalf("owner reverifies: want forbidden %q, got %s (%v)", why, kindName(err), err)
	}
	if p := f.svc.PermissionsOf(f.as("coord-owner"), closed); len(p.Actions) != 0 {
		t.Fatalf("the owner is offered %v on the closed NC", p.Actions)
	}
	if p := f.svc.PermissionsOf(f.as("boss"), closed); strings.Join(p.Actions[act.ID], " ") != "reverify" {
		t.Fatalf("another coordinator is offered %v on the closed NC, want reverify", p.Actions[act.ID])
	}
}

// TestNCVerificationDateBoundary pins the verification date to the office's
// midnight: one minute before it (23:59 local on the eve) verification is
// refused, one minute after it is accepted, whatever UTC says.
func TestNCVerificationDateBoundary(t *testing.T) {
	f := newNCFixture(t)
	nc := f.analysed("phong-a")
	verifyOn := f.today().AddDate(0, 0, 3)
	_, act, err := f.svc.AddAction(f.as("boss"), nc.ID, nonc.NewAction{Unit: "phong-a", Owner: f.id("owner-a"),
		Description: "Lập sổ theo dõi", Due: f.today(), VerifyAfter: verifyOn})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Start(f.as("owner-a"), act.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Done(f.as("owner-a"), act.ID, "xong", qms.FilesOf(pdf("a.pdf"))); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SignOff(f.as("head"), act.ID, ncPassword); err != nil {
		t.Fatal(err)
	}
	midnight := time.Date(verifyOn.Year(), verifyOn.Month(), verifyOn.Day(), 0, 0, 0, 0, hcm)
	f.clk.mu.Lock()
	f.clk.t = midnight.Add(-time.Minute)
	f.clk.mu.Unlock()
	_, err = f.svc.Verify(f.as("boss"), act.ID, nonc.Verification{Effective: true, Password: ncPassword})
	want := "can be verified on or after " + verifyOn.Format("02/01/2006")
	if qms.KindOf(err) != qms.ErrState || !strings.Contains(err.Error(), want) {
		t.Fatalf("23:59 on the eve: want %q, got %s (%v)", want, kindName(err), err)
	}
	f.clk.mu.Lock()
	f.clk.t = midnight.Add(time.Minute)
	f.clk.mu.Unlock()
	if _, err := f.svc.Verify(f.as("boss"), act.ID, nonc.Verification{Effective: true, Password: ncPassword}); err != nil {
		t.Fatalf("00:01 on the day: %v", err)
	}
}

// TestNCDueDateBoundary pins an action's due date to the office's midnight:
// due on a day, it is not late at 23:59 that day and is late at 00:01 the
// next, in Vietnam whatever UTC says.
func TestNCDueDateBoundary(t *testing.T) {
	f := newNCFixture(t)
	_, act := f.actionIn("phong-a", "owner-a", "head", nonc.ActionInProgress) // due today
	due := act.Due
	if !due.Equal(f.today()) {
		t.Fatalf("setup: due %v, want today %v", due, f.today())
	}
	next := time.Date(due.Year(), due.Month(), due.Day()+1, 0, 0, 0, 0, hcm)
	overdue := func() bool {
		t.Helper()
		var late bool
		if err := f.env.DB.Get(&late, `SELECT overdue_at IS NOT NULL FROM nc_actions WHERE id = $1`, act.ID); err != nil {
			t.Fatal(err)
		}
		return late
	}
	f.clk.mu.Lock()
	f.clk.t = next.Add(-time.Minute)
	f.clk.mu.Unlock()
	rep, err := f.svc.RunOverdue(context.Background())
	if err != nil || rep.LateActions != 0 || overdue() {
		t.Fatalf("23:59 on the due date: %+v %v, overdue %v", rep, err, overdue())
	}
	f.clk.mu.Lock()
	f.clk.t = next.Add(time.Minute)
	f.clk.mu.Unlock()
	rep, err = f.svc.RunOverdue(context.Background())
	if err != nil || rep.LateActions != 1 || !overdue() {
		t.Fatalf("00:01 the day after: %+v %v, overdue %v", rep, err, overdue())
	}
}
