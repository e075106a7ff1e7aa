// Package trail owns the tamper-evident audit trail: every act in qmstrack is
// an entry in one hash chain. Each entry's hash is SHA-256 over the previous
// hash and the entry's canonical encoding, so altering, removing or
// reordering any entry breaks every hash after it.
//
// An act appends its entry in its own transaction, without a lock and
// without its place in the chain (the entry is pending: seq 0, no hashes);
// the sequencer, one per cluster, gives committed entries their place
// moments later, in batches (see Sequence).
package trail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
)

// GenesisHash is the previous hash of the first entry.
var GenesisHash = string(bytes.Repeat([]byte("0"), 64))

// Event is what a store appends, in the transaction of the change it records.
type Event struct {
	ActorID    string // empty for the system (scheduled jobs)
	ActorLogin string
	Action     string // e.g. "document.create", "revision.approve"
	ObjectType string
	ObjectID   string
	Unit       string
	Details    map[string]any
}

// NewEvent fills the actor from ctx ("system" when there is none).
func NewEvent(ctx context.Context, action, objectType, objectID, unit string, details map[string]any) Event {
	e := Event{Action: action, ObjectType: objectType, ObjectID: objectID, Unit: unit, Details: details, ActorLogin: "system"}
	if a, ok := qms.ActorFrom(ctx); ok {
		e.ActorID, e.ActorLogin = a.UserID, a.Login
	}
	return e
}

// Entry is one link of the chain as stored.
//
// A pending entry (committed, not yet chained) has Pending set, Seq 0 and
// empty hashes; ID is its order of insertion, which every entry has.
type Entry struct {
	ID         int64           `json:"id" db:"id"`
	Seq        int64           `json:"seq" db:"seq"`
	Pending    bool            `json:"pending,omitempty" db:"pending"`
	At         time.Time       `json:"at" db:"at"`
	ActorID    *string         `json:"actor_id" db:"actor_id"`
	ActorLogin string          `json:"actor" db:"actor_login"`
	ActorName  string          `json:"actor_name,omitempty" db:"actor_name"` // the user's name now; empty for the system
	Action     string          `json:"action" db:"action"`
	ObjectType string          `json:"object_type" db:"object_type"`
	ObjectID   string          `json:"object_id" db:"object_id"`
	Unit       string          `json:"unit" db:"unit"`
	Details    json.RawMessage `json:"details" db:"details"`
	PrevHash   string          `json:"prev_hash" db:"prev_hash"`
	Hash       string          `json:"hash" db:"hash"`
}

// canonical is the fixed-order encoding that is hashed. Timestamps are UTC
// with microsecond precision, as PostgreSQL stores them.
type canonical struct {
	Seq        int64           `json:"seq"`
	At         string          `json:"at"`
	ActorID    string          `json:"actor_id"`
	ActorLogin string          `json:"actor"`
	Action     string          `json:"action"`
	ObjectType string          `json:"object_type"`
	ObjectID   string          `json:"object_id"`
	Unit       string          `json:"unit"`
	Details    json.RawMessage `json:"details"`
}

// CanonicalDetails re-encodes a JSON object with sorted keys and no spaces,
// keeping numbers exactly as written, so the bytes do not depend on how the
// database stored them.
func CanonicalDetails(raw []byte) ([]byte, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return []byte("{}"), nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("trail details: %w", err)
	}
	return json.Marshal(v)
}

// ComputeHash returns the entry's hash from its fields and PrevHash.
func ComputeHash(e Entry) (string, error) {
	details, err := CanonicalDetails(e.Details)
	if err != nil {
		return "", err
	}
	c := canonical{
		Seq: e.Seq, At: e.At.UTC().Truncate(time.Microsecond).Format("2006-01-02T15:04:05.000000Z"),
		ActorLogin: e.ActorLogin, Action: e.Action, ObjectType: e.ObjectType,
		ObjectID: e.ObjectID, Unit: e.Unit, Details: details,
	}
	if e.ActorID != nil {
		c.ActorID = *e.ActorID
	}
	body, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	h.Write([]byte(e.PrevHash))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Verifier checks entries one at a time in sequence order, so a chain of any
// length is verified in constant memory.
type Verifier struct {
	prev    string
	nextSeq int64
	Checked int64
}

// NewVerifier starts at the genesis of the chain.
func NewVerifier() *Verifier { return &Verifier{prev: GenesisHash, nextSeq: 1} }

// Check verifies the next entry; it returns an error naming the entry when the
// chain is broken there.
func (v *Verifier) Check(e Entry) error {
	if e.Seq != v.nextSeq {
		return &BrokenError{Seq: v.nextSeq, Reason: fmt.Sprintf("entry %d is missing (found %d)", v.nextSeq, e.Seq)}
	}
	if e.PrevHash != v.prev {
		return &BrokenError{Seq: e.Seq, Reason: "previous hash does not match the entry before it"}
	}
	h, err := ComputeHash(e)
	if err != nil {
		return &BrokenError{Seq: e.Seq, Reason: err.Error()}
	}
	if h != e.Hash {
		return &BrokenError{Seq: e.Seq, Reason: "content does not match its hash"}
	}
	v.prev, v.nextSeq = e.Hash, e.Seq+1
	v.Checked++
	return nil
}

// Finish checks that the chain ends where its head says it ends.
func (v *Verifier) Finish(headSeq int64, headHash string) error {
	if headSeq != v.nextSeq-1 {
		return &BrokenError{Seq: v.nextSeq, Reason: fmt.Sprintf("the head says %d entries, found %d", headSeq, v.nextSeq-1)}
	}
	if headHash != v.prev {
		return &BrokenError{Seq: headSeq, Reason: "the head hash does not match the last entry"}
	}
	return nil
}

// BrokenError names the first entry at which the chain does not verify.
type BrokenError struct {
	Seq    int64
	Reason string
}

func (b *BrokenError) Error() string {
	return fmt.Sprintf("trail broken at entry %d: %s", b.Seq, b.Reason)
}

// Result is the outcome of verifying the whole chain.
type Result struct {
	OK      bool  `json:"ok"`
	Checked int64 `json:"checked"`
	// Pending counts the committed entries still waiting for their place in
	// the chain when the check ended; one older than PendingAlarm fails it.
	Pending  int64  `json:"pending"`
	BrokenAt int64  `json:"broken_at,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// Filter selects trail entries; empty fields match everything. Units, when
// not nil, restricts to entries of those units (the caller's scope); entries
// of no unit (organisation-wide acts) are then left out.
type Filter struct {
	ObjectType string
	ObjectID   string
	Units      []string // nil: every unit
	AfterSeq   int64
	Limit      int
}
