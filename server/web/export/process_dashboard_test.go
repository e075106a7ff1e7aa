package export

import (
	"bytes"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/workday"
)

func TestProcessDashboard(t *testing.T) {
	v := 97.5
	db := process.Dashboard{
		Months: []string{"2026-11"},
		Trend:  []process.KPI{{Key: "2026-11", Received: 10, Returned: 8, OnTimeRate: &v}},
		Units:  []process.UnitRow{{KPI: process.KPI{Key: "tnmt", Received: 10}}},
		Objectives: []process.Objective{{Title: "98%", Unit: "tnmt", KPI: "on_time_rate", Comparator: ">=", Target: 98,
			From: workday.Date{Year: 2026, Month: 1, Day: 1}, To: workday.Date{Year: 2026, Month: 12, Day: 31},
			Progress: &process.Progress{Value: &v, Status: "off_track"}}},
		Directives: map[string]int{"open": 2, "overdue": 1},
		Heatmap:    []process.HeatCell{{Unit: "tnmt", Month: "2026-11", Late: 3}},
	}
	f, err := ProcessDashboard(db, func(id string) string { return "T:" + id })
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, ",") != "Trend,Units,Fields,Objectives,Directives,Late heatmap" {
		t.Fatalf("sheets %v", got)
	}
	cell := func(sheet, at string) string {
		v, err := f.GetCellValue(sheet, at)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if cell("Trend", "A1") != "T:proc.kpi.key" || cell("Trend", "I2") != "97.5" || cell("Objectives", "G2") != "T:proc.status.off_track" ||
		cell("Directives", "B2") != "2" || cell("Directives", "B6") != "1" || cell("Late heatmap", "B2") != "3" {
		t.Fatalf("cells: %q %q %q %q %q", cell("Trend", "I2"), cell("Objectives", "G2"), cell("Directives", "B2"), cell("Directives", "B6"), cell("Late heatmap", "B2"))
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := excelize.OpenReader(&buf); err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
}
