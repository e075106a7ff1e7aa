package leadership

import (
	"context"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

// ReviewSchedule is where the yearly review stands: QĐ 19/2014/QĐ-TTg
// asks for a management review at least once a year, so the next one is
// due a year after the last one closed; before any review closed, by the
// end of the current year.
//
// Closing a QMS year records the review due in the next one (YearStore):
// once that next year has begun, the recorded date is the schedule until
// another review closes (CarriedFrom names the closed year). So an office
// that holds no review is shown overdue from the date the year carried,
// where "by the end of the current year" would move the date on each 1
// January.
type ReviewSchedule struct {
	Last    *Review      `json:"last,omitempty"` // the closed review held last
	Due     workday.Date `json:"due"`
	Overdue bool         `json:"overdue"`
	// CarriedFrom is the closed QMS year whose act recorded Due; 0 when
	// Due is counted from the last review (or the current year).
	CarriedFrom int `json:"carried_from,omitempty"`
}

// Schedule says when the next review is due (review read).
func (rv *Reviews) Schedule(ctx context.Context) (ReviewSchedule, error) {
	if _, err := rv.may(ctx, actReviewRead); err != nil {
		return ReviewSchedule{}, err
	}
	return rv.schedule(ctx)
}

func (rv *Reviews) schedule(ctx context.Context) (ReviewSchedule, error) {
	today := rv.s.today()
	var sc ReviewSchedule
	last, err := rv.o.Store.LastClosed(ctx)
	switch {
	case err == nil:
		sc.Last = &last
		sc.Due = yearAfter(last.HeldOn)
	case qms.KindOf(err) == qms.ErrNotFound:
		sc.Due = workday.Date{Year: today.Year, Month: 12, Day: 31}
	default:
		return sc, err
	}
	cy, err := rv.o.Store.CarriedReviewDue(ctx)
	switch {
	case qms.KindOf(err) == qms.ErrNotFound:
	case err != nil:
		return sc, err
	case today.Year > cy.Year && (sc.Last == nil && cy.ReviewLast == "" || sc.Last != nil && sc.Last.ID == cy.ReviewLast):
		sc.Due, sc.CarriedFrom = cy.ReviewDue, cy.Year
	}
	sc.Overdue = sc.Due.Before(today)
	return sc, nil
}

// yearAfter is the same day a year later (28 February for 29 February).
func yearAfter(d workday.Date) workday.Date {
	n := workday.Date{Year: d.Year + 1, Month: d.Month, Day: d.Day}
	if d.Month == 2 && d.Day == 29 {
		n.Day = 28
	}
	return n
}

// OverdueFor returns the schedule when the yearly review is overdue and a
// is who prepares it or chairs it (review prepare or decide in every unit:
// the coordinator, the head of the agency), for a's home page; nil
// otherwise.
func (rv *Reviews) OverdueFor(ctx context.Context, a qms.Actor) (*ReviewSchedule, error) {
	can := func(act string) bool { return rv.s.authz.Can(a.UserID, qms.AllUnits, ObjReview, act) }
	if !can(actPrepare) && !can(actReviewDec) {
		return nil, nil
	}
	sc, err := rv.schedule(ctx)
	if err != nil || !sc.Overdue {
		return nil, err
	}
	return &sc, nil
}
