package process

import (
	"context"
	"time"

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

// Dashboard assembles the dashboard over the last twelve months (or from..to).
func (p *Process) Dashboard(ctx context.Context, from, to workday.Date, ncs NCSummary) (Dashboard, error) {
	var db Dashboard
	trend, err := p.KPIs(ctx, KPIQuery{From: from, To: to, By: "month"})
	if err != nil {
		return db, err
	}
	db.Trend = trend
	today := workday.DateOf(p.now(), p.loc)
	if to == (workday.Date{}) {
		to = today
	}
	if from == (workday.Date{}) {
		t := time.Date(to.Year, to.Month-11, 1, 12, 0, 0, 0, time.UTC)
		from = workday.Date{Year: t.Year(), Month: t.Month(), Day: 1}
	}
	db.From, db.To = from, to
	for _, k := range trend {
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
	units, err := p.KPIs(ctx, KPIQuery{From: from, To: to, By: "unit"})
	if err != nil {
		return db, err
	}
	var counts map[string][2]int
	if ncs != nil {
		counts, _ = ncs.OpenByUnit(ctx, p.now())
	}
	for _, u := range units {
		row := UnitRow{KPI: u}
		if counts != nil {
			c := counts[u.Key]
			row.OpenNCs, row.OverdueActions = c[0], c[1]
		}
		db.Units = append(db.Units, row)
	}
	if db.Fields, err = p.KPIs(ctx, KPIQuery{From: from, To: to, By: "field"}); err != nil {
		return db, err
	}
	if db.Objectives, err = p.Objectives(ctx); err != nil {
		return db, err
	}
	ds, err := p.Directives(ctx, DirectiveFilter{})
	if err != nil {
		return db, err
	}
	db.Directives = map[string]int{DirectiveOpen: 0, DirectiveReported: 0, DirectiveAccepted: 0, DirectiveReturned: 0, "overdue": 0}
	for _, d := range ds {
		db.Directives[d.State]++
		if d.Overdue {
			db.Directives["overdue"]++
		}
	}
	if db.NonCompliant, err = p.NonCompliantUnits(ctx); err != nil {
		return db, err
	}
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return db, err
	}
	heat, err := p.store.LateHeatmap(ctx, from, to, sc)
	if err != nil {
		return db, err
	}
	db.Heatmap = heat
	for m := time.Date(from.Year, from.Month, 1, 12, 0, 0, 0, time.UTC); !m.After(to.In(time.UTC)); m = m.AddDate(0, 1, 0) {
		db.Months = append(db.Months, m.Format("2006-01"))
	}
	tr, err := p.Triage(ctx)
	if err != nil {
		return db, err
	}
	db.Triage = len(tr)
	return db, nil
}
