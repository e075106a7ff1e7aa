package process

import (
	"context"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

// The one-stop desk (Bộ phận Một cửa) receives, hands over, records
// supplements, routes and returns the dossiers of every unit; the
// competent unit processes them. A desk officer holds the role desk in the
// desk's unit, and the desk's permissions (dossier receive, hand_over,
// supplement, return, route, read) are asked there: holding one of them in
// any unit lets the officer do that act on a dossier of any unit (see
// receivingUnit and mayAct), while extensions and withdrawals need the
// dossier's own unit.

// RouteRequest moves a dossier received at a unit that is not the
// competent one to the competent unit.
type RouteRequest struct {
	ToUnit string `json:"to_unit"`
	// At is when the competent unit received it; now when zero.
	At time.Time `json:"at"`
}

// Route moves a dossier waiting for its routing to the competent unit: a
// "routed" event (its trail entry in the same transaction), from which the
// processing time counts. A dossier routes once: a repeat of the same
// routing is answered as a duplicate, another is refused.
func (p *Service) Route(ctx context.Context, number string, in RouteRequest) (Dossier, bool, error) {
	ctx, now := p.withNow(ctx)
	if in.At.IsZero() {
		in.At = now
	}
	d, dup, err := p.AddEvent(ctx, number, Event{EventID: "route", Type: EventRouted, ToUnit: in.ToUnit, At: in.At})
	if err == nil && dup && d.Unit != in.ToUnit {
		return d, false, qms.Errorf(qms.ErrState, "the dossier was already routed to its competent unit")
	}
	return d, dup, err
}

// DeskQueue is the desk's day: what it received today, what is due today
// and tomorrow, the results handed back to the desk and ready to return,
// and what is late (past due, or not handed over in time).
type DeskQueue struct {
	Day          workday.Date `json:"day"`
	Desks        []string     `json:"desks"`
	Received     []Dossier    `json:"received_today"`
	DueToday     []Dossier    `json:"due_today"`
	DueTomorrow  []Dossier    `json:"due_tomorrow"`
	Ready        []Dossier    `json:"ready_to_return"`
	Late         []Dossier    `json:"late"`
	RoutePending []Dossier    `json:"route_pending"`
}

// DeskQuery is what the store answers the queue from.
type DeskQuery struct {
	Desks []string // the desk units ("" for every unit: a desk role held in "*")
	// DayStart and DayEnd bound today; TomorrowEnd the next working day.
	DayStart, DayEnd, TomorrowEnd time.Time
	Now                           time.Time
	Limit                         int
}

// DeskLists are the lists of the desk's queue, as the store finds them.
type DeskLists struct {
	Received, DueToday, DueTomorrow, Ready, Late, RoutePending []Dossier
}

// deskScope is the units where the actor holds the desk's receipt, refused
// when none.
func (p *Service) deskScope(ctx context.Context) (qms.Scope, error) {
	sc, err := p.scope(ctx, ObjDossier, ActReceive)
	if err != nil {
		return sc, err
	}
	if sc.Empty() {
		return sc, qms.Errorf(qms.ErrForbidden, "only the one-stop desk has a queue")
	}
	return sc, nil
}

// Queue answers the desk's queue for the office's today.
func (p *Service) Queue(ctx context.Context) (DeskQueue, error) {
	ctx, now := p.withNow(ctx)
	sc, err := p.deskScope(ctx)
	if err != nil {
		return DeskQueue{}, err
	}
	cal, _, err := p.Calendar(ctx)
	if err != nil {
		return DeskQueue{}, err
	}
	loc := p.o.Location
	today := workday.DateOf(now, loc)
	start := time.Date(today.Year, today.Month, today.Day, 0, 0, 0, 0, loc)
	next := cal.NextWorkingDay(today.AddDays(1))
	q := DeskQuery{Desks: sc.Filter(), DayStart: start, DayEnd: start.AddDate(0, 0, 1),
		TomorrowEnd: time.Date(next.Year, next.Month, next.Day, 0, 0, 0, 0, loc).AddDate(0, 0, 1), Now: now, Limit: 200}
	l, err := p.store.DeskLists(ctx, q)
	if err != nil {
		return DeskQueue{}, err
	}
	out := DeskQueue{Day: today, Desks: sc.Units, Received: l.Received, DueToday: l.DueToday, DueTomorrow: l.DueTomorrow,
		Ready: l.Ready, Late: l.Late, RoutePending: l.RoutePending}
	if out.Desks == nil {
		out.Desks = []string{}
	}
	for _, list := range [][]Dossier{out.Received, out.DueToday, out.DueTomorrow, out.Ready, out.Late, out.RoutePending} {
		for i := range list {
			list[i].Overdue = list[i].Clock.Overdue(now)
		}
	}
	return out, nil
}

// RoutingQueue lists the dossiers whose competent unit is not set yet,
// oldest first.
func (p *Service) RoutingQueue(ctx context.Context) ([]Dossier, error) {
	q, err := p.Queue(ctx)
	return q.RoutePending, err
}

// HandoverCount is one desk officer's hand-overs on one day: how many
// dossiers received in person had a hand-over deadline, and how many of
// them were handed over late (or are still at the desk past it).
type HandoverCount struct {
	Officer string `json:"officer" db:"officer"`
	Day     string `json:"day" db:"day"`
	Total   int    `json:"total" db:"total"`
	Late    int    `json:"late" db:"late"`
}

// Handovers counts the desk's hand-overs per officer and per day of
// receipt, between from and to (inclusive, office dates).
func (p *Service) Handovers(ctx context.Context, from, to workday.Date) ([]HandoverCount, error) {
	ctx, now := p.withNow(ctx)
	sc, err := p.deskScope(ctx)
	if err != nil {
		// Those who manage the processes see every desk's figures.
		if msc, _ := p.scope(ctx, ObjProcess, ActManage); !msc.Empty() {
			sc, err = msc, nil
		} else {
			return nil, err
		}
	}
	if to.Before(from) {
		return nil, qms.Errorf(qms.ErrInvalid, "the period ends before it starts")
	}
	loc := p.o.Location
	f := time.Date(from.Year, from.Month, from.Day, 0, 0, 0, 0, loc)
	t := time.Date(to.Year, to.Month, to.Day, 0, 0, 0, 0, loc).AddDate(0, 0, 1)
	if t.Sub(f) > 400*24*time.Hour {
		return nil, qms.Errorf(qms.ErrInvalid, "the period may span at most 400 days")
	}
	return p.store.Handovers(ctx, sc.Filter(), f, t, now)
}

// AllProcedures lists every procedure of the office for the desk's
// service picker (the desk receives for every unit).
func (p *Service) AllProcedures(ctx context.Context) ([]Procedure, error) {
	if _, err := p.deskScope(ctx); err != nil {
		return nil, err
	}
	return p.store.Procedures(ctx, qms.Scope{All: true})
}
