package process

import (
	"context"
	"fmt"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// The working-day calendar: the public holidays computed from the Labour
// Code (workday.Vietnam) with the stored exceptions laid over them (the
// published arrangements of each year and the coordinator's changes).
// Every change of it replays the open dossiers it can touch in the same
// transaction, so their due dates follow; returned dossiers keep their
// judgement until the coordinator recomputes a period.

// Recompute selects the dossiers a calendar change replays, and replays
// one with the calendar in force after the change.
type Recompute struct {
	// From and To bound the receipt time (To exclusive); zero: unbounded.
	From, To time.Time
	// All replays returned and withdrawn dossiers too; otherwise only the
	// open ones (processing, or waiting for a supplement).
	All bool
	// Replayer returns the replay of one dossier on the calendar made of
	// exceptions and st, as read in the change's transaction.
	Replayer func(exceptions []workday.Day, st Settings) func(d Dossier, svc Procedure, history []Event) (Clock, error)
}

// Recomputed counts what a recompute did: dossiers replayed, those whose
// due date moved, and those whose judgement (outcome) changed.
type Recomputed struct {
	Replayed int `json:"replayed"`
	Moved    int `json:"moved"`
	Rejudged int `json:"rejudged"`
}

// calendarOf builds the calendar from the stored exceptions and settings.
func (p *Service) calendarOf(exceptions []workday.Day, st Settings) *workday.Calendar {
	c := workday.Office(p.o.Location, exceptions)
	c.Open, c.Close, c.AfterHours = st.Open, st.Close, st.AfterHours
	return c
}

// replayer is the Replayer of every recompute.
func (p *Service) replayer(exceptions []workday.Day, st Settings) func(Dossier, Procedure, []Event) (Clock, error) {
	cal := p.calendarOf(exceptions, st)
	return func(d Dossier, svc Procedure, history []Event) (Clock, error) {
		// The receipt as it was: at the desk, waiting for its routing.
		return ReplayReceipt(cal, svc, d.Receipt(history...), history)
	}
}

// Calendar returns the working-day calendar with its settings.
func (p *Service) Calendar(ctx context.Context) (*workday.Calendar, Settings, error) {
	days, st, err := p.store.Calendar(ctx)
	if err != nil {
		return nil, st, err
	}
	return p.calendarOf(days, st), st, nil
}

func validYear(y int) error {
	if y < 2000 || y > 2100 {
		return qms.Errorf(qms.ErrInvalid, "year must be between 2000 and 2100")
	}
	return nil
}

// CalendarYear returns one year of the calendar.
func (p *Service) CalendarYear(ctx context.Context, year int) (CalendarYear, error) {
	if _, err := p.scope(ctx, ObjProcess, ActRead); err != nil {
		return CalendarYear{}, err
	}
	if err := validYear(year); err != nil {
		return CalendarYear{}, err
	}
	ex, st, err := p.store.Calendar(ctx)
	if err != nil {
		return CalendarYear{}, err
	}
	days, removed := workday.Merge(year, ex)
	_, rules := workday.Vietnam(year)
	return CalendarYear{Year: year, Days: days, Removed: removed, Settings: st, Rules: rules}, nil
}

// yearEnd is the first instant of the year after y in the office's zone:
// a change of y's days cannot touch a dossier received later.
func (p *Service) yearEnd(y int) time.Time { return time.Date(y+1, 1, 1, 0, 0, 0, 0, p.o.Location) }

// cleanDay checks one exception as entered: its kind, its name (free text,
// or a holiday name id), and sets its source.
func cleanDay(fe qms.FieldErrors, key string, d *workday.Day) {
	if d.Kind != workday.KindHoliday && d.Kind != workday.KindWorkday {
		fe.Add(key+".kind", "must be holiday or workday")
	}
	name, err := qms.CleanText("name", d.Name, 200, false, false)
	if err != nil {
		fe.AddErr(key+".name", err)
	}
	d.Name = name
	if d.NameID != "" && !workday.KnownName(d.NameID) {
		fe.Add(key+".name_id", "unknown holiday name %q", d.NameID)
	}
	if d.Name != "" {
		d.NameID = ""
	}
	d.Replaces = ""
}

// SaveCalendarYear replaces one year's days and the settings
// (coordinator: process manage anywhere): the days in force afterwards are
// exactly in.Days (with the weekends). What differs from the computed
// holidays is stored as exceptions: a day the rules do not give, a
// computed day renamed, and a working day for each computed day off left
// out. An exception sent back as it is stored keeps its source; anything
// else is "edited". The open dossiers received before the year's end are
// replayed on the new calendar (all of them when the office hours or the
// after-hours rule change).
func (p *Service) SaveCalendarYear(ctx context.Context, in CalendarYear) (CalendarYear, error) {
	if _, err := p.require(ctx, qms.AllUnits, ObjProcess, ActManage); err != nil {
		return in, err
	}
	if err := validYear(in.Year); err != nil {
		return in, err
	}
	fe := qms.FieldErrors{}
	seen := map[workday.Date]bool{}
	for i := range in.Days {
		d := &in.Days[i]
		key := fmt.Sprintf("days[%d]", i)
		if d.Date.Year != in.Year {
			fe.Add(key, fmt.Sprintf("%s is not in %d", d.Date, in.Year))
		}
		if seen[d.Date] {
			fe.Add(key, fmt.Sprintf("%s is listed twice", d.Date))
		}
		seen[d.Date] = true
		cleanDay(fe, key, d)
	}
	ex, cur, err := p.store.Calendar(ctx)
	if err != nil {
		return in, err
	}
	st := in.Settings
	if st.Open == 0 && st.Close == 0 {
		st = cur
	}
	if st.AfterHours == "" {
		st.AfterHours = workday.NextWorkingDay
	}
	if st.LateMode == "" {
		st.LateMode = LateAuto
	}
	c := workday.New(p.o.Location)
	c.Open, c.Close, c.AfterHours = st.Open, st.Close, st.AfterHours
	if err := c.Validate(); err != nil {
		fe.Add("settings", err.Error())
	}
	if st.LateMode != LateAuto && st.LateMode != LateTriage {
		fe.Add("settings.late_mode", "must be auto or triage")
	}
	if err := fe.Err(); err != nil {
		return in, err
	}
	in.Settings = st
	stored := map[workday.Date]workday.Day{}
	for _, e := range ex {
		stored[e.Date] = e
	}
	exceptions := exceptionsOf(in.Year, in.Days, stored)
	rc := Recompute{To: p.yearEnd(in.Year), Replayer: p.replayer}
	if st.Open != cur.Open || st.Close != cur.Close || st.AfterHours != cur.AfterHours {
		rc.To = time.Time{}
	}
	res, err := p.store.SaveCalendarYear(ctx, in.Year, exceptions, st, rc, func(r Recomputed) trail.Event {
		return trail.NewEvent(ctx, "calendar.update", "calendar", fmt.Sprint(in.Year), "", map[string]any{"days": len(in.Days),
			"exceptions": len(exceptions), "after_hours": st.AfterHours, "late_mode": st.LateMode, "dossiers_replayed": r.Replayed, "dossiers_moved": r.Moved})
	})
	if err != nil {
		return in, err
	}
	out, err := p.CalendarYear(ctx, in.Year)
	out.Moved = res.Moved
	return out, err
}

// exceptionsOf turns the days wanted in force in year y into the
// exceptions over the computed ones.
func exceptionsOf(y int, want []workday.Day, stored map[workday.Date]workday.Day) []workday.Day {
	computed, _ := workday.Vietnam(y)
	comp := map[workday.Date]workday.Day{}
	for _, c := range computed {
		comp[c.Date] = c
	}
	out := []workday.Day{}
	keep := func(d workday.Day) {
		d.Source = workday.SourceEdited
		if s, ok := stored[d.Date]; ok && s.Kind == d.Kind && s.Name == d.Name && s.NameID == d.NameID {
			d.Source = s.Source
		}
		out = append(out, d)
	}
	wanted := map[workday.Date]bool{}
	for _, d := range want {
		wanted[d.Date] = true
		c, isComp := comp[d.Date]
		if isComp && c.Kind == d.Kind && d.Name == "" && (d.NameID == "" || d.NameID == c.NameID) {
			if s, ok := stored[d.Date]; ok && s.Source == workday.SourcePublished && s.Kind == d.Kind && s.NameID == c.NameID {
				out = append(out, s) // a published day the rules also give stays marked published
			}
			continue
		}
		if isComp && d.Kind == workday.KindWorkday && d.Name == "" && d.NameID == "" {
			d.NameID = workday.NameNotTaken
		}
		keep(d)
	}
	for _, c := range computed {
		if !wanted[c.Date] {
			keep(workday.Day{Date: c.Date, Kind: workday.KindWorkday, NameID: workday.NameNotTaken})
		}
	}
	return out
}

// AddCalendarDay adds an exception (coordinator): a day off on a working
// day, or a working day on a day off (a Saturday worked, or a computed
// holiday the year's arrangement does not give). A day off on a day
// already off, or a working day on a working day, changes nothing and is
// refused. The open dossiers received up to that day are replayed.
func (p *Service) AddCalendarDay(ctx context.Context, d workday.Day) (CalendarYear, error) {
	if _, err := p.require(ctx, qms.AllUnits, ObjProcess, ActManage); err != nil {
		return CalendarYear{}, err
	}
	fe := qms.FieldErrors{}
	if d.Date.IsZero() {
		fe.Add("date", "required (yyyy-mm-dd)")
	} else if err := validYear(d.Date.Year); err != nil {
		return CalendarYear{}, err
	}
	cleanDay(fe, "day", &d)
	if err := fe.Err(); err != nil {
		return CalendarYear{}, err
	}
	cal, _, err := p.Calendar(ctx)
	if err != nil {
		return CalendarYear{}, err
	}
	working := cal.IsWorkingDay(d.Date)
	if d.Kind == workday.KindHoliday && !working {
		return CalendarYear{}, qms.Errorf(qms.ErrInvalid, "%s is already a day off", d.Date.Display())
	}
	if d.Kind == workday.KindWorkday && working {
		return CalendarYear{}, qms.Errorf(qms.ErrInvalid, "%s is already a working day", d.Date.Display())
	}
	if d.Kind == workday.KindWorkday && d.Name == "" && d.NameID == "" {
		d.NameID = workday.NameNotTaken
		if wd := d.Date.Weekday(); wd == time.Saturday || wd == time.Sunday {
			d.NameID = workday.NameSwapWork
		}
	}
	d.Source = workday.SourceEdited
	res, err := p.store.SetCalendarDay(ctx, d, Recompute{To: p.dayEnd(d.Date), Replayer: p.replayer}, func(r Recomputed) trail.Event {
		return trail.NewEvent(ctx, "calendar.day.add", "calendar", d.Date.String(), "", map[string]any{"kind": d.Kind, "name": d.Name,
			"name_id": d.NameID, "dossiers_replayed": r.Replayed, "dossiers_moved": r.Moved})
	})
	if err != nil {
		return CalendarYear{}, err
	}
	out, err := p.CalendarYear(ctx, d.Date.Year)
	out.Moved = res.Moved
	return out, err
}

// RemoveCalendarDay removes the exception of a date (coordinator): the
// day is again what the rules make it. A computed holiday has no exception
// to remove: a working day is added on it instead.
func (p *Service) RemoveCalendarDay(ctx context.Context, day workday.Date) (CalendarYear, error) {
	if _, err := p.require(ctx, qms.AllUnits, ObjProcess, ActManage); err != nil {
		return CalendarYear{}, err
	}
	if err := validYear(day.Year); err != nil {
		return CalendarYear{}, err
	}
	res, err := p.store.DeleteCalendarDay(ctx, day, Recompute{To: p.dayEnd(day), Replayer: p.replayer}, func(r Recomputed) trail.Event {
		return trail.NewEvent(ctx, "calendar.day.remove", "calendar", day.String(), "", map[string]any{
			"dossiers_replayed": r.Replayed, "dossiers_moved": r.Moved})
	})
	if err != nil {
		return CalendarYear{}, err
	}
	out, err := p.CalendarYear(ctx, day.Year)
	out.Moved = res.Moved
	return out, err
}

// dayEnd is the first instant after day d in the office's zone.
func (p *Service) dayEnd(d workday.Date) time.Time { return d.AddDays(1).In(p.o.Location) }

// MaxRecomputeDays bounds the period of one recompute, so one act stays
// one bounded transaction.
const MaxRecomputeDays = 366

// RecomputePeriod replays, on the calendar in force, every dossier
// received from from to to (inclusive, the office's dates), returned ones
// included: their due dates and judgements (early, on time, late) follow
// the calendar as it is now (coordinator). The trail entry counts the
// dossiers replayed, moved and judged anew.
func (p *Service) RecomputePeriod(ctx context.Context, from, to workday.Date) (Recomputed, error) {
	if _, err := p.require(ctx, qms.AllUnits, ObjProcess, ActManage); err != nil {
		return Recomputed{}, err
	}
	fe := qms.FieldErrors{}
	if from.IsZero() {
		fe.Add("from", "required (yyyy-mm-dd)")
	}
	if to.IsZero() {
		fe.Add("to", "required (yyyy-mm-dd)")
	}
	if err := fe.Err(); err != nil {
		return Recomputed{}, err
	}
	if to.Before(from) {
		return Recomputed{}, qms.Errorf(qms.ErrInvalid, "the period ends before it starts")
	}
	if from.AddDays(MaxRecomputeDays).Before(to.AddDays(1)) {
		return Recomputed{}, qms.Errorf(qms.ErrInvalid, "a recompute covers at most %d days", MaxRecomputeDays)
	}
	rc := Recompute{From: from.In(p.o.Location), To: p.dayEnd(to), All: true, Replayer: p.replayer}
	return p.store.RecomputeDossiers(ctx, rc, func(r Recomputed) trail.Event {
		return trail.NewEvent(ctx, "calendar.recompute", "calendar", from.String()+".."+to.String(), "", map[string]any{
			"from": from.String(), "to": to.String(), "dossiers_replayed": r.Replayed, "dossiers_moved": r.Moved, "dossiers_rejudged": r.Rejudged})
	})
}

// ImportedHistory returns the events the stored columns of a dossier
// imported from a file (or generated) stand for, whose events are not kept:
// none for an open one, the supplement request of one waiting for a
// supplement. ok is false where the columns do not tell the history (a
// resubmission, a withdrawal, a return, which may have come while the
// clock was stopped): such a dossier keeps its clock on a recompute.
func ImportedHistory(d Dossier) (history []Event, ok bool) {
	if d.Supplements > 0 {
		return nil, false
	}
	switch d.Status {
	case StatusProcessing:
		return []Event{}, true
	case StatusSupplement:
		if d.PausedAt == nil {
			return nil, false
		}
		return []Event{{EventID: "supplement_at", Type: EventSupplementRequested, At: *d.PausedAt}}, true
	}
	return nil, false
}
