package internalaudit

import (
	"context"
	"sort"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Impartiality (ISO 9001 9.2.2 c): an auditor does not audit their own
// unit. As the office applies it, a person belongs to every unit in which
// they hold a role bound to that unit, whatever the role (the unit's own
// auditor included); roles over the whole organisation ("*") are no unit's.
//
// The rule is checked against the roles held at the moment of each act, not
// only when the audit is planned: a member of the team who is later given a
// role in an audited unit may no longer record findings, add questions, mark
// evidence reviewed, issue the report, or read the audit's evidence as a team
// member (the window access included), and each refusal names the role and
// the unit. They stay on the team, so that the coordinator sees the conflict
// and re-plans; revoking the role lets them act again. The whole audit is
// barred, not only the unit in conflict, as planning would have refused the
// member for the whole audit.

// conflictIn returns a role of roles held in one of units.
func conflictIn(roles []Assignment, units []string) (Assignment, bool) {
	for _, r := range roles {
		if containsStr(units, r.Unit) {
			return r, true
		}
	}
	return Assignment{}, false
}

// impartial refuses userID's acts as a member of an audit team over units
// when they hold a role in one of them now.
func (s *Service) impartial(ctx context.Context, userID string, units []string) error {
	roles, err := s.store.UnitRoles(ctx, userID)
	if err != nil {
		return err
	}
	if c, ok := conflictIn(roles, units); ok {
		return qms.Errorf(qms.ErrForbidden, "impartiality: you hold the role %s in unit %s, which this audit covers, so you may not act on its team",
			qms.Label{Prefix: "role", Code: c.Role}, c.Unit)
	}
	return nil
}

// Impartial refuses the actor's acts as a member of the team of an audit of
// units when they hold a role in one of them now; nil when they may act.
// The evidence capability asks it before the team reads an audit's evidence.
func (s *Service) Impartial(ctx context.Context, units []string) error {
	actor, err := qms.MustActor(ctx)
	if err != nil {
		return err
	}
	return s.impartial(ctx, actor.UserID, units)
}

// WindowUnits returns the units userID reads as an auditor on day: the units
// of the audits whose window contains day and whose team includes them,
// except the audits they may not act in now for impartiality. It reads the
// store, so that the capabilities built before internal audits (records,
// nonconformities) apply the same rule.
func WindowUnits(ctx context.Context, st Store, userID string, day qms.Date) ([]string, error) {
	audits, err := st.TeamAudits(ctx, userID, day)
	if err != nil || len(audits) == 0 {
		return []string{}, err
	}
	roles, err := st.UnitRoles(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, a := range audits {
		if _, barred := conflictIn(roles, a.Units); barred {
			continue
		}
		for _, u := range a.Units {
			if !containsStr(out, u) {
				out = append(out, u)
			}
		}
	}
	sort.Strings(out)
	return out, nil
}
