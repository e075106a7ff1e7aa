package leadership

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// SuggestAfter is the number of consecutive complete months a service's
// on-time rate must stay below its objective for a risk to be suggested.
const SuggestAfter = 3

// suggestWindow is how many complete months back a streak is looked for.
const suggestWindow = 12

// LateObjective is a quality objective on a service's on-time rate (the
// process capability's objective with kpi on_time_rate and a service): its
// late-dossier rate is above the objective when the on-time rate is below
// the target.
type LateObjective struct {
	ID          string       `db:"id"`
	Title       string       `db:"title"`
	Unit        string       `db:"unit"`
	Service     string       `db:"service_code"`
	ServiceName string       `db:"service_name"`
	Target      float64      `db:"target"`
	From        workday.Date `db:"-"`
	To          workday.Date `db:"-"`
}

// MonthRate is one month's figures of a service: the dossiers returned,
// the late ones and the on-time rate in percent (two decimals, as the
// process capability computes it).
type MonthRate struct {
	Month      string  `json:"month"` // yyyy-mm
	Returned   int64   `json:"returned"`
	Late       int64   `json:"late"`
	OnTimeRate float64 `json:"on_time_rate"`
}

// SuggestionDecision is the coordinator's decision on one streak.
type SuggestionDecision struct {
	ObjectiveID string       `db:"objective_id"`
	StreakFrom  workday.Date `db:"-"`
	StreakTo    workday.Date `db:"-"`
	Unit        string       `db:"unit"`
	Service     string       `db:"service_code"`
	Decision    string       `db:"decision"` // accepted, dismissed
	Reason      string       `db:"reason"`
	RiskID      string       `db:"risk_id"`
	By          string       `db:"decided_login"`
	At          time.Time    `db:"decided_at"`
}

// Decisions on a suggestion.
const (
	SuggestionAccepted  = "accepted"
	SuggestionDismissed = "dismissed"
)

// Suggestion is a risk suggested by a service whose late-dossier rate has
// stayed above its objective (its on-time rate below the target) for at
// least SuggestAfter consecutive complete months up to the last one. It is
// never an entry of the register by itself: the coordinator accepts it (a
// risk pre-filled from the trend) or dismisses it (for that streak).
type Suggestion struct {
	ID             string      `json:"id"` // objective id "." first month of the streak
	ObjectiveID    string      `json:"objective_id"`
	ObjectiveTitle string      `json:"objective_title"`
	Unit           string      `json:"unit"`
	Service        string      `json:"service"`
	ServiceName    string      `json:"service_name"`
	Target         float64     `json:"target"`
	From           string      `json:"from"` // yyyy-mm
	To             string      `json:"to"`
	Months         []MonthRate `json:"months"` // the streak's months, oldest first
	Draft          RiskInput   `json:"draft"`  // the risk accepting it adds, unless told otherwise
}

func monthOf(d workday.Date) workday.Date { return workday.Date{Year: d.Year, Month: d.Month, Day: 1} }

func addMonths(d workday.Date, n int) workday.Date {
	t := time.Date(d.Year, d.Month+time.Month(n), 1, 12, 0, 0, 0, time.UTC)
	return workday.Date{Year: t.Year(), Month: t.Month(), Day: 1}
}

func monthKey(d workday.Date) string { return fmt.Sprintf("%04d-%02d", d.Year, d.Month) }

func endOfMonth(d workday.Date) workday.Date { return addMonths(d, 1).AddDays(-1) }

// Suggestions lists the suggested risks in the units where the actor
// decides on them (risk decide: the coordinator); others see none.
func (s *Risks) Suggestions(ctx context.Context) ([]Suggestion, error) {
	_, sc, err := s.scope(ctx, riskDecide)
	if err != nil || sc.Empty() {
		return []Suggestion{}, err
	}
	return s.suggestions(ctx, sc)
}

