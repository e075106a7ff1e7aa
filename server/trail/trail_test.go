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
