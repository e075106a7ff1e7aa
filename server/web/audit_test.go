package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/evidence"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/postgres"
)

type auditJSON struct {
	ID     string `json:"id"`
	Number string `json:"number"`
	Status string `json:"status"`
	Items  []struct {
		ID     string `json:"id"`
		Clause string `json:"clause"`
	} `json:"items"`
	Findings []struct {
		Kind     string `json:"kind"`
		NCID     string `json:"nc_id"`
		NCNumber string `json:"nc_number"`
	} `json:"findings"`
	ReportRecord string `json:"report_record"`
}

func (a auditJSON) item(clause string) string {
	for _, it := range a.Items {
		if it.Clause == clause {
			return it.ID
		}
	}
	return ""
}

// addAuditor creates an internal auditor who also belongs to unit home.
func addAuditor(t *testing.T, env *apptest.Env, login, home string) {
	t.Helper()
	admin := env.As("admin")
	admin.Do("POST", "/api/v1/users", map[string]string{"login": login, "name": "Kiểm toán viên " + home, "password": apptest.Password}).MustStatus(201)
	admin.Do("POST", "/api/v1/role-assignments", map[string]string{"user": login, "role": "auditor", "unit": home}).MustStatus(201)
	admin.Do("POST", "/api/v1/role-assignments", map[string]string{"user": login, "role": "staff", "unit": home}).MustStatus(201)
}

type coverageJSON struct {
	Clauses []struct {
		Clause  string `json:"clause"`
		Records int    `json:"records"`
		Audits  int    `json:"audits"`
		NCs     int    `json:"ncs"`
	} `json:"clauses"`
	NoEvidence []string `json:"no_evidence"`
}

func (c coverageJSON) of(clause string) (int, int, int) {
	for _, x := range c.Clauses {
		if x.Clause == clause {
			return x.Records, x.Audits, x.NCs
		}
	}
	return -1, -1, -1
}

