// Package queuetest gives tests the e-mail side of the job queue on their
// own database: a mail hook that enqueues for real (and can be made to
// fail after enqueueing, to prove a rollback takes the job with it), the
// e-mail jobs queued so far, and a running queue that delivers them to a
// test SMTP server.
package queuetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/queue"
)

// ErrInjected is the failure FailAfter's hook returns.
var ErrInjected = errors.New("injected failure after the e-mail was queued")

// New builds a queue on db that works e-mail jobs through sender (nil:
// e-mail jobs are only queued, never worked), polling every 20 ms. It is
// not started.
func New(t testing.TB, db *sqlx.DB, sender queue.Sender) *queue.Queue {
	t.Helper()
	// The kind must be known to insert a job of it; without a sender its
	// handler only fails (the queue is meant not to be started then).
	handlers := map[string]queue.Handler{queue.KindMail: func(context.Context, queue.Job) error {
		return errors.New("no mail sender in this test")
	}}
	if sender != nil {
		handlers[queue.KindMail] = queue.MailHandler(sender)
	}
	q, err := queue.New(db.DB, handlers, queue.Options{Poll: 20 * time.Millisecond,
		Backoff: func(int) time.Duration { return 100 * time.Millisecond }})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// Start builds the queue as New does, starts it and stops it when the test
// ends: e-mails queued by committed transactions reach sender.
func Start(t testing.TB, db *sqlx.DB, sender queue.Sender) *queue.Queue {
	t.Helper()
	q := New(t, db, sender)
	ctx, cancel := context.WithCancel(context.Background())
	if err := q.Start(ctx); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = q.Stop(c)
		cancel()
	})
	return q
}

// Hook is the stores' e-mail hook (postgres.MailTx's shape) on q.
type Hook = func(ctx context.Context, tx *sql.Tx, to, subject, body string) error

// FailAfter wraps hook: its n-th call (counting from 1) enqueues its e-mail
// and then fails with ErrInjected, so the transaction that holds that
// e-mail and its notification fails after both were written. n <= 0
// never fails.
func FailAfter(hook Hook, n int) Hook {
	var calls atomic.Int64
	return func(ctx context.Context, tx *sql.Tx, to, subject, body string) error {
		if err := hook(ctx, tx, to, subject, body); err != nil {
			return err
		}
		if n > 0 && calls.Add(1) == int64(n) {
			return ErrInjected
		}
		return nil
	}
}

// Mail is one queued e-mail job.
type Mail struct {
	ID    int64
	State string
	queue.Mail
}

// Queued lists the e-mail jobs in the database, oldest first.
func Queued(t testing.TB, db *sqlx.DB) []Mail {
	t.Helper()
	rows, err := db.Query(`SELECT id, state::text, args FROM river_job WHERE kind = $1 ORDER BY id`, queue.KindMail)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []Mail
	for rows.Next() {
		var m Mail
		var raw []byte
		if err := rows.Scan(&m.ID, &m.State, &raw); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &m.Mail); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// To groups the queued e-mails by recipient.
func To(t testing.TB, db *sqlx.DB) map[string][]Mail {
	t.Helper()
	out := map[string][]Mail{}
	for _, m := range Queued(t, db) {
		out[m.To] = append(out[m.To], m)
	}
	return out
}
