package evidence

import (
	"context"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Browse returns the documents, NCs, actions and latest trail entries of the
// audit's units, for its team during the audit's window (each member as
// long as they are impartial) and for those who may read the audit by their
// role (the coordinator, the heads of the audited units). It changes nothing.
func (s *Service) Browse(ctx context.Context, auditID string) (Browse, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Browse{}, err
	}
	au, err := s.audits.Audit(ctx, auditID)
	if err != nil {
		return Browse{}, err
	}
	if !s.readsAudit(a, au) {
		if err := s.asTeam(ctx, a, au); err != nil {
			return Browse{}, err
		}
		if !au.onTeam(a.UserID) || !au.inWindow(s.today()) {
			return Browse{}, qms.Errorf(qms.ErrForbidden, "the audit team sees the evidence during the audit (%s to %s)",
				au.Start.Display(), au.End.Display())
		}
	}
	out := Browse{Documents: []Entry{}, NCs: []Entry{}, Actions: []Entry{}}
	es, err := s.store.Evidence(ctx, au.Units, 500)
	if err != nil {
		return Browse{}, err
	}
	for _, e := range es {
		switch e.Type {
		case "document":
			out.Documents = append(out.Documents, e)
		case "nc":
			out.NCs = append(out.NCs, e)
		case "action":
			out.Actions = append(out.Actions, e)
		}
	}
	if out.Trail, err = s.store.Trail(ctx, au.Units, 200); err != nil {
		return Browse{}, err
	}
	return out, nil
}
