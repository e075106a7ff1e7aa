package internalaudit_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/app"
	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/internalaudit/auditpdf"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/record"
)

type fixture struct {
	env     *testenv.Env
	audits  *internalaudit.Service
	records *record.Service
	users   map[string]qms.Actor
	now     time.Time
}

// loc is the office's time zone of these tests.
var loc = testenv.Location()

// newFixture runs on a clock set to mid-June of this year in the office, so
// that the days ahead an audit is planned for stay in this year.
func newFixture(t *testing.T) *fixture {
	t.Helper()
	env := testenv.New(t)
	testenv.AddUnits(t, env.DB, "land", "finance", "justice")
	f := &fixture{env: env, users: map[string]qms.Actor{}, now: time.Date(time.Now().Year(), 6, 15, 9, 0, 0, 0, loc)}
	f.users["coord"] = testenv.AddUser(t, env.DB, "coord", "coordinator@*")
	f.users["huong"] = testenv.AddUser(t, env.DB, "huong", "auditor@finance", "staff@finance") // finance auditor
	f.users["duc"] = testenv.AddUser(t, env.DB, "duc", "auditor@justice")                      // justice auditor
	f.users["binh"] = testenv.AddUser(t, env.DB, "binh", "auditor@land")                       // land's own auditor
	f.users["lan"] = testenv.AddUser(t, env.DB, "lan", "staff@land")
	f.users["fin"] = testenv.AddUser(t, env.DB, "fin", "staff@finance")
	f.users["ext"] = testenv.AddUser(t, env.DB, "ext", "auditor@*") // an external auditor, of no unit
	az, err := authz.New(env.DB)
	if err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return f.now }
	as := postgres.NewAuditStore(env.DB)
	f.records = record.New(postgres.NewRecordStore(env.DB), env.Blob, az, testenv.NoPasswords{},
		record.Options{Now: clock, Location: loc, Audits: app.AuditWindow{Store: as, Location: loc}})
	pdf, err := auditpdf.New(auditpdf.Options{Now: clock, Location: loc})
	if err != nil {
		t.Fatal(err)
	}
	f.audits = internalaudit.New(as, az, internalaudit.Options{Now: clock, Location: loc,
		Records: app.AuditReports{Records: f.records}, Renderer: pdf})
	return f
}

func (f *fixture) as(login string) context.Context {
	return qms.WithActor(context.Background(), f.users[login])
}

// day is the day offset days from the fixture's today, as people write it.
func (f *fixture) day(offset int) string {
	return f.now.AddDate(0, 0, offset).Format("02/01/2006")
}

// pdf is the one file of a record.
func pdf(name, body string) qms.FileSource {
	return qms.FilesOf(qms.Upload{Name: name, Body: strings.NewReader("%PDF-1.4\n" + body + "\n%%EOF")})
}

func (f *fixture) plan(t *testing.T) internalaudit.Audit {
	t.Helper()
	a, err := f.audits.Create(f.as("coord"), internalaudit.Plan{Title: "Đánh giá nội bộ Phòng Tài nguyên", Units: []string{"land"},
		Processes: "Cấp giấy chứng nhận quyền sử dụng đất", Start: f.day(0), End: f.day(2), Lead: "huong", Team: []string{"duc"},
		Questions: []string{"Sổ theo dõi hồ sơ có cập nhật hằng ngày không?"}})
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return a
}

func kind(t *testing.T, err, want error) {
	t.Helper()
	if qms.KindOf(err) != want {
		t.Fatalf("want %v, got %v", want, err)
	}
}

