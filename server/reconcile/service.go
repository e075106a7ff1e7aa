package reconcile

import (
	"context"
	"errors"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Options configure a Service.
type Options struct {
	Now qms.Clock
	// Grace is the age below which nothing is removed or aborted (an
	// upload in flight has no row yet); DefaultGrace when zero.
	Grace time.Duration
	// Every is how often the scheduled job checks (the job wakes more
	// often; RunDue skips until the last check is this old); DefaultEvery
	// when zero. Listing every version of a large bucket is not free.
	Every time.Duration
	// Exclusive runs fn under the cluster-wide lock of the scheduled
	// check and reports whether it ran (false: another instance holds it);
	// without it fn simply runs.
	Exclusive func(ctx context.Context, fn func(ctx context.Context) error) (bool, error)
}

// Service runs the check and shows its findings.
type Service struct {
	store   Store
	objects Objects
	authz   Authorizer
	o       Options
}

// New returns the service.
func New(store Store, objects Objects, az Authorizer, o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Grace <= 0 {
		o.Grace = DefaultGrace
	}
	if o.Every <= 0 {
		o.Every = DefaultEvery
	}
	if o.Exclusive == nil {
		o.Exclusive = func(ctx context.Context, fn func(ctx context.Context) error) (bool, error) { return true, fn(ctx) }
	}
	return &Service{store: store, objects: objects, authz: az, o: o}
}

// Grace returns the grace period in force.
func (s *Service) Grace() time.Duration { return s.o.Grace }

// Run is the scheduled check: it removes unreferenced versions older than
// the grace period, aborts old incomplete uploads and stores what it found.
// The caller holds the job's lock.
func (s *Service) Run(ctx context.Context) (Check, error) {
	c, err := s.check(ctx, true)
	if err != nil {
		return c, err
	}
	c.Findings = capFindings(c.Findings, MaxStoredFindings)
	c.ID, err = s.store.SaveCheck(ctx, c)
	return c, err
}

// RunDue is the scheduled job: Run, unless the last stored check finished
// less than Every ago. It reports whether it ran.
func (s *Service) RunDue(ctx context.Context) (Check, bool, error) {
	last, err := s.store.LastCheck(ctx, false)
	if err != nil && !errors.Is(err, qms.ErrNotFound) {
		return Check{}, false, err
	}
	if err == nil && s.o.Now().Sub(last.Finished) < s.o.Every {
		return Check{}, false, nil
	}
	c, err := s.Run(ctx)
	return c, true, err
}

// RunExclusive is Run under the job's lock, for a check started by hand
// (the page's button, doctor -repair). It refuses while another check runs.
func (s *Service) RunExclusive(ctx context.Context) (Check, error) {
	var c Check
	ran, err := s.o.Exclusive(ctx, func(ctx context.Context) error {
		var err error
		c, err = s.Run(ctx)
		return err
	})
	if err == nil && !ran {
		return c, qms.Errorf(qms.ErrConflict, "a check of the object store is running already; try again in a minute")
	}
	return c, err
}

// Inspect is the check without any change: what a run would remove and
// abort is counted and listed, nothing is removed, aborted or stored.
func (s *Service) Inspect(ctx context.Context) (Check, error) {
	return s.check(ctx, false)
}

// RunNow runs a check for the acting administrator or coordinator.
func (s *Service) RunNow(ctx context.Context) (Check, error) {
	if err := s.mayCheck(ctx); err != nil {
		return Check{}, err
	}
	return s.RunExclusive(ctx)
}

// Last returns the newest stored check with its findings, for the acting
// administrator or coordinator; a zero Check when none ran yet.
func (s *Service) Last(ctx context.Context) (Check, error) {
	if err := s.mayCheck(ctx); err != nil {
		return Check{}, err
	}
	c, err := s.store.LastCheck(ctx, true)
	if errors.Is(err, qms.ErrNotFound) {
		return Check{Grace: s.o.Grace, GraceS: int64(s.o.Grace / time.Second)}, nil
	}
	return c, err
}

// Summary is the last check's counts for /readyz (no keys, no actor).
func (s *Service) Summary(ctx context.Context) (Summary, error) {
	c, err := s.store.LastCheck(ctx, false)
	if errors.Is(err, qms.ErrNotFound) {
		return Summary{}, nil
	}
	if err != nil {
		return Summary{}, err
	}
	at := c.Finished
	return Summary{CheckedAt: &at, MissingRows: c.Missing, OrphansListed: c.OrphansListed}, nil
}

// mayCheck refuses anyone without the permission in every unit: the
// bucket holds the files of the whole office.
func (s *Service) mayCheck(ctx context.Context) error {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return err
	}
	if !s.authz.Can(a.UserID, qms.AllUnits, PermObject, PermCheck) {
		return qms.Errorf(qms.ErrForbidden, "only an administrator or the quality coordinator of the whole office checks the object store")
	}
	return nil
}

// MaxStoredFindings is how many findings of each kind a stored check keeps
// (its counts stay exact): after a disaster the page lists the first ones
// and doctor lists them all.
const MaxStoredFindings = 1000

func capFindings(fs []Finding, max int) []Finding {
	n := map[string]int{}
	out := fs[:0]
	for _, f := range fs {
		if n[f.Kind] < max {
			out = append(out, f)
		}
		n[f.Kind]++
	}
	return out
}
