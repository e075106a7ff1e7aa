package nonconformity_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	nonc "github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/qms"
)

// The tests of this file pin the bounds and conditions that a small change
// of the code (a mutant: >= for >, a negated test) would move without any
// other test noticing. Each names the rule it holds.

// TestMutantActionsPerNCBound: an NC takes 50 actions, the 51st is refused
// with the bound's message and adds nothing.
func TestMutantActionsPerNCBound(t *testing.T) {
	f := newNCFixture(t)
	today := f.today()
	nc := f.analysed("phong-a")
	for i := 0; i < 50; i++ {
		if _, _, err := f.svc.AddAction(f.as("boss"), nc.ID, nonc.NewAction{Unit: "phong-a", Owner: f.id("owner-a"),
			Description: fmt.Sprintf("Việc %d", i+1), Due: today, VerifyAfter: today}); err != nil {
			t.Fatalf("action %d of 50: %v", i+1, err)
		}
	}
	_, _, err := f.svc.AddAction(f.as("boss"), nc.ID, nonc.NewAction{Unit: "phong-a", Owner: f.id("owner-a"),
		Description: "Việc 51", Due: today, VerifyAfter: today})
	if qms.KindOf(err) != qms.ErrInvalid || !strings.Contains(err.Error(), "at most 50 actions") {
		t.Fatalf("51st action: %v, want the bound of 50", err)
	}
	if got, _ := f.svc.Get(f.as("boss"), nc.ID); len(got.Actions) != 50 {
		t.Fatalf("NC holds %d actions, want 50", len(got.Actions))
	}
}

// TestMutantAddActionAnswersTheNewAction: with an action already planned,
// AddAction answers the one it added, not another of the NC's.
func TestMutantAddActionAnswersTheNewAction(t *testing.T) {
	f := newNCFixture(t)
	today := f.today()
	nc := f.analysed("phong-a")
	// The answer is the action as stored: its owner's name and creation
	// time come from the database, not from the request.
	first, act, err := f.svc.AddAction(f.as("boss"), nc.ID, nonc.NewAction{Unit: "phong-a", Owner: f.id("owner-a"),
		Description: "Việc thứ nhất", Due: today, VerifyAfter: today})
	if err != nil {
		t.Fatal(err)
	}
	if act.OwnerName != "Người owner-a" || act.CreatedAt.IsZero() || act.ID != first.Actions[0].ID {
		t.Fatalf("answered action: owner name %q, created %v, want the stored action", act.OwnerName, act.CreatedAt)
	}
	got, act, err := f.svc.AddAction(f.as("boss"), nc.ID, nonc.NewAction{Unit: "phong-b", Owner: f.id("owner-b"),
		Description: "Việc thứ hai", Due: today, VerifyAfter: today})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Actions) != 2 || act.Description != "Việc thứ hai" || act.Unit != "phong-b" || act.ID != got.Actions[1].ID {
		t.Fatalf("answered action %q in %s (id %s), want the second of %d", act.Description, act.Unit, act.ID, len(got.Actions))
	}
}

// TestMutantWhysBound: five whys are kept, a sixth is refused; a why too
// long is named by its place, counted from 1.
func TestMutantWhysBound(t *testing.T) {
	f := newNCFixture(t)
	five := []string{"Một", "Hai", "Ba", "Bốn", "Năm"}
	nc := f.newNC("phong-a")
	got, err := f.svc.RecordCause(f.as("boss"), nc.ID, nonc.Cause{Whys: five, Categories: []string{"method"}, Summary: "Năm lần tại sao"})
	if err != nil {
		t.Fatalf("five whys: %v", err)
	}
	if len(got.Whys) != 5 || got.Whys[4] != "Năm" {
		t.Fatalf("five whys kept as %q", got.Whys)
	}
	nc = f.newNC("phong-a")
	_, err = f.svc.RecordCause(f.as("boss"), nc.ID, nonc.Cause{Whys: append(five, "Sáu"), Categories: []string{"method"}, Summary: "x"})
	var ve *qms.ValidationError
	if !errors.As(err, &ve) || !strings.Contains(ve.Fields["whys"].String(), "at most five whys") {
		t.Fatalf("six whys: %v, want the bound of five", err)
	}
	_, err = f.svc.RecordCause(f.as("boss"), nc.ID, nonc.Cause{Whys: []string{strings.Repeat("a", 501)}, Categories: []string{"method"}, Summary: "x"})
	if !errors.As(err, &ve) || !strings.Contains(ve.Fields["whys"].String(), "why 1 is too long") {
		t.Fatalf("a long first why: %v, want it named why 1", err)
	}
	if again, _ := f.svc.Get(f.as("boss"), nc.ID); len(again.Whys) != 0 || again.Status != nonc.StatusOpen {
		t.Fatalf("refused causes left %q, status %s", again.Whys, again.Status)
	}
}

