package process

import (
	"testing"
)

// Tests that pin the rules the mutation run (make mutate) found untested.

// TestMutantSortEventsTies: events at the same instant are applied in the
// order they arrived (Seq), and events with the same instant and the same
// Seq (not numbered yet) keep the order they were given in.
func TestMutantSortEventsTies(t *testing.T) {
	same := at("2026-11-03 10:00")
	evs := []Event{
		{EventID: "third", At: same, Seq: 3},
		{EventID: "late", At: at("2026-11-04 08:00"), Seq: 1},
		{EventID: "first", At: same, Seq: 1},
		{EventID: "second", At: same, Seq: 2},
		{EventID: "early", At: at("2026-11-02 08:00"), Seq: 9},
	}
	SortEvents(evs)
	var got []string
	for _, e := range evs {
		got = append(got, e.EventID)
	}
	want := []string{"early", "first", "second", "third", "late"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
	unnumbered := []Event{{EventID: "a", At: same}, {EventID: "b", At: same}, {EventID: "c", At: same}}
	SortEvents(unnumbered)
	if unnumbered[0].EventID != "a" || unnumbered[1].EventID != "b" || unnumbered[2].EventID != "c" {
		t.Fatalf("unnumbered events reordered: %+v", unnumbered)
	}
}

// TestMutantStepWithoutAllowance: a step whose allowance is 0 days has no
// due time and is never judged early, on time or late; the next step, with
// an allowance, is.
func TestMutantStepWithoutAllowance(t *testing.T) {
	svc := Procedure{Code: "DD-02", Unit: "land", Days: 5, Steps: []Step{
		{Code: "receive", Unit: "desk", Days: 0}, {Code: "process", Unit: "land", Days: 1}}}
	c, err := Replay(vnCal(), svc, at("2026-11-02 09:00"), []Event{
		{EventID: "h", Type: EventHandedOver, At: at("2026-11-02 10:00"), Step: "process"},
		{EventID: "r", Type: EventReturned, At: at("2026-11-03 08:00"), Result: ResultGranted},
	})
	if err != nil || len(c.Steps) != 2 {
		t.Fatalf("replay %+v %v", c, err)
	}
	if s := c.Steps[0]; s.Step != "receive" || s.Due != nil || s.Outcome != "" || s.End == nil {
		t.Fatalf("step without an allowance: %+v", s)
	}
	if s := c.Steps[1]; s.Step != "process" || s.Due == nil || !s.Due.Equal(at("2026-11-03 10:00")) || s.Outcome != "on_time" {
		t.Fatalf("step with one day: %+v", s)
	}
}

// TestMutantHandOverWithoutStepName: a hand-over that names no step opens
// the procedure's next step, and one after the last step opens a step
// named "step" in the unit it is handed to.
func TestMutantHandOverWithoutStepName(t *testing.T) {
	svc := Procedure{Code: "DD-03", Unit: "land", Days: 5, Steps: []Step{
		{Code: "receive", Unit: "desk", Days: 1}, {Code: "process", Unit: "land", Days: 3}, {Code: "approve", Unit: "board", Days: 1}}}
	c, err := Replay(vnCal(), svc, at("2026-11-02 09:00"), []Event{
		{EventID: "h1", Type: EventHandedOver, At: at("2026-11-02 10:00")},
		{EventID: "h2", Type: EventHandedOver, At: at("2026-11-03 10:00")},
		{EventID: "h3", Type: EventHandedOver, At: at("2026-11-04 10:00"), ToUnit: "archive"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"receive", "desk"}, {"process", "land"}, {"approve", "board"}, {"step", "archive"}}
	if len(c.Steps) != len(want) {
		t.Fatalf("steps %+v", c.Steps)
	}
	for i, w := range want {
		if c.Steps[i].Step != w[0] || c.Steps[i].Unit != w[1] {
			t.Fatalf("step %d: %+v, want %v", i, c.Steps[i], w)
		}
	}
	if c.CurrentUnit != "archive" {
		t.Fatalf("current unit %q", c.CurrentUnit)
	}
}

// TestMutantSingleStepKeepsItsClock: a procedure of one step judges that
// step against its allowance even without any hand-over (only a procedure
// of several steps, none handed over, drops the first step's due time).
func TestMutantSingleStepKeepsItsClock(t *testing.T) {
	one := Procedure{Code: "DD-04", Unit: "land", Days: 5, Steps: []Step{{Code: "process", Unit: "land", Days: 1}}}
	events := []Event{{EventID: "r", Type: EventReturned, At: at("2026-11-04 08:00"), Result: ResultGranted}}
	c, err := Replay(vnCal(), one, at("2026-11-02 09:00"), events)
	if err != nil || len(c.Steps) != 1 {
		t.Fatalf("replay %+v %v", c, err)
	}
	if s := c.Steps[0]; s.Due == nil || !s.Due.Equal(at("2026-11-03 09:00")) || s.Outcome != "late" {
		t.Fatalf("the only step: %+v", s)
	}
	two := one
	two.Steps = append([]Step{{Code: "receive", Unit: "desk", Days: 1}}, one.Steps...)
	c, err = Replay(vnCal(), two, at("2026-11-02 09:00"), events)
	if err != nil || len(c.Steps) != 1 {
		t.Fatalf("replay %+v %v", c, err)
	}
	if s := c.Steps[0]; s.Step != "receive" || s.Due != nil || s.Outcome != "" {
		t.Fatalf("the first of two steps, never handed over: %+v", s)
	}
}
