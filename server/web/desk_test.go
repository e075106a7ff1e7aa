package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/mail/mailtest"
	"github.com/qmstrack/qmstrack/server/process"
)

// deskDossier is the part of a dossier the desk tests read.
type deskDossier struct {
	Number           string `json:"number"`
	Unit             string `json:"unit"`
	Channel          string `json:"channel"`
	ReturnChannel    string `json:"return_channel"`
	ReceivingUnit    string `json:"receiving_unit"`
	ReceivingOfficer string `json:"receiving_officer"`
	RoutePending     bool   `json:"route_pending"`
	LookupCode       string `json:"lookup_code"`
	Status           string `json:"status"`
	Outcome          string `json:"outcome"`
	Result           string `json:"result"`
	ClockStart       string `json:"clock_start"`
	DueAt            string `json:"due_at"`
	CurrentUnit      string `json:"current_unit"`
	Late             bool   `json:"late"`
	Overdue          bool   `json:"overdue"`
	Steps            []struct {
		Step    string  `json:"step"`
		Unit    string  `json:"unit"`
		Start   string  `json:"start"`
		Due     *string `json:"due"`
		End     *string `json:"end"`
		Outcome string  `json:"outcome"`
		Officer string  `json:"officer"`
	} `json:"steps"`
	NC *struct {
		State     string `json:"state"`
		CreatedAt string `json:"created_at"`
	} `json:"nc"`
}

func getDossier(t *testing.T, c *apptest.Client, number string) deskDossier {
	t.Helper()
	var d deskDossier
	c.Do("GET", "/api/v1/dossiers/"+number, nil).MustStatus(http.StatusOK).Decode(&d)
	return d
}

func receive(t *testing.T, c *apptest.Client, want int, body map[string]any) deskDossier {
	t.Helper()
	var out struct {
		Dossier deskDossier `json:"dossier"`
	}
	r := c.Do("POST", "/api/v1/dossiers", body).MustStatus(want)
	if want < 300 {
		r.Decode(&out)
	}
	return out.Dossier
}

func wantRefusal(t *testing.T, what string, r *apptest.Response, status int, code, msg string) {
	t.Helper()
	if r.Status != status || r.ErrorCode() != code || errorMessage(t, r) != msg {
		t.Fatalf("%s: answered %s; want %d %s %q", what, r, status, code, msg)
	}
}

