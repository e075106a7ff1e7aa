package internalaudit

import (
	"context"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Options configure a Service.
type Options struct {
	Now func() time.Time
	// Location is the office's time zone: planned dates and the audit
	// window are days there. Defaults to UTC.
	Location *time.Location
	NC       NCRaiser       // nil: NC findings are stored with an empty link
	Records  RecordFiler    // needed to issue reports
	Renderer ReportRenderer // needed to issue reports
}

// Service is the internal-audit capability.
type Service struct {
	store Store
	authz Authorizer
	o     Options
}

// New returns the service.
func New(store Store, az Authorizer, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	return &Service{store: store, authz: az, o: o}
}

// today is the current date in the office's time zone.
func (s *Service) today() qms.Date { return qms.DateOf(s.o.Now(), s.o.Location) }

// mayRead reports whether the actor may see the audit: audit readers of
// one of its units, or its team.
func (s *Service) mayRead(userID string, a Audit) bool {
	if a.OnTeam(userID) {
		return true
	}
	sc := s.authz.Scope(userID, permAudit, actRead)
	for _, u := range a.Units {
		if sc.Has(u) {
			return true
		}
	}
	return false
}

// Get returns an audit with team, checklist and findings.
func (s *Service) Get(ctx context.Context, id string) (Audit, error) {
	actor, err := qms.MustActor(ctx)
	if err != nil {
		return Audit{}, err
	}
	if !qms.ValidID(id) {
		return Audit{}, qms.Errorf(qms.ErrNotFound, "audit not found")
	}
	a, err := s.store.Get(ctx, id)
	if err != nil {
		return Audit{}, err
	}
	if !s.mayRead(actor.UserID, a) {
		return Audit{}, qms.Errorf(qms.ErrNotFound, "audit not found")
	}
	return a, nil
}

// Acts are what the actor may do, for the pages: on the programme (Plan)
// or on one audit (Find, Ask, Report), with whether today is in its window.
type Acts struct {
	// Plan: plan audits (on the programme), edit the clause checklist.
	Plan     bool
	OnTeam   bool
	InWindow bool
	// Find: record findings and mark evidence reviewed.
	Find bool
	// Ask: add a question to the checklist.
	Ask bool
	// Report: issue the report.
	Report bool
}

// ProgrammeActs are the acts of the programme and clause pages.
func (s *Service) ProgrammeActs(ctx context.Context) Acts {
	a, ok := qms.ActorFrom(ctx)
	if !ok {
		return Acts{}
	}
	return Acts{Plan: s.authz.Can(a.UserID, qms.AllUnits, permAudit, actPlan)}
}

// PlanAnywhere reports whether the actor may plan audits of some unit.
func (s *Service) PlanAnywhere(ctx context.Context) bool {
	a, ok := qms.ActorFrom(ctx)
	return ok && !s.authz.Scope(a.UserID, permAudit, actPlan).Empty()
}

// ActsOn are the acts the actor may do on au now.
func (s *Service) ActsOn(ctx context.Context, au Audit) Acts {
	a, ok := qms.ActorFrom(ctx)
	if !ok || len(au.Units) == 0 {
		return Acts{}
	}
	open := au.Status == StatusPlanned
	plan := s.authz.Can(a.UserID, au.Units[0], permAudit, actPlan)
	out := Acts{Plan: plan, OnTeam: au.OnTeam(a.UserID), InWindow: au.InWindow(s.today())}
	out.Find = out.OnTeam && open && out.InWindow
	out.Ask = open && (out.OnTeam || plan)
	out.Report = open && (au.Lead == a.UserID || plan) && len(au.Findings) > 0
	return out
}