func TestClauseChecklistSeededAndEditable(t *testing.T) {
	f := newFixture(t)
	cs, err := f.audits.Clauses(f.as("lan"))
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	questions := 0
	for _, c := range cs {
		order = append(order, c.Clause)
		if c.QuestionVI != "" {
			if c.QuestionEN == "" {
				t.Errorf("%s has no English question", c.Clause)
			}
			questions++
		}
	}
	joined := strings.Join(order, " ")
	if !strings.HasPrefix(joined, "4 4.1 4.2 4.3 4.4 4.4.1 4.4.2 5") || !strings.HasSuffix(joined, "9.3 9.3.1 9.3.2 9.3.3 10 10.1 10.2 10.2.1 10.2.2 10.3") ||
		!strings.Contains(joined, " 7.5.3 7.5.3.1 7.5.3.2 8 ") || !strings.Contains(joined, " 8.5 8.5.1 8.5.2 8.5.3 8.5.4 8.5.5 8.5.6 8.6 ") {
		t.Fatalf("clause order: %s", joined)
	}
	for _, want := range []string{"5.1.2", "7.1.5", "7.5.3", "8.7", "9.1.3", "9.2", "8.2.1", "10.2.1"} {
		if !strings.Contains(" "+joined+" ", " "+want+" ") {
			t.Errorf("clause %s missing", want)
		}
	}
	if questions < 35 {
		t.Fatalf("only %d clauses carry a question", questions)
	}
	if _, err := f.audits.SaveClause(f.as("huong"), internalaudit.Clause{Clause: "7.2", TitleVI: "x", TitleEN: "x"}); qms.KindOf(err) != qms.ErrForbidden {
		t.Fatalf("auditor edits checklist: %v", err)
	}
	c, err := f.audits.SaveClause(f.as("coord"), internalaudit.Clause{Clause: "7.2", TitleVI: "Năng lực", TitleEN: "Competence",
		QuestionVI: "Có kế hoạch đào tạo năm không?", QuestionEN: "Is there a yearly training plan?", Active: true})
	if err != nil || c.QuestionVI != "Có kế hoạch đào tạo năm không?" {
		t.Fatalf("edit: %+v %v", c, err)
	}
	if _, err := f.audits.SaveClause(f.as("coord"), internalaudit.Clause{Clause: "11", TitleVI: "x", TitleEN: "x"}); qms.KindOf(err) != qms.ErrInvalid {
		t.Fatalf("clause 11: %v", err)
	}
	// A later audit copies the edited question.
	a := f.plan(t)
	found := false
	for _, it := range a.Items {
		if it.Clause == "7.2" && it.Question == "Có kế hoạch đào tạo năm không?" {
			found = true
		}
	}
	if !found {
		t.Fatal("the edited question is not in the new checklist")
	}
}

