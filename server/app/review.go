package app

import (
	"context"

	"github.com/qmstrack/qmstrack/server/index766"
	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/workday"
)

// reviewData reads a management review's inputs: the dossiers' KPIs and
// the objectives from the process capability, the index from index766
// (each as its own pages compute them, with the reader's permissions), and
// the NCs, audits and ratings of the period from the store.
type reviewData struct {
	store *postgres.ReviewStore
	proc  *process.Service
	index *index766.Service
}

var _ leadership.ReviewData = reviewData{}

func kpiRow(k process.KPI) leadership.KPIRow {
	return leadership.KPIRow{Unit: k.Key, Received: k.Received, Returned: k.Returned, OnTime: k.Early + k.OnTime, Late: k.Late,
		Online: k.Online, OnTimeRate: k.OnTimeRate, Online100: k.OnlineShare}
}

func (d reviewData) DossierKPIs(ctx context.Context, from, to workday.Date) (leadership.ReviewKPIs, error) {
	var out leadership.ReviewKPIs
	total, err := d.proc.KPIs(ctx, process.KPIQuery{From: from, To: to})
	if err != nil {
		return out, err
	}
	if len(total) > 0 {
		out.Total = kpiRow(total[0])
	}
	units, err := d.proc.KPIs(ctx, process.KPIQuery{From: from, To: to, By: "unit"})
	if err != nil {
		return out, err
	}
	for _, k := range units {
		out.ByUnit = append(out.ByUnit, kpiRow(k))
	}
	chans, err := d.proc.KPIs(ctx, process.KPIQuery{From: from, To: to, By: "channel"})
	if err != nil {
		return out, err
	}
	for _, k := range chans {
		if k.Key == "postal" {
			out.Postal = kpiRow(k)
		}
	}
	return out, nil
}

func (d reviewData) Index(ctx context.Context, from, to workday.Date) (leadership.ReviewIndex, error) {
	res, err := d.index.Scorecard(ctx, index766.Query{From: from.String()[:7], To: to.String()[:7]})
	if err != nil || len(res.Items) == 0 {
		return leadership.ReviewIndex{}, err
	}
	sc := res.Items[0]
	out := leadership.ReviewIndex{Points: sc.Points, Possible: sc.Possible, Max: sc.Max}
	for _, g := range sc.Groups {
		out.Groups = append(out.Groups, leadership.IndexGroup{Code: g.Code, Name: g.Name, Points: g.Points, Weight: g.Weight})
	}
	return out, nil
}

// Objectives lists the objectives whose period meets the review's, as
// measured on their own period so far.
func (d reviewData) Objectives(ctx context.Context, from, to workday.Date) ([]leadership.ReviewObjective, error) {
	os, err := d.proc.Objectives(ctx)
	if err != nil {
		return nil, err
	}
	var out []leadership.ReviewObjective
	for _, o := range os {
		if o.To.Before(from) || to.Before(o.From) {
			continue
		}
		ro := leadership.ReviewObjective{ID: o.ID, Title: o.Title, Unit: o.Unit, KPI: o.KPI, Status: "no_data"}
		if o.Progress != nil {
			ro.Value, ro.Status = o.Progress.Value, o.Progress.Status
		}
		out = append(out, ro)
	}
	return out, nil
}

func (d reviewData) NCs(ctx context.Context, from, to workday.Date) (leadership.ReviewNCs, error) {
	return d.store.ReviewNCs(ctx, from, to)
}

func (d reviewData) Audits(ctx context.Context, from, to workday.Date) ([]leadership.ReviewAudit, error) {
	return d.store.ReviewAudits(ctx, from, to)
}

func (d reviewData) Satisfaction(ctx context.Context, from, to workday.Date) (leadership.ReviewSatisfaction, error) {
	return d.store.ReviewSatisfaction(ctx, from, to)
}

func (d reviewData) Changes(ctx context.Context, from, to workday.Date) (leadership.ReviewChanges, error) {
	return d.store.ReviewChanges(ctx, from, to)
}

func (d reviewData) RiskActions(ctx context.Context, from, to workday.Date) (leadership.ReviewRiskActions, error) {
	return d.store.ReviewRiskActions(ctx, to)
}
