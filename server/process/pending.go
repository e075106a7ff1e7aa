package process

import (
	"context"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
)

// WaitingEvent is an event kept for a dossier whose receipt has not been
// recorded, or that could not be applied, as the list of waiting events
// shows it.
type WaitingEvent struct {
	Number     string    `json:"number" db:"number"`
	EventID    string    `json:"event_id" db:"event_id"`
	Type       string    `json:"type" db:"type"`
	At         time.Time `json:"at" db:"at"`
	Sender     string    `json:"sender" db:"actor_login"`
	RecordedAt time.Time `json:"recorded_at" db:"recorded_at"`
	// Error is why the event could not be applied once its dossier was
	// recorded; empty while it waits for the receipt.
	Error string `json:"error,omitempty" db:"last_error"`
	// DossierUnit is the unit of the dossier when it exists (the event then
	// waits for the job, or failed); empty while the receipt is missing.
	DossierUnit string `json:"dossier_unit,omitempty" db:"dossier_unit"`
	// AgeSeconds is how long the event has waited, by the shared clock.
	AgeSeconds int64 `json:"age_seconds" db:"-"`
}

// AgeHours and AgeMinutes are how long the event has waited, in whole
// hours and the minutes beyond them.
func (w WaitingEvent) AgeHours() int64 { return w.AgeSeconds / 3600 }

// AgeMinutes is the minutes beyond AgeHours.
func (w WaitingEvent) AgeMinutes() int64 { return w.AgeSeconds % 3600 / 60 }

// MaxWaiting bounds the list of waiting events.
const MaxWaiting = 500

// WaitingEvents lists the events kept for dossiers not recorded yet and
// those that could not be applied, oldest first, with how long each has
// waited. Whoever may record dossier events in some unit sees the events of
// dossiers not recorded yet (their unit is not known); an event of a
// recorded dossier is shown only in that dossier's units.
func (p *Service) WaitingEvents(ctx context.Context) ([]WaitingEvent, error) {
	ctx, now := p.withNow(ctx)
	sc, err := p.scope(ctx, ObjDossier, ActWrite)
	if err != nil {
		return nil, err
	}
	if sc.Empty() {
		return nil, qms.Errorf(qms.ErrForbidden, "you may not write dossiers")
	}
	list, err := p.store.WaitingEvents(ctx, MaxWaiting)
	if err != nil {
		return nil, err
	}
	out := make([]WaitingEvent, 0, len(list))
	for _, w := range list {
		if w.DossierUnit != "" && !sc.Has(w.DossierUnit) {
			continue
		}
		if age := now.Sub(w.RecordedAt); age > 0 {
			w.AgeSeconds = int64(age / time.Second)
		}
		out = append(out, w)
	}
	return out, nil
}

// PendingReport says what one run of ApplyPendingEvents did.
type PendingReport struct {
	Dossiers int `json:"dossiers"` // dossiers that had events waiting
	Applied  int `json:"applied"`  // events applied (or found already applied)
	Failed   int `json:"failed"`   // events kept with the reason they could not be applied
}

// ApplyPendingEvents applies the events that wait for a dossier which now
// exists. The API and the import apply them when they record the dossier;
// when that answer was lost (the dossier committed, then the connection
// dropped) or the process stopped in between, nothing else would, so the
// scheduled job calls this. It is safe beside them: an event is applied
// under the dossier's row lock and only if its event id is not in the
// dossier's history yet, so each event is applied exactly once whoever
// gets there first.
func (p *Service) ApplyPendingEvents(ctx context.Context) (PendingReport, error) {
	var rep PendingReport
	nums, err := p.store.PendingRecorded(ctx, 1000)
	if err != nil {
		return rep, err
	}
	for _, num := range nums {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		d, err := p.store.Dossier(ctx, num)
		if err != nil {
			return rep, err
		}
		applied, failed, err := p.applyPendingCount(ctx, d)
		rep.Dossiers++
		rep.Applied += applied
		rep.Failed += failed
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}