func TestPlanAuditImpartialityAndBadInput(t *testing.T) {
	f := newFixture(t)
	a := f.plan(t)
	year := f.now.Year()
	if a.Number != fmt.Sprintf("IA-%d-01", year) || a.Status != internalaudit.StatusPlanned || len(a.Team) != 2 || !a.Team[0].Lead {
		t.Fatalf("audit = %+v", a)
	}
	var iso, own int
	for _, it := range a.Items {
		if it.Source == "iso" {
			iso++
		} else {
			own++
		}
	}
	if iso < 35 || own != 1 {
		t.Fatalf("checklist: %d iso, %d own", iso, own)
	}
	// Scoped to clauses 7.5 and 9: only their sub-clauses.
	b, err := f.audits.Create(f.as("coord"), internalaudit.Plan{Title: "Kiểm soát tài liệu", Units: []string{"land", "justice"},
		Clauses: []string{"7.5", "9.2"}, Start: f.day(1), End: f.day(1), Lead: "huong"})
	if err != nil {
		t.Fatal(err)
	}
	var clauses []string
	for _, it := range b.Items {
		clauses = append(clauses, it.Clause)
	}
	if strings.Join(clauses, ",") != "7.5.1,7.5.2,7.5.3,9.2" {
		t.Fatalf("scoped checklist %v", clauses)
	}

	base := internalaudit.Plan{Title: "t", Units: []string{"land"}, Start: f.day(0), End: f.day(1), Lead: "huong"}
	with := func(m func(p *internalaudit.Plan)) internalaudit.Plan { p := base; m(&p); return p }
	cases := []struct {
		name  string
		login string
		plan  internalaudit.Plan
		kind  error
		msg   string
	}{
		{"own unit lead", "coord", with(func(p *internalaudit.Plan) { p.Lead = "binh" }), qms.ErrInvalid, "impartiality: binh belongs to unit land"},
		{"own unit member", "coord", with(func(p *internalaudit.Plan) { p.Units = []string{"land", "finance"} }), qms.ErrInvalid, "impartiality: huong belongs to unit finance"},
		{"not an auditor", "coord", with(func(p *internalaudit.Plan) { p.Team = []string{"fin"} }), qms.ErrInvalid, "fin is not an internal auditor"},
		{"unknown login", "coord", with(func(p *internalaudit.Plan) { p.Team = []string{"ghost"} }), qms.ErrInvalid, "ghost"},
		{"staff plans", "lan", base, qms.ErrForbidden, ""},
		{"auditor plans", "huong", base, qms.ErrForbidden, ""},
		{"whole organisation with unit-bound auditors", "coord", with(func(p *internalaudit.Plan) { p.Units = nil }), qms.ErrInvalid, "impartiality: huong belongs to unit finance"},
		{"bad unit", "coord", with(func(p *internalaudit.Plan) { p.Units = []string{"Land Office"} }), qms.ErrInvalid, "units"},
		{"end before start", "coord", with(func(p *internalaudit.Plan) { p.Start, p.End = f.day(3), f.day(1) }), qms.ErrInvalid, "planned_end"},
		{"bad date", "coord", with(func(p *internalaudit.Plan) { p.Start = "30/02/2026" }), qms.ErrInvalid, "planned_start"},
		{"too long", "coord", with(func(p *internalaudit.Plan) { p.End = f.day(200) }), qms.ErrInvalid, "planned_end"},
		{"bad clause", "coord", with(func(p *internalaudit.Plan) { p.Clauses = []string{"3.1"} }), qms.ErrInvalid, "clauses"},
		{"no lead", "coord", with(func(p *internalaudit.Plan) { p.Lead = "" }), qms.ErrInvalid, "lead_auditor"},
		{"no title", "coord", with(func(p *internalaudit.Plan) { p.Title = "" }), qms.ErrInvalid, "title"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.audits.Create(f.as(c.login), c.plan)
			kind(t, err, c.kind)
			if c.msg != "" && !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("message %q lacks %q", err.Error(), c.msg)
			}
		})
	}
	var n int
	_ = f.env.DB.Get(&n, `SELECT count(*) FROM audits`)
	if n != 2 {
		t.Fatalf("%d audits after refusals", n)
	}
	// Scoped by clauses only: the whole organisation, led by an auditor of
	// no unit.
	org, err := f.audits.Create(f.as("coord"), internalaudit.Plan{Title: "Đánh giá điều 7.5 toàn cơ quan", Clauses: []string{"7.5"},
		Processes: "Kiểm soát thông tin dạng văn bản", Start: f.day(3), End: f.day(4), Lead: "ext"})
	if err != nil || strings.Join(org.Units, ",") != "finance,justice,land" {
		t.Fatalf("organisation-wide audit: %+v %v", org.Units, err)
	}
	if _, err := f.audits.Create(f.as("huong"), internalaudit.Plan{Title: "x", Start: f.day(3), End: f.day(4), Lead: "ext"}); qms.KindOf(err) != qms.ErrForbidden {
		t.Fatalf("auditor plans an organisation-wide audit: %v", err)
	}
	// The programme: the coordinator sees both; land's staff none; the
	// auditor the ones they are on.
	for login, want := range map[string]int{"coord": 3, "lan": 0, "huong": 3, "duc": 3, "fin": 0, "ext": 3} {
		p, err := f.audits.Programme(f.as(login), year)
		if err != nil || len(p) != want {
			t.Errorf("%s sees %d audits (%v), want %d", login, len(p), err, want)
		}
	}
	if _, err := f.audits.Get(f.as("lan"), a.ID); qms.KindOf(err) != qms.ErrNotFound {
		t.Fatalf("staff reads audit: %v", err)
	}
}