// TestDeskReceivesForEveryUnit reproduces issue 13's first finding: the
// one-stop desk could not record a dossier of another unit's service
// (staff.motcua and head.motcua were answered 403 for a tnmt service). The
// desk role, held in motcua, receives, hands over and returns dossiers of
// every unit, recording its unit and officer; processing stays with the
// competent unit (an extension by the desk is refused with its reason), and
// someone without the desk role is still refused.
func TestDeskReceivesForEveryUnit(t *testing.T) {
	env, _ := procSetup(t)
	staff, head := env.As("staff.motcua"), env.As("head.motcua")
	d := receive(t, staff, http.StatusCreated, map[string]any{"number": "DK-1", "service": "DD-01", "channel": "in_person",
		"received_at": "2026-11-26T09:00:00+07:00"})
	if d.Unit != "tnmt" || d.ReceivingUnit != "motcua" || d.ReceivingOfficer != "staff.motcua" || d.CurrentUnit != "motcua" {
		t.Fatalf("desk receipt: %+v", d)
	}
	if len(d.Steps) != 1 || d.Steps[0].Step != "desk" || d.Steps[0].Unit != "motcua" || d.Steps[0].Officer != "staff.motcua" {
		t.Fatalf("the desk's step: %+v", d.Steps)
	}
	if len(d.LookupCode) != 8 {
		t.Fatalf("lookup code %q", d.LookupCode)
	}
	h := receive(t, head, http.StatusCreated, map[string]any{"number": "DK-2", "service": "HT-01", "channel": "postal",
		"received_at": "2026-11-26T09:30:00+07:00", "return_channel": "Qua bưu điện"})
	if h.Unit != "noivu" || h.ReceivingUnit != "motcua" || h.ReceivingOfficer != "head.motcua" || h.ReturnChannel != "postal" {
		t.Fatalf("head of the desk: %+v", h)
	}
	// Without the desk role, another unit's dossier is still refused.
	wantRefusal(t, "staff.vhtt receives for tnmt", env.As("staff.vhtt").Do("POST", "/api/v1/dossiers", map[string]any{"number": "DK-3",
		"service": "DD-01", "channel": "in_person", "received_at": "2026-11-26T09:00:00+07:00"}), http.StatusForbidden, "forbidden",
		"you may not receive dossiers of unit tnmt")
	// A receipt named at a desk the officer does not hold is refused.
	wantRefusal(t, "desk at vp", staff.Do("POST", "/api/v1/dossiers", map[string]any{"number": "DK-4", "service": "DD-01",
		"channel": "in_person", "received_at": "2026-11-26T09:00:00+07:00", "receiving_unit": "vp"}), http.StatusForbidden, "forbidden",
		"you may not receive dossiers at unit vp")

	// The desk hands over to tnmt, reads the dossier; tnmt processes.
	staff.Do("POST", "/api/v1/dossiers/DK-1/events", map[string]any{"event_id": "h1", "type": "handed_over",
		"at": "2026-11-26T09:40:00+07:00"}).MustStatus(http.StatusCreated)
	wantRefusal(t, "desk extends", staff.Do("POST", "/api/v1/dossiers/DK-1/events", map[string]any{"event_id": "x1", "type": "extended",
		"at": "2026-11-26T09:45:00+07:00", "new_due_at": "2026-12-31T17:00:00+07:00", "reason": "Chờ xác minh"}), http.StatusForbidden, "forbidden",
		"the one-stop desk may not record extended: processing belongs to unit tnmt")
	env.As("staff.tnmt").Do("POST", "/api/v1/dossiers/DK-1/events", map[string]any{"event_id": "p1", "type": "handed_over",
		"to_unit": "motcua", "step": "return", "at": "2026-11-26T09:50:00+07:00"}).MustStatus(http.StatusCreated)
	staff.Do("POST", "/api/v1/dossiers/DK-1/events", map[string]any{"event_id": "r1", "type": "returned", "result": "granted",
		"return_channel": "postal", "at": "2026-11-26T09:55:00+07:00"}).MustStatus(http.StatusCreated)
	got := getDossier(t, staff, "DK-1")
	if got.Status != "returned" || got.ReturnChannel != "postal" || len(got.Steps) != 3 {
		t.Fatalf("after the return: %+v", got)
	}
	if got.Steps[0].Officer != "staff.motcua" || got.Steps[1].Step != "receive" || got.Steps[1].Officer != "staff.tnmt" ||
		got.Steps[2].Unit != "motcua" || got.Steps[2].Officer != "staff.motcua" {
		t.Fatalf("the journey: %+v", got.Steps)
	}
	// The desk lists every unit's dossiers; someone of another unit
	// without the desk role does not see them.
	var list struct{ Items []deskDossier }
	staff.Do("GET", "/api/v1/dossiers?unit=tnmt", nil).MustStatus(http.StatusOK).Decode(&list)
	if len(list.Items) != 1 || list.Items[0].Number != "DK-1" {
		t.Fatalf("the desk's list of tnmt: %+v", list.Items)
	}
	env.As("staff.vhtt").Do("GET", "/api/v1/dossiers?unit=tnmt", nil).MustStatus(http.StatusOK).Decode(&list)
	if len(list.Items) != 0 {
		t.Fatalf("vhtt lists tnmt's dossiers: %+v", list.Items)
	}
	env.As("staff.vhtt").Do("GET", "/api/v1/dossiers/DK-1", nil).MustStatus(http.StatusNotFound)
}