// TestAuditScenarioAPI: the coordinator plans an audit of the land office;
// an auditor from another unit records findings, one a nonconformity (which
// raises an NC), downloads the evidence pack, which verifies against the
// live trail; the coordinator sees the clause coverage change.
func TestAuditScenarioAPI(t *testing.T) {
	env := apptest.New(t)
	addAuditor(t, env, "auditor.noivu", "noivu")
	addAuditor(t, env, "auditor.tnmt", "tnmt")
	coord := env.As("coordinator")
	staff := env.As("staff.tnmt")
	aud := env.As("auditor.noivu")
	fileRecord(t, staff, "filled-form", "tnmt", "Sổ theo dõi hồ sơ đất đai", "7.5.3", recPDF("register"))

	var before coverageJSON
	coord.Do("GET", "/api/v1/clauses/coverage", nil).MustStatus(200).Decode(&before)
	r0, a0, n0 := before.of("7.5.3")
	if r0 != 1 || a0 != 0 || n0 != 0 {
		t.Fatalf("coverage before: %d %d %d", r0, a0, n0)
	}

	day := todayVN()
	plan := map[string]any{"title": "Đánh giá nội bộ Phòng Tài nguyên và Môi trường", "units": []string{"tnmt"},
		"planned_start": day, "planned_end": day, "lead_auditor": "auditor.tnmt"}
	r := coord.Do("POST", "/api/v1/audits", plan)
	if r.Status != 400 || !strings.Contains(string(r.Body), "impartiality") {
		t.Fatalf("own-unit lead: %s", r)
	}
	plan["lead_auditor"] = "auditor.noivu"
	staff.Do("POST", "/api/v1/audits", plan).MustStatus(403)
	var a auditJSON
	coord.Do("POST", "/api/v1/audits", plan).MustStatus(201).Decode(&a)

	aud.Do("POST", "/api/v1/audits/"+a.ID+"/findings", map[string]any{"item_id": a.item("7.5.3"), "kind": "nonconformity",
		"severity": "minor", "description": "Hồ sơ lưu không đúng quy định", "evidence": []string{"Sổ theo dõi hồ sơ"}}).MustStatus(201)
	aud.Do("POST", "/api/v1/audits/"+a.ID+"/findings", map[string]any{"item_id": a.item("8.5"), "kind": "conformity",
		"description": "Quy trình được thực hiện đúng"}).MustStatus(201)
	aud.Do("POST", "/api/v1/audits/"+a.ID+"/findings", map[string]any{"item_id": a.item("8.5"), "kind": "nonconformity",
		"description": "x"}).MustStatus(400)
	staff.Do("POST", "/api/v1/audits/"+a.ID+"/findings", map[string]any{"item_id": a.item("8.5"), "kind": "ofi", "description": "x"}).MustStatus(404)
	aud.Do("GET", "/api/v1/audits/"+a.ID, nil).MustStatus(200).Decode(&a)
	if len(a.Findings) != 2 || a.Findings[0].NCID == "" || !strings.HasPrefix(a.Findings[0].NCNumber, "NC-") {
		t.Fatalf("findings %+v", a.Findings)
	}
	coord.Do("GET", "/api/v1/ncs/"+a.Findings[0].NCID, nil).MustStatus(200)

	// The audit is on the auditor's home page.
	var tasks struct {
		Items []struct {
			Kind  string `json:"kind"`
			Title string `json:"title"`
			Link  string `json:"link"`
		} `json:"items"`
	}
	aud.Do("GET", "/api/v1/tasks", nil).MustStatus(200).Decode(&tasks)
	found := false
	for _, tk := range tasks.Items {
		found = found || (tk.Kind == "audit" && tk.Link == "/audits/"+a.ID && strings.Contains(tk.Title, a.Number))
	}
	if !found {
		t.Fatalf("auditor's tasks %+v", tasks.Items)
	}

	// The evidence pack, streamed, verifies against the live trail.
	res := aud.Do("GET", "/api/v1/evidence-pack?audit="+a.ID, nil).MustStatus(200)
	if res.Header.Get("Content-Type") != "application/zip" || !strings.Contains(res.Header.Get("Content-Disposition"), a.Number) {
		t.Fatalf("pack headers %v", res.Header)
	}
	zr, err := zip.NewReader(bytes.NewReader(res.Body), int64(len(res.Body)))
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(context.Background(), env.DBURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err := evidence.Verify(context.Background(), zr, postgres.NewTrailStore(db))
	if err != nil || !rep.OK || rep.Files != 1 || !rep.LiveChecked {
		t.Fatalf("verify %+v %v", rep, err)
	}
	env.As("staff.vhtt").Do("GET", "/api/v1/evidence-pack?audit="+a.ID, nil).MustStatus(404)
	aud.Do("GET", "/api/v1/evidence-pack", nil).MustStatus(400)

	// Reviews mark evidence, nothing else.
	var recs struct{ Items []struct{ ID string } }
	aud.Do("GET", "/api/v1/records?unit=tnmt", nil).MustStatus(200).Decode(&recs)
	aud.Do("POST", "/api/v1/reviews", map[string]string{"audit_id": a.ID, "object_type": "record", "object_id": recs.Items[0].ID, "comment": "Khớp sổ"}).MustStatus(201)
	var reviews struct{ Items []struct{ Comment string } }
	coord.Do("GET", "/api/v1/audits/"+a.ID+"/reviews", nil).MustStatus(200).Decode(&reviews)
	if len(reviews.Items) != 1 {
		t.Fatalf("reviews %+v", reviews)
	}

	// The team sees the audited unit's documents, NCs, actions and trail,
	// read-only, and marks any of them reviewed.
	var ev struct {
		Records []struct{ ID string } `json:"records"`
		NCs     []struct {
			ID  string `json:"id"`
			Ref string `json:"ref"`
		} `json:"ncs"`
		Trail []struct {
			Seq  int64  `json:"seq"`
			Unit string `json:"unit"`
		} `json:"trail"`
	}
	aud.Do("GET", "/api/v1/audits/"+a.ID+"/evidence", nil).MustStatus(200).Decode(&ev)
	if len(ev.Records) != 1 || len(ev.NCs) != 1 || ev.NCs[0].Ref != a.Findings[0].NCNumber || len(ev.Trail) == 0 {
		t.Fatalf("evidence %+v", ev)
	}
	for _, e := range ev.Trail {
		if e.Unit != "tnmt" {
			t.Fatalf("trail entry of unit %s shown", e.Unit)
		}
	}
	env.As("staff.vhtt").Do("GET", "/api/v1/audits/"+a.ID+"/evidence", nil).MustStatus(404)
	aud.Do("POST", "/api/v1/reviews", map[string]string{"audit_id": a.ID, "object_type": "nc", "object_id": ev.NCs[0].ID, "comment": "Đã xem"}).MustStatus(201)
	aud.Do("POST", "/api/v1/reviews", map[string]string{"audit_id": a.ID, "object_type": "trail", "object_id": fmt.Sprint(ev.Trail[0].Seq)}).MustStatus(201)
	var after coverageJSON
	coord.Do("GET", "/api/v1/clauses/coverage", nil).MustStatus(200).Decode(&after)
	if r1, a1, n1 := after.of("7.5.3"); r1 != 1 || a1 != 1 || n1 != 1 {
		t.Fatalf("coverage after: %d %d %d", r1, a1, n1)
	}
	if r1, a1, _ := after.of("8.5"); a1 != 1 || r1 != 0 {
		t.Fatalf("8.5 after: %d audits", a1)
	}

	// The report: by the lead, filed as an audit-report record.
	aud.Do("POST", "/api/v1/audits/"+a.ID+"/report", map[string]string{"lang": "vi"}).MustStatus(200).Decode(&a)
	if a.Status != "reported" || a.ReportRecord == "" {
		t.Fatalf("report %+v", a)
	}
	pdf := coord.Do("GET", "/api/v1/records/"+a.ReportRecord+"/versions/latest/file", nil).MustStatus(200)
	if !bytes.HasPrefix(pdf.Body, []byte("%PDF-")) || pdf.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("report file %q", pdf.Body[:8])
	}

	// Pages in both languages.
	for _, lang := range []string{"vi", "en"} {
		coord.Do("PUT", "/api/v1/me/lang", map[string]string{"lang": lang}).MustStatus(200)
		for _, p := range []string{"/audits", "/audits/" + a.ID, "/audits/" + a.ID + "/report", "/clauses/coverage"} {
			req, _ := http.NewRequest("GET", env.URL+p, nil)
			req.Header.Set("Accept", "text/html")
			if r := coord.Send(req); r.Status != 200 {
				t.Fatalf("%s %s: %s", lang, p, r)
			}
		}
	}
}

