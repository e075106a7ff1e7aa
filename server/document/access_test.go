package document_test

import (
	"testing"

	"github.com/qmstrack/qmstrack/server/document"
)

// TestAppliesTo pins which documents an audit of a unit reaches: the unit's
// own, those distributed to it, and the organisation-wide ones (distributed
// to every unit, or public); a distribution by role reaches no unit.
func TestAppliesTo(t *testing.T) {
	for _, tc := range []struct {
		name  string
		d     document.Document
		units []string
		want  bool
	}{
		{"own unit", document.Document{Unit: "tnmt"}, []string{"tnmt"}, true},
		{"another unit", document.Document{Unit: "noivu"}, []string{"tnmt"}, false},
		{"distributed to the unit", document.Document{Unit: "vp", DistUnits: []string{"noivu", "tnmt"}}, []string{"tnmt"}, true},
		{"distributed to every unit", document.Document{Unit: "vp", DistUnits: []string{"*"}}, []string{"tnmt"}, true},
		{"public", document.Document{Unit: "noivu", Public: true}, []string{"tnmt"}, true},
		{"distributed by role", document.Document{Unit: "vp", DistRoles: []string{"staff"}}, []string{"tnmt"}, false},
		{"no audit", document.Document{Unit: "tnmt", Public: true}, nil, false},
	} {
		if got := tc.d.AppliesTo(tc.units); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