// TestDeskHandoverDeadline: a dossier received in person at the desk is
// due at the processing unit by the end of the same working day when
// received before 15:00, at the start (first hour) of the next working day
// when received after; each hand-over is judged on time or late, and the
// late ones are counted per desk officer and per day of receipt.
func TestDeskHandoverDeadline(t *testing.T) {
	env, _ := procSetup(t)
	staff := env.As("staff.motcua")
	for _, n := range []struct{ number, at string }{
		{"HO-A", "2026-11-25T14:59:00+07:00"}, {"HO-B", "2026-11-25T15:01:00+07:00"}, {"HO-C", "2026-11-25T14:59:00+07:00"},
	} {
		receive(t, staff, http.StatusCreated, map[string]any{"number": n.number, "service": "HT-01", "channel": "in_person", "received_at": n.at})
	}
	receive(t, staff, http.StatusCreated, map[string]any{"number": "HO-P", "service": "HT-01", "channel": "postal",
		"received_at": "2026-11-25T14:00:00+07:00"})
	want := map[string]string{"HO-A": "2026-11-25T10:00:00Z", "HO-B": "2026-11-26T01:30:00Z", "HO-C": "2026-11-25T10:00:00Z"}
	for n, due := range want {
		d := getDossier(t, staff, n)
		if d.Steps[0].Due == nil || *d.Steps[0].Due != due {
			t.Fatalf("%s: hand-over due %v, want %s", n, d.Steps[0].Due, due)
		}
	}
	if d := getDossier(t, staff, "HO-P"); d.Steps[0].Due != nil {
		t.Fatalf("a postal receipt has no hand-over deadline: %+v", d.Steps[0])
	}
	for n, at := range map[string]string{"HO-A": "2026-11-25T16:30:00+07:00", "HO-B": "2026-11-26T08:15:00+07:00", "HO-C": "2026-11-26T08:15:00+07:00"} {
		staff.Do("POST", "/api/v1/dossiers/"+n+"/events", map[string]any{"event_id": "h-" + n, "type": "handed_over", "at": at}).MustStatus(http.StatusCreated)
	}
	for n, outcome := range map[string]string{"HO-A": "on_time", "HO-B": "on_time", "HO-C": "late"} {
		if d := getDossier(t, staff, n); d.Steps[0].Outcome != outcome {
			t.Fatalf("%s: hand-over %q, want %q (%+v)", n, d.Steps[0].Outcome, outcome, d.Steps[0])
		}
	}
	var counts struct {
		Items []struct {
			Officer, Day string
			Total, Late  int
		}
	}
	staff.Do("GET", "/api/v1/desk/handovers?from=2026-11-25&to=2026-11-26", nil).MustStatus(http.StatusOK).Decode(&counts)
	if len(counts.Items) != 1 || counts.Items[0].Officer != "staff.motcua" || counts.Items[0].Day != "2026-11-25" ||
		counts.Items[0].Total != 3 || counts.Items[0].Late != 1 {
		t.Fatalf("hand-overs %+v", counts.Items)
	}
	wantRefusal(t, "queue of a unit", env.As("staff.tnmt").Do("GET", "/api/v1/desk/queue", nil), http.StatusForbidden, "forbidden",
		"only the one-stop desk has a queue")
	staff.Do("GET", "/api/v1/desk/handovers?from=2026-11-26&to=2026-11-25", nil).MustStatus(http.StatusBadRequest)
}

// TestDeskQueue: the desk's day lists what it received today, what is due
// today and tomorrow, the results handed back ready to return, and the late.
func TestDeskQueue(t *testing.T) {
	env, _ := procSetup(t)
	staff := env.As("staff.motcua")
	receive(t, staff, http.StatusCreated, map[string]any{"number": "Q-TODAY", "service": "DD-01", "channel": "in_person", "received_at": "2026-11-26T08:00:00+07:00"})
	// HT-01 takes one working day: received Wednesday 10:00, due today 10:00 (past: late).
	receive(t, staff, http.StatusCreated, map[string]any{"number": "Q-LATE", "service": "HT-01", "channel": "online_full", "received_at": "2026-11-25T09:00:00+07:00"})
	receive(t, staff, http.StatusCreated, map[string]any{"number": "Q-DUE", "service": "HT-01", "channel": "online_full", "received_at": "2026-11-25T16:00:00+07:00"})
	receive(t, staff, http.StatusCreated, map[string]any{"number": "Q-TMRW", "service": "HT-01", "channel": "online_full", "received_at": "2026-11-26T08:30:00+07:00"})
	receive(t, staff, http.StatusCreated, map[string]any{"number": "Q-READY", "service": "DD-01", "channel": "postal", "received_at": "2026-11-20T08:30:00+07:00"})
	staff.Do("POST", "/api/v1/dossiers/Q-READY/events", map[string]any{"event_id": "h", "type": "handed_over", "at": "2026-11-20T09:00:00+07:00"}).MustStatus(http.StatusCreated)
	env.As("staff.tnmt").Do("POST", "/api/v1/dossiers/Q-READY/events", map[string]any{"event_id": "b", "type": "handed_over", "to_unit": "motcua",
		"step": "return", "at": "2026-11-25T09:00:00+07:00"}).MustStatus(http.StatusCreated)
	r := staff.Do("GET", "/api/v1/desk/queue", nil).MustStatus(http.StatusOK)
	var raw map[string]json.RawMessage
	r.Decode(&raw)
	q := map[string][]deskDossier{}
	for k, v := range raw {
		var l []deskDossier
		if json.Unmarshal(v, &l) == nil {
			q[k] = l
		}
	}
	has := func(list, number string) bool {
		for _, d := range q[list] {
			if d.Number == number {
				return true
			}
		}
		return false
	}
	for list, numbers := range map[string][]string{
		"received_today": {"Q-TODAY", "Q-TMRW"}, "due_today": {"Q-DUE"}, "due_tomorrow": {"Q-TMRW"},
		"ready_to_return": {"Q-READY"}, "late": {"Q-LATE"},
	} {
		for _, n := range numbers {
			if !has(list, n) {
				t.Errorf("%s lacks %s: %s", list, n, raw[list])
			}
		}
	}
	if has("received_today", "Q-LATE") || has("late", "Q-DUE") || has("ready_to_return", "Q-TODAY") || has("due_today", "Q-TMRW") {
		t.Errorf("queue holds what it should not: %s", r.Body)
	}
}

