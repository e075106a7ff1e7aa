package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

var procNow = func() time.Time {
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	return time.Date(2026, 11, 26, 10, 0, 0, 0, loc)
}

// procSetup creates a land service and a civil-status service.
func procSetup(t *testing.T) (*apptest.Env, *apptest.Client) {
	env := apptest.New(t, apptest.WithClock(procNow))
	co := env.As("coordinator")
	co.Do("POST", "/api/v1/services", map[string]any{"code": "DD-01", "name_vi": "Đăng ký biến động đất đai", "name_en": "Land change registration",
		"field": "land", "unit": "tnmt", "days": 10, "steps": []map[string]any{{"code": "receive", "days": 1, "unit": "motcua"}, {"code": "process", "days": 7}, {"code": "approve", "days": 2, "unit": "vp"}}}).MustStatus(http.StatusCreated)
	co.Do("POST", "/api/v1/services", map[string]any{"code": "HT-01", "name_vi": "Đăng ký khai sinh", "field": "civil_status", "unit": "noivu", "days": 1}).MustStatus(http.StatusCreated)
	return env, co
}

const procCSV = "number,service,channel,received_at,returned_at,result,reason\n" +
	"L-001,DD-01,online,02/11/2026 09:00,10/11/2026 10:00,granted,\n" +
	"L-002,DD-01,in_person,02/11/2026 09:00,20/11/2026 10:00,granted,\n" +
	"L-003,DD-01,postal,03/11/2026 18:30,,,\n" +
	"H-001,HT-01,online,23/11/2026 08:00,23/11/2026 16:00,granted,\n" +
	"L-002,DD-01,online,02/11/2026 09:00,,,\n" +
	"X-1,NOPE,online,02/11/2026 09:00,,,\n"