func TestAuditNumbersGapFreeUnderConcurrency(t *testing.T) {
	f := newFixture(t)
	const n = 12
	var wg sync.WaitGroup
	numbers := make([]string, n)
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			a, err := f.audits.Create(f.as("coord"), internalaudit.Plan{Title: fmt.Sprintf("Audit %d", i), Units: []string{"land"},
				Start: f.day(5), End: f.day(6), Lead: "huong"})
			numbers[i], errs[i] = a.Number, err
		}(i)
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(numbers)
	year := f.now.AddDate(0, 0, 5).Year()
	for i, got := range numbers {
		if want := fmt.Sprintf("IA-%d-%02d", year, i+1); got != want {
			t.Fatalf("numbers %v", numbers)
		}
	}
}

func TestFindingsWindowReportAndEvidenceAccess(t *testing.T) {
	f := newFixture(t)
	a := f.plan(t)
	// Evidence of the audited unit, filed by its staff.
	rec, err := f.records.Create(f.as("lan"), record.NewRecord{Type: "filled-form", Unit: "land", Title: "Sổ theo dõi hồ sơ",
		Date: f.day(0), Clauses: []string{"8.5"}, File: pdf("so.pdf", "so theo doi")})
	if err != nil {
		t.Fatal(err)
	}
	other, err := f.records.Create(f.as("fin"), record.NewRecord{Type: "filled-form", Unit: "finance", Title: "Chứng từ",
		Date: f.day(0), File: pdf("c.pdf", "c")})
	if err != nil {
		t.Fatal(err)
	}
	// The justice auditor reads land's records during the window only.
	if _, err := f.records.Get(f.as("duc"), rec.ID); err != nil {
		t.Fatalf("auditor in window: %v", err)
	}
	if _, err := f.records.Get(f.as("duc"), other.ID); qms.KindOf(err) != qms.ErrNotFound {
		t.Fatalf("auditor outside scope: %v", err)
	}
	item := a.Items[len(a.Items)-1].ID
	var iso7 string
	for _, it := range a.Items {
		if it.Clause == "7.5.3" {
			iso7 = it.ID
		}
	}
	good := internalaudit.NewFinding{ItemID: iso7, Kind: "nonconformity", Severity: "minor",
		Description: "Hồ sơ lưu trữ chưa đúng quy định", Evidence: []string{"record:" + rec.ID}}
	cases := []struct {
		name  string
		login string
		in    internalaudit.NewFinding
		kind  error
	}{
		{"outsider", "lan", good, qms.ErrNotFound},
		{"coordinator not on team", "coord", good, qms.ErrForbidden},
		{"no severity", "huong", internalaudit.NewFinding{ItemID: iso7, Kind: "nonconformity", Description: "x"}, qms.ErrInvalid},
		{"bad kind", "huong", internalaudit.NewFinding{ItemID: iso7, Kind: "fatal", Description: "x"}, qms.ErrInvalid},
		{"foreign item", "huong", internalaudit.NewFinding{ItemID: "00000000-0000-4000-8000-000000000000", Kind: "ofi", Description: "x"}, qms.ErrInvalid},
		{"unit outside", "huong", internalaudit.NewFinding{ItemID: iso7, Unit: "finance", Kind: "ofi", Description: "x"}, qms.ErrInvalid},
		{"no description", "huong", internalaudit.NewFinding{ItemID: iso7, Kind: "ofi"}, qms.ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.audits.AddFinding(f.as(c.login), a.ID, c.in)
			kind(t, err, c.kind)
		})
	}
	nc, err := f.audits.AddFinding(f.as("duc"), a.ID, good)
	if err != nil || nc.Unit != "land" || nc.Clause != "7.5.3" || nc.NCID != "" || len(nc.Evidence) != 1 {
		t.Fatalf("nc finding: %+v %v", nc, err)
	}
	if _, err := f.audits.AddFinding(f.as("huong"), a.ID, internalaudit.NewFinding{ItemID: item, Kind: "conformity", Description: "Sổ cập nhật đầy đủ"}); err != nil {
		t.Fatal(err)
	}
	// Evidence review: marks only, inside the audited units.
	if _, err := f.audits.Review(f.as("duc"), internalaudit.NewReview{AuditID: a.ID, ObjectType: "record", ObjectID: rec.ID, Comment: "Đã xem, khớp sổ"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.audits.Review(f.as("duc"), internalaudit.NewReview{AuditID: a.ID, ObjectType: "record", ObjectID: rec.ID, Comment: "Đã xem lại"}); err != nil {
		t.Fatal(err)
	}
	// Evidence outside the audited units is "not found", as an id that names
	// nothing: probing ids tells nothing of other units.
	if _, err := f.audits.Review(f.as("duc"), internalaudit.NewReview{AuditID: a.ID, ObjectType: "record", ObjectID: other.ID, Comment: "x"}); qms.KindOf(err) != qms.ErrNotFound ||
		qms.Message(err) != "record "+other.ID+" not found" {
		t.Fatalf("review outside scope: %v", err)
	}
	// So is a draft of the audited unit, which the team does not see.
	var draftDoc, draftRev string
	if err := f.env.DB.Get(&draftDoc, `INSERT INTO documents (code, code_key, title, title_key, type, unit, review_months, created_by)
		VALUES ('QT-99', 'QT-99', 'Dự thảo', 'du thao', 'procedure', 'land', 12, $1) RETURNING id`, f.users["lan"].UserID); err != nil {
		t.Fatal(err)
	}
	if err := f.env.DB.Get(&draftRev, `INSERT INTO revisions (document_id, issue, change, created_by) VALUES ($1, 1, 'x', $2) RETURNING id`,
		draftDoc, f.users["lan"].UserID); err != nil {
		t.Fatal(err)
	}
	for _, ref := range [][2]string{{"document", draftDoc}, {"document", "QT-99"}, {"revision", draftRev}} {
		_, err := f.audits.Review(f.as("duc"), internalaudit.NewReview{AuditID: a.ID, ObjectType: ref[0], ObjectID: ref[1]})
		if qms.KindOf(err) != qms.ErrNotFound || qms.Message(err) != ref[0]+" "+ref[1]+" not found" {
			t.Fatalf("review of a draft %s: %v", ref[0], err)
		}
	}
	if _, err := f.audits.Review(f.as("lan"), internalaudit.NewReview{AuditID: a.ID, ObjectType: "record", ObjectID: rec.ID, Comment: "x"}); qms.KindOf(err) != qms.ErrNotFound {
		t.Fatalf("review by outsider: %v", err)
	}
	missing := "00000000-0000-4000-8000-000000000009"
	if _, err := f.audits.Review(f.as("duc"), internalaudit.NewReview{AuditID: a.ID, ObjectType: "record", ObjectID: missing}); qms.KindOf(err) != qms.ErrNotFound ||
		qms.Message(err) != "record "+missing+" not found" {
		t.Fatalf("review of a missing record: %v", err)
	}
	if _, err := f.audits.Review(f.as("duc"), internalaudit.NewReview{AuditID: a.ID, ObjectType: "spreadsheet", ObjectID: "1", Comment: "x"}); qms.KindOf(err) != qms.ErrInvalid {
		t.Fatalf("bad type: %v", err)
	}
	rs, err := f.audits.Reviews(f.as("coord"), a.ID)
	if err != nil || len(rs) != 1 || rs[0].Comment != "Đã xem lại" || rs[0].ReviewerLogin != "duc" {
		t.Fatalf("reviews %+v %v", rs, err)
	}

	// Outside the window: no findings, no access to the unit's records.
	saved := f.now
	f.now = saved.AddDate(0, 0, 10)
	if _, err := f.audits.AddFinding(f.as("huong"), a.ID, good); qms.KindOf(err) != qms.ErrState {
		t.Fatalf("finding after window: %v", err)
	}
	if _, err := f.records.Get(f.as("duc"), rec.ID); qms.KindOf(err) != qms.ErrNotFound {
		t.Fatalf("auditor after window: %v", err)
	}
	f.now = saved

	// The report: by the lead, filed as an audit-report record (PDF). The
	// lead and the coordinator click at once: one report, one record.
	if _, err := f.audits.IssueReport(f.as("duc"), a.ID, "vi"); qms.KindOf(err) != qms.ErrForbidden {
		t.Fatalf("member issues report: %v", err)
	}
	var wg sync.WaitGroup
	results := make([]internalaudit.Audit, 4)
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			who := "huong"
			if i%2 == 1 {
				who = "coord"
			}
			results[i], errs[i] = f.audits.IssueReport(f.as(who), a.ID, "vi")
		}(i)
	}
	wg.Wait()
	var done internalaudit.Audit
	wins := 0
	for i, err := range errs {
		if err == nil {
			wins++
			done = results[i]
		} else if qms.KindOf(err) != qms.ErrState {
			t.Fatalf("loser: %v", err)
		}
	}
	if wins != 1 || done.Status != internalaudit.StatusReported || done.ReportRecord == "" {
		t.Fatalf("%d reports issued: %+v", wins, done)
	}
	var reports int
	_ = f.env.DB.Get(&reports, `SELECT count(*) FROM records WHERE type_code = 'audit-report' AND link_audit = $1`, a.ID)
	if reports != 1 {
		t.Fatalf("%d report records filed", reports)
	}
	r, err := f.records.Get(f.as("coord"), done.ReportRecord)
	if err != nil || r.Type != "audit-report" || r.Links.Audit != a.ID || r.Mode != record.ModeCompliance || r.Versions[0].MediaType != "application/pdf" {
		t.Fatalf("report record %+v %v", r, err)
	}
	rc, _, _, err := f.records.Open(f.as("coord"), r.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	head := make([]byte, 5)
	_, _ = io.ReadFull(rc, head)
	rc.Close()
	if string(head) != "%PDF-" {
		t.Fatalf("report file starts %q", head)
	}
	if _, err := f.audits.IssueReport(f.as("coord"), a.ID, "vi"); qms.KindOf(err) != qms.ErrState {
		t.Fatalf("second report: %v", err)
	}
	if _, err := f.audits.AddFinding(f.as("huong"), a.ID, good); qms.KindOf(err) != qms.ErrState {
		t.Fatalf("finding after report: %v", err)
	}
	var actions []string
	_ = f.env.DB.Select(&actions, `SELECT action FROM trail WHERE object_type = 'audit' AND object_id = $1 ORDER BY seq`, a.ID)
	if strings.Join(actions, ",") != "audit.plan,audit.finding,audit.finding,audit.report" {
		t.Fatalf("trail %v", actions)
	}
}

