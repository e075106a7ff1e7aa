package leadership_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/authz"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/mail"
	"github.com/qmstrack/qmstrack/server/mail/mailtest"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/queue"
	"github.com/qmstrack/qmstrack/server/queue/queuetest"
	"github.com/qmstrack/qmstrack/server/workday"
)

var hcm, _ = time.LoadLocation("Asia/Ho_Chi_Minh")

type fixture struct {
	db    *sqlx.DB
	enf   *authz.Enforcer
	blob  leadership.Blobs
	now   time.Time
	users map[string]qms.Actor
	l     *leadership.Service
	mail  postgres.MailTx // the store's e-mail hook; nil queues none
}

func (f *fixture) as(login string) context.Context {
	return qms.WithActor(context.Background(), f.users[login])
}

// waitMails waits for n e-mails at srv, then a little longer for a
// duplicate, and returns what arrived.
func waitMails(srv *mailtest.Server, n int) []mailtest.Message {
	for deadline := time.Now().Add(15 * time.Second); len(srv.Messages()) < n && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	return srv.Messages()
}

// service builds the capability on the fixture's database with o (its
// clock and zone are the fixture's).
func (f *fixture) service(o leadership.Options) *leadership.Service {
	o.Now, o.Location = func() time.Time { return f.now }, hcm
	return leadership.New(postgres.NewLeadershipStore(f.db).WithMail(f.mail), f.enf, f.blob, o)
}

// setup makes three units and the people of the meetings: a coordinator
// and a chairman (head of every unit), the land head and staff, justice
// staff, an auditor.
func setup(t *testing.T) *fixture {
	t.Helper()
	env := testenv.New(t)
	f := &fixture{db: env.DB, blob: env.Blob, now: time.Date(2026, 11, 26, 10, 0, 0, 0, hcm), users: map[string]qms.Actor{}}
	f.users = testenv.People(t, env.DB, [][3]string{
		{"land", "Văn phòng Đăng ký đất đai", "Land registration office"}, {"justice", "Phòng Tư pháp", "Justice office"}, {"home", "Phòng Nội vụ", "Home affairs"},
	}, [][3]string{
		{"coord", "coordinator", "*"}, {"chair", "head", "*"}, {"landhead", "head", "land"}, {"landstaff", "staff", "land"}, {"jstaff", "staff", "justice"}, {"aud", "auditor", "*"},
	})
	var err error
	if f.enf, err = authz.New(env.DB); err != nil {
		t.Fatal(err)
	}
	f.l = f.service(leadership.Options{})
	return f
}

