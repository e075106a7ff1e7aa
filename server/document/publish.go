package document

import (
	"context"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Publication: an approved revision is published now or for a later date.
// Going effective supersedes the revision in force in the same transaction
// and gives everyone in the distribution a task to acknowledge it; a job
// makes effective the revisions whose date has come.

// Publish makes an approved revision effective now, or from effectiveAt: an
// RFC 3339 time, or a day (yyyy-mm-dd or dd/mm/yyyy) from midnight in the
// office's time zone. Empty means now.
func (s *Service) Publish(ctx context.Context, revID, password, effectiveAt string) (Revision, error) {
	when, err := s.parseEffectiveAt(effectiveAt)
	if err != nil {
		return Revision{}, err
	}
	a, d, _, err := s.onRev(ctx, revID, actPublish, func(d Document) error {
		return qms.Errorf(qms.ErrForbidden, "you may not publish documents of unit %s", d.Unit)
	})
	if err != nil {
		return Revision{}, err
	}
	now := s.o.Clock(ctx).UTC()
	at := now
	if when != nil && when.After(now) {
		if when.After(now.AddDate(2, 0, 0)) {
			return Revision{}, qms.Errorf(qms.ErrInvalid, "the effective date is more than two years ahead")
		}
		at = when.UTC()
	}
	sig, err := s.sign(ctx, a, password, d.Unit, actPublish, MeaningPublished, "")
	if err != nil {
		return Revision{}, err
	}
	rev, err := s.mutateRev(ctx, revID, func(l Locked) (Change, error) {
		if l.Doc.Status == DocObsolete {
			return Change{}, qms.Errorf(qms.ErrState, "document %s is withdrawn", l.Doc.Code)
		}
		if l.Rev.Status != StatusApproved || l.Rev.PublishedAt != nil {
			var st any = revStatus(l.Rev.Status)
			if l.Rev.Scheduled() {
				st = "already published"
			}
			return Change{}, qms.Errorf(qms.ErrState, "only an approved revision can be published (revision %s is %s)", l.Rev.IssueLabel(), st)
		}
		sig.ObjectID = l.Rev.ID
		sig.SHA256s = l.Rev.Hashes()
		return Change{Signature: sig, PublishAt: &at, MakeActive: !at.After(now),
			Event: trail.NewEvent(ctx, "revision.publish", ObjectRevision, l.Rev.ID, l.Doc.Unit, map[string]any{
				"document": l.Doc.ID, "code": l.Doc.Code, "issue": l.Rev.Issue, "effective_at": at.Format(time.RFC3339),
				"sha256s": sig.SHA256s})}, nil
	})
	if err == nil && rev.Status == StatusEffective {
		s.heardEffective(ctx)
	}
	return rev, err
}

// parseEffectiveAt reads a publication date; nil for now.
func (s *Service) parseEffectiveAt(v string) (*time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return &t, nil
	}
	d, err := qms.ParseDate(v)
	if err != nil {
		return nil, qms.Errorf(qms.ErrInvalid, "effective_at must be a date (dd/mm/yyyy or yyyy-mm-dd) or an RFC 3339 time")
	}
	t := d.In(s.o.Location)
	return &t, nil
}

// ActivateDue makes effective the revisions published for a date that has come.
func (s *Service) ActivateDue(ctx context.Context) (int, error) {
	n, err := s.store.ActivateDue(ctx, s.o.Clock(ctx).UTC())
	if n > 0 {
		s.heardEffective(ctx)
	}
	return n, err
}
