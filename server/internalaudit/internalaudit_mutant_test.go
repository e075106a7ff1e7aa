package internalaudit_test

import (
	"testing"

	"github.com/qmstrack/qmstrack/server/internalaudit"
)

// Tests that pin the rules the mutation run (make mutate) found untested.

// TestMutantCounts: Counts gives the number of findings of each kind, and
// no entry for a kind without findings.
func TestMutantCounts(t *testing.T) {
	a := internalaudit.Audit{Findings: []internalaudit.Finding{
		{Kind: internalaudit.KindNonconformity}, {Kind: internalaudit.KindOFI}, {Kind: internalaudit.KindNonconformity},
		{Kind: internalaudit.KindNonconformity}, {Kind: internalaudit.KindObservation},
	}}
	got := a.Counts()
	want := map[string]int{internalaudit.KindNonconformity: 3, internalaudit.KindOFI: 1, internalaudit.KindObservation: 1}
	if len(got) != len(want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("counts %v, want %v", got, want)
		}
	}
	if n := len((internalaudit.Audit{}).Counts()); n != 0 {
		t.Fatalf("an audit without findings counts %d kinds", n)
	}
}
