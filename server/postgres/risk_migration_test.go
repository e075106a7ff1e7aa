package postgres_test

import (
	"context"
	"io/fs"
	"testing"

	"github.com/pressly/goose/v3"

	qmstrack "github.com/qmstrack/qmstrack"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

// TestRiskMigrationsDown: migrations 00070 and 00071 go down (the
// register's tables are gone) and up again.
func TestRiskMigrationsDown(t *testing.T) {
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
	tables := func() int {
		var n int
		if err := db.GetContext(ctx, &n, `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()
			AND table_name IN ('risks', 'risk_links', 'risk_suggestion_decisions')`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := tables(); n != 3 {
		t.Fatalf("%d of the register's tables", n)
	}
	if _, err := p.DownTo(ctx, 69); err != nil {
		t.Fatal(err)
	}
	if n := tables(); n != 0 {
		t.Fatalf("%d tables left after down", n)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if n := tables(); n != 3 {
		t.Fatalf("%d tables after up", n)
	}
}
