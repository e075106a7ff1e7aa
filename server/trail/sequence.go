package trail

import (
	"context"
	"time"
)

// The sequencer's timing. An appended entry is chained by the next pass
// after its transaction commits; a pass starts every SequencerPoll, and at
// once again while the previous one found a full batch, so while the
// sequencer runs an entry waits at most about SequencerPoll plus one pass
// (a few milliseconds for a batch) after its commit. The sequencer polls
// rather than being woken by pg_notify from the append: a transaction that
// notifies takes a database-wide lock while it commits, which would
// serialise the commits of every change again.
const (
	SequencerPoll  = 200 * time.Millisecond
	SequencerBatch = 1000
	// PendingAlarm is how long an entry may stay pending, counted from its
	// time (taken when it was appended, so a long transaction uses some of
	// it), before verification reports the chain as not keeping up.
	PendingAlarm = 30 * time.Second
)

// Pass chains up to limit committed pending entries and returns how many
// it chained; ran is false when another instance holds the sequencer.
type Pass func(ctx context.Context, limit int) (chained int, ran bool, err error)

// RunSequencer runs pass every poll until ctx ends, again at once while a
// pass fills its batch. onErr hears each failed pass (the next poll tries
// again); afterPass, when not nil, hears each pass that chained entries.
func RunSequencer(ctx context.Context, pass Pass, poll time.Duration, onErr func(error), afterPass func(chained int)) {
	if poll <= 0 {
		poll = SequencerPoll
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		for {
			n, _, err := pass(ctx, SequencerBatch)
			if err != nil {
				if ctx.Err() == nil && onErr != nil {
					onErr(err)
				}
				break
			}
			if n > 0 && afterPass != nil {
				afterPass(n)
			}
			if n < SequencerBatch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