// TestAuditDaysAreInTheOfficeZone plans an audit for New Year's Day with
// the clock at 20:00 UTC on 31 December, already 1 January in the office:
// the audit is numbered in the new year and its window is open.
func TestAuditDaysAreInTheOfficeZone(t *testing.T) {
	f := newFixture(t)
	y := f.now.Year()
	f.now = time.Date(y, 12, 31, 20, 0, 0, 0, time.UTC)
	newYear := fmt.Sprintf("01/01/%d", y+1)
	a, err := f.audits.Create(f.as("coord"), internalaudit.Plan{Title: "Đánh giá đầu năm", Units: []string{"land"},
		Start: newYear, End: newYear, Lead: "huong"})
	if err != nil {
		t.Fatal(err)
	}
	if a.Number != fmt.Sprintf("IA-%d-01", y+1) || f.audits.Year() != y+1 {
		t.Fatalf("number %s, year %d", a.Number, f.audits.Year())
	}
	if p := f.audits.PermissionsOf(f.as("huong"), a); !p.InWindow || !p.Find {
		t.Fatalf("permissions of the lead on the day: %+v", p)
	}
	if _, err := f.audits.AddFinding(f.as("huong"), a.ID, internalaudit.NewFinding{ItemID: a.Items[0].ID, Kind: "conformity",
		Description: "Đạt"}); err != nil {
		t.Fatalf("finding on the day: %v", err)
	}
	mine, err := f.audits.MyAudits(f.as("huong"))
	if err != nil || len(mine) != 1 {
		t.Fatalf("my audits %d %v", len(mine), err)
	}
}

