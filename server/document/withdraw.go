package document

import (
	"context"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Withdraw makes a whole document obsolete with a reason: its revisions stay
// readable for those with history access and are never served as current.
func (s *Service) Withdraw(ctx context.Context, docID, reason string) (Document, error) {
	_, d, err := s.onDoc(ctx, docID, actWithdraw, func(d Document) error {
		return qms.Errorf(qms.ErrForbidden, "you may not withdraw documents of unit %s", d.Unit)
	})
	if err != nil {
		return Document{}, err
	}
	reason, err = qms.CleanText("reason", reason, maxCommentLen, true, true)
	if err != nil {
		return Document{}, err
	}
	return s.mutateDoc(ctx, d.ID, func(l Locked) (Change, error) {
		if l.Doc.Status == DocObsolete {
			return Change{}, qms.Errorf(qms.ErrState, "document %s is already withdrawn", l.Doc.Code)
		}
		return Change{WithdrawReason: reason, Event: trail.NewEvent(ctx, "document.withdraw", ObjectDocument, l.Doc.ID, l.Doc.Unit,
			map[string]any{"code": l.Doc.Code, "reason": reason})}, nil
	})
}
