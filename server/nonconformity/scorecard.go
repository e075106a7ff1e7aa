package nonconformity

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
)

// UnitScore is one unit's line of the scorecard.
type UnitScore struct {
	Unit string `json:"unit" db:"unit"`
	// Open counts the unit's NCs that are neither closed nor cancelled.
	Open int `json:"open" db:"open"`
	// Overdue counts the unit's actions past their due date, not yet done.
	Overdue int `json:"overdue" db:"overdue"`
	// Unanswered counts the unit's NCs still without a root cause after
	// the analysis period (QMS_NC_ANALYSIS_DAYS).
	Unanswered int `json:"unanswered" db:"unanswered"`
	Closed     int `json:"closed" db:"closed"`
	// ClosedOnTime counts closed NCs whose every action was reported done
	// on or before its due date.
	ClosedOnTime int `json:"closed_on_time" db:"closed_on_time"`
	// DaysToClose is the sum of days from creation to closing of closed NCs.
	DaysToClose float64 `json:"-" db:"days_to_close"`
	// OnTimePct is ClosedOnTime/Closed in percent, nil without closed NCs.
	OnTimePct *float64 `json:"closed_on_time_pct"`
	// MeanDaysToClose is nil without closed NCs.
	MeanDaysToClose *float64 `json:"mean_days_to_close"`
	// OverdueDirectives counts leadership directives assigned to the unit
	// that are past due without an accepted report (from the process
	// capability, when wired).
	OverdueDirectives int `json:"overdue_directives" db:"-"`
	// NonComplying: the unit has overdue actions, unanswered NCs or overdue
	// directives.
	NonComplying bool `json:"non_complying"`
}

// MonthCount is the number of NCs opened and closed in a month (YYYY-MM).
type MonthCount struct {
	Month  string `json:"month" db:"month"`
	Opened int    `json:"opened" db:"opened"`
	Closed int    `json:"closed" db:"closed"`
}

// CauseCount is how often a cause category was found, with the cumulative
// share for the Pareto chart.
type CauseCount struct {
	Category      string  `json:"category" db:"category"`
	Count         int     `json:"count" db:"n"`
	CumulativePct float64 `json:"cumulative_pct" db:"-"`
}

// Scorecard is the per-unit view the leadership uses.
type Scorecard struct {
	Units        []UnitScore  `json:"units"`
	NonComplying []UnitScore  `json:"non_complying"`
	Causes       []CauseCount `json:"causes"`
	Monthly      []MonthCount `json:"monthly"`
	AnalysisDays int          `json:"analysis_days"`
}

// Scorecard computes the scorecard over the NCs the actor may read.
func (s *Service) Scorecard(ctx context.Context) (Scorecard, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Scorecard{}, err
	}
	scope, err := s.readScope(ctx, a.UserID)
	if err != nil {
		return Scorecard{}, err
	}
	now := s.o.Clock(ctx)
	units, err := s.store.Scorecard(ctx, s.today(ctx), now.Add(-time.Duration(s.o.AnalysisDays)*24*time.Hour), scope)
	if err != nil {
		return Scorecard{}, err
	}
	if s.o.Directives != nil {
		if units, err = addDirectives(ctx, s.o.Directives, units, scope); err != nil {
			return Scorecard{}, err
		}
	}
	sc := Scorecard{Units: units, NonComplying: []UnitScore{}, AnalysisDays: s.o.AnalysisDays}
	for i := range sc.Units {
		u := &sc.Units[i]
		if u.Closed > 0 {
			pct := float64(u.ClosedOnTime) * 100 / float64(u.Closed)
			mean := u.DaysToClose / float64(u.Closed)
			u.OnTimePct, u.MeanDaysToClose = &pct, &mean
		}
		u.NonComplying = u.Overdue > 0 || u.Unanswered > 0 || u.OverdueDirectives > 0
		if u.NonComplying {
			sc.NonComplying = append(sc.NonComplying, *u)
		}
	}
	// The units to call to account first: most overdue work first.
	sort.SliceStable(sc.NonComplying, func(i, j int) bool {
		a, b := sc.NonComplying[i], sc.NonComplying[j]
		if x, y := a.Overdue+a.Unanswered+a.OverdueDirectives, b.Overdue+b.Unanswered+b.OverdueDirectives; x != y {
			return x > y
		}
		return a.Unit < b.Unit
	})
	if sc.Causes, err = s.store.Causes(ctx, scope); err != nil {
		return Scorecard{}, err
	}
	sc.Causes = pareto(sc.Causes)
	local := now.In(s.o.Location)
	from := time.Date(local.Year(), local.Month()-11, 1, 0, 0, 0, 0, s.o.Location)
	counts, err := s.store.Monthly(ctx, from, s.o.Location, scope)
	if err != nil {
		return Scorecard{}, err
	}
	sc.Monthly = fillMonths(from, 12, counts)
	return sc, nil
}

