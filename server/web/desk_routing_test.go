package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// mxRoutePending builds, for the matrix, a dossier of unit's service
// received at the one-stop desk without its competent unit.
func mxRoutePending(x *mx, t testing.TB, unit string, _ *mxActor) *mxObj {
	number := fmt.Sprintf("MX-R%d", x.f.Next())
	apptest.Expect(t, "desk receipt", x.f.As("staff.motcua").Do("POST", "/api/v1/dossiers", map[string]any{"number": number,
		"service": x.services[unit], "channel": "postal", "route_pending": true,
		"received_at": time.Now().Add(-2 * time.Hour).Format(time.RFC3339)}), http.StatusCreated, nil)
	return x.obj(unit, number)
}

// cell is the text of the element with the given id on a page (up to its
// closing tag), for the journey's rows.
func cell(page, id string) string {
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*>(.*?)</(td|tr)>`).FindStringSubmatch(page)
	if m == nil {
		return ""
	}
	return m[1]
}

// TestDeskRoutingPage: the routing page lists the desk's dossiers waiting
// for their competent unit, oldest first, with a form proposing the
// service's unit; the form routes (the processing time counts from the
// competent unit's receipt, the trail has the event) and the dossier leaves
// the queue; the dossier page shows the journey (receiving unit and officer,
// the routing, the competent unit's receipt, each step's officer). After the
// routing the dossier takes its later events (a replay no longer finds a
// second routing); refusals leave the dossier and the trail unchanged.
func TestDeskRoutingPage(t *testing.T) {
	env, _ := procSetup(t)
	staff := env.As("staff.motcua")
	for _, n := range []string{"RP-1", "RP-2"} {
		receive(t, staff, http.StatusCreated, map[string]any{"number": n, "service": "DD-01", "channel": "postal",
			"received_at": "2026-11-24T09:00:00+07:00", "route_pending": true})
	}
	page := string(staff.Do("GET", "/desk/routing", nil).MustStatus(http.StatusOK).Body)
	i1, i2 := strings.Index(page, `id="routing-RP-1"`), strings.Index(page, `id="routing-RP-2"`)
	if i1 < 0 || i2 < i1 || !strings.Contains(page, `action="/ui/dossiers/RP-1/route"`) || !strings.Contains(page, `<option value="tnmt" selected>`) ||
		!strings.Contains(page, "Hồ sơ chờ chuyển đến đơn vị có thẩm quyền") || !strings.Contains(page, "24/11/2026 09:00") {
		t.Fatalf("routing page: %s", page)
	}
	dp := string(staff.Do("GET", "/dossiers/RP-1", nil).MustStatus(http.StatusOK).Body)
	if !strings.Contains(cell(dp, "journey-competent"), "chưa xác định") || !strings.Contains(dp, `id="route-form"`) ||
		!strings.Contains(cell(dp, "journey-receiving"), "staff.motcua · 24/11/2026 09:00") {
		t.Fatalf("dossier page before routing: %s", dp)
	}
	// A unit's staff have no routing page, and may not route another unit's dossier.
	env.As("staff.tnmt").Do("GET", "/desk/routing", nil).MustStatus(http.StatusForbidden)
	vhtt := env.As("staff.vhtt") // signed in first: a sign-in is on the trail
	var trailBefore int
	if err := env.App.DB.Get(&trailBefore, `SELECT count(*) FROM trail`); err != nil {
		t.Fatal(err)
	}
	r := form(t, vhtt, env, "/ui/dossiers/RP-2/route", url.Values{"to_unit": {"tnmt"}})
	if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "Bạn không có quyền thực hiện write đối với dossier của đơn vị tnmt") {
		t.Fatalf("routing by vhtt: %s", r)
	}
	r = form(t, staff, env, "/ui/dossiers/RP-2/route", url.Values{"to_unit": {"tnmt"}, "at": {"31/02/2026 10:00"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `id="routing-RP-2"`) {
		t.Fatalf("routing with a bad time: %s", r)
	}
	r = form(t, staff, env, "/ui/dossiers/RP-2/route", url.Values{"to_unit": {"Phòng X"}})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "Phải ghi đơn vị có thẩm quyền") {
		t.Fatalf("routing to no unit: %s", r)
	}
	var trailAfter int
	if err := env.App.DB.Get(&trailAfter, `SELECT count(*) FROM trail`); err != nil || trailAfter != trailBefore {
		t.Fatalf("refusals wrote the trail: %d → %d (%v)", trailBefore, trailAfter, err)
	}
	if d := getDossier(t, staff, "RP-2"); !d.RoutePending || d.Unit != "tnmt" || d.ClockStart != "2026-11-24T02:00:00Z" {
		t.Fatalf("a refused routing changed the dossier: %+v", d)
	}

	r = form(t, staff, env, "/ui/dossiers/RP-1/route", url.Values{"to_unit": {"tnmt"}, "at": {"25/11/2026 10:00"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/desk/routing" {
		t.Fatalf("route form: %s", r)
	}
	d := getDossier(t, staff, "RP-1")
	if d.Unit != "tnmt" || d.RoutePending || d.ClockStart != "2026-11-25T03:00:00Z" || d.DueAt != "2026-12-09T03:00:00Z" ||
		len(d.Steps) != 2 || d.Steps[0].Step != "desk" || d.Steps[0].Officer != "staff.motcua" || d.Steps[1].Unit != "tnmt" {
		t.Fatalf("routed by the form: %+v", d)
	}
	var n int
	if err := env.App.DB.Get(&n, `SELECT count(*) FROM trail WHERE object_id = 'RP-1' AND action = 'dossier.event' AND details->>'type' = 'routed'`); err != nil || n != 1 {
		t.Fatalf("routing trail entries: %d %v", n, err)
	}
	page = string(staff.Do("GET", "/desk/routing", nil).MustStatus(http.StatusOK).Body)
	if strings.Contains(page, `id="routing-RP-1"`) || !strings.Contains(page, `id="routing-RP-2"`) {
		t.Fatalf("routing page after: %s", page)
	}
	// The routed dossier goes on: tnmt hands it back, the desk returns it.
	env.As("staff.tnmt").Do("POST", "/api/v1/dossiers/RP-1/events", map[string]any{"event_id": "back", "type": "handed_over", "to_unit": "motcua",
		"step": "return", "at": "2026-11-26T08:00:00+07:00"}).MustStatus(http.StatusCreated)
	r = form(t, staff, env, "/ui/dossiers/RP-1/events", url.Values{"type": {"returned"}, "result": {"granted"}, "return_channel": {"postal"},
		"at": {"26/11/2026 09:00"}, "next": {"/desk"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("return after routing: %s", r)
	}
	d = getDossier(t, staff, "RP-1")
	if d.Status != "returned" || d.Outcome != "early" || len(d.Steps) != 3 || d.Steps[0].Step != "desk" || d.Steps[2].Officer != "staff.motcua" {
		t.Fatalf("returned after routing: %+v", d)
	}
	dp = string(staff.Do("GET", "/dossiers/RP-1", nil).MustStatus(http.StatusOK).Body)
	if routed := cell(dp, "journey-routed"); !strings.Contains(routed, "staff.motcua · 25/11/2026 10:00") || strings.Contains(routed, ">tnmt<") {
		t.Fatalf("journey's routing: %q", routed)
	}
	if c := cell(dp, "journey-competent"); !strings.Contains(c, "tiếp nhận lúc 25/11/2026 10:00") || strings.Contains(dp, `id="route-form"`) {
		t.Fatalf("journey's competent unit: %q", c)
	}
	if !strings.Contains(dp, "<td>staff.tnmt</td>") {
		t.Fatalf("the steps name their officers: %s", dp)
	}
	// The form posted from the dossier page returns to it.
	r = form(t, staff, env, "/ui/dossiers/RP-2/route", url.Values{"to_unit": {"tnmt"}, "next": {"dossier"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/dossiers/RP-2" {
		t.Fatalf("route form from the dossier page: %s", r)
	}
}

// TestDeskQueueLateHandovers: the queue's late list holds, besides the
// dossiers past due, those whose hand-over from the desk is past its
// deadline (still at the desk, or handed over late) though the dossier
// itself is within its due time; one handed over on time is not there.
func TestDeskQueueLateHandovers(t *testing.T) {
	env, _ := procSetup(t)
	staff := env.As("staff.motcua")
	// DD-01 takes ten working days; received Wednesday after 15:00, the
	// hand-over is due Thursday 08:30, and the clock reads Thursday 10:00.
	for _, n := range []string{"LH-AT-DESK", "LH-LATE", "LH-ON-TIME"} {
		receive(t, staff, http.StatusCreated, map[string]any{"number": n, "service": "DD-01", "channel": "in_person", "received_at": "2026-11-25T15:30:00+07:00"})
	}
	staff.Do("POST", "/api/v1/dossiers/LH-LATE/events", map[string]any{"event_id": "h", "type": "handed_over", "at": "2026-11-26T09:00:00+07:00"}).MustStatus(http.StatusCreated)
	staff.Do("POST", "/api/v1/dossiers/LH-ON-TIME/events", map[string]any{"event_id": "h", "type": "handed_over", "at": "2026-11-26T08:00:00+07:00"}).MustStatus(http.StatusCreated)
	var q struct {
		Late []deskDossier `json:"late"`
	}
	staff.Do("GET", "/api/v1/desk/queue", nil).MustStatus(http.StatusOK).Decode(&q)
	got := map[string]bool{}
	for _, d := range q.Late {
		got[d.Number] = true
	}
	if !got["LH-AT-DESK"] || !got["LH-LATE"] || got["LH-ON-TIME"] || len(q.Late) != 2 {
		t.Fatalf("late list: %+v", q.Late)
	}
}

// TestCalendarChangeKeepsTheJourney: a calendar change recomputes a routed
// dossier from its receipt as it was: the desk's step stays first, the
// clock still starts at the competent unit's receipt, and the due date
// moves past the new day off.
func TestCalendarChangeKeepsTheJourney(t *testing.T) {
	env, co := procSetup(t)
	staff := env.As("staff.motcua")
	receive(t, staff, http.StatusCreated, map[string]any{"number": "CJ-1", "service": "DD-01", "channel": "postal",
		"received_at": "2026-11-24T09:00:00+07:00", "route_pending": true})
	staff.Do("POST", "/api/v1/dossiers/CJ-1/route", map[string]any{"to_unit": "tnmt", "at": "2026-11-25T10:00:00+07:00"}).MustStatus(http.StatusOK)
	var cy struct{ Moved int }
	co.Do("POST", "/api/v1/calendar/days", map[string]string{"date": "2026-12-01", "kind": "holiday", "name": "Nghỉ đột xuất"}).MustStatus(http.StatusOK).Decode(&cy)
	d := getDossier(t, staff, "CJ-1")
	if cy.Moved != 1 || d.ClockStart != "2026-11-25T03:00:00Z" || d.DueAt != "2026-12-10T03:00:00Z" || len(d.Steps) != 2 ||
		d.Steps[0].Step != "desk" || d.Steps[0].Unit != "motcua" || d.Steps[1].Unit != "tnmt" {
		t.Fatalf("after the calendar change (moved %d): %+v", cy.Moved, d)
	}
}