// TestMutantFilesPerActBound: one act takes 20 files, 21 are refused.
func TestMutantFilesPerActBound(t *testing.T) {
	f := newNCFixture(t)
	files := func(n int) qms.FileSource {
		us := make([]qms.Upload, n)
		for i := range us {
			us[i] = pdf(fmt.Sprintf("bang-chung-%02d.pdf", i+1))
		}
		return qms.FilesOf(us...)
	}
	_, act := f.actionIn("phong-a", "owner-a", "head", nonc.ActionInProgress)
	_, err := f.svc.Done(f.as("owner-a"), act.ID, "Đã làm", files(21))
	if qms.KindOf(err) != qms.ErrInvalid || !strings.Contains(err.Error(), "at most 20 files") {
		t.Fatalf("21 files: %v, want the bound of 20", err)
	}
	got, err := f.svc.Done(f.as("owner-a"), act.ID, "Đã làm", files(20))
	if err != nil {
		t.Fatalf("20 files: %v", err)
	}
	n := 0
	for _, x := range got.Files {
		if x.ActionID == act.ID {
			n++
		}
	}
	if n != 20 || got.Actions[0].Status != nonc.ActionDone {
		t.Fatalf("action %s with %d files, want done with 20", got.Actions[0].Status, n)
	}
}

// TestMutantOverdueFollowsPendingActions: an NC is overdue when an action
// still open or in progress is past its due date, and not when the late
// action is done.
func TestMutantOverdueFollowsPendingActions(t *testing.T) {
	f := newNCFixture(t)
	ncOpen, _ := f.actionIn("phong-a", "owner-a", "head", nonc.ActionOpen)
	ncStarted, _ := f.actionIn("phong-a", "owner-a", "head", nonc.ActionInProgress)
	ncDone, _ := f.actionIn("phong-a", "owner-a", "head", nonc.ActionDone)
	for _, c := range []struct {
		id   string
		want bool
	}{{ncOpen.ID, false}, {ncStarted.ID, false}, {ncDone.ID, false}} {
		if got, err := f.svc.Get(f.as("boss"), c.id); err != nil || got.Overdue != c.want {
			t.Fatalf("on the due date: overdue %v (%v), want %v", got.Overdue, err, c.want)
		}
	}
	f.clk.addDays(2)
	for name, c := range map[string]struct {
		id   string
		want bool
	}{"open": {ncOpen.ID, true}, "in progress": {ncStarted.ID, true}, "done": {ncDone.ID, false}} {
		if got, err := f.svc.Get(f.as("boss"), c.id); err != nil || got.Overdue != c.want {
			t.Errorf("two days late, action %s: overdue %v (%v), want %v", name, got.Overdue, err, c.want)
		}
	}
}

