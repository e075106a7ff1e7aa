package chart

import (
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/index766"
)

// The index trend puts each month's estimate at its height out of 100, the
// published score beside it, and no point for a month without any data.
func TestIndexTrend(t *testing.T) {
	svg := string(IndexTrend([]index766.Scorecard{
		{Key: "2026-10", Points: 50, Possible: 68},
		{Key: "2026-11", Points: 0, Possible: 0},
		{Key: "2026-12", Points: 75, Possible: 68, Published: &index766.Published{Score: 80}},
	}, "Chỉ số <QĐ 766>", "ước tính", "công bố"))
	for _, want := range []string{`id="index-chart"`, `cy="116.0"`, `cy="72.0"`, `class="published" x="704.5" y="59.7"`,
		`2026-10: 50.00 / 68`, `2026-12: 80.00`, "10/26", "Chỉ số &lt;QĐ 766&gt;", `<polyline`} {
		if !strings.Contains(svg, want) {
			t.Errorf("missing %q in %s", want, svg)
		}
	}
	if n := strings.Count(svg, `class="estimate"`); n != 2 {
		t.Fatalf("%d estimate points, want 2 (the month without data has none)", n)
	}
	if IndexTrend(nil, "x", "e", "p") != "" {
		t.Fatal("an empty trend draws a chart")
	}
}
