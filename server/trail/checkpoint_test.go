package trail_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/trail"
)

func testKey(t *testing.T, b byte) (ed25519.PrivateKey, string) {
	t.Helper()
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = b
	}
	s := base64.StdEncoding.EncodeToString(seed)
	k, err := trail.ParseSigningKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k, s
}

// TestCheckCheckpoints: the chain must pass through every checkpoint, each
// signed by the configured key; the first disagreement names its entry and
// why (rewritten, removed, another key, a signature that does not match).
func TestCheckCheckpoints(t *testing.T) {
	key, _ := testKey(t, 7)
	other, _ := testKey(t, 9)
	chain := map[int64]string{1: "h1", 2: "h2", 3: "h3", 4: "h4"}
	at := time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)
	cp := func(seq int64, hash string) trail.Checkpoint { return trail.Checkpoint{Seq: seq, Hash: hash, At: at} }
	pub := key.Public().(ed25519.PublicKey)

	rep, err := trail.CheckCheckpoints([]trail.Checkpoint{cp(4, "h4").Sign(key), cp(2, "h2").Sign(key), cp(3, "h3")}, pub, chain)
	if err != nil || rep.Checked != 3 || rep.Unsigned != 1 || rep.Last == nil || rep.Last.Seq != 4 {
		t.Fatalf("agreeing checkpoints: %+v %v", rep, err)
	}
	// Without a configured key, any valid signature is accepted.
	if rep, err := trail.CheckCheckpoints([]trail.Checkpoint{cp(2, "h2").Sign(other)}, nil, chain); err != nil || rep.Checked != 1 {
		t.Fatalf("no key configured: %+v %v", rep, err)
	}
	if rep, err := trail.CheckCheckpoints(nil, pub, chain); err != nil || rep.Checked != 0 || rep.Last != nil {
		t.Fatalf("no checkpoint: %+v %v", rep, err)
	}

	forged := cp(3, "h3").Sign(key)
	forged.Hash = "h3x"
	badKey := cp(3, "h3").Sign(key)
	badKey.Key = "zz"
	for _, c := range []struct {
		name string
		cps  []trail.Checkpoint
		seq  int64
		why  string
		ok   int
	}{
		{"rewritten", []trail.Checkpoint{cp(2, "h2").Sign(key), cp(3, "old-h3").Sign(key)}, 3,
			"the chain at entry 3 is not the one checkpointed on 2026-12-04T03:00:00Z (hash h3, checkpointed old-h3): the trail was rewritten", 1},
		{"removed", []trail.Checkpoint{cp(5, "h5").Sign(key)}, 5,
			"the chain has no entry 5, which the checkpoint of 2026-12-04T03:00:00Z recorded: entries were removed", 0},
		{"another key", []trail.Checkpoint{cp(1, "h1").Sign(key), cp(2, "h2").Sign(other)}, 2,
			"the checkpoint of 2026-12-04T03:00:00Z is signed by another key", 1},
		{"altered after signing", []trail.Checkpoint{forged}, 3,
			"the checkpoint of 2026-12-04T03:00:00Z: its signature does not match its content", 0},
		{"not a key", []trail.Checkpoint{badKey}, 3, "its key is not an Ed25519 public key", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			var k ed25519.PublicKey
			if c.name != "not a key" {
				k = pub
			}
			rep, err := trail.CheckCheckpoints(c.cps, k, chain)
			var b *trail.BrokenError
			if !errors.As(err, &b) || b.Seq != c.seq || !strings.Contains(b.Reason, c.why) || rep.Checked != c.ok {
				t.Fatalf("got %+v %v, want entry %d: %q after %d", rep, err, c.seq, c.why, c.ok)
			}
		})
	}
}

// TestCheckpointSignatureCoversEveryField: changing the sequence number,
// the hash or the time of a signed checkpoint breaks its signature.
func TestCheckpointSignatureCoversEveryField(t *testing.T) {
	key, _ := testKey(t, 3)
	at := time.Date(2026, 12, 4, 3, 0, 0, 0, time.UTC)
	good := trail.Checkpoint{Seq: 7, Hash: "h7", At: at}.Sign(key)
	for name, c := range map[string]trail.Checkpoint{
		"seq":  {Seq: 8, Hash: good.Hash, At: good.At, Key: good.Key, Sig: good.Sig},
		"hash": {Seq: 7, Hash: "h8", At: good.At, Key: good.Key, Sig: good.Sig},
		"time": {Seq: 7, Hash: good.Hash, At: at.Add(time.Microsecond), Key: good.Key, Sig: good.Sig},
	} {
		_, err := trail.CheckCheckpoints([]trail.Checkpoint{c}, nil, map[int64]string{c.Seq: c.Hash})
		if err == nil || !strings.Contains(err.Error(), "its signature does not match its content") {
			t.Errorf("a checkpoint with another %s kept its signature: %v", name, err)
		}
	}
	if _, err := trail.CheckCheckpoints([]trail.Checkpoint{good}, nil, map[int64]string{7: "h7"}); err != nil {
		t.Errorf("the signed checkpoint itself: %v", err)
	}
}

func TestParseSigningKey(t *testing.T) {
	for _, bad := range []string{"", "not base64!", base64.StdEncoding.EncodeToString(make([]byte, 31))} {
		if _, err := trail.ParseSigningKey(bad); err == nil || !strings.Contains(err.Error(), "32 random bytes") {
			t.Errorf("ParseSigningKey(%q) = %v", bad, err)
		}
	}
	k1, s := testKey(t, 1)
	k2, err := trail.ParseSigningKey(" " + s + "\n")
	if err != nil || !k1.Equal(k2) {
		t.Errorf("the same seed gave another key: %v", err)
	}
	if got := trail.CheckpointName(42); got != "trail-checkpoints/00000000000000000042.json" {
		t.Errorf("name %q", got)
	}
}
