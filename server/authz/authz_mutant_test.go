package authz_test

import (
	"context"
	"testing"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/org"
	"github.com/qmstrack/qmstrack/server/postgres"
)

// TestNewEnforcerLoadsEveryAssignment: an instance that starts after the
// roles were given (a restart, a second instance) loads every assignment
// from the database, not only the first.
func TestNewEnforcerLoadsEveryAssignment(t *testing.T) {
	orgs, _, uid, url := setup(t)
	ctx := context.Background()
	for _, a := range []org.Assignment{{UserID: uid, Role: "head", Unit: "tnmt"}, {UserID: uid, Role: "staff", Unit: "vhtt"}, {UserID: uid, Role: "head", Unit: "vhtt"}} {
		if err := orgs.Assign(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	db, err := postgres.Open(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fresh, err := authz.New(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, unit := range []string{"tnmt", "vhtt"} {
		if !fresh.Can(uid, unit, "document", "approve") {
			t.Errorf("after a restart the head of %s cannot approve there", unit)
		}
	}
	if s := fresh.Scope(uid, "document", "approve"); s.All || len(s.Units) != 2 {
		t.Errorf("after a restart the approve scope is %+v, want tnmt and vhtt", s)
	}
}

// TestValidRole: the six roles are valid; anything else, in any case, is not.
func TestValidRole(t *testing.T) {
	for _, r := range authz.Roles {
		if !authz.ValidRole(r) {
			t.Errorf("ValidRole(%q) = false", r)
		}
	}
	for _, r := range []string{"", "boss", "Admin", "head ", "coordinators"} {
		if authz.ValidRole(r) {
			t.Errorf("ValidRole(%q) = true", r)
		}
	}
}
