// Package workday is the working-day arithmetic of the one-stop desk: which
// days are working days (weekends, public holidays, swapped days), when the
// clock of a dossier starts (a dossier received after office hours counts
// from the next working day by default), its due time N working days later,
// the working time elapsed between two instants, and whether a result came
// early, on time or late. It is pure: no I/O, no clock; callers pass the
// calendar and the instants.
package workday

import (
	"fmt"
	"sort"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Date is a civil date; the type is qms.Date, named here for the
// calendar's readers.
type Date = qms.Date

// DateOf returns the civil date of t in loc.
func DateOf(t time.Time, loc *time.Location) Date { return qms.DateOf(t, loc) }

// ParseDate reads a date written yyyy-mm-dd.
func ParseDate(s string) (Date, error) { return qms.ParseISODate(s) }

// AfterHoursRule says how a dossier received outside office hours counts.
type AfterHoursRule string

// After-hours rules.
const (
	// NextWorkingDay starts the clock at the opening of the next working
	// day: the default, and what most one-stop desks do.
	NextWorkingDay AfterHoursRule = "next_day"
	// SameDay counts a receipt after closing as if it came at closing time
	// of that working day (its remaining time is zero, so the clock runs
	// from the next opening but the receipt day is not lost).
	SameDay AfterHoursRule = "same_day"
)

// Calendar is the working-day calendar of one office.
type Calendar struct {
	Loc *time.Location
	// Holidays are days off that would otherwise be working days (public
	// holidays, compensatory days, the day off of a swap).
	Holidays map[Date]string
	// Workdays are days that would otherwise be off (the Saturday worked
	// in exchange for a swapped day).
	Workdays map[Date]string
	// Open and Close are the office hours, as minutes after midnight.
	Open, Close int
	AfterHours  AfterHoursRule
}

// DefaultOpen and DefaultClose are the usual office hours of a Vietnamese
// public office: 07:30 to 17:00.
const (
	DefaultOpen  = 7*60 + 30
	DefaultClose = 17 * 60
)

// New returns a calendar with default office hours and no holidays.
func New(loc *time.Location) *Calendar {
	return &Calendar{Loc: loc, Holidays: map[Date]string{}, Workdays: map[Date]string{},
		Open: DefaultOpen, Close: DefaultClose, AfterHours: NextWorkingDay}
}

// Validate checks the office hours and the rule.
func (c *Calendar) Validate() error {
	if c.Open < 0 || c.Close > 24*60 || c.Open >= c.Close {
		return fmt.Errorf("office hours must open before they close, within one day")
	}
	if c.AfterHours != NextWorkingDay && c.AfterHours != SameDay {
		return fmt.Errorf("after-hours rule must be %q or %q", NextWorkingDay, SameDay)
	}
	return nil
}

// IsWorkingDay reports whether d is a working day.
func (c *Calendar) IsWorkingDay(d Date) bool {
	if _, ok := c.Workdays[d]; ok {
		return true
	}
	if _, ok := c.Holidays[d]; ok {
		return false
	}
	wd := d.Weekday()
	return wd != time.Saturday && wd != time.Sunday
}

// maxScan bounds every day-by-day walk, so a calendar without working days
// (a data error) cannot loop forever.
const maxScan = 20 * 366

// NextWorkingDay returns the first working day on or after d.
func (c *Calendar) NextWorkingDay(d Date) Date {
	for i := 0; i < maxScan && !c.IsWorkingDay(d); i++ {
		d = d.AddDays(1)
	}
	return d
}

func (c *Calendar) at(d Date, minutes int) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, minutes, 0, 0, c.Loc)
}

func minutesOf(t time.Time) int { return t.Hour()*60 + t.Minute() }

// Start returns the instant the processing clock starts for a dossier
// received (or resubmitted complete) at t: t itself during office hours of a
// working day; the opening of the same day when before opening; otherwise
// the opening of the next working day (NextWorkingDay), or, with SameDay,
// the closing time of a working day received after closing.
func (c *Calendar) Start(t time.Time) time.Time {
	lt := t.In(c.Loc)
	d := DateOf(lt, c.Loc)
	m := minutesOf(lt)
	if c.IsWorkingDay(d) {
		switch {
		case m < c.Open:
			return c.at(d, c.Open)
		case m < c.Close:
			return lt.Truncate(time.Minute)
		case c.AfterHours == SameDay:
			return c.at(d, c.Close)
		}
	}
	return c.at(c.NextWorkingDay(d.AddDays(1)), c.Open)
}

