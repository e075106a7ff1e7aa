package nonconformity

import (
	"context"
	"io"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// readScope is where the user reads NCs: the units where a role gives
// "nc read", plus the units of the audits the user is conducting today
// (an auditor reads the units of their audit during its window).
func (s *Service) readScope(ctx context.Context, userID string) (qms.Scope, error) {
	sc := s.authz.Scope(userID, permNC, actRead)
	if sc.All || s.o.Audits == nil {
		return sc, nil
	}
	units, err := s.o.Audits.AuditedUnits(ctx, userID, s.o.Now())
	if err != nil {
		return qms.Scope{}, err
	}
	for _, u := range units {
		if !sc.Has(u) {
			sc.Units = append(sc.Units, u)
		}
	}
	return sc, nil
}

// canRead reports whether the actor may see nc: read scope on its unit or
// on the unit of one of its actions, or owning or verifying one of them.
func canRead(sc qms.Scope, userID string, nc NC) bool {
	if sc.Has(nc.Unit) {
		return true
	}
	for _, a := range nc.Actions {
		if sc.Has(a.Unit) || a.Owner == userID || (a.Verifier != nil && *a.Verifier == userID) {
			return true
		}
	}
	return false
}

// Get returns an NC the actor may read; others are "not found", so the
// register does not reveal what exists elsewhere.
func (s *Service) Get(ctx context.Context, id string) (NC, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return NC{}, err
	}
	nc, err := s.store.Get(ctx, id)
	if err != nil {
		return NC{}, err
	}
	sc, err := s.readScope(ctx, a.UserID)
	if err != nil {
		return NC{}, err
	}
	if !canRead(sc, a.UserID, nc) {
		return NC{}, qms.Errorf(qms.ErrNotFound, "nonconformity not found")
	}
	today := s.today(ctx)
	for _, act := range nc.Actions {
		nc.Overdue = nc.Overdue || act.OverdueOn(today)
	}
	return nc, nil
}

// List returns the register in the actor's scope.
func (s *Service) List(ctx context.Context, f Filter) ([]NC, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	if f.Status != "" && !oneOf(f.Status, NCStatuses) {
		return nil, qms.Errorf(qms.ErrInvalid, "unknown status %q", f.Status)
	}
	if f.Severity != "" && !oneOf(f.Severity, Severities) {
		return nil, qms.Errorf(qms.ErrInvalid, "unknown severity %q", f.Severity)
	}
	if f.Source != "" && !oneOf(f.Source, Sources) {
		return nil, qms.Errorf(qms.ErrInvalid, "unknown source %q", f.Source)
	}
	if f.Unit != "" && !qms.ValidUnitCode(f.Unit) {
		return nil, qms.Errorf(qms.ErrInvalid, "unknown unit %q", f.Unit)
	}
	if f.Clause != "" && !qms.ValidClause(f.Clause) {
		return nil, qms.Errorf(qms.ErrInvalid, "%q is not an ISO 9001 clause", f.Clause)
	}
	if f.Q, err = qms.CleanText("q", f.Q, 100, false, false); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 100
	}
	f.Today = s.today(ctx)
	sc, err := s.readScope(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	return s.store.List(ctx, f, sc)
}

// Similar lists earlier NCs of the same unit, clause or cause category that
// the actor may read.
func (s *Service) Similar(ctx context.Context, nc NC) ([]Similar, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := s.readScope(ctx, a.UserID)
	if err != nil {
		return nil, err
	}
	out, err := s.store.Similar(ctx, nc, sc, 10)
	if err != nil {
		return nil, err
	}
	for i := range out {
		w := []string{}
		if out[i].SameUnit {
			w = append(w, "unit")
		}
		if out[i].SameClause {
			w = append(w, "clause")
		}
		if out[i].SameCause {
			w = append(w, "cause")
		}
		out[i].Why = w
	}
	return out, nil
}

// OpenFile returns an evidence file of an NC the actor may read.
func (s *Service) OpenFile(ctx context.Context, fileID string) (File, func() (io.ReadSeekCloser, error), error) {
	if !qms.ValidID(fileID) {
		return File{}, nil, qms.Errorf(qms.ErrNotFound, "file not found")
	}
	f, err := s.store.File(ctx, fileID)
	if err != nil {
		return File{}, nil, err
	}
	if _, err := s.Get(ctx, f.NCID); err != nil {
		return File{}, nil, qms.Errorf(qms.ErrNotFound, "file not found")
	}
	return f, func() (io.ReadSeekCloser, error) { return s.blobs.Open(ctx, f.Key, f.VersionID) }, nil
}

// Timeline returns the trail entries of an NC the actor may read.
func (s *Service) Timeline(ctx context.Context, nc NC) ([]trail.Entry, error) {
	if s.o.Trail == nil {
		return []trail.Entry{}, nil
	}
	return s.o.Trail.List(ctx, trail.Filter{ObjectType: ObjectNC, ObjectID: nc.ID, Limit: 1000})
}

// MyActions lists the actor's work: actions they own that are not yet done,
// actions of their units waiting for their sign-off, and actions waiting
// for their verification.
func (s *Service) MyActions(ctx context.Context) ([]Action, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	return s.store.MyActions(ctx, a.UserID, s.authz.Scope(a.UserID, permAction, actSignoff), s.authz.Scope(a.UserID, permAction, actVerify))
}
