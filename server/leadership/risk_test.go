package leadership_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

type riskFixture struct {
	db    *sqlx.DB
	enf   *authz.Enforcer
	now   time.Time
	users map[string]qms.Actor
	r     *leadership.Risks
}

func (f *riskFixture) as(login string) context.Context {
	return qms.WithActor(context.Background(), f.users[login])
}

func (f *riskFixture) risks(sc leadership.Scale) *leadership.Risks {
	return leadership.NewRisks(postgres.NewRiskStore(f.db), f.enf, leadership.RiskOptions{Now: func() time.Time { return f.now }, Location: hcm, Scale: sc})
}

// riskSetup makes two units with a service each, and the people who keep,
// read and decide on risks.
func riskSetup(t *testing.T) *riskFixture {
	t.Helper()
	env := testenv.New(t)
	f := &riskFixture{db: env.DB, now: time.Date(2026, 5, 10, 10, 0, 0, 0, hcm)}
	f.users = testenv.People(t, env.DB, [][3]string{
		{"land", "Văn phòng Đăng ký đất đai", "Land registration office"}, {"justice", "Phòng Tư pháp", "Justice office"},
	}, [][3]string{
		{"coord", "coordinator", "*"}, {"landhead", "head", "land"}, {"jhead", "head", "justice"}, {"landstaff", "staff", "land"}, {"aud", "auditor", "*"},
	})
	var err error
	if f.enf, err = authz.New(env.DB); err != nil {
		t.Fatal(err)
	}
	f.service(t, "DD-01", "land")
	f.service(t, "TP-01", "justice")
	f.r = f.risks(leadership.Scale{})
	return f
}

func (f *riskFixture) service(t *testing.T, code, unit string) {
	t.Helper()
	if _, err := f.db.Exec(`INSERT INTO services (code, name_vi, field, unit, days) VALUES ($1, $2, 'land', $3, 5)`, code, "Thủ tục "+code, unit); err != nil {
		t.Fatal(err)
	}
}

func input(unit, service string) leadership.RiskInput {
	return leadership.RiskInput{Unit: unit, ProcessKind: leadership.ProcessService, ProcessCode: service, Title: "Hồ sơ trễ hạn do thiếu cán bộ",
		Likelihood: 4, Impact: 3, ResidualLikelihood: 1, ResidualImpact: 5, Treatment: "reduce", Owner: "landhead",
		ReviewOn: workday.Date{Year: 2026, Month: 6, Day: 30}}
}

func fieldMsg(t *testing.T, err error, field string) string {
	t.Helper()
	var ve *qms.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a validation error on %s, got %v", field, err)
	}
	return ve.Fields[field].ID
}

func (f *riskFixture) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := f.db.Get(&n, `SELECT count(*) FROM `+table); err != nil {
		t.Fatal(err)
	}
	return n
}

