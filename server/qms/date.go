package qms

import (
	"fmt"
	"strings"
	"time"
)

// Date is a civil date: no time of day, no zone. Due dates, record dates,
// verification dates and holidays are dates; the instant a day starts is a
// question for the office's time zone (In, DateOf), never for UTC.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the civil date of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// DateFromTime returns the date t carries in its own location (for values
// read back from a DATE column, which arrive as midnight UTC).
func DateFromTime(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads a date as yyyy-mm-dd (the API and <input type=date>) or as
// dd/mm/yyyy (as people write it in Vietnam). The error is an ErrInvalid.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "02/01/2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return Date{t.Year(), t.Month(), t.Day()}, nil
		}
	}
	return Date{}, Errorf(ErrInvalid, "%q is not a date (yyyy-mm-dd or dd/mm/yyyy)", s)
}

// ParseDateField reads the optional date of a form or JSON field: empty is
// the zero Date, anything else must parse, and a bad value is reported as a
// problem with that field.
func ParseDateField(field, s string) (Date, error) {
	if strings.TrimSpace(s) == "" {
		return Date{}, nil
	}
	d, err := ParseDate(s)
	if err != nil {
		fe := FieldErrors{}
		fe.Add(field, "a date as yyyy-mm-dd or dd/mm/yyyy")
		return Date{}, fe.Err()
	}
	return d, nil
}

// IsZero reports whether d is the zero Date (no date given).
func (d Date) IsZero() bool { return d == Date{} }

// String formats the date as yyyy-mm-dd.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Display formats the date as dd/mm/yyyy, as Vietnamese offices write it.
func (d Date) Display() string { return fmt.Sprintf("%02d/%02d/%04d", d.Day, d.Month, d.Year) }

// In returns midnight of the date in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// UTC returns midnight UTC of the date: the value a DATE column takes.
func (d Date) UTC() time.Time { return d.In(time.UTC) }

// AddDays returns the date n calendar days later (n may be negative).
func (d Date) AddDays(n int) Date {
	t := time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC)
	return Date{t.Year(), t.Month(), t.Day()}
}

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// After reports whether d is later than e.
func (d Date) After(e Date) bool { return e.Before(d) }

// Weekday returns the day of the week.
func (d Date) Weekday() time.Weekday { return d.In(time.UTC).Weekday() }

// MarshalText writes the date as yyyy-mm-dd (JSON, forms); the zero Date
// writes nothing.
func (d Date) MarshalText() ([]byte, error) {
	if d.IsZero() {
		return []byte{}, nil
	}
	return []byte(d.String()), nil
}

// UnmarshalText reads yyyy-mm-dd, the one form of a date in JSON; empty is
// the zero Date. (Forms and people may write dd/mm/yyyy: ParseDate.)
func (d *Date) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "" {
		*d = Date{}
		return nil
	}
	v, err := ParseISODate(s)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ParseISODate reads a date written yyyy-mm-dd only (machine input: JSON,
// calendar files).
func ParseISODate(s string) (Date, error) {
	t, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	if err != nil {
		return Date{}, Errorf(ErrInvalid, "%q is not a date (yyyy-mm-dd)", s)
	}
	return DateFromTime(t), nil
}

// NewDate returns the date y-m-d (normalised, as time.Date does).
func NewDate(y int, m time.Month, d int) Date {
	return DateFromTime(time.Date(y, m, d, 12, 0, 0, 0, time.UTC))
}
