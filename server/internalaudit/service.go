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

// Today is the current date in the office's time zone.
func (s *Service) Today() qms.Date { return s.today() }

// PlanScope is the units whose audits the actor may plan; All is the
// coordinator, who also edits the clause checklist.
func (s *Service) PlanScope(ctx context.Context) qms.Scope {
	a, ok := qms.ActorFrom(ctx)
	if !ok {
		return qms.Scope{}
	}
	return s.authz.Scope(a.UserID, permAudit, actPlan)
}

// Permissions are the buttons an actor may press on an audit's page, with
// whether they are on its team and today is in its window.
type Permissions struct {
	OnTeam   bool
	InWindow bool
	Find     bool // record findings
	Review   bool // mark evidence reviewed
	Ask      bool // add a question to the checklist
	Report   bool // issue the report
	// Barred is why the actor, on the team, may not act on it now
	// (impartiality); nil when they may.
	Barred error
}

// PermissionsOf computes what the actor may do now on au, with the same
// rules the acts enforce.
func (s *Service) PermissionsOf(ctx context.Context, au Audit) Permissions {
	a, ok := qms.ActorFrom(ctx)
	if !ok || len(au.Units) == 0 {
		return Permissions{}
	}
	open := au.Status == StatusPlanned
	plan := s.authz.Can(a.UserID, au.Units[0], permAudit, actPlan)
	p := Permissions{OnTeam: au.OnTeam(a.UserID), InWindow: au.InWindow(s.today())}
	member := p.OnTeam
	if member {
		p.Barred = s.impartial(ctx, a.UserID, au.Units)
		member = p.Barred == nil
	}
	p.Find = member && open && p.InWindow
	p.Review = member && p.InWindow
	p.Ask = open && (member || plan)
	p.Report = open && ((au.Lead == a.UserID && member) || plan) && len(au.Findings) > 0
	return p
}
