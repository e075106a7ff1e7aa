package process

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// Store keeps this capability's data. Every state change writes its trail
// entry in the same transaction.
type Store interface {
	Services(ctx context.Context, scope qms.Scope) ([]Service, error)
	Service(ctx context.Context, code string) (Service, error)
	SaveService(ctx context.Context, s Service, create bool, ev trail.Event) (Service, error)

	Calendar(ctx context.Context) ([]workday.Day, Settings, error)
	SaveCalendarYear(ctx context.Context, year int, days []workday.Day, st Settings, ev trail.Event) error

	CreateDossier(ctx context.Context, d Dossier, ev trail.Event) (Dossier, bool, error)
	// AddEvent locks the dossier, returns it unchanged with duplicate=true
	// when the event id is known, otherwise replays the history with the
	// new event through apply and stores the event and the new clock.
	AddEvent(ctx context.Context, number string, e Event, apply func(d Dossier, history []Event) (Clock, error), ev func(d Dossier) trail.Event) (Dossier, bool, error)
	Dossier(ctx context.Context, number string) (Dossier, error)
	// AddPendingEvent keeps an event for a dossier not recorded yet
	// (duplicate when the number and event id are known); PendingEvents
	// lists them in the order they happened; ResolvePending removes one, or
	// keeps it with the reason it could not be applied.
	AddPendingEvent(ctx context.Context, number string, e Event, actorID string) (bool, error)
	PendingEvents(ctx context.Context, number string) ([]PendingEvent, error)
	ResolvePending(ctx context.Context, number, eventID, failure string) error
	// PendingRecorded lists numbers with pending events whose dossier now exists.
	PendingRecorded(ctx context.Context, limit int) ([]string, error)
	Dossiers(ctx context.Context, f DossierFilter) ([]Dossier, int, error)
	Import(ctx context.Context, rows func(yield func(ImportRow) error) error, report *ImportReport, ev trail.Event) error
	ImportReport(ctx context.Context, id string) (ImportReport, string, error)
	SetImportNCs(ctx context.Context, id string, n int) error
	ImportRejections(ctx context.Context, id string, fn func(Rejection) error) error

	// MarkLate flags open dossiers past their due time and returned late
	// ones, and queues every late dossier without a late record as
	// pending (auto) or triage; it returns how many it queued.
	MarkLate(ctx context.Context, now time.Time, mode string) (int, error)
	LateRecords(ctx context.Context, state string, scope qms.Scope, limit int) ([]LateRecord, error)
	// QueueLate adds the late record of one dossier unless it has one.
	QueueLate(ctx context.Context, dossierID, unit, state string) (bool, error)
	CountLate(ctx context.Context, states []string, scope qms.Scope) (int, error)
	SetLateRecord(ctx context.Context, dossierID string, from []string, r LateRecord, ev *trail.Event) error

	KPIs(ctx context.Context, q KPIQuery) ([]KPI, error)
	LateHeatmap(ctx context.Context, from, to workday.Date, scope qms.Scope) ([]HeatCell, error)

	Objectives(ctx context.Context, scope qms.Scope) ([]Objective, error)
	CreateObjective(ctx context.Context, o Objective, ev trail.Event) (Objective, error)

	Meetings(ctx context.Context) ([]Meeting, error)
	Meeting(ctx context.Context, id string) (Meeting, error)
	CreateMeeting(ctx context.Context, m Meeting, ev trail.Event) (Meeting, error)
	CreateDirective(ctx context.Context, d Directive, ev trail.Event) (Directive, error)
	Directive(ctx context.Context, id string) (Directive, error)
	Directives(ctx context.Context, f DirectiveFilter) ([]Directive, error)
	ReportDirective(ctx context.Context, id string, r Report, ev trail.Event) (Directive, error)
	DecideDirective(ctx context.Context, id string, accept bool, comment, deciderLogin string, check func(Directive) error, ev trail.Event) (Directive, error)
	// EscalateOverdueDirectives notifies (idempotently) and returns the
	// notifications that are new.
	EscalateOverdueDirectives(ctx context.Context, today workday.Date) ([]Escalation, error)
	NonCompliantUnits(ctx context.Context, today workday.Date) ([]UnitCompliance, error)
	Evidence(ctx context.Context, directiveID, evidenceID string) (Evidence, string, error)
}

