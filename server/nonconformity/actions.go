package nonconformity

import (
	"context"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// NewAction is the input to AddAction.
type NewAction struct {
	Unit        string    `json:"unit"`
	Owner       string    `json:"owner"`    // user id
	Verifier    string    `json:"verifier"` // optional user id of a designated verifier
	Description string    `json:"description"`
	Due         time.Time `json:"due"`
	VerifyAfter time.Time `json:"verify_after"`
}

// AddAction plans a corrective action; the NC becomes actions_planned.
func (s *Service) AddAction(ctx context.Context, ncID string, in NewAction) (NC, Action, error) {
	var added Action
	today := s.today(ctx) // read before the row lock: the clock is a query of its own
	nc, err := s.mutate(ctx, ncID, func(a qms.Actor, nc *NC) (Change, error) {
		if err := s.requireManage(a, nc); err != nil {
			return Change{}, err
		}
		switch nc.Status {
		case StatusAnalysed, StatusActionsPlanned, StatusReopened:
		case StatusOpen:
			return Change{}, qms.Errorf(qms.ErrState, "record the root cause of %s before planning actions", nc.Number)
		default:
			return Change{}, qms.Errorf(qms.ErrState, "nonconformity %s is %s", nc.Number, qms.Label{Prefix: "nc.status", Code: nc.Status})
		}
		if len(nc.Actions) >= maxActionsPerNC {
			return Change{}, qms.Errorf(qms.ErrInvalid, "at most %d actions per nonconformity", maxActionsPerNC)
		}
		fe := qms.FieldErrors{}
		if !qms.ValidUnitCode(in.Unit) {
			fe.Add("unit", "not a unit code")
		}
		owner := strings.ToLower(strings.TrimSpace(in.Owner))
		if !qms.ValidID(owner) {
			fe.Add("owner", "choose the person who carries out the action")
		} else if qms.ValidUnitCode(in.Unit) && !s.authz.Can(owner, in.Unit, permAction, actWork) {
			fe.Add("owner", "the owner must be a person of unit %s", in.Unit)
		}
		var verifier *string
		if v := strings.ToLower(strings.TrimSpace(in.Verifier)); v != "" {
			if !qms.ValidID(v) {
				fe.Add("verifier", "not a user")
			} else if v == owner {
				fe.Add("verifier", "the owner of an action may not verify it")
			} else if why := s.verifierProblem(v, in.Unit); why != "" {
				fe.Add("verifier", why)
			} else {
				verifier = &v
			}
		}
		desc, err := qms.CleanText("description", in.Description, 4000, true, true)
		if err != nil {
			fe.AddErr("description", err)
		}
		due, verifyAfter := dateOf(in.Due), dateOf(in.VerifyAfter)
		switch {
		case in.Due.IsZero():
			fe.Add("due", "a due date is required")
		case due.Before(today):
			fe.Add("due", "the due date is in the past")
		}
		switch {
		case in.VerifyAfter.IsZero():
			fe.Add("verify_after", "a verification date is required")
		case !in.Due.IsZero() && verifyAfter.Before(due):
			fe.Add("verify_after", "the verification date cannot be before the due date")
		}
		if err := fe.Err(); err != nil {
			return Change{}, err
		}
		by := a.UserID
		added = Action{
			ID: qms.NewID(), NCID: nc.ID, No: len(nc.Actions) + 1, Unit: in.Unit, Owner: owner, Verifier: verifier,
			Description: desc, Due: due, VerifyAfter: verifyAfter, Status: ActionOpen, CreatedBy: &by,
		}
		nc.Actions = append(nc.Actions, added)
		ch := Change{Events: []trail.Event{trail.NewEvent(ctx, "action.create", ObjectNC, nc.ID, added.Unit, map[string]any{
			"action": added.ID, "no": added.No, "unit": added.Unit, "owner": owner, "description": desc,
			"due": due.Format("2006-01-02"), "verify_after": verifyAfter.Format("2006-01-02"),
		})}}
		if nc.Status != StatusActionsPlanned {
			ch.Events = append(ch.Events, trail.NewEvent(ctx, "nc.status", ObjectNC, nc.ID, nc.Unit,
				map[string]any{"from": nc.Status, "to": StatusActionsPlanned}))
			nc.Status = StatusActionsPlanned
		}
		ch.Notes = []Note{{UserID: owner, Kind: "nc.action.assigned", Link: "/ncs/" + nc.ID,
			Dedupe:  "nc-action-assigned:" + added.ID,
			Subject: qms.M("New corrective action %s #%d: %s", nc.Number, added.No, clip(desc, 120))}}
		return ch, nil
	})
	if err != nil {
		return NC{}, Action{}, err
	}
	for _, x := range nc.Actions {
		if x.ID == added.ID {
			added = x
		}
	}
	return nc, added, nil
}

// action finds the action in the locked NC.
func findAction(nc *NC, id string) (*Action, error) {
	for i := range nc.Actions {
		if nc.Actions[i].ID == id {
			return &nc.Actions[i], nil
		}
	}
	return nil, qms.Errorf(qms.ErrNotFound, "corrective action not found")
}

// actOnAction locks the NC of an action and runs fn on both; acts on the
// actions of a closed or cancelled NC are refused.
func (s *Service) actOnAction(ctx context.Context, actionID string, fn func(a qms.Actor, nc *NC, act *Action) (Change, error)) (NC, error) {
	return s.actOnActionOf(ctx, actionID, false, fn)
}

// actOnActionOf is actOnAction; with closedOK it also reaches the actions of
// a closed NC (a re-verification that finds the problem back).
func (s *Service) actOnActionOf(ctx context.Context, actionID string, closedOK bool, fn func(a qms.Actor, nc *NC, act *Action) (Change, error)) (NC, error) {
	if !qms.ValidID(actionID) {
		return NC{}, qms.Errorf(qms.ErrNotFound, "corrective action not found")
	}
	ncID, err := s.store.ActionNC(ctx, actionID)
	if err != nil {
		return NC{}, err
	}
	return s.mutate(ctx, ncID, func(a qms.Actor, nc *NC) (Change, error) {
		act, err := findAction(nc, actionID)
		if err != nil {
			return Change{}, err
		}
		if nc.Status == StatusCancelled || (nc.Status == StatusClosed && !closedOK) {
			return Change{}, qms.Errorf(qms.ErrState, "nonconformity %s is %s", nc.Number, qms.Label{Prefix: "nc.status", Code: nc.Status})
		}
		return fn(a, nc, act)
	})
}

// peekAction returns an action and its NC without locking, for the checks
// that must pass before files are uploaded or a password is checked.
func (s *Service) peekAction(ctx context.Context, actionID string) (NC, Action, error) {
	if !qms.ValidID(actionID) {
		return NC{}, Action{}, qms.Errorf(qms.ErrNotFound, "corrective action not found")
	}
	ncID, err := s.store.ActionNC(ctx, actionID)
	if err != nil {
		return NC{}, Action{}, err
	}
	nc, err := s.Get(ctx, ncID)
	if err != nil {
		return NC{}, Action{}, err
	}
	act, err := findAction(&nc, actionID)
	if err != nil {
		return NC{}, Action{}, err
	}
	return nc, *act, nil
}

// NCOfAction returns the id of the NC of an action the actor may read.
func (s *Service) NCOfAction(ctx context.Context, actionID string) (string, error) {
	nc, _, err := s.peekAction(ctx, actionID)
	return nc.ID, err
}

func (s *Service) requireOwner(a qms.Actor, act *Action) error {
	if act.Owner != a.UserID || !s.authz.Can(a.UserID, act.Unit, permAction, actWork) {
		return qms.Errorf(qms.ErrForbidden, "only the owner of action #%d may update it", act.No)
	}
	return nil
}

// Start marks an action in progress (its owner).
func (s *Service) Start(ctx context.Context, actionID string) (NC, error) {
	return s.actOnAction(ctx, actionID, func(a qms.Actor, nc *NC, act *Action) (Change, error) {
		if err := s.requireOwner(a, act); err != nil {
			return Change{}, err
		}
		if act.Status != ActionOpen {
			return Change{}, qms.Errorf(qms.ErrState, "action #%d is %s, not open", act.No, qms.Label{Prefix: "nc.action", Code: act.Status})
		}
		now := s.o.Now().UTC()
		act.Status, act.StartedAt = ActionInProgress, &now
		return Change{Events: []trail.Event{actionEvent(ctx, "action.start", nc, act, nil)}}, nil
	})
}

func actionEvent(ctx context.Context, name string, nc *NC, act *Action, details map[string]any) trail.Event {
	if details == nil {
		details = map[string]any{}
	}
	details["action"], details["no"], details["status"] = act.ID, act.No, act.Status
	return trail.NewEvent(ctx, name, ObjectNC, nc.ID, act.Unit, details)
}

// Done records what the owner did, with at least one evidence file.
func (s *Service) Done(ctx context.Context, actionID, report string, files qms.FileSource) (NC, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return NC{}, err
	}
	nc, act, err := s.peekAction(ctx, actionID)
	if err != nil {
		return NC{}, err
	}
	if err := s.requireOwner(a, &act); err != nil {
		return NC{}, err
	}
	if act.Status != ActionInProgress {
		return NC{}, qms.Errorf(qms.ErrState, "action #%d is %s; start it before reporting it done", act.No, qms.Label{Prefix: "nc.action", Code: act.Status})
	}
	report, err = qms.CleanText("report", report, 4000, true, true)
	if err != nil {
		return NC{}, err
	}
	stored, err := s.upload(ctx, nc.ID, act.ID, FileDone, files, a.UserID)
	if err != nil {
		return NC{}, err
	}
	if len(stored) == 0 {
		return NC{}, qms.Errorf(qms.ErrInvalid, "attach at least one evidence file of what was done")
	}
	return s.actOnAction(ctx, actionID, func(a qms.Actor, nc *NC, act *Action) (Change, error) {
		if err := s.requireOwner(a, act); err != nil {
			return Change{}, err
		}
		if act.Status != ActionInProgress {
			return Change{}, qms.Errorf(qms.ErrState, "action #%d is %s, not in progress", act.No, qms.Label{Prefix: "nc.action", Code: act.Status})
		}
		now := s.o.Now().UTC()
		act.Status, act.DoneAt, act.Report = ActionDone, &now, report
		return Change{Files: stored, Events: []trail.Event{actionEvent(ctx, "action.done", nc, act,
			map[string]any{"report": report, "files": fileSums(stored)})}}, nil
	})
}

func sums(nc *NC, actionID string) []string {
	out := []string{}
	for _, f := range nc.Files {
		if f.ActionID == actionID {
			out = append(out, f.SHA256)
		}
	}
	return out
}
