package process_test

import (
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

// published are the days off (weekdays) and the Saturdays worked of the
// offices of the state in 2024, 2025 and 2026, as the years' notices
// arranged them (2026 as migration 00040 seeded it).
var published = map[int]struct{ off, worked []string }{
	2024: {off: []string{"2024-01-01", "2024-02-08", "2024-02-09", "2024-02-12", "2024-02-13", "2024-02-14", "2024-04-18",
		"2024-04-29", "2024-04-30", "2024-05-01", "2024-09-02", "2024-09-03"}, worked: []string{"2024-05-04"}},
	2025: {off: []string{"2025-01-01", "2025-01-27", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-04-07",
		"2025-04-30", "2025-05-01", "2025-05-02", "2025-09-01", "2025-09-02"}, worked: []string{"2025-04-26"}},
	2026: {off: []string{"2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-04-27",
		"2026-04-30", "2026-05-01", "2026-09-01", "2026-09-02"}},
}

// yearOff lists, from the calendar in force, the weekdays off and the
// weekend days worked of year y.
func yearOff(cal *workday.Calendar, y int) (off, worked []string) {
	for d := qms.NewDate(y, 1, 1); d.Year == y; d = d.AddDays(1) {
		weekend := d.Weekday() == time.Saturday || d.Weekday() == time.Sunday
		w := cal.IsWorkingDay(d)
		if !weekend && !w {
			off = append(off, d.String())
		}
		if weekend && w {
			worked = append(worked, d.String())
		}
	}
	return off, worked
}

// TestPublishedArrangements: the calendar in force for 2024-2026 gives
// exactly the published days off and Saturdays worked, every entry of
// those years is marked published, and 2027 (no notice seeded) is
// computed, with the days migration 00040 had.
func TestPublishedArrangements(t *testing.T) {
	f := setup(t)
	cal, _, err := f.p.Calendar(f.as("coord"))
	if err != nil {
		t.Fatal(err)
	}
	for y, want := range published {
		off, worked := yearOff(cal, y)
		if strings.Join(off, " ") != strings.Join(want.off, " ") || strings.Join(worked, " ") != strings.Join(want.worked, " ") {
			t.Errorf("%d: off %v worked %v, want off %v worked %v", y, off, worked, want.off, want.worked)
		}
		cy, err := f.p.CalendarYear(f.as("landstaff"), y)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range append(append([]workday.Day{}, cy.Days...), cy.Removed...) {
			if d.Source != workday.SourcePublished || !workday.KnownName(d.NameID) || d.Name != "" {
				t.Errorf("%d: %+v is not a published day with a name id", y, d)
			}
		}
	}
	cy, err := f.p.CalendarYear(f.as("coord"), 2025)
	if err != nil || len(cy.Removed) != 1 || cy.Removed[0].Date.String() != "2025-02-03" || cy.Removed[0].Replaces != workday.NameCompTet {
		t.Fatalf("2025 removed %+v %v", cy.Removed, err)
	}
	cy, err = f.p.CalendarYear(f.as("coord"), 2027)
	if err != nil || len(cy.Days) != 11 || !cy.Rules {
		t.Fatalf("2027 %+v %v", cy, err)
	}
	for _, d := range cy.Days {
		if d.Source != workday.SourceComputed {
			t.Errorf("2027: %+v is not computed", d)
		}
	}
}

// trailDetails returns the details of the last trail entry of action.
func trailDetails(t *testing.T, f *fixture, action string) map[string]any {
	t.Helper()
	var raw []byte
	if err := f.db.Get(&raw, `SELECT details FROM trail WHERE action = $1 ORDER BY id DESC LIMIT 1`, action); err != nil {
		t.Fatalf("no trail entry %s: %v", action, err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func fiveDays(t *testing.T, f *fixture) {
	t.Helper()
	if _, err := f.p.SaveProcedure(f.as("coord"), process.Procedure{Code: "CT-05", NameVI: "Thủ tục năm ngày", Field: "justice", Unit: "justice", Days: 5}, true); err != nil {
		t.Fatal(err)
	}
}

// TestDueAcross30April2025: a dossier received Monday 28/04/2025 at 09:00
// with 5 working days is due Thursday 08/05/2025 at 09:00: 30/04, 01/05
// and 02/05 (swapped against Saturday 26/04, before the receipt) are off,
// so the days are 29/04, 05/05, 06/05, 07/05 and 08/05.
func TestDueAcross30April2025(t *testing.T) {
	f := setup(t)
	fiveDays(t, f)
	d, _, err := f.p.CreateDossier(f.as("jstaff"), process.NewDossier{Number: "CT-2025-1", Service: "CT-05", Channel: "in_person", ReceivedAt: at("2025-04-28 09:00")})
	if err != nil {
		t.Fatal(err)
	}
	if want := at("2025-05-08 09:00"); !d.DueAt.Equal(want) {
		t.Fatalf("due %s, want %s", d.DueAt.In(hcm), want)
	}
}

// TestCalendarChangeMovesOpenDossiers: adding a holiday moves the due date
// of an open dossier in the same act, with a trail entry counting it; a
// returned dossier keeps its due date and judgement until the coordinator
// recomputes its period, which judges it anew (with its own trail entry);
// removing the exception moves the open one back.
func TestCalendarChangeMovesOpenDossiers(t *testing.T) {
	f := setup(t)
	f.now = at("2027-03-20 10:00")
	fiveDays(t, f)
	for _, n := range []string{"OPEN-1", "DONE-1"} {
		if _, _, err := f.p.CreateDossier(f.as("jstaff"), process.NewDossier{Number: n, Service: "CT-05", Channel: "online", ReceivedAt: at("2027-03-01 09:00")}); err != nil {
			t.Fatal(err)
		}
	}
	// Returned an hour after the due time (Monday 08/03 09:00): late.
	if d, _, err := f.p.AddEvent(f.as("jstaff"), "DONE-1", process.Event{EventID: "r1", Type: process.EventReturned, At: at("2027-03-08 10:00"), Result: process.ResultGranted}); err != nil || d.Outcome != "late" {
		t.Fatalf("returned %+v %v", d.Clock, err)
	}
	// The land office's head may not change the calendar.
	if _, err := f.p.AddCalendarDay(f.as("landhead"), workday.Day{Date: qms.NewDate(2027, 3, 3), Kind: workday.KindHoliday}); !errors.Is(err, qms.ErrForbidden) {
		t.Fatalf("head adding a holiday: %v", err)
	}
	// A day off on a Saturday changes nothing: refused, with the reason.
	if _, err := f.p.AddCalendarDay(f.as("coord"), workday.Day{Date: qms.NewDate(2027, 3, 6), Kind: workday.KindHoliday}); !errors.Is(err, qms.ErrInvalid) || !strings.Contains(err.Error(), "06/03/2027 is already a day off") {
		t.Fatalf("holiday on a Saturday: %v", err)
	}
	if _, err := f.p.AddCalendarDay(f.as("coord"), workday.Day{Date: qms.NewDate(2027, 3, 4), Kind: workday.KindWorkday}); !errors.Is(err, qms.ErrInvalid) || !strings.Contains(err.Error(), "04/03/2027 is already a working day") {
		t.Fatalf("workday on a Thursday: %v", err)
	}
	cy, err := f.p.AddCalendarDay(f.as("coord"), workday.Day{Date: qms.NewDate(2027, 3, 3), Kind: workday.KindHoliday, Name: "Nghỉ đột xuất"})
	if err != nil || cy.Moved != 1 {
		t.Fatalf("add: moved %d %v", cy.Moved, err)
	}
	if det := trailDetails(t, f, "calendar.day.add"); det["dossiers_moved"] != 1.0 || det["kind"] != "holiday" {
		t.Fatalf("trail %v", det)
	}
	open, _ := f.p.GetDossier(f.as("coord"), "OPEN-1")
	done, _ := f.p.GetDossier(f.as("coord"), "DONE-1")
	if want := at("2027-03-09 09:00"); !open.DueAt.Equal(want) {
		t.Fatalf("open dossier due %s, want %s", open.DueAt.In(hcm), want)
	}
	if want := at("2027-03-08 09:00"); !done.DueAt.Equal(want) || done.Outcome != "late" {
		t.Fatalf("returned dossier due %s %s, want it kept at %s, late", done.DueAt.In(hcm), done.Outcome, want)
	}
	found := false
	for _, d := range cy.Days {
		found = found || (d.Date == qms.NewDate(2027, 3, 3) && d.Source == workday.SourceEdited && d.Name == "Nghỉ đột xuất")
	}
	if !found {
		t.Fatalf("the exception is not listed as edited: %+v", cy.Days)
	}

	// The coordinator recomputes March 2027: the returned dossier is judged
	// on the calendar in force (due 09/03, returned the day before: early).
	if _, err := f.p.RecomputePeriod(f.as("landhead"), qms.NewDate(2027, 3, 1), qms.NewDate(2027, 3, 31)); !errors.Is(err, qms.ErrForbidden) {
		t.Fatalf("head recomputing: %v", err)
	}
	if _, err := f.p.RecomputePeriod(f.as("coord"), qms.NewDate(2027, 3, 31), qms.NewDate(2027, 3, 1)); !errors.Is(err, qms.ErrInvalid) || !strings.Contains(err.Error(), "ends before it starts") {
		t.Fatalf("reversed period: %v", err)
	}
	if _, err := f.p.RecomputePeriod(f.as("coord"), qms.NewDate(2026, 1, 1), qms.NewDate(2027, 3, 31)); !errors.Is(err, qms.ErrInvalid) || !strings.Contains(err.Error(), "at most 366 days") {
		t.Fatalf("long period: %v", err)
	}
	// A period without the dossiers replays nothing.
	if r, err := f.p.RecomputePeriod(f.as("coord"), qms.NewDate(2027, 3, 2), qms.NewDate(2027, 3, 31)); err != nil || r.Replayed != 0 {
		t.Fatalf("empty period %+v %v", r, err)
	}
	r, err := f.p.RecomputePeriod(f.as("coord"), qms.NewDate(2027, 3, 1), qms.NewDate(2027, 3, 1))
	if err != nil || r.Replayed != 2 || r.Moved != 1 || r.Rejudged != 1 {
		t.Fatalf("recompute %+v %v", r, err)
	}
	if det := trailDetails(t, f, "calendar.recompute"); det["dossiers_rejudged"] != 1.0 || det["from"] != "2027-03-01" || det["to"] != "2027-03-01" {
		t.Fatalf("trail %v", det)
	}
	done, _ = f.p.GetDossier(f.as("coord"), "DONE-1")
	if want := at("2027-03-09 09:00"); !done.DueAt.Equal(want) || done.Outcome != "early" || done.Late {
		t.Fatalf("recomputed dossier due %s %s late=%v, want %s early", done.DueAt.In(hcm), done.Outcome, done.Late, want)
	}

	// Removing the exception: the open dossier is due on 08/03 again.
	if _, err := f.p.RemoveCalendarDay(f.as("coord"), qms.NewDate(2027, 3, 4)); !errors.Is(err, qms.ErrNotFound) || !strings.Contains(err.Error(), "no exception on 04/03/2027") {
		t.Fatalf("removing what is not there: %v", err)
	}
	cy, err = f.p.RemoveCalendarDay(f.as("coord"), qms.NewDate(2027, 3, 3))
	if err != nil || cy.Moved != 1 {
		t.Fatalf("remove: moved %d %v", cy.Moved, err)
	}
	if det := trailDetails(t, f, "calendar.day.remove"); det["dossiers_moved"] != 1.0 {
		t.Fatalf("trail %v", det)
	}
	open, _ = f.p.GetDossier(f.as("coord"), "OPEN-1")
	if want := at("2027-03-08 09:00"); !open.DueAt.Equal(want) {
		t.Fatalf("open dossier due %s after the removal, want %s", open.DueAt.In(hcm), want)
	}
}

// TestCancelComputedHoliday: a working day on a computed holiday cancels
// it (listed as removed, with the name it replaces), and the year saved
// back as read changes nothing: the published days stay published.
func TestCancelComputedHoliday(t *testing.T) {
	f := setup(t)
	cy, err := f.p.AddCalendarDay(f.as("coord"), workday.Day{Date: qms.NewDate(2027, 9, 3), Kind: workday.KindWorkday})
	if err != nil || len(cy.Removed) != 1 || cy.Removed[0].Replaces != workday.NameNationalAdjacent || cy.Removed[0].NameID != workday.NameNotTaken {
		t.Fatalf("cancel %+v %v", cy.Removed, err)
	}
	cal, _, _ := f.p.Calendar(f.as("coord"))
	if !cal.IsWorkingDay(qms.NewDate(2027, 9, 3)) {
		t.Fatal("the cancelled holiday is still off")
	}
	before, _ := f.p.CalendarYear(f.as("coord"), 2025)
	after, err := f.p.SaveCalendarYear(f.as("coord"), before)
	if err != nil || after.Moved != 0 {
		t.Fatalf("save as read %+v %v", after, err)
	}
	key := func(cy process.CalendarYear) string {
		var s []string
		for _, d := range append(append([]workday.Day{}, cy.Days...), cy.Removed...) {
			s = append(s, d.Date.String()+d.Kind+d.NameID+d.Name+d.Source)
		}
		sort.Strings(s)
		return strings.Join(s, ",")
	}
	if key(before) != key(after) {
		t.Fatalf("saved as read:\n%s\nbecame\n%s", key(before), key(after))
	}
}

// TestImportedDossiersOnRecompute: an imported dossier keeps no events, so
// a calendar change replays it from its columns: the open one moves; the
// returned one keeps its clock even on a period recompute (its columns do
// not say whether it came back while the clock was stopped).
func TestImportedDossiersOnRecompute(t *testing.T) {
	f := setup(t)
	f.now = at("2027-03-20 10:00")
	fiveDays(t, f)
	csv := "Số hồ sơ;Mã thủ tục;Hình thức;Ngày tiếp nhận;Ngày trả kết quả;Kết quả;Lý do\n" +
		"IM-OPEN;CT-05;trực tuyến;01/03/2027 09:00;;;\n" +
		"IM-DONE;CT-05;trực tuyến;01/03/2027 09:00;08/03/2027 10:00;granted;\n"
	if rep, err := f.p.Import(f.as("coord"), strings.NewReader(csv), process.ImportOptions{}); err != nil || rep.Inserted != 2 {
		t.Fatalf("import %+v %v", rep, err)
	}
	cy, err := f.p.AddCalendarDay(f.as("coord"), workday.Day{Date: qms.NewDate(2027, 3, 3), Kind: workday.KindHoliday})
	if err != nil || cy.Moved != 1 {
		t.Fatalf("add: moved %d %v", cy.Moved, err)
	}
	open, _ := f.p.GetDossier(f.as("coord"), "IM-OPEN")
	if want := at("2027-03-09 09:00"); !open.DueAt.Equal(want) || open.Status != process.StatusProcessing {
		t.Fatalf("imported open dossier due %s %s, want %s", open.DueAt.In(hcm), open.Status, want)
	}
	r, err := f.p.RecomputePeriod(f.as("coord"), qms.NewDate(2027, 3, 1), qms.NewDate(2027, 3, 31))
	if err != nil || r.Replayed != 1 || r.Rejudged != 0 {
		t.Fatalf("recompute %+v %v", r, err)
	}
	done, _ := f.p.GetDossier(f.as("coord"), "IM-DONE")
	if want := at("2027-03-08 09:00"); !done.DueAt.Equal(want) || done.Status != process.StatusReturned || done.Outcome != "late" {
		t.Fatalf("imported returned dossier %s %s %s, want it kept: due %s, returned, late", done.DueAt.In(hcm), done.Status, done.Outcome, want)
	}
}

// TestConcurrentCalendarChanges: two exceptions added at once both count
// in the open dossier's due date: calendar changes are serialised, so the
// second replays on a calendar that has the first.
func TestConcurrentCalendarChanges(t *testing.T) {
	f := setup(t)
	f.now = at("2027-03-20 10:00")
	fiveDays(t, f)
	if _, _, err := f.p.CreateDossier(f.as("jstaff"), process.NewDossier{Number: "OPEN-2", Service: "CT-05", Channel: "online", ReceivedAt: at("2027-03-01 09:00")}); err != nil {
		t.Fatal(err)
	}
	for round, days := range [][2]int{{2, 3}, {4, 5}, {8, 9}} {
		errs := make(chan error, 2)
		for _, d := range days {
			go func(d int) {
				_, err := f.p.AddCalendarDay(f.as("coord"), workday.Day{Date: qms.NewDate(2027, 3, d), Kind: workday.KindHoliday})
				errs <- err
			}(d)
		}
		for range days {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		// Five working days from Monday 01/03 with 2·(round+1) weekdays off.
		open, _ := f.p.GetDossier(f.as("coord"), "OPEN-2")
		cal, _, _ := f.p.Calendar(f.as("coord"))
		want := cal.Due(cal.Start(at("2027-03-01 09:00")), 5)
		if !open.DueAt.Equal(want) {
			t.Fatalf("round %d: due %s, want %s (both changes)", round, open.DueAt.In(hcm), want.In(hcm))
		}
	}
}