func trailHead(t *testing.T, env *apptest.Env) int64 {
	t.Helper()
	db, err := postgres.Open(context.Background(), env.DBURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var seq int64
	if err := db.Get(&seq, `SELECT seq FROM trail_head`); err != nil {
		t.Fatal(err)
	}
	return seq
}

// TestAuditorIsReadOnlyOnEveryWriteRoute walks every registered route that
// can change something and sends it as an auditor who is conducting an
// audit right now. Apart from the acts of auditing (findings, reviews, own
// checklist questions, raising an NC) and their own account, every one is
// refused and the trail (which records every change) does not move.
func TestAuditorIsReadOnlyOnEveryWriteRoute(t *testing.T) {
	env := apptest.New(t)
	addAuditor(t, env, "auditor.noivu", "noivu")
	coord := env.As("coordinator")
	staff := env.As("staff.tnmt")
	rec := fileRecord(t, staff, "meeting-minutes", "tnmt", "Biên bản", "9.3", recPDF("m"))
	day := todayVN()
	var a auditJSON
	coord.Do("POST", "/api/v1/audits", map[string]any{"title": "Đánh giá", "units": []string{"tnmt"}, "planned_start": day,
		"planned_end": day, "lead_auditor": "auditor.noivu", "team": []string{"auditor"}}).MustStatus(201).Decode(&a)
	aud := env.As("auditor")
	// The auditor reads the audited unit's evidence during the audit.
	aud.Do("GET", "/api/v1/records/"+rec.ID, nil).MustStatus(200)

	allowed := map[string]bool{
		// Their own session and account.
		"POST /api/v1/login": true, "POST /api/v1/logout": true, "POST /login": true, "POST /logout": true, "POST /lang": true,
		"PUT /api/v1/me/lang": true, "POST /api/v1/tokens": true, "DELETE /api/v1/tokens/:id": true,
		"POST /api/v1/notifications/:id/read": true, "POST /ui/account/tokens": true,
		// The acts of auditing.
		"POST /api/v1/audits/:id/findings": true, "POST /ui/audits/:id/findings": true,
		"POST /api/v1/reviews": true, "POST /ui/reviews": true,
		"POST /api/v1/audits/:id/questions": true, "POST /ui/audits/:id/questions": true,
		// Auditors raise nonconformities anywhere (ISO 9001 10.2 capability).
		"POST /api/v1/ncs": true, "POST /ui/ncs": true,
	}
	ids := map[string]string{"records": rec.ID, "audits": a.ID}
	fill := func(path string) string {
		parts := strings.Split(path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
				v := "00000000-0000-4000-8000-000000000001"
				if i > 0 {
					if id, ok := ids[parts[i-1]]; ok {
						v = id
					}
				}
				switch p[1:] {
				case "no":
					v = "1"
				case "clause":
					v = "7.5.3"
				case "code":
					v = "QT-01"
				}
				parts[i] = v
			}
		}
		return strings.Join(parts, "/")
	}
	// Plausible bodies for the routes of this capability, so that they are
	// refused for want of permission rather than for bad input.
	jsonBodies := map[string]any{
		"/api/v1/records/:id/hold":      map[string]any{"on": true, "reason": "x"},
		"/api/v1/records/:id/dispose":   map[string]any{"reason": "x", "password": apptest.Password},
		"/api/v1/record-types":          map[string]any{"code": "x", "name_vi": "x", "name_en": "x", "mode": "COMPLIANCE"},
		"/api/v1/audits":                map[string]any{"title": "x", "units": []string{"vhtt"}, "planned_start": day, "planned_end": day, "lead_auditor": "auditor"},
		"/api/v1/audits/:id/report":     map[string]any{"lang": "vi"},
		"/api/v1/audit-clauses/:clause": map[string]any{"title_vi": "x", "title_en": "x"},
	}
	head := trailHead(t, env)
	checked := 0
	for _, rt := range env.App.Web.Engine().Routes() {
		switch rt.Method {
		case "GET", "HEAD", "OPTIONS":
			continue
		}
		key := rt.Method + " " + rt.Path
		if allowed[key] {
			continue
		}
		path := fill(rt.Path)
		var res *apptest.Response
		switch {
		case strings.HasPrefix(rt.Path, "/ui/") || !strings.HasPrefix(rt.Path, "/api/"):
			form := url.Values{"_csrf": {aud.CSRF}, "reason": {"x"}, "on": {"1"}, "password": {apptest.Password},
				"title": {"x"}, "units": {"tnmt"}, "planned_start": {day}, "planned_end": {day}, "lead_auditor": {"auditor"},
				"comment": {"x"}, "decision": {"approve"}}
			req, _ := http.NewRequest(rt.Method, env.URL+path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept", "text/html")
			res = aud.Send(req)
		case strings.HasSuffix(rt.Path, "/versions") || rt.Path == "/api/v1/records" || strings.HasSuffix(rt.Path, "/revisions") ||
			strings.HasSuffix(rt.Path, "/files") || strings.HasSuffix(rt.Path, "/done"):
			var buf bytes.Buffer
			w := multipart.NewWriter(&buf)
			for k, v := range map[string]string{"type": "filled-form", "unit": "tnmt", "title": "x", "date": day, "reason": "x", "change": "x", "report": "x"} {
				_ = w.WriteField(k, v)
			}
			fw, _ := w.CreateFormFile("file", "x.pdf")
			_, _ = fw.Write(recPDF("auditor"))
			_ = w.Close()
			req, _ := http.NewRequest(rt.Method, env.URL+path, &buf)
			req.Header.Set("Content-Type", w.FormDataContentType())
			res = aud.Send(req)
		default:
			body, ok := jsonBodies[rt.Path]
			if !ok {
				body = map[string]any{}
			}
			res = aud.Do(rt.Method, path, body)
		}
		checked++
		if res.Status < 400 && !(res.Status == http.StatusSeeOther && strings.Contains(res.Header.Get("Location"), "/login")) {
			t.Errorf("%s (as %s): the auditor got %d", key, path, res.Status)
		}
		if res.Status >= 500 {
			t.Errorf("%s: %s", key, res)
		}
		if h := trailHead(t, env); h != head {
			t.Fatalf("%s changed something: the trail moved from %d to %d", key, head, h)
		}
	}
	if checked < 20 {
		t.Fatalf("only %d write routes checked", checked)
	}
	t.Logf("%d write routes refused to the auditor", checked)
}

// Refused forms show their page again with the message, never a 500.
func TestAuditFormErrorsShowThePage(t *testing.T) {
	env := apptest.New(t)
	addAuditor(t, env, "auditor.tnmt", "tnmt")
	coord := env.As("coordinator")
	form := func(c *apptest.Client, path string, v url.Values) *apptest.Response {
		v.Set("_csrf", c.CSRF)
		req, _ := http.NewRequest("POST", env.URL+path, strings.NewReader(v.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "text/html")
		return c.Send(req)
	}
	day := todayVN()
	r := form(coord, "/ui/audits", url.Values{"title": {"Đánh giá"}, "units": {"tnmt"}, "planned_start": {day}, "planned_end": {day}, "lead_auditor": {"auditor.tnmt"}})
	if r.Status != 400 || !strings.Contains(string(r.Body), "Bảo đảm khách quan") || !strings.Contains(string(r.Body), `value="Đánh giá"`) {
		t.Fatalf("plan with an own-unit lead: %d %.300s", r.Status, r.Body)
	}
	r = form(coord, "/ui/audits", url.Values{"title": {"Đánh giá"}, "units": {"tnmt"}, "planned_start": {day}, "planned_end": {day}, "lead_auditor": {"auditor"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("plan: %s", r)
	}
	loc := r.Header.Get("Location")
	id := strings.TrimPrefix(strings.SplitN(loc, "?", 2)[0], "/audits/")
	aud := env.As("auditor")
	var a auditJSON
	aud.Do("GET", "/api/v1/audits/"+id, nil).MustStatus(200).Decode(&a)
	r = form(aud, "/ui/audits/"+id+"/findings", url.Values{"item_id": {a.item("7.5.3")}, "kind": {"nonconformity"}, "description": {"x"}})
	if r.Status != 400 || !strings.Contains(string(r.Body), "checklist") {
		t.Fatalf("finding without severity: %d", r.Status)
	}
	r = form(aud, "/ui/audits/"+id+"/findings", url.Values{"item_id": {a.item("7.5.3")}, "kind": {"observation"}, "description": {"Sổ chưa ký"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("finding: %s", r)
	}
	r = form(aud, "/ui/reviews", url.Values{"audit_id": {id}, "object_type": {"record"}, "object_id": {"00000000-0000-4000-8000-000000000009"}})
	if r.Status != 404 {
		t.Fatalf("review of a missing record: %d", r.Status)
	}
}

// TestImpartialityCheckedAtEveryAct: an auditor of a planned audit who is
// then given a role in the audited unit may no longer act on its team:
// findings, questions, reviews, the report and reading the audit's evidence
// are each refused with the reason, nothing is stored and the trail does not
// move; once the role is taken away they act again.
func TestImpartialityCheckedAtEveryAct(t *testing.T) {
	env := apptest.New(t)
	addAuditor(t, env, "auditor.noivu", "noivu")
	coord, admin, aud := env.As("coordinator"), env.As("admin"), env.As("auditor.noivu")
	rec := fileRecord(t, env.As("staff.tnmt"), "filled-form", "tnmt", "Sổ theo dõi hồ sơ", "7.5.3", recPDF("register"))
	day := todayVN()
	var a auditJSON
	coord.Do("POST", "/api/v1/audits", map[string]any{"title": "Đánh giá nội bộ TNMT", "units": []string{"tnmt"},
		"planned_start": day, "planned_end": day, "lead_auditor": "auditor.noivu"}).MustStatus(201).Decode(&a)
	finding := map[string]any{"item_id": a.item("7.5.3"), "kind": "observation", "description": "Sổ chưa ký"}
	aud.Do("POST", "/api/v1/audits/"+a.ID+"/findings", finding).MustStatus(201)

	grant := map[string]string{"user": "auditor.noivu", "role": "staff", "unit": "tnmt"}
	admin.Do("POST", "/api/v1/role-assignments", grant).MustStatus(201)

	tables := []string{"audit_findings", "audit_items", "evidence_reviews", "records", "ncs", "trail",
		"audits WHERE status = 'reported'"}
	counts := func() map[string]int {
		out := map[string]int{}
		for _, tb := range tables {
			out[tb] = rowCount(t, env, tb)
		}
		return out
	}
	before := counts()
	type try struct {
		name, method, path string
		body               any
		ok                 int
	}
	acts := []try{
		{"finding", "POST", "/api/v1/audits/" + a.ID + "/findings", finding, 201},
		{"nonconformity finding", "POST", "/api/v1/audits/" + a.ID + "/findings", map[string]any{"item_id": a.item("7.5.3"),
			"kind": "nonconformity", "severity": "minor", "description": "Hồ sơ lưu sai quy định"}, 201},
		{"question", "POST", "/api/v1/audits/" + a.ID + "/questions", map[string]string{"question": "Sổ có ký nhận không?"}, 201},
		{"review", "POST", "/api/v1/reviews", map[string]string{"audit_id": a.ID, "object_type": "record", "object_id": rec.ID}, 201},
		{"evidence", "GET", "/api/v1/audits/" + a.ID + "/evidence", nil, 200},
		{"evidence pack", "GET", "/api/v1/evidence-pack?audit=" + a.ID, nil, 200},
		{"report", "POST", "/api/v1/audits/" + a.ID + "/report", map[string]string{"lang": "vi"}, 200},
	}
	const want = "impartiality: you hold the role staff in unit tnmt, which this audit covers, so you may not act on its team"
	for _, x := range acts {
		r := aud.Do(x.method, x.path, x.body)
		var body struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		_ = json.Unmarshal(r.Body, &body)
		if r.Status != http.StatusForbidden || body.Error.Code != "forbidden" || body.Error.Message != want {
			t.Errorf("%s while holding a role in the unit: %d %.300s", x.name, r.Status, r.Body)
		}
	}
	// The form and the page say so in the reader's language.
	form := url.Values{"_csrf": {aud.CSRF}, "item_id": {a.item("7.5.3")}, "kind": {"observation"}, "description": {"x"}}
	req, _ := http.NewRequest("POST", env.URL+"/ui/audits/"+a.ID+"/findings", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	if r := aud.Send(req); r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "Bảo đảm khách quan: bạn đang giữ vai trò") {
		t.Errorf("finding form: %d %.300s", r.Status, r.Body)
	}
	req, _ = http.NewRequest("GET", env.URL+"/audits/"+a.ID, nil)
	req.Header.Set("Accept", "text/html")
	page := aud.Send(req).MustStatus(200)
	if !strings.Contains(string(page.Body), `id="audit-barred"`) || strings.Contains(string(page.Body), `class="finding-form"`) ||
		strings.Contains(string(page.Body), `class="review-form`) || strings.Contains(string(page.Body), `id="audit-report-form"`) {
		t.Errorf("the page of a barred auditor offers acts or hides why: %.2000s", page.Body)
	}
	if after := counts(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("refused acts stored something: %v, before %v", after, before)
	}

	// The role taken away, they act again.
	admin.Do("DELETE", "/api/v1/role-assignments", grant).MustStatus(200)
	for _, x := range acts {
		if r := aud.Do(x.method, x.path, x.body); r.Status != x.ok {
			t.Errorf("%s after the role was revoked: %d %.300s", x.name, r.Status, r.Body)
		}
	}
}
