package process

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// Objective kinds of measure.
var ObjectiveKPIs = []string{"on_time_rate", "early_rate", "late_count", "online_share", "postal_share", "mean_days"}

// Objective is a quality objective (ISO 9001 6.2) measured on a KPI.
type Objective struct {
	ID         string       `json:"id" db:"id"`
	Title      string       `json:"title" db:"title"`
	KPI        string       `json:"kpi" db:"kpi"`
	Comparator string       `json:"comparator" db:"comparator"` // ">=" or "<="
	Target     float64      `json:"target" db:"target"`
	From       workday.Date `json:"period_from" db:"-"`
	To         workday.Date `json:"period_to" db:"-"`
	Unit       string       `json:"unit" db:"unit"`
	Field      string       `json:"field,omitempty" db:"field"`
	Service    string       `json:"service,omitempty" db:"service_code"`
	CreatedBy  string       `json:"created_by" db:"created_by"`
	CreatedAt  time.Time    `json:"created_at" db:"created_at"`
	Progress   *Progress    `json:"progress,omitempty" db:"-"`
}

// Progress is an objective measured on the data so far.
type Progress struct {
	Value    *float64 `json:"value"`    // nil: nothing to measure yet
	Basis    int64    `json:"basis"`    // dossiers returned (or received for shares) in the period so far
	Status   string   `json:"status"`   // on_track, off_track, no_data
	Fraction float64  `json:"fraction"` // 0..1: the share of the target reached
	// Max is the top of the KPI's scale (100 for a percentage; for a count
	// or a number of days twice the target, or the value when higher), so a
	// gauge shows the value on its scale with the target marked, and an
	// objective off track never looks nearly done.
	Max  float64 `json:"max"`
	AsOf string  `json:"as_of"`
}

// percentKPIs are the objectives' KPIs measured in percent.
var percentKPIs = map[string]bool{"on_time_rate": true, "early_rate": true, "online_share": true, "postal_share": true}

// Measured is the measured value, 0 without data (for a gauge).
func (p Progress) Measured() float64 {
	if p.Value == nil {
		return 0
	}
	return *p.Value
}

// Show formats the measured value with two decimals, "" without data.
func (p Progress) Show() string {
	if p.Value == nil {
		return ""
	}
	return strconv.FormatFloat(*p.Value, 'f', 2, 64)
}

// Measure computes the progress of o from k.
func (o Objective) Measure(k KPI, asOf workday.Date) Progress {
	v := k.Value(o.KPI)
	pr := Progress{Value: v, Status: "no_data", AsOf: asOf.String(), Max: 100}
	if !percentKPIs[o.KPI] {
		pr.Max = math.Max(1, 2*o.Target)
		if v != nil && *v > pr.Max {
			pr.Max = *v
		}
	}
	pr.Basis = k.Returned
	if o.KPI == "online_share" || o.KPI == "postal_share" {
		pr.Basis = k.Received
	}
	if v == nil {
		return pr
	}
	ok := *v >= o.Target
	if o.Comparator == "<=" {
		ok = *v <= o.Target
	}
	pr.Status = "off_track"
	if ok {
		pr.Status = "on_track"
	}
	switch {
	case o.Comparator == ">=" && o.Target > 0:
		pr.Fraction = math.Min(1, math.Max(0, *v/o.Target))
	case o.Comparator == "<=" && *v > 0:
		pr.Fraction = math.Min(1, math.Max(0, o.Target / *v))
	default:
		pr.Fraction = 1
	}
	return pr
}