// The score rule: inherent = likelihood × impact, residual likewise, the
// level placed on the scale; values outside the configured scale are
// refused with their message and nothing is written.
func TestRiskScore(t *testing.T) {
	f := riskSetup(t)
	ctx := f.as("landhead")
	r, err := f.r.Create(ctx, input("land", "DD-01"))
	if err != nil {
		t.Fatal(err)
	}
	if r.InherentScore != 12 || r.ResidualScore != 5 || r.InherentLevel != leadership.LevelMedium || r.ResidualLevel != leadership.LevelLow {
		t.Errorf("scores %d (%s) / %d (%s), want 12 (medium) / 5 (low)", r.InherentScore, r.InherentLevel, r.ResidualScore, r.ResidualLevel)
	}
	if r.Version != 1 || r.Owner != "landhead" || r.Status != leadership.RiskOpen || r.Kind != leadership.KindRisk {
		t.Errorf("risk %+v", r)
	}
	in := input("land", "DD-01")
	in.Likelihood, in.Impact = 5, 5
	if r, err = f.r.Create(ctx, in); err != nil || r.InherentScore != 25 || r.InherentLevel != leadership.LevelHigh {
		t.Errorf("5 × 5: %d %s %v", r.InherentScore, r.InherentLevel, err)
	}
	risks, trail := f.count(t, "risks"), f.count(t, "trail")
	for _, c := range []struct {
		field, want string
		set         func(*leadership.RiskInput)
	}{
		{"likelihood", "a likelihood from 1 to %d", func(in *leadership.RiskInput) { in.Likelihood = 6 }},
		{"likelihood", "a likelihood from 1 to %d", func(in *leadership.RiskInput) { in.Likelihood = 0 }},
		{"impact", "an impact from 1 to %d", func(in *leadership.RiskInput) { in.Impact = 6 }},
		{"residual_likelihood", "a likelihood from 1 to %d", func(in *leadership.RiskInput) { in.ResidualLikelihood = -1 }},
		{"residual_impact", "an impact from 1 to %d", func(in *leadership.RiskInput) { in.ResidualImpact = 6 }},
		{"treatment", "one of accept, reduce, avoid, transfer", func(in *leadership.RiskInput) { in.Treatment = "pursue" }},
		{"treatment", "an opportunity is pursued", func(in *leadership.RiskInput) { in.Kind, in.Treatment = leadership.KindOpportunity, "reduce" }},
		{"process_code", "no service with this code", func(in *leadership.RiskInput) { in.ProcessCode = "XX-99" }},
		{"owner", "no active user with this login", func(in *leadership.RiskInput) { in.Owner = "nobody" }},
	} {
		in := input("land", "DD-01")
		c.set(&in)
		_, err := f.r.Create(ctx, in)
		if got := fieldMsg(t, err, c.field); got != c.want {
			t.Errorf("%s: message %q, want %q", c.field, got, c.want)
		}
	}
	// A configured scale of 3 × 4: its tops are the bounds.
	small := f.risks(leadership.Scale{Likelihood: 3, Impact: 4})
	in = input("land", "DD-01")
	in.Likelihood, in.Impact, in.ResidualLikelihood, in.ResidualImpact = 4, 4, 1, 1
	_, err = small.Create(ctx, in)
	if got := fieldMsg(t, err, "likelihood"); got != "a likelihood from 1 to %d" {
		t.Errorf("scale 3: %q", got)
	}
	var ve *qms.ValidationError
	errors.As(err, &ve)
	if args := ve.Fields["likelihood"].Args; len(args) != 1 || args[0] != 3 {
		t.Errorf("scale 3: args %v", args)
	}
	if _, ok := ve.Fields["impact"]; ok {
		t.Errorf("impact 4 is on a scale of 4: %v", ve.Fields)
	}
	if got, gotT := f.count(t, "risks"), f.count(t, "trail"); got != risks || gotT != trail {
		t.Errorf("refusals wrote: risks %d → %d, trail %d → %d", risks, got, trail, gotT)
	}
	in.Likelihood = 3
	if r, err = small.Create(ctx, in); err != nil || r.InherentScore != 12 || r.InherentLevel != leadership.LevelHigh {
		t.Errorf("3 × 4 on a 3 × 4 scale: %d %s %v", r.InherentScore, r.InherentLevel, err)
	}
	if got := f.count(t, "risks"); got != risks+1 {
		t.Errorf("risks %d, want %d", got, risks+1)
	}
	// An opportunity is pursued.
	in = input("land", "DD-01")
	in.Kind, in.Treatment = leadership.KindOpportunity, ""
	if r, err = f.r.Create(ctx, in); err != nil || r.Treatment != leadership.OpportunityTreatment {
		t.Errorf("opportunity: %+v %v", r, err)
	}
}

