package leadership

import (
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/workday"
)

func TestReviewYearAfter(t *testing.T) {
	for in, want := range map[workday.Date]workday.Date{
		{Year: 2025, Month: 11, Day: 25}: {Year: 2026, Month: 11, Day: 25},
		{Year: 2024, Month: 2, Day: 29}:  {Year: 2025, Month: 2, Day: 28},
		{Year: 2024, Month: 12, Day: 31}: {Year: 2025, Month: 12, Day: 31},
	} {
		if got := yearAfter(in); got != want {
			t.Errorf("yearAfter(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestReviewDecisionDone(t *testing.T) {
	today := workday.Date{Year: 2026, Month: 11, Day: 26}
	now := time.Now()
	for _, c := range []struct {
		name          string
		d             ReviewDecision
		done, overdue bool
	}{
		{"directive open, due later", ReviewDecision{Kind: DecisionDirective, DirectiveState: DirectiveOpen, DueOn: today.AddDays(1)}, false, false},
		{"directive open, due today", ReviewDecision{Kind: DecisionDirective, DirectiveState: DirectiveOpen, DueOn: today}, false, false},
		{"directive open, past due", ReviewDecision{Kind: DecisionDirective, DirectiveState: DirectiveOpen, DueOn: today.AddDays(-1)}, false, true},
		{"directive reported, past due", ReviewDecision{Kind: DecisionDirective, DirectiveState: DirectiveReported, DueOn: today.AddDays(-1)}, false, true},
		{"directive accepted", ReviewDecision{Kind: DecisionDirective, DirectiveState: DirectiveAccepted, DueOn: today.AddDays(-1)}, true, false},
		{"directive marked done is not done", ReviewDecision{Kind: DecisionDirective, DirectiveState: DirectiveOpen, DoneAt: &now}, false, false},
		{"resource without a due date", ReviewDecision{Kind: DecisionResource}, false, false},
		{"resource past due", ReviewDecision{Kind: DecisionResource, DueOn: today.AddDays(-3)}, false, true},
		{"resource done", ReviewDecision{Kind: DecisionResource, DueOn: today.AddDays(-3), DoneAt: &now}, true, false},
	} {
		d := c.d
		d.mark(today)
		if d.Done != c.done || d.Overdue != c.overdue {
			t.Errorf("%s: done %v overdue %v, want %v %v", c.name, d.Done, d.Overdue, c.done, c.overdue)
		}
	}
}

func TestReviewShareAndSections(t *testing.T) {
	if share(1, 0) != nil {
		t.Error("a share of nothing has a value")
	}
	if v := share(2, 3); v == nil || *v != 66.67 {
		t.Errorf("share(2, 3) = %v", v)
	}
	if v := share(1, 2); v == nil || *v != 50 {
		t.Errorf("share(1, 2) = %v", v)
	}
	p := Pack{Sections: []Section{{Key: "a"}, {Key: "resources", Open: true}, {Key: "improvement", Open: true}}}
	if got := p.OpenSections(); len(got) != 2 || got[0] != "resources" || got[1] != "improvement" {
		t.Errorf("open sections %v", got)
	}
	// Every written section is required, and the keys are unique.
	seen := map[string]bool{}
	for _, b := range reviewSections {
		if seen[b.key] {
			t.Errorf("section %s twice", b.key)
		}
		seen[b.key] = true
		if b.text != b.required {
			t.Errorf("section %s: written %v, required %v", b.key, b.text, b.required)
		}
		if _, ok := builderOf(b.key); !ok {
			t.Errorf("builderOf(%s)", b.key)
		}
	}
	if _, ok := builderOf("nope"); ok {
		t.Error("builderOf found an unknown section")
	}
}

// TestObjectiveChangeCheck: a change that leaves the objective as it is,
// or sets a percentage above 100, is refused; a count may exceed 100.
func TestObjectiveChangeCheck(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	from, to := workday.Date{Year: 2026, Month: 1, Day: 1}, workday.Date{Year: 2026, Month: 12, Day: 31}
	pct := ChangedObjective{Title: "Đúng hạn", KPI: "on_time_rate", Target: 90, From: from, To: to}
	count := ChangedObjective{Title: "Trễ hạn", KPI: "late_count", Target: 10, From: from, To: to}
	for _, c := range []struct {
		o    ChangedObjective
		ch   ObjectiveChange
		want string
	}{
		{pct, ObjectiveChange{Target: f(90)}, `the change leaves the objective "Đúng hạn" as it is`},
		{pct, ObjectiveChange{From: from, To: to}, `the change leaves the objective "Đúng hạn" as it is`},
		{pct, ObjectiveChange{Target: f(101)}, `the new target of objective "Đúng hạn" is a percentage: at most 100`},
		{pct, ObjectiveChange{Target: f(95)}, ""},
		{pct, ObjectiveChange{Target: f(90), From: from, To: workday.Date{Year: 2027, Month: 6, Day: 30}}, ""},
		{count, ObjectiveChange{Target: f(150)}, ""},
	} {
		err := c.ch.check(c.o)
		if (c.want == "") != (err == nil) || (err != nil && err.Error() != c.want) {
			t.Errorf("%+v on %s: %v, want %q", c.ch, c.o.KPI, err, c.want)
		}
	}
}
