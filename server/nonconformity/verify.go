package nonconformity

import (
	"context"
	"fmt"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Verification is the input to Verify.
type Verification struct {
	Effective bool           `json:"effective"`
	Comment   string         `json:"comment"`
	Password  string         `json:"password"`
	Files     qms.FileSource `json:"-"`
}

// Verify records the judgement of effectiveness, on or after the action's
// verification date, by a coordinator or the designated verifier, never by
// the owner. Effective on the last open action closes the NC; not effective
// reopens it, and it then needs a new action.
func (s *Service) Verify(ctx context.Context, actionID string, in Verification) (NC, error) {
	return s.verify(ctx, actionID, in, false)
}

// Reverify records, on a closed NC, that an action verified effective is not
// effective after all (the problem came back): the NC goes from closed to
// reopened. It is a separate act from Verify, so two verifications racing
// on the same action still give exactly one.
func (s *Service) Reverify(ctx context.Context, actionID string, in Verification) (NC, error) {
	in.Effective = false
	return s.verify(ctx, actionID, in, true)
}

func (s *Service) verify(ctx context.Context, actionID string, in Verification, again bool) (NC, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return NC{}, err
	}
	nc, act, err := s.peekAction(ctx, actionID)
	if err != nil {
		return NC{}, err
	}
	today := s.today(ctx) // read before the row lock: the clock is a query of its own
	if err := s.checkVerify(today, a, &nc, &act, again); err != nil {
		return NC{}, err
	}
	comment, err := qms.CleanText("comment", in.Comment, 4000, !in.Effective, true)
	if err != nil {
		return NC{}, qms.Errorf(qms.ErrInvalid, "%s (say why the action was not effective)", err)
	}
	if err := s.pw.CheckPassword(ctx, a.UserID, in.Password); err != nil {
		return NC{}, err
	}
	stored, err := s.upload(ctx, nc.ID, act.ID, FileVerification, in.Files, a.UserID)
	if err != nil {
		return NC{}, err
	}
	return s.actOnActionOf(ctx, actionID, again, func(a qms.Actor, nc *NC, act *Action) (Change, error) {
		if err := s.checkVerify(today, a, nc, act, again); err != nil {
			return Change{}, err
		}
		now := s.o.Now().UTC()
		act.Status = ActionVerifiedNotEffective
		if in.Effective {
			act.Status = ActionVerifiedEffective
		}
		act.VerifiedAt, act.VerifiedBy, act.VerifyComment = &now, &a.UserID, comment
		role := "coordinator"
		if !s.authz.Can(a.UserID, act.Unit, permAction, actVerify) {
			role = "verifier"
		}
		nc.Files = append(nc.Files, stored...)
		sig := qms.Signature{UserID: a.UserID, Login: a.Login, Name: a.Name, Role: role, Meaning: verifyMeaning,
			ObjectType: ObjectAction, ObjectID: act.ID, SHA256s: sums(nc, act.ID),
			Comment: fmt.Sprintf("%s #%d %s: %s", nc.Number, act.No, act.Status, clip(comment, 200))}
		name := "action.verify"
		if again {
			name = "action.reverify"
		}
		ch := Change{Files: stored, Signatures: []qms.Signature{sig}, Events: []trail.Event{actionEvent(ctx, name, nc, act,
			map[string]any{"effective": in.Effective, "comment": comment, "files": fileSums(stored)})}}
		switch {
		case !in.Effective:
			ch.Events = append(ch.Events, trail.NewEvent(ctx, "nc.reopen", ObjectNC, nc.ID, nc.Unit,
				map[string]any{"from": nc.Status, "action": act.ID, "no": act.No}))
			nc.Status, nc.ClosedAt = StatusReopened, nil
		case nc.Status == StatusActionsPlanned && allVerified(nc):
			nc.Status, nc.ClosedAt = StatusClosed, &now
			ch.Events = append(ch.Events, trail.NewEvent(ctx, "nc.close", ObjectNC, nc.ID, nc.Unit,
				map[string]any{"actions": len(nc.Actions)}))
		}
		return ch, nil
	})
}

// allVerified reports whether every action has been judged: with the NC in
// actions_planned, every "not effective" has been followed by a new action.
func allVerified(nc *NC) bool {
	effective := false
	for _, a := range nc.Actions {
		if !a.Verified() {
			return false
		}
		effective = effective || a.Status == ActionVerifiedEffective
	}
	return effective
}

// verifierProblem says why user v may not be named the verifier of an
// action of unit ("" when they may). A verifier judges effectiveness, so
// they must be someone the office trusts to: a holder of verify rights in
// the unit (a coordinator), or a head of another unit (a cross-check by a
// peer, never the head who signs the action off). An auditor of the unit
// (or of every unit) is not — an auditor judges the unit's work in audits —
// unless the office allows it (Options.AuditorsMayVerify), and then is.
// The owner is refused by the caller.
func (s *Service) verifierProblem(v, unit string) string {
	if s.authz.HoldsRole(v, "auditor", unit) {
		if s.o.AuditorsMayVerify {
			return ""
		}
		return "an auditor of the unit may not be named verifier of its actions"
	}
	if s.authz.Can(v, unit, permAction, actVerify) {
		return ""
	}
	if s.authz.Can(v, unit, permAction, actSignoff) {
		return "a head of the unit signs the action off; name someone else to verify it"
	}
	if s.authz.Scope(v, permAction, actSignoff).Empty() {
		return "the verifier must hold verify rights in the unit or be the head of another unit"
	}
	return ""
}

// checkVerify says whether a may verify act now (again: re-verify an action
// of a closed NC). A designated verifier verifies only while they still
// qualify (verifierProblem), so a role taken away in between counts.
func (s *Service) checkVerify(today time.Time, a qms.Actor, nc *NC, act *Action, again bool) error {
	designated := act.Verifier != nil && *act.Verifier == a.UserID && s.verifierProblem(a.UserID, act.Unit) == ""
	if !designated && !s.authz.Can(a.UserID, act.Unit, permAction, actVerify) {
		return qms.Errorf(qms.ErrForbidden, "only a coordinator or the designated verifier may verify action #%d", act.No)
	}
	if act.Owner == a.UserID {
		return qms.Errorf(qms.ErrForbidden, "you carried out action #%d; someone else must verify its effectiveness", act.No)
	}
	if again {
		if nc.Status != StatusClosed || act.Status != ActionVerifiedEffective {
			return qms.Errorf(qms.ErrState, "only an action verified effective of a closed nonconformity can be found not effective again")
		}
		return nil
	}
	if act.Status != ActionSignedOff {
		return qms.Errorf(qms.ErrState, "action #%d is %s; only a signed-off action can be verified", act.No, qms.Label{Prefix: "nc.action", Code: act.Status})
	}
	if today.Before(act.VerifyAfter) {
		return qms.Errorf(qms.ErrState, "action #%d can be verified on or after %s", act.No, act.VerifyAfter.Format("02/01/2006"))
	}
	return nil
}