func TestProcessAPI(t *testing.T) {
	env, co := procSetup(t)
	// Services are visible by unit scope.
	var svcs struct{ Items []struct{ Code string } }
	env.As("staff.noivu").Do("GET", "/api/v1/services", nil).MustStatus(200).Decode(&svcs)
	if len(svcs.Items) != 1 || svcs.Items[0].Code != "HT-01" {
		t.Fatalf("noivu staff sees %+v", svcs)
	}
	env.As("head.tnmt").Do("POST", "/api/v1/services", map[string]any{"code": "X", "name_vi": "x", "field": "land", "unit": "tnmt", "days": 1}).MustStatus(http.StatusForbidden)
	co.Do("POST", "/api/v1/services", map[string]any{"code": "bad code", "field": "Land", "unit": "tnmt", "days": -1}).MustStatus(http.StatusBadRequest)

	// Calendar.
	var cal struct {
		Year int
		Days []struct{ Date, Kind, Name string }
	}
	co.Do("GET", "/api/v1/calendar/2026", nil).MustStatus(200).Decode(&cal)
	if len(cal.Days) != 11 || cal.Days[1].Date != "2026-02-16" {
		t.Fatalf("calendar %+v", cal)
	}
	co.Do("GET", "/api/v1/calendar/abc", nil).MustStatus(http.StatusBadRequest)
	env.As("head.tnmt").Do("PUT", "/api/v1/calendar/2027", map[string]any{"days": []any{}}).MustStatus(http.StatusForbidden)
	co.Do("PUT", "/api/v1/calendar/2027", map[string]any{"days": []map[string]string{{"date": "2027-01-01", "kind": "holiday", "name": "Tết Dương lịch"}, {"date": "2027-13-01", "kind": "holiday"}}}).MustStatus(http.StatusBadRequest)

	// Dossier receipt and events, idempotent.
	staff := env.As("staff.tnmt")
	body := map[string]any{"number": "000.00.01.H01-261102-0001", "service": "DD-01", "channel": "online", "applicant_ref": "CD-77", "received_at": "2026-11-02T09:00:00+07:00"}
	staff.Do("POST", "/api/v1/dossiers", body).MustStatus(http.StatusCreated)
	staff.Do("POST", "/api/v1/dossiers", body).MustStatus(http.StatusOK)
	env.As("staff.noivu").Do("POST", "/api/v1/dossiers", map[string]any{"number": "Z-1", "service": "DD-01", "channel": "online", "received_at": "2026-11-02T09:00:00+07:00"}).MustStatus(http.StatusForbidden)
	ev := map[string]any{"event_id": "os-1", "type": "returned", "at": "2026-11-13T15:00:00+07:00", "result": "granted"}
	var out struct {
		Dossier struct {
			Outcome string `json:"outcome"`
			DueAt   string `json:"due_at"`
			Events  []any  `json:"events"`
		} `json:"dossier"`
		Duplicate bool `json:"duplicate"`
	}
	staff.Do("POST", "/api/v1/dossiers/000.00.01.H01-261102-0001/events", ev).MustStatus(http.StatusCreated).Decode(&out)
	if out.Dossier.Outcome != "early" || out.Duplicate {
		t.Fatalf("event %+v", out)
	}
	staff.Do("POST", "/api/v1/dossiers/000.00.01.H01-261102-0001/events", ev).MustStatus(http.StatusOK).Decode(&out)
	if !out.Duplicate || len(out.Dossier.Events) != 1 {
		t.Fatalf("duplicate %+v", out)
	}
	staff.Do("POST", "/api/v1/dossiers/000.00.01.H01-261102-0001/events", map[string]any{"event_id": "os-2", "type": "withdrawn", "at": "2026-11-14T09:00:00+07:00"}).MustStatus(http.StatusConflict)
	staff.Do("POST", "/api/v1/dossiers/000.00.01.H01-261102-0001/events", map[string]any{"event_id": "os-3", "type": "bogus", "at": "2026-11-14T09:00:00+07:00"}).MustStatus(http.StatusBadRequest)
	// Before its receipt: kept (202), then applied when the dossier is recorded.
	staff.Do("POST", "/api/v1/dossiers/LATER-1/events", map[string]any{"event_id": "os-3", "type": "withdrawn", "at": "2026-11-14T09:00:00+07:00"}).MustStatus(http.StatusAccepted)
	var later struct {
		Dossier struct{ Status string } `json:"dossier"`
	}
	staff.Do("POST", "/api/v1/dossiers", map[string]any{"number": "LATER-1", "service": "DD-01", "channel": "online", "received_at": "2026-11-10T09:00:00+07:00"}).MustStatus(http.StatusCreated).Decode(&later)
	if later.Dossier.Status != "withdrawn" {
		t.Fatalf("pending event not applied: %+v", later)
	}
	staff.Do("POST", "/api/v1/dossiers/bad%20number/events", map[string]any{"event_id": "os-3", "type": "withdrawn", "at": "2026-11-14T09:00:00+07:00"}).MustStatus(http.StatusNotFound)
	staff.Do("POST", "/api/v1/dossiers/000.00.01.H01-261102-0001/events", "{not json").MustStatus(http.StatusBadRequest)

	// CSV import as text/csv.
	req, _ := http.NewRequest("POST", env.URL+"/api/v1/dossiers/import?filename=nov.csv", strings.NewReader(procCSV))
	req.Header.Set("Content-Type", "text/csv")
	var rep struct {
		Total, Inserted, Rejected, Late int
		Rejections                      []struct {
			Line   int
			Reason string
		}
	}
	co.Send(req).MustStatus(200).Decode(&rep)
	if rep.Total != 6 || rep.Inserted != 4 || rep.Rejected != 2 || rep.Late != 2 {
		t.Fatalf("import %+v", rep)
	}
	var repID struct{ ID string }
	co.Send(mustReq(t, env, procCSV)).MustStatus(200).Decode(&repID)
	rej := co.Do("GET", "/api/v1/dossiers/imports/"+repID.ID+"/rejections.csv", nil).MustStatus(200)
	if !strings.Contains(string(rej.Body), "line,number,reason") || !strings.Contains(string(rej.Body), "7,X-1,") || !strings.Contains(string(rej.Body), "duplicate") {
		t.Fatalf("rejections csv %q", rej.Body)
	}
	env.As("staff.noivu").Do("GET", "/api/v1/dossiers/imports/"+repID.ID, nil).MustStatus(http.StatusNotFound)

	// Listing, KPIs, late dossiers.
	var list struct {
		Items []struct{ Number string }
		Total int
	}
	co.Do("GET", "/api/v1/dossiers?service=DD-01&late=true", nil).MustStatus(200).Decode(&list)
	if list.Total != 2 {
		t.Fatalf("late list %+v", list)
	}
	env.As("staff.noivu").Do("GET", "/api/v1/dossiers", nil).MustStatus(200).Decode(&list)
	if list.Total != 1 || list.Items[0].Number != "H-001" {
		t.Fatalf("noivu list %+v", list)
	}
	co.Do("GET", "/api/v1/dossiers?from=yesterday", nil).MustStatus(http.StatusBadRequest)
	var kpis struct {
		Items []struct {
			Key        string
			Received   int
			Late       int
			OnTimeRate *float64 `json:"on_time_rate"`
		}
	}
	co.Do("GET", "/api/v1/kpis?by=unit&from=2026-01-01&to=2026-12-31", nil).MustStatus(200).Decode(&kpis)
	if len(kpis.Items) != 2 || kpis.Items[1].Key != "tnmt" || kpis.Items[1].Received != 5 || kpis.Items[1].Late != 1 {
		t.Fatalf("kpis %+v", kpis)
	}
	co.Do("GET", "/api/v1/kpis?by=galaxy", nil).MustStatus(http.StatusBadRequest)
	var late struct {
		Items []struct{ Number, State string }
	}
	co.Do("GET", "/api/v1/late-dossiers?state=raised", nil).MustStatus(200).Decode(&late)
	if len(late.Items) != 2 {
		t.Fatalf("late dossiers raised %+v", late)
	}

	// Objectives.
	// The answer to the creation carries the progress, as the list does.
	var created struct {
		Progress *struct {
			Status string
			Value  *float64
			Max    float64
		}
	}
	co.Do("POST", "/api/v1/objectives", map[string]any{"title": "98% đúng hạn", "kpi": "on_time_rate", "target": 98, "period_from": "2026-01-01", "period_to": "2026-12-31", "unit": "tnmt"}).MustStatus(http.StatusCreated).Decode(&created)
	if created.Progress == nil || created.Progress.Status != "off_track" || created.Progress.Value == nil || created.Progress.Max != 100 {
		t.Fatalf("created objective's progress %+v", created.Progress)
	}
	co.Do("POST", "/api/v1/objectives", map[string]any{"title": "x", "kpi": "on_time_rate", "target": 98, "period_from": "2026-31-01", "period_to": "2026-12-31", "unit": "tnmt"}).MustStatus(http.StatusBadRequest)
	var objs struct {
		Items []struct {
			Progress struct {
				Status string
				Value  float64
			}
		}
	}
	co.Do("GET", "/api/v1/objectives", nil).MustStatus(200).Decode(&objs)
	if len(objs.Items) != 1 || objs.Items[0].Progress.Status != "off_track" {
		t.Fatalf("objectives %+v", objs)
	}
	var tasks struct {
		Items []struct {
			Kind, Title, Badge string
			Overdue            bool
		}
	}
	env.As("head.tnmt").Do("GET", "/api/v1/tasks", nil).MustStatus(200).Decode(&tasks)
	found := false
	for _, tk := range tasks.Items {
		if tk.Kind == "objective" {
			found = true
			// an objective off track has missed its target, not a deadline
			if tk.Overdue || tk.Badge != "proc.status.off_track" {
				t.Errorf("off-track objective task %+v: want the badge off_track, not overdue", tk)
			}
		}
	}
	if !found {
		t.Fatalf("no off-track objective on the land head's home page: %+v", tasks)
	}
	req, _ = http.NewRequest("GET", env.URL+"/", nil)
	req.Header.Set("Accept", "text/html")
	home := string(env.As("head.tnmt").Send(req).MustStatus(200).Body)
	if i := strings.Index(home, "/objectives#obj-"); i < 0 || !strings.Contains(home[i:], `badge-warn">Chưa đạt<`) ||
		strings.Contains(home[i:min(len(home), i+600)], "badge-overdue") {
		t.Errorf("the home page does not mark the objective Chưa đạt (and not Quá hạn): %s", home[max(0, i):min(len(home), max(0, i)+600)])
	}
	// Its gauge: the value on the percent scale with the target as the
	// low mark, so an objective at 66.67 of 98 does not look nearly full.
	req, _ = http.NewRequest("GET", env.URL+"/objectives", nil)
	req.Header.Set("Accept", "text/html")
	objPage := string(co.Send(req).MustStatus(200).Body)
	if !regexp.MustCompile(`<meter class="objective-gauge" min="0" max="100.000" value="[0-9.]+" low="98.000" optimum="100.000"`).MatchString(objPage) {
		t.Errorf("objective gauge: %s", objPage[max(0, strings.Index(objPage, "<meter")):min(len(objPage), max(0, strings.Index(objPage, "<meter"))+300)])
	}

	// Dashboard JSON and XLSX.
	var dash struct {
		Total struct{ Received int }
		Units []struct{ Key string }
	}
	co.Do("GET", "/api/v1/dashboard?from=2026-01-01&to=2026-12-31", nil).MustStatus(200).Decode(&dash)
	if dash.Total.Received != 6 || len(dash.Units) != 2 {
		t.Fatalf("dashboard %+v", dash)
	}
	var month struct {
		From, To string
		Total    struct{ Received int }
		Months   []string
	}
	co.Do("GET", "/api/v1/dashboard?month=2026-11", nil).MustStatus(200).Decode(&month)
	if month.From != "2026-11-01" || month.To != "2026-11-30" || len(month.Months) != 1 || month.Total.Received != 6 {
		t.Fatalf("monthly dashboard %+v", month)
	}
	co.Do("GET", "/api/v1/dashboard?month=11/2026", nil).MustStatus(http.StatusBadRequest)
	co.Do("GET", "/dashboard?month=2026-11", nil).MustStatus(200)
	x := co.Do("GET", "/dashboard/export.xlsx?from=2026-01-01&to=2026-12-31", nil).MustStatus(200)
	if len(x.Body) < 100 || string(x.Body[:2]) != "PK" {
		t.Fatalf("xlsx %d bytes", len(x.Body))
	}
	for _, page := range []string{"/dashboard", "/services", "/calendar?year=2027", "/dossiers", "/dossiers/L-003", "/dossiers/import", "/kpis?by=field", "/objectives", "/meetings", "/late-dossiers"} {
		r := co.Do("GET", page, nil)
		if r.Status != 200 {
			t.Fatalf("%s: %s", page, r)
		}
	}
}