// TestDeskRouting: a dossier received at a unit that is not the competent
// one waits in the routing queue; routing moves it to the competent unit
// with a trail entry, the processing time counts from then while the
// desk's step stays in the journey; it routes once.
func TestDeskRouting(t *testing.T) {
	env, _ := procSetup(t)
	staff := env.As("staff.motcua")
	d := receive(t, staff, http.StatusCreated, map[string]any{"number": "RT-1", "service": "DD-01", "channel": "postal",
		"received_at": "2026-11-24T09:00:00+07:00", "route_pending": true})
	if !d.RoutePending || d.CurrentUnit != "motcua" {
		t.Fatalf("waiting for routing: %+v", d)
	}
	receive(t, staff, http.StatusCreated, map[string]any{"number": "RT-2", "service": "DD-01", "channel": "postal",
		"received_at": "2026-11-24T09:00:00+07:00", "route_pending": true})
	var q struct{ Items []deskDossier }
	staff.Do("GET", "/api/v1/desk/routing", nil).MustStatus(http.StatusOK).Decode(&q)
	if len(q.Items) != 2 || q.Items[0].Number != "RT-1" {
		t.Fatalf("routing queue %+v", q.Items)
	}
	wantRefusal(t, "route by vhtt", env.As("staff.vhtt").Do("POST", "/api/v1/dossiers/RT-2/route", map[string]any{"to_unit": "tnmt"}),
		http.StatusForbidden, "forbidden", "you may not write dossier in unit tnmt")
	var out struct {
		Dossier deskDossier `json:"dossier"`
	}
	staff.Do("POST", "/api/v1/dossiers/RT-1/route", map[string]any{"to_unit": "tnmt", "at": "2026-11-25T10:00:00+07:00"}).MustStatus(http.StatusOK).Decode(&out)
	r := out.Dossier
	// Ten working days from Wednesday 25/11 10:00.
	if r.Unit != "tnmt" || r.RoutePending || r.ClockStart != "2026-11-25T03:00:00Z" || r.DueAt != "2026-12-09T03:00:00Z" {
		t.Fatalf("routed: %+v", r)
	}
	if len(r.Steps) != 2 || r.Steps[0].Step != "desk" || r.Steps[0].Start != "2026-11-24T02:00:00Z" || r.Steps[1].Unit != "tnmt" {
		t.Fatalf("journey: %+v", r.Steps)
	}
	var n int
	if err := env.App.DB.Get(&n, `SELECT count(*) FROM trail WHERE object_id = 'RT-1' AND action = 'dossier.event' AND details->>'type' = 'routed'`); err != nil || n != 1 {
		t.Fatalf("routing trail entries: %d %v", n, err)
	}
	staff.Do("GET", "/api/v1/desk/routing", nil).MustStatus(http.StatusOK).Decode(&q)
	if len(q.Items) != 1 || q.Items[0].Number != "RT-2" {
		t.Fatalf("routing queue after: %+v", q.Items)
	}
	// tnmt now reads it; the same routing again changes nothing, another is refused.
	getDossier(t, env.As("staff.tnmt"), "RT-1")
	staff.Do("POST", "/api/v1/dossiers/RT-1/route", map[string]any{"to_unit": "tnmt", "at": "2026-11-25T10:00:00+07:00"}).MustStatus(http.StatusOK)
	wantRefusal(t, "second routing", staff.Do("POST", "/api/v1/dossiers/RT-1/route", map[string]any{"to_unit": "vp"}), http.StatusConflict, "state",
		"the dossier was already routed to its competent unit")
	staff.Do("POST", "/api/v1/dossiers/RT-2/route", map[string]any{}).MustStatus(http.StatusBadRequest)
	if d := getDossier(t, staff, "RT-2"); !d.RoutePending {
		t.Fatalf("a refused routing changed the dossier: %+v", d)
	}
}