// Process is the entry point of this capability.
type Process struct {
	store   Store
	authz   Authorizer
	blobs   Blobs
	nc      NCRaiser
	minutes MinutesFiler
	mailer  Mailer
	baseURL string
	now     func() time.Time
	loc     *time.Location
	// MaxEvidence bounds each evidence or minutes upload.
	MaxEvidence int64
}

// New returns the capability. nc may be nil until the nonconformity
// capability is wired: late dossiers then wait in the triage list.
func New(store Store, authz Authorizer, blobs Blobs, nc NCRaiser, now func() time.Time, loc *time.Location) *Process {
	if now == nil {
		now = time.Now
	}
	if loc == nil {
		loc = time.UTC
	}
	return &Process{store: store, authz: authz, blobs: blobs, nc: nc, now: now, loc: loc, MaxEvidence: 64 << 20}
}

// SetNCRaiser wires the nonconformity capability after construction.
func (p *Process) SetNCRaiser(nc NCRaiser) { p.nc = nc }

// Location is the office's time zone.
func (p *Process) Location() *time.Location { return p.loc }

// Permission objects and actions (policies/policy.csv).
const (
	ObjProcess   = "process"
	ObjDossier   = "dossier"
	ObjDirective = "directive"
	ActRead      = "read"
	ActManage    = "manage"
	ActWrite     = "write"
	ActIssue     = "issue"
	ActDecide    = "decide"
	ActReport    = "report"
)

func (p *Process) require(ctx context.Context, unit, obj, act string) (qms.Actor, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return a, err
	}
	if !p.authz.Can(a.UserID, unit, obj, act) {
		return a, qms.Errorf(qms.ErrForbidden, "you may not %s %s in unit %s", act, obj, unit)
	}
	return a, nil
}

func (p *Process) scope(ctx context.Context, obj, act string) (qms.Scope, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return qms.Scope{}, err
	}
	return p.authz.Scope(a.UserID, obj, act), nil
}

// Calendar returns the working-day calendar with its settings.
func (p *Process) Calendar(ctx context.Context) (*workday.Calendar, Settings, error) {
	days, st, err := p.store.Calendar(ctx)
	if err != nil {
		return nil, st, err
	}
	c := workday.New(p.loc)
	c.Set(days)
	c.Open, c.Close, c.AfterHours = st.Open, st.Close, st.AfterHours
	return c, st, nil
}

// CalendarYear returns one year of the calendar.
func (p *Process) CalendarYear(ctx context.Context, year int) (CalendarYear, error) {
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
func (p *Process) SaveCalendarYear(ctx context.Context, in CalendarYear) (CalendarYear, error) {
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
	c := workday.New(p.loc)
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

// Services lists the services of the units the actor may read.
func (p *Process) Services(ctx context.Context) ([]Service, error) {
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return nil, err
	}
	return p.store.Services(ctx, sc)
}

// GetService returns one service.
func (p *Process) GetService(ctx context.Context, code string) (Service, error) {
	s, err := p.store.Service(ctx, code)
	if err != nil {
		return s, err
	}
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return s, err
	}
	if !sc.Has(s.Unit) {
		return Service{}, qms.Errorf(qms.ErrNotFound, "no service %s", code)
	}
	return s, nil
}

func validateService(s *Service) error {
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
	return fe.Err()
}

// SaveService creates or updates a service (process manage in its unit).
func (p *Process) SaveService(ctx context.Context, s Service, create bool) (Service, error) {
	if err := validateService(&s); err != nil {
		return s, err
	}
	if _, err := p.require(ctx, s.Unit, ObjProcess, ActManage); err != nil {
		return s, err
	}
	if !create {
		old, err := p.store.Service(ctx, s.Code)
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
	ev := trail.NewEvent(ctx, action, "service", s.Code, s.Unit, map[string]any{"days": s.Days, "field": s.Field, "steps": string(steps), "active": s.Active})
	return p.store.SaveService(ctx, s, create, ev)
}
