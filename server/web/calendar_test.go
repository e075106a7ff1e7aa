package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

type calDay struct {
	Date, Kind, Name, Source, Replaces string
	NameID                             string `json:"name_id"`
}

type calYear struct {
	Year          int
	Days, Removed []calDay
	Rules         bool
	Moved         int
}

func (cy calYear) day(date string) (calDay, bool) {
	for _, d := range cy.Days {
		if d.Date == date {
			return d, true
		}
	}
	return calDay{}, false
}

// TestCalendarExceptionsAPI: any year's calendar comes with each day's
// source; the coordinator adds and removes exceptions and the open dossier
// received before moves (the answer says how many); refusals carry their
// reason; the period recompute answers its counts.
func TestCalendarExceptionsAPI(t *testing.T) {
	env, co := procSetup(t)
	var cy calYear
	co.Do("GET", "/api/v1/calendar/2025", nil).MustStatus(200).Decode(&cy)
	if d, ok := cy.day("2025-04-30"); !ok || d.Kind != "holiday" || d.Source != "published" || d.NameID != "holiday.reunification" {
		t.Fatalf("30/04/2025: %+v", cy)
	}
	if len(cy.Removed) != 1 || cy.Removed[0].Date != "2025-02-03" || cy.Removed[0].Replaces != "holiday.comp.tet" || !cy.Rules {
		t.Fatalf("2025 removed %+v", cy.Removed)
	}
	co.Do("GET", "/api/v1/calendar/2031", nil).MustStatus(200).Decode(&cy)
	if d, ok := cy.day("2031-01-22"); !ok || d.Source != "computed" || d.NameID != "holiday.tet_eve" {
		t.Fatalf("Tết eve 2031 (Tết on 23/01): %+v", cy.Days)
	}

	// A dossier received Monday 28/04/2025 with 10 working days.
	co.Do("POST", "/api/v1/dossiers", map[string]any{"number": "CAL-1", "service": "DD-01", "channel": "online",
		"received_at": "2025-04-28T09:00:00+07:00"}).MustStatus(http.StatusCreated)
	var d struct {
		DueAt string `json:"due_at"`
	}
	co.Do("GET", "/api/v1/dossiers/CAL-1", nil).MustStatus(200).Decode(&d)
	// 29/04, 05-09/05, 12-15/05: the 10th working day is 15/05.
	if d.DueAt != "2025-05-15T02:00:00Z" {
		t.Fatalf("due %s", d.DueAt)
	}

	if r := env.As("head.tnmt").Do("POST", "/api/v1/calendar/days", map[string]string{"date": "2025-05-06", "kind": "holiday"}); r.Status != http.StatusForbidden || r.ErrorCode() != "forbidden" {
		t.Fatalf("head adding: %s", r)
	}
	if r := co.Do("POST", "/api/v1/calendar/days", map[string]string{"date": "2025-05-01", "kind": "holiday"}); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "01/05/2025 is already a day off") {
		t.Fatalf("holiday on a holiday: %s", r)
	}
	if r := co.Do("POST", "/api/v1/calendar/days", map[string]string{"date": "06/05/2025", "kind": "holiday"}); r.Status != http.StatusBadRequest || r.ErrorCode() != "invalid" {
		t.Fatalf("date written dd/mm/yyyy: %s", r)
	}
	if r := co.Do("POST", "/api/v1/calendar/days", map[string]string{"date": "2025-05-06", "kind": "off"}); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "must be holiday or workday") {
		t.Fatalf("unknown kind: %s", r)
	}
	co.Do("POST", "/api/v1/calendar/days", map[string]string{"date": "2025-05-06", "kind": "holiday", "name": "Nghỉ đột xuất"}).MustStatus(200).Decode(&cy)
	if dd, ok := cy.day("2025-05-06"); !ok || dd.Source != "edited" || dd.Name != "Nghỉ đột xuất" || cy.Moved != 1 {
		t.Fatalf("after the add: moved %d %+v", cy.Moved, cy.Days)
	}
	co.Do("GET", "/api/v1/dossiers/CAL-1", nil).MustStatus(200).Decode(&d)
	if d.DueAt != "2025-05-16T02:00:00Z" {
		t.Fatalf("due after the added holiday %s", d.DueAt)
	}
	if r := co.Do("POST", "/api/v1/calendar/days/2025-05-07/remove", nil); r.Status != http.StatusNotFound || !strings.Contains(string(r.Body), "no exception on 07/05/2025") {
		t.Fatalf("removing nothing: %s", r)
	}
	if r := env.As("staff.tnmt").Do("POST", "/api/v1/calendar/days/2025-05-06/remove", nil); r.Status != http.StatusForbidden || r.ErrorCode() != "forbidden" {
		t.Fatalf("staff removing: %s", r)
	}
	co.Do("POST", "/api/v1/calendar/days/2025-05-06/remove", nil).MustStatus(200).Decode(&cy)
	if _, ok := cy.day("2025-05-06"); ok || cy.Moved != 1 {
		t.Fatalf("after the removal: moved %d %+v", cy.Moved, cy.Days)
	}

	var rc struct{ Replayed, Moved, Rejudged int }
	if r := co.Do("POST", "/api/v1/calendar/recompute", map[string]string{"from": "2025-05-01", "to": "2025-04-01"}); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "the period ends before it starts") {
		t.Fatalf("reversed period: %s", r)
	}
	if r := env.As("head.tnmt").Do("POST", "/api/v1/calendar/recompute", map[string]string{"from": "2025-04-01", "to": "2025-04-30"}); r.Status != http.StatusForbidden || r.ErrorCode() != "forbidden" {
		t.Fatalf("head recomputing: %s", r)
	}
	co.Do("POST", "/api/v1/calendar/recompute", map[string]string{"from": "2025-04-01", "to": "2025-04-30"}).MustStatus(200).Decode(&rc)
	if rc.Replayed != 1 || rc.Moved != 0 {
		t.Fatalf("recompute %+v", rc)
	}
}

