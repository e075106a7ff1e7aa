package queue

import (
	"context"
	"database/sql"
	"encoding/json"
)

// KindMail is the job that sends one e-mail.
const KindMail = "mail.send"

// Mail is one e-mail to send: already rendered in its reader's language.
type Mail struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// Sender sends one e-mail now (the SMTP sender).
type Sender interface {
	Send(ctx context.Context, to, subject, body string) error
}

// MailHandler works the e-mail jobs through s: a failed send is retried
// with the queue's backoff.
func MailHandler(s Sender) Handler {
	return func(ctx context.Context, j Job) error {
		var m Mail
		if err := json.Unmarshal(j.Args, &m); err != nil {
			return Cancel(err)
		}
		return s.Send(ctx, m.To, m.Subject, m.Body)
	}
}

// Mailer puts e-mails on the queue, durably; the job sends each and
// retries it with backoff until the server takes it. An e-mail caused by a
// change is queued with SendTx in the change's own transaction (the stores'
// WithMail hook is SendTx), so nothing is sent for a change that rolled
// back and nothing is lost for one that committed. Send, in a transaction
// of its own, is for an e-mail no stored change causes.
type Mailer struct{ Q *Queue }

// Send enqueues the e-mail.
func (m Mailer) Send(ctx context.Context, to, subject, body string) error {
	_, err := m.Q.Enqueue(ctx, KindMail, Mail{To: to, Subject: subject, Body: body}, Opts{})
	return err
}

// SendTx enqueues the e-mail inside tx: it is sent if and only if tx commits.
func (m Mailer) SendTx(ctx context.Context, tx *sql.Tx, to, subject, body string) error {
	_, err := m.Q.EnqueueTx(ctx, tx, KindMail, Mail{To: to, Subject: subject, Body: body}, Opts{})
	return err
}