func pdf() io.Reader {
	return bytes.NewReader([]byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"))
}

func file(name string) qms.FileSource { return qms.FilesOf(qms.Upload{Name: name, Body: pdf()}) }

func TestMeetingDirectives(t *testing.T) {
	f := setup(t)
	chair := f.as("chair")
	m, err := f.l.CreateMeeting(chair, leadership.NewMeeting{HeldOn: workday.Date{Year: 2026, Month: 11, Day: 20}, Title: "Họp kiểm tra tiến độ CCHC", Chair: "Chủ tịch UBND", Participants: "Phòng Nội vụ, VP ĐKĐĐ",
		Minutes: file("bien-ban.pdf")})
	if err != nil || m.Minutes == nil || m.Minutes.VersionID == "" {
		t.Fatalf("meeting %+v %v", m, err)
	}
	if _, err := f.l.CreateMeeting(f.as("landhead"), leadership.NewMeeting{HeldOn: m.HeldOn, Title: "x", Chair: "y"}); !errors.Is(err, qms.ErrForbidden) {
		t.Fatalf("unit head holding an office meeting: %v", err)
	}
	d, err := f.l.AddDirective(chair, m.ID, leadership.NewDirective{Unit: "land", Title: "Rà soát hồ sơ đất đai trễ hạn", ReportRequired: "Danh sách hồ sơ và biện pháp khắc phục", DueOn: workday.Date{Year: 2026, Month: 11, Day: 30}})
	if err != nil || d.State != "open" {
		t.Fatalf("directive %+v %v", d, err)
	}
	late, err := f.l.AddDirective(chair, m.ID, leadership.NewDirective{Unit: "justice", Title: "Cập nhật TTHC", DueOn: workday.Date{Year: 2026, Month: 11, Day: 24}})
	if err != nil {
		t.Fatal(err)
	}
	// Report: only the unit, and only with evidence.
	if _, err := f.l.ReportDirective(f.as("jstaff"), d.ID, leadership.ReportIn{Text: "xong", Files: file("a.pdf")}); !errors.Is(err, qms.ErrForbidden) {
		t.Fatalf("other unit reporting: %v", err)
	}
	if _, err := f.l.ReportDirective(f.as("landhead"), d.ID, leadership.ReportIn{Text: "xong"}); !errors.Is(err, qms.ErrInvalid) {
		t.Fatalf("report without evidence: %v", err)
	}
	if _, err := f.l.DecideDirective(chair, d.ID, true, leadership.DecideIn{Comment: ""}); !errors.Is(err, qms.ErrState) {
		t.Fatalf("accepting an open directive: %v", err)
	}
	// Two concurrent reports: exactly one wins.
	var wg sync.WaitGroup
	results := make([]error, 2)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, results[i] = f.l.ReportDirective(f.as("landhead"), d.ID, leadership.ReportIn{Text: "Đã rà soát 12 hồ sơ", Files: file("ra-soat.pdf")})
		}(i)
	}
	wg.Wait()
	if (results[0] == nil) == (results[1] == nil) || !(errors.Is(results[0], qms.ErrState) || errors.Is(results[1], qms.ErrState)) {
		t.Fatalf("concurrent reports: %v / %v", results[0], results[1])
	}
	if _, err := f.l.DecideDirective(f.as("landhead"), d.ID, true, leadership.DecideIn{Comment: ""}); !errors.Is(err, qms.ErrForbidden) {
		t.Fatalf("reporter deciding: %v", err)
	}
	if _, err := f.l.DecideDirective(chair, d.ID, false, leadership.DecideIn{Comment: ""}); !errors.Is(err, qms.ErrInvalid) {
		t.Fatalf("return without comment: %v", err)
	}
	got, err := f.l.DecideDirective(chair, d.ID, false, leadership.DecideIn{Comment: "Thiếu biện pháp khắc phục"})
	if err != nil || got.State != "returned" {
		t.Fatalf("return %v %v", got.State, err)
	}
	if _, err := f.l.ReportDirective(f.as("landhead"), d.ID, leadership.ReportIn{Text: "Bổ sung biện pháp", Files: file("bo-sung.pdf")}); err != nil {
		t.Fatal(err)
	}
	got, err = f.l.DecideDirective(chair, d.ID, true, leadership.DecideIn{Comment: ""})
	if err != nil || got.State != "accepted" || len(got.Reports) != 2 || got.ClosedAt == nil {
		t.Fatalf("accept %+v %v", got, err)
	}
	ev := got.Reports[1].Evidence[0]
	e, rc, err := f.l.OpenEvidence(f.as("landstaff"), d.ID, ev.ID)
	if err != nil || e.SHA256 != ev.SHA256 {
		t.Fatalf("evidence %v", err)
	}
	body, _ := io.ReadAll(rc)
	rc.Close()
	if !bytes.HasPrefix(body, []byte("%PDF")) {
		t.Fatalf("evidence body %q", body)
	}
	// The justice directive is overdue: escalated once, and justice is not complying.
	smtpd := mailtest.Start(t, "", "")
	sender, err := mail.New(mail.Options{Host: "127.0.0.1", Port: smtpd.Port, From: "qmstrack@example.org", TLS: "none"})
	if err != nil {
		t.Fatal(err)
	}
	f.mail = queue.Mailer{Q: queuetest.Start(t, f.db, sender)}.SendTx
	f.l = f.service(leadership.Options{BaseURL: "http://qms.example"})
	if _, err := f.db.Exec(`UPDATE users SET email = login || '@example.org' WHERE login IN ('coord', 'chair')`); err != nil {
		t.Fatal(err)
	}
	rep, err := f.l.EscalateOverdue(context.Background())
	if err != nil || rep.Directives != 1 || rep.Notified != 2 || rep.Emailed != 2 {
		t.Fatalf("escalate %+v %v", rep, err)
	}
	if rep, _ := f.l.EscalateOverdue(context.Background()); rep.Directives != 0 || rep.Emailed != 0 {
		t.Fatalf("escalated twice: %+v", rep)
	}
	msgs := waitMails(smtpd, 2)
	if len(msgs) != 2 || !strings.Contains(msgs[0].Subject, "Overdue directive") || !strings.Contains(msgs[0].Body, "http://qms.example/directives/"+late.ID) {
		t.Fatalf("emails %+v", msgs)
	}
	var notes int
	if err := f.db.Get(&notes, `SELECT count(*) FROM notifications WHERE kind = 'directive_overdue'`); err != nil || notes != 2 {
		t.Fatalf("notifications %d %v", notes, err) // coordinator and chairman (head of "*")
	}
	counts, err := f.l.CountByUnit(context.Background())
	if err != nil || len(counts) != 1 || counts[0] != (leadership.UnitCount{Unit: "justice", Overdue: 1}) {
		t.Fatalf("counts %+v %v", counts, err)
	}
	states, err := f.l.CountByState(f.as("coord"))
	if err != nil || states["accepted"] != 1 || states["open"] != 1 || states["overdue"] != 1 {
		t.Fatalf("states %+v %v", states, err)
	}
	if tasks, _ := f.l.ToReport(context.Background(), f.users["jstaff"]); len(tasks) != 0 {
		t.Fatalf("staff cannot report directives; tasks %+v", tasks)
	}
	if tasks, _ := f.l.ToReport(context.Background(), f.users["landhead"]); len(tasks) != 0 {
		t.Fatalf("the land directive is accepted; tasks %+v", tasks)
	}
}

