package record

import (
	"context"
	"io"

	"github.com/qmstrack/qmstrack/server/qms"
)

// readable returns the units whose records the actor may read: Casbin's
// scope plus the units of audits the actor is conducting now.
func (s *Service) readable(ctx context.Context, a qms.Actor) (qms.Scope, error) {
	sc := s.authz.Scope(a.UserID, permRecord, actRead)
	if sc.All || s.o.Audits == nil {
		return sc, nil
	}
	units, err := s.o.Audits.AuditedUnits(ctx, a.UserID, s.o.Now())
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

// Get returns a record with its versions, if the actor may read it.
func (s *Service) Get(ctx context.Context, id string) (Record, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Record{}, err
	}
	if !qms.ValidID(id) {
		return Record{}, qms.Errorf(qms.ErrNotFound, "record not found")
	}
	r, err := s.store.Get(ctx, id)
	if err != nil {
		return Record{}, err
	}
	sc, err := s.readable(ctx, a)
	if err != nil {
		return Record{}, err
	}
	if !sc.Has(r.Unit) {
		// Not found rather than forbidden: the id tells nothing to outsiders.
		return Record{}, qms.Errorf(qms.ErrNotFound, "record not found")
	}
	return r, nil
}

// List returns the records the actor may read that match f.
func (s *Service) List(ctx context.Context, f Filter) ([]Record, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := s.readable(ctx, a)
	if err != nil {
		return nil, err
	}
	if f.Clause != "" && !qms.ValidClause(f.Clause) {
		return nil, qms.Errorf(qms.ErrInvalid, "clause: use numbers such as 7.5.3")
	}
	if f.Status != "" && f.Status != StatusActive && f.Status != StatusDisposing && f.Status != StatusDisposed {
		return nil, qms.Errorf(qms.ErrInvalid, "status: active, disposing or disposed")
	}
	if f.Q, err = qms.CleanText("q", f.Q, 200, false, false); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 200
	}
	f.DueOnly, f.Now = false, s.o.Now()
	return s.store.List(ctx, f, sc)
}

// DueForDisposition lists the records whose retention has expired (not
// permanent, not held) in the units where the actor may dispose of records.
func (s *Service) DueForDisposition(ctx context.Context) ([]Record, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	sc := s.authz.Scope(a.UserID, permRecord, actDispose)
	if sc.Empty() {
		return nil, qms.Errorf(qms.ErrForbidden, "only the QMS coordinator sees the disposition list")
	}
	return s.store.List(ctx, Filter{DueOnly: true, Now: s.o.Now(), Limit: 500}, sc)
}

// Open opens version no of a record for download (0 = the latest).
func (s *Service) Open(ctx context.Context, id string, no int) (io.ReadSeekCloser, Version, Record, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return nil, Version{}, Record{}, err
	}
	if len(r.Versions) == 0 {
		return nil, Version{}, r, qms.Errorf(qms.ErrNotFound, "the record has no file")
	}
	if no == 0 {
		no = r.Versions[len(r.Versions)-1].No
	}
	for _, v := range r.Versions {
		if v.No == no {
			if r.Status == StatusDisposing {
				// Rather than "missing from the store" for the versions
				// already deleted, one answer for all: the record is going.
				return nil, v, r, qms.Errorf(qms.ErrState, "the record is being disposed of; its files can no longer be downloaded")
			}
			if v.DeletedAt != nil {
				return nil, v, r, qms.Errorf(qms.ErrNotFound, "this version was disposed of")
			}
			rc, err := s.blobs.OpenVersion(ctx, v.Key, v.VersionID)
			return rc, v, r, err
		}
	}
	return nil, Version{}, r, qms.Errorf(qms.ErrNotFound, "version %d not found", no)
}
