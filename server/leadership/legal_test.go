package leadership

import (
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/workday"
)

// A procedure is revised within three calendar months of the text's
// effective date; a day the third month lacks is its last day.
func TestRevisionDueThreeCalendarMonths(t *testing.T) {
	d := func(y, m, day int) workday.Date { return workday.Date{Year: y, Month: timeMonth(m), Day: day} }
	for _, c := range []struct{ eff, due workday.Date }{
		{d(2026, 1, 15), d(2026, 4, 15)},
		{d(2025, 7, 1), d(2025, 10, 1)},
		{d(2026, 5, 31), d(2026, 8, 31)},
		{d(2026, 3, 31), d(2026, 6, 30)},  // June has 30 days
		{d(2025, 11, 30), d(2026, 2, 28)}, // February of a common year
		{d(2027, 11, 30), d(2028, 2, 29)}, // February of a leap year
		{d(2026, 11, 29), d(2027, 2, 28)},
		{d(2026, 10, 31), d(2027, 1, 31)}, // across the year
		{d(2026, 12, 31), d(2027, 3, 31)},
		{d(2026, 8, 5), d(2026, 11, 5)}, // NĐ 309/2026 in force 05/08/2026
	} {
		if got := RevisionDue(c.eff); got != c.due {
			t.Errorf("RevisionDue(%s) = %s, want %s", c.eff.Display(), got.Display(), c.due.Display())
		}
	}
}

// A task is overdue the day after its due date, and never once closed.
func TestRevisionTaskOverdueAfterItsDueDay(t *testing.T) {
	due := workday.Date{Year: 2026, Month: 11, Day: 5}
	task := RevisionTask{DueOn: due}
	if task.IsOverdue(due) {
		t.Error("overdue on its due day")
	}
	if !task.IsOverdue(due.AddDays(1)) {
		t.Error("not overdue the day after its due day")
	}
	closed := task
	closed.ClosedAt = &task.OpenedAt
	if closed.IsOverdue(due.AddDays(30)) {
		t.Error("a closed task is overdue")
	}
}

func timeMonth(m int) time.Month { return time.Month(m) }
