package export

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/web/chart"
)

// ProcessDashboard writes the dashboard as a workbook: trend, units,
// fields, objectives, directives and the heatmap, one sheet each; t
// translates the page text ids of the sheet names and headers, and unitName
// names a unit in the reader's language. A unit or a field keeps its code in
// its own column, its name beside it; numbers stay numbers.
func ProcessDashboard(db process.Dashboard, t func(string) string, unitName func(code string) string) (*excelize.File, error) {
	f := excelize.NewFile()
	kpiHeader := []any{t("proc.kpi.key"), t("proc.kpi.received"), t("proc.kpi.online"), t("proc.kpi.postal"), t("proc.kpi.returned"),
		t("proc.kpi.early"), t("proc.kpi.on_time"), t("proc.kpi.late"), t("proc.kpi.on_time_rate"), t("proc.kpi.early_rate"),
		t("proc.kpi.online_share"), t("proc.kpi.mean_days")}
	num := func(p *float64) any {
		if p == nil {
			return ""
		}
		return *p
	}
	kpiRow := func(k process.KPI) []any {
		return []any{k.Key, k.Received, k.Online, k.Postal, k.Returned, k.Early, k.OnTime, k.Late, num(k.OnTimeRate), num(k.EarlyRate), num(k.OnlineShare), num(k.MeanDays)}
	}
	sheet := func(name string, rows [][]any) error {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(name, cell, &r); err != nil {
				return err
			}
		}
		return nil
	}
	// named puts the name of a row's code beside it.
	named := func(header []any) []any {
		return append([]any{header[0], t("proc.export.name")}, header[1:]...)
	}
	withName := func(row []any, name string) []any {
		return append([]any{row[0], name}, row[1:]...)
	}
	trend := [][]any{kpiHeader}
	for _, k := range db.Trend {
		trend = append(trend, kpiRow(k))
	}
	units := [][]any{named(kpiHeader)}
	for _, u := range db.Units {
		units = append(units, withName(kpiRow(u.KPI), unitName(u.Key)))
	}
	fields := [][]any{named(kpiHeader)}
	for _, k := range db.Fields {
		fields = append(fields, withName(kpiRow(k), t("proc.field."+k.Key)))
	}
	objs := [][]any{{t("proc.objective.title"), t("proc.objective.unit"), t("proc.export.name"), t("proc.objective.kpi"), t("proc.objective.target"), t("proc.objective.period"), t("proc.objective.value"), t("proc.objective.status")}}
	for _, o := range db.Objectives {
		var v any = ""
		st := ""
		if o.Progress != nil {
			v, st = num(o.Progress.Value), t("proc.status."+o.Progress.Status)
		}
		objs = append(objs, []any{o.Title, o.Unit, unitName(o.Unit), t("proc.kpi." + o.KPI), o.Comparator + " " + fmt.Sprint(o.Target), o.From.String() + " – " + o.To.String(), v, st})
	}
	dirs := [][]any{{t("proc.directive.state"), t("proc.count")}}
	for _, st := range []string{"open", "reported", "returned", "accepted", "overdue"} {
		dirs = append(dirs, []any{t("proc.dstate." + st), db.Directives[st]})
	}
	heat := [][]any{append([]any{t("proc.objective.unit"), t("proc.export.name")}, procStrings(db.Months)...)}
	for _, r := range chart.ProcessHeat(db) {
		row := []any{r.Unit, unitName(r.Unit)}
		for _, c := range r.Cells {
			row = append(row, c.Late)
		}
		heat = append(heat, row)
	}
	for _, s := range []struct {
		name string
		rows [][]any
	}{{"trend", trend}, {"units", units}, {"fields", fields}, {"objectives", objs}, {"directives", dirs}, {"heatmap", heat}} {
		if err := sheet(t("proc.export.sheet."+s.name), s.rows); err != nil {
			return nil, err
		}
	}
	_ = f.DeleteSheet("Sheet1")
	return f, nil
}

func procStrings(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
