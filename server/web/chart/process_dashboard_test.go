package chart

import (
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/process"
)

func rate(v float64) *float64 { return &v }

func dashboard() process.Dashboard {
	return process.Dashboard{
		Months: []string{"2026-10", "2026-11"},
		Trend:  []process.KPI{{Key: "2026-10", OnTimeRate: rate(50)}, {Key: "2026-11", OnTimeRate: rate(100)}},
		Units: []process.UnitRow{{KPI: process.KPI{Key: "tnmt", Returned: 4, Early: 1, OnTime: 1, Late: 2, OnTimeRate: rate(50)}},
			{KPI: process.KPI{Key: "<b>", Returned: 0}}},
		Heatmap: []process.HeatCell{{Unit: "tnmt", Month: "2026-11", Late: 2}, {Unit: "vp", Month: "2026-10", Late: 1}, {Unit: "tnmt", Month: "2025-01", Late: 9}},
	}
}

func TestProcessTrend(t *testing.T) {
	svg := string(ProcessTrend(dashboard(), `on "time"`, true))
	if !strings.Contains(svg, `aria-label="on &#34;time&#34;"`) || strings.Count(svg, "<circle") != 2 || !strings.Contains(svg, "<polyline") ||
		!strings.Contains(svg, ">10/2026<") || !strings.Contains(svg, "<title>10/2026: 50,00%</title>") {
		t.Fatalf("trend %s", svg)
	}
	if en := string(ProcessTrend(dashboard(), "x", false)); !strings.Contains(en, "<title>10/2026: 50.00%</title>") {
		t.Fatalf("trend in English %s", en)
	}
	// one month (the monthly report): a bar with its value, not a lone dot
	one := dashboard()
	one.Months, one.Trend = one.Months[:1], one.Trend[:1]
	if svg := string(ProcessTrend(one, "x", true)); strings.Count(svg, "<rect") != 1 || strings.Contains(svg, "<circle") || !strings.Contains(svg, ">50,00%</text>") {
		t.Fatalf("single month %s", svg)
	}
	if ProcessTrend(process.Dashboard{}, "x", true) != "" {
		t.Fatal("a trend without months draws nothing")
	}
}

func TestProcessUnits(t *testing.T) {
	l := UnitLabels{Unit: func(code string) string { return "Đơn vị " + code }, Parts: [3]string{"Trước hạn", "Đúng hạn", "Trễ hạn"}, Comma: true}
	svg := string(ProcessUnits(dashboard(), l))
	// One bar part per non-zero count and three legend swatches, the unit
	// names escaped and named, the parts named in the reader's language.
	if strings.Count(svg, "<rect") != 3+3 || !strings.Contains(svg, "Đơn vị &lt;b&gt;") || strings.Contains(svg, "<b>") || !strings.Contains(svg, "50,0%") {
		t.Fatalf("units %s", svg)
	}
	for _, part := range l.Parts {
		if strings.Count(svg, ">"+part+"</text>") != 1 {
			t.Errorf("the legend does not name %q once: %s", part, svg)
		}
	}
	if strings.Contains(svg, "on_time") || strings.Contains(svg, "early") {
		t.Errorf("the chart shows codes: %s", svg)
	}
	if ProcessUnits(process.Dashboard{}, l) != "" {
		t.Fatal("no units, no chart")
	}
}

func TestProcessHeat(t *testing.T) {
	rows := ProcessHeat(dashboard())
	// Units of the table first, in order, then units seen only in the
	// heatmap; a month outside the period has no column.
	if len(rows) != 3 || rows[0].Unit != "tnmt" || rows[1].Unit != "<b>" || rows[2].Unit != "vp" {
		t.Fatalf("rows %+v", rows)
	}
	if rows[0].Cells[1].Late != 2 || rows[0].Cells[0].Late != 0 || rows[2].Cells[0].Late != 1 || rows[0].Cells[1].Style == "" {
		t.Fatalf("cells %+v", rows)
	}
}
