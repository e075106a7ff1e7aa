package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/evidence"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/seed"
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
	// The trail evidence lists chained entries; the sequencer does not run
	// in this test, so its pass is made here.
	if err := env.App.Trail.SequenceNow(context.Background()); err != nil {
		t.Fatal(err)
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

// TestReadOnlyRolesOnEveryWriteRoute sends every unsafe route the router
// serves (the API, the pages' forms, sign-in, sign-out and the language),
// on real objects in the state the route needs and with a body the route
// accepts, as the holders of every read-only role of the policy: one in
// every unit (the demo auditor, who leads the audits the entries build, so
// conducts one right now) and one in tnmt only. Each case is judged as the
// matrix judges it (TestRouteRoleUnitMatrix, whose entries and objects it
// uses): a refusal is 403 forbidden, or 404 not_found where the actor may
// not read the object, never 400, and no table moves; an act the policy
// allows them (the acts of auditing, raising an NC, their own account) is
// done and changes the database. A route without an entry fails.
func TestReadOnlyRolesOnEveryWriteRoute(t *testing.T) {
	start := time.Now()
	env := apptest.New(t)
	roles := mxReadOnlyRoles(t)
	if !slices.Contains(roles, "auditor") {
		t.Fatalf("read-only roles %v: the auditor is not among them", roles)
	}
	x := newMatrixOf(t, env, func(x *mx) {
		admin := x.f.As("admin")
		for _, role := range roles {
			all := ""
			for _, du := range seed.Users() {
				if len(du.Roles) == 1 && du.Roles[0].Role == role && du.Roles[0].Unit == "*" {
					all = du.Login
				}
			}
			if all == "" {
				all = "ro." + role
				apptest.Expect(t, "user", admin.Do("POST", "/api/v1/users", map[string]string{"login": all, "name": "Chỉ đọc " + role, "password": apptest.Password}), http.StatusCreated, nil)
				apptest.Expect(t, "role", admin.Do("POST", "/api/v1/role-assignments", map[string]string{"user": all, "role": role, "unit": "*"}), http.StatusCreated, nil)
			}
			x.addActor(t, all, "")
			one := "ro." + role + "." + mxOrgUnit
			apptest.Expect(t, "user", admin.Do("POST", "/api/v1/users", map[string]string{"login": one, "name": "Chỉ đọc " + role + " " + mxOrgUnit, "password": apptest.Password}), http.StatusCreated, nil)
			apptest.Expect(t, "role", admin.Do("POST", "/api/v1/role-assignments", map[string]string{"user": one, "role": role, "unit": mxOrgUnit}), http.StatusCreated, nil)
			x.addActor(t, one, mxOrgUnit)
		}
	})
	x.prove = true
	plan, missing := mxPlan(env)
	for _, k := range missing {
		t.Errorf("%s is an unsafe route without an entry (mxRoutes for the API, mxForms for a form without an API twin)", k)
	}
	x.formCoverage(t)
	for _, p := range plan {
		name := p.Route
		if p.R.Variant != "" {
			name += " (" + p.R.Variant + ")"
		}
		t.Run(name, func(t *testing.T) { x.run(t, p.R, p.Form) })
	}
	if x.ran < len(plan) {
		t.Logf("%d of %d entries ran (-run)", x.ran, len(plan))
		return
	}
	if len(missing) > 0 || x.ran < 100 {
		t.Fatalf("%d entries ran for %d unsafe routes", x.ran, len(mxUnsafeRoutes(env)))
	}
	// The import the auditor could once run: refused, on the API and the
	// form, to the auditor of every unit and of one.
	for _, k := range []string{"POST /api/v1/dossiers/import|auditor|tnmt", "POST /ui/dossiers/import|auditor|tnmt",
		"POST /api/v1/dossiers/import|ro.auditor.tnmt|tnmt", "POST /ui/dossiers/import|ro.auditor.tnmt|tnmt"} {
		if !x.refusedKeys[k] {
			t.Errorf("%s was not sent as a refusal", k)
		}
	}
	t.Logf("read-only roles %v: %d unsafe routes, %d entries × %d actors: %d cases (%d allowed, %d refused) in %s",
		roles, len(mxUnsafeRoutes(env)), x.ran, len(x.actors), x.cases, x.allowedN, x.refusedN, time.Since(start).Round(time.Second))
}

// mxReadOnlyRoles are the roles of the policy whose every permission reads
// (read, read_history, verifying the trail's chain) or is an act of
// auditing, which stores the auditor's own work and nothing of the office's:
// findings and evidence reviews (audit conduct) and raising a
// nonconformity (nc report, ISO 9001 10.2). A role without any permission
// is read-only too.
func mxReadOnlyRoles(t *testing.T) []string {
	t.Helper()
	rules, err := authz.BaselinePolicy()
	if err != nil {
		t.Fatal(err)
	}
	reading := map[string]bool{"trail verify": true, "audit conduct": true, "nc report": true}
	writes := map[string]bool{}
	for _, r := range rules {
		if r[2] != "read" && r[2] != "read_history" && !reading[r[1]+" "+r[2]] {
			writes[r[0]] = true
		}
	}
	var out []string
	for _, role := range authz.Roles {
		if !writes[role] {
			out = append(out, role)
		}
	}
	return out
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
