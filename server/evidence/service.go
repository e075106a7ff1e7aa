package evidence

import (
	"context"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Options configure a Service.
type Options struct {
	Now func() time.Time
	// Location is the office's time zone: a pack's period is whole days
	// there. Defaults to UTC.
	Location *time.Location
}

// Service builds evidence packs and the clause coverage.
type Service struct {
	store  Store
	blobs  Opener
	authz  Authorizer
	audits Audits
	o      Options
}

// New returns the service.
func New(store Store, blobs Opener, az Authorizer, audits Audits, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	return &Service{store: store, blobs: blobs, authz: az, audits: audits, o: o}
}

// today is the current date in the office's time zone.
func (s *Service) today() qms.Date { return qms.DateOf(s.o.Now(), s.o.Location) }

// readsAudit reports whether the actor reads au by a role of their own
// (audit read in one of its units: the coordinator, the heads of the
// audited units) rather than as a member of its team.
func (s *Service) readsAudit(a qms.Actor, au Audit) bool {
	sc := s.authz.Scope(a.UserID, "audit", "read")
	for _, u := range au.Units {
		if sc.Has(u) {
			return true
		}
	}
	return false
}

// asTeam refuses a member of au's team who may not act on it now
// (impartiality, the internal audit's rule); nil for anyone else.
func (s *Service) asTeam(ctx context.Context, a qms.Actor, au Audit) error {
	if !au.onTeam(a.UserID) {
		return nil
	}
	return s.audits.Impartial(ctx, au)
}

// readable is the set of units whose evidence the actor may read: Casbin's
// record-read scope plus the units the actor is auditing today.
func (s *Service) readable(ctx context.Context, a qms.Actor) (qms.Scope, error) {
	sc := s.authz.Scope(a.UserID, "record", "read")
	if sc.All {
		return sc, nil
	}
	units, err := s.audits.AuditedUnits(ctx, a.UserID, s.o.Now())
	if err != nil {
		return sc, err
	}
	for _, u := range units {
		if !sc.Has(u) {
			sc.Units = append(sc.Units, u)
		}
	}
	return sc, nil
}
