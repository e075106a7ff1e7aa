package postgres_test

import (
	"context"
	"errors"
	"io/fs"
	"sync"
	"testing"

	"github.com/pressly/goose/v3"

	qmstrack "github.com/qmstrack/qmstrack"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// TestScopeSaveConcurrent: two people saving the scope from the same
// version at once: one version is written, the other is refused as a
// conflict (the scope's lock), and the trail has one entry.
func TestScopeSaveConcurrent(t *testing.T) {
	db := testenv.DB(t)
	ctx := qms.WithActor(context.Background(), qms.Actor{Login: "seed"})
	if _, err := db.ExecContext(ctx, `INSERT INTO units (code, name_vi, name_en) VALUES ('vp', 'Văn phòng', 'Office')`); err != nil {
		t.Fatal(err)
	}
	st := postgres.NewScopeStore(db)
	none := func(leadership.Announcement) ([]string, []string, *trail.Event) { return nil, nil, nil }
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := trail.NewEvent(ctx, "scope.update", "scope", "qms", "vp", map[string]any{})
			_, errs[i] = st.SaveScope(ctx, 0, leadership.Scope{Services: []string{}, Units: []string{"vp"}, Exclusions: []leadership.Exclusion{},
				Standard: leadership.StandardDefault, DecisionNumber: "1/QĐ", RecordUnit: "vp", ChangedBy: "seed"}, ev, none)
		}()
	}
	wg.Wait()
	ok, conflict := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, qms.ErrConflict):
			conflict++
		default:
			t.Fatal(err)
		}
	}
	var versions, entries int
	_ = db.Get(&versions, `SELECT count(*) FROM qms_scope_versions`)
	_ = db.Get(&entries, `SELECT count(*) FROM trail WHERE action = 'scope.update'`)
	if ok != 1 || conflict != 1 || versions != 1 || entries != 1 {
		t.Fatalf("ok %d, conflicts %d, versions %d, trail entries %d", ok, conflict, versions, entries)
	}
}

// TestScopeMigrationsDown: the scope's and the checklist's migrations go
// down and up again.
func TestScopeMigrationsDown(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	sub, err := fs.Sub(qmstrack.Migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db.DB, sub, goose.WithAllowOutofOrder(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 71); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM information_schema.tables WHERE table_name IN ('qms_scope_versions', 'qms_announcements', 'conversion_items')`); err != nil || n != 0 {
		t.Fatalf("tables left after down: %d %v", n, err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&n, `SELECT count(*) FROM record_types WHERE code = 'qms-announcement'`); err != nil || n != 1 {
		t.Fatalf("record type after up: %d %v", n, err)
	}
}
