package leadership_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/i18n"
	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/mail"
	"github.com/qmstrack/qmstrack/server/mail/mailtest"
	"github.com/qmstrack/qmstrack/server/qms"
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
	f.l = f.service(leadership.Options{Mailer: sender, BaseURL: "http://qms.example", Render: cat.Msg})
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
	for _, msg := range smtpd.Messages() {
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
