package leadership

import (
	"context"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/workday"
)

// NewDirective is a directive to assign at a meeting.
type NewDirective struct {
	Unit           string       `json:"unit"`
	Title          string       `json:"title"`
	ReportRequired string       `json:"report_required"`
	DueOn          workday.Date `json:"due_on"`
}

// AddDirective assigns a directive of a meeting to a unit. Directives come
// from office meetings: the coordinator or the chairman (directive issue in
// every unit) assigns them.
func (s *Service) AddDirective(ctx context.Context, meetingID string, in NewDirective) (Directive, error) {
	a, err := s.may(ctx, qms.AllUnits, actIssue)
	if err != nil {
		return Directive{}, err
	}
	d := Directive{Unit: in.Unit, DueOn: in.DueOn}
	if !qms.ValidUnitCode(d.Unit) {
		return d, qms.Errorf(qms.ErrInvalid, "unknown unit %q", d.Unit)
	}
	if _, err := s.store.Meeting(ctx, meetingID); err != nil {
		return d, err
	}
	fe := qms.FieldErrors{}
	if d.Title, err = qms.CleanText("title", in.Title, 1000, true, true); err != nil {
		fe.AddErr("title", err)
	}
	if d.ReportRequired, err = qms.CleanText("report_required", in.ReportRequired, 2000, false, true); err != nil {
		fe.AddErr("report_required", err)
	}
	if d.DueOn.IsZero() {
		fe.Add("due_on", "required (yyyy-mm-dd)")
	}
	if err := fe.Err(); err != nil {
		return d, err
	}
	d.MeetingID, d.IssuerID, d.Issuer, d.State = meetingID, a.UserID, a.Login, DirectiveOpen
	ev := trail.NewEvent(ctx, "directive.issue", "directive", "", d.Unit, map[string]any{"meeting": meetingID, "title": d.Title, "due_on": d.DueOn.String()})
	return s.store.CreateDirective(ctx, d, ev)
}

// Directive returns a directive with its reports.
func (s *Service) Directive(ctx context.Context, id string) (Directive, error) {
	sc, err := s.readScope(ctx)
	if err != nil {
		return Directive{}, err
	}
	d, err := s.store.Directive(ctx, id)
	if err != nil {
		return d, err
	}
	if !sc.Has(d.Unit) {
		return Directive{}, qms.Errorf(qms.ErrNotFound, "no directive %s", id)
	}
	d.Overdue = d.IsOverdue(s.today())
	return d, nil
}

// Directives lists directives in the actor's scope, soonest due first.
func (s *Service) Directives(ctx context.Context, f DirectiveFilter) ([]Directive, error) {
	sc, err := s.readScope(ctx)
	if err != nil {
		return nil, err
	}
	f.Scope = sc
	return s.list(ctx, f)
}

// list reads directives and marks those overdue today.
func (s *Service) list(ctx context.Context, f DirectiveFilter) ([]Directive, error) {
	ds, err := s.store.Directives(ctx, f)
	today := s.today()
	for i := range ds {
		ds[i].Overdue = ds[i].IsOverdue(today)
	}
	return ds, err
}

// ToDecide lists the reported directives whose report waits for a's
// decision (accept or return): every reported directive for who decides
// in every unit (the chairman, the coordinator), those a issued for
// anyone else; for a's home page, soonest due first.
func (s *Service) ToDecide(ctx context.Context, a qms.Actor) ([]Directive, error) {
	ds, err := s.list(ctx, DirectiveFilter{Scope: qms.Scope{All: true}, States: []string{DirectiveReported}})
	if err != nil {
		return nil, err
	}
	out := ds[:0]
	for _, d := range ds {
		if s.mayDecide(a, d) {
			out = append(out, d)
		}
	}
	return out, nil
}

// ToReport lists the directives of the units where a reports that are
// still to report or were returned, for a's home page.
func (s *Service) ToReport(ctx context.Context, a qms.Actor) ([]Directive, error) {
	sc := s.authz.Scope(a.UserID, ObjDirective, actReport)
	if sc.Empty() {
		return nil, nil
	}
	return s.list(ctx, DirectiveFilter{Scope: sc, States: []string{DirectiveOpen, DirectiveReturned}})
}
