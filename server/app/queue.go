package app

import (
	"context"
	"errors"

	"github.com/qmstrack/qmstrack/server/mail"
	"github.com/qmstrack/qmstrack/server/queue"
)

// newQueue builds the job queue with a handler for every kind of job:
// the scheduled jobs (jobs.go), e-mail, webhook deliveries.
func (a *App) newQueue(mailer *mail.Sender) (*queue.Queue, error) {
	handlers := map[string]queue.Handler{
		KindScheduled: a.runScheduled,
		queue.KindMail: func(ctx context.Context, j queue.Job) error {
			if mailer == nil {
				return queue.Cancel(errors.New("no SMTP server is configured (QMS_SMTP_HOST)"))
			}
			return queue.MailHandler(mailer)(ctx, j)
		},
	}
	return queue.New(a.DB.DB, handlers, queue.Options{Log: a.Log, Poll: a.Cfg.QueuePoll})
}
