package record

import (
	"context"
	"fmt"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// SetHold sets or lifts the legal hold of a record (coordinator), with a
// reason. While held, the record is never due and the object store refuses
// to delete its versions even in governance mode.
func (s *Service) SetHold(ctx context.Context, id string, on bool, reason string) (Record, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Record{}, err
	}
	r, err := s.Get(ctx, id)
	if err != nil {
		return Record{}, err
	}
	if !s.authz.Can(a.UserID, r.Unit, permRecord, actHold) {
		return Record{}, qms.Errorf(qms.ErrForbidden, "only the QMS coordinator may set or lift a legal hold")
	}
	if reason, err = qms.CleanText("reason", reason, 1000, true, true); err != nil {
		return Record{}, err
	}
	action := "record.hold"
	if !on {
		action = "record.release"
	}
	ev := trail.NewEvent(ctx, action, "record", r.ID, r.Unit, map[string]any{"reason": reason})
	return s.store.Mutate(ctx, r.ID, func(cur *Record) (Change, error) {
		switch {
		case cur.Status != StatusActive:
			return Change{}, qms.Errorf(qms.ErrState, "the record was disposed of")
		case cur.Held && on:
			return Change{}, qms.Errorf(qms.ErrState, "the record is already under legal hold")
		case !cur.Held && !on:
			return Change{}, qms.Errorf(qms.ErrState, "the record is not under legal hold")
		}
		cur.Held, cur.HoldReason = on, reason
		live := cur.Live()
		return Change{Events: []trail.Event{ev}, Apply: func() error {
			for _, v := range live {
				if err := s.blobs.SetLegalHold(ctx, v.Key, v.VersionID, on); err != nil {
					return fmt.Errorf("legal hold on %s: %w", v.Key, err)
				}
			}
			return nil
		}}, nil
	})
}