// CreateObjective sets a quality objective (process manage in its unit).
func (p *Service) CreateObjective(ctx context.Context, o Objective) (Objective, error) {
	fe := qms.FieldErrors{}
	var err error
	if o.Title, err = qms.CleanText("title", o.Title, 300, true, false); err != nil {
		fe.AddErr("title", err)
	}
	if !oneOf(o.KPI, ObjectiveKPIs) {
		fe.Add("kpi", "one of on_time_rate, early_rate, late_count, online_share, postal_share, mean_days")
	}
	if o.Comparator == "" {
		o.Comparator = ">="
		if o.KPI == "late_count" || o.KPI == "mean_days" {
			o.Comparator = "<="
		}
	}
	if o.Comparator != ">=" && o.Comparator != "<=" {
		fe.Add("comparator", ">= or <=")
	}
	if math.IsNaN(o.Target) || o.Target < 0 || (o.Target > 100 && o.KPI != "late_count" && o.KPI != "mean_days") {
		fe.Add("target", "a percentage between 0 and 100 (or a count / a number of days)")
	}
	if o.From == (workday.Date{}) || o.To == (workday.Date{}) || o.To.Before(o.From) {
		fe.Add("period_to", "the period needs a start and an end, in order")
	}
	if !qms.ValidUnitCode(o.Unit) {
		fe.Add("unit", "unknown unit")
	}
	if o.Field != "" && !fieldRE.MatchString(o.Field) {
		fe.Add("field", "a field code")
	}
	if err := fe.Err(); err != nil {
		return o, err
	}
	a, err := p.require(ctx, o.Unit, ObjProcess, ActManage)
	if err != nil {
		return o, err
	}
	o.CreatedBy = a.Login
	ev := trail.NewEvent(ctx, "objective.create", "objective", "", o.Unit, map[string]any{
		"title": o.Title, "kpi": o.KPI, "comparator": o.Comparator, "target": o.Target, "from": o.From.String(), "to": o.To.String()})
	o, err = p.store.CreateObjective(ctx, o, ev)
	if err != nil {
		return o, err
	}
	// the answer carries the progress, as the list does
	pr, err := p.progress(ctx, o, p.today(ctx))
	if err != nil {
		return o, err
	}
	o.Progress = &pr
	return o, nil
}

// Objectives lists the objectives of the actor's units with their progress
// measured on the data so far.
func (p *Service) Objectives(ctx context.Context) ([]Objective, error) {
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return nil, err
	}
	list, err := p.store.Objectives(ctx, sc)
	if err != nil {
		return nil, err
	}
	today := p.today(ctx)
	for i := range list {
		pr, err := p.progress(ctx, list[i], today)
		if err != nil {
			return nil, err
		}
		list[i].Progress = &pr
	}
	return list, nil
}

func (p *Service) progress(ctx context.Context, o Objective, today workday.Date) (Progress, error) {
	to := o.To
	if today.Before(to) {
		to = today
	}
	if to.Before(o.From) {
		return Progress{Status: "no_data", AsOf: today.String()}, nil
	}
	rows, err := p.store.KPIs(ctx, KPIQuery{Scope: qms.Scope{All: true}, Unit: o.Unit, Field: o.Field, Service: o.Service, From: o.From, To: to})
	if err != nil {
		return Progress{}, err
	}
	var k KPI
	if len(rows) > 0 {
		k = rows[0]
	}
	k.Derive()
	return o.Measure(k, to), nil
}

// OffTrack is an objective off track, for a person's home page (worded by
// the web layer).
type OffTrack struct {
	ID         string
	Title      string
	KPI        string
	Value      float64
	Comparator string
	Target     float64
}

// OffTrack returns the objectives off track in the units a watches (unit
// heads and the coordinator hold process.watch), for the home page.
func (p *Service) OffTrack(ctx context.Context, a qms.Actor) ([]OffTrack, error) {
	var out []OffTrack
	today := p.today(ctx)
	watch := p.authz.Scope(a.UserID, ObjProcess, actWatch)
	if !watch.Empty() {
		list, err := p.store.Objectives(ctx, watch)
		if err != nil {
			return nil, err
		}
		for _, o := range list {
			if o.To.Before(today) || today.Before(o.From) {
				continue
			}
			pr, err := p.progress(ctx, o, today)
			if err != nil {
				return nil, err
			}
			if pr.Status == "off_track" {
				out = append(out, OffTrack{ID: o.ID, Title: o.Title, KPI: o.KPI, Value: *pr.Value, Comparator: o.Comparator, Target: o.Target})
			}
		}
	}
	return out, nil
}
