package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/qmstrack/qmstrack/server/mail"
	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/queue"
	"github.com/qmstrack/qmstrack/server/webhook"
)

// newQueue builds the job queue with a handler for every kind of job:
// the scheduled jobs (jobs.go), e-mail, webhook deliveries.
func (a *App) newQueue(mailer *mail.Sender) (*queue.Queue, error) {
	handlers := map[string]queue.Handler{
		KindScheduled: a.runScheduled,
		webhook.KindDeliver: func(ctx context.Context, j queue.Job) error {
			var args struct {
				Delivery int64 `json:"delivery"`
			}
			if err := json.Unmarshal(j.Args, &args); err != nil {
				return queue.Cancel(err)
			}
			return a.Webhooks.Deliver(ctx, args.Delivery)
		},
		queue.KindMail: func(ctx context.Context, j queue.Job) error {
			if mailer == nil {
				return queue.Cancel(errors.New("no SMTP server is configured (QMS_SMTP_HOST)"))
			}
			return queue.MailHandler(mailer)(ctx, j)
		},
	}
	return queue.New(a.DB.DB, handlers, queue.Options{Log: a.Log, Poll: a.Cfg.QueuePoll})
}

// newWebhooks builds the webhook service; its redeliveries go on the queue
// in the store's transaction.
func (a *App) newWebhooks() *webhook.Service {
	enqueue := func(ctx context.Context, tx *sql.Tx, kind string, args any) error {
		_, err := a.Queue.EnqueueTx(ctx, tx, kind, args, queue.Opts{})
		return err
	}
	return webhook.New(postgres.NewWebhookStore(a.DB, enqueue), webhook.Options{AllowPrivate: a.Cfg.WebhookAllowPrivate})
}
