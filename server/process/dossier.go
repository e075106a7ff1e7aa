package process

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// maxSkew is how far in the future a receipt or an event may be stamped
// (the sender's clock may run a little ahead of the shared one).
const maxSkew = 5 * time.Minute

// NewDossier is what the one-stop software (or the desk) sends when a
// dossier is received.
type NewDossier struct {
	Number       string    `json:"number"`
	Service      string    `json:"service"`
	Channel      string    `json:"channel"`
	ApplicantRef string    `json:"applicant_ref"`
	ReceivedAt   time.Time `json:"received_at"`
	// ReturnChannel is how the applicant asked for the result (optional).
	ReturnChannel string `json:"return_channel"`
	// ReceivingUnit is the unit that received it: optional for a desk
	// officer of one desk (their desk), otherwise a unit where the actor
	// may receive or write dossiers; empty leaves it unrecorded.
	ReceivingUnit string `json:"receiving_unit"`
	// RoutePending says the competent unit is not known yet: the dossier
	// waits in the routing queue.
	RoutePending bool `json:"route_pending"`
	// NotifyEmail and NotifyPhone: where to tell the applicant of each
	// status change (optional).
	NotifyEmail string `json:"notify_email"`
	NotifyPhone string `json:"notify_phone"`
	// NotifyLang: the language of the notices, vi (default) or en.
	NotifyLang string `json:"notify_lang"`
	Facts
}

// CreateDossier records a received dossier. It is idempotent by number: a
// repeat of the same receipt returns the stored dossier (created=false); a
// different receipt under a known number is a conflict.
func (p *Service) CreateDossier(ctx context.Context, in NewDossier) (Dossier, bool, error) {
	ctx, now := p.withNow(ctx)
	fe := qms.FieldErrors{}
	in.Number = strings.TrimSpace(in.Number)
	if !ValidNumber(in.Number) {
		fe.Add("number", "letters, digits, . _ - (at most 64)")
	}
	ch, ok := NormalizeChannel(in.Channel)
	if !ok {
		fe.Add("channel", "in_person, postal, online_partial or online_full")
	}
	rch := ""
	if strings.TrimSpace(in.ReturnChannel) != "" {
		if rch, ok = NormalizeReturnChannel(in.ReturnChannel); !ok {
			fe.Add("return_channel", "in_person, postal or online")
		}
	}
	if in.ReceivingUnit != "" && !qms.ValidUnitCode(in.ReceivingUnit) {
		fe.Add("receiving_unit", "unknown unit")
	}
	email, phone := cleanContact(fe, in.NotifyEmail, in.NotifyPhone)
	notifyLang := strings.TrimSpace(in.NotifyLang)
	switch notifyLang {
	case "":
		notifyLang = "vi"
	case "vi", "en":
	default:
		fe.Add("notify_lang", "vi or en")
	}
	ref, err := qms.CleanText("applicant_ref", in.ApplicantRef, 100, false, false)
	if err != nil {
		fe.AddErr("applicant_ref", err)
	}
	in.Facts.check(fe)
	if in.ReceivedAt.IsZero() {
		fe.Add("received_at", "required (RFC 3339)")
	} else if in.ReceivedAt.After(now.Add(maxSkew)) {
		fe.Add("received_at", "is in the future")
	}
	if err := fe.Err(); err != nil {
		return Dossier{}, false, err
	}
	svc, err := p.store.Procedure(ctx, in.Service)
	if err != nil {
		return Dossier{}, false, qms.Errorf(qms.ErrInvalid, "unknown service %q", in.Service)
	}
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Dossier{}, false, err
	}
	recv, err := p.receivingUnit(a, svc.Unit, in.ReceivingUnit)
	if err != nil {
		return Dossier{}, false, err
	}
	cal, _, err := p.Calendar(ctx)
	if err != nil {
		return Dossier{}, false, err
	}
	rc := Receipt{At: in.ReceivedAt, Channel: ch, Desk: recv, Officer: a.Login, RoutePending: in.RoutePending}
	if in.RoutePending && recv == "" {
		return Dossier{}, false, qms.Errorf(qms.ErrInvalid, "a dossier waiting for its routing needs the unit that received it")
	}
	clock, err := ReplayReceipt(cal, svc, rc, nil)
	if err != nil {
		return Dossier{}, false, err
	}
	d := Dossier{Number: in.Number, Service: svc.Code, Field: svc.Field, Unit: svc.Unit, Channel: ch,
		ApplicantRef: ref, ReceivedAt: in.ReceivedAt.UTC(), Clock: clock, ReturnChannel: rch,
		ReceivingUnit: recv, ReceivingOfficer: a.Login, RoutePending: in.RoutePending, NotifyEmail: email, NotifyPhone: phone, NotifyLang: notifyLang, Facts: in.Facts}
	d.Overdue = clock.Overdue(now)
	d.Late = d.Overdue
	ev := trail.NewEvent(ctx, "dossier.receive", "dossier", d.Number, d.Unit, map[string]any{
		"service": d.Service, "channel": d.Channel, "received_at": d.ReceivedAt, "due_at": d.DueAt,
		"receiving_unit": d.ReceivingUnit, "route_pending": d.RoutePending})
	out, created, err := p.store.CreateDossier(ctx, d, ev)
	if err != nil {
		return out, false, err
	}
	if created {
		if out, err = p.applyPending(ctx, out); err != nil {
			return out, created, err
		}
	}
	if !created && (out.Service != d.Service || !out.ReceivedAt.Equal(d.ReceivedAt) || out.Channel != d.Channel) {
		return out, false, qms.Errorf(qms.ErrConflict, "dossier %s already exists with a different receipt", d.Number)
	}
	// The answer judges the stored dossier by the same clock as a read.
	out.Overdue = out.Clock.Overdue(now)
	return out, created, nil
}

