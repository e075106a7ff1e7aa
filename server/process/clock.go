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
)

// EventTypes lists the accepted event types.
var EventTypes = []string{EventSupplementRequested, EventResubmitted, EventExtended, EventHandedOver, EventReturned, EventWithdrawn}

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
	Seq      int64      `json:"seq" db:"seq"`                         // arrival order, breaks ties of At
	Actor    string     `json:"actor,omitempty" db:"actor_login"`
	Recorded time.Time  `json:"recorded_at" db:"recorded_at"`
}

// StepResult is one step of a dossier's processing with its own clock.
type StepResult struct {
	Step    string     `json:"step"`
	Unit    string     `json:"unit"`
	Start   time.Time  `json:"start"`
	Due     *time.Time `json:"due,omitempty"` // nil when the step has no allowance
	End     *time.Time `json:"end,omitempty"`
	Outcome string     `json:"outcome,omitempty"`
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
		}
		c.Steps = append(c.Steps, sr)
		c.CurrentUnit = sr.Unit
	}
	closeStep := func(at time.Time) {
		if n := len(c.Steps); n > 0 && c.Steps[n-1].End == nil {
			end := at
			c.Steps[n-1].End = &end
			if c.Steps[n-1].Due != nil {
				c.Steps[n-1].Outcome = string(cal.Classify(*c.Steps[n-1].Due, at))
			}
		}
	}
	first := "receive"
	if len(steps) > 0 {
		first = steps[0].Code
	}
	openStep(first, "", receivedAt)
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
			closeStep(e.At)
			name := e.Step
			if name == "" {
				name = "step"
				if stepIdx+1 < len(steps) {
					name = steps[stepIdx+1].Code
				}
			}
			openStep(name, e.ToUnit, e.At)
		case EventReturned:
			if e.Result != ResultGranted && e.Result != ResultRefused {
				return c, qms.Errorf(qms.ErrInvalid, "result must be granted or refused")
			}
			if c.Status == StatusSupplement {
				// Returned while waiting for a supplement: the clock was
				// stopped, so it is judged at the moment it stopped.
				closeStep(e.At)
				c.finish(cal, e, *c.PausedAt)
				continue
			}
			closeStep(e.At)
			c.finish(cal, e, e.At)
		case EventWithdrawn:
			closeStep(e.At)
			c.Status = StatusWithdrawn
		default:
			return c, qms.Errorf(qms.ErrInvalid, "unknown event type %q", e.Type)
		}
	}
	// Without any hand-over the first step spans the whole processing
	// (an import, or software that reports no steps): judging it against
	// the first step's allowance would call it late for nothing.
	if len(c.Steps) == 1 && len(steps) > 1 {
		c.Steps[0].Due, c.Steps[0].Outcome = nil, ""
	}
	return c, nil
}

func (c *Clock) finish(cal *workday.Calendar, e Event, judgedAt time.Time) {
	at := e.At
	c.Status = StatusReturned
	c.ReturnedAt = &at
	c.Result, c.ResultReason = e.Result, e.Reason
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
