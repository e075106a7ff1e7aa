package process

import (
	"context"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// handleLate queues one dossier that has just become late and, in auto
// mode, raises its nonconformity. A failure leaves it queued (pending) for
// the scheduled job; the act that made the dossier late has already
// succeeded.
func (p *Service) handleLate(ctx context.Context, d Dossier) {
	_, st, err := p.store.Calendar(ctx)
	if err != nil {
		return
	}
	state := LatePending
	if st.LateMode == LateTriage {
		state = LateInTriage
	}
	queued, err := p.store.QueueLate(ctx, d.ID, d.Unit, state)
	if err != nil || !queued || state != LatePending || p.o.NC == nil {
		return
	}
	_ = p.raise(ctx, LateRecord{DossierID: d.ID, Number: d.Number, Unit: d.Unit, State: LatePending}, []string{LatePending})
}

// ProcessLate flags late dossiers and, when the setting is auto and the
// nonconformity capability is wired, raises a nonconformity for each one
// waiting. It returns how many nonconformities it raised. The scheduled job
// calls it too, so a failure is retried.
func (p *Service) ProcessLate(ctx context.Context, now time.Time) (int, error) {
	raised, err := p.processLate(ctx, now)
	return len(raised), err
}

// processLate is ProcessLate returning the numbers of the dossiers whose
// nonconformity it raised.
func (p *Service) processLate(ctx context.Context, now time.Time) ([]string, error) {
	_, st, err := p.store.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := p.store.MarkLate(ctx, now, st.LateMode); err != nil {
		return nil, err
	}
	if st.LateMode != LateAuto || p.o.NC == nil {
		return nil, nil
	}
	pending, err := p.store.LateRecords(ctx, LatePending, qms.Scope{All: true}, 200)
	if err != nil {
		return nil, err
	}
	var raised []string
	for _, r := range pending {
		if err := p.raise(ctx, r, []string{LatePending}); err == nil {
			raised = append(raised, r.Number)
		}
	}
	return raised, nil
}

func (p *Service) raise(ctx context.Context, r LateRecord, from []string) error {
	d, err := p.store.Dossier(ctx, r.Number)
	if err != nil {
		return err
	}
	svc, _ := p.store.Procedure(ctx, d.Service)
	in := lateDossierNC(d, svc, p.o.Location)
	id, number, err := p.o.NC.RaiseLateDossier(ctx, in)
	if err != nil {
		r.Error = qms.Message(err)
		_ = p.store.SetLateRecord(ctx, d.ID, from, LateRecord{State: r.State, Error: r.Error}, nil)
		return err
	}
	ev := trail.NewEvent(ctx, "dossier.late_nc", "dossier", d.Number, d.Unit, map[string]any{"nc_id": id, "nc_number": number})
	return p.store.SetLateRecord(ctx, d.ID, from, LateRecord{State: LateRaised, NCID: id, NCNumber: number}, &ev)
}

// Triage lists late dossiers waiting for a decision (triage and pending)
// in the actor's scope.
func (p *Service) Triage(ctx context.Context) ([]LateRecord, error) {
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return nil, err
	}
	out, err := p.store.LateRecords(ctx, LateInTriage, sc, 500)
	if err != nil {
		return nil, err
	}
	pend, err := p.store.LateRecords(ctx, LatePending, sc, 500)
	return append(out, pend...), err
}

// LateRecords lists late records in one state within the actor's scope.
func (p *Service) LateRecords(ctx context.Context, state string) ([]LateRecord, error) {
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return nil, err
	}
	return p.store.LateRecords(ctx, state, sc, 500)
}

// RaiseFromTriage raises the nonconformity of a late dossier in the triage
// list (coordinator).
func (p *Service) RaiseFromTriage(ctx context.Context, number string) (Dossier, error) {
	d, err := p.store.Dossier(ctx, number)
	if err != nil {
		return d, err
	}
	if _, err := p.require(ctx, d.Unit, ObjProcess, ActManage); err != nil {
		return d, err
	}
	if d.NC == nil || (d.NC.State != LateInTriage && d.NC.State != LatePending) {
		return d, qms.Errorf(qms.ErrState, "dossier %s is not waiting in the triage list", number)
	}
	if p.o.NC == nil {
		return d, qms.Errorf(qms.ErrState, "nonconformities are not available")
	}
	if err := p.raise(ctx, *d.NC, []string{LateInTriage, LatePending}); err != nil {
		return d, err
	}
	return p.store.Dossier(ctx, number)
}

// DismissLate removes a late dossier from the triage list with a reason
// (coordinator), e.g. the delay was caused by the applicant.
func (p *Service) DismissLate(ctx context.Context, number, reason string) (Dossier, error) {
	d, err := p.store.Dossier(ctx, number)
	if err != nil {
		return d, err
	}
	if _, err := p.require(ctx, d.Unit, ObjProcess, ActManage); err != nil {
		return d, err
	}
	if reason, err = qms.CleanText("reason", reason, 1000, true, true); err != nil {
		return d, err
	}
	if d.NC == nil || (d.NC.State != LateInTriage && d.NC.State != LatePending) {
		return d, qms.Errorf(qms.ErrState, "dossier %s is not waiting in the triage list", number)
	}
	ev := trail.NewEvent(ctx, "dossier.late_dismiss", "dossier", d.Number, d.Unit, map[string]any{"reason": reason})
	if err := p.store.SetLateRecord(ctx, d.ID, []string{LateInTriage, LatePending}, LateRecord{State: LateDismissed, Reason: reason}, &ev); err != nil {
		return d, err
	}
	return p.store.Dossier(ctx, number)
}
