package queue_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/internal/testenv"
	"github.com/qmstrack/qmstrack/server/mail"
	"github.com/qmstrack/qmstrack/server/mail/mailtest"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/queue"
)

// TestMailFollowsTheTransactionAndSurvivesAnOutage: an e-mail queued in a
// transaction that commits is sent, one queued in a transaction that rolls
// back never is; while the SMTP server refuses (421, twice) the job is
// retried with its backoff, and the e-mail arrives once, when the server
// takes it again.
func TestMailFollowsTheTransactionAndSurvivesAnOutage(t *testing.T) {
	db := testenv.DB(t)
	smtpd := mailtest.Start(t, "", "")
	smtpd.FailNext(2)
	sender, err := mail.New(mail.Options{Host: "127.0.0.1", Port: smtpd.Port, From: "qmstrack@example.org", TLS: "none", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	q, err := queue.New(db.DB, map[string]queue.Handler{queue.KindMail: queue.MailHandler(sender)}, queue.Options{Poll: 50 * time.Millisecond,
		Backoff: func(int) time.Duration { return 200 * time.Millisecond }})
	if err != nil {
		t.Fatal(err)
	}
	m := queue.Mailer{Q: q}
	ctx := context.Background()
	for subject, commit := range map[string]bool{"committed": true, "rolled back": false} {
		err := postgres.InTx(ctx, db, func(tx *sqlx.Tx) error {
			if err := m.SendTx(ctx, tx.Tx, "head@example.org", subject, "body of "+subject); err != nil {
				return err
			}
			if !commit {
				return errors.New("roll back")
			}
			return nil
		})
		if commit != (err == nil) {
			t.Fatal(err)
		}
	}
	var queued int
	if err := db.Get(&queued, `SELECT count(*) FROM river_job WHERE kind = $1`, queue.KindMail); err != nil || queued != 1 {
		t.Fatalf("%d e-mail jobs after one commit and one rollback (%v), want 1", queued, err)
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := q.Start(sctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = q.Stop(c)
	})
	deadline := time.Now().Add(30 * time.Second)
	for len(smtpd.Messages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(700 * time.Millisecond) // time for a duplicate to show
	msgs := smtpd.Messages()
	if len(msgs) != 1 || msgs[0].Subject != "committed" || msgs[0].To[0] != "head@example.org" {
		t.Fatalf("received %+v, want the committed e-mail once", msgs)
	}
	if n := smtpd.Refused(); n != 2 {
		t.Fatalf("the server refused %d attempts, want 2", n)
	}
	var state string
	var errs int
	if err := db.QueryRow(`SELECT state::text, cardinality(errors) FROM river_job WHERE kind = $1`, queue.KindMail).Scan(&state, &errs); err != nil ||
		state != "completed" || errs != 2 {
		t.Fatalf("the e-mail job is %s with %d errors (%v): want completed after 2 failed attempts", state, errs, err)
	}
}
