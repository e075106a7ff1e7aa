package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/workday"
)

// DemoServices are realistic administrative services for a district
// office, spread over the given units (the seeder uses them when the
// database has none).
func DemoServices(units []string) []process.Procedure {
	type def struct {
		code, vi, en, field string
		days                int
	}
	defs := []def{
		{"DD-01", "Đăng ký biến động quyền sử dụng đất", "Registration of land-use right changes", "land", 10},
		{"DD-02", "Cấp giấy chứng nhận quyền sử dụng đất lần đầu", "First land-use right certificate", "land", 30},
		{"DD-03", "Chuyển mục đích sử dụng đất", "Change of land use", "land", 15},
		{"DD-04", "Tách thửa, hợp thửa đất", "Land parcel split or merge", "land", 15},
		{"XD-01", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Building permit for a private house", "construction", 15},
		{"XD-02", "Điều chỉnh giấy phép xây dựng", "Building permit amendment", "construction", 10},
		{"HT-01", "Đăng ký khai sinh", "Birth registration", "civil_status", 1},
		{"HT-02", "Đăng ký kết hôn", "Marriage registration", "civil_status", 5},
		{"HT-03", "Trích lục hộ tịch", "Civil-status extract", "civil_status", 1},
		{"HT-04", "Chứng thực bản sao", "Certified copy", "justice", 1},
		{"KD-01", "Đăng ký hộ kinh doanh", "Household business registration", "business", 3},
		{"KD-02", "Thay đổi nội dung đăng ký hộ kinh doanh", "Household business change", "business", 3},
		{"XH-01", "Trợ cấp xã hội hằng tháng", "Monthly social allowance", "social", 20},
		{"XH-02", "Hỗ trợ chi phí mai táng", "Funeral cost support", "social", 5},
		{"VH-01", "Cấp giấy phép quảng cáo", "Advertising permit", "other", 5},
	}
	// The demo organisation's offices by field; other organisations get
	// the services spread over their units in turn.
	preferred := map[string]string{"land": "tnmt", "construction": "tnmt", "civil_status": "vp", "justice": "vp",
		"business": "vp", "social": "noivu", "other": "vhtt"}
	has := map[string]bool{}
	for _, u := range units {
		has[u] = true
	}
	out := make([]process.Procedure, 0, len(defs))
	for i, d := range defs {
		u := units[i%len(units)]
		if has[preferred[d.field]] {
			u = preferred[d.field]
		}
		out = append(out, process.Procedure{Code: d.code, NameVI: d.vi, NameEN: d.en, Field: d.field, Unit: u, Days: d.days, Active: true,
			Steps: []process.Step{}})
	}
	return out
}

// SeedDossiers generates n realistic dossiers over the two years before now
// and loads them with COPY in batches of 50,000 rows, each batch one
// transaction (the summary follows through the statement triggers). Late
// seeded dossiers get a dismissed late record, so the scheduled job does not
// raise thousands of nonconformities for generated data. It returns the
// number of rows loaded.
func SeedDossiers(ctx context.Context, db *sqlx.DB, n int, cal *workday.Calendar, services []process.Procedure, now time.Time, seed uint64, out io.Writer) (int, error) {
	if len(services) == 0 {
		return 0, fmt.Errorf("no services to seed dossiers for")
	}
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	// The prefix differs between runs even with a fixed clock (tests), so a
	// second seeding never collides with the first.
	prefix := fmt.Sprintf("S%s-%04X", now.UTC().Format("060102"), r.IntN(1<<16))
	start := now.AddDate(-2, 0, 0)
	spanDays := int(now.Sub(start).Hours() / 24)
	desk, err := seedDesk(ctx, db)
	if err != nil {
		return 0, err
	}
	const batch = 50000
	loaded := 0
	for loaded < n {
		m := min(batch, n-loaded)
		err := InTx(ctx, db, func(tx *sqlx.Tx) error {
			stmt, err := tx.PrepareContext(ctx, `COPY dossiers (number, service_code, unit, field, channel, applicant_ref,
				received_at, clock_start, due_at, paused_at, supplements, status, returned_at, result, result_reason,
				outcome, processing_days, current_unit, steps, late, source, receiving_unit, receiving_officer, `+factCols+`) FROM STDIN`)
			if err != nil {
				return err
			}
			for i := 0; i < m; i++ {
				d := genDossier(r, cal, services, start, spanDays, now, desk)
				d.Number = fmt.Sprintf("%s-%07d", prefix, loaded+i+1)
				steps, _ := json.Marshal(d.Steps)
				args := append([]any{d.Number, d.Service, d.Unit, d.Field, d.Channel, d.ApplicantRef, d.ReceivedAt, d.ClockStart,
					d.DueAt, d.PausedAt, d.Supplements, d.Status, d.ReturnedAt, nullStr(d.Result), d.ResultReason, nullStr(d.Outcome),
					d.ProcessingDays, d.CurrentUnit, string(steps), d.Late, "seed", d.ReceivingUnit, d.ReceivingOfficer}, factArgs(d.Facts)...)
				if _, err := stmt.ExecContext(ctx, args...); err != nil {
					stmt.Close()
					return err
				}
			}
			if _, err := stmt.ExecContext(ctx); err != nil {
				stmt.Close()
				return err
			}
			return stmt.Close()
		})
		if err != nil {
			return loaded, err
		}
		loaded += m
		if out != nil {
			fmt.Fprintf(out, "  %d dossiers\n", loaded)
		}
	}
	const qLate = `INSERT INTO late_dossiers (dossier_id, state, reason, unit)
		SELECT id, 'dismissed', 'generated test data', unit FROM dossiers d WHERE d.source = 'seed' AND d.late
			AND NOT EXISTS (SELECT 1 FROM late_dossiers l WHERE l.dossier_id = d.id)`
	if _, err := db.ExecContext(ctx, qLate); err != nil {
		return loaded, translate(err)
	}
	if _, err := db.ExecContext(ctx, `ANALYZE dossiers; ANALYZE dossier_stats; ANALYZE late_dossiers`); err != nil {
		return loaded, translate(err)
	}
	return loaded, nil
}

// seedDeskOf is the one-stop desk generated dossiers are received at: a
// unit where someone holds the role desk, and its officers.
type seedDeskOf struct {
	Unit     string
	Officers []string
}

// seedDesk finds the organisation's one-stop desk; none (Unit "") when
// nobody holds the role desk in a unit.
func seedDesk(ctx context.Context, db *sqlx.DB) (seedDeskOf, error) {
	var rows []struct {
		Unit  string `db:"unit"`
		Login string `db:"login"`
	}
	const q = `SELECT ra.unit, u.login FROM role_assignments ra JOIN users u ON u.id = ra.user_id
		WHERE ra.role = 'desk' AND ra.unit <> '*' ORDER BY ra.unit, u.login`
	if err := db.SelectContext(ctx, &rows, q); err != nil {
		return seedDeskOf{}, translate(err)
	}
	var d seedDeskOf
	for _, r := range rows {
		if d.Unit == "" {
			d.Unit = r.Unit
		}
		if r.Unit == d.Unit {
			d.Officers = append(d.Officers, r.Login)
		}
	}
	return d, nil
}

// genDossier draws one dossier: received on a working day (5% after
// hours), 50% in person, 40% online (a quarter of it full-process), 10% by post; 5% asked for a
// supplement; most returned early, some on the due day, about 6% late;
// those not yet due are still in process. Where the office has a one-stop
// desk, the dossiers received in person or by post are received there
// and handed to the competent unit within the hour (2% of those in person
// the next morning, late).
func genDossier(r *rand.Rand, cal *workday.Calendar, services []process.Procedure, start time.Time, spanDays int, now time.Time, desk seedDeskOf) process.Dossier {
	svc := services[r.IntN(len(services))]
	day := workday.DateOf(start.AddDate(0, 0, r.IntN(spanDays)), cal.Loc)
	day = cal.NextWorkingDay(day)
	minute := cal.Open + r.IntN(cal.Close-cal.Open)
	if r.IntN(100) < 5 {
		minute = cal.Close + r.IntN(180)
	}
	received := time.Date(day.Year, day.Month, day.Day, 0, minute, 0, 0, cal.Loc)
	if received.After(now) {
		received = now.Add(-time.Hour)
	}
	channel := process.ChannelInPerson
	switch x := r.IntN(100); {
	case x < 10:
		channel = process.ChannelOnlineFull
	case x < 40:
		channel = process.ChannelOnlinePartial
	case x < 50:
		channel = process.ChannelPostal
	}
	var evs []process.Event
	var rc process.Receipt
	if desk.Unit != "" && desk.Unit != svc.Unit && (channel == process.ChannelInPerson || channel == process.ChannelPostal) {
		rc = process.Receipt{Channel: channel, Desk: desk.Unit, Officer: desk.Officers[r.IntN(len(desk.Officers))]}
		at := received.Add(time.Duration(10+r.IntN(50)) * time.Minute)
		if channel == process.ChannelInPerson && r.IntN(100) < 2 {
			at = process.HandoverDue(cal, received).Add(time.Duration(1+r.IntN(120)) * time.Minute)
		}
		if at.Before(now) {
			evs = append(evs, process.Event{EventID: "h", Type: process.EventHandedOver, At: at, Seq: 0})
		}
	}
	clockStart := cal.Start(received)
	if r.IntN(100) < 5 {
		sup := cal.Due(clockStart, 1)
		resub := sup.AddDate(0, 0, 2+r.IntN(10))
		evs = append(evs, process.Event{EventID: "s", Type: process.EventSupplementRequested, At: sup, Seq: 1},
			process.Event{EventID: "r", Type: process.EventResubmitted, At: resub, Seq: 2})
		clockStart = cal.Start(resub)
	}
	days := max(svc.Days, 1)
	var frac float64
	switch x := r.IntN(100); {
	case x < 70:
		frac = 0.2 + 0.75*r.Float64()
	case x < 94:
		frac = 0.97 + 0.03*r.Float64()
	default:
		frac = 1.02 + 0.6*r.Float64()
	}
	whole := int(frac * float64(days))
	ret := cal.Due(clockStart, whole).Add(time.Duration((frac*float64(days)-float64(whole))*float64(cal.Close-cal.Open)) * time.Minute)
	if !ret.After(now) && (len(evs) == 0 || ret.After(evs[len(evs)-1].At)) {
		res, reason := process.ResultGranted, ""
		if r.IntN(100) < 3 {
			res, reason = process.ResultRefused, "hồ sơ không đủ điều kiện"
		}
		evs = append(evs, process.Event{EventID: "x", Type: process.EventReturned, At: ret, Result: res, Reason: reason, Seq: 3})
	}
	rc.At = received
	c, err := process.ReplayReceipt(cal, svc, rc, evs)
	if err != nil {
		c, _ = process.ReplayReceipt(cal, svc, rc, nil)
	}
	d := process.Dossier{Service: svc.Code, Field: svc.Field, Unit: svc.Unit, Channel: channel, ApplicantRef: fmt.Sprintf("CD-%06d", r.IntN(1000000)),
		ReceivedAt: received.UTC(), Clock: c, ReceivingUnit: rc.Desk, ReceivingOfficer: rc.Officer}
	d.Late = c.Outcome == "late" || c.Overdue(now)
	d.Facts = genFacts(r, d)
	return d
}

// genFacts draws the reform index's facts of a generated dossier: most
// recorded, a share of them positive (digitised 80 %, data reused 40 %,
// fee paid online 30 %, electronic result 60 % of those returned; ratings
// 70 % very satisfied, 25 % satisfied; 1 % with a complaint, 90 % of them
// handled on time); about one in ten dossiers has none recorded.
func genFacts(r *rand.Rand, d process.Dossier) process.Facts {
	var f process.Facts
	if r.IntN(10) == 0 {
		return f
	}
	flag := func(pct int) *bool {
		b := r.IntN(100) < pct
		return &b
	}
	f.Digitised, f.DataReused, f.FeePaidOnline = flag(80), flag(40), flag(30)
	if d.ReturnedAt != nil {
		f.ResultElectronic = flag(60)
	}
	sat := process.SatisfactionVery
	switch x := r.IntN(100); {
	case x >= 95:
		sat = process.SatisfactionDissatisfied
	case x >= 70:
		sat = process.SatisfactionSatisfied
	}
	f.Satisfaction = &sat
	if r.IntN(100) == 0 {
		f.Complaint, f.ComplaintOnTime = flag(100), flag(90)
	}
	return f
}
