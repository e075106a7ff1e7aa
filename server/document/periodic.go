package document

import (
	"context"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Periodic review: an effective document is reviewed every review_months;
// a review without change moves the next one an interval on (a review with
// change is a new revision).

// ConfirmReview records a periodic review without change; the next review
// falls due one interval later.
func (s *Service) ConfirmReview(ctx context.Context, docID, comment string) (Document, error) {
	a, d, err := s.onDoc(ctx, docID, actPeriodic, func(d Document) error {
		return qms.Errorf(qms.ErrForbidden, "you may not carry out periodic reviews in unit %s", d.Unit)
	})
	if err != nil {
		return Document{}, err
	}
	comment, err = qms.CleanText("comment", comment, maxCommentLen, true, true)
	if err != nil {
		return Document{}, err
	}
	at := s.o.Clock(ctx).UTC()
	return s.mutateDoc(ctx, d.ID, func(l Locked) (Change, error) {
		if l.Doc.Status != DocEffective {
			return Change{}, qms.Errorf(qms.ErrState, "only an effective document is reviewed periodically")
		}
		if l.Doc.ReviewMonths == 0 {
			return Change{}, qms.Errorf(qms.ErrState, "document %s has no review interval", l.Doc.Code)
		}
		return Change{Reviewed: &PeriodicReview{UserID: a.UserID, Comment: comment, At: at},
			Event: trail.NewEvent(ctx, "document.periodic_review", ObjectDocument, l.Doc.ID, l.Doc.Unit, map[string]any{
				"code": l.Doc.Code, "outcome": "no_change", "comment": comment})}, nil
	})
}

// DueReviews lists the effective documents, in units where the actor
// carries out periodic reviews, that are due within 30 days or overdue.
func (s *Service) DueReviews(ctx context.Context) ([]Document, error) {
	a, err := qms.MustActor(ctx)
	if err != nil {
		return nil, err
	}
	sc := s.authz.Scope(a.UserID, obj, actPeriodic)
	if sc.Empty() {
		return []Document{}, nil
	}
	// Only the periodic-review scope: Draft lets the store show every
	// document of those units, ReviewDue keeps the effective ones due.
	p, err := s.list(ctx, Filter{ReviewDue: true, Limit: 100}, Visibility{UserID: a.UserID, Draft: sc})
	return p.Items, err
}
