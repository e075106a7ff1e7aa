package queue

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/postgres"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Admin is the administrator's view of the queue (the jobs page): list
// jobs by state, retry or cancel one. Each retry or cancellation writes its
// trail entry in the transaction that changes the job. Whether the person
// may do it is checked by the caller (the route's permission).
type Admin struct {
	DB *sqlx.DB
	Q  *Queue
}

// Jobs lists the newest jobs in state ("" for all).
func (a Admin) Jobs(ctx context.Context, state string, limit int) ([]qms.Job, error) {
	return a.Q.List(ctx, state, limit)
}

// Job returns one job.
func (a Admin) Job(ctx context.Context, id int64) (qms.Job, error) { return a.Q.Get(ctx, id) }

// Retry runs a finished or waiting job again now.
func (a Admin) Retry(ctx context.Context, id int64) (qms.Job, error) {
	return a.change(ctx, id, "job.retry", a.Q.RetryTx)
}

// Cancel cancels a job that has not finished.
func (a Admin) Cancel(ctx context.Context, id int64) (qms.Job, error) {
	return a.change(ctx, id, "job.cancel", a.Q.CancelTx)
}

func (a Admin) change(ctx context.Context, id int64, action string, fn func(context.Context, *sql.Tx, int64) (qms.Job, error)) (qms.Job, error) {
	var j qms.Job
	err := postgres.InTx(ctx, a.DB, func(tx *sqlx.Tx) error {
		var err error
		if j, err = fn(ctx, tx.Tx, id); err != nil {
			return err
		}
		_, err = postgres.AppendTrail(ctx, tx, trail.NewEvent(ctx, action, "job", strconv.FormatInt(id, 10), "",
			map[string]any{"kind": j.Kind, "state": j.State}))
		return err
	})
	return j, err
}
