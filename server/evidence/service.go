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
