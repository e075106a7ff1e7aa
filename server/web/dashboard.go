package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/qmstrack/qmstrack/server/process"
)

// The dashboard's charts are SVG drawn on the server: they print, they need
// no script (the Content-Security-Policy allows none inline), and every
// label is escaped here.

func procEsc(s string) string { return template.HTMLEscapeString(s) }

// procTrendSVG draws the monthly on-time rate as a line with its points.
func procTrendSVG(db process.Dashboard, label string) template.HTML {
	const w, h, left, right, top, bottom = 720.0, 240.0, 44.0, 12.0, 16.0, 36.0
	byMonth := map[string]process.KPI{}
	for _, k := range db.Trend {
		byMonth[k.Key] = k
	}
	n := len(db.Months)
	if n == 0 {
		return ""
	}
	x := func(i int) float64 {
		if n == 1 {
			return left + (w-left-right)/2
		}
		return left + float64(i)*(w-left-right)/float64(n-1)
	}
	y := func(v float64) float64 { return top + (100-v)*(h-top-bottom)/100 }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="trend-chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, w, h, procEsc(label))
	for _, v := range []float64{0, 25, 50, 75, 100} {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%.1f" y="%.1f" font-size="11" text-anchor="end" fill="#666">%.0f%%</text>`,
			left, w-right, y(v), y(v), left-6, y(v)+4, v)
	}
	var pts []string
	for i, m := range db.Months {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle" fill="#666">%s</text>`, x(i), h-bottom+16, procEsc(m[5:]+"/"+m[2:4]))
		k, ok := byMonth[m]
		if !ok || k.OnTimeRate == nil {
			continue
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(*k.OnTimeRate)))
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="#1d4ed8"><title>%s: %.2f%%</title></circle>`, x(i), y(*k.OnTimeRate), procEsc(m), *k.OnTimeRate)
	}
	if len(pts) > 1 {
		fmt.Fprintf(&b, `<polyline fill="none" stroke="#1d4ed8" stroke-width="2" points="%s"/>`, strings.Join(pts, " "))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// procUnitsSVG draws one stacked bar per unit: early, on time, late.
func procUnitsSVG(db process.Dashboard, lang string) template.HTML {
	if len(db.Units) == 0 {
		return ""
	}
	const w, rowH, left, right = 720.0, 26.0, 110.0, 60.0
	h := rowH*float64(len(db.Units)) + 10
	var max int64 = 1
	for _, u := range db.Units {
		if u.Returned > max {
			max = u.Returned
		}
	}
	scale := (w - left - right) / float64(max)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="units-chart" viewBox="0 0 %.0f %.0f" role="img" xmlns="http://www.w3.org/2000/svg">`, w, h)
	for i, u := range db.Units {
		yy := 5 + float64(i)*rowH
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="12" text-anchor="end">%s</text>`, left-8, yy+15, procEsc(u.Key))
		xx := left
		for _, part := range []struct {
			n     int64
			color string
			name  string
		}{{u.Early, "#0f766e", "early"}, {u.OnTime, "#16a34a", "on_time"}, {u.Late, "#dc2626", "late"}} {
			if part.n == 0 {
				continue
			}
			wd := float64(part.n) * scale
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s %s: %d</title></rect>`, xx, yy, wd, rowH-8, part.color, procEsc(u.Key), part.name, part.n)
			xx += wd
		}
		if u.OnTimeRate != nil {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="12">%.1f%%</text>`, xx+6, yy+15, *u.OnTimeRate)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// procHeatCell is one cell of the heatmap as the template draws it.
type procHeatCell struct {
	Late  int64
	Style template.CSS // built here from numbers only
}

// procHeatRow is one unit's row of the overdue heatmap.
type procHeatRow struct {
	Unit  string
	Cells []procHeatCell
}

// procHeatRows lays the heatmap out as unit rows by month columns, shading each
// cell by its share of the worst cell.
func procHeatRows(db process.Dashboard) []procHeatRow {
	idx := map[string]int{}
	for i, m := range db.Months {
		idx[m] = i
	}
	var max int64 = 1
	rows := map[string][]procHeatCell{}
	var order []string
	for _, u := range db.Units {
		rows[u.Key] = make([]procHeatCell, len(db.Months))
		order = append(order, u.Key)
	}
	for _, c := range db.Heatmap {
		if c.Late > max {
			max = c.Late
		}
	}
	for _, c := range db.Heatmap {
		i, ok := idx[c.Month]
		if !ok {
			continue
		}
		if rows[c.Unit] == nil {
			rows[c.Unit] = make([]procHeatCell, len(db.Months))
			order = append(order, c.Unit)
		}
		a := 0.12 + 0.88*math.Sqrt(float64(c.Late)/float64(max))
		rows[c.Unit][i] = procHeatCell{Late: c.Late, Style: template.CSS(fmt.Sprintf("background: rgba(220, 38, 38, %.2f)", a))}
	}
	out := make([]procHeatRow, 0, len(order))
	for _, u := range order {
		out = append(out, procHeatRow{Unit: u, Cells: rows[u]})
	}
	return out
}

// dashboardXLSX writes the dashboard as a workbook: trend, units, fields,
// objectives, directives and the heatmap, one sheet each.
func dashboardXLSX(db process.Dashboard, t func(string) string) (*excelize.File, error) {
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
	trend := [][]any{kpiHeader}
	for _, k := range db.Trend {
		trend = append(trend, kpiRow(k))
	}
	units := [][]any{kpiHeader}
	for _, u := range db.Units {
		units = append(units, kpiRow(u.KPI))
	}
	fields := [][]any{kpiHeader}
	for _, k := range db.Fields {
		fields = append(fields, kpiRow(k))
	}
	objs := [][]any{{t("proc.objective.title"), t("proc.objective.unit"), t("proc.objective.kpi"), t("proc.objective.target"), t("proc.objective.period"), t("proc.objective.value"), t("proc.objective.status")}}
	for _, o := range db.Objectives {
		var v any = ""
		st := ""
		if o.Progress != nil {
			v, st = num(o.Progress.Value), t("proc.status."+o.Progress.Status)
		}
		objs = append(objs, []any{o.Title, o.Unit, t("proc.kpi." + o.KPI), o.Comparator + " " + fmt.Sprint(o.Target), o.From.String() + " – " + o.To.String(), v, st})
	}
	dirs := [][]any{{t("proc.directive.state"), t("proc.count")}}
	for _, st := range []string{"open", "reported", "returned", "accepted", "overdue"} {
		dirs = append(dirs, []any{t("proc.dstate." + st), db.Directives[st]})
	}
	heat := [][]any{append([]any{t("proc.objective.unit")}, procToAny(db.Months)...)}
	for _, r := range procHeatRows(db) {
		row := []any{r.Unit}
		for _, c := range r.Cells {
			row = append(row, c.Late)
		}
		heat = append(heat, row)
	}
	for _, s := range []struct {
		name string
		rows [][]any
	}{{"Trend", trend}, {"Units", units}, {"Fields", fields}, {"Objectives", objs}, {"Directives", dirs}, {"Late heatmap", heat}} {
		if err := sheet(s.name, s.rows); err != nil {
			return nil, err
		}
	}
	_ = f.DeleteSheet("Sheet1")
	return f, nil
}

func procToAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
