package process_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

var hcm, _ = time.LoadLocation("Asia/Ho_Chi_Minh")

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, hcm)
	if err != nil {
		panic(err)
	}
	return t
}

// fakeNC stands in for the nonconformity capability (another package,
// wired in main); it records what it was asked to raise.
type fakeNC struct {
	mu   sync.Mutex
	got  []process.LateDossierNC
	fail bool
}

func (f *fakeNC) RaiseLateDossier(ctx context.Context, in process.LateDossierNC) (string, string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return "", "", qms.Errorf(qms.ErrInvalid, "nc refused")
	}
	f.got = append(f.got, in)
	return fmt.Sprintf("nc-%d", len(f.got)), fmt.Sprintf("NC-2026-%04d", len(f.got)), nil
}

// fakeDirectives stands in for the leadership capability.
type fakeDirectives struct {
	byUnit map[string]process.DirectiveCount
}

func (f *fakeDirectives) DirectivesByUnit(context.Context) (map[string]process.DirectiveCount, error) {
	return f.byUnit, nil
}

func (f *fakeDirectives) DirectiveStates(context.Context) (map[string]int, error) {
	return map[string]int{"open": 3, "overdue": 1}, nil
}

type fixture struct {
	db    *sqlx.DB
	p     *process.Service
	nc    *fakeNC
	dirs  *fakeDirectives
	now   time.Time
	users map[string]qms.Actor
}

func (f *fixture) as(login string) context.Context {
	return qms.WithActor(context.Background(), f.users[login])
}

