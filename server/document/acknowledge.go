package document

import (
	"context"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Acknowledgement: everyone in the distribution of an effective revision
// confirms they have read it; the owner unit sees who has and who has not.

// Acknowledge records that the actor has read an effective revision, and
// returns that revision.
func (s *Service) Acknowledge(ctx context.Context, revID string) (Revision, error) {
	a, d, r, err := s.onRev(ctx, revID, "", nil)
	if err != nil {
		return Revision{}, err
	}
	if r.Status != StatusEffective {
		return Revision{}, qms.Errorf(qms.ErrState, "only the effective revision can be acknowledged")
	}
	err = s.store.Acknowledge(ctx, revID, a.UserID, trail.NewEvent(ctx, "revision.acknowledge", ObjectRevision, r.ID, d.Unit,
		map[string]any{"document": d.ID, "code": d.Code, "issue": r.Issue}))
	return r, err
}

// Acks lists who must acknowledge a revision and who has, for those
// holding ack_report in the owner unit.
func (s *Service) Acks(ctx context.Context, revID string) ([]Ack, error) {
	_, _, _, err := s.onRev(ctx, revID, actAckReport, func(d Document) error {
		return qms.Errorf(qms.ErrForbidden, "you may not see the acknowledgements of unit %s", d.Unit)
	})
	if err != nil {
		return nil, err
	}
	return s.store.Acks(ctx, revID)
}

// MyWork returns the actor's open acknowledgements and reviews, for the
// home page (the web layer words them in the reader's language).
func (s *Service) MyWork(ctx context.Context) ([]PendingAck, []PendingReview, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, nil, err
	}
	acks, err := s.store.PendingAcks(ctx, a.UserID)
	if err != nil {
		return nil, nil, err
	}
	revs, err := s.store.PendingReviews(ctx, a.UserID)
	return acks, revs, err
}