// OpenByUnit gives per unit the open NCs and the overdue actions over what
// the actor may read: the dashboard's part of the scorecard, without the
// rest of it.
func (s *Service) OpenByUnit(ctx context.Context) ([]UnitScore, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	scope, err := s.readScope(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	return s.store.OpenOverdue(ctx, s.today(ctx), scope)
}

// addDirectives adds each unit's overdue directives to its line, adding a
// line for a unit in scope that has no NCs but overdue directives.
func addDirectives(ctx context.Context, d OverdueDirectives, units []UnitScore, scope qms.Scope) ([]UnitScore, error) {
	byUnit, err := d.OverdueDirectivesByUnit(ctx)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i := range units {
		units[i].OverdueDirectives = byUnit[units[i].Unit]
		seen[units[i].Unit] = true
	}
	var extra []string
	for u, n := range byUnit {
		if n > 0 && !seen[u] && scope.Has(u) {
			extra = append(extra, u)
		}
	}
	sort.Strings(extra)
	for _, u := range extra {
		units = append(units, UnitScore{Unit: u, OverdueDirectives: byUnit[u]})
	}
	return units, nil
}

// pareto sorts causes by count (ties by name) and adds the cumulative share.
func pareto(in []CauseCount) []CauseCount {
	out := append([]CauseCount{}, in...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Category < out[j].Category
	})
	total := 0
	for _, c := range out {
		total += c.Count
	}
	run := 0
	for i := range out {
		run += out[i].Count
		if total > 0 {
			out[i].CumulativePct = float64(run) * 100 / float64(total)
		}
	}
	return out
}

// fillMonths returns n consecutive months from from, with zero counts where
// the store had none.
func fillMonths(from time.Time, n int, counts []MonthCount) []MonthCount {
	by := map[string]MonthCount{}
	for _, c := range counts {
		by[c.Month] = c
	}
	out := make([]MonthCount, 0, n)
	for i := 0; i < n; i++ {
		m := from.AddDate(0, i, 0).Format("2006-01")
		c := by[m]
		c.Month = m
		out = append(out, c)
	}
	return out
}

// ExportRow is one NC in the CSV and XLSX exports, in column order; its
// dates are the office's (loc): an NC created at 02:25 on 02/12 in Hanoi
// was created on 02/12, not on the UTC date 01/12.
func ExportRow(nc NC, today time.Time, loc *time.Location) []string {
	overdue := "no"
	for _, a := range nc.Actions {
		if a.OverdueOn(today) {
			overdue = "yes"
		}
	}
	if nc.Overdue {
		overdue = "yes"
	}
	closed := ""
	if nc.ClosedAt != nil {
		closed = nc.ClosedAt.In(loc).Format("2006-01-02")
	}
	return []string{
		nc.Number, nc.Status, nc.Severity, nc.Source, nc.SourceRef, nc.Unit, strings.Join(nc.Clauses, " "),
		nc.Title, nc.DetectedBy, nc.DetectedOn.Format("2006-01-02"), strings.Join(nc.CauseCategories, " "),
		nc.CauseSummary, overdue, nc.CreatedAt.In(loc).Format("2006-01-02"), closed,
	}
}

// ExportHeader names the export columns.
var ExportHeader = []string{"number", "status", "severity", "source", "source_ref", "unit", "clauses", "title",
	"detected_by", "detected_on", "cause_categories", "cause_summary", "overdue", "created_on", "closed_on"}