// TestMutantDesignatedVerifierReadsTheNC: a verifier named from another
// unit reads the NC through that role alone; a head of that unit who is
// not named does not.
func TestMutantDesignatedVerifierReadsTheNC(t *testing.T) {
	f := newNCFixture(t)
	today := f.today()
	nc := f.analysed("phong-a")
	if _, _, err := f.svc.AddAction(f.as("boss"), nc.ID, nonc.NewAction{Unit: "phong-a", Owner: f.id("owner-a"), Verifier: f.id("head-b"),
		Description: "Kiểm tra chéo", Due: today, VerifyAfter: today}); err != nil {
		t.Fatal(err)
	}
	if got, err := f.svc.Get(f.as("head-b"), nc.ID); err != nil || got.ID != nc.ID {
		t.Fatalf("named verifier reads the NC: %v", err)
	}
	other := f.analysed("phong-a")
	if _, _, err := f.svc.AddAction(f.as("boss"), other.ID, nonc.NewAction{Unit: "phong-a", Owner: f.id("owner-a"), Verifier: f.id("coordinator"),
		Description: "Kiểm tra", Due: today, VerifyAfter: today}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Get(f.as("head-b"), other.ID); qms.KindOf(err) != qms.ErrNotFound {
		t.Fatalf("head-b, not named, reads another NC of phong-a: %v, want not found", err)
	}
}

// service is a second NC service on the fixture's store, clock, zone and
// trail, with the other options of o (the fixture's own has fixed ones).
func (f *ncFixture) service(o nonc.Options) *nonc.Service {
	o.Now, o.Location, o.Trail = f.clk.now, hcm, f.trail
	return nonc.New(f.store, ncBlobs{f.env.Blob}, f.az, f.ids, o)
}

// directivesOf stands in for the leadership capability's count of overdue
// directives per unit (the scorecard's only use of it).
type directivesOf map[string]int

func (d directivesOf) OverdueDirectivesByUnit(context.Context) (map[string]int, error) { return d, nil }

// TestMutantScorecardFiguresAndOrder: the share of NCs closed on time is
// on-time closings over closings in percent, absent for a unit without
// closings; the units to call to account come most overdue work first,
// counting overdue actions, unanswered NCs and overdue directives together.
func TestMutantScorecardFiguresAndOrder(t *testing.T) {
	f := newNCFixture(t)
	directives := directivesOf{"phong-c": 3}
	svc := f.service(nonc.Options{MaxFileSize: 1 << 20, AnalysisDays: 14, BaseURL: "http://qms.example", Directives: directives})
	verify := func(actionID string) {
		t.Helper()
		nc, err := svc.Verify(f.as("boss"), actionID, nonc.Verification{Effective: true, Password: ncPassword})
		if err != nil || nc.Status != nonc.StatusClosed {
			t.Fatalf("verify: %v (%s)", err, nc.Status)
		}
	}
	// phong-a: one NC closed on time, one closed two days late.
	_, onTime := f.actionIn("phong-a", "owner-a", "head", nonc.ActionSignedOff)
	verify(onTime.ID)
	_, late := f.actionIn("phong-a", "owner-a", "head", nonc.ActionInProgress)
	f.clk.addDays(2)
	if _, err := svc.Done(f.as("owner-a"), late.ID, "Đã làm, muộn", qms.FilesOf(pdf("muon.pdf"))); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SignOff(f.as("head"), late.ID, ncPassword); err != nil {
		t.Fatal(err)
	}
	verify(late.ID)
	// phong-a: one action overdue; phong-b: two NCs unanswered after the
	// analysis period; phong-c: three overdue directives.
	f.actionIn("phong-a", "owner-a", "head", nonc.ActionOpen)
	f.newNC("phong-b")
	f.newNC("phong-b")
	f.clk.addDays(15)
	sc, err := svc.Scorecard(f.as("boss"))
	if err != nil {
		t.Fatal(err)
	}
	byUnit := map[string]nonc.UnitScore{}
	for _, u := range sc.Units {
		byUnit[u.Unit] = u
	}
	a, b := byUnit["phong-a"], byUnit["phong-b"]
	if a.Closed != 2 || a.ClosedOnTime != 1 || a.OnTimePct == nil || *a.OnTimePct != 50 {
		t.Fatalf("phong-a: closed %d, on time %d, share %v; want 2, 1, 50 %%", a.Closed, a.ClosedOnTime, f64(a.OnTimePct))
	}
	if a.MeanDaysToClose == nil || *a.MeanDaysToClose < 0.99 || *a.MeanDaysToClose > 1.01 {
		t.Fatalf("phong-a: mean days to close %v, want 1 (0 and 2)", f64(a.MeanDaysToClose))
	}
	if b.Closed != 0 || b.OnTimePct != nil || b.MeanDaysToClose != nil {
		t.Fatalf("phong-b without closings: share %v, mean %v, want none", f64(b.OnTimePct), f64(b.MeanDaysToClose))
	}
	order := func(sc nonc.Scorecard) string {
		out := []string{}
		for _, u := range sc.NonComplying {
			out = append(out, fmt.Sprintf("%s:%d+%d+%d", u.Unit, u.Overdue, u.Unanswered, u.OverdueDirectives))
		}
		return strings.Join(out, " ")
	}
	if got := order(sc); got != "phong-c:0+0+3 phong-b:0+2+0 phong-a:1+0+0" {
		t.Fatalf("units to call to account: %s", got)
	}
	for _, c := range []struct {
		what, unit string
		n          int
		want       string
	}{
		// In phong-a, which has NCs: its line is read before phong-b's
		// and counts both.
		{"directives in phong-a", "phong-a", 3, "phong-a:1+0+3 phong-b:0+2+0"},
		// Equal work: by the unit's code.
		{"a tie", "phong-c", 2, "phong-b:0+2+0 phong-c:0+0+2 phong-a:1+0+0"},
	} {
		clear(directives)
		directives[c.unit] = c.n
		if sc, err = svc.Scorecard(f.as("boss")); err != nil {
			t.Fatal(err)
		}
		if got := order(sc); got != c.want {
			t.Fatalf("units to call to account, %s: %s", c.what, got)
		}
	}
}

func f64(p *float64) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprint(*p)
}

