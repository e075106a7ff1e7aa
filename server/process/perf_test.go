//go:build perf

package process_test

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

// TestPerf measures the KPI, dashboard and list queries and the CSV import
// on a database seeded with `qmstrack seed --demo --dossiers N`, named by
// QMS_PERF_DATABASE_URL (the object store is not used). It runs on a clone
// of that database, dropped at the end, so the import's rows and its switch
// to triage mode never reach the seeded one and every run starts from the
// same data. Each query is held to p95 ≤ 200 ms and the 100,000-row import
// to 30 s (testenv.Target: failing under QMS_PERF_ASSERT=1). Run with
//
//	go test -tags perf -run TestPerf -v -timeout 30m ./server/process/
func TestPerf(t *testing.T) {
	src := os.Getenv("QMS_PERF_DATABASE_URL")
	if src == "" {
		t.Skip("QMS_PERF_DATABASE_URL is not set")
	}
	ctx := context.Background()
	url := testenv.ClonePerfDatabase(t, src)
	db, err := postgres.Open(ctx, url, 8)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM dossiers`); err != nil {
		t.Fatal(err)
	}
	var statRows int
	_ = db.Get(&statRows, `SELECT count(*) FROM dossier_stats`)
	t.Logf("dossiers: %d, summary rows: %d", n, statRows)
	enf, err := authz.New(db)
	if err != nil {
		t.Fatal(err)
	}
	actor := func(login string) context.Context {
		var id string
		if err := db.Get(&id, `SELECT id FROM users WHERE login = $1`, login); err != nil {
			t.Fatalf("user %s: %v", login, err)
		}
		return qms.WithActor(ctx, qms.Actor{UserID: id, Login: login})
	}
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	p := process.New(postgres.NewProcessStore(db), enf, process.Options{Location: loc})
	co, head := actor("coordinator"), actor("head.tnmt")
	today := workday.DateOf(time.Now(), loc)
	yearAgo := today.AddDays(-365)
	// measure times fn; a target above zero is the p95 it must meet.
	measure := func(name string, iters int, target time.Duration, fn func() error) {
		t.Helper()
		if err := fn(); err != nil { // warm-up, and fail early
			t.Fatalf("%s: %v", name, err)
		}
		d := make([]time.Duration, iters)
		for i := range d {
			s := time.Now()
			if err := fn(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			d[i] = time.Since(s)
		}
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		t.Logf("%-48s p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms  (%d runs)", name, ms(d[len(d)/2]), ms(d[len(d)*95/100]), ms(d[len(d)-1]), iters)
		if p95 := d[len(d)*95/100]; target > 0 {
			testenv.Target(t, p95 <= target, "%s: p95 %.1f ms (at most %.0f ms)", name, ms(p95), ms(target))
		}
	}
	const target = 200 * time.Millisecond
	kpi := func(ctx context.Context, q process.KPIQuery) func() error {
		return func() error { _, err := p.KPIs(ctx, q); return err }
	}
	const runs = 100
	measure("kpis by=month, 12 months, all units", runs, target, kpi(co, process.KPIQuery{By: "month", From: yearAgo, To: today}))
	measure("kpis by=month, 24 months, all units", runs, target, kpi(co, process.KPIQuery{By: "month", From: today.AddDays(-730), To: today}))
	measure("kpis by=unit, 12 months", runs, target, kpi(co, process.KPIQuery{By: "unit", From: yearAgo, To: today}))
	measure("kpis by=service, 12 months", runs, target, kpi(co, process.KPIQuery{By: "service", From: yearAgo, To: today}))
	measure("kpis by=day, 3 months, field=land", runs, target, kpi(co, process.KPIQuery{By: "day", Field: "land", From: today.AddDays(-90), To: today}))
	measure("kpis by=month, unit=tnmt (head's scope)", runs, target, kpi(head, process.KPIQuery{By: "month", Unit: "tnmt", From: yearAgo, To: today}))
	measure("objectives with progress", runs, target, func() error { _, err := p.Objectives(co); return err })
	measure("dashboard (coordinator, 12 months)", runs, target, func() error { _, err := p.Dashboard(co, workday.Date{}, workday.Date{}); return err })
	measure("dashboard (head of tnmt)", runs, target, func() error { _, err := p.Dashboard(head, workday.Date{}, workday.Date{}); return err })
	measure("dossier list, first page", runs, 0, func() error { _, _, err := p.Dossiers(co, process.DossierFilter{}); return err })
	late := true
	measure("dossier list, unit=tnmt late=true", runs, 0, func() error {
		_, _, err := p.Dossiers(co, process.DossierFilter{Unit: "tnmt", Late: &late})
		return err
	})

	// The import: triage mode (on the clone), so the late rows are queued,
	// not raised.
	if _, err := db.Exec(`UPDATE process_settings SET late_mode = 'triage'`); err != nil {
		t.Fatal(err)
	}
	svcs, err := p.Procedures(co)
	if err != nil {
		t.Fatal(err)
	}
	peaks := map[int]uint64{}
	for _, rows := range []int{10000, 100000} {
		stop := testenv.HeapPeak(20 * time.Millisecond)
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(writeCSV(pw, rows, svcs, loc)) }()
		s := time.Now()
		rep, err := p.Import(co, pr, process.ImportOptions{Filename: fmt.Sprintf("perf-%d.csv", rows)})
		el := time.Since(s)
		base, peak := stop()
		if err != nil {
			t.Fatalf("import %d: %v", rows, err)
		}
		if rep.Inserted+rep.Rejected != rows {
			t.Fatalf("import %d: %+v", rows, rep)
		}
		t.Logf("import %6d rows: %6.2f s (%d inserted, %d rejected, %d late); heap in use before %.1f MiB, peak %.1f MiB",
			rows, el.Seconds(), rep.Inserted, rep.Rejected, rep.Late, float64(base)/(1<<20), float64(peak)/(1<<20))
		peaks[rows] = peak - min(base, peak)
		if rows == 100000 {
			testenv.Target(t, el < 30*time.Second, "import of 100,000 rows in %.1f s (under 30 s)", el.Seconds())
		}
	}
	// README: ten times the rows, +2 MiB of heap; 1 MiB more for noise.
	testenv.Target(t, peaks[100000] <= peaks[10000]+3<<20, "import heap growth %.1f MiB for 100,000 rows vs %.1f MiB for 10,000 (at most 3 MiB more)",
		float64(peaks[100000])/(1<<20), float64(peaks[10000])/(1<<20))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// writeCSV streams rows of generated dossiers (0.5% malformed) in the
// Vietnamese export layout.
func writeCSV(w io.Writer, rows int, svcs []process.Procedure, loc *time.Location) error {
	r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	run := time.Now().Format("150405")
	if _, err := io.WriteString(w, "Số hồ sơ;Mã thủ tục;Hình thức;Ngày tiếp nhận;Ngày trả kết quả;Kết quả;Lý do\n"); err != nil {
		return err
	}
	channels := []string{"trực tiếp", "trực tuyến", "bưu chính"}
	buf := make([]byte, 0, 256)
	for i := 0; i < rows; i++ {
		svc := svcs[r.IntN(len(svcs))]
		rec := time.Now().In(loc).AddDate(0, 0, -10-r.IntN(300))
		rec = time.Date(rec.Year(), rec.Month(), rec.Day(), 8+r.IntN(8), r.IntN(60), 0, 0, loc)
		ret := rec.AddDate(0, 0, 1+r.IntN(svc.Days*2+2))
		when := rec.Format("02/01/2006 15:04")
		if i%200 == 199 {
			when = "31/02/2026 08:00" // malformed
		}
		buf = buf[:0]
		buf = fmt.Appendf(buf, "IMP%s-%07d;%s;%s;%s;%s;granted;\n", run, i, svc.Code, channels[r.IntN(3)], when, ret.Format("02/01/2006 15:04"))
		if _, err := w.Write(buf); err != nil {
			return err
		}
	}
	return nil
}
