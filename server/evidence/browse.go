package evidence

import (
	"context"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Entry is one piece of evidence an auditor may look at: a document, a
// nonconformity or a corrective action of an audited unit.
type Entry struct {
	Type   string    `json:"type" db:"type"` // document, nc, action
	ID     string    `json:"id" db:"id"`
	Unit   string    `json:"unit" db:"unit"`
	Ref    string    `json:"ref" db:"ref"` // code, NC number
	Title  string    `json:"title" db:"title"`
	Status string    `json:"status" db:"status"`
	Date   time.Time `json:"date" db:"date"`
}

// Browse is what the audit team sees of the audited units, read-only.
type Browse struct {
	Documents []Entry       `json:"documents"`
	NCs       []Entry       `json:"ncs"`
	Actions   []Entry       `json:"actions"`
	Trail     []trail.Entry `json:"trail"`
}

// Browse returns the documents, NCs, actions and latest trail entries of the
// audit's units, for its team during the audit's window and for those who
// may read the audit (the coordinator). It changes nothing.
func (s *Service) Browse(ctx context.Context, auditID string) (Browse, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Browse{}, err
	}
	au, err := s.audits.Get(ctx, auditID)
	if err != nil {
		return Browse{}, err
	}
	byRole := false
	sc := s.authz.Scope(a.UserID, "audit", "read")
	for _, u := range au.Units {
		byRole = byRole || sc.Has(u)
	}
	if !byRole && !(au.OnTeam(a.UserID) && au.InWindow(s.now())) {
		return Browse{}, qms.Errorf(qms.ErrForbidden, "the audit team sees the evidence during the audit (%s to %s)",
			au.Start.Format("02/01/2006"), au.End.Format("02/01/2006"))
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