// TestMutantCausesPareto: causes come most frequent first, ties by name,
// each with the cumulative share of all causes.
func TestMutantCausesPareto(t *testing.T) {
	f := newNCFixture(t)
	for _, cats := range [][]string{{"method"}, {"people", "method"}, {"environment"}, {"measurement", "method"}, {"environment"}} {
		nc := f.newNC("phong-c")
		if _, err := f.svc.RecordCause(f.as("boss"), nc.ID, nonc.Cause{Whys: []string{"Vì sao"}, Categories: cats, Summary: "Nguyên nhân"}); err != nil {
			t.Fatal(err)
		}
	}
	sc, err := f.svc.Scorecard(f.as("boss"))
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, c := range sc.Causes {
		got = append(got, fmt.Sprintf("%s:%d:%.1f", c.Category, c.Count, c.CumulativePct))
	}
	if want := "method:3:42.9 environment:2:71.4 measurement:1:85.7 people:1:100.0"; strings.Join(got, " ") != want {
		t.Fatalf("causes %s, want %s", strings.Join(got, " "), want)
	}
}

// TestMutantServiceDefaults: a service made without a file limit takes
// files (64 MiB by default, not none); the analysis period is the one set,
// 14 days when none is.
func TestMutantServiceDefaults(t *testing.T) {
	f := newNCFixture(t)
	mk := func(days int) *nonc.Service { return f.service(nonc.Options{AnalysisDays: days}) }
	_, act := f.actionIn("phong-a", "owner-a", "head", nonc.ActionInProgress)
	big := qms.Upload{Name: "ban-quet.pdf", Body: io.MultiReader(strings.NewReader("%PDF-1.4\n"), io.LimitReader(zeroReader{}, 64<<20+1-9))}
	if _, err := mk(0).Done(f.as("owner-a"), act.ID, "Đã làm", qms.FilesOf(big)); qms.KindOf(err) != qms.ErrTooLarge {
		t.Fatalf("a file of 64 MiB + 1 byte with the default limit: %v, want too large", err)
	}
	got, err := mk(0).Done(f.as("owner-a"), act.ID, "Đã làm", qms.FilesOf(pdf("bien-ban.pdf")))
	if err != nil || len(got.Files) != 1 || got.Actions[0].Status != nonc.ActionDone {
		t.Fatalf("a small file with the default limit: %v", err)
	}
	f.newNC("phong-b")
	f.clk.addDays(4)
	for _, c := range []struct{ days, want, unanswered int }{{0, 14, 0}, {3, 3, 1}, {14, 14, 0}} {
		sc, err := mk(c.days).Scorecard(f.as("boss"))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, u := range sc.Units {
			if u.Unit == "phong-b" {
				n = u.Unanswered
			}
		}
		if sc.AnalysisDays != c.want || n != c.unanswered {
			t.Errorf("analysis days set %d: period %d, phong-b unanswered %d after 4 days; want %d, %d", c.days, sc.AnalysisDays, n, c.want, c.unanswered)
		}
	}
}

