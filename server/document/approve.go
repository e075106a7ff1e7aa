package document

import (
	"context"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Approval: once every reviewer approved, someone holding approve in the
// owner unit signs the approval. The author and the reviewers may not.

// Approve is the approval signature of the revision revID.
func (s *Service) Approve(ctx context.Context, revID, password string) (Revision, error) {
	a, d, _, err := s.onRev(ctx, revID, actApprove, func(d Document) error {
		return qms.Errorf(qms.ErrForbidden, "you may not approve documents of unit %s", d.Unit)
	})
	if err != nil {
		return Revision{}, err
	}
	sig, err := s.sign(ctx, a, password, d.Unit, actApprove, MeaningApproved, "")
	if err != nil {
		return Revision{}, err
	}
	return s.mutateRev(ctx, revID, func(l Locked) (Change, error) {
		if l.Rev.Status != StatusInReview {
			return Change{}, qms.Errorf(qms.ErrState, "revision %s is not in review (it is %s)", l.Rev.IssueLabel(), revStatus(l.Rev.Status))
		}
		if isAuthor(l.Rev, a.UserID) {
			return Change{}, qms.Errorf(qms.ErrForbidden, "the author of a revision cannot approve it")
		}
		if _, ok := reviewerOf(l.Rev, a.UserID); ok {
			return Change{}, qms.Errorf(qms.ErrForbidden, "a reviewer of a revision cannot also approve it")
		}
		if !allApproved(l.Rev) {
			return Change{}, qms.Errorf(qms.ErrState, "every reviewer must approve before the revision can be approved")
		}
		sig.ObjectID = l.Rev.ID
		sig.SHA256s = l.Rev.Hashes()
		return Change{Status: StatusApproved, Signature: sig,
			Event: trail.NewEvent(ctx, "revision.approve", ObjectRevision, l.Rev.ID, l.Doc.Unit, map[string]any{
				"document": l.Doc.ID, "code": l.Doc.Code, "issue": l.Rev.Issue, "sha256s": sig.SHA256s})}, nil
	})
}
