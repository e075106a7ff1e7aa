package internalaudit

import (
	"context"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// NewReview is the input of Review.
type NewReview struct {
	AuditID    string `json:"audit_id"`
	ObjectType string `json:"object_type"`
	ObjectID   string `json:"object_id"`
	Comment    string `json:"comment"`
}

// Review marks a piece of evidence reviewed (a member of the audit team,
// during the audit's window). The evidence must belong to an audited unit.
// It changes nothing but the review list.
func (s *Service) Review(ctx context.Context, in NewReview) (Review, error) {
	actor, err := qms.MustActor(ctx)
	if err != nil {
		return Review{}, err
	}
	a, err := s.Get(ctx, in.AuditID)
	if err != nil {
		return Review{}, err
	}
	if !a.OnTeam(actor.UserID) {
		return Review{}, qms.Errorf(qms.ErrForbidden, "only the audit team marks evidence reviewed")
	}
	if !a.InWindow(s.today()) {
		from, to := a.window()
		return Review{}, qms.Errorf(qms.ErrState, "evidence is reviewed during the audit (%s to %s)", from, to)
	}
	if !containsStr(ReviewTypes, in.ObjectType) {
		return Review{}, qms.Errorf(qms.ErrInvalid, "object_type: one of %s", strings.Join(ReviewTypes, ", "))
	}
	objectID := strings.TrimSpace(in.ObjectID)
	if objectID == "" || len(objectID) > 64 {
		return Review{}, qms.Errorf(qms.ErrInvalid, "object_id is required")
	}
	comment, err := qms.CleanText("comment", in.Comment, 2000, false, true)
	if err != nil {
		return Review{}, err
	}
	kind := qms.Label{Prefix: "audits.object", Code: in.ObjectType}
	unit, err := s.store.ObjectUnit(ctx, in.ObjectType, objectID)
	if qms.KindOf(err) == qms.ErrNotFound {
		return Review{}, qms.Errorf(qms.ErrNotFound, "%s %s not found", kind, objectID)
	} else if err != nil {
		return Review{}, err
	}
	if !containsStr(a.Units, unit) {
		return Review{}, qms.Errorf(qms.ErrForbidden, "this %s belongs to unit %s, outside the audit", kind, unit)
	}
	r := Review{AuditID: a.ID, ObjectType: in.ObjectType, ObjectID: objectID, Unit: unit, Comment: comment,
		Reviewer: actor.UserID, ReviewerLogin: actor.Login}
	ev := trail.NewEvent(ctx, "evidence.review", in.ObjectType, objectID, unit, map[string]any{"audit": a.ID, "comment": comment})
	return s.store.AddReview(ctx, r, ev)
}

// Reviews lists the evidence reviewed in an audit.
func (s *Service) Reviews(ctx context.Context, auditID string) ([]Review, error) {
	a, err := s.Get(ctx, auditID)
	if err != nil {
		return nil, err
	}
	return s.store.Reviews(ctx, a.ID)
}

// AuditedUnits returns the units the user audits on the day of now in the
// office's time zone (their window access to evidence).
func (s *Service) AuditedUnits(ctx context.Context, userID string, now time.Time) ([]string, error) {
	return s.store.AuditedUnits(ctx, userID, qms.DateOf(now, s.o.Location))
}
