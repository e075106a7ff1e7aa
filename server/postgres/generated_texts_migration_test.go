package postgres_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"testing"

	"github.com/pressly/goose/v3"

	qmstrack "github.com/qmstrack/qmstrack"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/qms"
)

// TestGeneratedTextsMigration: migration 00080 rewrites the late-dossier NC
// titles stored in both languages into one language with the message kept,
// and its Down restores them.
func TestGeneratedTextsMigration(t *testing.T) {
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
	if _, err := p.DownTo(ctx, 79); err != nil {
		t.Fatal(err)
	}
	// Fresh connections: a trigger's plan cached before the Down's
	// DROP COLUMN would see the dropped column.
	db.SetMaxIdleConns(0)
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(`INSERT INTO units (code, name_vi, name_en) VALUES ('tn', 'Tài nguyên', 'Land')`)
	mustExec(`INSERT INTO ncs (id, number, year, seq, source, source_ref, severity, unit, title, description, detected_by, detected_on, status)
		VALUES (gen_random_uuid(), 'NC-2026-0001', 2026, 1, 'process', 'dossier:D-7', 'minor', 'tn', 'Hồ sơ trễ hạn / Late dossier D-7',
		E'Hồ sơ D-7 (Giao đất, 5 ngày làm việc) hạn trả 02/03/2026 09:00, chưa trả kết quả.\nLate dossier D-7.', 'qmstrack', '2026-03-10', 'open')`)
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	var row struct {
		Title string `db:"title"`
		Desc  string `db:"description"`
		Msg   []byte `db:"title_msg"`
	}
	if err := db.GetContext(ctx, &row, `SELECT title, description, title_msg FROM ncs WHERE number = 'NC-2026-0001'`); err != nil {
		t.Fatal(err)
	}
	var m qms.Msg
	if err := json.Unmarshal(row.Msg, &m); err != nil {
		t.Fatal(err)
	}
	if row.Title != "Hồ sơ trễ hạn D-7" || m.String() != "Late dossier D-7" ||
		row.Desc != "Hồ sơ D-7 (Giao đất, 5 ngày làm việc) hạn trả 02/03/2026 09:00, chưa trả kết quả." {
		t.Fatalf("after the migration: %q %q %q", row.Title, m.String(), row.Desc)
	}
	if _, err := p.DownTo(ctx, 79); err != nil {
		t.Fatal(err)
	}
	var title string
	if err := db.GetContext(ctx, &title, `SELECT title FROM ncs WHERE number = 'NC-2026-0001'`); err != nil || title != "Hồ sơ trễ hạn / Late dossier D-7" {
		t.Fatalf("after Down: %q %v", title, err)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
}
