package trail

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func chain(t *testing.T, n int) []Entry {
	t.Helper()
	prev := GenesisHash
	var out []Entry
	for i := 1; i <= n; i++ {
		e := Entry{Seq: int64(i), At: time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC), ActorLogin: "coordinator",
			Action: "document.create", ObjectType: "document", ObjectID: "x", Unit: "tnmt",
			Details: json.RawMessage(`{"b":1,"a":"Quy trình"}`), PrevHash: prev}
		h, err := ComputeHash(e)
		if err != nil {
			t.Fatal(err)
		}
		e.Hash, prev = h, h
		out = append(out, e)
	}
	return out
}

func TestVerifierAcceptsChainAndKeyOrderDoesNotMatter(t *testing.T) {
	es := chain(t, 5)
	es[2].Details = json.RawMessage(`{ "a": "Quy trình", "b": 1 }`) // as jsonb prints it
	v := NewVerifier()
	for _, e := range es {
		if err := v.Check(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := v.Finish(5, es[4].Hash); err != nil {
		t.Fatal(err)
	}
}

func TestVerifierNamesFirstBrokenEntry(t *testing.T) {
	cases := map[string]func([]Entry) []Entry{
		"altered":   func(es []Entry) []Entry { es[2].Action = "document.delete"; return es },
		"removed":   func(es []Entry) []Entry { return append(es[:2], es[3:]...) },
		"reordered": func(es []Entry) []Entry { es[2], es[3] = es[3], es[2]; return es },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			es := mutate(chain(t, 5))
			v := NewVerifier()
			var err error
			for _, e := range es {
				if err = v.Check(e); err != nil {
					break
				}
			}
			var b *BrokenError
			if !errors.As(err, &b) || b.Seq != 3 {
				t.Fatalf("want broken at 3, got %v", err)
			}
		})
	}
}

// TestVerifierFinish: entries that each verify still fail when the chain
// ends before its head (the tail was cut off) or on another hash than the
// head's; the intact chain passes.
func TestVerifierFinish(t *testing.T) {
	es := chain(t, 5)
	check := func(n int) *Verifier {
		t.Helper()
		v := NewVerifier()
		for _, e := range es[:n] {
			if err := v.Check(e); err != nil {
				t.Fatal(err)
			}
		}
		return v
	}
	if err := check(5).Finish(5, es[4].Hash); err != nil {
		t.Fatalf("intact chain: %v", err)
	}
	cases := []struct {
		name    string
		checked int
		headSeq int64
		hash    string
		seq     int64
		reason  string
	}{
		{"truncated tail", 4, 5, es[4].Hash, 5, "the head says 5 entries, found 4"},
		{"head past the end", 5, 6, es[4].Hash, 6, "the head says 6 entries, found 5"},
		{"head behind the end", 5, 4, es[3].Hash, 6, "the head says 4 entries, found 5"},
		{"head hash mismatch", 5, 5, es[3].Hash, 5, "the head hash does not match the last entry"},
		{"empty chain, head says entries", 0, 1, GenesisHash, 1, "the head says 1 entries, found 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := check(c.checked).Finish(c.headSeq, c.hash)
			var b *BrokenError
			if !errors.As(err, &b) || b.Seq != c.seq || b.Reason != c.reason {
				t.Fatalf("want broken at %d (%q), got %v", c.seq, c.reason, err)
			}
		})
	}
}