func TestDirectivesAPI(t *testing.T) {
	env, _ := procSetup(t)
	chair := env.As("chairman")
	var m struct {
		ID         string
		MinutesRef string `json:"minutes_record"`
	}
	// Minutes need the unit that keeps them: they become its record.
	chair.Multipart("/api/v1/meetings", map[string]string{"held_on": "2026-11-20", "title": "Họp CCHC", "chair": "Chủ tịch UBND"},
		apptest.File{Field: "minutes", Name: "bien-ban.pdf", Content: []byte("%PDF-1.4\n%%EOF\n")}).MustStatus(http.StatusBadRequest)
	chair.Multipart("/api/v1/meetings", map[string]string{"held_on": "2026-11-20", "title": "Họp CCHC", "chair": "Chủ tịch UBND", "participants": "Phòng Nội vụ", "unit": "vp"},
		apptest.File{Field: "minutes", Name: "bien-ban.pdf", Content: []byte("%PDF-1.4\n%%EOF\n")}).MustStatus(http.StatusCreated).Decode(&m)
	var rec struct{ Type, Unit string }
	chair.Do("GET", "/api/v1/records/"+m.MinutesRef, nil).MustStatus(200).Decode(&rec)
	if rec.Type != "meeting-minutes" || rec.Unit != "vp" {
		t.Fatalf("minutes record %+v", rec)
	}
	env.As("head.tnmt").Do("POST", "/api/v1/meetings", map[string]any{"held_on": "2026-11-20", "title": "x", "chair": "y"}).MustStatus(http.StatusForbidden)
	var d struct{ ID, State string }
	chair.Do("POST", "/api/v1/meetings/"+m.ID+"/directives", map[string]any{"unit": "tnmt", "title": "Rà soát hồ sơ đất đai trễ hạn", "report_required": "Danh sách và biện pháp", "due_on": "2026-11-30"}).MustStatus(http.StatusCreated).Decode(&d)
	chair.Do("POST", "/api/v1/meetings/nope/directives", map[string]any{"unit": "tnmt", "title": "x", "due_on": "2026-11-30"}).MustStatus(http.StatusNotFound)
	env.As("staff.noivu").Multipart("/api/v1/directives/"+d.ID+"/report", map[string]string{"text": "xong"},
		apptest.File{Field: "files", Name: "a.pdf", Content: []byte("%PDF-1.4\n%%EOF\n")}).MustStatus(http.StatusForbidden)
	head := env.As("head.tnmt")
	head.Multipart("/api/v1/directives/"+d.ID+"/report", map[string]string{"text": "xong"}).MustStatus(http.StatusBadRequest)
	head.Multipart("/api/v1/directives/"+d.ID+"/report", map[string]string{"text": "Đã rà soát 12 hồ sơ"},
		apptest.File{Field: "files", Name: "ra-soat.pdf", Content: []byte("%PDF-1.4\n%%EOF\n")}).MustStatus(200).Decode(&d)
	if d.State != "reported" {
		t.Fatalf("state %s", d.State)
	}
	head.Do("POST", "/api/v1/directives/"+d.ID+"/accept", nil).MustStatus(http.StatusForbidden)
	chair.Do("POST", "/api/v1/directives/"+d.ID+"/return", map[string]string{}).MustStatus(http.StatusBadRequest)
	chair.Do("POST", "/api/v1/directives/"+d.ID+"/accept", nil).MustStatus(200).Decode(&d)
	if d.State != "accepted" {
		t.Fatalf("state %s", d.State)
	}
	chair.Do("POST", "/api/v1/directives/"+d.ID+"/accept", nil).MustStatus(http.StatusConflict)
	var full struct {
		Reports []struct{ Evidence []struct{ ID string } }
	}
	chair.Do("GET", "/api/v1/directives/"+d.ID, nil).MustStatus(200).Decode(&full)
	ev := env.As("staff.tnmt").Do("GET", "/api/v1/directives/"+d.ID+"/evidence/"+full.Reports[0].Evidence[0].ID, nil).MustStatus(200)
	if !strings.HasPrefix(string(ev.Body), "%PDF") {
		t.Fatalf("evidence %q", ev.Body)
	}
	for _, page := range []string{"/meetings/" + m.ID, "/directives/" + d.ID} {
		chair.Do("GET", page, nil).MustStatus(200)
	}
	chair.Do("GET", "/api/v1/non-compliant-units", nil).MustStatus(200)
}