// fakeMinutes stands in for the record capability.
type fakeMinutes struct{ got []leadership.MinutesRecord }

func (f *fakeMinutes) FileMinutes(_ context.Context, m leadership.MinutesRecord) (string, error) {
	body, _ := io.ReadAll(m.File)
	m.File = bytes.NewReader(body)
	f.got = append(f.got, m)
	return "rec-1", nil
}

// With the record capability wired, minutes become a record of the unit
// that keeps them (which must be chosen), and the pages are told who may
// issue, report and decide.
func TestMinutesAsRecordAndPermissions(t *testing.T) {
	f := setup(t)
	recs := &fakeMinutes{}
	f.l = f.service(leadership.Options{Minutes: recs})
	chair := f.as("chair")
	in := leadership.NewMeeting{HeldOn: workday.Date{Year: 2026, Month: 11, Day: 20}, Title: "Họp giao ban", Chair: "Chủ tịch", Minutes: file("bien-ban.pdf")}
	if _, err := f.l.CreateMeeting(chair, in); !errors.Is(err, qms.ErrInvalid) || len(recs.got) != 0 {
		t.Fatalf("minutes without the unit keeping them: %v", err)
	}
	in.Unit, in.Minutes = "home", file("dir/bien-ban.pdf")
	m, err := f.l.CreateMeeting(chair, in)
	if err != nil || m.MinutesRef != "rec-1" || m.Minutes != nil || len(recs.got) != 1 {
		t.Fatalf("meeting %+v %v", m, err)
	}
	if r := recs.got[0]; r.Type != "meeting-minutes" || r.Unit != "home" || r.FileName != "bien-ban.pdf" || r.Date != in.HeldOn || !strings.HasSuffix(r.Title.String(), "Họp giao ban") {
		t.Fatalf("minutes record %+v", r)
	}
	if _, err := f.l.CreateMeeting(chair, leadership.NewMeeting{HeldOn: workday.Date{Year: 2026, Month: 11, Day: 27}, Title: "x", Chair: "y"}); !errors.Is(err, qms.ErrInvalid) {
		t.Fatalf("a meeting tomorrow: %v", err)
	}
	if !f.l.Permissions(chair).Issue || f.l.Permissions(f.as("landhead")).Issue {
		t.Fatal("only the chairman and the coordinator issue directives")
	}
	d, err := f.l.AddDirective(chair, m.ID, leadership.NewDirective{Unit: "land", Title: "Rà soát", DueOn: workday.Date{Year: 2026, Month: 12, Day: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if p := f.l.PermissionsOf(f.as("landhead"), d); !p.Report || p.Decide {
		t.Fatalf("land head on an open directive: %+v", p)
	}
	if p := f.l.PermissionsOf(f.as("jstaff"), d); p.Report || p.Decide {
		t.Fatalf("justice staff: %+v", p)
	}
	if d, err = f.l.ReportDirective(f.as("landhead"), d.ID, leadership.ReportIn{Text: "xong", Files: file("a.pdf")}); err != nil {
		t.Fatal(err)
	}
	if p := f.l.PermissionsOf(chair, d); p.Report || !p.Decide {
		t.Fatalf("chairman on a reported directive: %+v", p)
	}
	if _, _, err := f.l.OpenMinutes(chair, m.ID); !errors.Is(err, qms.ErrNotFound) {
		t.Fatalf("minutes filed as a record are read as the record: %v", err)
	}
}

// TestMeetingVisibility: a meeting is seen by those who hold meetings (the
// chairman, the coordinator), by the auditor reading every unit, and by
// whoever may read the process of the unit keeping its minutes or of a unit
// it gave a directive to. Anyone else finds neither the meeting in the
// list nor its page nor its minutes file: the same not-found as a random id.
func TestMeetingVisibility(t *testing.T) {
	f := setup(t)
	chair := f.as("chair")
	held := workday.Date{Year: 2026, Month: 11, Day: 20}
	kept, err := f.l.CreateMeeting(chair, leadership.NewMeeting{HeldOn: held, Title: "Giao ban VP ĐKĐĐ", Chair: "Giám đốc", Unit: "land", Minutes: file("bien-ban.pdf")})
	if err != nil {
		t.Fatal(err)
	}
	directed, err := f.l.CreateMeeting(chair, leadership.NewMeeting{HeldOn: held, Title: "Họp CCHC", Chair: "Chủ tịch", Unit: "home", Minutes: file("cchc.pdf")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.l.AddDirective(chair, directed.ID, leadership.NewDirective{Unit: "justice", Title: "Cập nhật TTHC", DueOn: workday.Date{Year: 2026, Month: 11, Day: 30}}); err != nil {
		t.Fatal(err)
	}
	for login, want := range map[string][2]bool{
		"coord": {true, true}, "chair": {true, true}, "aud": {true, true},
		"landhead": {true, false}, "landstaff": {true, false}, "jstaff": {false, true},
	} {
		ctx := f.as(login)
		list, err := f.l.Meetings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, m := range list {
			got[m.ID] = true
		}
		for i, m := range []leadership.Meeting{kept, directed} {
			if got[m.ID] != want[i] {
				t.Errorf("%s: meeting %q listed %v, want %v", login, m.Title, got[m.ID], want[i])
			}
			_, err := f.l.Meeting(ctx, m.ID)
			_, rc, err2 := f.l.OpenMinutes(ctx, m.ID)
			if rc != nil {
				rc.Close()
			}
			if want[i] {
				if err != nil || err2 != nil {
					t.Errorf("%s: meeting %q: %v, minutes: %v", login, m.Title, err, err2)
				}
				continue
			}
			for _, e := range []error{err, err2} {
				if !errors.Is(e, qms.ErrNotFound) || qms.Message(e) != "no meeting "+m.ID {
					t.Errorf("%s: hidden meeting %q: %v", login, m.Title, e)
				}
			}
		}
	}
	// The justice staff see the meeting with their own directive only.
	m, err := f.l.Meeting(f.as("jstaff"), directed.ID)
	if err != nil || len(m.Directives) != 1 || m.Directives[0].Unit != "justice" {
		t.Fatalf("justice staff see %+v %v", m, err)
	}
}
