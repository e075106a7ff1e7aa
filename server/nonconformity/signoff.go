package nonconformity

import (
	"context"
	"fmt"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// SignOff is the electronic signature of a head of the action's unit that
// the reported work was done. The owner may not sign off their own action.
func (s *Service) SignOff(ctx context.Context, actionID, password string) (NC, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return NC{}, err
	}
	_, act, err := s.peekAction(ctx, actionID)
	if err != nil {
		return NC{}, err
	}
	if err := s.checkSignoff(a, &act); err != nil {
		return NC{}, err
	}
	if err := s.pw.CheckPassword(ctx, a.UserID, password); err != nil {
		return NC{}, err
	}
	return s.actOnAction(ctx, actionID, func(a qms.Actor, nc *NC, act *Action) (Change, error) {
		if err := s.checkSignoff(a, act); err != nil {
			return Change{}, err
		}
		now := s.o.Now().UTC()
		act.Status, act.SignedOffAt, act.SignedOffBy = ActionSignedOff, &now, &a.UserID
		sig := qms.Signature{UserID: a.UserID, Login: a.Login, Name: a.Name, Role: "head", Meaning: signoffMeaning,
			ObjectType: ObjectAction, ObjectID: act.ID, SHA256s: sums(nc, act.ID),
			Comment: fmt.Sprintf("%s #%d", nc.Number, act.No)}
		return Change{Signatures: []qms.Signature{sig}, Events: []trail.Event{actionEvent(ctx, "action.signoff", nc, act,
			map[string]any{"sha256s": sig.SHA256s})}}, nil
	})
}

func (s *Service) checkSignoff(a qms.Actor, act *Action) error {
	if !s.authz.Can(a.UserID, act.Unit, permAction, actSignoff) {
		return qms.Errorf(qms.ErrForbidden, "only a head of unit %s may sign off action #%d", act.Unit, act.No)
	}
	if act.Owner == a.UserID {
		return qms.Errorf(qms.ErrForbidden, "you carried out action #%d; another head must sign it off", act.No)
	}
	if act.Status != ActionDone {
		return qms.Errorf(qms.ErrState, "action #%d is %s; only an action reported done can be signed off", act.No, qms.Label{Prefix: "nc.action", Code: act.Status})
	}
	return nil
}