// form posts a urlencoded form with the session's CSRF token, as the pages do.
func form(t *testing.T, c *apptest.Client, env *apptest.Env, path string, v url.Values) *apptest.Response {
	t.Helper()
	v.Set("_csrf", c.CSRF)
	req, _ := http.NewRequest("POST", env.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	saved := c.CSRF
	c.CSRF = "" // the token travels in the form, as from a browser
	defer func() { c.CSRF = saved }()
	return c.Send(req)
}

func TestProcessForms(t *testing.T) {
	env, co := procSetup(t)
	form(t, co, env, "/ui/services", url.Values{"code": {"XD-01"}, "name_vi": {"Cấp phép xây dựng"}, "field": {"construction"}, "unit": {"vhtt"},
		"days": {"15"}, "steps": {"receive:1:motcua\nprocess:12\napprove:2:vp"}}).MustStatus(http.StatusSeeOther)
	var svcs struct {
		Items []struct {
			Code  string
			Steps []struct {
				Code string
				Days int
				Unit string
			}
		}
	}
	co.Do("GET", "/api/v1/services", nil).MustStatus(200).Decode(&svcs)
	if n := len(svcs.Items); n != 3 || svcs.Items[1].Code != "XD-01" || len(svcs.Items[1].Steps) != 3 || svcs.Items[1].Steps[1].Days != 12 {
		t.Fatalf("services %+v", svcs)
	}
	r := form(t, co, env, "/ui/services", url.Values{"code": {"XD-02"}, "name_vi": {"x"}, "field": {"construction"}, "unit": {"vhtt"}, "days": {"abc"}})
	// A refused form shows its own page again, with the reason.
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `id="flash-error"`) || !strings.Contains(string(r.Body), `id="service-form"`) {
		t.Fatalf("bad days: %s", r)
	}
	// The calendar: a swapped Saturday and the triage setting.
	form(t, co, env, "/ui/calendar", url.Values{"year": {"2027"}, "days": {"2027-01-01 holiday Tết Dương lịch\n2027-09-04 workday Làm bù"},
		"open": {"07:30"}, "close": {"17:00"}, "after_hours": {"next_day"}, "late_mode": {"triage"}}).MustStatus(http.StatusSeeOther)
	var cal struct {
		Days     []struct{ Date, Kind string }
		Settings struct {
			LateMode string `json:"late_mode"`
		}
	}
	co.Do("GET", "/api/v1/calendar/2027", nil).MustStatus(200).Decode(&cal)
	if len(cal.Days) != 2 || cal.Days[1].Kind != "workday" || cal.Settings.LateMode != "triage" {
		t.Fatalf("calendar %+v", cal)
	}
	form(t, co, env, "/ui/calendar", url.Values{"year": {"2027"}, "days": {"04/09/2027 workday"}, "open": {"07:30"}, "close": {"17:00"}}).MustStatus(http.StatusBadRequest)
	form(t, env.As("head.tnmt"), env, "/ui/calendar", url.Values{"year": {"2027"}, "days": {""}, "open": {"07:30"}, "close": {"17:00"}}).MustStatus(http.StatusForbidden)
	// Triage mode: the late dossier waits; the coordinator raises its NC from the list.
	req, _ := http.NewRequest("POST", env.URL+"/api/v1/dossiers/import", strings.NewReader(procCSV))
	req.Header.Set("Content-Type", "text/csv")
	co.Send(req).MustStatus(200)
	var tri struct {
		Items []struct{ Number, State string }
	}
	co.Do("GET", "/api/v1/late-dossiers", nil).MustStatus(200).Decode(&tri)
	if len(tri.Items) != 2 {
		t.Fatalf("triage %+v", tri)
	}
	form(t, co, env, "/ui/dossiers/L-002/late", url.Values{"op": {"raise"}}).MustStatus(http.StatusSeeOther)
	form(t, co, env, "/ui/dossiers/L-003/late", url.Values{"op": {"dismiss"}, "reason": {"Người dân hẹn lại ngày nhận"}}).MustStatus(http.StatusSeeOther)
	var d struct {
		NC struct {
			State    string
			NCNumber string `json:"nc_number"`
		} `json:"nc"`
	}
	co.Do("GET", "/api/v1/dossiers/L-002", nil).MustStatus(200).Decode(&d)
	if d.NC.State != "raised" || !strings.HasPrefix(d.NC.NCNumber, "NC-") {
		t.Fatalf("L-002 %+v", d)
	}
	co.Do("GET", "/api/v1/dossiers/L-003", nil).MustStatus(200).Decode(&d)
	if d.NC.State != "dismissed" {
		t.Fatalf("L-003 %+v", d)
	}
	// An event from the dossier page, then an objective from its form.
	staff := env.As("staff.tnmt")
	form(t, staff, env, "/ui/dossiers/L-003/events", url.Values{"type": {"returned"}, "at": {"25/11/2026 09:00"}, "result": {"granted"}}).MustStatus(http.StatusSeeOther)
	form(t, staff, env, "/ui/dossiers/L-003/events", url.Values{"type": {"returned"}, "at": {"not a date"}}).MustStatus(http.StatusBadRequest)
	form(t, co, env, "/ui/objectives", url.Values{"title": {"Tỷ lệ trực tuyến ≥ 50%"}, "kpi": {"online_share"}, "comparator": {">="}, "target": {"50"},
		"period_from": {"2026-01-01"}, "period_to": {"2026-12-31"}, "unit": {"tnmt"}}).MustStatus(http.StatusSeeOther)
	// Multipart import with a mapping.
	var rep struct{ Inserted, Rejected int }
	co.Multipart("/api/v1/dossiers/import", map[string]string{"mapping": `{"number": "So", "service": "TT", "channel": "Kenh", "received_at": "Ngay"}`},
		apptest.File{Field: "file", Name: "m.csv", Content: []byte("So,TT,Kenh,Ngay\nM-1,HT-01,online,24/11/2026 09:00\nM-2,HT-01,fax,24/11/2026 09:00\n")}).MustStatus(200).Decode(&rep)
	if rep.Inserted != 1 || rep.Rejected != 1 {
		t.Fatalf("mapped import %+v", rep)
	}
}

func mustReq(t *testing.T, env *apptest.Env, body string) *http.Request {
	t.Helper()
	req, err := http.NewRequest("POST", env.URL+"/api/v1/dossiers/import", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/csv")
	return req
}
