//go:build perf

package process_test

import (
	"io"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

// TestPerfCalendarChange measures a calendar change (an exception added
// and removed, each replaying the open dossiers in its transaction) and a
// month's recompute on QMS_PERF_DOSSIERS generated dossiers (default
// 100,000, over two years), then on twice as many. Run with
//
//	go test -tags perf -run TestPerfCalendarChange -v -timeout 30m ./server/process/
func TestPerfCalendarChange(t *testing.T) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("QMS_PERF_DOSSIERS")); err == nil && v > 0 {
		n = v
	}
	f := setup(t)
	ctx := f.as("coord")
	svcs, err := f.p.Procedures(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cal, _, err := f.p.Calendar(ctx)
	if err != nil {
		t.Fatal(err)
	}
	seeded := 0
	for round, total := range []int{n, 2 * n} {
		began := time.Now()
		k, err := postgres.SeedDossiers(ctx, f.db, total-seeded, cal, svcs, f.now, uint64(round+1), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		seeded += k
		if _, err := f.db.Exec(`ANALYZE dossiers`); err != nil {
			t.Fatal(err)
		}
		var open int
		_ = f.db.Get(&open, `SELECT count(*) FROM dossiers WHERE status IN ('processing', 'supplement')`)
		t.Logf("%d dossiers (%d open) seeded in %s", seeded, open, time.Since(began).Round(time.Millisecond))
		day := qms.NewDate(2026, 11, 24) // a Tuesday before the clock's now
		for i := 0; i < 3; i++ {
			t0 := time.Now()
			cy, err := f.p.AddCalendarDay(ctx, workday.Day{Date: day, Kind: workday.KindHoliday, Name: "đo"})
			if err != nil {
				t.Fatal(err)
			}
			t1 := time.Now()
			cy2, err := f.p.RemoveCalendarDay(ctx, day)
			if err != nil {
				t.Fatal(err)
			}
			t2 := time.Now()
			r, err := f.p.RecomputePeriod(ctx, qms.NewDate(2026, 11, 1), qms.NewDate(2026, 11, 30))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d dossiers: add %s (moved %d), remove %s (moved %d), recompute November %s (replayed %d)",
				seeded, t1.Sub(t0).Round(time.Millisecond), cy.Moved, t2.Sub(t1).Round(time.Millisecond), cy2.Moved,
				time.Since(t2).Round(time.Millisecond), r.Replayed)
		}
	}
}
