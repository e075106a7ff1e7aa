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
	f, err := ProcessDashboard(db, func(id string) string { return "T~" + id }, func(code string) string { return "U:" + code })
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, ",") != "T~proc.export.sheet.trend,T~proc.export.sheet.units,T~proc.export.sheet.fields,T~proc.export.sheet.objectives,T~proc.export.sheet.directives,T~proc.export.sheet.heatmap" {
		t.Fatalf("sheets %v", got)
	}
	cell := func(sheet, at string) string {
		v, err := f.GetCellValue(sheet, at)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	const trend, units, objs, dirs, heat = "T~proc.export.sheet.trend", "T~proc.export.sheet.units", "T~proc.export.sheet.objectives",
		"T~proc.export.sheet.directives", "T~proc.export.sheet.heatmap"
	if cell(trend, "A1") != "T~proc.kpi.key" || cell(trend, "I2") != "97.5" || cell(objs, "H2") != "T~proc.status.off_track" ||
		cell(dirs, "B2") != "2" || cell(dirs, "B6") != "1" || cell(heat, "C2") != "3" {
		t.Fatalf("cells: %q %q %q %q %q", cell(trend, "I2"), cell(objs, "H2"), cell(dirs, "B2"), cell(dirs, "B6"), cell(heat, "C2"))
	}
	// a unit keeps its code in its column, its name beside it
	if cell(units, "A2") != "tnmt" || cell(units, "B2") != "U:tnmt" || cell(units, "B1") != "T~proc.export.name" || cell(units, "C2") != "10" ||
		cell(objs, "B2") != "tnmt" || cell(objs, "C2") != "U:tnmt" || cell(heat, "A2") != "tnmt" || cell(heat, "B2") != "U:tnmt" {
		t.Fatalf("unit names: %q %q %q %q %q", cell(units, "A2"), cell(units, "B2"), cell(objs, "C2"), cell(heat, "B2"), cell(units, "C2"))
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if _, err := excelize.OpenReader(&buf); err != nil {
		t.Fatalf("the workbook does not open: %v", err)
	}
}