// The scale's levels: low up to a fifth of the top score, medium up to
// half, high above.
func TestRiskLevels(t *testing.T) {
	sc := leadership.Scale{Likelihood: 5, Impact: 5}
	for score, want := range map[int]string{1: "low", 5: "low", 6: "medium", 12: "medium", 13: "high", 25: "high"} {
		if got := sc.Level(score); got != want {
			t.Errorf("level of %d: %s, want %s", score, got, want)
		}
	}
	if leadership.Score(4, 3) != 12 {
		t.Error("score 4 × 3")
	}
}

// Optimistic concurrency: a change names the version it was made on; an
// older version is a conflict and changes nothing.
func TestRiskVersion(t *testing.T) {
	f := riskSetup(t)
	ctx := f.as("landhead")
	r, err := f.r.Create(ctx, input("land", "DD-01"))
	if err != nil {
		t.Fatal(err)
	}
	up := leadership.RiskUpdate{ProcessKind: r.ProcessKind, ProcessCode: r.ProcessCode, Title: "Thiếu cán bộ tiếp nhận", Likelihood: 3, Impact: 3,
		ResidualLikelihood: 2, ResidualImpact: 2, Treatment: "reduce", Owner: "landhead", ReviewOn: r.ReviewOn, Status: leadership.RiskMonitored, Version: 1}
	r2, err := f.r.Update(ctx, r.ID, up)
	if err != nil || r2.Version != 2 || r2.InherentScore != 9 || r2.ResidualScore != 4 || r2.Status != leadership.RiskMonitored {
		t.Fatalf("update: %+v %v", r2, err)
	}
	trail := f.count(t, "trail")
	up.Title = "Sửa chồng"
	if _, err := f.r.Update(f.as("coord"), r.ID, up); !errors.Is(err, qms.ErrConflict) ||
		qms.MsgOf(err).ID != "the risk was changed by someone else since version %d: reload it and make your change again" {
		t.Fatalf("stale version: %v", err)
	}
	if got, _ := f.r.Get(ctx, r.ID); got.Title != "Thiếu cán bộ tiếp nhận" || got.Version != 2 || f.count(t, "trail") != trail {
		t.Errorf("a stale change moved the risk: %+v", got)
	}
	up.Version = 0
	if _, err := f.r.Update(ctx, r.ID, up); fieldMsg(t, err, "version") != "the version of the risk you changed is required" {
		t.Errorf("no version: %v", err)
	}
}

