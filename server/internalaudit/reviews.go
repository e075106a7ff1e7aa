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

// Review marks a piece of evidence reviewed (a member of the audit team who
// is impartial now, during the audit's window). The evidence must be what the
// team examines: an object of an audited unit, documents and revisions only
// once in force. Anything else is "not found", as an id that names nothing
// is, so that probing ids teaches nothing about other units or drafts. It
// changes nothing but the review list.
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
	if err := s.impartial(ctx, actor.UserID, a.Units); err != nil {
		return Review{}, err
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
	if err != nil && qms.KindOf(err) != qms.ErrNotFound {
		return Review{}, err
	}
	if err != nil || !containsStr(a.Units, unit) {
		return Review{}, qms.Errorf(qms.ErrNotFound, "%s %s not found", kind, objectID)
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
// office's time zone (their window access to evidence; see WindowUnits).
func (s *Service) AuditedUnits(ctx context.Context, userID string, now time.Time) ([]string, error) {
	return WindowUnits(ctx, s.store, userID, qms.DateOf(now, s.o.Location))
}
