package postgres

import (
	"context"
	"database/sql"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/qms"
)

// MailTx enqueues one e-mail inside tx (the job queue's Mailer.SendTx):
// the e-mail is sent if and only if tx commits. The stores that write a
// notification or a link with an e-mail beside it are given one (their
// WithMail); without it (no mail server configured) they queue none.
type MailTx func(ctx context.Context, tx *sql.Tx, to, subject, body string) error

// queue enqueues e inside tx and reports whether it did: not when no hook
// is set or e has no recipient. An error rolls tx back with it, so the
// change and its e-mail stand or fall together.
func (m MailTx) queue(ctx context.Context, tx *sqlx.Tx, e qms.Email) (bool, error) {
	if m == nil || e.To == "" {
		return false, nil
	}
	if err := m(ctx, tx.Tx, e.To, e.Subject, e.Body); err != nil {
		return false, err
	}
	return true, nil
}
