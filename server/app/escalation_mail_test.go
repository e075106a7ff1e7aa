package app_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/i18n"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/queue"
	"github.com/qmstrack/qmstrack/server/queue/queuetest"
)

// TestRevisionEscalationEmailsQueuedInTheEscalation: the escalation of an
// overdue revision task (after a legal change) queues its e-mails in the
// transaction that writes its notifications. When that transaction fails
// after the notifications and the first e-mail job were written (the hook
// fails after queueing the second), no notification, job or trail entry
// stays; the next run commits one e-mail job per person notified, to their
// address, in their language; a run after it queues nothing more.
func TestRevisionEscalationEmailsQueuedInTheEscalation(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	coord := env.As("coordinator")
	db := env.App.DB
	count := func(q string, args ...any) int { t.Helper(); return env.Count(t, q, args...) }
	if _, err := db.Exec(`UPDATE users SET email = login || '@example.org', lang = CASE login WHEN 'coordinator' THEN 'en' ELSE 'vi' END`); err != nil {
		t.Fatal(err)
	}
	land, _ := f.EffectiveDocument(t, "tnmt")
	// In force 15/05/2026: its revision task was due 15/08/2026, long past.
	coord.Do("POST", "/api/v1/legal-bases", map[string]any{"number": "100/2026/NĐ-CP", "title": "Nghị định sửa đổi thủ tục đất đai",
		"kind": "decree", "issuer": "Chính phủ", "issued_on": "2026-04-01", "effective_on": "2026-05-15", "documents": []string{land}}).
		MustStatus(http.StatusCreated)
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	hook := queue.Mailer{Q: env.App.Queue}.SendTx
	legal := func(mail postgres.MailTx) *leadership.Legal {
		return leadership.NewLegal(postgres.NewLegalStore(db).WithMail(mail), env.App.Authz,
			leadership.Options{Now: env.App.Now, Location: env.App.Cfg.Location, BaseURL: "http://qms.example", Render: cat.Msg})
	}
	ctx := context.Background()

	if _, err := legal(queuetest.FailAfter(hook, 2)).EscalateRevisions(ctx); !errors.Is(err, queuetest.ErrInjected) {
		t.Fatalf("the failing escalation answered %v, want the injected failure", err)
	}
	if n := count(`SELECT count(*) FROM notifications WHERE kind = 'revision_overdue'`); n != 0 {
		t.Fatalf("%d notifications left by the escalation that failed", n)
	}
	if n := count(`SELECT count(*) FROM trail WHERE action = 'revision_task.escalate'`); n != 0 {
		t.Fatalf("the escalation that failed left %d trail entries", n)
	}
	if ms := queuetest.Queued(t, db); len(ms) != 0 {
		t.Fatalf("the escalation that failed left %d e-mail jobs: %+v", len(ms), ms)
	}

	rep, err := legal(hook).EscalateRevisions(ctx)
	if err != nil || rep.Directives != 1 || rep.Notified < 2 || rep.Emailed != rep.Notified {
		t.Fatalf("escalation %+v %v, want one task, at least its head and the coordinator notified and e-mailed", rep, err)
	}
	var people []struct{ Email, Lang string }
	if err := db.Select(&people, `SELECT u.email, u.lang FROM notifications n JOIN users u ON u.id = n.user_id
		WHERE n.kind = 'revision_overdue' ORDER BY u.login`); err != nil || len(people) != rep.Notified {
		t.Fatalf("notified %+v %v", people, err)
	}
	byTo := queuetest.To(t, db)
	if len(byTo) != len(people) {
		t.Fatalf("e-mails to %v, want one to each of %+v", byTo, people)
	}
	for _, p := range people {
		prefix := map[string]string{"en": "Overdue revision (tnmt, ", "vi": "Quá hạn cập nhật quy trình (tnmt, "}[p.Lang]
		ms := byTo[p.Email]
		if len(ms) != 1 || !strings.HasPrefix(ms[0].Subject, prefix) || !strings.Contains(ms[0].Body, "http://qms.example/legal-bases/") {
			t.Fatalf("e-mails to %s (%s): %+v, want one starting %q with the task's link", p.Email, p.Lang, ms, prefix)
		}
	}
	if again, err := legal(hook).EscalateRevisions(ctx); err != nil || again.Notified != 0 || len(queuetest.Queued(t, db)) != len(people) {
		t.Fatalf("a second run: %+v %v; want nothing new", again, err)
	}
}
