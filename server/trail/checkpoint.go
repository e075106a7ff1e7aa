package trail

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Checkpoints anchor the chain outside the database. The chain alone shows
// an entry altered or removed, but someone able to rewrite the whole table
// could recompute every hash after a change. So every so often (at most
// every QMS_TRAIL_CHECKPOINT_EVERY, once the head has moved) the head of
// the chain, its sequence number and hash, is
// written to the object store as a checkpoint under object lock (a
// retention nobody can shorten in COMPLIANCE mode), signed with the
// instance's Ed25519 key when one is configured, as transparency logs sign
// their tree heads. Verification recomputes the chain and requires that it
// pass through every checkpoint: a rewritten history differs from a
// checkpoint taken before the rewrite, and the checkpoint cannot be removed
// or replaced.

// CheckpointPrefix is the object-store folder of the checkpoints.
const CheckpointPrefix = "trail-checkpoints/"

// Checkpoint is the head of the chain at a moment.
type Checkpoint struct {
	Seq  int64     `json:"seq"`
	Hash string    `json:"hash"`
	At   time.Time `json:"at"`
	// Key is the signer's Ed25519 public key (hex) and Sig the signature
	// (base64) of Statement; both empty for an unsigned checkpoint.
	Key string `json:"key,omitempty"`
	Sig string `json:"sig,omitempty"`
}

// CheckpointName is the object name of a checkpoint: its sequence number,
// zero-padded so that names sort in chain order.
func CheckpointName(seq int64) string { return fmt.Sprintf("%s%020d.json", CheckpointPrefix, seq) }

// Statement is what a checkpoint's signature covers.
func (c Checkpoint) Statement() []byte {
	return fmt.Appendf(nil, "qmstrack trail checkpoint v1\nseq %d\nhash %s\nat %s\n", c.Seq, c.Hash, c.At.UTC().Format(time.RFC3339Nano))
}

// Sign returns c signed with key.
func (c Checkpoint) Sign(key ed25519.PrivateKey) Checkpoint {
	c.At = c.At.UTC()
	c.Key = hex.EncodeToString(key.Public().(ed25519.PublicKey))
	c.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(key, c.Statement()))
	return c
}

// ParseSigningKey reads QMS_TRAIL_SIGNING_KEY: the base64 of a 32-byte
// Ed25519 seed (e.g. `head -c 32 /dev/urandom | base64`).
func ParseSigningKey(s string) (ed25519.PrivateKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != ed25519.SeedSize {
		return nil, errors.New("the trail signing key must be the base64 of 32 random bytes (head -c 32 /dev/urandom | base64)")
	}
	return ed25519.NewKeyFromSeed(b), nil
}

// CheckpointReport is what the comparison of the checkpoints with the
// chain found.
type CheckpointReport struct {
	Checked  int         `json:"checked"`
	Unsigned int         `json:"unsigned"`
	Last     *Checkpoint `json:"last,omitempty"`
}

// Seqs are the entries the checkpoints name, for reading their hashes in
// one query.
func Seqs(cps []Checkpoint) []int64 {
	out := make([]int64, len(cps))
	for i, c := range cps {
		out[i] = c.Seq
	}
	return out
}

// CheckCheckpoints compares each checkpoint with the chain: chain holds the
// hash of each chained entry the checkpoints name (Seqs), and none for an
// entry the chain does not have. pub, when not nil, is the key every signed
// checkpoint must be signed with. The first disagreement is a *BrokenError
// naming the entry.
func CheckCheckpoints(cps []Checkpoint, pub ed25519.PublicKey, chain map[int64]string) (CheckpointReport, error) {
	sort.Slice(cps, func(i, j int) bool { return cps[i].Seq < cps[j].Seq })
	var r CheckpointReport
	for i := range cps {
		c := cps[i]
		at := c.At.UTC().Format(time.RFC3339)
		switch {
		case c.Sig == "" && c.Key == "":
			r.Unsigned++
		case pub != nil && c.Key != hex.EncodeToString(pub):
			return r, &BrokenError{Seq: c.Seq, Reason: fmt.Sprintf("the checkpoint of %s is signed by another key (%s)", at, c.Key)}
		default:
			if err := c.verifySig(); err != nil {
				return r, &BrokenError{Seq: c.Seq, Reason: fmt.Sprintf("the checkpoint of %s: %v", at, err)}
			}
		}
		h, ok := chain[c.Seq]
		if !ok {
			return r, &BrokenError{Seq: c.Seq, Reason: fmt.Sprintf("the chain has no entry %d, which the checkpoint of %s recorded: entries were removed", c.Seq, at)}
		}
		if h != c.Hash {
			return r, &BrokenError{Seq: c.Seq, Reason: fmt.Sprintf("the chain at entry %d is not the one checkpointed on %s (hash %s, checkpointed %s): the trail was rewritten", c.Seq, at, h, c.Hash)}
		}
		r.Checked++
		r.Last = &cps[i]
	}
	return r, nil
}

func (c Checkpoint) verifySig() error {
	pub, err := hex.DecodeString(c.Key)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return errors.New("its key is not an Ed25519 public key")
	}
	sig, err := base64.StdEncoding.DecodeString(c.Sig)
	if err != nil || !ed25519.Verify(pub, c.Statement(), sig) {
		return errors.New("its signature does not match its content")
	}
	return nil
}