func (s *Risks) suggestions(ctx context.Context, sc qms.Scope) ([]Suggestion, error) {
	last := addMonths(monthOf(s.Today()), -1) // the last complete month
	first := addMonths(last, 1-suggestWindow)
	objs, err := s.store.LateObjectives(ctx, sc, first, endOfMonth(last))
	if err != nil {
		return nil, err
	}
	out := []Suggestion{}
	var ids []string
	for _, o := range objs {
		// The streak runs up to the last complete month, which the
		// objective's period must still cover.
		if o.To.Before(last) || last.Before(monthOf(o.From)) {
			continue
		}
		from := first
		if from.Before(monthOf(o.From)) {
			from = monthOf(o.From)
		}
		rates, err := s.store.ServiceMonths(ctx, o.Unit, o.Service, from, endOfMonth(last))
		if err != nil {
			return nil, err
		}
		streak := lateStreak(rates, o.Target, from, last)
		if len(streak) < SuggestAfter {
			continue
		}
		out = append(out, s.suggestion(o, streak))
		ids = append(ids, o.ID)
	}
	if len(out) == 0 {
		return out, nil
	}
	decided, err := s.store.Decisions(ctx, ids)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, d := range decided {
		seen[d.ObjectiveID+"."+monthKey(d.StreakFrom)] = true
	}
	open := out[:0]
	for _, sg := range out {
		if !seen[sg.ID] {
			open = append(open, sg)
		}
	}
	return open, nil
}

// lateStreak returns the months, oldest first, of the run of consecutive
// months ending at last whose on-time rate is below target (a month
// without returned dossiers, or at or above the target, ends it), looking
// no further back than from.
func lateStreak(rates []MonthRate, target float64, from, last workday.Date) []MonthRate {
	by := map[string]MonthRate{}
	for _, r := range rates {
		by[r.Month] = r
	}
	var rev []MonthRate
	for m := last; !m.Before(from); m = addMonths(m, -1) {
		r, ok := by[monthKey(m)]
		if !ok || r.OnTimeRate >= target { // the store gives no month without returns
			break
		}
		rev = append(rev, r)
	}
	out := make([]MonthRate, len(rev))
	for i, r := range rev {
		out[len(rev)-1-i] = r
	}
	return out
}

// suggestion makes the suggestion of objective o's streak, with the risk
// accepting it adds: the service's risk of late dossiers in o's unit,
// likely (four fifths of the scale) with a middling impact (three fifths),
// to be reduced, reviewed in 30 days.
func (s *Risks) suggestion(o LateObjective, streak []MonthRate) Suggestion {
	sg := Suggestion{ObjectiveID: o.ID, ObjectiveTitle: o.Title, Unit: o.Unit, Service: o.Service, ServiceName: o.ServiceName,
		Target: o.Target, From: streak[0].Month, To: streak[len(streak)-1].Month, Months: streak}
	sg.ID = o.ID + "." + sg.From
	title := o.ServiceName
	if title == "" {
		title = o.Service
	}
	if rs := []rune(title); len(rs) > 300 {
		title = string(rs[:300])
	}
	l, i := (4*s.o.Scale.Likelihood+4)/5, (3*s.o.Scale.Impact+4)/5
	sg.Draft = RiskInput{Kind: KindRisk, Unit: o.Unit, ProcessKind: ProcessService, ProcessCode: o.Service, Title: title,
		Likelihood: l, Impact: i, ResidualLikelihood: l, ResidualImpact: i, Treatment: "reduce",
		ReviewOn: s.Today().AddDays(30), Status: RiskOpen}
	return sg
}

// find returns the open suggestion id in the units where the actor
// decides; another (decided, no longer true, of another unit, or made up)
// is not found.
func (s *Risks) find(ctx context.Context, id string) (qms.Actor, Suggestion, error) {
	a, sc, err := s.scope(ctx, riskDecide)
	if err != nil {
		return a, Suggestion{}, err
	}
	obj, month, ok := strings.Cut(id, ".")
	if ok && qms.ValidID(obj) && len(month) == 7 && !sc.Empty() {
		list, err := s.suggestions(ctx, sc)
		if err != nil {
			return a, Suggestion{}, err
		}
		for _, sg := range list {
			if sg.ID == id {
				return a, sg, nil
			}
		}
	}
	return a, Suggestion{}, qms.Errorf(qms.ErrNotFound, "no suggested risk %s", id)
}

