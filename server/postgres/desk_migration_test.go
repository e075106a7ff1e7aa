package postgres_test

import (
	"context"
	"io/fs"
	"testing"

	"github.com/pressly/goose/v3"

	qmstrack "github.com/qmstrack/qmstrack"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

// TestOnlineChannelMigration: migration 00057 turns the single "online"
// channel of stored dossiers into partial online, and the summaries the
// KPIs read follow (no dossier is counted under the old code any more).
func TestOnlineChannelMigration(t *testing.T) {
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
	if _, err := p.DownTo(ctx, 56); err != nil {
		t.Fatal(err)
	}
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(`INSERT INTO units (code, name_vi, name_en) VALUES ('tn', 'Tài nguyên', 'Land')`)
	mustExec(`INSERT INTO services (code, name_vi, field, unit, days) VALUES ('DD-01', 'Giao đất', 'land', 'tn', 5)`)
	for _, n := range []struct{ number, channel string }{{"M-1", "online"}, {"M-2", "online"}, {"M-3", "postal"}} {
		mustExec(`INSERT INTO dossiers (number, service_code, unit, field, channel, received_at, clock_start, due_at, status, current_unit)
			VALUES ($1, 'DD-01', 'tn', 'land', $2, '2026-03-02T02:00:00Z', '2026-03-02T02:00:00Z', '2026-03-09T02:00:00Z', 'processing', 'tn')`, n.number, n.channel)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	var got []struct {
		Number  string `db:"number"`
		Channel string `db:"channel"`
	}
	if err := db.SelectContext(ctx, &got, `SELECT number, channel FROM dossiers ORDER BY number`); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Channel != "online_partial" || got[1].Channel != "online_partial" || got[2].Channel != "postal" {
		t.Fatalf("channels after the migration: %+v", got)
	}
	var old, partial, month int
	if err := db.GetContext(ctx, &old, `SELECT coalesce(sum(n), 0) FROM dossier_stats WHERE channel = 'online'`); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(ctx, &partial, `SELECT coalesce(sum(n), 0) FROM dossier_stats WHERE channel = 'online_partial' AND outcome = 'received'`); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(ctx, &month, `SELECT coalesce(sum(n), 0) FROM dossier_stats_month WHERE channel = 'online_partial' AND outcome = 'received'`); err != nil {
		t.Fatal(err)
	}
	if old != 0 || partial != 2 || month != 2 {
		t.Fatalf("summaries: online %d, online_partial %d (month %d)", old, partial, month)
	}
	if _, err := db.ExecContext(ctx, `UPDATE dossiers SET channel = 'online' WHERE number = 'M-3'`); err == nil {
		t.Fatal("the old code is still accepted")
	}
}
