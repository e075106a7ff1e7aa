package internalaudit

import "testing"

// TestMutantClauseSort: clause numbers sort numerically, the main clause in
// hundreds and each sub-level a tenth of the one above (10.1 after 9.3).
func TestMutantClauseSort(t *testing.T) {
	for c, want := range map[string]int{"4": 400, "7.5": 750, "7.5.3": 753, "9.3": 930, "10.1": 1010, "10": 1000} {
		if got := clauseSort(c); got != want {
			t.Errorf("clauseSort(%q) = %d, want %d", c, got, want)
		}
	}
}
