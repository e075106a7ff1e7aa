package authz_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
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

// TestWatcherLogsOnlyFailures: a watcher that connects and reloads on a
// notification logs no warning and no failed reload.
func TestWatcherLogsOnlyFailures(t *testing.T) {
	orgs, _, uid, url := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db2, err := postgres.Open(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	b, err := authz.New(db2)
	if err != nil {
		t.Fatal(err)
	}
	var buf syncBuffer
	if _, err := b.Watch(ctx, url, slog.New(slog.NewTextHandler(&buf, nil))); err != nil {
		t.Fatal(err)
	}
	if err := orgs.Assign(ctx, org.Assignment{UserID: uid, Role: "head", Unit: "tnmt"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return b.Can(uid, "tnmt", "document", "approve") }, "the watching instance to reload")
	if out := buf.String(); out != "" {
		t.Fatalf("a healthy watcher logged:\n%s", out)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }
