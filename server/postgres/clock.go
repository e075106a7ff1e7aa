package postgres

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Clock is the time every instance of a cluster agrees on: the database's.
// Instances behind one load balancer may have clocks minutes apart; every
// rule that compares a time written by one instance with a time read by
// another (session expiry, events stamped in the future, due dates,
// overdue scans, publication dates) asks this clock, so the rule decides
// the same way whichever instance serves the request.
type Clock struct {
	db       *sqlx.DB
	fallback qms.Clock
}

// NewClock returns the database's clock on db; fallback (the instance's own
// clock) answers only when the database cannot, and then the operation that
// asked fails on its own query anyway.
func NewClock(db *sqlx.DB, fallback qms.Clock) *Clock {
	if fallback == nil {
		fallback = time.Now
	}
	return &Clock{db: db, fallback: fallback}
}

// Now reads the database's current time (one SELECT now(), in UTC).
func (c *Clock) Now(ctx context.Context) time.Time {
	var t time.Time
	if err := c.db.QueryRowxContext(ctx, `SELECT now()`).Scan(&t); err != nil {
		return c.fallback().UTC()
	}
	return t.UTC()
}
