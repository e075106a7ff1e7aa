package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/trail"
)

// TestTrailSequencerChainsWithinTheBound: with the application's jobs
// running on two instances (RunJobs, which runs the trail's sequencer), every
// appended entry has its place in the chain within the stated bound of 1 s
// of its commit, and the chain verifies without a pending entry.
func TestTrailSequencerChainsWithinTheBound(t *testing.T) {
	const bound = time.Second
	env := apptest.New(t)
	second := env.Instance(t)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { env.App.RunJobs(ctx, time.Hour) })
	wg.Go(func() { second.App.RunJobs(ctx, time.Hour) })
	defer func() { cancel(); wg.Wait() }()
	var worst time.Duration
	for i := 0; i < 20; i++ {
		id := fmt.Sprintf("bound-%d", i)
		if err := env.App.Trail.Record(ctx, trail.Event{ActorLogin: "system", Action: "test.bound", ObjectType: "test", ObjectID: id}); err != nil {
			t.Fatal(err)
		}
		committed := time.Now()
		for {
			var seq *int64
			if err := env.App.DB.Get(&seq, `SELECT seq FROM trail WHERE object_id = $1`, id); err != nil {
				t.Fatal(err)
			}
			waited := time.Since(committed)
			if seq != nil {
				worst = max(worst, waited)
				break
			}
			if waited > bound {
				t.Fatalf("entry %s not chained %s after its commit (bound %s)", id, waited, bound)
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(time.Duration(i%4) * 60 * time.Millisecond) // commits at different moments of the poll
	}
	t.Logf("the slowest of 20 entries was chained %s after its commit", worst)
	res, err := env.App.Trail.Check(ctx)
	if err != nil || !res.OK || res.Checked == 0 {
		t.Fatalf("check: %+v %v", res, err)
	}
}