// Due returns the due instant of a clock started at start (as returned by
// Start) with n working days: the same time of day on the n-th working day
// after the start day. A start at closing time (SameDay rule) is due at
// closing time of the n-th working day.
func (c *Calendar) Due(start time.Time, n int) time.Time {
	ls := start.In(c.Loc)
	d := DateOf(ls, c.Loc)
	for i := 0; i < n; i++ {
		d = c.NextWorkingDay(d.AddDays(1))
	}
	return c.at(d, minutesOf(ls))
}

// Elapsed returns the working time between a and b in working days (a
// working day is the office hours of one working day), zero when b is not
// after a.
func (c *Calendar) Elapsed(a, b time.Time) float64 {
	if !b.After(a) {
		return 0
	}
	la, lb := a.In(c.Loc), b.In(c.Loc)
	da, db := DateOf(la, c.Loc), DateOf(lb, c.Loc)
	day := float64(c.Close - c.Open)
	var minutes float64
	for d, i := da, 0; !db.Before(d) && i < maxScan; d, i = d.AddDays(1), i+1 {
		if !c.IsWorkingDay(d) {
			continue
		}
		from, to := c.at(d, c.Open), c.at(d, c.Close)
		if d == da && la.After(from) {
			from = la
		}
		if d == db && lb.Before(to) {
			to = lb
		}
		if to.After(from) {
			minutes += to.Sub(from).Minutes()
		}
	}
	return minutes / day
}

// Outcome is how a result compares with its due time.
type Outcome string

// Outcomes.
const (
	Early  Outcome = "early"   // returned on a day before the due day
	OnTime Outcome = "on_time" // returned on the due day, not after the due time
	Late   Outcome = "late"    // returned after the due time
)

// Classify compares the time a result was returned with its due time.
func (c *Calendar) Classify(due, returned time.Time) Outcome {
	if returned.After(due) {
		return Late
	}
	if DateOf(returned, c.Loc).Before(DateOf(due, c.Loc)) {
		return Early
	}
	return OnTime
}

// Day is one entry of a year's calendar as stored and edited.
type Day struct {
	Date Date   `json:"date"`
	Kind string `json:"kind"` // "holiday" (a day off) or "workday" (a swapped working day)
	// Name is the coordinator's own name of the day (free text); NameID
	// the message id of a named holiday, rendered in the reader's
	// language. An entry has one or the other.
	Name   string `json:"name"`
	NameID string `json:"name_id,omitempty"`
	// Source says where the entry comes from: computed, published, edited.
	Source string `json:"source,omitempty"`
	// Replaces, on an exception that cancels a computed day off, is the
	// name id of the computed day.
	Replaces string `json:"replaces,omitempty"`
}

// Day kinds.
const (
	KindHoliday = "holiday"
	KindWorkday = "workday"
)

// Set puts a list of days into the calendar; a day replaces what the
// calendar said of its date.
func (c *Calendar) Set(days []Day) {
	for _, d := range days {
		name := d.Name
		if name == "" {
			name = d.NameID
		}
		if d.Kind == KindWorkday {
			delete(c.Holidays, d.Date)
			c.Workdays[d.Date] = name
		} else {
			delete(c.Workdays, d.Date)
			c.Holidays[d.Date] = name
		}
	}
}

// Days returns the calendar's entries for year, sorted by date.
func (c *Calendar) Days(year int) []Day {
	out := []Day{}
	for d, n := range c.Holidays {
		if d.Year == year {
			out = append(out, Day{Date: d, Kind: KindHoliday, Name: n})
		}
	}
	for d, n := range c.Workdays {
		if d.Year == year {
			out = append(out, Day{Date: d, Kind: KindWorkday, Name: n})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}