func TestLinesFromJSONAndForms(t *testing.T) {
	var p internalaudit.Plan
	if err := json.Unmarshal([]byte(`{"questions": ["Một, hai?", "Ba?"]}`), &p); err != nil || len(p.Questions) != 2 || p.Questions[0] != "Một, hai?" {
		t.Fatalf("list: %q %v", p.Questions, err)
	}
	if err := json.Unmarshal([]byte(`{"questions": "Một?\n\n Hai? "}`), &p); err != nil || strings.Join(p.Questions, "|") != "Một?|Hai?" {
		t.Fatalf("text: %q %v", p.Questions, err)
	}
	var ute *json.UnmarshalTypeError
	if err := json.Unmarshal([]byte(`{"questions": 5}`), &p); !errors.As(err, &ute) || ute.Field != "questions" {
		t.Fatalf("number: %v", err)
	}
}

// TestImpartialityAtEveryActAndInTheWindow: the lead of an audit of land who
// is given a role in land after the audit was planned may not record
// findings, add questions, mark evidence reviewed or issue the report, and
// the audit window no longer reaches land for them; each refusal names the
// role and the unit and stores nothing. The other member, impartial, acts
// on. Taking the role away restores both.
func TestImpartialityAtEveryActAndInTheWindow(t *testing.T) {
	f := newFixture(t)
	a := f.plan(t) // land, lead huong (finance), member duc (justice)
	rec, err := f.records.Create(f.as("lan"), record.NewRecord{Type: "filled-form", Unit: "land", Title: "Sổ theo dõi hồ sơ",
		Date: f.day(0), File: pdf("so.pdf", "so")})
	if err != nil {
		t.Fatal(err)
	}
	item := a.Items[0].ID
	finding := internalaudit.NewFinding{ItemID: item, Kind: internalaudit.KindObservation, Description: "Sổ chưa ký"}
	if _, err := f.audits.AddFinding(f.as("huong"), a.ID, finding); err != nil {
		t.Fatal(err)
	}
	// Given after planning, as an administrator would: a role in land.
	huong := f.users["huong"].UserID
	if _, err := f.env.DB.Exec(`INSERT INTO role_assignments (user_id, role, unit) VALUES ($1, 'head', 'land')`, huong); err != nil {
		t.Fatal(err)
	}
	count := func() string {
		var n [4]int
		for i, tb := range []string{"audit_findings", "audit_items", "evidence_reviews", "trail"} {
			if err := f.env.DB.Get(&n[i], `SELECT count(*) FROM `+tb); err != nil {
				t.Fatal(err)
			}
		}
		return fmt.Sprint(n)
	}
	before := count()
	acts := map[string]func(ctx context.Context) error{
		"finding": func(ctx context.Context) error { _, err := f.audits.AddFinding(ctx, a.ID, finding); return err },
		"question": func(ctx context.Context) error {
			_, err := f.audits.AddQuestion(ctx, a.ID, internalaudit.NewQuestion{Question: "Có sổ ký nhận không?"})
			return err
		},
		"review": func(ctx context.Context) error {
			_, err := f.audits.Review(ctx, internalaudit.NewReview{AuditID: a.ID, ObjectType: "record", ObjectID: rec.ID})
			return err
		},
	}
	const want = "impartiality: you hold the role head in unit land, which this audit covers, so you may not act on its team"
	for name, act := range acts {
		err := act(f.as("huong"))
		if qms.KindOf(err) != qms.ErrForbidden || err.Error() != want {
			t.Errorf("%s by the lead who now heads land: %v", name, err)
		}
	}
	if _, err := f.audits.IssueReport(f.as("huong"), a.ID, "vi"); qms.KindOf(err) != qms.ErrForbidden || err.Error() != want {
		t.Errorf("report by the lead who now heads land: %v", err)
	}
	if got := count(); got != before {
		t.Fatalf("refused acts stored something: %s, before %s", got, before)
	}
	if err := f.audits.Impartial(f.as("huong"), a.Units); err == nil || err.Error() != want {
		t.Errorf("Impartial: %v", err)
	}
	// The window no longer reaches land (Casbin was loaded before the
	// grant, so the record could only be read through the window).
	units, err := f.audits.AuditedUnits(context.Background(), huong, f.now)
	if err != nil || len(units) != 0 {
		t.Errorf("window of the barred lead: %v %v", units, err)
	}
	if _, err := f.records.Get(f.as("huong"), rec.ID); qms.KindOf(err) != qms.ErrNotFound {
		t.Errorf("the barred lead reads land's record through the window: %v", err)
	}
	p := f.audits.PermissionsOf(f.as("huong"), a)
	if p.Find || p.Review || p.Ask || p.Report || p.Barred == nil || !p.OnTeam {
		t.Errorf("permissions of the barred lead: %+v", p)
	}
	// The other member is impartial and acts on.
	for name, act := range acts {
		if err := act(f.as("duc")); err != nil {
			t.Errorf("%s by the impartial member: %v", name, err)
		}
	}

	if _, err := f.env.DB.Exec(`DELETE FROM role_assignments WHERE user_id = $1 AND unit = 'land'`, huong); err != nil {
		t.Fatal(err)
	}
	for name, act := range acts {
		if err := act(f.as("huong")); err != nil {
			t.Errorf("%s once the role is gone: %v", name, err)
		}
	}
	if units, err := f.audits.AuditedUnits(context.Background(), huong, f.now); err != nil || strings.Join(units, ",") != "land" {
		t.Errorf("window once the role is gone: %v %v", units, err)
	}
	if _, err := f.audits.IssueReport(f.as("huong"), a.ID, "vi"); err != nil {
		t.Errorf("report once the role is gone: %v", err)
	}
}

