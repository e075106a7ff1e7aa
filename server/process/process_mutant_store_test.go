package process_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

// Tests of the dashboard that the mutation run (make mutate) found
// untested; they need the store, so they live outside package process.

type fakeNCs map[string]process.NCCount

func (f fakeNCs) OpenByUnit(context.Context) (map[string]process.NCCount, error) { return f, nil }

type failingDirectives struct{ *fakeDirectives }

var errDirectivesDown = errors.New("directives unavailable")

func (failingDirectives) DirectiveStates(context.Context) (map[string]int, error) {
	return nil, errDirectivesDown
}

// TestMutantDashboardNCColumnsAndErrors: with the NC summary wired, each
// unit's row carries its open NCs and overdue actions (a unit without any
// shows zero); a part of the dashboard that fails fails the dashboard with
// its error.
func TestMutantDashboardNCColumnsAndErrors(t *testing.T) {
	f := setup(t)
	if _, err := f.p.Import(f.as("coord"), strings.NewReader(importCSV), process.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	enf, err := authz.New(f.db)
	if err != nil {
		t.Fatal(err)
	}
	opts := process.Options{Now: func() time.Time { return f.now }, Location: hcm, Directives: f.dirs,
		NCs: fakeNCs{"land": {Open: 2, OverdueActions: 1}}}
	p := process.New(postgres.NewProcessStore(f.db), enf, opts)
	db, err := p.Dashboard(f.as("coord"), workday.Date{}, workday.Date{})
	if err != nil || !db.HasNCs || len(db.Units) != 2 {
		t.Fatalf("dashboard %+v %v", db, err)
	}
	got := map[string][2]int{}
	for _, u := range db.Units {
		got[u.Key] = [2]int{u.OpenNCs, u.OverdueActions}
	}
	if got["land"] != [2]int{2, 1} || got["justice"] != [2]int{0, 0} {
		t.Fatalf("NC columns %v", got)
	}
	opts.Directives = failingDirectives{f.dirs}
	p = process.New(postgres.NewProcessStore(f.db), enf, opts)
	if _, err := p.Dashboard(f.as("coord"), workday.Date{}, workday.Date{}); !errors.Is(err, errDirectivesDown) {
		t.Fatalf("a failing part: %v", err)
	}
}

// TestMutantReturnedResult: a returned event may be granted or refused (a
// refusal with its reason), and its trail entry names the outcome, which an
// earlier event's does not; any other result is refused on the field
// result before the history is replayed.
func TestMutantReturnedResult(t *testing.T) {
	f := setup(t)
	ctx := f.as("landstaff")
	for _, n := range []string{"000.00.01.H01-261102-0101", "000.00.01.H01-261102-0102"} {
		if _, _, err := f.p.CreateDossier(ctx, process.NewDossier{Number: n, Service: "DD-01", Channel: "online", ReceivedAt: at("2026-11-02 09:00")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := f.p.AddEvent(ctx, "000.00.01.H01-261102-0101", process.Event{EventID: "h1", Type: process.EventHandedOver, At: at("2026-11-03 10:00")}); err != nil {
		t.Fatal(err)
	}
	d, _, err := f.p.AddEvent(ctx, "000.00.01.H01-261102-0101", process.Event{EventID: "r1", Type: process.EventReturned, At: at("2026-11-05 10:00"),
		Result: process.ResultRefused, Reason: "hồ sơ không hợp lệ"})
	if err != nil || d.Status != process.StatusReturned || d.Result != process.ResultRefused {
		t.Fatalf("a refusal with its reason: %+v %v", d.Clock, err)
	}
	// The trail entry of an event names the outcome once there is one.
	var trailed []struct {
		ID      string `db:"id"`
		Has     bool   `db:"has"`
		Outcome string `db:"outcome"`
	}
	if err := f.db.Select(&trailed, `SELECT details->>'event_id' AS id, details ? 'outcome' AS has, coalesce(details->>'outcome', '') AS outcome
		FROM trail WHERE action = 'dossier.event' AND object_id = '000.00.01.H01-261102-0101' ORDER BY seq`); err != nil {
		t.Fatal(err)
	}
	if len(trailed) != 2 || trailed[0].ID != "h1" || trailed[0].Has || trailed[1].ID != "r1" || trailed[1].Outcome != "early" {
		t.Fatalf("trail entries %+v", trailed)
	}
	_, _, err = f.p.AddEvent(ctx, "000.00.01.H01-261102-0102", process.Event{EventID: "r2", Type: process.EventReturned, At: at("2026-11-05 10:00"), Result: "maybe"})
	var ve *qms.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("result maybe: %v", err)
	}
	if _, ok := ve.Fields["result"]; !ok || len(ve.Fields) != 1 {
		t.Fatalf("result maybe: fields %+v", ve.Fields)
	}
}

// TestMutantPendingAppliedKeepsOverdue: a receipt whose pending events are
// applied at once comes back with its overdue mark worked out.
func TestMutantPendingAppliedKeepsOverdue(t *testing.T) {
	f := setup(t)
	ctx := f.as("landstaff")
	const n = "000.00.01.H01-261102-0201"
	d, _, err := f.p.AddEvent(ctx, n, process.Event{EventID: "h1", Type: process.EventHandedOver, At: at("2026-11-03 10:00")})
	if err != nil || !d.Pending {
		t.Fatalf("event before the receipt: %+v %v", d, err)
	}
	// Received 02/11, due 16/11: overdue on 26/11.
	d, created, err := f.p.CreateDossier(ctx, process.NewDossier{Number: n, Service: "DD-01", Channel: "online", ReceivedAt: at("2026-11-02 09:00")})
	if err != nil || !created || len(d.Steps) != 2 || !d.Overdue {
		t.Fatalf("receipt with a pending event: created %v overdue %v steps %d %v", created, d.Overdue, len(d.Steps), err)
	}
}