func setup(t *testing.T) *fixture {
	t.Helper()
	env := testenv.New(t)
	f := &fixture{db: env.DB, nc: &fakeNC{}, dirs: &fakeDirectives{}, now: at("2026-11-26 10:00"), users: map[string]qms.Actor{}}
	f.users = testenv.People(t, env.DB, [][3]string{
		{"land", "Văn phòng Đăng ký đất đai", "Land registration office"}, {"justice", "Phòng Tư pháp", "Justice office"}, {"home", "Phòng Nội vụ", "Home affairs"},
	}, [][3]string{
		{"coord", "coordinator", "*"}, {"chair", "head", "*"}, {"landhead", "head", "land"}, {"landstaff", "staff", "land"}, {"jstaff", "staff", "justice"}, {"aud", "auditor", "*"},
	})
	enf, err := authz.New(env.DB)
	if err != nil {
		t.Fatal(err)
	}
	f.p = process.New(postgres.NewProcessStore(env.DB), enf, process.Options{Now: func() time.Time { return f.now }, Location: hcm, NC: f.nc, Directives: f.dirs})
	for _, s := range []process.Procedure{
		{Code: "DD-01", NameVI: "Đăng ký biến động đất đai", NameEN: "Land change registration", Field: "land", Unit: "land", Days: 10,
			Steps: []process.Step{{Code: "receive", Days: 1}, {Code: "process", Days: 7}, {Code: "approve", Days: 2}}},
		{Code: "HT-01", NameVI: "Đăng ký khai sinh", NameEN: "Birth registration", Field: "civil_status", Unit: "justice", Days: 1},
	} {
		if _, err := f.p.SaveProcedure(f.as("coord"), s, true); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestServicesAndCalendar(t *testing.T) {
	f := setup(t)
	list, err := f.p.Procedures(f.as("landstaff"))
	if err != nil || len(list) != 1 || list[0].Code != "DD-01" || len(list[0].Steps) != 3 {
		t.Fatalf("land staff sees %+v %v", list, err)
	}
	if _, err := f.p.SaveProcedure(f.as("landhead"), process.Procedure{Code: "DD-02", NameVI: "x", Field: "land", Unit: "land", Days: 3}, true); !errors.Is(err, qms.ErrForbidden) {
		t.Fatalf("head creating a service: %v", err)
	}
	if _, err := f.p.SaveProcedure(f.as("coord"), process.Procedure{Code: "DD-01", NameVI: "x", Field: "land", Unit: "land", Days: 3}, true); !errors.Is(err, qms.ErrConflict) {
		t.Fatalf("duplicate code: %v", err)
	}
	if _, err := f.p.SaveProcedure(f.as("coord"), process.Procedure{Code: "bad code", NameVI: "", Field: "Land!", Unit: "land", Days: -1}, true); !errors.Is(err, qms.ErrInvalid) {
		t.Fatalf("invalid service: %v", err)
	}
	cy, err := f.p.CalendarYear(f.as("landstaff"), 2027)
	if err != nil || len(cy.Days) != 11 || cy.Settings.LateMode != "auto" {
		t.Fatalf("2027 calendar %+v %v", cy, err)
	}
	cy.Days = append(cy.Days, workday.Day{Date: workday.Date{Year: 2027, Month: 9, Day: 4}, Kind: "workday", Name: "làm bù"})
	cy.Settings.LateMode = "triage"
	if _, err := f.p.SaveCalendarYear(f.as("landhead"), cy); !errors.Is(err, qms.ErrForbidden) {
		t.Fatalf("head editing the calendar: %v", err)
	}
	got, err := f.p.SaveCalendarYear(f.as("coord"), cy)
	if err != nil || len(got.Days) != 12 || got.Settings.LateMode != "triage" {
		t.Fatalf("saved %+v %v", got, err)
	}
	bad := cy
	bad.Days = append([]workday.Day{}, cy.Days...)
	bad.Days = append(bad.Days, workday.Day{Date: workday.Date{Year: 2028, Month: 1, Day: 3}, Kind: "holiday"})
	if _, err := f.p.SaveCalendarYear(f.as("coord"), bad); !errors.Is(err, qms.ErrInvalid) {
		t.Fatalf("day of another year: %v", err)
	}
}

func TestDossierEventsIdempotentAndOutOfOrder(t *testing.T) {
	f := setup(t)
	ctx := f.as("landstaff")
	d, created, err := f.p.CreateDossier(ctx, process.NewDossier{Number: "000.00.01.H01-261102-0001", Service: "DD-01", Channel: "online", ApplicantRef: "A-17", ReceivedAt: at("2026-11-02 09:00")})
	if err != nil || !created {
		t.Fatalf("create %v %v", created, err)
	}
	if want := at("2026-11-16 09:00"); !d.DueAt.Equal(want) {
		t.Fatalf("due %s", d.DueAt.In(hcm))
	}
	// The same receipt again is idempotent; a different one under the number conflicts.
	if _, created, err := f.p.CreateDossier(ctx, process.NewDossier{Number: d.Number, Service: "DD-01", Channel: "online", ApplicantRef: "A-17", ReceivedAt: at("2026-11-02 09:00")}); err != nil || created {
		t.Fatalf("repeat: %v %v", created, err)
	}
	if _, _, err := f.p.CreateDossier(ctx, process.NewDossier{Number: d.Number, Service: "DD-01", Channel: "postal", ReceivedAt: at("2026-11-03 09:00")}); !errors.Is(err, qms.ErrConflict) {
		t.Fatalf("conflicting repeat: %v", err)
	}
	// Justice staff may not write land dossiers.
	if _, _, err := f.p.CreateDossier(f.as("jstaff"), process.NewDossier{Number: "X1", Service: "DD-01", Channel: "online", ReceivedAt: at("2026-11-02 09:00")}); !errors.Is(err, qms.ErrForbidden) {
		t.Fatalf("other unit: %v", err)
	}
	ret := process.Event{EventID: "ev-3", Type: process.EventReturned, At: at("2026-11-25 15:00"), Result: process.ResultGranted}
	d, dup, err := f.p.AddEvent(ctx, d.Number, ret)
	if err != nil || dup || d.Outcome != "late" {
		t.Fatalf("return first: %v %v %s", err, dup, d.Outcome)
	}
	// Returned late: its nonconformity is raised at once (auto mode).
	if len(f.nc.got) != 1 || f.nc.got[0].Number != d.Number {
		t.Fatalf("late event raised %+v", f.nc.got)
	}
	if got, _ := f.p.GetDossier(ctx, d.Number); got.NC == nil || got.NC.State != process.LateRaised {
		t.Fatalf("late record %+v", got.NC)
	}
	// Pushed late, events that happened before the return.
	if _, _, err := f.p.AddEvent(ctx, d.Number, process.Event{EventID: "ev-1", Type: process.EventSupplementRequested, At: at("2026-11-04 10:00"), Reason: "thiếu bản vẽ"}); err != nil {
		t.Fatal(err)
	}
	d, _, err = f.p.AddEvent(ctx, d.Number, process.Event{EventID: "ev-2", Type: process.EventResubmitted, At: at("2026-11-12 14:00")})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != process.StatusReturned || d.Outcome != "early" || d.Supplements != 1 || !d.DueAt.Equal(at("2026-11-26 14:00")) || len(d.Events) != 3 {
		t.Fatalf("after reordering: %s %s %d %s %d", d.Status, d.Outcome, d.Supplements, d.DueAt.In(hcm), len(d.Events))
	}
	// The same event id again changes nothing.
	d2, dup, err := f.p.AddEvent(ctx, d.Number, process.Event{EventID: "ev-2", Type: process.EventResubmitted, At: at("2026-11-12 14:00")})
	if err != nil || !dup || len(d2.Events) != 3 {
		t.Fatalf("duplicate: %v %v %d", err, dup, len(d2.Events))
	}
	// An event after the return makes the history impossible: refused, not stored.
	if _, _, err := f.p.AddEvent(ctx, d.Number, process.Event{EventID: "ev-9", Type: process.EventWithdrawn, At: at("2026-11-25 16:00")}); !errors.Is(err, qms.ErrState) {
		t.Fatalf("after return: %v", err)
	}
	for _, bad := range []process.Event{
		{EventID: "", Type: process.EventWithdrawn, At: at("2026-11-05 10:00")},
		{EventID: "x1", Type: "teleported", At: at("2026-11-05 10:00")},
		{EventID: "x2", Type: process.EventReturned, At: at("2026-11-05 10:00"), Result: "maybe"},
		{EventID: "x3", Type: process.EventReturned, At: at("2026-11-05 10:00"), Result: "refused"},
		{EventID: "x4", Type: process.EventExtended, At: at("2026-11-05 10:00"), Reason: "x"},
		{EventID: "x5", Type: process.EventWithdrawn, At: at("2027-11-05 10:00")},
	} {
		if _, _, err := f.p.AddEvent(ctx, d.Number, bad); !errors.Is(err, qms.ErrInvalid) {
			t.Errorf("%+v: %v", bad, err)
		}
	}
	// An event for a dossier not recorded yet is kept for its receipt.
	if p, _, err := f.p.AddEvent(ctx, "NO-SUCH", process.Event{EventID: "a", Type: process.EventWithdrawn, At: at("2026-11-05 10:00")}); err != nil || !p.Pending {
		t.Fatalf("unknown dossier: %+v %v", p, err)
	}
	// The summary counts the dossier once, by its final outcome.
	k, err := f.p.KPIs(f.as("coord"), process.KPIQuery{From: workday.Date{Year: 2026, Month: 11, Day: 1}, To: workday.Date{Year: 2026, Month: 11, Day: 30}})
	if err != nil || len(k) != 1 || k[0].Received != 1 || k[0].Returned != 1 || k[0].Early != 1 || k[0].Late != 0 || k[0].Online != 1 {
		t.Fatalf("kpis %+v %v", k, err)
	}
	assertStatsExact(t, f.db)
}

func TestConcurrentEventsOneWinner(t *testing.T) {
	f := setup(t)
	ctx := f.as("landstaff")
	d, _, err := f.p.CreateDossier(ctx, process.NewDossier{Number: "C-1", Service: "DD-01", Channel: "in_person", ReceivedAt: at("2026-11-02 09:00")})
	if err != nil {
		t.Fatal(err)
	}
	// Ten pushes of the same event id and ten different extensions: the
	// event is stored once, and only one extension survives.
	var wg sync.WaitGroup
	var mu sync.Mutex
	errs := map[string]int{}
	for i := 0; i < 10; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, _, err := f.p.AddEvent(ctx, d.Number, process.Event{EventID: "same", Type: process.EventHandedOver, At: at("2026-11-03 09:00"), Step: "process"})
			mu.Lock()
			errs[fmt.Sprint("same:", qms.KindOf(err))]++
			mu.Unlock()
		}()
		go func(i int) {
			defer wg.Done()
			nd := at("2026-11-20 17:00").Add(time.Duration(i) * time.Hour)
			_, _, err := f.p.AddEvent(ctx, d.Number, process.Event{EventID: fmt.Sprint("ext-", i), Type: process.EventExtended, At: at("2026-11-13 09:00"), NewDueAt: &nd, Reason: "khảo sát thực địa"})
			mu.Lock()
			errs[fmt.Sprint("ext:", qms.KindOf(err))]++
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	got, err := f.p.GetDossier(ctx, d.Number)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Events) != 2 || errs["same:<nil>"] != 10 || errs["ext:<nil>"] != 1 || errs["ext:state"] != 9 {
		t.Fatalf("events %d, outcomes %v", len(got.Events), errs)
	}
	assertStatsExact(t, f.db)
}

const importCSV = "Số hồ sơ;Mã thủ tục;Hình thức;Ngày tiếp nhận;Ngày trả kết quả;Kết quả;Lý do\n" +
	"L-001;DD-01;trực tuyến;02/11/2026 09:00;10/11/2026 10:00;granted;\n" +
	"L-002;DD-01;trực tiếp;02/11/2026 09:00;20/11/2026 10:00;granted;\n" + // late (due 16/11)
	"L-003;DD-01;bưu chính;03/11/2026 18:30;;;\n" + // after hours, still open: due 18/11 07:30, overdue at 26/11
	"L-004;HT-01;online;2026-11-23 08:00;2026-11-23 16:00;từ chối;thiếu giấy tờ\n" +
	"L-002;DD-01;online;02/11/2026 09:00;;;\n" + // duplicate in file
	"L-005;XX-99;online;02/11/2026 09:00;;;\n" + // unknown service
	"L-006;DD-01;fax;02/11/2026 09:00;;;\n" + // unknown channel
	"L-007;DD-01;online;31/02/2026 09:00;;;\n" + // no such date
	"L-008;DD-01;online;02/11/2026 09:00;10/11/2026 10:00;;\n" + // returned without result
	";DD-01;online;02/11/2026 09:00;;;\n" + // no number
	"L-009;DD-01;online;02/11/2026 09:00;01/11/2026 10:00;granted;\n" + // returned before receipt
	"L-010;HT-01;online;2027-01-05 08:00;;;\n" // in the future

func TestImport(t *testing.T) {
	f := setup(t)
	ctx := f.as("coord")
	rep, err := f.p.Import(ctx, strings.NewReader(importCSV), process.ImportOptions{Filename: "nov.csv"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total != 12 || rep.Inserted != 4 || rep.Rejected != 8 || rep.Late != 2 {
		t.Fatalf("report %+v", rep)
	}
	reasons := map[int]string{}
	for _, r := range rep.Rejections {
		reasons[r.Line] = r.Reason
	}
	for line, want := range map[int]string{6: "duplicate", 7: "unknown service", 8: "unknown channel", 9: "received_at", 10: "result", 11: "number is missing", 12: "before", 13: "future"} {
		if !strings.Contains(reasons[line], want) {
			t.Errorf("line %d: %q, want %q", line, reasons[line], want)
		}
	}
	// Two late dossiers (one returned late, one overdue) raised two NCs.
	if rep.NCsRaised != 2 || len(f.nc.got) != 2 {
		t.Fatalf("ncs %d %+v", rep.NCsRaised, f.nc.got)
	}
	d, err := f.p.GetDossier(ctx, "L-003")
	if err != nil || !d.Late || d.NC == nil || d.NC.State != "raised" || d.NC.NCNumber == "" || !d.DueAt.Equal(at("2026-11-18 07:30")) {
		t.Fatalf("L-003 %+v %v", d, err)
	}
	// The same file again changes nothing and raises nothing new.
	rep2, err := f.p.Import(ctx, strings.NewReader(importCSV), process.ImportOptions{})
	if err != nil || rep2.Inserted != 0 || rep2.Updated != 0 || rep2.Unchanged != 4 || len(f.nc.got) != 2 {
		t.Fatalf("re-import %+v %v", rep2, err)
	}
	// L-003 returned since: an update.
	upd := "number,service,channel,received_at,returned_at,result\nL-003,DD-01,postal,03/11/2026 18:30,25/11/2026 09:00,granted\n"
	rep3, err := f.p.Import(ctx, strings.NewReader(upd), process.ImportOptions{})
	if err != nil || rep3.Updated != 1 {
		t.Fatalf("update %+v %v", rep3, err)
	}
	// With a column mapping.
	mapped := "So,Thu tuc,Kenh,Nhan\nM-1,HT-01,online,2026-11-24 09:00\n"
	rep4, err := f.p.Import(ctx, strings.NewReader(mapped), process.ImportOptions{Mapping: map[string]string{"number": "So", "service": "Thu tuc", "channel": "Kenh", "received_at": "Nhan"}})
	if err != nil || rep4.Inserted != 1 {
		t.Fatalf("mapped %+v %v", rep4, err)
	}
	if _, err := f.p.Import(ctx, strings.NewReader(mapped), process.ImportOptions{}); !errors.Is(err, qms.ErrInvalid) {
		t.Fatalf("no mapping for unknown headers: %v", err)
	}
	if _, err := f.p.Import(ctx, strings.NewReader(mapped), process.ImportOptions{Mapping: map[string]string{"number": "Nope"}}); !errors.Is(err, qms.ErrInvalid) {
		t.Fatalf("mapping to a missing column: %v", err)
	}
	// Land staff may import only their unit's dossiers.
	rep5, err := f.p.Import(f.as("landstaff"), strings.NewReader("number,service,channel,received_at\nS-1,HT-01,online,2026-11-24 09:00\nS-2,DD-01,online,2026-11-24 09:00\n"), process.ImportOptions{})
	if err != nil || rep5.Inserted != 1 || rep5.Rejected != 1 {
		t.Fatalf("scoped import %+v %v", rep5, err)
	}
	// The summary equals a rebuild from the dossiers.
	assertStatsExact(t, f.db)
	// Dossiers kept by events are not overwritten by an import.
	if _, _, err := f.p.AddEvent(f.as("landstaff"), "S-2", process.Event{EventID: "e", Type: process.EventHandedOver, At: at("2026-11-24 10:00")}); err != nil {
		t.Fatal(err)
	}
	rep6, err := f.p.Import(ctx, strings.NewReader("number,service,channel,received_at,returned_at,result\nS-2,DD-01,online,2026-11-24 09:00,2026-11-25 09:00,granted\n"), process.ImportOptions{})
	if err != nil || rep6.Rejected != 1 || !strings.Contains(rep6.Rejections[0].Reason, "events") {
		t.Fatalf("import over events %+v %v", rep6, err)
	}
}

func assertStatsExact(t *testing.T, db *sqlx.DB) {
	t.Helper()
	const q = `SELECT count(*) FROM (
		(SELECT day, unit, service_code, field, channel, outcome, n FROM dossier_stats WHERE n <> 0
		 EXCEPT SELECT * FROM v) UNION ALL (SELECT * FROM v EXCEPT SELECT day, unit, service_code, field, channel, outcome, n FROM dossier_stats WHERE n <> 0)) x`
	const v = `CREATE TEMP VIEW v AS SELECT day, unit, service_code, field, channel, outcome, sum(n) AS n FROM (
		SELECT (received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS day, unit, service_code, field, channel, 'received' AS outcome, 1 AS n FROM dossiers
		UNION ALL SELECT (returned_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, unit, service_code, field, channel, outcome, 1 FROM dossiers WHERE outcome IS NOT NULL) c
		GROUP BY 1, 2, 3, 4, 5, 6`
	conn, err := db.Connx(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(context.Background(), v); err != nil {
		t.Fatal(err)
	}
	var diff int
	if err := conn.GetContext(context.Background(), &diff, q); err != nil {
		t.Fatal(err)
	}
	if diff != 0 {
		t.Fatalf("the summary differs from the dossiers in %d rows", diff)
	}
	const qm = `SELECT count(*) FROM (
		(SELECT month, unit, service_code, field, channel, outcome, n FROM dossier_stats_month WHERE n <> 0
		 EXCEPT SELECT date_trunc('month', day)::date, unit, service_code, field, channel, outcome, sum(n) FROM v GROUP BY 1, 2, 3, 4, 5, 6)
		UNION ALL
		(SELECT date_trunc('month', day)::date, unit, service_code, field, channel, outcome, sum(n) FROM v GROUP BY 1, 2, 3, 4, 5, 6
		 EXCEPT SELECT month, unit, service_code, field, channel, outcome, n FROM dossier_stats_month WHERE n <> 0)) x`
	if err := conn.GetContext(context.Background(), &diff, qm); err != nil {
		t.Fatal(err)
	}
	if diff != 0 {
		t.Fatalf("the monthly roll-up differs from the dossiers in %d rows", diff)
	}
}

// TestKPIPeriodsMixDailyAndMonthly checks that periods cutting months in
// the middle count exactly what the dossiers say.
func TestKPIPeriodsMixDailyAndMonthly(t *testing.T) {
	f := setup(t)
	var b strings.Builder
	b.WriteString("number,service,channel,received_at,returned_at,result\n")
	day := at("2026-06-01 09:00")
	for i := 0; i < 120; i++ {
		rec := day.AddDate(0, 0, i)
		fmt.Fprintf(&b, "K-%03d,HT-01,online,%s,%s,granted\n", i, rec.Format("2006-01-02 15:04"), rec.Add(time.Duration(i%40)*time.Hour).Format("2006-01-02 15:04"))
	}
	if _, err := f.p.Import(f.as("coord"), strings.NewReader(b.String()), process.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	assertStatsExact(t, f.db)
	for _, r := range [][2]string{{"2026-06-15", "2026-08-20"}, {"2026-06-01", "2026-08-31"}, {"2026-07-01", "2026-07-31"}, {"2026-07-10", "2026-07-12"}, {"2026-05-01", "2026-10-31"}, {"2026-06-30", "2026-07-01"}} {
		from, _ := workday.ParseDate(r[0])
		to, _ := workday.ParseDate(r[1])
		for _, by := range []string{"", "month", "day"} {
			rows, err := f.p.KPIs(f.as("coord"), process.KPIQuery{From: from, To: to, By: by})
			if err != nil {
				t.Fatal(err)
			}
			var rec, ret int64
			for _, k := range rows {
				rec += k.Received
				ret += k.Returned
			}
			var wantRec, wantRet int64
			if err := f.db.Get(&wantRec, `SELECT count(*) FROM dossiers WHERE (received_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date BETWEEN $1 AND $2`, r[0], r[1]); err != nil {
				t.Fatal(err)
			}
			if err := f.db.Get(&wantRet, `SELECT count(*) FROM dossiers WHERE outcome IS NOT NULL AND (returned_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date BETWEEN $1 AND $2`, r[0], r[1]); err != nil {
				t.Fatal(err)
			}
			if rec != wantRec || ret != wantRet {
				t.Errorf("%s..%s by %q: received %d returned %d, want %d %d", r[0], r[1], by, rec, ret, wantRec, wantRet)
			}
		}
	}
}

func TestLateTriage(t *testing.T) {
	f := setup(t)
	cy, _ := f.p.CalendarYear(f.as("coord"), 2026)
	cy.Settings.LateMode = process.LateTriage
	if _, err := f.p.SaveCalendarYear(f.as("coord"), cy); err != nil {
		t.Fatal(err)
	}
	rep, err := f.p.Import(f.as("coord"), strings.NewReader(importCSV), process.ImportOptions{})
	if err != nil || rep.NCsRaised != 0 || len(f.nc.got) != 0 {
		t.Fatalf("triage mode raised %+v %v", rep, err)
	}
	tri, err := f.p.Triage(f.as("coord"))
	if err != nil || len(tri) != 2 {
		t.Fatalf("triage %+v %v", tri, err)
	}
	if _, err := f.p.RaiseFromTriage(f.as("landstaff"), "L-002"); !errors.Is(err, qms.ErrForbidden) {
		t.Fatalf("staff raising: %v", err)
	}
	d, err := f.p.RaiseFromTriage(f.as("coord"), "L-002")
	if err != nil || d.NC.State != "raised" || len(f.nc.got) != 1 || f.nc.got[0].Number != "L-002" || f.nc.got[0].Unit != "land" {
		t.Fatalf("raise %+v %v", d.NC, err)
	}
	if _, err := f.p.RaiseFromTriage(f.as("coord"), "L-002"); !errors.Is(err, qms.ErrState) {
		t.Fatalf("raise twice: %v", err)
	}
	if _, err := f.p.DismissLate(f.as("coord"), "L-003", ""); !errors.Is(err, qms.ErrInvalid) {
		t.Fatalf("dismiss without reason: %v", err)
	}
	d, err = f.p.DismissLate(f.as("coord"), "L-003", "người dân hẹn lại")
	if err != nil || d.NC.State != "dismissed" {
		t.Fatalf("dismiss %+v %v", d.NC, err)
	}
}

func TestLateAutoRetriesWhenNCFails(t *testing.T) {
	f := setup(t)
	f.nc.fail = true
	if _, err := f.p.Import(f.as("coord"), strings.NewReader(importCSV), process.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	pend, _ := f.p.LateRecords(f.as("coord"), process.LatePending)
	if len(pend) != 2 || pend[0].Error == "" {
		t.Fatalf("pending %+v", pend)
	}
	f.nc.fail = false
	n, err := f.p.ProcessLate(context.Background(), f.now)
	if err != nil || n != 2 {
		t.Fatalf("retry %d %v", n, err)
	}
}

func TestObjectivesAndKPIs(t *testing.T) {
	f := setup(t)
	if _, err := f.p.Import(f.as("coord"), strings.NewReader(importCSV), process.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	o, err := f.p.CreateObjective(f.as("coord"), process.Objective{Title: "98% hồ sơ đất đai đúng hạn", KPI: "on_time_rate", Target: 98,
		From: workday.Date{Year: 2026, Month: 1, Day: 1}, To: workday.Date{Year: 2026, Month: 12, Day: 31}, Unit: "land"})
	if err != nil || o.Comparator != ">=" {
		t.Fatalf("objective %+v %v", o, err)
	}
	if _, err := f.p.CreateObjective(f.as("landhead"), process.Objective{Title: "x", KPI: "on_time_rate", Target: 98, From: o.From, To: o.To, Unit: "land"}); !errors.Is(err, qms.ErrForbidden) {
		t.Fatalf("head sets objective: %v", err)
	}
	if _, err := f.p.CreateObjective(f.as("coord"), process.Objective{Title: "x", KPI: "happiness", Target: 198, Unit: "land"}); !errors.Is(err, qms.ErrInvalid) {
		t.Fatalf("invalid objective: %v", err)
	}
	list, err := f.p.Objectives(f.as("landhead"))
	if err != nil || len(list) != 1 || list[0].Progress.Status != "off_track" || *list[0].Progress.Value != 50 {
		t.Fatalf("objectives %+v %v", list, err)
	}
	// Off track: on the home page of the land head and the coordinator, not of staff.
	for login, want := range map[string]int{"landhead": 1, "coord": 1, "landstaff": 0, "jstaff": 0} {
		tasks, err := f.p.OffTrack(context.Background(), f.users[login])
		if err != nil || len(tasks) != want {
			t.Errorf("%s: %d objective tasks %+v %v", login, len(tasks), tasks, err)
		}
	}
	for _, by := range []string{"month", "unit", "field", "service", "channel", "day", ""} {
		rows, err := f.p.KPIs(f.as("coord"), process.KPIQuery{By: by, From: workday.Date{Year: 2026, Month: 1, Day: 1}, To: workday.Date{Year: 2026, Month: 12, Day: 31}})
		if err != nil || len(rows) == 0 {
			t.Fatalf("by %q: %v %v", by, rows, err)
		}
	}
	units, _ := f.p.KPIs(f.as("coord"), process.KPIQuery{By: "unit", From: workday.Date{Year: 2026, Month: 1, Day: 1}, To: workday.Date{Year: 2026, Month: 12, Day: 31}})
	if units[0].Key != "justice" || units[1].Key != "land" || units[1].Received != 3 || units[1].Late != 1 || *units[1].OnTimeRate != 50 {
		t.Fatalf("by unit %+v", units)
	}
	// Scope: justice staff see only justice.
	js, _ := f.p.KPIs(f.as("jstaff"), process.KPIQuery{By: "unit", From: workday.Date{Year: 2026, Month: 1, Day: 1}, To: workday.Date{Year: 2026, Month: 12, Day: 31}})
	if len(js) != 1 || js[0].Key != "justice" {
		t.Fatalf("justice scope %+v", js)
	}
	if _, err := f.p.KPIs(f.as("coord"), process.KPIQuery{By: "planet"}); !errors.Is(err, qms.ErrInvalid) {
		t.Fatalf("bad grouping: %v", err)
	}
	db, err := f.p.Dashboard(f.as("coord"), workday.Date{}, workday.Date{})
	if err != nil || db.Total.Received != 4 || len(db.Units) != 2 || len(db.Objectives) != 1 || len(db.Months) != 12 ||
		db.Directives["overdue"] != 1 || db.Directives["open"] != 3 {
		t.Fatalf("dashboard %+v %v", db, err)
	}
}

// The list of units not complying joins the leadership's directives (an
// interface, wired in app) with the late dossiers still open.
func TestNonCompliantUnits(t *testing.T) {
	f := setup(t)
	if _, err := f.p.Import(f.as("coord"), strings.NewReader(importCSV), process.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	f.dirs.byUnit = map[string]process.DirectiveCount{"justice": {Overdue: 2, Returned: 1}, "home": {Returned: 1}, "land": {Overdue: 1}}
	nc, err := f.p.NonCompliantUnits(f.as("coord"))
	// home has only a returned report: it is listed (last), as the unit
	// has not yet done what was asked
	if err != nil || len(nc) != 3 || nc[0] != (process.UnitCompliance{Unit: "justice", OverdueDirectives: 2, ReturnedDirectives: 1}) ||
		nc[1] != (process.UnitCompliance{Unit: "land", OverdueDirectives: 1, LateDossiersOpen: 1}) ||
		nc[2] != (process.UnitCompliance{Unit: "home", ReturnedDirectives: 1}) {
		t.Fatalf("non-compliant %+v %v", nc, err)
	}
	if nc, err := f.p.NonCompliantUnits(f.as("jstaff")); err != nil || len(nc) != 1 || nc[0].Unit != "justice" {
		t.Fatalf("justice staff see %+v %v", nc, err)
	}
}

// Events pushed before the dossier's receipt are kept and applied, as
// their sender, when the receipt arrives.
func TestEventsBeforeReceipt(t *testing.T) {
	f := setup(t)
	staff := f.as("landstaff")
	ret := process.Event{EventID: "os-9", Type: process.EventReturned, At: at("2026-11-20 10:00"), Result: process.ResultGranted}
	d, dup, err := f.p.AddEvent(staff, "EARLY-1", ret)
	if err != nil || dup || !d.Pending {
		t.Fatalf("early event: %+v %v %v", d, dup, err)
	}
	if _, dup, err := f.p.AddEvent(staff, "EARLY-1", ret); err != nil || !dup {
		t.Fatalf("early event again: %v %v", dup, err)
	}
	// Justice staff may push events, but not for a land dossier: theirs stays pending.
	if _, _, err := f.p.AddEvent(f.as("jstaff"), "EARLY-1", process.Event{EventID: "os-8", Type: process.EventHandedOver, At: at("2026-11-05 10:00")}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.p.AddEvent(f.as("aud"), "EARLY-1", ret); !errors.Is(err, qms.ErrForbidden) {
		t.Fatalf("auditor pushing: %v", err)
	}
	got, created, err := f.p.CreateDossier(staff, process.NewDossier{Number: "EARLY-1", Service: "DD-01", Channel: "online", ReceivedAt: at("2026-11-02 09:00")})
	if err != nil || !created {
		t.Fatal(err)
	}
	if got.Status != process.StatusReturned || got.Outcome != "late" || len(got.Events) != 1 || got.Events[0].Actor != "landstaff" {
		t.Fatalf("after receipt: %s %s %+v", got.Status, got.Outcome, got.Events)
	}
	var failed string
	if err := f.db.Get(&failed, `SELECT last_error FROM dossier_pending_events WHERE number = 'EARLY-1' AND event_id = 'os-8'`); err != nil || failed == "" {
		t.Fatalf("justice's event: %q %v", failed, err)
	}
	// An import records the dossier: its early event is applied too.
	if _, _, err := f.p.AddEvent(staff, "EARLY-2", process.Event{EventID: "os-1", Type: process.EventWithdrawn, At: at("2026-11-04 10:00")}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.p.Import(f.as("coord"), strings.NewReader("number,service,channel,received_at\nEARLY-2,DD-01,online,02/11/2026 09:00\n"), process.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.p.GetDossier(staff, "EARLY-2"); got.Status != process.StatusWithdrawn {
		t.Fatalf("imported dossier with an early event: %s", got.Status)
	}
	assertStatsExact(t, f.db)
}
