package evidence

import (
	"context"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Coverage returns, for every ISO 9001 clause, the documents, records,
// audits and NCs tagged to it in the units the actor may read, and the
// clauses with no evidence at all.
func (s *Service) Coverage(ctx context.Context) (Coverage, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Coverage{}, err
	}
	sc, err := s.readable(ctx, a)
	if err != nil {
		return Coverage{}, err
	}
	if sc.Empty() {
		return Coverage{}, qms.Errorf(qms.ErrForbidden, "you may not read evidence")
	}
	var units []string
	if !sc.All {
		units = sc.Units
	}
	cs, err := s.store.Coverage(ctx, units)
	if err != nil {
		return Coverage{}, err
	}
	out := Coverage{Clauses: cs, NoEvidence: []string{}}
	for _, c := range cs {
		if c.Total() == 0 {
			out.NoEvidence = append(out.NoEvidence, c.Clause)
		}
	}
	return out, nil
}
