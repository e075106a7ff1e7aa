package process

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// Calendar returns the working-day calendar with its settings.
func (p *Service) Calendar(ctx context.Context) (*workday.Calendar, Settings, error) {
	days, st, err := p.store.Calendar(ctx)
	if err != nil {
		return nil, st, err
	}
	c := workday.New(p.o.Location)
	c.Set(days)
	c.Open, c.Close, c.AfterHours = st.Open, st.Close, st.AfterHours
	return c, st, nil
}

// CalendarYear returns one year of the calendar.
func (p *Service) CalendarYear(ctx context.Context, year int) (CalendarYear, error) {
	if _, err := p.scope(ctx, ObjProcess, ActRead); err != nil {
		return CalendarYear{}, err
	}
	if year < 2000 || year > 2100 {
		return CalendarYear{}, qms.Errorf(qms.ErrInvalid, "year must be between 2000 and 2100")
	}
	c, st, err := p.Calendar(ctx)
	if err != nil {
		return CalendarYear{}, err
	}
	return CalendarYear{Year: year, Days: c.Days(year), Settings: st}, nil
}

// SaveCalendarYear replaces one year's holidays and swapped days and the
// settings (coordinator: process manage anywhere).
func (p *Service) SaveCalendarYear(ctx context.Context, in CalendarYear) (CalendarYear, error) {
	if _, err := p.require(ctx, qms.AllUnits, ObjProcess, ActManage); err != nil {
		return in, err
	}
	if in.Year < 2000 || in.Year > 2100 {
		return in, qms.Errorf(qms.ErrInvalid, "year must be between 2000 and 2100")
	}
	fe := qms.FieldErrors{}
	seen := map[workday.Date]bool{}
	for i, d := range in.Days {
		if d.Date.Year != in.Year {
			fe.Add(fmt.Sprintf("days[%d]", i), fmt.Sprintf("%s is not in %d", d.Date, in.Year))
		}
		if d.Kind != workday.KindHoliday && d.Kind != workday.KindWorkday {
			fe.Add(fmt.Sprintf("days[%d].kind", i), "must be holiday or workday")
		}
		if seen[d.Date] {
			fe.Add(fmt.Sprintf("days[%d]", i), fmt.Sprintf("%s is listed twice", d.Date))
		}
		seen[d.Date] = true
		name, err := qms.CleanText("name", d.Name, 200, false, false)
		if err != nil {
			fe.AddErr(fmt.Sprintf("days[%d].name", i), err)
		}
		in.Days[i].Name = name
	}
	st := in.Settings
	if st.Open == 0 && st.Close == 0 {
		_, cur, err := p.store.Calendar(ctx)
		if err != nil {
			return in, err
		}
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
	ev := trail.NewEvent(ctx, "calendar.update", "calendar", fmt.Sprint(in.Year), "", map[string]any{"days": len(in.Days), "after_hours": st.AfterHours, "late_mode": st.LateMode})
	if err := p.store.SaveCalendarYear(ctx, in.Year, in.Days, st, ev); err != nil {
		return in, err
	}
	return p.CalendarYear(ctx, in.Year)
}

// Procedures lists the procedures of the units the actor may read.
func (p *Service) Procedures(ctx context.Context) ([]Procedure, error) {
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return nil, err
	}
	return p.store.Procedures(ctx, sc)
}

// Procedure returns one procedure.
func (p *Service) Procedure(ctx context.Context, code string) (Procedure, error) {
	s, err := p.store.Procedure(ctx, code)
	if err != nil {
		return s, err
	}
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return s, err
	}
	if !sc.Has(s.Unit) {
		return Procedure{}, qms.Errorf(qms.ErrNotFound, "no service %s", code)
	}
	return s, nil
}

func validateProcedure(s *Procedure) error {
	fe := qms.FieldErrors{}
	s.Code = strings.TrimSpace(s.Code)
	if !codeRE.MatchString(s.Code) {
		fe.Add("code", "letters, digits, . _ / - (at most 64)")
	}
	var err error
	if s.NameVI, err = qms.CleanText("name_vi", s.NameVI, 300, true, false); err != nil {
		fe.AddErr("name_vi", err)
	}
	if s.NameEN, err = qms.CleanText("name_en", s.NameEN, 300, false, false); err != nil {
		fe.AddErr("name_en", err)
	}
	if !fieldRE.MatchString(s.Field) {
		fe.Add("field", "a short code such as land, construction, civil_status")
	}
	if !qms.ValidUnitCode(s.Unit) {
		fe.Add("unit", "unknown unit")
	}
	if s.Days < 0 || s.Days > 365 {
		fe.Add("days", "between 0 and 365 working days")
	}
	if s.Document, err = qms.CleanText("document", s.Document, 64, false, false); err != nil {
		fe.AddErr("document", err)
	}
	total := 0
	seen := map[string]bool{}
	for i, st := range s.Steps {
		k := fmt.Sprintf("steps[%d]", i)
		if !codeRE.MatchString(st.Code) || seen[st.Code] {
			fe.Add(k+".code", "a unique short code")
		}
		seen[st.Code] = true
		if s.Steps[i].Name, err = qms.CleanText("name", st.Name, 200, false, false); err != nil {
			fe.AddErr(k+".name", err)
		}
		if st.Unit != "" && !qms.ValidUnitCode(st.Unit) {
			fe.Add(k+".unit", "unknown unit")
		}
		if st.Days < 0 || st.Days > 365 {
			fe.Add(k+".days", "between 0 and 365")
		}
		total += st.Days
	}
	if total > s.Days && s.Days > 0 {
		fe.Add("steps", "the steps' allowances (%d days) exceed the processing time (%d)", total, s.Days)
	}
	if s.Steps == nil {
		s.Steps = []Step{}
	}
	validatePublic(s, fe)
	return fe.Err()
}

// SaveProcedure creates or updates a procedure (process manage in its unit).
func (p *Service) SaveProcedure(ctx context.Context, s Procedure, create bool) (Procedure, error) {
	if err := validateProcedure(&s); err != nil {
		return s, err
	}
	if _, err := p.require(ctx, s.Unit, ObjProcess, ActManage); err != nil {
		return s, err
	}
	if !create {
		old, err := p.store.Procedure(ctx, s.Code)
		if err != nil {
			return s, err
		}
		if _, err := p.require(ctx, old.Unit, ObjProcess, ActManage); err != nil {
			return s, err
		}
	}
	steps, _ := json.Marshal(s.Steps)
	action := "service.update"
	if create {
		action = "service.create"
		s.Active = true
	}
	ev := trail.NewEvent(ctx, action, "service", s.Code, s.Unit, map[string]any{"days": s.Days, "field": s.Field, "steps": string(steps), "active": s.Active,
		"has_fee": s.HasFee, "papers": len(s.Papers), "forms": strings.Join(s.Forms, ",")})
	return p.store.SaveProcedure(ctx, s, create, ev)
}
