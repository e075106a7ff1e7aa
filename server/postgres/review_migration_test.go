package postgres_test

import (
	"context"
	"io/fs"
	"testing"

	"github.com/pressly/goose/v3"

	qmstrack "github.com/qmstrack/qmstrack"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

// TestReviewMigrationDown: the management review's migration goes down
// (its tables gone) and up again.
func TestReviewMigrationDown(t *testing.T) {
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
	if _, err := p.DownTo(ctx, 67); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.GetContext(ctx, &n, `SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'management_review%'`); err != nil || n != 0 {
		t.Fatalf("after down: %d tables, %v", n, err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(ctx, &n, `SELECT count(*) FROM information_schema.tables WHERE table_name LIKE 'management_review%'`); err != nil || n != 3 {
		t.Fatalf("after up: %d tables, %v", n, err)
	}
}