// TestCalendarPage: the page shows any year with each day's source and
// the holiday names in the reader's language; the coordinator's forms add
// an exception (the page then says how many dossiers moved) and a refused
// one is shown again with its reason; a head sees no forms.
func TestCalendarPage(t *testing.T) {
	env, co := procSetup(t)
	body := string(co.Do("GET", "/calendar?year=2025", nil).MustStatus(200).Body)
	for _, want := range []string{`data-date="2025-04-30" data-source="published"`, "30/04/2025", "Ngày Chiến thắng (30/4)", `id="calendar-add"`, `id="calendar-removed"`, `data-date="2025-02-03"`} {
		if !strings.Contains(body, want) {
			t.Errorf("2025 page lacks %q", want)
		}
	}
	if strings.Contains(body, ">holiday.") {
		t.Error("a holiday name shows as its id")
	}
	co.Do("PUT", "/api/v1/me/lang", map[string]string{"lang": "en"}).MustStatus(200)
	body = string(co.Do("GET", "/calendar?year=2030", nil).MustStatus(200).Body)
	for _, want := range []string{`data-date="2030-02-01" data-source="computed"`, "Lunar New Year (the last day of the lunar year)", "Computed"} {
		if !strings.Contains(body, want) {
			t.Errorf("2030 page in English lacks %q", want)
		}
	}
	r := form(t, co, env, "/ui/calendar/days", url.Values{"date": {"2030-06-04"}, "kind": {"holiday"}, "name": {"Nghỉ thử"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/calendar?year=2030&moved=0" {
		t.Fatalf("add form: %s %s", r, r.Header.Get("Location"))
	}
	body = string(co.Do("GET", "/calendar?year=2030&moved=0", nil).MustStatus(200).Body)
	if !strings.Contains(body, `data-date="2030-06-04" data-source="edited"`) || !strings.Contains(body, "This change moved the due dates of 0 open dossiers.") {
		t.Fatal("the added exception or the count is not shown")
	}
	r = form(t, co, env, "/ui/calendar/days", url.Values{"date": {"2030-06-08"}, "kind": {"holiday"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "08/06/2030 is already a day off") || !strings.Contains(string(r.Body), `id="calendar-add"`) {
		t.Fatalf("refused add form: %s", r)
	}
	if !strings.Contains(string(r.Body), "<h1>Working calendar 2030") && !strings.Contains(string(r.Body), " 2030</h1>") {
		t.Fatalf("the refused form's page is not the form's year: %.400s", r.Body)
	}
	r = form(t, co, env, "/ui/calendar/days/2030-06-04/remove", url.Values{})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("remove form: %s", r)
	}
	r = form(t, co, env, "/ui/calendar/recompute", url.Values{"from": {"2030-01-01"}, "to": {"2030-12-31"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/calendar?year=2030&replayed=0&moved=0&rejudged=0" {
		t.Fatalf("recompute form: %s %s", r, r.Header.Get("Location"))
	}
	head := string(env.As("head.tnmt").Do("GET", "/calendar?year=2025", nil).MustStatus(200).Body)
	if strings.Contains(head, `id="calendar-add"`) || strings.Contains(head, "data-remove=") || !strings.Contains(head, `data-date="2025-04-30"`) {
		t.Fatal("a head sees the coordinator's forms, or not the calendar")
	}
}
