package workday

import (
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
)

// TestValidateOfficeHoursBounds: office hours may open at midnight and
// close at the end of the day; opening at closing time, before midnight or
// after the day's end is refused.
func TestValidateOfficeHoursBounds(t *testing.T) {
	for _, tc := range []struct {
		open, close int
		ok          bool
	}{
		{0, 60, true}, {0, 24 * 60, true}, {DefaultOpen, DefaultClose, true}, {8 * 60, 8*60 + 1, true},
		{-1, 60, false}, {0, 24*60 + 1, false}, {8 * 60, 8 * 60, false}, {9 * 60, 8 * 60, false},
	} {
		c := New(time.UTC)
		c.Open, c.Close = tc.open, tc.close
		err := c.Validate()
		if (err == nil) != tc.ok {
			t.Errorf("hours %d-%d: %v, want ok=%v", tc.open, tc.close, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "office hours") {
			t.Errorf("hours %d-%d: %v does not name the office hours", tc.open, tc.close, err)
		}
	}
}

// TestWalksStopAtTheBound: on a calendar without a working day (a data
// error) NextWorkingDay gives up after maxScan days rather than looping,
// and Elapsed counts at most maxScan days however far apart its instants.
func TestWalksStopAtTheBound(t *testing.T) {
	c := New(time.UTC)
	d := qms.NewDate(2026, 1, 1)
	for i := 0; i <= maxScan+5; i++ {
		c.Holidays[d.AddDays(i)] = "off"
	}
	if got, want := c.NextWorkingDay(d), d.AddDays(maxScan); got != want {
		t.Fatalf("NextWorkingDay on a calendar without working days = %v, want %v (maxScan days on)", got, want)
	}

	w := New(time.UTC)
	start := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC) // a Monday
	last := DateOf(start, time.UTC).AddDays(maxScan - 1)
	for !w.IsWorkingDay(last.AddDays(1)) { // the first day past the bound works
		start = start.AddDate(0, 0, 1)
		last = last.AddDays(1)
	}
	within := w.Elapsed(start, time.Date(last.Year, last.Month, last.Day, 23, 0, 0, 0, time.UTC))
	far := w.Elapsed(start, start.AddDate(30, 0, 0))
	if within <= 0 || far != within {
		t.Fatalf("Elapsed over 30 years = %.2f working days, want the %.2f of the first maxScan days", far, within)
	}
}
