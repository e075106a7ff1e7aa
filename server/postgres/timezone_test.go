package postgres_test

import (
	"context"
	"testing"

	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
)

// TestStatisticsFollowTheOfficeTimeZone: a dossier received at 20:00 UTC on
// 01/03 is counted on 02/03 in Hà Nội (UTC+7) and on 01/03 for an office set
// to UTC: the triggers take the zone qmstrack was configured with, not a
// zone written into them.
func TestStatisticsFollowTheOfficeTimeZone(t *testing.T) {
	db := testenv.DB(t)
	ctx := context.Background()
	mustExec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	mustExec(`INSERT INTO units (code, name_vi, name_en) VALUES ('tn', 'Tài nguyên', 'Land')`)
	mustExec(`INSERT INTO services (code, name_vi, field, unit, days) VALUES ('DD-01', 'Giao đất', 'land', 'tn', 5)`)
	insert := func(number string) {
		mustExec(`INSERT INTO dossiers (number, service_code, unit, field, channel, received_at, clock_start, due_at, status, current_unit)
			VALUES ($1, 'DD-01', 'tn', 'land', 'online_partial', '2026-03-01T20:00:00Z', '2026-03-01T20:00:00Z', '2026-03-09T20:00:00Z', 'processing', 'tn')`, number)
	}
	day := func(number string) string {
		t.Helper()
		var d string
		if err := db.GetContext(ctx, &d, `SELECT to_char(max(day), 'YYYY-MM-DD') FROM dossier_stats WHERE outcome = 'received'`); err != nil {
			t.Fatal(err)
		}
		return d
	}
	if changed, err := postgres.SetOfficeTimeZone(ctx, db, "Asia/Ho_Chi_Minh"); err != nil || changed {
		t.Fatalf("default zone: changed=%v err=%v", changed, err)
	}
	insert("HCM-1")
	if got := day("HCM-1"); got != "2026-03-02" {
		t.Fatalf("received 20:00 UTC counted on %s in Asia/Ho_Chi_Minh, want 2026-03-02", got)
	}
	mustExec(`DELETE FROM dossiers`)
	mustExec(`DELETE FROM dossier_stats`)
	if changed, err := postgres.SetOfficeTimeZone(ctx, db, "UTC"); err != nil || !changed {
		t.Fatalf("set UTC: changed=%v err=%v", changed, err)
	}
	insert("UTC-1")
	if got := day("UTC-1"); got != "2026-03-01" {
		t.Fatalf("received 20:00 UTC counted on %s in UTC, want 2026-03-01", got)
	}
	if _, err := postgres.SetOfficeTimeZone(ctx, db, "Mars/Olympus"); err == nil {
		t.Fatal("an unknown zone was accepted")
	}
}
