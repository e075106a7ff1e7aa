package app

import (
	"context"
	"sync"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
)

// sharedNowEvery is how often sharedNow measures the database clock's
// offset from the instance's: clocks drift by milliseconds a day, so a
// measurement this old is as good as a fresh one, and a list of many
// directives or records costs no query per item.
const sharedNowEvery = 10 * time.Second

// sharedNow is the cluster's clock (the database's): the instance's clock
// plus the offset of the shared clock from it, measured at most every
// sharedNowEvery of real time, so asking it costs no query on the hot path
// (every authenticated request asks it for the session's expiry).
type sharedNow struct {
	mu     sync.Mutex
	now    qms.Clock
	shared func(ctx context.Context) time.Time
	since  func() time.Time // real time, for the measurement's age
	off    time.Duration
	at     time.Time
}

func newSharedNow(now qms.Clock, shared func(ctx context.Context) time.Time) *sharedNow {
	return &sharedNow{now: now, shared: shared, since: time.Now}
}

// At is the shared clock's time; ctx bounds a measurement of the offset.
func (c *sharedNow) At(ctx context.Context) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if real := c.since(); c.at.IsZero() || real.Sub(c.at) >= sharedNowEvery || real.Before(c.at) {
		c.off = c.shared(ctx).Sub(c.now())
		c.at = real
	}
	return c.now().Add(c.off)
}
