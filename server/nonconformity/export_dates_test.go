package nonconformity_test

import (
	"testing"
	"time"

	nonc "github.com/qmstrack/qmstrack/server/nonconformity"
)

// TestExportDatesAreTheOffices: an NC created at 02:25 on 02/12 in Hanoi
// (19:25 UTC on 01/12) and closed at 00:10 on 05/12 exports created_on
// 2026-12-02 and closed_on 2026-12-05, the office's dates.
func TestExportDatesAreTheOffices(t *testing.T) {
	hanoi := time.FixedZone("ICT", 7*3600)
	created := time.Date(2026, 12, 2, 2, 25, 0, 0, hanoi).UTC()
	closed := time.Date(2026, 12, 5, 0, 10, 0, 0, hanoi).UTC()
	nc := nonc.NC{Number: "NC-2026-0001", CreatedAt: created, ClosedAt: &closed, DetectedOn: time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)}
	row := nonc.ExportRow(nc, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), hanoi)
	col := map[string]string{}
	for i, h := range nonc.ExportHeader {
		col[h] = row[i]
	}
	if col["created_on"] != "2026-12-02" || col["closed_on"] != "2026-12-05" {
		t.Fatalf("created_on %q closed_on %q, want the office's dates 2026-12-02 and 2026-12-05", col["created_on"], col["closed_on"])
	}
}
