package process

import (
	"context"
	"sync"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

// NCSummary counts open nonconformities and overdue corrective actions per
// unit; the nonconformity capability implements it and main wires it (nil:
// the dashboard leaves those columns empty).
type NCSummary interface {
	OpenByUnit(ctx context.Context, today time.Time) (map[string][2]int, error) // unit -> {open NCs, overdue actions}
}

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
}

// Dashboard assembles the dashboard over the last twelve months (or
// from..to). Its parts are independent reads of small summary tables, so
// they run concurrently: the page waits for the slowest, not for the sum.
func (p *Process) Dashboard(ctx context.Context, from, to workday.Date, ncs NCSummary) (Dashboard, error) {
	var db Dashboard
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return db, err
	}
	today := workday.DateOf(p.now(), p.loc)
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
		units []KPI
		ds    []Directive
		heat  []HeatCell
	)
	var counts map[string][2]int
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
	run(func() (err error) { ds, err = p.Directives(ctx, DirectiveFilter{}); return })
	run(func() (err error) { db.NonCompliant, err = p.NonCompliantUnits(ctx); return })
	run(func() (err error) { heat, err = p.store.LateHeatmap(ctx, from, to, sc); return })
	run(func() (err error) {
		db.Triage, err = p.store.CountLate(ctx, []string{LateInTriage, LatePending}, sc)
		return
	})
	if ncs != nil {
		run(func() error { counts, _ = ncs.OpenByUnit(ctx, p.now()); return nil })
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
			row.OpenNCs, row.OverdueActions = c[0], c[1]
		}
		db.Units = append(db.Units, row)
	}
	db.Directives = map[string]int{DirectiveOpen: 0, DirectiveReported: 0, DirectiveAccepted: 0, DirectiveReturned: 0, "overdue": 0}
	for _, d := range ds {
		db.Directives[d.State]++
		if d.Overdue {
			db.Directives["overdue"]++
		}
	}
	db.Heatmap = heat
	for m := time.Date(from.Year, from.Month, 1, 12, 0, 0, 0, time.UTC); !m.After(to.In(time.UTC)); m = m.AddDate(0, 1, 0) {
		db.Months = append(db.Months, m.Format("2006-01"))
	}
	return db, nil
}