// AcceptInput is what accepting a suggestion may change of its draft; an
// empty field keeps the draft's value. The kind, the unit and the service
// are the suggestion's.
type AcceptInput struct {
	Title              string       `json:"title"`
	Description        string       `json:"description"`
	Cause              string       `json:"cause"`
	Consequence        string       `json:"consequence"`
	Likelihood         int          `json:"likelihood"`
	Impact             int          `json:"impact"`
	ResidualLikelihood int          `json:"residual_likelihood"`
	ResidualImpact     int          `json:"residual_impact"`
	Treatment          string       `json:"treatment"`
	TreatmentNote      string       `json:"treatment_note"`
	Owner              string       `json:"owner"` // the accepting coordinator when empty
	ReviewOn           workday.Date `json:"review_on"`
	Status             string       `json:"status"`
}

// Accept turns a suggestion into a risk of the register (risk decide in
// its unit), linked to its service and its trend, and records the decision
// on the streak in the same transaction.
func (s *Risks) Accept(ctx context.Context, id string, in AcceptInput) (Risk, error) {
	a, sg, err := s.find(ctx, id)
	if err != nil {
		return Risk{}, err
	}
	d := sg.Draft
	pick := func(v, def string) string {
		if strings.TrimSpace(v) == "" {
			return def
		}
		return v
	}
	num := func(v, def int) int {
		if v == 0 {
			return def
		}
		return v
	}
	d.Title, d.Description, d.Cause, d.Consequence = pick(in.Title, d.Title), in.Description, in.Cause, in.Consequence
	d.Likelihood, d.Impact = num(in.Likelihood, d.Likelihood), num(in.Impact, d.Impact)
	d.ResidualLikelihood, d.ResidualImpact = num(in.ResidualLikelihood, d.ResidualLikelihood), num(in.ResidualImpact, d.ResidualImpact)
	d.Treatment, d.TreatmentNote, d.Owner, d.Status = pick(in.Treatment, d.Treatment), in.TreatmentNote, pick(in.Owner, a.Login), pick(in.Status, d.Status)
	if !in.ReviewOn.IsZero() {
		d.ReviewOn = in.ReviewOn
	}
	r, err := s.newRisk(d)
	if err != nil {
		return r, err
	}
	r.CreatedBy = a.Login
	from, _ := time.Parse("2006-01", sg.From)
	to, _ := time.Parse("2006-01", sg.To)
	r.Trend = &Trend{ObjectiveID: sg.ObjectiveID, From: sg.From, To: sg.To}
	dec := &SuggestionDecision{ObjectiveID: sg.ObjectiveID, StreakFrom: qms.DateFromTime(from), StreakTo: qms.DateFromTime(to),
		Unit: sg.Unit, Service: sg.Service, Decision: SuggestionAccepted, By: a.Login}
	det := riskDetails(r)
	det["suggestion"], det["trend_from"], det["trend_to"] = sg.ID, sg.From, sg.To
	ev := trail.NewEvent(ctx, "risk.suggestion_accept", ObjRisk, "", r.Unit, det)
	r, err = s.store.CreateRisk(ctx, r, dec, ev)
	return s.shown(r), err
}

// DismissInput is the coordinator's reason for dismissing a suggestion.
type DismissInput struct {
	Reason string `json:"reason"`
}

// Dismiss sets a suggestion aside (risk decide in its unit): the streak it
// came from is not suggested again, however long it lasts; a new streak
// after a month at or above the objective is.
func (s *Risks) Dismiss(ctx context.Context, id string, in DismissInput) (Suggestion, error) {
	a, sg, err := s.find(ctx, id)
	if err != nil {
		return Suggestion{}, err
	}
	reason, err := qms.CleanText("reason", in.Reason, 2000, false, true)
	if err != nil {
		fe := qms.FieldErrors{}
		fe.AddErr("reason", err)
		return Suggestion{}, fe.Err()
	}
	from, _ := time.Parse("2006-01", sg.From)
	to, _ := time.Parse("2006-01", sg.To)
	dec := SuggestionDecision{ObjectiveID: sg.ObjectiveID, StreakFrom: qms.DateFromTime(from), StreakTo: qms.DateFromTime(to),
		Unit: sg.Unit, Service: sg.Service, Decision: SuggestionDismissed, Reason: reason, By: a.Login}
	ev := trail.NewEvent(ctx, "risk.suggestion_dismiss", "risk_suggestion", sg.ID, sg.Unit,
		map[string]any{"service": sg.Service, "objective": sg.ObjectiveID, "from": sg.From, "to": sg.To, "reason": reason})
	return sg, s.store.Dismiss(ctx, dec, ev)
}
