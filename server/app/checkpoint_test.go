package app_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/trail"
)

// TestTrailCheckpoints: the sequencer's loop checkpoints the chain's head
// into the object store, signed with the configured key and locked; a head
// that has not moved is not checkpointed again; every checkpoint agrees
// with the chain.
func TestTrailCheckpoints(t *testing.T) {
	key := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{4}, 32))
	env := apptest.New(t, apptest.WithConfig(func(c *config.Config) {
		c.TrailSigningKey, c.TrailCheckpointEvery = key, 50*time.Millisecond
	}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { env.App.RunTrailSequencer(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	env.As("coordinator").Do("POST", "/api/v1/ncs", map[string]any{"source": "self_report", "severity": "minor", "unit": "tnmt",
		"title": "Hồ sơ trả chậm"}).MustStatus(http.StatusCreated)
	var cps []trail.Checkpoint
	wait := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			var err error
			if cps, err = env.App.Blob.Checkpoints(ctx); err != nil {
				t.Fatal(err)
			}
			if ok() {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: checkpoints %+v", what, cps)
			}
		}
	}
	head := func() int64 {
		seq, _, err := env.App.Trail.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return seq
	}
	wait("the first checkpoint", func() bool { return len(cps) >= 1 })
	k, _ := trail.ParseSigningKey(key)
	if cps[0].Key == "" || cps[0].Sig == "" {
		t.Fatalf("the checkpoint is not signed: %+v", cps[0])
	}
	chain, err := env.App.Trail.HashesAt(ctx, trail.Seqs(cps))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := trail.CheckCheckpoints(cps, k.Public().(ed25519.PublicKey), chain)
	if err != nil || rep.Checked != len(cps) {
		t.Fatalf("the checkpoint does not agree with the chain: %+v %v", rep, err)
	}
	// Locked: the service's key cannot remove the checkpoint.
	name := trail.CheckpointName(cps[0].Seq)
	if ret, _, err := env.App.Blob.Client().GetObjectRetention(ctx, env.App.Blob.Bucket(), name, ""); err != nil || ret == nil || string(*ret) != "GOVERNANCE" {
		t.Fatalf("the checkpoint's retention: %v %v", ret, err)
	}

	// A head that does not move is not checkpointed again: after several
	// intervals, no two checkpoints (versions included) hold the same entry,
	// and the last is the head.
	time.Sleep(300 * time.Millisecond)
	wait("the head after the acts' last entries", func() bool { return cps[len(cps)-1].Seq == head() })
	seen := map[int64]bool{}
	for _, c := range cps {
		if seen[c.Seq] {
			t.Fatalf("the head at entry %d was checkpointed twice: %+v", c.Seq, cps)
		}
		seen[c.Seq] = true
	}
	first := cps[len(cps)-1].Seq
	n := len(cps)
	// A new act moves the head: a second checkpoint, at the new head.
	env.As("coordinator").Do("POST", "/api/v1/ncs", map[string]any{"source": "self_report", "severity": "minor", "unit": "vhtt",
		"title": "Niêm yết thiếu thủ tục"}).MustStatus(http.StatusCreated)
	wait("a checkpoint of the new head", func() bool { return len(cps) > n && cps[len(cps)-1].Seq == head() && head() > first })
}