// receivingUnit decides who may record a receipt of a dossier of unit
// (the service's) and which unit received it. The desk's permissions are
// asked in the desk's own unit: a desk officer receives for every unit of
// the office, so holding dossier/receive in the receiving unit is enough
// whatever the service's unit; otherwise the actor must write dossiers of
// the service's unit. asked is the receiving unit the request names.
func (p *Service) receivingUnit(a qms.Actor, unit, asked string) (string, error) {
	if asked != "" {
		if p.authz.Can(a.UserID, asked, ObjDossier, ActReceive) {
			return asked, nil
		}
		if asked == unit && p.authz.Can(a.UserID, unit, ObjDossier, ActWrite) {
			return asked, nil
		}
		return "", qms.Errorf(qms.ErrForbidden, "you may not receive dossiers at unit %s", asked)
	}
	desks := p.authz.Scope(a.UserID, ObjDossier, ActReceive)
	if !desks.All && len(desks.Units) == 1 {
		return desks.Units[0], nil
	}
	if p.authz.Can(a.UserID, unit, ObjDossier, ActWrite) {
		if p.authz.Scope(a.UserID, ObjDossier, ActWrite).All {
			return "", nil // software pushing for every unit: not said
		}
		return unit, nil // the competent unit received it itself
	}
	if !desks.Empty() {
		return "", qms.Errorf(qms.ErrInvalid, "say which desk received the dossier (receiving_unit)")
	}
	return "", qms.Errorf(qms.ErrForbidden, "you may not receive dossiers of unit %s", unit)
}

// deskActs are the acts on a dossier the one-stop desk does for every
// unit, by event type, with the permission each needs (asked in any unit:
// the desk's own); the rest (extension, withdrawal) belong to the unit.
var deskActs = map[string]string{
	EventHandedOver:          ActHandOver,
	EventSupplementRequested: ActSupplement,
	EventResubmitted:         ActSupplement,
	EventReturned:            ActReturn,
	EventRouted:              ActRoute,
}

// mayAct reports whether the actor may record an event of type typ on a
// dossier of unit: a writer of that unit, or a desk officer for the
// desk's acts.
func (p *Service) mayAct(a qms.Actor, unit, typ string) bool {
	if p.authz.Can(a.UserID, unit, ObjDossier, ActWrite) {
		return true
	}
	act, ok := deskActs[typ]
	return ok && !p.authz.Scope(a.UserID, ObjDossier, act).Empty()
}

// deskReader reports whether the actor reads every dossier as the desk.
func (p *Service) deskReader(ctx context.Context) bool {
	a, ok := qms.ActorFrom(ctx)
	return ok && !p.authz.Scope(a.UserID, ObjDossier, ActRead).Empty()
}

// AddEvent applies one event to a dossier, idempotently by its event id:
// the same id again returns the dossier unchanged (duplicate=true). Events
// may arrive out of order; the history is replayed in the order the events
// happened, and an event that would make it impossible is refused.
func (p *Service) AddEvent(ctx context.Context, number string, e Event) (Dossier, bool, error) {
	ctx, now := p.withNow(ctx)
	fe := qms.FieldErrors{}
	if !ValidNumber(e.EventID) {
		fe.Add("event_id", "required: letters, digits, . _ - (at most 64)")
	}
	if !oneOf(e.Type, EventTypes) {
		fe.Add("type", "one of "+strings.Join(EventTypes, ", "))
	}
	if e.At.IsZero() {
		fe.Add("at", "required (RFC 3339)")
	} else if e.At.After(now.Add(maxSkew)) {
		fe.Add("at", "is in the future")
	}
	var err error
	if e.Reason, err = qms.CleanText("reason", e.Reason, 2000, false, true); err != nil {
		fe.AddErr("reason", err)
	}
	switch e.Type {
	case EventReturned:
		if e.Result != ResultGranted && e.Result != ResultRefused {
			fe.Add("result", "granted or refused")
		}
		if e.Result == ResultRefused && e.Reason == "" {
			fe.Add("reason", "a refusal needs its reason")
		}
	case EventExtended:
		if e.NewDueAt == nil {
			fe.Add("new_due_at", "an extension needs the new due date")
		}
		if e.Reason == "" {
			fe.Add("reason", "an extension needs the reason given in the apology letter")
		}
	case EventHandedOver:
		if e.ToUnit != "" && !qms.ValidUnitCode(e.ToUnit) {
			fe.Add("to_unit", "unknown unit")
		}
		if e.Step != "" && !codeRE.MatchString(e.Step) {
			fe.Add("step", "a short code")
		}
	case EventRouted:
		if !qms.ValidUnitCode(e.ToUnit) {
			fe.Add("to_unit", "the competent unit is required")
		}
	}
	if e.ReturnChannel != "" {
		if e.Type != EventReturned {
			fe.Add("return_channel", "only a return says how the result was returned")
		} else if rc, ok := NormalizeReturnChannel(e.ReturnChannel); ok {
			e.ReturnChannel = rc
		} else {
			fe.Add("return_channel", "in_person, postal or online")
		}
	}
	if err := fe.Err(); err != nil {
		return Dossier{}, false, err
	}
	a, err := qms.MustActor(ctx)
	if err != nil {
		return Dossier{}, false, err
	}
	e.Actor = a.Login
	cur, err := p.store.Dossier(ctx, number)
	if errors.Is(err, qms.ErrNotFound) && ValidNumber(number) {
		// The receipt has not arrived yet: keep the event for it.
		if p.authz.Scope(a.UserID, ObjDossier, ActWrite).Empty() && !p.mayAct(a, qms.AllUnits, e.Type) {
			return Dossier{}, false, qms.Errorf(qms.ErrForbidden, "you may not write dossiers")
		}
		dup, err := p.store.AddPendingEvent(ctx, number, e, a.UserID)
		return Dossier{Number: number, Pending: true, Events: []Event{}}, dup, err
	}
	if err != nil {
		return cur, false, err
	}
	if !p.mayAct(a, cur.Unit, e.Type) {
		if _, desk := deskActs[e.Type]; !desk && !p.authz.Scope(a.UserID, ObjDossier, ActReceive).Empty() {
			return cur, false, qms.Errorf(qms.ErrForbidden, "the one-stop desk may not record %s: processing belongs to unit %s", e.Type, cur.Unit)
		}
		return cur, false, qms.Errorf(qms.ErrForbidden, "you may not %s %s in unit %s", ActWrite, ObjDossier, cur.Unit)
	}
	cal, _, err := p.Calendar(ctx)
	if err != nil {
		return cur, false, err
	}
	svc, err := p.store.Procedure(ctx, cur.Service)
	if err != nil {
		return cur, false, err
	}
	apply := func(d Dossier, history []Event) (Clock, error) {
		// history holds the new event with its arrival order (Seq), which
		// breaks a tie with an event of the same instant.
		stored := make([]Event, 0, len(history))
		for _, h := range history {
			if h.EventID != e.EventID {
				stored = append(stored, h)
			}
		}
		return ReplayReceipt(cal, svc, d.Receipt(stored...), history)
	}
	evf := func(d Dossier) trail.Event {
		det := map[string]any{"event_id": e.EventID, "type": e.Type, "at": e.At.UTC(), "status": d.Status}
		if d.Outcome != "" {
			det["outcome"] = d.Outcome
		}
		return trail.NewEvent(ctx, "dossier.event", "dossier", d.Number, d.Unit, det)
	}
	d, dup, err := p.store.AddEvent(ctx, number, e, apply, evf)
	if err != nil {
		return d, dup, err
	}
	d.Overdue = d.Clock.Overdue(now)
	if !dup && (d.Outcome == "late") {
		p.handleLate(ctx, d)
	}
	return d, dup, nil
}

// PendingEvent is an event kept for a dossier not recorded yet.
type PendingEvent struct {
	Event
	ActorID string `db:"actor_id"`
	Error   string `db:"last_error"`
}

// applyPending applies the events that arrived before the dossier, in the
// order they happened, each as the person who sent it (and only if that
// person may write the dossier's unit). One that cannot be applied stays
// pending with the reason; the others are applied.
func (p *Service) applyPending(ctx context.Context, d Dossier) (Dossier, error) {
	applied, failed, err := p.applyPendingCount(ctx, d)
	if err != nil || applied+failed == 0 {
		return d, err
	}
	out, err := p.store.Dossier(ctx, d.Number)
	if err == nil {
		out.Overdue = out.Clock.Overdue(p.now(ctx))
	}
	return out, err
}

// applyPendingCount applies the pending events of d and counts those
// applied (a duplicate counts: it is in the history) and those that failed.
func (p *Service) applyPendingCount(ctx context.Context, d Dossier) (applied, failed int, err error) {
	pend, err := p.store.PendingEvents(ctx, d.Number)
	if err != nil || len(pend) == 0 {
		return 0, 0, err
	}
	for _, pe := range pend {
		actx := qms.WithActor(ctx, qms.Actor{UserID: pe.ActorID, Login: pe.Actor, Via: "pending"})
		e := pe.Event
		e.Seq, e.Actor = 0, ""
		failure := ""
		if _, _, err := p.AddEvent(actx, d.Number, e); err != nil {
			failure = qms.Message(err)
			failed++
		} else {
			applied++
		}
		if err := p.store.ResolvePending(ctx, d.Number, pe.EventID, failure); err != nil {
			return applied, failed, err
		}
	}
	return applied, failed, nil
}

// GetDossier returns a dossier with its events.
func (p *Service) GetDossier(ctx context.Context, number string) (Dossier, error) {
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return Dossier{}, err
	}
	d, err := p.store.Dossier(ctx, number)
	if err != nil {
		return d, err
	}
	if !sc.Has(d.Unit) && !p.deskReader(ctx) {
		return Dossier{}, qms.Errorf(qms.ErrNotFound, "no dossier %s", number)
	}
	d.Overdue = d.Clock.Overdue(p.now(ctx))
	return d, nil
}

// DossierFilter selects dossiers for the list.
type DossierFilter struct {
	Scope   qms.Scope `json:"-"`
	Unit    string    `json:"unit"`
	Service string    `json:"service"`
	Field   string    `json:"field"`
	Status  string    `json:"status"`
	Outcome string    `json:"outcome"`
	Late    *bool     `json:"late"`
	Channel string    `json:"channel"`
	Q       string    `json:"q"` // number prefix
	From    time.Time `json:"from"`
	To      time.Time `json:"to"` // exclusive
	Limit   int       `json:"limit"`
	Offset  int       `json:"offset"`
}

// Dossiers lists dossiers in the actor's scope, newest receipt first, and
// the total count matching the filter.
func (p *Service) Dossiers(ctx context.Context, f DossierFilter) ([]Dossier, int, error) {
	sc, err := p.scope(ctx, ObjProcess, ActRead)
	if err != nil {
		return nil, 0, err
	}
	if p.deskReader(ctx) {
		sc = qms.Scope{All: true}
	}
	f.Scope = sc
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	if f.Offset < 0 || f.Offset > 1_000_000 {
		f.Offset = 0
	}
	if f.Status != "" && !oneOf(f.Status, []string{StatusProcessing, StatusSupplement, StatusReturned, StatusWithdrawn}) {
		return nil, 0, qms.Errorf(qms.ErrInvalid, "unknown status %q", f.Status)
	}
	if f.Outcome != "" && !oneOf(f.Outcome, []string{"early", "on_time", "late"}) {
		return nil, 0, qms.Errorf(qms.ErrInvalid, "unknown outcome %q", f.Outcome)
	}
	list, total, err := p.store.Dossiers(ctx, f)
	now := p.now(ctx)
	for i := range list {
		list[i].Overdue = list[i].Clock.Overdue(now)
	}
	return list, total, err
}

// Receipt is how d was received, for its replay. stored are the events
// already kept for d: routing clears the dossier's route_pending, so a
// stored routing is what shows that the receipt waited for one (without
// it, every replay after the routing would find a second one).
func (d Dossier) Receipt(stored ...Event) Receipt {
	rc := Receipt{At: d.ReceivedAt, Channel: d.Channel, Desk: d.ReceivingUnit, Officer: d.ReceivingOfficer, RoutePending: d.RoutePending}
	for _, e := range stored {
		if e.Type == EventRouted {
			rc.RoutePending = true
		}
	}
	return rc
}