// TestDossierChannelsImport: the import accepts the one-stop software's
// usual spellings and the codes for the channel, the result's return
// channel and "Đã trả kết quả" as a result; an unknown channel is
// rejected with the accepted ones, in the reader's language.
func TestDossierChannelsImport(t *testing.T) {
	env, co := procSetup(t)
	csv := "number,service,channel,received_at,returned_at,result,return_channel\n" +
		"CH-1,HT-01,Bưu chính công ích,23/11/2026 08:00,,,\n" +
		"CH-2,HT-01,Qua bưu điện,23/11/2026 08:00,,,\n" +
		"CH-3,HT-01,Trực tuyến mức độ 4,23/11/2026 08:00,,,\n" +
		"CH-4,HT-01,Dịch vụ công trực tuyến mức độ 3,23/11/2026 08:00,,,\n" +
		"CH-5,HT-01,in_person,23/11/2026 08:00,23/11/2026 16:00,Đã trả kết quả,Qua bưu điện\n" +
		"CH-6,HT-01,postal,23/11/2026 08:00,,,\n" +
		"CH-7,HT-01,online_partial,23/11/2026 08:00,,,\n" +
		"CH-8,HT-01,online_full,23/11/2026 08:00,,,\n" +
		"CH-9,HT-01,TRUC TUYEN MUC DO 4,23/11/2026 08:00,,,\n" +
		"CH-10,HT-01,fax,23/11/2026 08:00,,,\n" +
		"CH-11,HT-01,in_person,23/11/2026 08:00,,,bồ câu\n"
	var rep struct {
		ID                 string
		Inserted, Rejected int
		Rejections         []struct {
			Line   int
			Reason string
		}
	}
	co.Send(mustReq(t, env, csv)).MustStatus(http.StatusOK).Decode(&rep)
	if rep.Inserted != 9 || rep.Rejected != 2 {
		t.Fatalf("import %+v", rep)
	}
	for n, ch := range map[string]string{"CH-1": "postal", "CH-2": "postal", "CH-3": "online_full", "CH-4": "online_partial", "CH-5": "in_person",
		"CH-6": "postal", "CH-7": "online_partial", "CH-8": "online_full", "CH-9": "online_full"} {
		if d := getDossier(t, co, n); d.Channel != ch {
			t.Errorf("%s: channel %q, want %q", n, d.Channel, ch)
		}
	}
	if d := getDossier(t, co, "CH-5"); d.Status != "returned" || d.Result != "granted" || d.ReturnChannel != "postal" {
		t.Fatalf("CH-5: %+v", d)
	}
	en := rep.Rejections[0].Reason
	if !strings.HasPrefix(en, `unknown channel "fax" (accepted: in person “in_person”, postal “postal”, partly online “online_partial”, fully online “online_full”`) {
		t.Fatalf("unknown channel: %q", en)
	}
	if !strings.HasPrefix(rep.Rejections[1].Reason, `unknown result return channel "bồ câu"`) {
		t.Fatalf("unknown return channel: %q", rep.Rejections[1].Reason)
	}
	// The coordinator reads Vietnamese: the import's page says it in it.
	page := string(co.Do("GET", "/dossiers/imports/"+rep.ID, nil).MustStatus(http.StatusOK).Body)
	if !strings.Contains(page, `Hình thức nộp &#34;fax&#34; không hợp lệ (chấp nhận tên hoặc mã: Trực tiếp “in_person”, Bưu chính công ích “postal”`) ||
		!strings.Contains(page, `Hình thức trả kết quả &#34;bồ câu&#34; không hợp lệ`) {
		t.Fatalf("rejections in Vietnamese: %q", page)
	}
	// Online KPIs count both online channels; full-process apart.
	var k struct {
		Items []struct {
			Received, Online int
			OnlineFull       int `json:"online_full"`
		}
	}
	co.Do("GET", "/api/v1/kpis?from=2026-11-23&to=2026-11-23", nil).MustStatus(http.StatusOK).Decode(&k)
	if len(k.Items) != 1 || k.Items[0].Received != 9 || k.Items[0].Online != 5 || k.Items[0].OnlineFull != 3 {
		t.Fatalf("kpis %+v", k.Items)
	}
}

