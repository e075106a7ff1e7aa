package nonconformity_test

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"

	nonc "github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/qms"
)

func (c *ncClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// Reference computations from scratch over ncs and nc_actions: the queries
// the scorecard ran before its counts were kept (migration 00055).
const (
	refUnitsSQL = `WITH nc AS (
			SELECT n.unit, n.status, n.created_at, n.closed_at,
				n.status = 'closed' AND NOT EXISTS (SELECT 1 FROM nc_actions a WHERE a.nc_id = n.id
					AND (a.done_at IS NULL OR (a.done_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date > a.due)) AS on_time
			FROM ncs n WHERE n.status <> 'cancelled'),
		per_nc AS (
			SELECT unit,
				count(*) FILTER (WHERE status <> 'closed') AS open,
				count(*) FILTER (WHERE status = 'open' AND created_at < $2) AS unanswered,
				count(*) FILTER (WHERE status = 'closed') AS closed,
				count(*) FILTER (WHERE on_time) AS closed_on_time,
				COALESCE(sum(extract(epoch FROM closed_at - created_at)) FILTER (WHERE status = 'closed'), 0) / 86400 AS days
			FROM nc GROUP BY unit),
		per_act AS (
			SELECT a.unit, count(*) FILTER (WHERE n.status <> 'closed' AND a.status IN ('open', 'in_progress') AND a.due < $1) AS overdue
			FROM nc_actions a JOIN ncs n ON n.id = a.nc_id
			WHERE n.status <> 'cancelled' GROUP BY a.unit)
		SELECT unit, COALESCE(p.open, 0) AS open, COALESCE(o.overdue, 0) AS overdue, COALESCE(p.unanswered, 0) AS unanswered,
			COALESCE(p.closed, 0) AS closed, COALESCE(p.closed_on_time, 0) AS closed_on_time,
			COALESCE(p.days, 0)::float8 AS days_to_close
		FROM per_nc p FULL JOIN per_act o USING (unit) ORDER BY unit`
	refMonthlySQL = `SELECT m, sum(o)::int AS opened, sum(c)::int AS closed FROM (
			SELECT to_char(created_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM') AS m, 1 AS o, 0 AS c FROM ncs WHERE status <> 'cancelled'
			UNION ALL
			SELECT to_char(closed_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM'), 0, 1 FROM ncs WHERE status = 'closed'
		) x GROUP BY m ORDER BY m`
	refCausesSQL = `SELECT c, count(*) FROM ncs, unnest(cause_categories) AS c WHERE status <> 'cancelled' GROUP BY c ORDER BY c`
	// The kept tables themselves, per unit and month, against the same
	// from-scratch figures (months outside the scorecard's 12 included).
	keptMonthsSQL = `SELECT unit || ' ' || to_char(month, 'YYYY-MM') || ' ' || opened || ' ' || open || ' ' || closed || ' ' ||
			closed_on_time || ' ' || close_us FROM nc_stats_month
		WHERE (opened, open, closed, closed_on_time, close_us) <> (0, 0, 0, 0, 0) ORDER BY unit, month`
	refMonthsSQL = `WITH live AS (SELECT * FROM ncs WHERE status <> 'cancelled'),
		c AS (
			SELECT unit, date_trunc('month', created_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date AS m, 1 AS opened,
				(status <> 'closed')::int AS open, 0 AS closed, 0 AS on_time, 0::bigint AS us FROM live
			UNION ALL
			SELECT unit, date_trunc('month', closed_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date, 0, 0, 1,
				(NOT EXISTS (SELECT 1 FROM nc_actions a WHERE a.nc_id = live.id
					AND (a.done_at IS NULL OR (a.done_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date > a.due)))::int,
				round(extract(epoch FROM closed_at - created_at) * 1000000)::bigint
			FROM live WHERE status = 'closed')
		SELECT unit || ' ' || to_char(m, 'YYYY-MM') || ' ' || sum(opened) || ' ' || sum(open) || ' ' || sum(closed) || ' ' ||
			sum(on_time) || ' ' || sum(us) FROM c GROUP BY unit, m ORDER BY unit, m`
	keptDueSQL = `SELECT unit || ' ' || due || ' ' || n FROM nc_open_due WHERE n <> 0 ORDER BY unit, due`
	refDueSQL  = `SELECT a.unit || ' ' || a.due || ' ' || count(*) FROM nc_actions a JOIN ncs n ON n.id = a.nc_id
		WHERE n.status NOT IN ('closed', 'cancelled') AND a.status IN ('open', 'in_progress') GROUP BY a.unit, a.due ORDER BY a.unit, a.due`
	// The earliest pending due date kept on each NC (migration 00096)
	// against its computation from the actions.
	keptNextDueSQL = `SELECT number || ' ' || next_due FROM ncs WHERE next_due IS NOT NULL ORDER BY number`
	refNextDueSQL  = `SELECT n.number || ' ' || min(a.due) FROM ncs n JOIN nc_actions a ON a.nc_id = n.id
		WHERE a.status IN ('open', 'in_progress') GROUP BY n.number ORDER BY n.number`
	keptCausesSQL = `SELECT unit || ' ' || to_char(month, 'YYYY-MM') || ' ' || category || ' ' || n FROM nc_cause_month
		WHERE n <> 0 ORDER BY unit, month, category`
	refCauseMonthsSQL = `SELECT unit || ' ' || m || ' ' || c || ' ' || count(*) FROM (
			SELECT unit, to_char(created_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM') AS m, c
			FROM ncs, unnest(cause_categories) AS c WHERE status <> 'cancelled') x
		GROUP BY unit, m, c ORDER BY unit, m, c`
)

// checkCountsFromScratch compares what the scorecard and the dashboard read
// (the kept counts) with the same figures computed from every NC and action.
func (f *ncFixture) checkCountsFromScratch(t *testing.T, when string) {
	t.Helper()
	ctx := context.Background()
	lines := func(q string, args ...any) string {
		t.Helper()
		var out []string
		if err := f.env.DB.SelectContext(ctx, &out, q, args...); err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		return strings.Join(out, "\n")
	}
	for _, c := range [][3]string{{"months", keptMonthsSQL, refMonthsSQL}, {"open actions by due date", keptDueSQL, refDueSQL},
		{"causes by month", keptCausesSQL, refCauseMonthsSQL}, {"earliest pending due dates", keptNextDueSQL, refNextDueSQL}} {
		if kept, ref := lines(c[1]), lines(c[2]); kept != ref {
			t.Fatalf("%s: kept %s differ from the computation from scratch:\nkept:\n%s\nfrom scratch:\n%s", when, c[0], kept, ref)
		}
	}

	today := f.today()
	cutoff := f.clk.now().Add(-14 * 24 * time.Hour)
	var ref []nonc.UnitScore
	if err := f.env.DB.SelectContext(ctx, &ref, refUnitsSQL, today, cutoff); err != nil {
		t.Fatal(err)
	}
	line := func(u nonc.UnitScore) string {
		return fmt.Sprintf("%s open=%d overdue=%d unanswered=%d closed=%d on_time=%d days=%.6f", u.Unit, u.Open, u.Overdue,
			u.Unanswered, u.Closed, u.ClosedOnTime, u.DaysToClose)
	}
	nonZero := func(us []nonc.UnitScore) string {
		var out []string
		for _, u := range us {
			if u.Open+u.Overdue+u.Unanswered+u.Closed > 0 {
				out = append(out, line(u))
			}
		}
		return strings.Join(out, "\n")
	}
	sc, err := f.svc.Scorecard(f.as("boss"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := nonZero(sc.Units), nonZero(ref); got != want {
		t.Fatalf("%s: scorecard units\n%s\nfrom scratch\n%s", when, got, want)
	}
	for _, u := range sc.Units {
		if u.Closed > 0 && (u.MeanDaysToClose == nil || math.Abs(*u.MeanDaysToClose-u.DaysToClose/float64(u.Closed)) > 1e-9) {
			t.Fatalf("%s: mean days to close of %s: %v", when, u.Unit, u.MeanDaysToClose)
		}
	}
	// The dashboard's counts.
	dash, err := f.svc.OpenByUnit(f.as("boss"))
	if err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, u := range dash {
		got = append(got, fmt.Sprintf("%s %d %d", u.Unit, u.Open, u.Overdue))
	}
	for _, u := range ref {
		if u.Open+u.Overdue > 0 {
			want = append(want, fmt.Sprintf("%s %d %d", u.Unit, u.Open, u.Overdue))
		}
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%s: dashboard counts %v, from scratch %v", when, got, want)
	}
	// Causes and the monthly trend.
	var refCauses []struct {
		C string `db:"c"`
		N int    `db:"count"`
	}
	if err := f.env.DB.SelectContext(ctx, &refCauses, refCausesSQL); err != nil {
		t.Fatal(err)
	}
	gotCauses := map[string]int{}
	for _, c := range sc.Causes {
		gotCauses[c.Category] = c.Count
	}
	if len(gotCauses) != len(refCauses) {
		t.Fatalf("%s: causes %v, from scratch %v", when, sc.Causes, refCauses)
	}
	for _, c := range refCauses {
		if gotCauses[c.C] != c.N {
			t.Fatalf("%s: cause %s: %d, from scratch %d", when, c.C, gotCauses[c.C], c.N)
		}
	}
	var refMonths []struct {
		M      string `db:"m"`
		Opened int    `db:"opened"`
		Closed int    `db:"closed"`
	}
	if err := f.env.DB.SelectContext(ctx, &refMonths, refMonthlySQL); err != nil {
		t.Fatal(err)
	}
	byMonth := map[string][2]int{}
	for _, m := range refMonths {
		byMonth[m.M] = [2]int{m.Opened, m.Closed}
	}
	for _, m := range sc.Monthly {
		if w := byMonth[m.Month]; w != [2]int{m.Opened, m.Closed} {
			t.Fatalf("%s: month %s opened/closed %d/%d, from scratch %v", when, m.Month, m.Opened, m.Closed, w)
		}
	}
}

// TestNCCountsEqualFromScratch drives a random series of creations, causes,
// actions (in the NC's unit and in another), their steps, verifications
// effective or not, re-verifications, cancellations and days passing (a year
// across months and hours of the day), and checks at intervals that every
// kept count equals its computation from every NC and action.
func TestNCCountsEqualFromScratch(t *testing.T) {
	f := newNCFixture(t)
	// A fixed seed: the same series every run (a mutant is judged on the
	// same data); the series covers months, closings on time and late,
	// reopenings and cancellations (checked below).
	seed := int64(15)
	rng := rand.New(rand.NewSource(seed))
	units := []string{"phong-a", "phong-b", "phong-c"}
	owners := map[string][2]string{"phong-a": {"owner-a", "head"}, "phong-b": {"owner-b", "head-b"}}
	type act struct{ id, unit, status string }
	var ncs, analysed []string // analysed: with a root cause, ready for actions
	var acts []*act
	cats := []string{"people", "method", "equipment", "material", "environment", "measurement"}
	// expect tolerates the refusals a random series meets (a step out of
	// order, a verification before its date) and nothing else.
	expect := func(what string, err error) bool {
		t.Helper()
		if err != nil && qms.KindOf(err) != qms.ErrState && qms.KindOf(err) != qms.ErrInvalid && qms.KindOf(err) != qms.ErrForbidden {
			t.Fatalf("%s: %v", what, err)
		}
		return err == nil
	}
	pick := func(n int) int { return rng.Intn(n) }
	const steps = 300
	for i := 1; i <= steps; i++ {
		switch r := pick(100); {
		case r < 15 || len(ncs) == 0:
			nc := f.newNC(units[pick(3)])
			ncs = append(ncs, nc.ID)
		case r < 27:
			c := []string{cats[pick(len(cats))]}
			if pick(2) == 0 {
				c = append(c, cats[pick(len(cats))])
				sort.Strings(c)
				if c[0] == c[1] {
					c = c[:1]
				}
			}
			id := ncs[pick(len(ncs))]
			_, err := f.svc.RecordCause(f.as("boss"), id, nonc.Cause{Whys: []string{"Vì sao"}, Categories: c, Summary: "Nguyên nhân"})
			if expect("cause", err) {
				analysed = append(analysed, id)
			}
		case r < 37:
			unit := []string{"phong-a", "phong-b"}[pick(2)]
			due := f.today().AddDate(0, 0, pick(20))
			if len(analysed) == 0 {
				continue
			}
			_, a, err := f.svc.AddAction(f.as("boss"), analysed[pick(len(analysed))], nonc.NewAction{Unit: unit, Owner: f.id(owners[unit][0]),
				Description: "Khắc phục", Due: due, VerifyAfter: due.AddDate(0, 0, pick(3))})
			if expect("action", err) {
				acts = append(acts, &act{a.ID, unit, nonc.ActionOpen})
			}
		case r < 80:
			if len(acts) == 0 {
				continue
			}
			// The next step of a random action (now and then a step out of
			// order, which must be refused and change nothing).
			a := acts[pick(len(acts))]
			owner, head := owners[a.unit][0], owners[a.unit][1]
			step := map[string]int{nonc.ActionOpen: 0, nonc.ActionInProgress: 1, nonc.ActionDone: 2, nonc.ActionSignedOff: 3,
				nonc.ActionVerifiedEffective: 4, nonc.ActionVerifiedNotEffective: 5}[a.status]
			if pick(8) == 0 {
				step = pick(5)
			}
			var err error
			var to string
			switch step {
			case 0:
				_, err = f.svc.Start(f.as(owner), a.id)
				to = nonc.ActionInProgress
			case 1:
				_, err = f.svc.Done(f.as(owner), a.id, "Đã làm", qms.FilesOf(pdf("x.pdf")))
				to = nonc.ActionDone
			case 2:
				_, err = f.svc.SignOff(f.as(head), a.id, ncPassword)
				to = nonc.ActionSignedOff
			case 3:
				effective := pick(7) > 0
				_, err = f.svc.Verify(f.as("boss"), a.id, nonc.Verification{Effective: effective, Comment: "Nhận xét", Password: ncPassword})
				to = map[bool]string{true: nonc.ActionVerifiedEffective, false: nonc.ActionVerifiedNotEffective}[effective]
			case 4:
				if pick(4) > 0 {
					continue
				}
				_, err = f.svc.Reverify(f.as("boss"), a.id, nonc.Verification{Comment: "Tái diễn", Password: ncPassword})
				to = nonc.ActionVerifiedNotEffective
			default:
				continue
			}
			if expect("step", err) {
				a.status = to
			} else if testing.Verbose() {
				t.Logf("step %d %s: %v", step, a.status, err)
			}
		case r < 86:
			// Carry every pending action of an NC through to "effective",
			// days passing as needed: the NC closes, on time or late.
			if len(analysed) == 0 {
				continue
			}
			id := analysed[pick(len(analysed))]
			unit := []string{"phong-a", "phong-b"}[pick(2)]
			due := f.today().AddDate(0, 0, pick(15))
			_, _, err := f.svc.AddAction(f.as("boss"), id, nonc.NewAction{Unit: unit, Owner: f.id(owners[unit][0]),
				Description: "Khắc phục", Due: due, VerifyAfter: due})
			expect("action", err)
			nc, err := f.svc.Get(f.as("boss"), id)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range nc.Actions {
				owner, head := owners[x.Unit][0], owners[x.Unit][1]
				_, err := f.svc.Start(f.as(owner), x.ID)
				expect("start", err)
				if pick(3) == 0 && !f.today().After(x.Due) { // reported late
					f.clk.set(x.Due.AddDate(0, 0, 1+pick(3)).Add(time.Duration(pick(24)) * time.Hour))
				}
				_, err = f.svc.Done(f.as(owner), x.ID, "Đã làm", qms.FilesOf(pdf("x.pdf")))
				expect("done", err)
				_, err = f.svc.SignOff(f.as(head), x.ID, ncPassword)
				expect("signoff", err)
				if f.today().Before(x.VerifyAfter) {
					f.clk.set(x.VerifyAfter.Add(time.Duration(pick(24)) * time.Hour))
				}
				_, err = f.svc.Verify(f.as("boss"), x.ID, nonc.Verification{Effective: true, Password: ncPassword})
				if !expect("verify", err) && testing.Verbose() {
					t.Logf("finish %s %s: %v", nc.Number, x.Status, err)
				}
			}
			for _, a := range acts {
				for _, x := range nc.Actions {
					if a.id == x.ID {
						a.status = nonc.ActionVerifiedEffective
					}
				}
			}
		case r < 89:
			_, err := f.svc.Cancel(f.as("boss"), ncs[pick(len(ncs))], "Không phải điểm không phù hợp")
			expect("cancel", err)
		default:
			f.clk.addDays(pick(12))
		}
		// Time passes by hours too, so creations and closings fall at
		// every hour of the office's day (and across UTC's date line).
		f.clk.set(f.clk.now().Add(time.Duration(pick(10)) * time.Hour))
		if i%60 == 0 {
			f.checkCountsFromScratch(t, fmt.Sprintf("after step %d", i))
		}
	}
	var n struct {
		Months, Closed, ClosedLate, Reopened, Cancelled, Late int
	}
	if err := f.env.DB.GetContext(context.Background(), &n, `SELECT
			(SELECT count(DISTINCT date_trunc('month', created_at)) FROM ncs) AS months,
			(SELECT count(*) FROM ncs WHERE status = 'closed') AS closed,
			(SELECT count(*) FROM ncs n WHERE status = 'closed' AND EXISTS (SELECT 1 FROM nc_actions a WHERE a.nc_id = n.id
				AND (a.done_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date > a.due)) AS closedlate,
			(SELECT count(*) FROM nc_actions WHERE status = 'verified_not_effective') AS reopened,
			(SELECT count(*) FROM ncs WHERE status = 'cancelled') AS cancelled,
			(SELECT count(*) FROM nc_actions WHERE done_at IS NOT NULL AND done_at::date > due) AS late`); err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		var dbg []string
		_ = f.env.DB.Select(&dbg, `SELECT n.number || ' ' || n.status || ' ' || COALESCE(string_agg(a.status, ',' ORDER BY a.no), '') FROM ncs n LEFT JOIN nc_actions a ON a.nc_id = n.id GROUP BY n.number, n.status ORDER BY 1`)
		t.Log(strings.Join(dbg, "\n"))
	}
	t.Logf("%d NCs over %+v", len(ncs), n)
	if n.Months < 3 || n.Cancelled == 0 || n.Closed < 2 || n.ClosedLate == 0 || n.ClosedLate == n.Closed || n.Reopened == 0 || n.Late == 0 {
		t.Fatalf("the series did not cover months, closings on time and late, reopenings and cancellations: %+v", n)
	}
	// Whatever the actions do afterwards, a cancelled NC stays out of every
	// count; and an act that changes no count (containment) keeps them.
	for _, id := range ncs[:3] {
		_, err := f.svc.RecordContainment(f.as("boss"), id, nonc.Containment{Text: "Tạm dừng", By: "Tổ trưởng", On: f.today()})
		expect("containment", err)
	}
	f.checkCountsFromScratch(t, "at the end")
}

// TestNCCountsKeptForSQLWrites: counts follow rows written by SQL too (the
// seeding of a benchmark, a repair), inserted many at a time, updated and
// deleted; the migration's backfill is the same function over every row.
func TestNCCountsKeptForSQLWrites(t *testing.T) {
	f := newNCFixture(t)
	ctx := context.Background()
	const seed = `WITH n AS (
		INSERT INTO ncs (id, number, year, seq, source, severity, unit, title, detected_by, detected_on, status, cause_categories, created_at, closed_at)
		SELECT gen_random_uuid(), 'NC-2025-' || lpad(g::text, 4, '0'), 2025, g, 'self_report', 'minor',
			(ARRAY['phong-a','phong-b','phong-c'])[1 + g % 3], 'NC ' || g, 'x', DATE '2025-01-01' + (g % 300),
			(ARRAY['open','analysed','actions_planned','closed','cancelled'])[1 + g % 5],
			ARRAY[(ARRAY['people','method','equipment'])[1 + g % 3]],
			TIMESTAMPTZ '2025-01-01 16:30Z' + (g % 300) * interval '1 day',
			CASE WHEN g % 5 = 3 THEN TIMESTAMPTZ '2025-01-01 16:30Z' + (g % 300 + g % 40) * interval '1 day' END
		FROM generate_series(1, 500) g RETURNING id, unit, seq)
	INSERT INTO nc_actions (id, nc_id, no, unit, owner, description, due, verify_after, status, done_at)
	SELECT gen_random_uuid(), n.id, k, n.unit, $1, 'a', DATE '2025-01-10' + (n.seq % 400), DATE '2025-02-10' + (n.seq % 400),
		(ARRAY['open','in_progress','done','signed_off'])[1 + (n.seq + k) % 4],
		CASE WHEN (n.seq + k) % 4 >= 2 THEN TIMESTAMPTZ '2025-01-05' + (n.seq % 420) * interval '1 day' END
	FROM n, generate_series(1, 2) k`
	if _, err := f.env.DB.ExecContext(ctx, seed, f.id("owner-a")); err != nil {
		t.Fatal(err)
	}
	f.checkCountsFromScratch(t, "after the insert")
	for _, q := range []string{
		`UPDATE ncs SET status = 'cancelled' WHERE seq % 7 = 1 AND status <> 'closed'`,
		`UPDATE nc_actions SET status = 'done', done_at = now() WHERE no = 1 AND status = 'open'`,
		`UPDATE ncs SET cause_categories = ARRAY['method', 'material'] WHERE seq % 11 = 0`,
		`UPDATE ncs SET status = 'reopened', closed_at = NULL WHERE seq % 13 = 3 AND status = 'closed'`,
		`UPDATE nc_actions SET due = due - 30 WHERE no = 2 AND nc_id IN (SELECT id FROM ncs WHERE seq % 3 = 0)`,
		`UPDATE nc_actions SET status = 'open', done_at = NULL WHERE status = 'done' AND nc_id IN (SELECT id FROM ncs WHERE seq % 5 = 1)`,
		`DELETE FROM nc_actions WHERE nc_id IN (SELECT id FROM ncs WHERE seq % 17 = 0)`,
		`DELETE FROM ncs WHERE seq % 17 = 0`,
	} {
		if _, err := f.env.DB.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		f.checkCountsFromScratch(t, q)
	}
}

// TestNCOverdueBoundaryOfficeTimeZone: an action is overdue when it is
// pending and its due date is before today in the office's time zone
// (Asia/Ho_Chi_Minh, UTC+7): due on 10/03 it is not overdue at 23:59:59 on
// 10/03 there (16:59:59 UTC), and it is from 00:00 on 11/03 there (17:00
// UTC, still 10/03 in UTC), while the action due 11/03 is not. Scorecard,
// dashboard counts and the register agree; a cancelled NC's pending action
// is overdue for no one.
func TestNCOverdueBoundaryOfficeTimeZone(t *testing.T) {
	f := newNCFixture(t)
	f.clk.set(time.Date(2026, 3, 10, 2, 0, 0, 0, time.UTC)) // 09:00 on 10/03 in Hà Nội
	yesterdays := f.analysed("phong-a")
	todays := f.analysed("phong-a")
	d10, d11 := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 11, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		nc  string
		due time.Time
	}{{yesterdays.ID, d10}, {todays.ID, d11}} {
		if _, _, err := f.svc.AddAction(f.as("boss"), c.nc, nonc.NewAction{Unit: "phong-b", Owner: f.id("owner-b"),
			Description: "Khắc phục", Due: c.due, VerifyAfter: c.due}); err != nil {
			t.Fatal(err)
		}
	}
	state := func() string {
		t.Helper()
		sc, err := f.svc.Scorecard(f.as("boss"))
		if err != nil {
			t.Fatal(err)
		}
		dash, err := f.svc.OpenByUnit(f.as("boss"))
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, u := range sc.Units {
			if u.Unit == "phong-b" {
				out = append(out, fmt.Sprintf("scorecard=%d", u.Overdue))
			}
		}
		for _, u := range dash {
			if u.Unit == "phong-b" {
				out = append(out, fmt.Sprintf("dashboard=%d", u.Overdue))
			}
		}
		list, err := f.svc.List(f.as("boss"), nonc.Filter{Overdue: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range list {
			out = append(out, "listed="+n.Number)
		}
		all, err := f.svc.List(f.as("boss"), nonc.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range all {
			if n.Overdue {
				out = append(out, "flag="+n.Number)
			}
		}
		return strings.Join(out, " ")
	}
	f.clk.set(time.Date(2026, 3, 10, 16, 59, 59, 0, time.UTC))
	if got := state(); got != "scorecard=0" {
		t.Fatalf("at 23:59:59 on the due date: %s", got)
	}
	f.clk.set(time.Date(2026, 3, 10, 17, 0, 0, 0, time.UTC))
	want := "scorecard=1 dashboard=1 listed=" + yesterdays.Number + " flag=" + yesterdays.Number
	if got := state(); got != want {
		t.Fatalf("at 00:00 the day after the due date: %s, want %s", got, want)
	}
	if _, err := f.svc.Cancel(f.as("boss"), yesterdays.ID, "Trùng lặp"); err != nil {
		t.Fatal(err)
	}
	// The register keeps showing a cancelled NC's pending action as it is;
	// the counts of units not complying leave it out.
	if got := state(); got != "scorecard=0 listed="+yesterdays.Number+" flag="+yesterdays.Number {
		t.Fatalf("after cancelling: %s", got)
	}
}

// TestNCCommittedWithANumber: the number is taken last in the creating
// transaction; the database refuses at commit an NC left without one.
func TestNCCommittedWithANumber(t *testing.T) {
	f := newNCFixture(t)
	tx, err := f.env.DB.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`INSERT INTO ncs (id, year, source, severity, unit, title, detected_by, detected_on, status)
		VALUES (gen_random_uuid(), 2026, 'self_report', 'minor', 'phong-a', 't', 'x', '2026-03-10', 'open')`); err != nil {
		t.Fatal(err)
	}
	err = tx.Commit()
	if e, ok := err.(*pq.Error); !ok || e.Code != "23502" || !strings.Contains(e.Message, "has no number") {
		t.Fatalf("commit without a number: %v", err)
	}
	var n int
	if err := f.env.DB.Get(&n, `SELECT count(*) FROM ncs`); err != nil || n != 0 {
		t.Fatalf("%d NCs stored (%v)", n, err)
	}
	// A creation through the service is numbered, and the numbering keeps
	// its counts.
	nc := f.newNC("phong-a")
	if nc.Number != "NC-2026-0001" || nc.Seq != 1 {
		t.Fatalf("created %q seq %d", nc.Number, nc.Seq)
	}
	f.checkCountsFromScratch(t, "after a creation")
}

// TestNCListScopedToUnits: a reader of one unit lists its unit's NCs and
// the NCs of other units with an action in it (found through the actions
// whose unit is not their NC's), newest first, paged by the cursor across
// both; an NC of another unit without such an action stays out.
func TestNCListScopedToUnits(t *testing.T) {
	f := newNCFixture(t)
	add := func(nc nonc.NC, unit, owner string) {
		t.Helper()
		if _, _, err := f.svc.AddAction(f.as("boss"), nc.ID, nonc.NewAction{Unit: unit, Owner: f.id(owner),
			Description: "Khắc phục", Due: f.today(), VerifyAfter: f.today()}); err != nil {
			t.Fatal(err)
		}
	}
	a1 := f.analysed("phong-a")
	add(a1, "phong-b", "owner-b")
	f.newNC("phong-a")
	f.newNC("phong-b")
	a3 := f.analysed("phong-a")
	add(a3, "phong-a", "owner-a")
	f.newNC("phong-b")
	list := func(actor string, fl nonc.Filter) string {
		t.Helper()
		ncs, err := f.svc.List(f.as(actor), fl)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, n := range ncs {
			out = append(out, n.Number)
		}
		return strings.Join(out, " ")
	}
	for _, c := range []struct {
		actor string
		fl    nonc.Filter
		want  string
	}{
		{"head-b", nonc.Filter{}, "NC-2026-0005 NC-2026-0003 NC-2026-0001"},
		{"head-b", nonc.Filter{Limit: 2}, "NC-2026-0005 NC-2026-0003"},
		{"head-b", nonc.Filter{Limit: 2, Cursor: "NC-2026-0003"}, "NC-2026-0001"},
		{"head-b", nonc.Filter{Unit: "phong-a"}, "NC-2026-0001"},
		{"head", nonc.Filter{}, "NC-2026-0004 NC-2026-0002 NC-2026-0001"},
		{"boss", nonc.Filter{Limit: 3}, "NC-2026-0005 NC-2026-0004 NC-2026-0003"},
	} {
		if got := list(c.actor, c.fl); got != c.want {
			t.Errorf("%s %+v: %s, want %s", c.actor, c.fl, got, c.want)
		}
	}
	f.clk.addDays(1)
	if got := list("head-b", nonc.Filter{Overdue: true}); got != "NC-2026-0001" {
		t.Errorf("head-b overdue: %s", got)
	}
}

// TestNCNextDueKept: the NC's earliest pending due date (ncs.next_due, what
// the register's overdue filter and flag read) follows every change of its
// actions in the same transaction: an action added (earlier or later than
// the others), started, reported done, verified not effective (the NC
// reopened and a new action added), an NC cancelled with an action pending
// (kept: the register still shows it), a due date changed, an action
// deleted; and the register's overdue filter lists exactly the NCs whose
// kept date is before today.
func TestNCNextDueKept(t *testing.T) {
	f := newNCFixture(t)
	ctx := context.Background()
	kept := func(id string) string {
		t.Helper()
		var d *time.Time
		if err := f.env.DB.GetContext(ctx, &d, `SELECT next_due FROM ncs WHERE id = $1`, id); err != nil {
			t.Fatal(err)
		}
		if d == nil {
			return "none"
		}
		return d.Format("2006-01-02")
	}
	day := func(n int) time.Time { return f.today().AddDate(0, 0, n) }
	ymd := func(n int) string { return day(n).Format("2006-01-02") }
	check := func(when, id, want string) {
		t.Helper()
		if got := kept(id); got != want {
			t.Fatalf("%s: next_due %s, want %s", when, got, want)
		}
		f.checkCountsFromScratch(t, when)
	}
	add := func(ncID string, due int) nonc.Action {
		t.Helper()
		_, a, err := f.svc.AddAction(f.as("boss"), ncID, nonc.NewAction{Unit: "phong-a", Owner: f.id("owner-a"),
			Description: "Khắc phục", Due: day(due), VerifyAfter: day(due)})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	nc := f.analysed("phong-a")
	check("no action yet", nc.ID, "none")
	a := add(nc.ID, 10)
	check("one action added", nc.ID, ymd(10))
	b := add(nc.ID, 4)
	check("an earlier action added", nc.ID, ymd(4))
	add(nc.ID, 20)
	check("a later action added", nc.ID, ymd(4))
	if _, err := f.svc.Start(f.as("owner-a"), b.ID); err != nil {
		t.Fatal(err)
	}
	check("the earliest started (still pending)", nc.ID, ymd(4))
	if _, err := f.svc.Done(f.as("owner-a"), b.ID, "Đã làm", qms.FilesOf(pdf("b.pdf"))); err != nil {
		t.Fatal(err)
	}
	check("the earliest reported done", nc.ID, ymd(10))
	if _, err := f.env.DB.ExecContext(ctx, `UPDATE nc_actions SET due = $2 WHERE id = $1`, a.ID, day(-3)); err != nil {
		t.Fatal(err)
	}
	moved := ymd(-3)
	check("a due date moved earlier", nc.ID, moved)
	list := func() []string {
		t.Helper()
		l, err := f.svc.List(f.as("boss"), nonc.Filter{Overdue: true})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, n := range l {
			if !n.Overdue {
				t.Fatalf("%s listed as overdue without the flag", n.Number)
			}
			out = append(out, n.Number)
		}
		return out
	}
	if got := list(); len(got) != 1 || got[0] != nc.Number {
		t.Fatalf("overdue register %v, want [%s]", got, nc.Number)
	}
	// Every pending action through to "not effective": the NC is reopened,
	// has no pending action, and a new one brings its date back.
	n2, x := f.actionIn("phong-a", "owner-a", "head", nonc.ActionSignedOff)
	check("the only action signed off", n2.ID, "none")
	f.clk.addDays(1)
	if _, err := f.svc.Verify(f.as("boss"), x.ID, nonc.Verification{Effective: false, Comment: "Tái diễn", Password: ncPassword}); err != nil {
		t.Fatal(err)
	}
	if got, err := f.svc.Get(f.as("boss"), n2.ID); err != nil || got.Status != nonc.StatusReopened {
		t.Fatalf("not reopened: %v %v", got.Status, err)
	}
	check("verified not effective (reopened)", n2.ID, "none")
	add(n2.ID, 7)
	check("a new action after reopening", n2.ID, ymd(7))
	// Cancelling the NC leaves its pending action, and its date, as they are.
	if _, err := f.svc.Cancel(f.as("boss"), n2.ID, "Trùng lặp"); err != nil {
		t.Fatal(err)
	}
	check("NC cancelled", n2.ID, ymd(7))
	if _, err := f.env.DB.ExecContext(ctx, `DELETE FROM nc_actions WHERE nc_id = $1 AND status = 'open'`, n2.ID); err != nil {
		t.Fatal(err)
	}
	check("its pending action deleted", n2.ID, "none")
	// A refused step changes nothing.
	if _, err := f.svc.Done(f.as("owner-b"), a.ID, "Đã làm", qms.FilesOf(pdf("a.pdf"))); err == nil {
		t.Fatal("another unit's person reported an action done")
	}
	check("a refused step", nc.ID, moved)
}
