package leadership_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/i18n"
	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/mail"
	"github.com/qmstrack/qmstrack/server/mail/mailtest"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/queue"
	"github.com/qmstrack/qmstrack/server/queue/queuetest"
	"github.com/qmstrack/qmstrack/server/workday"
)

// An overdue directive's notification and e-mail are one message rendered in
// each recipient's language: the unit by its name in that language (never its
// code), the due date as dd/mm/yyyy; the stored subject holds one language.
func TestOverdueDirectiveInRecipientsLanguage(t *testing.T) {
	f := setup(t)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	smtpd := mailtest.Start(t, "", "")
	sender, err := mail.New(mail.Options{Host: "127.0.0.1", Port: smtpd.Port, From: "qmstrack@example.org", TLS: "none"})
	if err != nil {
		t.Fatal(err)
	}
	f.mail = queue.Mailer{Q: queuetest.Start(t, f.db, sender)}.SendTx
	f.l = f.service(leadership.Options{BaseURL: "http://qms.example", Render: cat.Msg})
	if _, err := f.db.Exec(`UPDATE users SET email = login || '@example.org', lang = CASE login WHEN 'coord' THEN 'en' ELSE 'vi' END
		WHERE login IN ('coord', 'chair')`); err != nil {
		t.Fatal(err)
	}
	chair := f.as("chair")
	m, err := f.l.CreateMeeting(chair, leadership.NewMeeting{HeldOn: workday.Date{Year: 2026, Month: 11, Day: 20}, Title: "Họp giao ban", Chair: "Chủ tịch UBND",
		Minutes: file("bien-ban.pdf")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.l.AddDirective(chair, m.ID, leadership.NewDirective{Unit: "justice", Title: "Cập nhật TTHC", DueOn: workday.Date{Year: 2026, Month: 11, Day: 24}}); err != nil {
		t.Fatal(err)
	}
	if rep, err := f.l.EscalateOverdue(context.Background()); err != nil || rep.Emailed != 2 {
		t.Fatalf("escalate %+v %v", rep, err)
	}
	want := map[string]string{
		"coord@example.org": "Overdue directive (Justice office, 24/11/2026): Cập nhật TTHC",
		"chair@example.org": "Chỉ đạo quá hạn (Phòng Tư pháp, 24/11/2026): Cập nhật TTHC",
	}
	for _, msg := range waitMails(smtpd, 2) {
		w, ok := want[strings.Join(msg.To, ",")]
		if !ok || msg.Subject != w || !strings.HasPrefix(msg.Body, w) {
			t.Fatalf("e-mail to %v: subject %q body %q, want %q", msg.To, msg.Subject, msg.Body, w)
		}
		delete(want, strings.Join(msg.To, ","))
	}
	if len(want) != 0 {
		t.Fatalf("not sent: %v", want)
	}
	var rows []struct {
		Login   string `db:"login"`
		Subject string `db:"subject"`
		Msg     []byte `db:"subject_msg"`
	}
	if err := f.db.Select(&rows, `SELECT u.login, n.subject, n.subject_msg FROM notifications n JOIN users u ON u.id = n.user_id
		WHERE n.kind = 'directive_overdue' ORDER BY u.login`); err != nil || len(rows) != 2 {
		t.Fatalf("notifications %+v %v", rows, err)
	}
	for _, r := range rows {
		if strings.Contains(r.Subject, " / ") || strings.Contains(r.Subject, "Chỉ đạo") || strings.Contains(r.Subject, "justice") {
			t.Fatalf("stored subject %q mixes languages or shows the unit's code", r.Subject)
		}
		var sm qms.Msg
		if err := json.Unmarshal(r.Msg, &sm); err != nil {
			t.Fatal(err)
		}
		lang := map[string]string{"coord": "en", "chair": "vi"}[r.Login]
		if got := cat.Msg(lang, sm); got != map[string]string{"en": "Overdue directive (Justice office, 24/11/2026): Cập nhật TTHC",
			"vi": "Chỉ đạo quá hạn (Phòng Tư pháp, 24/11/2026): Cập nhật TTHC"}[lang] {
			t.Fatalf("%s reads %q", r.Login, got)
		}
	}
}

// TestOverdueDirectiveEmailsQueuedInTheEscalation: the directive's
// escalation queues its e-mails in the transaction that writes its
// notifications. When that transaction fails after the notifications and
// the first e-mail job were written (the hook fails after queueing the
// second), neither a notification, a job nor the trail entry stays; the next
// run commits one job per recipient, to their address, in their language;
// a run after it queues nothing more.
func TestOverdueDirectiveEmailsQueuedInTheEscalation(t *testing.T) {
	f := setup(t)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(`UPDATE users SET email = login || '@example.org', lang = CASE login WHEN 'coord' THEN 'en' ELSE 'vi' END
		WHERE login IN ('coord', 'chair')`); err != nil {
		t.Fatal(err)
	}
	chair := f.as("chair")
	m, err := f.l.CreateMeeting(chair, leadership.NewMeeting{HeldOn: workday.Date{Year: 2026, Month: 11, Day: 20}, Title: "Họp giao ban", Chair: "Chủ tịch UBND"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.l.AddDirective(chair, m.ID, leadership.NewDirective{Unit: "justice", Title: "Cập nhật TTHC", DueOn: workday.Date{Year: 2026, Month: 11, Day: 24}})
	if err != nil {
		t.Fatal(err)
	}
	hook := queue.Mailer{Q: queuetest.New(t, f.db, nil)}.SendTx
	count := func(q string) int {
		t.Helper()
		var n int
		if err := f.db.Get(&n, q); err != nil {
			t.Fatal(err)
		}
		return n
	}
	ctx := context.Background()

	f.mail = queuetest.FailAfter(hook, 2)
	f.l = f.service(leadership.Options{BaseURL: "http://qms.example", Render: cat.Msg})
	if _, err := f.l.EscalateOverdue(ctx); !errors.Is(err, queuetest.ErrInjected) {
		t.Fatalf("the failing escalation answered %v, want the injected failure", err)
	}
	if n := count(`SELECT count(*) FROM notifications WHERE kind = 'directive_overdue'`); n != 0 {
		t.Fatalf("%d notifications left by the escalation that failed", n)
	}
	if jobs := queuetest.Queued(t, f.db); len(jobs) != 0 {
		t.Fatalf("the escalation that failed left %d e-mail jobs: %+v", len(jobs), jobs)
	}
	if n := count(`SELECT count(*) FROM trail WHERE action = 'directive.escalate'`); n != 0 {
		t.Fatalf("the escalation that failed left %d trail entries", n)
	}

	f.mail = hook
	f.l = f.service(leadership.Options{BaseURL: "http://qms.example", Render: cat.Msg})
	if rep, err := f.l.EscalateOverdue(ctx); err != nil || rep.Notified != 2 || rep.Emailed != 2 {
		t.Fatalf("escalation %+v %v, want 2 notified and 2 e-mailed", rep, err)
	}
	want := map[string]string{
		"coord@example.org": "Overdue directive (Justice office, 24/11/2026): Cập nhật TTHC",
		"chair@example.org": "Chỉ đạo quá hạn (Phòng Tư pháp, 24/11/2026): Cập nhật TTHC",
	}
	byTo := queuetest.To(t, f.db)
	if len(byTo) != len(want) {
		t.Fatalf("e-mails %+v, want one to each of %v", byTo, want)
	}
	for to, subject := range want {
		ms := byTo[to]
		if len(ms) != 1 || ms[0].Subject != subject || !strings.Contains(ms[0].Body, "http://qms.example/directives/"+d.ID) {
			t.Fatalf("e-mails to %s: %+v, want one with subject %q and the directive's link", to, ms, subject)
		}
	}
	if rep, err := f.l.EscalateOverdue(ctx); err != nil || rep.Notified != 0 || rep.Emailed != 0 || len(queuetest.Queued(t, f.db)) != 2 {
		t.Fatalf("a second run: %+v %v; want nothing new", rep, err)
	}
}
