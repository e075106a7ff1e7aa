package internalaudit

import (
	"context"
	"fmt"
	"strings"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// NewFinding is the input of AddFinding.
type NewFinding struct {
	ItemID      string `json:"item_id"`
	Unit        string `json:"unit"`
	Kind        string `json:"kind"`
	Severity    string `json:"severity"`
	Description string `json:"description"`
	Evidence    Lines  `json:"evidence"` // references, one per line
}

// AddFinding records a finding (a member of the audit team who is impartial
// now, during the audit's window, before the report). A nonconformity raises a linked NC
// through the nonconformity capability when it is wired, under the audit's
// lock: an NC is raised only for a finding that will be stored, and a
// finding never points at an NC that does not exist.
func (s *Service) AddFinding(ctx context.Context, auditID string, in NewFinding) (Finding, error) {
	actor, err := qms.MustActor(ctx)
	if err != nil {
		return Finding{}, err
	}
	a, err := s.Get(ctx, auditID)
	if err != nil {
		return Finding{}, err
	}
	if !a.OnTeam(actor.UserID) {
		return Finding{}, qms.Errorf(qms.ErrForbidden, "only the audit team records findings")
	}
	if err := s.impartial(ctx, actor.UserID, a.Units); err != nil {
		return Finding{}, err
	}
	if err := findingsOpen(a); err != nil {
		return Finding{}, err
	}
	if !a.InWindow(s.today()) {
		from, to := a.window()
		return Finding{}, qms.Errorf(qms.ErrState, "findings are recorded during the audit (%s to %s)", from, to)
	}
	fe := qms.FieldErrors{}
	// The id is chosen here so that the NC's source reference names it and
	// a retried request gets the same NC back.
	f := Finding{ID: qms.NewID(), AuditID: a.ID, CreatedBy: actor.UserID, CreatedLogin: actor.Login}
	for _, it := range a.Items {
		if it.ID == strings.TrimSpace(in.ItemID) {
			f.ItemID, f.Clause = it.ID, it.Clause
		}
	}
	if f.ItemID == "" {
		fe.Add("item", "choose a checklist item of this audit")
	}
	f.Unit = strings.TrimSpace(in.Unit)
	if f.Unit == "" && len(a.Units) == 1 {
		f.Unit = a.Units[0]
	}
	if !containsStr(a.Units, f.Unit) {
		fe.Add("unit", "choose one of the audited units")
	}
	f.Kind = strings.TrimSpace(in.Kind)
	if !containsStr(Kinds, f.Kind) {
		fe.Add("kind", "conformity, observation, ofi or nonconformity")
	}
	f.Severity = strings.TrimSpace(in.Severity)
	if f.Kind == KindNonconformity {
		if f.Severity != "major" && f.Severity != "minor" {
			fe.Add("severity", "major or minor")
		}
	} else {
		f.Severity = ""
	}
	if f.Description, err = qms.CleanText("description", in.Description, 4000, true, true); err != nil {
		fe.AddErr("description", err)
	}
	f.Evidence = []string{}
	for _, e := range in.Evidence {
		for _, line := range strings.Split(e, "\n") {
			line, err := qms.CleanText("evidence", line, 300, false, false)
			if err != nil {
				fe.AddErr("evidence", err)
			} else if line != "" {
				f.Evidence = append(f.Evidence, line)
			}
		}
	}
	if len(f.Evidence) > 50 {
		fe.Add("evidence", "at most 50 references")
	}
	if err := fe.Err(); err != nil {
		return Finding{}, err
	}
	ev := trail.NewEvent(ctx, "audit.finding", "audit", a.ID, f.Unit, map[string]any{
		"kind": f.Kind, "severity": f.Severity, "clause": f.Clause, "description": f.Description, "evidence": f.Evidence,
		"finding": f.ID})
	out, err := s.store.Mutate(ctx, a.ID, func(cur *Audit) (Change, error) {
		if err := findingsOpen(*cur); err != nil {
			return Change{}, err
		}
		// The NC capability writes in its own transaction; raising is
		// idempotent by the finding's reference, so a retry after a failure
		// here gets the same NC back.
		if f.Kind == KindNonconformity && s.o.NC != nil {
			var err error
			if f.NCID, f.NCNumber, err = s.o.NC.RaiseFromAudit(ctx, ncRequest(*cur, f)); err != nil {
				return Change{}, err
			}
			ev.Details["nc_id"], ev.Details["nc_number"] = f.NCID, f.NCNumber
		}
		return Change{Findings: []Finding{f}, Events: []trail.Event{ev}}, nil
	})
	if err != nil {
		return Finding{}, err
	}
	for _, got := range out.Findings {
		if got.ID == f.ID {
			return got, nil
		}
	}
	return f, nil
}

func findingsOpen(a Audit) error {
	if a.Status != StatusPlanned {
		return qms.Errorf(qms.ErrState, "the audit report was issued; findings are closed")
	}
	return nil
}

// ncRequest is the nonconformity a finding of audit a raises.
func ncRequest(a Audit, f Finding) NCRequest {
	var clauses []string
	if f.Clause != "" {
		clauses = []string{f.Clause}
	}
	return NCRequest{Unit: f.Unit, Severity: f.Severity, Clauses: clauses,
		Title:       fmt.Sprintf("%s: %s", a.Number, firstLine(f.Description, 120)),
		Description: f.Description, Evidence: f.Evidence, AuditID: a.ID, AuditNumber: a.Number,
		FindingRef: "audit:" + a.ID + "/" + f.ID}
}

func firstLine(s string, n int) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
