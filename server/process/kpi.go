package process

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

// KPI groupings.
var KPIGroupings = []string{"", "month", "day", "unit", "field", "service", "channel"}

// KPIQuery selects and groups the numbers.
type KPIQuery struct {
	Scope   qms.Scope
	Unit    string
	Field   string
	Service string
	From    workday.Date // inclusive
	To      workday.Date // inclusive
	By      string       // one of KPIGroupings
}

// KPI is the set of numbers the office is judged by, for one group.
type KPI struct {
	Key         string   `json:"key" db:"key"`
	Received    int64    `json:"received" db:"received"`
	InPerson    int64    `json:"in_person" db:"in_person"`
	Online      int64    `json:"online" db:"online"` // partial and full-process online
	OnlineFull  int64    `json:"online_full" db:"online_full"`
	Postal      int64    `json:"postal" db:"postal"`
	Returned    int64    `json:"returned" db:"returned"`
	Early       int64    `json:"early" db:"early"`
	OnTime      int64    `json:"on_time" db:"on_time"`
	Late        int64    `json:"late" db:"late"`
	DaysSum     float64  `json:"-" db:"days_sum"`
	OnTimeRate  *float64 `json:"on_time_rate"` // (early + on time) / returned, in percent
	EarlyRate   *float64 `json:"early_rate"`
	OnlineShare *float64 `json:"online_share"`
	// OnlineFullShare is the full-process online share of the received.
	OnlineFullShare *float64 `json:"online_full_share"`
	PostalShare     *float64 `json:"postal_share"`
	MeanDays        *float64 `json:"mean_days"`
}

func pct(a, b int64) *float64 {
	if b == 0 {
		return nil
	}
	v := math.Round(float64(a)*10000/float64(b)) / 100
	return &v
}

// Derive computes the rates from the counts.
func (k *KPI) Derive() {
	k.OnTimeRate = pct(k.Early+k.OnTime, k.Returned)
	k.EarlyRate = pct(k.Early, k.Returned)
	k.OnlineShare = pct(k.Online, k.Received)
	k.OnlineFullShare = pct(k.OnlineFull, k.Received)
	k.PostalShare = pct(k.Postal, k.Received)
	if k.Returned > 0 {
		v := math.Round(k.DaysSum*100/float64(k.Returned)) / 100
		k.MeanDays = &v
	}
}

// Show formats the KPI named kpi with two decimals for pages, "" when
// there is nothing to measure.
func (k KPI) Show(kpi string) string {
	if v := k.Value(kpi); v != nil {
		return strconv.FormatFloat(*v, 'f', 2, 64)
	}
	return ""
}

// Value returns the KPI named kpi (an objective's measure).
func (k KPI) Value(kpi string) *float64 {
	switch kpi {
	case "on_time_rate":
		return k.OnTimeRate
	case "early_rate":
		return k.EarlyRate
	case "online_share":
		return k.OnlineShare
	case "online_full_share":
		return k.OnlineFullShare
	case "postal_share":
		return k.PostalShare
	case "mean_days":
		return k.MeanDays
	case "late_count":
		v := float64(k.Late)
		return &v
	}
	return nil
}

// KPIs answers GET /kpis: the numbers of the actor's units, grouped.
func (p *Service) KPIs(ctx context.Context, q KPIQuery) ([]KPI, error) {
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return nil, err
	}
	q.Scope = sc
	if !oneOf(q.By, KPIGroupings) {
		return nil, qms.Errorf(qms.ErrInvalid, "by must be one of month, day, unit, field, service, channel")
	}
	today := p.today(ctx)
	if q.To == (workday.Date{}) {
		q.To = today
	}
	if q.From == (workday.Date{}) {
		t := time.Date(q.To.Year, q.To.Month-11, 1, 12, 0, 0, 0, time.UTC)
		q.From = workday.Date{Year: t.Year(), Month: t.Month(), Day: 1}
	}
	if q.To.Before(q.From) {
		return nil, qms.Errorf(qms.ErrInvalid, "from must not be after to")
	}
	if q.To.In(time.UTC).Sub(q.From.In(time.UTC)) > 20*366*24*time.Hour {
		return nil, qms.Errorf(qms.ErrInvalid, "the period is too long")
	}
	rows, err := p.store.KPIs(ctx, q)
	for i := range rows {
		rows[i].Derive()
	}
	return rows, err
}
