package process_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// recordLost records a dossier the way CreateDossier commits it, without
// what follows the commit: the answer of the receipt was lost, so the
// events waiting for it were not applied.
func recordLost(t *testing.T, f *fixture, number string, received time.Time) {
	t.Helper()
	ctx := f.as("landstaff")
	d := process.Dossier{Number: number, Service: "DD-01", Field: "land", Unit: "land", Channel: process.ChannelOnlinePartial, ReceivedAt: received,
		Clock: process.Clock{Status: process.StatusProcessing, ClockStart: received, DueAt: received.AddDate(0, 0, 14), CurrentUnit: "land"}}
	if _, created, err := postgres.NewProcessStore(f.db).CreateDossier(ctx, d, trail.NewEvent(ctx, "dossier.receive", "dossier", number, "land", nil)); err != nil || !created {
		t.Fatalf("record %s: %v %v", number, created, err)
	}
}

func countEvents(t *testing.T, f *fixture, number string) (events, counted, waiting int) {
	t.Helper()
	const q = `SELECT (SELECT count(*) FROM dossier_events e WHERE e.dossier_id = d.id), d.event_count,
		(SELECT count(*) FROM dossier_pending_events p WHERE p.number = d.number) FROM dossiers d WHERE d.number = $1`
	if err := f.db.QueryRow(q, number).Scan(&events, &counted, &waiting); err != nil {
		t.Fatal(err)
	}
	return
}

// An event accepted before its dossier, whose receipt was then committed
// without the answer reaching the sender, is applied by the job, exactly
// once, however many runs race for it.
func TestPendingEventsAppliedByTheJob(t *testing.T) {
	f := setup(t)
	staff := f.as("landstaff")
	ev := process.Event{EventID: "os-1", Type: process.EventSupplementRequested, At: at("2026-11-21 10:00")}
	if d, _, err := f.p.AddEvent(staff, "LOST-1", ev); err != nil || !d.Pending {
		t.Fatalf("early event: %+v %v", d, err)
	}
	recordLost(t, f, "LOST-1", at("2026-11-20 09:00"))
	if e, _, w := countEvents(t, f, "LOST-1"); e != 0 || w != 1 {
		t.Fatalf("before the job: %d events, %d waiting", e, w)
	}
	// Nothing else applies it: a second receipt is a repeat (created=false).
	if _, created, err := f.p.CreateDossier(staff, process.NewDossier{Number: "LOST-1", Service: "DD-01", Channel: "online", ReceivedAt: at("2026-11-20 09:00")}); err != nil || created {
		t.Fatalf("repeated receipt: created %v %v", created, err)
	}
	if e, _, w := countEvents(t, f, "LOST-1"); e != 0 || w != 1 {
		t.Fatalf("after the repeated receipt: %d events, %d waiting", e, w)
	}

	// Four runs at once (the job on several instances, or beside the API).
	var wg sync.WaitGroup
	reps := make([]process.PendingReport, 4)
	errs := make([]error, 4)
	for i := range reps {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			reps[i], errs[i] = f.p.ApplyPendingEvents(context.Background())
		}(i)
	}
	wg.Wait()
	applied := 0
	for i := range reps {
		if errs[i] != nil {
			t.Fatalf("run %d: %v", i, errs[i])
		}
		applied += reps[i].Applied
	}
	if applied == 0 {
		t.Fatal("no run applied the waiting event")
	}
	if e, c, w := countEvents(t, f, "LOST-1"); e != 1 || c != 1 || w != 0 {
		t.Fatalf("after the job: %d events stored, event_count %d, %d waiting; want 1, 1, 0", e, c, w)
	}
	d, err := f.p.GetDossier(staff, "LOST-1")
	if err != nil || d.Status != process.StatusSupplement || len(d.Events) != 1 || d.Events[0].Actor != "landstaff" {
		t.Fatalf("dossier after the job: %+v %v", d, err)
	}
	var trailed int
	if err := f.db.Get(&trailed, `SELECT count(*) FROM trail WHERE action = 'dossier.event' AND object_id = 'LOST-1'`); err != nil || trailed != 1 {
		t.Fatalf("trail entries of the event: %d %v", trailed, err)
	}
	// The next run finds nothing to do.
	if rep, err := f.p.ApplyPendingEvents(context.Background()); err != nil || rep != (process.PendingReport{}) {
		t.Fatalf("second run: %+v %v", rep, err)
	}
}

// The list of waiting events: who may see it, what each row says and how
// long it has waited, by the database's clock.
func TestWaitingEvents(t *testing.T) {
	f := setup(t)
	enf, err := authz.New(f.db)
	if err != nil {
		t.Fatal(err)
	}
	p := process.New(postgres.NewProcessStore(f.db), enf, process.Options{Now: func() time.Time { return f.now }, Clock: postgres.NewClock(f.db, nil).Now})
	staff := f.as("landstaff")
	if _, _, err := p.AddEvent(staff, "NOT-YET", process.Event{EventID: "w-1", Type: process.EventWithdrawn, At: at("2026-11-21 10:00")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(`UPDATE dossier_pending_events SET recorded_at = now() - interval '2 hours 5 minutes 10 seconds' WHERE number = 'NOT-YET'`); err != nil {
		t.Fatal(err)
	}
	// Justice staff push an event for what turns out to be a land
	// dossier: it cannot be applied and stays, with the reason, in the
	// land office's list only.
	if _, _, err := p.AddEvent(f.as("jstaff"), "LAND-1", process.Event{EventID: "w-2", Type: process.EventHandedOver, At: at("2026-11-21 10:00")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.CreateDossier(staff, process.NewDossier{Number: "LAND-1", Service: "DD-01", Channel: "online", ReceivedAt: at("2026-11-20 09:00")}); err != nil {
		t.Fatal(err)
	}

	list, err := p.WaitingEvents(staff)
	if err != nil || len(list) != 2 {
		t.Fatalf("land staff: %+v %v", list, err)
	}
	w := list[0]
	if w.Number != "NOT-YET" || w.EventID != "w-1" || w.Type != process.EventWithdrawn || w.Sender != "landstaff" || w.DossierUnit != "" || w.Error != "" {
		t.Fatalf("waiting event %+v", w)
	}
	if w.AgeHours() != 2 || w.AgeMinutes() != 5 {
		t.Fatalf("waited %d s (%d h %d min), want 2 h 5 min", w.AgeSeconds, w.AgeHours(), w.AgeMinutes())
	}
	if failed := list[1]; failed.Number != "LAND-1" || failed.DossierUnit != "land" || failed.Error == "" {
		t.Fatalf("failed event %+v", failed)
	}
	list, err = p.WaitingEvents(f.as("jstaff"))
	if err != nil || len(list) != 1 || list[0].Number != "NOT-YET" {
		t.Fatalf("justice staff see %+v %v", list, err)
	}
	_, err = p.WaitingEvents(f.as("aud"))
	if !errors.Is(err, qms.ErrForbidden) || qms.Message(err) != "you may not write dossiers" {
		t.Fatalf("auditor: %v", err)
	}
}
