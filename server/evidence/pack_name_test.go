package evidence_test

import (
	"testing"

	"github.com/qmstrack/qmstrack/server/evidence"
)

// TestUnitPackName: a unit's pack is named by its unit and its period, the
// last day included (the query's to is that day).
func TestUnitPackName(t *testing.T) {
	f := newFixture(t)
	p, err := f.evidence.Prepare(f.as("coord"), evidence.Query{Unit: "land", From: "2026-01-01", To: "2026-03-31"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "evidence-land-20260101-20260331.zip" {
		t.Errorf("name %q", p.Name)
	}
}