// TestDossierAnswersIssue12: the API answers of issue 12. A dossier
// recorded past its due time is answered overdue as GET answers it; a late
// dossier's nonconformity has its creation time; an import without late
// rows raises no nonconformity of its own even when the same pass raises
// another dossier's; every time of a dossier is written in UTC.
func TestDossierAnswersIssue12(t *testing.T) {
	env, co := procSetup(t)
	staff := env.As("staff.noivu")
	d := receive(t, staff, http.StatusCreated, map[string]any{"number": "I12-1", "service": "HT-01", "channel": "in_person",
		"received_at": "2026-11-20T09:00:00+07:00"})
	if !d.Late || !d.Overdue {
		t.Fatalf("past due at receipt: late %v overdue %v", d.Late, d.Overdue)
	}
	if g := getDossier(t, staff, "I12-1"); !g.Overdue {
		t.Fatalf("GET: %+v", g)
	}
	// A dossier of DD-01 returned late raises its nonconformity at once.
	env.As("staff.tnmt").Do("POST", "/api/v1/dossiers", map[string]any{"number": "I12-2", "service": "DD-01", "channel": "in_person",
		"received_at": "2026-11-02T09:00:00+07:00"}).MustStatus(http.StatusCreated)
	env.As("staff.tnmt").Do("POST", "/api/v1/dossiers/I12-2/events", map[string]any{"event_id": "r", "type": "returned", "result": "granted",
		"at": "2026-11-20T09:00:00+07:00"}).MustStatus(http.StatusCreated)
	g := getDossier(t, co, "I12-2")
	if g.NC == nil || g.NC.State != "raised" || g.NC.CreatedAt == "" || strings.HasPrefix(g.NC.CreatedAt, "0001-") {
		t.Fatalf("late record: %+v", g.NC)
	}
	// I12-1 is late and waits for the scan; an import of one on-time row
	// runs it, and reports no nonconformity of its own.
	var rep struct {
		Inserted, Late int
		NCs            int `json:"ncs_raised"`
	}
	co.Send(mustReq(t, env, "number,service,channel,received_at\nI12-3,HT-01,online,26/11/2026 08:00\n")).MustStatus(http.StatusOK).Decode(&rep)
	if rep.Inserted != 1 || rep.Late != 0 || rep.NCs != 0 {
		t.Fatalf("import report %+v", rep)
	}
	if g := getDossier(t, co, "I12-1"); g.NC == nil || g.NC.State != "raised" {
		t.Fatalf("the scan did not raise I12-1's nonconformity, so the report proves nothing: %+v", g.NC)
	}
	// Times: every one in UTC, steps included.
	body := string(env.As("staff.tnmt").Do("GET", "/api/v1/dossiers/I12-2", nil).MustStatus(http.StatusOK).Body)
	if strings.Contains(body, "+07:00") || !strings.Contains(body, `"steps":[{"step":"receive","unit":"motcua","start":"2026-11-02T02:00:00Z"`) {
		t.Fatalf("times not all UTC: %s", body)
	}
}

