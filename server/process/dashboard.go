package process

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

// UnitRow is one line of the dashboard's per-unit table.
type UnitRow struct {
	KPI
	OpenNCs        int `json:"open_ncs"`
	OverdueActions int `json:"overdue_actions"`
}

// HeatCell is one cell of the overdue heatmap: late dossiers of a unit in a month.
type HeatCell struct {
	Unit  string `json:"unit"`
	Month string `json:"month"`
	Late  int64  `json:"late"`
}

// Dashboard is the office at a glance.
type Dashboard struct {
	From         workday.Date     `json:"from"`
	To           workday.Date     `json:"to"`
	Total        KPI              `json:"total"`
	Trend        []KPI            `json:"trend"` // by month
	Units        []UnitRow        `json:"units"`
	Fields       []KPI            `json:"fields"`
	Objectives   []Objective      `json:"objectives"`
	Directives   map[string]int   `json:"directives"` // by state, plus "overdue"
	NonCompliant []UnitCompliance `json:"non_compliant"`
	Heatmap      []HeatCell       `json:"heatmap"`
	Months       []string         `json:"months"`
	Triage       int              `json:"triage"`
	// HasNCs says whether the NC columns of Units are counted.
	HasNCs bool `json:"-"`
}

// UnitCompliance is one unit in the list of units not complying.
type UnitCompliance struct {
	Unit               string `json:"unit" db:"unit"`
	OverdueDirectives  int    `json:"overdue_directives" db:"overdue_directives"`
	ReturnedDirectives int    `json:"returned_directives" db:"returned_directives"`
	LateDossiersOpen   int    `json:"late_dossiers_open" db:"late_dossiers_open"`
	// OverdueRevisions: procedures not revised within three months of a
	// legal change.
	OverdueRevisions int `json:"overdue_revisions" db:"-"`
}

// Dashboard assembles the dashboard over the last twelve months (or
// from..to). Its parts are independent reads of small summary tables, so
// they run concurrently: the page waits for the slowest, not for the sum.
func (p *Service) Dashboard(ctx context.Context, from, to workday.Date) (Dashboard, error) {
	var db Dashboard
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return db, err
	}
	today := p.today(ctx)
	if to == (workday.Date{}) {
		to = today
	}
	if from == (workday.Date{}) {
		t := time.Date(to.Year, to.Month-11, 1, 12, 0, 0, 0, time.UTC)
		from = workday.Date{Year: t.Year(), Month: t.Month(), Day: 1}
	}
	if to.Before(from) {
		return db, qms.Errorf(qms.ErrInvalid, "from must not be after to")
	}
	db.From, db.To = from, to
	var (
		units  []KPI
		heat   []HeatCell
		counts map[string]NCCount
	)
	db.Directives = map[string]int{"open": 0, "reported": 0, "accepted": 0, "returned": 0, "overdue": 0}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	run := func(fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	run(func() (err error) { db.Trend, err = p.KPIs(ctx, KPIQuery{From: from, To: to, By: "month"}); return })
	run(func() (err error) { units, err = p.KPIs(ctx, KPIQuery{From: from, To: to, By: "unit"}); return })
	run(func() (err error) { db.Fields, err = p.KPIs(ctx, KPIQuery{From: from, To: to, By: "field"}); return })
	run(func() (err error) { db.Objectives, err = p.Objectives(ctx); return })
	if p.o.Directives != nil {
		run(func() error {
			n, err := p.o.Directives.DirectiveStates(ctx)
			for k, v := range n {
				db.Directives[k] = v
			}
			return err
		})
	}
	run(func() (err error) { db.NonCompliant, err = p.NonCompliantUnits(ctx); return })
	run(func() (err error) { heat, err = p.store.LateHeatmap(ctx, from, to, sc); return })
	run(func() (err error) {
		db.Triage, err = p.store.CountLate(ctx, []string{LateInTriage, LatePending}, sc)
		return
	})
	if p.o.NCs != nil {
		db.HasNCs = true
		run(func() error { counts, _ = p.o.NCs.OpenByUnit(ctx); return nil })
	}
	wg.Wait()
	if first != nil {
		return db, first
	}
	for _, k := range db.Trend {
		db.Total.Received += k.Received
		db.Total.InPerson += k.InPerson
		db.Total.Online += k.Online
		db.Total.Postal += k.Postal
		db.Total.Returned += k.Returned
		db.Total.Early += k.Early
		db.Total.OnTime += k.OnTime
		db.Total.Late += k.Late
		db.Total.DaysSum += k.DaysSum
	}
	db.Total.Derive()
	for _, u := range units {
		row := UnitRow{KPI: u}
		if counts != nil {
			c := counts[u.Key]
			row.OpenNCs, row.OverdueActions = c.Open, c.OverdueActions
		}
		db.Units = append(db.Units, row)
	}
	db.Heatmap = heat
	for m := time.Date(from.Year, from.Month, 1, 12, 0, 0, 0, time.UTC); !m.After(to.In(time.UTC)); m = m.AddDate(0, 1, 0) {
		db.Months = append(db.Months, m.Format("2006-01"))
	}
	return db, nil
}

// NonCompliantUnits is the list of units not complying: overdue
// directives, directives whose report was returned (the unit has not yet
// done what was asked: it stays listed until it reports again) and late
// dossiers still open, per unit in the actor's scope, worst first. The
// dashboard reads it.
func (p *Service) NonCompliantUnits(ctx context.Context) ([]UnitCompliance, error) {
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return nil, err
	}
	late, err := p.store.OpenLateByUnit(ctx)
	if err != nil {
		return nil, err
	}
	dirs := map[string]DirectiveCount{}
	if p.o.Directives != nil {
		if dirs, err = p.o.Directives.DirectivesByUnit(ctx); err != nil {
			return nil, err
		}
	}
	out := []UnitCompliance{}
	add := func(unit string) {
		d, l := dirs[unit], late[unit]
		if sc.Has(unit) && d.Overdue+d.Returned+d.OverdueRevisions+l > 0 {
			out = append(out, UnitCompliance{Unit: unit, OverdueDirectives: d.Overdue, ReturnedDirectives: d.Returned, LateDossiersOpen: l,
				OverdueRevisions: d.OverdueRevisions})
		}
	}
	for u := range dirs {
		add(u)
	}
	for u := range late {
		if _, seen := dirs[u]; !seen {
			add(u)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.OverdueDirectives != b.OverdueDirectives {
			return a.OverdueDirectives > b.OverdueDirectives
		}
		if a.ReturnedDirectives != b.ReturnedDirectives {
			return a.ReturnedDirectives > b.ReturnedDirectives
		}
		if a.OverdueRevisions != b.OverdueRevisions {
			return a.OverdueRevisions > b.OverdueRevisions
		}
		if a.LateDossiersOpen != b.LateDossiersOpen {
			return a.LateDossiersOpen > b.LateDossiersOpen
		}
		return a.Unit < b.Unit
	})
	return out, nil
}
