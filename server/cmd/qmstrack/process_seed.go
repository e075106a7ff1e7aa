package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// seedProcessDemo gives the demo organisation services, 3,000 dossiers of
// the last two years and two quality objectives, so the dashboard has
// something to show.
func seedProcessDemo(ctx context.Context, a *app.App, out io.Writer) error {
	if err := seedDossiers(ctx, a, 3000, out); err != nil {
		return err
	}
	store := postgres.NewProcessStore(a.DB)
	year := a.Now().In(a.Cfg.Location).Year()
	for _, o := range []process.Objective{
		{Title: "98% hồ sơ đất đai được giải quyết đúng hạn", KPI: "on_time_rate", Comparator: ">=", Target: 98, Unit: "tnmt", Field: "land"},
		{Title: "Ít nhất 50% hồ sơ hộ tịch nộp trực tuyến", KPI: "online_share", Comparator: ">=", Target: 50, Unit: "vp", Field: "civil_status"},
	} {
		o.From, o.To = workday.Date{Year: year, Month: 1, Day: 1}, workday.Date{Year: year, Month: 12, Day: 31}
		o.CreatedBy = "seed"
		ev := trail.Event{ActorLogin: "seed", Action: "objective.create", ObjectType: "objective", Unit: o.Unit,
			Details: map[string]any{"title": o.Title, "kpi": o.KPI, "target": o.Target}}
		if _, err := store.CreateObjective(ctx, o, ev); err != nil {
			return fmt.Errorf("objective: %w", err)
		}
	}
	return nil
}

// seedDossiers loads n generated dossiers; when the database has no
// services yet it first creates a standard set over its units.
func seedDossiers(ctx context.Context, a *app.App, n int, out io.Writer) error {
	store := postgres.NewProcessStore(a.DB)
	var units []string
	if err := a.DB.SelectContext(ctx, &units, `SELECT code FROM units ORDER BY code`); err != nil {
		return err
	}
	if len(units) == 0 {
		return fmt.Errorf("the database has no units: run qmstrack seed --demo first")
	}
	svcs, err := store.Procedures(ctx, allUnits())
	if err != nil {
		return err
	}
	if len(svcs) == 0 {
		for _, s := range postgres.DemoServices(units) {
			ev := trail.Event{ActorLogin: "seed", Action: "service.create", ObjectType: "service", ObjectID: s.Code, Unit: s.Unit,
				Details: map[string]any{"days": s.Days, "field": s.Field}}
			if _, err := store.SaveProcedure(ctx, s, true, ev); err != nil {
				return err
			}
		}
		if svcs, err = store.Procedures(ctx, allUnits()); err != nil {
			return err
		}
		fmt.Fprintf(out, "created %d services\n", len(svcs))
	}
	days, st, err := store.Calendar(ctx)
	if err != nil {
		return err
	}
	// The computed holidays with the stored exceptions over them.
	cal := workday.Office(a.Cfg.Location, days)
	cal.Open, cal.Close, cal.AfterHours = st.Open, st.Close, st.AfterHours
	began := time.Now()
	fmt.Fprintf(out, "seeding %d dossiers over %d services\n", n, len(svcs))
	loaded, err := postgres.SeedDossiers(ctx, a.DB, n, cal, svcs, a.Now(), uint64(began.UnixNano()), out)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "seeded %d dossiers in %s\n", loaded, time.Since(began).Round(time.Millisecond))
	return nil
}

func allUnits() qms.Scope { return qms.Scope{All: true} }
