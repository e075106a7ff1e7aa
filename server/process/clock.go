package process

import (
	"sort"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

// Dossier statuses.
const (
	StatusProcessing = "processing" // the clock runs
	StatusSupplement = "supplement" // waiting for the applicant; the clock is stopped
	StatusReturned   = "returned"   // result handed back
	StatusWithdrawn  = "withdrawn"  // the applicant withdrew it
)

// Event types a dossier can receive after it is created.
const (
	EventSupplementRequested = "supplement_requested"
	EventResubmitted         = "resubmitted"
	EventExtended            = "extended"
	EventHandedOver          = "handed_over"
	EventReturned            = "returned"
	EventWithdrawn           = "withdrawn"
	// EventRouted moves a dossier received at a unit that is not the
	// competent one to the competent unit (ToUnit): the processing time
	// counts from then, the competent unit's receipt.
	EventRouted = "routed"
)

// EventTypes lists the accepted event types.
var EventTypes = []string{EventSupplementRequested, EventResubmitted, EventExtended, EventHandedOver, EventReturned, EventWithdrawn, EventRouted}

// DeskStep is the code of the one-stop desk's own step: from receipt to the
// hand-over to the processing unit.
const DeskStep = "desk"

// Results of a returned dossier.
const (
	ResultGranted = "granted"
	ResultRefused = "refused"
)

// Event is one thing that happened to a dossier, as pushed by the one-stop
// software (idempotent by EventID) or entered at the desk.
type Event struct {
	EventID  string     `json:"event_id" db:"event_id"`
	Type     string     `json:"type" db:"type"`
	At       time.Time  `json:"at" db:"at"`
	ToUnit   string     `json:"to_unit,omitempty" db:"to_unit"`       // handed_over
	Step     string     `json:"step,omitempty" db:"step"`             // handed_over: the step that starts
	Result   string     `json:"result,omitempty" db:"result"`         // returned
	Reason   string     `json:"reason,omitempty" db:"reason"`         // refused, extended, withdrawn, supplement
	NewDueAt *time.Time `json:"new_due_at,omitempty" db:"new_due_at"` // extended
	// ReturnChannel is how the result was returned (returned).
	ReturnChannel string    `json:"return_channel,omitempty" db:"return_channel"`
	Seq           int64     `json:"seq" db:"seq"` // arrival order, breaks ties of At
	Actor         string    `json:"actor,omitempty" db:"actor_login"`
	Recorded      time.Time `json:"recorded_at" db:"recorded_at"`
}

// StepResult is one step of a dossier's processing with its own clock.
type StepResult struct {
	Step    string     `json:"step"`
	Unit    string     `json:"unit"`
	Start   time.Time  `json:"start"`
	Due     *time.Time `json:"due,omitempty"` // nil when the step has no allowance
	End     *time.Time `json:"end,omitempty"`
	Outcome string     `json:"outcome,omitempty"`
	// Officer is who handled the step: the receiving officer for the
	// desk's step, else the person whose act ended it.
	Officer string `json:"officer,omitempty"`
}

// Clock is what replaying a dossier's events yields: everything about it
// that is derived rather than entered.
type Clock struct {
	Status          string       `json:"status"`
	ClockStart      time.Time    `json:"clock_start"`
	DueAt           time.Time    `json:"due_at"`
	ExtendedDueAt   *time.Time   `json:"extended_due_at,omitempty"`
	ExtensionReason string       `json:"extension_reason,omitempty"`
	PausedAt        *time.Time   `json:"paused_at,omitempty"`
	Supplements     int          `json:"supplements"`
	ReturnedAt      *time.Time   `json:"returned_at,omitempty"`
	Result          string       `json:"result,omitempty"`
	ResultReason    string       `json:"result_reason,omitempty"`
	Outcome         string       `json:"outcome,omitempty"` // early, on_time, late; empty until returned
	ProcessingDays  *float64     `json:"processing_days,omitempty"`
	CurrentUnit     string       `json:"current_unit"`
	Steps           []StepResult `json:"steps"`
	// Unit is the competent unit after a routing ("" when never routed);
	// ReturnChannel how the result was returned, when the return said.
	Unit          string `json:"-"`
	ReturnChannel string `json:"-"`
}

// Receipt is how a dossier was received, as the replay needs it.
type Receipt struct {
	At      time.Time
	Channel string
	// Desk is the receiving unit when it is not the competent one (the
	// one-stop desk): the dossier's first step is the desk's, until the
	// hand-over; Officer is who received it.
	Desk    string
	Officer string
	// RoutePending: the competent unit is not set yet; the processing
	// time counts from the routing.
	RoutePending bool
}

// SortEvents orders events by the time they happened, then by arrival, so
// events pushed out of order are applied in the order they occurred.
func SortEvents(evs []Event) {
	sort.SliceStable(evs, func(i, j int) bool {
		if !evs[i].At.Equal(evs[j].At) {
			return evs[i].At.Before(evs[j].At)
		}
		return evs[i].Seq < evs[j].Seq
	})
}

// Replay computes a dossier's clock from its receipt and its events (sorted
// here). It fails with ErrState when the events do not form a possible
// history (an event after the return, a second extension, a resubmission
// without a request), so an event that would make the history impossible is
// refused before it is stored.
func Replay(cal *workday.Calendar, svc Procedure, receivedAt time.Time, events []Event) (Clock, error) {
	return ReplayReceipt(cal, svc, Receipt{At: receivedAt}, events)
}

// HandoverDue is when a dossier received in person at the desk at t must be
// with the processing unit (NĐ 118/2025 as amended): the same working day
// when received before 15:00 on a working day, else the start of the next
// working day, which is taken as the first hour after opening (the desk
// must hand over what came in after 15:00 before its new day's receipts).
func HandoverDue(cal *workday.Calendar, t time.Time) time.Time {
	lt := t.In(cal.Loc)
	d := workday.DateOf(lt, cal.Loc)
	if cal.IsWorkingDay(d) && lt.Hour()*60+lt.Minute() < HandoverCutoff && lt.Hour()*60+lt.Minute() < cal.Close {
		return time.Date(d.Year, d.Month, d.Day, 0, cal.Close, 0, 0, cal.Loc)
	}
	n := cal.NextWorkingDay(d.AddDays(1))
	return time.Date(n.Year, n.Month, n.Day, 0, cal.Open+HandoverGrace, 0, 0, cal.Loc)
}

// HandoverCutoff (minutes after midnight, 15:00) and HandoverGrace (minutes
// after opening) of the desk's hand-over rule.
const (
	HandoverCutoff = 15 * 60
	HandoverGrace  = 60
)

// ReplayReceipt is Replay for a receipt at the desk or one waiting for its
// routing: the desk's step comes first, judged against HandoverDue when the
// dossier came in person; a routing restarts the processing time.
func ReplayReceipt(cal *workday.Calendar, svc Procedure, rc Receipt, events []Event) (Clock, error) {
	c, err := replay(cal, svc, rc, events)
	c.utc()
	return c, err
}

// utc writes every time of the clock in UTC, so the API answers one zone.
func (c *Clock) utc() {
	u := func(t *time.Time) {
		if t != nil {
			*t = t.UTC()
		}
	}
	c.ClockStart, c.DueAt = c.ClockStart.UTC(), c.DueAt.UTC()
	u(c.ExtendedDueAt)
	u(c.PausedAt)
	u(c.ReturnedAt)
	for i := range c.Steps {
		c.Steps[i].Start = c.Steps[i].Start.UTC()
		u(c.Steps[i].Due)
		u(c.Steps[i].End)
	}
}

func replay(cal *workday.Calendar, svc Procedure, rc Receipt, events []Event) (Clock, error) {
	receivedAt := rc.At
	evs := append([]Event(nil), events...)
	SortEvents(evs)
	c := Clock{Status: StatusProcessing, CurrentUnit: svc.Unit}
	c.ClockStart = cal.Start(receivedAt)
	c.DueAt = cal.Due(c.ClockStart, svc.Days)
	steps := svc.Steps
	stepIdx := 0
	openStep := func(name, unit string, at time.Time) {
		sr := StepResult{Step: name, Unit: unit, Start: at}
		for i, st := range steps {
			if st.Code == name {
				stepIdx = i
				if st.Days > 0 {
					d := cal.Due(cal.Start(at), st.Days)
					sr.Due = &d
				}
				if unit == "" {
					sr.Unit = st.Unit
				}
			}
		}
		if sr.Unit == "" {
			sr.Unit = svc.Unit
			if c.Unit != "" {
				sr.Unit = c.Unit
			}
		}
		c.Steps = append(c.Steps, sr)
		c.CurrentUnit = sr.Unit
	}
	closeStep := func(at time.Time, by string) {
		if n := len(c.Steps); n > 0 && c.Steps[n-1].End == nil {
			end := at
			c.Steps[n-1].End = &end
			if c.Steps[n-1].Due != nil {
				c.Steps[n-1].Outcome = string(cal.Classify(*c.Steps[n-1].Due, at))
			}
			if c.Steps[n-1].Officer == "" {
				c.Steps[n-1].Officer = by
			}
		}
	}
	first := "receive"
	if len(steps) > 0 {
		first = steps[0].Code
	}
	atDesk := rc.Desk != "" && (rc.Desk != svc.Unit || rc.RoutePending)
	if atDesk {
		// The desk holds the dossier until it hands it over; the next
		// step is the service's first.
		sr := StepResult{Step: DeskStep, Unit: rc.Desk, Start: receivedAt, Officer: rc.Officer}
		if rc.Channel == ChannelInPerson {
			d := HandoverDue(cal, receivedAt)
			sr.Due = &d
		}
		c.Steps = append(c.Steps, sr)
		c.CurrentUnit = rc.Desk
		stepIdx = -1
	} else {
		openStep(first, "", receivedAt)
		if rc.Officer != "" {
			c.Steps[0].Officer = rc.Officer
		}
	}
	routed := !rc.RoutePending
	for _, e := range evs {
		if e.At.Before(receivedAt) {
			return c, qms.Errorf(qms.ErrState, "event %s happened before the dossier was received", e.EventID)
		}
		if c.Status == StatusReturned || c.Status == StatusWithdrawn {
			return c, qms.Errorf(qms.ErrState, "event %s (%s) comes after the dossier was %s", e.EventID, e.Type, c.Status)
		}
		switch e.Type {
		case EventSupplementRequested:
			if c.Status != StatusProcessing {
				return c, qms.Errorf(qms.ErrState, "a supplement is already requested (event %s)", e.EventID)
			}
			c.Status = StatusSupplement
			at := e.At
			c.PausedAt = &at
		case EventResubmitted:
			if c.Status != StatusSupplement {
				return c, qms.Errorf(qms.ErrState, "resubmission %s without a supplement request", e.EventID)
			}
			// The clock starts again from zero (and so does an extension).
			c.Status = StatusProcessing
			c.PausedAt = nil
			c.Supplements++
			c.ClockStart = cal.Start(e.At)
			c.DueAt = cal.Due(c.ClockStart, svc.Days)
			c.ExtendedDueAt, c.ExtensionReason = nil, ""
		case EventExtended:
			if c.ExtendedDueAt != nil {
				return c, qms.Errorf(qms.ErrState, "a dossier may be extended only once")
			}
			if e.NewDueAt == nil || !e.NewDueAt.After(c.DueAt) {
				return c, qms.Errorf(qms.ErrInvalid, "an extension needs a new due date after the current one")
			}
			nd := *e.NewDueAt
			c.ExtendedDueAt, c.ExtensionReason = &nd, e.Reason
		case EventHandedOver:
			fromDesk := len(c.Steps) > 0 && c.Steps[len(c.Steps)-1].Step == DeskStep && c.Steps[len(c.Steps)-1].End == nil
			closeStep(e.At, e.Actor)
			name := e.Step
			if name == "" {
				name = "step"
				if fromDesk {
					name = first
				} else if stepIdx+1 < len(steps) {
					name = steps[stepIdx+1].Code
				}
			}
			openStep(name, e.ToUnit, e.At)
		case EventRouted:
			if routed {
				return c, qms.Errorf(qms.ErrState, "the dossier was already routed to its competent unit")
			}
			if e.ToUnit == "" {
				return c, qms.Errorf(qms.ErrInvalid, "a routing needs the competent unit")
			}
			routed = true
			c.Unit = e.ToUnit
			// Routing hands the dossier to the competent unit.
			closeStep(e.At, e.Actor)
			openStep(first, e.ToUnit, e.At)
			// The competent unit's receipt starts the processing time; the
			// time before stays in the journey (the desk's step).
			c.ClockStart = cal.Start(e.At)
			c.DueAt = cal.Due(c.ClockStart, svc.Days)
		case EventReturned:
			if e.Result != ResultGranted && e.Result != ResultRefused {
				return c, qms.Errorf(qms.ErrInvalid, "result must be granted or refused")
			}
			if c.Status == StatusSupplement {
				// Returned while waiting for a supplement: the clock was
				// stopped, so it is judged at the moment it stopped.
				closeStep(e.At, e.Actor)
				c.finish(cal, e, *c.PausedAt)
				continue
			}
			closeStep(e.At, e.Actor)
			c.finish(cal, e, e.At)
		case EventWithdrawn:
			closeStep(e.At, e.Actor)
			c.Status = StatusWithdrawn
		default:
			return c, qms.Errorf(qms.ErrInvalid, "unknown event type %q", e.Type)
		}
	}
	// Without any hand-over the first step spans the whole processing
	// (an import, or software that reports no steps): judging it against
	// the first step's allowance would call it late for nothing.
	if !atDesk && len(c.Steps) == 1 && len(steps) > 1 {
		c.Steps[0].Due, c.Steps[0].Outcome = nil, ""
	}
	return c, nil
}

func (c *Clock) finish(cal *workday.Calendar, e Event, judgedAt time.Time) {
	at := e.At
	c.Status = StatusReturned
	c.ReturnedAt = &at
	c.Result, c.ResultReason = e.Result, e.Reason
	c.ReturnChannel = e.ReturnChannel
	c.Outcome = string(cal.Classify(c.DueAt, judgedAt))
	days := cal.Elapsed(c.ClockStart, judgedAt)
	c.ProcessingDays = &days
	c.PausedAt = nil
}

// Overdue reports whether an open dossier has passed its due time at now
// (the extended due time, when there is one, is what the applicant was
// promised; the statutory one decides lateness).
func (c Clock) Overdue(now time.Time) bool {
	return c.Status == StatusProcessing && now.After(c.DueAt)
}
