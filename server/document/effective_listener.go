package document

import "context"

// EffectiveListener hears that a publication made revisions effective, so
// that another capability can react (the leadership's revision tasks close
// when their procedure's new revision is in force); app wires it. It is
// called after the publication is committed and cannot undo it; a listener
// that fails must catch up by itself (the leadership's scheduled scan does).
type EffectiveListener interface {
	RevisionsEffective(ctx context.Context)
}

// heardEffective tells the listener, if any, that revisions became effective.
func (s *Service) heardEffective(ctx context.Context) {
	if s.o.Effective != nil {
		s.o.Effective.RevisionsEffective(ctx)
	}
}
