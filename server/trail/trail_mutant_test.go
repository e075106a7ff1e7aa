package trail

import (
	"encoding/json"
	"testing"
)

// TestDetailsAreHashed: the details are part of what the hash covers
// (canonical: sorted keys, numbers as written; empty is {}), so an entry
// whose details were changed no longer verifies.
func TestDetailsAreHashed(t *testing.T) {
	for in, want := range map[string]string{
		`{ "b": 1, "a": "Quy trình" }`: `{"a":"Quy trình","b":1}`,
		`{"n": 1.50}`:                  `{"n":1.50}`,
		"  ":                           `{}`,
		"":                             `{}`,
	} {
		got, err := CanonicalDetails([]byte(in))
		if err != nil || string(got) != want {
			t.Errorf("CanonicalDetails(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	es := chain(t, 3)
	es[1].Details = json.RawMessage(`{"b":2,"a":"Quy trình"}`)
	v := NewVerifier()
	if err := v.Check(es[0]); err != nil {
		t.Fatal(err)
	}
	if err := v.Check(es[1]); err == nil {
		t.Fatal("an entry with changed details verified")
	}
}

// TestVerifierCountsEntries: Checked is the number of entries verified.
func TestVerifierCountsEntries(t *testing.T) {
	v := NewVerifier()
	for i, e := range chain(t, 4) {
		if err := v.Check(e); err != nil {
			t.Fatalf("entry %d: %v", i+1, err)
		}
	}
	if v.Checked != 4 {
		t.Fatalf("Checked = %d after 4 entries", v.Checked)
	}
}
