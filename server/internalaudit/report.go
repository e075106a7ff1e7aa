package internalaudit

import (
	"context"
	"io"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// IssueReport renders the audit report from the findings and files it as a
// record of type audit report (the lead auditor, impartial now, or the
// coordinator). The
// audit is then closed to findings. The audit stays locked for the whole
// act, so a second report waits and then finds the audit reported.
func (s *Service) IssueReport(ctx context.Context, auditID, lang string) (Audit, error) {
	actor, err := qms.MustActor(ctx)
	if err != nil {
		return Audit{}, err
	}
	a, err := s.Get(ctx, auditID)
	if err != nil {
		return Audit{}, err
	}
	if !s.authz.Can(actor.UserID, a.Units[0], permAudit, actPlan) {
		if a.Lead != actor.UserID {
			return Audit{}, qms.Errorf(qms.ErrForbidden, "only the lead auditor or the coordinator issues the report")
		}
		if err := s.impartial(ctx, actor.UserID, a.Units); err != nil {
			return Audit{}, err
		}
	}
	if err := reportDue(a); err != nil {
		return Audit{}, err
	}
	if s.o.Records == nil || s.o.Renderer == nil {
		return Audit{}, qms.Errorf(qms.ErrState, "reports cannot be filed: the record capability is not available")
	}
	if lang != "en" {
		lang = "vi"
	}
	ev := trail.NewEvent(ctx, "audit.report", "audit", a.ID, a.Units[0], map[string]any{"lang": lang})
	return s.store.Mutate(ctx, a.ID, func(cur *Audit) (Change, error) {
		if err := reportDue(*cur); err != nil {
			return Change{}, err
		}
		// The record is filed in its own transaction; it links the audit by
		// id only, so the audit's lock does not block it.
		recID, err := s.fileReport(ctx, *cur, lang)
		if err != nil {
			return Change{}, err
		}
		at := s.o.Now().UTC()
		cur.Status, cur.ReportRecord, cur.ReportedAt = StatusReported, recID, &at
		ev.Details["record"], ev.Details["findings"] = recID, cur.Counts()
		return Change{Events: []trail.Event{ev}}, nil
	})
}

// reportDue refuses a report already issued or one without findings.
func reportDue(a Audit) error {
	if a.Status != StatusPlanned {
		return qms.Errorf(qms.ErrState, "the report of this audit was already issued")
	}
	if len(a.Findings) == 0 {
		return qms.Errorf(qms.ErrState, "record at least one finding before issuing the report")
	}
	return nil
}

// fileReport renders the report of a and streams it into a new record.
func (s *Service) fileReport(ctx context.Context, a Audit, lang string) (string, error) {
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(s.o.Renderer.RenderReport(ctx, pw, a, lang))
	}()
	clauses := a.Clauses
	if len(clauses) == 0 {
		clauses = []string{"9.2"}
	}
	// The title is a message: each reader reads it in their language.
	recID, err := s.o.Records.FileAuditReport(ctx, ReportFile{Unit: a.Units[0],
		Title: qms.M("Internal audit report %s", a.Number),
		Date:  s.today(), Clauses: clauses, AuditID: a.ID,
		FileName: "bao-cao-danh-gia-noi-bo-" + a.Number + "." + s.o.Renderer.Extension(), File: pr})
	// Unblocks the renderer if the filing stopped reading early.
	pr.CloseWithError(io.ErrClosedPipe)
	return recID, err
}
