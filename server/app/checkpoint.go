package app

import (
	"context"
	"sync"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// checkpointState is what this instance last checkpointed.
type checkpointState struct {
	mu  sync.Mutex
	seq int64
	at  time.Time
}

// CheckpointTrail writes the head of the trail's chain to the object store
// as a checkpoint (trail.Checkpoint) under the configured object lock,
// signed when QMS_TRAIL_SIGNING_KEY is set; wrote is false when the chain
// is empty or its head is the one this instance checkpointed last.
func (a *App) CheckpointTrail(ctx context.Context) (cp trail.Checkpoint, wrote bool, err error) {
	a.checkpoint.mu.Lock()
	defer a.checkpoint.mu.Unlock()
	seq, hash, err := a.Trail.Head(ctx)
	if err != nil || seq == 0 || seq == a.checkpoint.seq {
		return trail.Checkpoint{}, false, err
	}
	now := a.Now().UTC()
	cp = trail.Checkpoint{Seq: seq, Hash: hash, At: now}
	if a.Cfg.TrailSigningKey != "" {
		key, err := trail.ParseSigningKey(a.Cfg.TrailSigningKey)
		if err != nil {
			return trail.Checkpoint{}, false, err
		}
		cp = cp.Sign(key)
	}
	ret := qms.Retention{Mode: a.Cfg.TrailCheckpointMode, Until: now.Add(a.Cfg.TrailCheckpointRetention)}
	if err := a.Blob.PutCheckpoint(ctx, cp, ret); err != nil {
		return trail.Checkpoint{}, false, err
	}
	a.checkpoint.seq, a.checkpoint.at = seq, now
	return cp, true, nil
}

// checkpointDue checkpoints the trail when QMS_TRAIL_CHECKPOINT_EVERY has
// passed since this instance's last checkpoint (at the first look after
// start), and its head has moved.
func (a *App) checkpointDue(ctx context.Context) {
	every := a.Cfg.TrailCheckpointEvery
	if every <= 0 {
		return
	}
	a.checkpoint.mu.Lock()
	last := a.checkpoint.at
	a.checkpoint.mu.Unlock()
	if !last.IsZero() && a.Now().Sub(last) < every {
		return
	}
	if _, _, err := a.CheckpointTrail(ctx); err != nil && ctx.Err() == nil {
		a.Log.Error("trail checkpoint not written", "err", err)
	}
}