// TestMutantAssignmentSubjectKeepsA120CharacterDescription: the
// assignment's notice quotes a description of 120 characters whole and
// cuts a longer one with an ellipsis.
func TestMutantAssignmentSubjectKeepsA120CharacterDescription(t *testing.T) {
	f := newNCFixture(t)
	today := f.today()
	nc := f.analysed("phong-a")
	for _, n := range []int{120, 121} {
		desc := strings.Repeat("ắ", n-1) + "Z"
		if _, _, err := f.svc.AddAction(f.as("boss"), nc.ID, nonc.NewAction{Unit: "phong-b", Owner: f.id("owner-b"),
			Description: desc, Due: today, VerifyAfter: today}); err != nil {
			t.Fatal(err)
		}
	}
	var subjects []string
	if err := f.env.DB.Select(&subjects, `SELECT subject FROM notifications WHERE user_id = $1 AND kind = 'nc.action.assigned' ORDER BY created_at, subject`, f.id("owner-b")); err != nil {
		t.Fatal(err)
	}
	if len(subjects) != 2 {
		t.Fatalf("notices %q", subjects)
	}
	whole, cut := 0, 0
	for _, s := range subjects {
		switch {
		case strings.Contains(s, strings.Repeat("ắ", 119)+"Z") && !strings.Contains(s, "…"):
			whole++
		case strings.Contains(s, strings.Repeat("ắ", 120)+"…") && !strings.Contains(s, "Z"):
			cut++
		}
	}
	if whole != 1 || cut != 1 {
		t.Fatalf("notices %q: want one whole description of 120 characters and one cut at 120", subjects)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestMutantButtonsFollowOwnerAndStatus: the owner of an open action may
// start it, of one in progress report it done; another person of the unit
// has no button on it (no entry at all), and the head signs a done action
// off.
func TestMutantButtonsFollowOwnerAndStatus(t *testing.T) {
	f := newNCFixture(t)
	buttons := func(who string, nc nonc.NC, actionID string) string {
		t.Helper()
		got, err := f.svc.Get(f.as("boss"), nc.ID)
		if err != nil {
			t.Fatal(err)
		}
		acts, ok := f.svc.PermissionsOf(f.as(who), got).Actions[actionID]
		if !ok {
			return "no entry"
		}
		return strings.Join(acts, " ")
	}
	for _, c := range []struct{ status, who, want string }{
		{nonc.ActionOpen, "owner-a", "start"},
		{nonc.ActionOpen, "staff", "no entry"},
		{nonc.ActionInProgress, "owner-a", "done"},
		{nonc.ActionInProgress, "staff", "no entry"},
		{nonc.ActionDone, "owner-a", "no entry"},
		{nonc.ActionDone, "head", "signoff"},
	} {
		nc, act := f.actionIn("phong-a", "owner-a", "head", c.status)
		if got := buttons(c.who, nc, act.ID); got != c.want {
			t.Errorf("%s on an action %s: %q, want %q", c.who, c.status, got, c.want)
		}
	}
}

// TestMutantListLimitOf500: a page of up to 500 NCs is given as asked; the
// default page is 100.
func TestMutantListLimitOf500(t *testing.T) {
	f := newNCFixture(t)
	for i := 0; i < 101; i++ {
		f.newNC("phong-a")
	}
	for _, c := range []struct{ limit, want int }{{500, 101}, {0, 100}, {501, 100}} {
		ncs, err := f.svc.List(f.as("boss"), nonc.Filter{Limit: c.limit})
		if err != nil || len(ncs) != c.want {
			t.Errorf("limit %d: %d NCs (%v), want %d", c.limit, len(ncs), err, c.want)
		}
	}
}