// TestAuditWindowPinned pins the audit's window to the office's midnights,
// one minute either side: an audit planned for one day takes findings from
// 00:00 to 24:00 of that day in the office, whatever UTC says.
func TestAuditWindowPinned(t *testing.T) {
	f := newFixture(t)
	d := f.now.AddDate(0, 0, 1)
	a, err := f.audits.Create(f.as("coord"), internalaudit.Plan{Title: "Đánh giá một ngày", Units: []string{"land"},
		Start: f.day(1), End: f.day(1), Lead: "huong"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	end := start.AddDate(0, 0, 1)
	refusal := fmt.Sprintf("findings are recorded during the audit (%s to %s)", d.Format("02/01/2006"), d.Format("02/01/2006"))
	for _, c := range []struct {
		name string
		at   time.Time
		in   bool
	}{
		{"a minute before the first day", start.Add(-time.Minute), false},
		{"a minute into the first day", start.Add(time.Minute), true},
		{"a minute before the last day ends", end.Add(-time.Minute), true},
		{"a minute after the last day", end.Add(time.Minute), false},
	} {
		f.now = c.at
		if p := f.audits.PermissionsOf(f.as("huong"), a); p.InWindow != c.in {
			t.Errorf("%s: in window %v, want %v", c.name, p.InWindow, c.in)
		}
		_, err := f.audits.AddFinding(f.as("huong"), a.ID, internalaudit.NewFinding{ItemID: a.Items[0].ID, Kind: "conformity", Description: "Đạt"})
		switch {
		case c.in && err != nil:
			t.Errorf("%s: finding refused: %v", c.name, err)
		case !c.in && (qms.KindOf(err) != qms.ErrState || !strings.Contains(err.Error(), refusal)):
			t.Errorf("%s: want %q, got %v", c.name, refusal, err)
		}
	}
}