// pdfText extracts the text of a PDF with pdftotext.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.200q", pdf)
	}
	bin := testenv.Tool(t, "pdftotext")
	cmd := exec.Command(bin, "-layout", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// TestDeskReceiptPDF: the desk prints the receipt (Vietnamese, embedded
// font, the appointment date, the lookup code, the status page's address,
// a QR code) and the control slip of the journey; who may not read the
// dossier gets no paper.
func TestDeskReceiptPDF(t *testing.T) {
	env, _ := procSetup(t)
	staff := env.As("staff.motcua")
	d := receive(t, staff, http.StatusCreated, map[string]any{"number": "PDF-1", "service": "DD-01", "channel": "postal",
		"return_channel": "postal", "applicant_ref": "CD-42", "received_at": "2026-11-26T09:00:00+07:00"})
	r := staff.Do("GET", "/api/v1/dossiers/PDF-1/receipt.pdf", nil).MustStatus(http.StatusOK)
	if r.Header.Get("Content-Type") != "application/pdf" || !bytes.Contains(r.Body, []byte("/Subtype /Image")) ||
		!bytes.Contains(r.Body, []byte("/FontFile2")) {
		t.Fatalf("receipt: %s, no QR image or embedded font", r.Header.Get("Content-Type"))
	}
	if dir := os.Getenv("QMS_SCREENSHOTS"); dir != "" { // to look at it
		_ = os.WriteFile(filepath.Join(dir, "desk-receipt.pdf"), r.Body, 0o600)
	}
	text := pdfText(t, r.Body)
	// Ten working days from Thursday 26/11 09:00.
	for _, want := range []string{"GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "PDF-1", "Đăng ký biến động đất đai (DD-01)", "CD-42",
		"Qua bưu chính công ích", "09:00 26/11/2026", "09:00 10/12/2026", "staff.motcua", "Phòng Tài nguyên và Môi trường",
		"Bộ phận Một cửa", d.LookupCode, "/public/dossiers/PDF-1?code=" + d.LookupCode} {
		if !strings.Contains(text, want) {
			t.Errorf("receipt lacks %q:\n%s", want, text)
		}
	}
	en := pdfText(t, staff.Do("GET", "/api/v1/dossiers/PDF-1/receipt.pdf?lang=en", nil).MustStatus(http.StatusOK).Body)
	if !strings.Contains(en, "RECEIPT OF DOSSIER AND APPOINTMENT FOR THE RESULT") || !strings.Contains(en, "Result due") {
		t.Errorf("English receipt:\n%s", en)
	}
	staff.Do("POST", "/api/v1/dossiers/PDF-1/events", map[string]any{"event_id": "h", "type": "handed_over", "at": "2026-11-26T09:30:00+07:00"}).MustStatus(http.StatusCreated)
	slip := pdfText(t, staff.Do("GET", "/api/v1/dossiers/PDF-1/control-slip.pdf", nil).MustStatus(http.StatusOK).Body)
	for _, want := range []string{"PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "desk", "09:00 26/11/2026", "09:30 26/11/2026", "receive"} {
		if !strings.Contains(slip, want) {
			t.Errorf("control slip lacks %q:\n%s", want, slip)
		}
	}
	env.As("staff.vhtt").Do("GET", "/api/v1/dossiers/PDF-1/receipt.pdf", nil).MustStatus(http.StatusNotFound)
}

// TestDossierNoticeLog: every status change of a dossier leaves a notice
// in the change's transaction (none for a refused act), which the sender
// writes in Vietnamese with the agency, the receiving and the handling
// officer and the times, and e-mails to the address the applicant gave;
// without an address it is logged only. The log keeps what was sent, when,
// by which channel.
func TestDossierNoticeLog(t *testing.T) {
	smtpd := mailtest.Start(t, "", "")
	env := apptest.New(t, apptest.WithClock(procNow), apptest.WithConfig(func(c *config.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPTLS, c.SMTPFrom = "127.0.0.1", smtpd.Port, "none", "motcua@example.org"
	}))
	env.As("coordinator").Do("POST", "/api/v1/services", map[string]any{"code": "DD-01", "name_vi": "Đăng ký biến động đất đai",
		"field": "land", "unit": "tnmt", "days": 10}).MustStatus(http.StatusCreated)
	desk, tnmt := env.As("staff.motcua"), env.As("staff.tnmt")
	desk.Do("POST", "/api/v1/dossiers", map[string]any{"number": "N-0", "service": "DD-01", "channel": "in_person",
		"received_at": "2026-11-26T09:00:00+07:00", "notify_email": "not an address"}).MustStatus(http.StatusBadRequest)
	receive(t, desk, http.StatusCreated, map[string]any{"number": "N-1", "service": "DD-01", "channel": "in_person",
		"received_at": "2026-11-26T09:00:00+07:00", "notify_email": "dan@example.org"})
	receive(t, desk, http.StatusCreated, map[string]any{"number": "N-2", "service": "DD-01", "channel": "in_person",
		"received_at": "2026-11-26T09:05:00+07:00"})
	desk.Do("POST", "/api/v1/dossiers/N-1/events", map[string]any{"event_id": "h", "type": "handed_over", "at": "2026-11-26T09:30:00+07:00"}).MustStatus(http.StatusCreated)
	desk.Do("POST", "/api/v1/dossiers/N-1/events", map[string]any{"event_id": "x", "type": "extended", "at": "2026-11-26T09:40:00+07:00",
		"new_due_at": "2026-12-31T17:00:00+07:00", "reason": "Chờ xác minh"}).MustStatus(http.StatusForbidden)
	tnmt.Do("POST", "/api/v1/dossiers/N-1/events", map[string]any{"event_id": "b", "type": "handed_over", "to_unit": "motcua", "step": "return",
		"at": "2026-11-26T09:45:00+07:00"}).MustStatus(http.StatusCreated)
	desk.Do("POST", "/api/v1/dossiers/N-1/events", map[string]any{"event_id": "r", "type": "returned", "result": "granted",
		"at": "2026-11-26T09:50:00+07:00"}).MustStatus(http.StatusCreated)
	type notice struct {
		Kind, Channel, Recipient, State, Subject, Body string
		SentAt                                         *string `json:"sent_at"`
	}
	var log struct{ Items []notice }
	desk.Do("GET", "/api/v1/dossiers/N-1/notices", nil).MustStatus(http.StatusOK).Decode(&log)
	kinds := []string{}
	for _, n := range log.Items {
		kinds = append(kinds, n.Kind+"/"+n.Channel+"/"+n.State)
	}
	if strings.Join(kinds, " ") != "received/email/pending handed_over/email/pending handed_over/email/pending returned/email/pending" {
		t.Fatalf("notices before sending: %v", kinds)
	}
	rep, err := env.App.Process.SendNotices(context.Background(), 100)
	if err != nil || rep.Sent != 4 || rep.Logged != 1 {
		t.Fatalf("send: %+v %v", rep, err)
	}
	msgs := smtpd.Messages()
	if len(msgs) != 4 || msgs[0].To[0] != "dan@example.org" || msgs[0].Subject != "Hồ sơ N-1 đã được tiếp nhận" {
		t.Fatalf("mails: %+v", msgs)
	}
	for _, want := range []string{"Cơ quan giải quyết: Phòng Tài nguyên và Môi trường.", "Nơi tiếp nhận: Bộ phận Một cửa; người tiếp nhận: staff.motcua; thời gian tiếp nhận: 09:00 26/11/2026.",
		"Ngày hẹn trả kết quả: 09:00 10/12/2026.", "/public/dossiers/N-1?code="} {
		if !strings.Contains(msgs[0].Body, want) {
			t.Errorf("receipt notice lacks %q:\n%s", want, msgs[0].Body)
		}
	}
	if !strings.Contains(msgs[2].Body, "Người xử lý: staff.tnmt.") || !strings.Contains(msgs[3].Body, "Thời gian trả kết quả: 09:50 26/11/2026.") ||
		msgs[3].Subject != "Hồ sơ N-1 đã có kết quả" {
		t.Errorf("processing and return notices:\n%s\n%s", msgs[2].Body, msgs[3].Body)
	}
	desk.Do("GET", "/api/v1/dossiers/N-1/notices", nil).MustStatus(http.StatusOK).Decode(&log)
	for _, n := range log.Items {
		if n.State != "sent" || n.SentAt == nil || n.Subject == "" || !strings.Contains(n.Body, "Hồ sơ số N-1") {
			t.Fatalf("notice after sending: %+v", n)
		}
	}
	var other struct{ Items []notice }
	desk.Do("GET", "/api/v1/dossiers/N-2/notices", nil).MustStatus(http.StatusOK).Decode(&other)
	if len(other.Items) != 1 || other.Items[0].Channel != "counter" || other.Items[0].State != "logged" || other.Items[0].Body == "" {
		t.Fatalf("a notice without an address: %+v", other.Items)
	}
	// Sent once: a second pass finds nothing.
	if rep, err := env.App.Process.SendNotices(context.Background(), 100); err != nil || rep != (process.NoticeReport{}) || len(smtpd.Messages()) != 4 {
		t.Fatalf("second pass: %+v %v", rep, err)
	}
	env.As("staff.vhtt").Do("GET", "/api/v1/dossiers/N-1/notices", nil).MustStatus(http.StatusNotFound)
}

// TestDeskPage: the desk's page offers every unit's services, folded for a
// search without accents, receives through its form (the number made, the
// time now), hands over and returns from the queue, back on the page; a
// unit's staff have no desk page.
func TestDeskPage(t *testing.T) {
	env, _ := procSetup(t)
	staff := env.As("staff.motcua")
	page := string(staff.Do("GET", "/desk", nil).MustStatus(http.StatusOK).Body)
	if !strings.Contains(page, `data-fold="dd-01 dang ky bien dong dat dai land change registration"`) || !strings.Contains(page, `value="HT-01"`) ||
		!strings.Contains(page, `value="26/11/2026 10:00"`) {
		t.Fatalf("desk page: %s", page)
	}
	r := form(t, staff, env, "/ui/desk/receive", url.Values{"service": {"DD-01"}, "channel": {"postal"}, "return_channel": {"postal"},
		"received_at": {"26/11/2026 10:00"}})
	loc := r.Header.Get("Location")
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(loc, "/desk?received=MC-261126-100000-") {
		t.Fatalf("receive form: %s %q", r, loc)
	}
	number := strings.TrimPrefix(loc, "/desk?received=")
	d := getDossier(t, staff, number)
	if d.Channel != "postal" || d.ReturnChannel != "postal" || d.Unit != "tnmt" || d.ReceivingOfficer != "staff.motcua" {
		t.Fatalf("received by the form: %+v", d)
	}
	page = string(staff.Do("GET", loc, nil).MustStatus(http.StatusOK).Body)
	if !strings.Contains(page, `href="/api/v1/dossiers/`+number+`/receipt.pdf" id="print-receipt"`) || !strings.Contains(page, `id="handover-`+number+`"`) {
		t.Fatalf("after the receipt: %s", page)
	}
	form(t, staff, env, "/ui/dossiers/"+number+"/events", url.Values{"type": {"handed_over"}, "at": {"26/11/2026 10:00"}, "next": {"/desk"}}).MustStatus(http.StatusSeeOther)
	env.As("staff.tnmt").Do("POST", "/api/v1/dossiers/"+number+"/events", map[string]any{"event_id": "back", "type": "handed_over", "to_unit": "motcua",
		"step": "return", "at": "2026-11-26T10:00:00+07:00"}).MustStatus(http.StatusCreated)
	page = string(staff.Do("GET", "/desk", nil).MustStatus(http.StatusOK).Body)
	if !strings.Contains(page, `id="return-`+number+`"`) {
		t.Fatalf("not ready to return: %s", page)
	}
	r = form(t, staff, env, "/ui/dossiers/"+number+"/events", url.Values{"type": {"returned"}, "result": {"granted"}, "return_channel": {"postal"},
		"at": {"26/11/2026 10:00"}, "next": {"/desk"}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/desk" {
		t.Fatalf("return form: %s", r)
	}
	if d := getDossier(t, staff, number); d.Status != "returned" || d.ReturnChannel != "postal" {
		t.Fatalf("returned: %+v", d)
	}
	env.As("staff.tnmt").Do("GET", "/desk", nil).MustStatus(http.StatusForbidden)
}
