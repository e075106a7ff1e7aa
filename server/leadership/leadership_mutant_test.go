package leadership_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/queue"
	"github.com/qmstrack/qmstrack/server/queue/queuetest"
	"github.com/qmstrack/qmstrack/server/workday"
)

// Tests that pin the rules the mutation run (make mutate) found untested.

// TestMutantDirectiveRead: Directive returns the directive asked for, in
// the reader's scope, with its overdue mark; a directive of a unit outside
// the scope is not found (with the same message as an unknown id), and a
// caller without an actor is refused as unauthenticated.
func TestMutantDirectiveRead(t *testing.T) {
	f := setup(t)
	chair := f.as("chair")
	m, err := f.l.CreateMeeting(chair, leadership.NewMeeting{HeldOn: workday.Date{Year: 2026, Month: 11, Day: 20}, Title: "Giao ban", Chair: "Chủ tịch"})
	if err != nil {
		t.Fatal(err)
	}
	// f.now is 26/11/2026: due on the 25th is overdue, on the 26th is not.
	late, err := f.l.AddDirective(chair, m.ID, leadership.NewDirective{Unit: "land", Title: "Hồ sơ trễ hạn", DueOn: workday.Date{Year: 2026, Month: 11, Day: 25}})
	if err != nil {
		t.Fatal(err)
	}
	today, err := f.l.AddDirective(chair, m.ID, leadership.NewDirective{Unit: "land", Title: "Hạn hôm nay", DueOn: workday.Date{Year: 2026, Month: 11, Day: 26}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.l.Directive(f.as("landstaff"), late.ID)
	if err != nil || got.ID != late.ID || got.Title != "Hồ sơ trễ hạn" || got.Unit != "land" || !got.Overdue {
		t.Fatalf("land staff reading the late directive: %+v %v", got, err)
	}
	if got, err := f.l.Directive(f.as("landstaff"), today.ID); err != nil || got.ID != today.ID || got.Overdue {
		t.Fatalf("a directive due today is not overdue: %+v %v", got, err)
	}
	got, err = f.l.Directive(f.as("jstaff"), late.ID)
	if !errors.Is(err, qms.ErrNotFound) || qms.Message(err) != "no directive "+late.ID || got.ID != "" {
		t.Fatalf("justice staff reading a land directive: %+v %v", got, err)
	}
	if _, err := f.l.Directive(context.Background(), late.ID); !errors.Is(err, qms.ErrUnauthenticated) {
		t.Fatalf("no actor: %v", err)
	}
	if _, err := f.l.Directive(f.as("landstaff"), qms.NewID()); !errors.Is(err, qms.ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
}

// TestMutantEscalationCounts: the overdue subject keeps a title of up to
// 120 characters whole and cuts a longer one to 120 plus an ellipsis; the
// report counts each escalated directive once, each notification and each
// e-mail queued, and no e-mail is queued without the store's mail hook or
// for a person without an address.
func TestMutantEscalationCounts(t *testing.T) {
	f := setup(t)
	chair := f.as("chair")
	m, err := f.l.CreateMeeting(chair, leadership.NewMeeting{HeldOn: workday.Date{Year: 2026, Month: 11, Day: 20}, Title: "Giao ban", Chair: "Chủ tịch"})
	if err != nil {
		t.Fatal(err)
	}
	t120 := strings.Repeat("đ", 120)
	t121 := strings.Repeat("ơ", 121)
	due := workday.Date{Year: 2026, Month: 11, Day: 25}
	for _, d := range []leadership.NewDirective{{Unit: "land", Title: t120, DueOn: due}, {Unit: "justice", Title: t121, DueOn: due}} {
		if _, err := f.l.AddDirective(chair, m.ID, d); err != nil {
			t.Fatal(err)
		}
	}
	// coord and chair have addresses, landhead none.
	if _, err := f.db.Exec(`UPDATE users SET email = login || '@example.org' WHERE login IN ('coord', 'chair')`); err != nil {
		t.Fatal(err)
	}
	f.mail = queue.Mailer{Q: queuetest.New(t, f.db, nil)}.SendTx
	f.l = f.service(leadership.Options{})
	rep, err := f.l.EscalateOverdue(context.Background())
	// land: landhead, chair (head of every unit), coord; justice: chair, coord.
	want := leadership.EscalationReport{Directives: 2, Notified: 5, Emailed: 4}
	if err != nil || rep != want {
		t.Fatalf("escalation %+v %v, want %+v", rep, err, want)
	}
	byTo := queuetest.To(t, f.db)
	if len(byTo) != 2 || len(byTo["chair@example.org"]) != 2 {
		t.Fatalf("e-mails %+v", byTo)
	}
	var subjects []string
	for _, m := range byTo["coord@example.org"] {
		subjects = append(subjects, m.Subject)
	}
	whole, cut := false, false
	for _, s := range subjects {
		switch {
		case strings.HasSuffix(s, ": "+t120):
			whole = true
		case strings.HasSuffix(s, ": "+t121[:len(t121)-len("ơ")]+"…"):
			cut = true
		}
	}
	if len(subjects) != 2 || !whole || !cut {
		t.Fatalf("subjects %q: want the 120-character title whole and the 121-character one cut to 120 + …", subjects)
	}
	// Without a mail hook the notifications still count, no e-mail does.
	if _, err := f.l.AddDirective(chair, m.ID, leadership.NewDirective{Unit: "home", Title: "Báo cáo", DueOn: due}); err != nil {
		t.Fatal(err)
	}
	f.mail = nil
	f.l = f.service(leadership.Options{})
	rep, err = f.l.EscalateOverdue(context.Background())
	if want := (leadership.EscalationReport{Directives: 1, Notified: 2}); err != nil || rep != want {
		t.Fatalf("escalation without a mail hook %+v %v, want %+v", rep, err, want)
	}
	if n := len(queuetest.Queued(t, f.db)); n != 4 {
		t.Fatalf("%d e-mail jobs after the escalation without a mail hook, want the 4 before it", n)
	}
}

// TestMutantMinutesTitleBound: the minutes record's title keeps a meeting
// title of up to 200 characters whole and cuts a longer one to 200 plus an
// ellipsis.
func TestMutantMinutesTitleBound(t *testing.T) {
	f := setup(t)
	recs := &fakeMinutes{}
	f.l = f.service(leadership.Options{Minutes: recs})
	t200, t201 := strings.Repeat("ư", 200), strings.Repeat("ă", 201)
	for _, title := range []string{t200, t201} {
		in := leadership.NewMeeting{HeldOn: workday.Date{Year: 2026, Month: 11, Day: 20}, Title: title, Chair: "Chủ tịch", Unit: "home", Minutes: file("bien-ban.pdf")}
		if _, err := f.l.CreateMeeting(f.as("chair"), in); err != nil {
			t.Fatal(err)
		}
	}
	const prefix = "Minutes: "
	if len(recs.got) != 2 || recs.got[0].Title.String() != prefix+t200 || recs.got[1].Title.String() != prefix+strings.Repeat("ă", 200)+"…" {
		t.Fatalf("minutes records %+v", recs.got)
	}
}

// TestMutantReporterNeverDecides: the issuer who reported a directive
// themselves may not decide on that report; someone else must.
func TestMutantReporterNeverDecides(t *testing.T) {
	f := setup(t)
	chair := f.as("chair")
	m, err := f.l.CreateMeeting(chair, leadership.NewMeeting{HeldOn: workday.Date{Year: 2026, Month: 11, Day: 20}, Title: "Giao ban", Chair: "Chủ tịch"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.l.AddDirective(chair, m.ID, leadership.NewDirective{Unit: "land", Title: "Rà soát", DueOn: workday.Date{Year: 2026, Month: 11, Day: 30}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.l.ReportDirective(chair, d.ID, leadership.ReportIn{Text: "Đã rà soát", Files: file("a.pdf")}); err != nil {
		t.Fatal(err)
	}
	_, err = f.l.DecideDirective(chair, d.ID, true, leadership.DecideIn{})
	if !errors.Is(err, qms.ErrForbidden) || qms.Message(err) != "you reported this directive; someone else must decide on it" {
		t.Fatalf("the issuer deciding on their own report: %v", err)
	}
	if got, err := f.l.DecideDirective(f.as("coord"), d.ID, true, leadership.DecideIn{}); err != nil || got.State != leadership.DirectiveAccepted {
		t.Fatalf("the coordinator deciding: %+v %v", got, err)
	}
}

// TestMutantTodayInTheOfficeZone: "today" is the office's day: at 06:00 on
// 26/11 in Vietnam (still the 25th in UTC) a directive due on the 25th is
// overdue.
func TestMutantTodayInTheOfficeZone(t *testing.T) {
	f := setup(t)
	chair := f.as("chair")
	m, err := f.l.CreateMeeting(chair, leadership.NewMeeting{HeldOn: workday.Date{Year: 2026, Month: 11, Day: 20}, Title: "Giao ban", Chair: "Chủ tịch"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.l.AddDirective(chair, m.ID, leadership.NewDirective{Unit: "land", Title: "Hồ sơ", DueOn: workday.Date{Year: 2026, Month: 11, Day: 25}})
	if err != nil {
		t.Fatal(err)
	}
	f.now = time.Date(2026, 11, 26, 6, 0, 0, 0, hcm)
	f.l = f.service(leadership.Options{})
	if got, err := f.l.Directive(f.as("landstaff"), d.ID); err != nil || !got.Overdue {
		t.Fatalf("due 25/11, read at 06:00 on 26/11 in the office: overdue %v %v", got.Overdue, err)
	}
}

// TestMutantEvidenceBound: an evidence file over Options.MaxEvidence is
// refused and the directive stays open.
func TestMutantEvidenceBound(t *testing.T) {
	f := setup(t)
	chair := f.as("chair")
	m, err := f.l.CreateMeeting(chair, leadership.NewMeeting{HeldOn: workday.Date{Year: 2026, Month: 11, Day: 20}, Title: "Giao ban", Chair: "Chủ tịch"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.l.AddDirective(chair, m.ID, leadership.NewDirective{Unit: "land", Title: "Hồ sơ", DueOn: workday.Date{Year: 2026, Month: 11, Day: 30}})
	if err != nil {
		t.Fatal(err)
	}
	f.l = f.service(leadership.Options{MaxEvidence: 16}) // the test PDF has 45 bytes
	_, err = f.l.ReportDirective(f.as("landhead"), d.ID, leadership.ReportIn{Text: "xong", Files: file("a.pdf")})
	if err == nil || qms.Message(err) != "the file is larger than the limit of 16 bytes" {
		t.Fatalf("a 45-byte file over a 16-byte bound: %v", err)
	}
	if got, err := f.l.Directive(f.as("landstaff"), d.ID); err != nil || got.State != leadership.DirectiveOpen || len(got.Reports) != 0 {
		t.Fatalf("after the refusal: %+v %v", got, err)
	}
}

// TestMutantOnlyIssuerOrDeciderDecides: someone who neither issued the
// directive nor holds directive decide in every unit is refused, with the
// reason.
func TestMutantOnlyIssuerOrDeciderDecides(t *testing.T) {
	f := setup(t)
	chair := f.as("chair")
	m, err := f.l.CreateMeeting(chair, leadership.NewMeeting{HeldOn: workday.Date{Year: 2026, Month: 11, Day: 20}, Title: "Giao ban", Chair: "Chủ tịch"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.l.AddDirective(chair, m.ID, leadership.NewDirective{Unit: "land", Title: "Hồ sơ", DueOn: workday.Date{Year: 2026, Month: 11, Day: 30}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.l.ReportDirective(f.as("landhead"), d.ID, leadership.ReportIn{Text: "xong", Files: file("a.pdf")}); err != nil {
		t.Fatal(err)
	}
	_, err = f.l.DecideDirective(f.as("landstaff"), d.ID, true, leadership.DecideIn{})
	if !errors.Is(err, qms.ErrForbidden) || qms.Message(err) != "only the issuer, the chairman or the coordinator decides on a directive's report" {
		t.Fatalf("land staff deciding: %v", err)
	}
	if got, err := f.l.DecideDirective(chair, d.ID, true, leadership.DecideIn{}); err != nil || got.State != leadership.DirectiveAccepted {
		t.Fatalf("the issuer deciding: %+v %v", got, err)
	}
}
