package chart

import (
	"strings"
	"testing"
)

// Bars are as tall as their share of the axis, labels are escaped, and an
// empty chart says so instead of drawing nothing.
func TestPareto(t *testing.T) {
	svg := Pareto("chart-pareto", "Causes", "none", []Bar{
		{Key: "method", Label: "Phương pháp <b>", Count: 8, CumulativePct: 80},
		{Key: "people", Label: "Con người", Count: 2, CumulativePct: 100},
	})
	for _, want := range []string{`id="chart-pareto"`, `data-category="method" data-count="8"`, `height="168"`, `height="42"`,
		"Phương pháp &lt;b&gt;", `<polyline points=`} {
		if !strings.Contains(svg, want) {
			t.Errorf("missing %q in %s", want, svg)
		}
	}
	if strings.Contains(svg, "<b>") {
		t.Fatal("label not escaped")
	}
	if empty := Pareto("p", "Causes", "no data yet", nil); !strings.Contains(empty, "no data yet") || strings.Contains(empty, "<rect") {
		t.Fatalf("empty chart: %s", empty)
	}
}

func TestTrend(t *testing.T) {
	svg := Trend("chart-trend", "Trend", "opened", "closed", []Month{{Month: "2026-04", Opened: 10, Closed: 5}})
	for _, want := range []string{`class="bar-opened" data-month="2026-04" data-count="10"`, `class="bar-closed" data-month="2026-04" data-count="5"`,
		">04/26<", ">opened<", ">closed<"} {
		if !strings.Contains(svg, want) {
			t.Errorf("missing %q in %s", want, svg)
		}
	}
}

func TestNiceMax(t *testing.T) {
	for in, want := range map[int]int{0: 4, 3: 4, 7: 10, 11: 15, 49: 50, 51: 60, 130: 140} {
		if got := niceMax(in); got != want {
			t.Errorf("niceMax(%d) = %d, want %d", in, got, want)
		}
	}
}