// The reviews due: entries not closed whose review date has come, today
// included, soonest first.
func TestRiskReviewDue(t *testing.T) {
	f := riskSetup(t)
	ctx := f.as("landhead")
	today := workday.DateOf(f.now, hcm)
	mk := func(title string, on workday.Date, status string) string {
		in := input("land", "DD-01")
		in.Title, in.ReviewOn, in.Status = title, on, status
		r, err := f.r.Create(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	yesterday := mk("hôm qua", today.AddDays(-1), leadership.RiskOpen)
	todayID := mk("hôm nay", today, leadership.RiskMonitored)
	mk("ngày mai", today.AddDays(1), leadership.RiskOpen)
	mk("đã đóng", today.AddDays(-5), leadership.RiskClosed)
	due, err := f.r.Due(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 || due[0].ID != yesterday || due[1].ID != todayID || !due[0].ReviewDue || !due[1].ReviewDue {
		t.Fatalf("due %+v", due)
	}
	if got, _ := f.r.DueFor(ctx, f.users["landhead"]); len(got) != 2 {
		t.Errorf("home page of the head: %d", len(got))
	}
	if got, _ := f.r.DueFor(ctx, f.users["jhead"]); len(got) != 0 {
		t.Errorf("another unit's head sees %d", len(got))
	}
	all, _ := f.r.List(ctx, leadership.RiskFilter{})
	for _, r := range all {
		if (r.Title == "ngày mai" || r.Title == "đã đóng") && r.ReviewDue {
			t.Errorf("%s: marked due", r.Title)
		}
	}
}

// Unit authority: a head keeps their unit's risks only; another unit's
// head is refused (tables unchanged) and does not see them; staff and
// auditors read; the coordinator keeps every unit's.
func TestRiskUnitAuthority(t *testing.T) {
	f := riskSetup(t)
	r, err := f.r.Create(f.as("landhead"), input("land", "DD-01"))
	if err != nil {
		t.Fatal(err)
	}
	risks, trail := f.count(t, "risks"), f.count(t, "trail")
	_, err = f.r.Create(f.as("jhead"), input("land", "DD-01"))
	if !errors.Is(err, qms.ErrForbidden) || qms.MsgOf(err).ID != "you may not keep the risks of unit %s" {
		t.Fatalf("another unit's head adds: %v", err)
	}
	up := leadership.RiskUpdate{ProcessKind: r.ProcessKind, ProcessCode: r.ProcessCode, Title: "x", Likelihood: 1, Impact: 1,
		ResidualLikelihood: 1, ResidualImpact: 1, Treatment: "accept", Owner: "jhead", ReviewOn: r.ReviewOn, Version: r.Version}
	if _, err := f.r.Update(f.as("jhead"), r.ID, up); !errors.Is(err, qms.ErrNotFound) {
		t.Errorf("another unit's head changes: %v", err)
	}
	if _, err := f.r.Update(f.as("landstaff"), r.ID, up); !errors.Is(err, qms.ErrForbidden) || qms.MsgOf(err).ID != "you may not keep the risks of unit %s" {
		t.Errorf("staff changes: %v", err)
	}
	if _, err := f.r.Create(f.as("aud"), input("land", "DD-01")); !errors.Is(err, qms.ErrForbidden) {
		t.Errorf("auditor adds: %v", err)
	}
	if _, err := f.r.AddLink(f.as("jhead"), r.ID, leadership.LinkInput{Kind: "nc", Target: qms.NewID()}); !errors.Is(err, qms.ErrNotFound) {
		t.Errorf("another unit's head links: %v", err)
	}
	if got, gotT := f.count(t, "risks"), f.count(t, "trail"); got != risks || gotT != trail {
		t.Errorf("refusals wrote: risks %d → %d, trail %d → %d", risks, got, trail, gotT)
	}
	if got, _ := f.r.Get(f.as("landhead"), r.ID); got.Title != r.Title || got.Version != 1 {
		t.Errorf("refused change moved the risk: %+v", got)
	}
	if _, err := f.r.Get(f.as("jhead"), r.ID); !errors.Is(err, qms.ErrNotFound) {
		t.Errorf("another unit's head reads: %v", err)
	}
	for _, who := range []string{"landstaff", "aud", "coord"} {
		if _, err := f.r.Get(f.as(who), r.ID); err != nil {
			t.Errorf("%s reads: %v", who, err)
		}
	}
	if list, _ := f.r.List(f.as("jhead"), leadership.RiskFilter{}); len(list) != 0 {
		t.Errorf("another unit's head lists %d", len(list))
	}
	if _, err := f.r.Create(f.as("coord"), input("justice", "TP-01")); err != nil {
		t.Errorf("coordinator adds in justice: %v", err)
	}
	hm, err := f.r.HeatMap(f.as("jhead"), "", false)
	if err != nil || hm.Total != 1 || hm.Count(4, 3) != 1 {
		t.Errorf("justice head's heat map: %+v %v", hm, err)
	}
	hm, _ = f.r.HeatMap(f.as("aud"), "", true)
	if hm.Total != 2 || hm.Count(1, 5) != 2 || len(hm.Cells) != 5 {
		t.Errorf("auditor's residual heat map: %+v", hm)
	}
}

// month writes the monthly figures of a service: returned dossiers, the
// late ones among them.
func (f *riskFixture) month(t *testing.T, service, unit string, y int, m time.Month, returned, late int) {
	t.Helper()
	day := fmt.Sprintf("%04d-%02d-01", y, m)
	for outcome, n := range map[string]int{"on_time": returned - late, "late": late, "received": returned} {
		if n == 0 {
			continue
		}
		if _, err := f.db.Exec(`INSERT INTO dossier_stats_month (month, unit, service_code, field, channel, outcome, n, days)
			VALUES ($1, $2, $3, 'land', 'online_full', $4, $5, 0)`, day, unit, service, outcome, n); err != nil {
			t.Fatal(err)
		}
	}
}

func (f *riskFixture) objective(t *testing.T, service, unit string, target float64) string {
	t.Helper()
	return f.objectiveIn(t, service, unit, target, "2026-12-31")
}

func (f *riskFixture) objectiveIn(t *testing.T, service, unit string, target float64, to string) string {
	t.Helper()
	var id string
	if err := f.db.Get(&id, `INSERT INTO objectives (title, kpi, comparator, target, period_from, period_to, unit, service_code, created_by)
		VALUES ($1, 'on_time_rate', '>=', $2, '2026-01-01', $5, $3, $4, 'coord') RETURNING id`,
		"Đúng hạn "+service, target, unit, service, to); err != nil {
		t.Fatal(err)
	}
	return id
}

func ids(list []leadership.Suggestion) map[string]leadership.Suggestion {
	out := map[string]leadership.Suggestion{}
	for _, s := range list {
		out[s.Service] = s
	}
	return out
}

// The suggestion rule: exactly three complete months below the objective
// give one suggestion; two months, or a month at the objective, none; a
// dismissed streak stays dismissed while it lasts and a new streak is
// suggested again; accepting makes a risk linked to the service, once.
func TestRiskSuggestions(t *testing.T) {
	f := riskSetup(t)
	for _, c := range []string{"A", "B", "C", "D"} {
		f.service(t, "S-"+c, "land")
		f.objective(t, "S-"+c, "land", 90)
	}
	// S-F returned nothing in April (dossiers received only): the streak
	// ends there.
	f.service(t, "S-F", "land")
	f.objective(t, "S-F", "land", 90)
	for m := time.January; m <= time.March; m++ {
		f.month(t, "S-F", "land", 2026, m, 10, 9)
	}
	if _, err := f.db.Exec(`INSERT INTO dossier_stats_month (month, unit, service_code, field, channel, outcome, n, days)
		VALUES ('2026-04-01', 'land', 'S-F', 'land', 'online_full', 'received', 7, 0)`); err != nil {
		t.Fatal(err)
	}
	// S-E's objective ended with March: April, the last complete month, is
	// not measured against it.
	f.service(t, "S-E", "land")
	f.objectiveIn(t, "S-E", "land", 90, "2026-03-31")
	// today 10/05/2026: the complete months are up to April.
	for m := time.January; m <= time.April; m++ {
		f.month(t, "S-A", "land", 2026, m, 10, map[bool]int{true: 5, false: 0}[m >= time.February]) // Feb-Apr below: 3
		f.month(t, "S-B", "land", 2026, m, 10, map[bool]int{true: 5, false: 0}[m >= time.March])    // Mar-Apr: 2
		f.month(t, "S-C", "land", 2026, m, 10, map[bool]int{true: 1, false: 5}[m == time.March])    // March at 90 %
		f.month(t, "S-D", "land", 2026, m, 20, 4)                                                   // Jan-Apr at 80 %
		f.month(t, "S-E", "land", 2026, m, 10, 9)
	}
	f.month(t, "S-B", "land", 2026, time.May, 10, 10) // the current month does not count
	list, err := f.r.Suggestions(f.as("coord"))
	if err != nil {
		t.Fatal(err)
	}
	got := ids(list)
	if len(list) != 2 || got["S-A"].From != "2026-02" || got["S-A"].To != "2026-04" || len(got["S-A"].Months) != 3 || got["S-D"].From != "2026-01" {
		t.Fatalf("suggestions %+v", list)
	}
	if m := got["S-A"].Months[0]; m.OnTimeRate != 50 || m.Late != 5 || m.Returned != 10 {
		t.Errorf("February of S-A: %+v", m)
	}
	if d := got["S-A"].Draft; d.Unit != "land" || d.ProcessCode != "S-A" || d.ProcessKind != "service" || d.Title != "Thủ tục S-A" {
		t.Errorf("draft %+v", d)
	}
	// Only who decides sees them.
	if l, _ := f.r.Suggestions(f.as("landhead")); len(l) != 0 {
		t.Errorf("the head sees %d suggestions", len(l))
	}
	if _, err := f.r.Accept(f.as("landhead"), got["S-A"].ID, leadership.AcceptInput{}); !errors.Is(err, qms.ErrNotFound) {
		t.Errorf("the head accepts: %v", err)
	}

	// Dismissed stays dismissed while the streak lasts.
	if _, err := f.r.Dismiss(f.as("coord"), got["S-A"].ID, leadership.DismissInput{Reason: "Đã có kế hoạch bổ sung cán bộ"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.r.Dismiss(f.as("coord"), got["S-A"].ID, leadership.DismissInput{}); !errors.Is(err, qms.ErrNotFound) {
		t.Errorf("dismissed twice: %v", err)
	}
	f.month(t, "S-A", "land", 2026, time.May, 10, 5)
	f.month(t, "S-D", "land", 2026, time.May, 20, 4)
	f.now = time.Date(2026, 6, 10, 10, 0, 0, 0, hcm)
	list, _ = f.r.Suggestions(f.as("coord"))
	if _, ok := ids(list)["S-A"]; ok {
		t.Errorf("the dismissed streak came back: %+v", list)
	}
	if sb, ok := ids(list)["S-B"]; !ok || sb.From != "2026-03" || sb.To != "2026-05" {
		t.Errorf("S-B in June (March to May): %+v", list)
	}

	// Accepting makes the risk, linked to the service and its trend.
	sd := ids(list)["S-D"]
	risks := f.count(t, "risks")
	r, err := f.r.Accept(f.as("coord"), sd.ID, leadership.AcceptInput{Cause: "Thiếu cán bộ thẩm định", Owner: "landhead"})
	if err != nil {
		t.Fatal(err)
	}
	if r.ProcessKind != "service" || r.ProcessCode != "S-D" || r.Unit != "land" || r.Kind != "risk" || r.Cause != "Thiếu cán bộ thẩm định" ||
		r.Owner != "landhead" || r.Trend == nil || r.Trend.From != "2026-01" || r.Trend.To != "2026-05" || r.InherentScore != 12 {
		t.Errorf("accepted risk %+v", r)
	}
	if f.count(t, "risks") != risks+1 {
		t.Error("no risk written")
	}
	if _, err := f.r.Accept(f.as("coord"), sd.ID, leadership.AcceptInput{}); !errors.Is(err, qms.ErrNotFound) {
		t.Errorf("accepted twice: %v", err)
	}
	if f.count(t, "risks") != risks+1 {
		t.Error("accepting twice wrote a risk")
	}
	list, _ = f.r.Suggestions(f.as("coord"))
	if len(list) != 1 || list[0].Service != "S-B" {
		t.Errorf("after the decisions: %+v", list)
	}

	// A month at the objective ends the streak; a new streak of three is a
	// new suggestion.
	f.month(t, "S-A", "land", 2026, time.June, 10, 1)
	for m := time.July; m <= time.September; m++ {
		f.month(t, "S-A", "land", 2026, m, 10, 2)
	}
	f.now = time.Date(2026, 10, 10, 10, 0, 0, 0, hcm)
	list, _ = f.r.Suggestions(f.as("coord"))
	if sa, ok := ids(list)["S-A"]; !ok || sa.From != "2026-07" || sa.To != "2026-09" {
		t.Errorf("the new streak: %+v", list)
	}
}
