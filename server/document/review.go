package document

import (
	"context"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Review: the author submits a draft to chosen reviewers, who each approve
// or request changes with an electronic signature. Neither the author nor
// anyone who uploaded a current file may review it.

// Submit sends a draft to review by the chosen reviewers (logins).
func (s *Service) Submit(ctx context.Context, revID string, reviewerLogins []string) (Revision, error) {
	_, d, _, err := s.onRev(ctx, revID, actDraft, func(d Document) error {
		return qms.Errorf(qms.ErrForbidden, "you may not submit revisions of %s", d.Code)
	})
	if err != nil {
		return Revision{}, err
	}
	logins := dedupe(reviewerLogins)
	if len(logins) == 0 {
		return Revision{}, qms.Errorf(qms.ErrInvalid, "choose at least one reviewer")
	}
	if len(logins) > 20 {
		return Revision{}, qms.Errorf(qms.ErrInvalid, "at most 20 reviewers")
	}
	people, err := s.store.People(ctx, logins)
	if err != nil {
		return Revision{}, err
	}
	found := map[string]Person{}
	for _, p := range people {
		found[p.Login] = p
	}
	for _, l := range logins {
		p, ok := found[l]
		if !ok || !p.Active {
			return Revision{}, qms.Errorf(qms.ErrInvalid, "no active user with login %q", trunc(l, 64))
		}
		if !s.authz.Can(p.UserID, d.Unit, obj, actReview) {
			return Revision{}, qms.Errorf(qms.ErrInvalid, "%s may not review documents of unit %s", p.Login, d.Unit)
		}
	}
	return s.mutateRev(ctx, revID, func(l Locked) (Change, error) {
		if l.Doc.Status == DocObsolete {
			return Change{}, qms.Errorf(qms.ErrState, "document %s is withdrawn", l.Doc.Code)
		}
		if l.Rev.Status != StatusDraft {
			return Change{}, qms.Errorf(qms.ErrState, "only a draft can be submitted (revision %s is %s)", l.Rev.IssueLabel(), revStatus(l.Rev.Status))
		}
		if _, ok := l.Rev.MainFile(); !ok {
			return Change{}, qms.Errorf(qms.ErrState, "upload the main file before submitting")
		}
		for _, p := range people {
			if isAuthor(l.Rev, p.UserID) {
				return Change{}, qms.Errorf(qms.ErrForbidden, "%s drafted this revision and cannot review it", p.Login)
			}
		}
		ch := Change{Status: StatusInReview, Reviewers: people,
			Event: trail.NewEvent(ctx, "revision.submit", ObjectRevision, l.Rev.ID, l.Doc.Unit, map[string]any{
				"document": l.Doc.ID, "code": l.Doc.Code, "issue": l.Rev.Issue, "reviewers": logins})}
		for _, p := range people {
			ch.Notify = append(ch.Notify, Notice{UserID: p.UserID, Kind: "document.review",
				Subject: qms.M("To review: %s %s (%s)", l.Doc.Code, l.Doc.Title, l.Rev.IssueLabel()),
				Link:    "/documents/" + l.Doc.ID, Dedupe: "review:" + l.Rev.ID + ":" + s.o.Now().UTC().Format(time.RFC3339Nano)})
		}
		return ch, nil
	})
}

// Review records a reviewer's decision as an electronic signature: approve,
// or request changes with a comment (the revision goes back to draft).
func (s *Service) Review(ctx context.Context, revID, decision, comment, password string) (Revision, error) {
	a, d, _, err := s.onRev(ctx, revID, "", nil)
	if err != nil {
		return Revision{}, err
	}
	if decision != DecisionApprove && decision != DecisionChanges {
		return Revision{}, qms.Errorf(qms.ErrInvalid, "decision must be approve or changes")
	}
	comment, err = qms.CleanText("comment", comment, maxCommentLen, decision == DecisionChanges, true)
	if err != nil {
		return Revision{}, err
	}
	if !s.can(a, d.Unit, actReview) {
		return Revision{}, qms.Errorf(qms.ErrForbidden, "you may not review documents of unit %s", d.Unit)
	}
	meaning := MeaningReviewed
	if decision == DecisionChanges {
		meaning = MeaningChanges
	}
	sig, err := s.sign(ctx, a, password, d.Unit, actReview, meaning, comment)
	if err != nil {
		return Revision{}, err
	}
	return s.mutateRev(ctx, revID, func(l Locked) (Change, error) {
		if l.Rev.Status != StatusInReview {
			return Change{}, qms.Errorf(qms.ErrState, "revision %s is not in review (it is %s)", l.Rev.IssueLabel(), revStatus(l.Rev.Status))
		}
		if isAuthor(l.Rev, a.UserID) {
			return Change{}, qms.Errorf(qms.ErrForbidden, "the author of a revision cannot review it")
		}
		rv, ok := reviewerOf(l.Rev, a.UserID)
		if !ok {
			return Change{}, qms.Errorf(qms.ErrForbidden, "you are not a reviewer of this revision")
		}
		if rv.Decision != nil {
			return Change{}, ErrAlreadyReviewed
		}
		sig.ObjectID = l.Rev.ID
		sig.SHA256s = l.Rev.Hashes()
		ch := Change{Signature: sig, Decision: &ReviewDecision{UserID: a.UserID, Decision: decision, Comment: comment},
			Event: trail.NewEvent(ctx, "revision.review", ObjectRevision, l.Rev.ID, l.Doc.Unit, map[string]any{
				"document": l.Doc.ID, "code": l.Doc.Code, "issue": l.Rev.Issue, "decision": decision, "comment": comment,
				"sha256s": sig.SHA256s})}
		if decision == DecisionChanges {
			ch.Status = StatusDraft
			ch.Notify = append(ch.Notify, Notice{UserID: l.Rev.CreatedBy, Kind: "document.changes",
				Subject: qms.M("Changes requested on %s (%s): %s", l.Doc.Code, l.Rev.IssueLabel(), trunc(comment, 120)),
				Link:    "/documents/" + l.Doc.ID})
		}
		return ch, nil
	})
}
