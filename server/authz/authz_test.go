package authz_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/org"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
)

func setup(t *testing.T) (*org.Service, *authz.Enforcer, string, string) {
	t.Helper()
	ctx := context.Background()
	url := testenv.DatabaseURL(t)
	db, err := postgres.Open(ctx, url, 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e, err := authz.New(db)
	if err != nil {
		t.Fatal(err)
	}
	orgs := org.NewService(postgres.NewOrgStore(db), e)
	ids := identity.NewService(postgres.NewIdentityStore(db), time.Now, identity.Options{SessionIdle: time.Hour, SessionMax: 2 * time.Hour})
	for _, u := range []org.Unit{{Code: "tnmt", NameVI: "Phòng Tài nguyên và Môi trường", NameEN: "Natural resources"}, {Code: "vhtt", NameVI: "Phòng Văn hóa", NameEN: "Culture"}} {
		if _, err := orgs.CreateUnit(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	u, err := ids.CreateUser(ctx, identity.NewUser{Login: "head.tnmt", Name: "Trưởng phòng", Password: "secret123"})
	if err != nil {
		t.Fatal(err)
	}
	return orgs, e, u.ID, url
}

func TestScopeAndCan(t *testing.T) {
	orgs, e, uid, _ := setup(t)
	ctx := context.Background()
	if err := orgs.Assign(ctx, org.Assignment{UserID: uid, Role: "head", Unit: "tnmt"}); err != nil {
		t.Fatal(err)
	}
	if !e.Can(uid, "tnmt", "document", "approve") {
		t.Error("head of tnmt cannot approve in tnmt")
	}
	if e.Can(uid, "vhtt", "document", "approve") {
		t.Error("head of tnmt can approve in vhtt")
	}
	if e.Can(uid, "tnmt", "document", "publish") {
		t.Error("a head can publish; only coordinators should")
	}
	s := e.Scope(uid, "document", "approve")
	if s.All || len(s.Units) != 1 || s.Units[0] != "tnmt" {
		t.Errorf("scope = %+v", s)
	}
	if err := orgs.Assign(ctx, org.Assignment{UserID: uid, Role: "coordinator", Unit: qms.AllUnits}); err != nil {
		t.Fatal(err)
	}
	if s := e.Scope(uid, "document", "publish"); !s.All {
		t.Errorf("coordinator in * should publish everywhere, scope = %+v", s)
	}
	// A revoked role stops working at the next request.
	if err := orgs.Unassign(ctx, org.Assignment{UserID: uid, Role: "head", Unit: "tnmt"}); err != nil {
		t.Fatal(err)
	}
	if e.Can(uid, "tnmt", "action", "signoff") {
		t.Error("revoked head role still works")
	}
}

func TestBadAssignmentsRefused(t *testing.T) {
	orgs, _, uid, _ := setup(t)
	ctx := context.Background()
	for _, a := range []org.Assignment{
		{UserID: uid, Role: "head", Unit: "tnmt, admin"},
		{UserID: uid, Role: "head", Unit: "nope"},
		{UserID: uid, Role: "god", Unit: "tnmt"},
	} {
		err := orgs.Assign(ctx, a)
		if qms.KindOf(err) != qms.ErrInvalid {
			t.Errorf("%+v: want invalid, got %v", a, err)
		}
	}
	if _, err := orgs.CreateUnit(ctx, org.Unit{Code: "Bad Code", NameVI: "x", NameEN: "x"}); qms.KindOf(err) != qms.ErrInvalid {
		t.Errorf("bad unit code accepted: %v", err)
	}
}

// Two instances share one database: a change made through one reaches the
// other through pg_notify.
func TestTwoEnforcersReloadOnNotify(t *testing.T) {
	orgs, a, uid, url := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db2, err := postgres.Open(ctx, url, 5)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	b, err := authz.New(db2)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := b.Watch(ctx, url, log); err != nil {
		t.Fatal(err)
	}
	if b.Can(uid, "tnmt", "document", "approve") {
		t.Fatal("instance b grants before any assignment")
	}
	if err := orgs.Assign(ctx, org.Assignment{UserID: uid, Role: "head", Unit: "tnmt"}); err != nil {
		t.Fatal(err)
	}
	if !a.Can(uid, "tnmt", "document", "approve") {
		t.Fatal("instance a did not reload synchronously")
	}
	waitFor(t, func() bool { return b.Can(uid, "tnmt", "document", "approve") }, "instance b to see the assignment")
	if err := orgs.Unassign(ctx, org.Assignment{UserID: uid, Role: "head", Unit: "tnmt"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return !b.Can(uid, "tnmt", "document", "approve") }, "instance b to see the revocation")
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
