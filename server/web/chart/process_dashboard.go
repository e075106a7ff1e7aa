package chart

// The process dashboard's charts: the monthly on-time rate, the units'
// outcomes, the overdue heatmap.

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/qmstrack/qmstrack/server/process"
)

// ProcessTrend draws the dashboard's monthly on-time rate as a line with
// its points; label names the chart for screen readers; comma writes
// decimals with the Vietnamese decimal comma. Months are labelled 04/2026.
// A single month (the monthly report) is drawn as a bar with its value, not
// as a lone dot.
func ProcessTrend(db process.Dashboard, label string, comma bool) template.HTML {
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
	num := func(v float64) string { return Decimal(v, 2, comma) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="trend-chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, w, h, esc(label))
	for _, v := range []float64{0, 25, 50, 75, 100} {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%.1f" y="%.1f" font-size="11" text-anchor="end" fill="#666">%.0f%%</text>`,
			left, w-right, y(v), y(v), left-6, y(v)+4, v)
	}
	var pts []string
	for i, m := range db.Months {
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle" fill="#666">%s</text>`, x(i), h-bottom+16, esc(MonthLabel(m)))
		k, ok := byMonth[m]
		if !ok || k.OnTimeRate == nil {
			continue
		}
		v := *k.OnTimeRate
		if n == 1 {
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="60" height="%.1f" fill="#1d4ed8"><title>%s: %s%%</title></rect>`, x(i)-30, y(v), y(0)-y(v), esc(MonthLabel(m)), num(v))
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="13" text-anchor="middle">%s%%</text>`, x(i), y(v)-6, num(v))
			continue
		}
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(v)))
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="3.5" fill="#1d4ed8"><title>%s: %s%%</title></circle>`, x(i), y(v), esc(MonthLabel(m)), num(v))
	}
	if len(pts) > 1 {
		fmt.Fprintf(&b, `<polyline fill="none" stroke="#1d4ed8" stroke-width="2" points="%s"/>`, strings.Join(pts, " "))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// MonthLabel writes a month "2026-04" as people read it: 04/2026.
func MonthLabel(m string) string {
	if len(m) == 7 && m[4] == '-' {
		return m[5:] + "/" + m[:4]
	}
	return m
}

// Decimal writes v with prec decimals, with the decimal comma when comma.
func Decimal(v float64, prec int, comma bool) string {
	s := strconv.FormatFloat(v, 'f', prec, 64)
	if comma {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// ProcessUnits draws one stacked bar per unit of the dashboard: early, on
// time, late.
func ProcessUnits(db process.Dashboard, l UnitLabels) template.HTML {
	if len(db.Units) == 0 {
		return ""
	}
	name := l.Unit
	if name == nil {
		name = func(code string) string { return code }
	}
	const w, rowH, right, legendH = 720.0, 26.0, 60.0, 24.0
	// The names' column is as wide as the longest name needs (about 7
	// units a letter at 12 px), so "Phòng Tài nguyên và Môi trường" is not cut.
	left := 120.0
	for _, u := range db.Units {
		left = math.Max(left, math.Min(320, 7*float64(utf8.RuneCountInString(name(u.Key)))+16))
	}
	h := rowH*float64(len(db.Units)) + 10 + legendH
	var max int64 = 1
	for _, u := range db.Units {
		if u.Returned > max {
			max = u.Returned
		}
	}
	colors := [3]string{"#0f766e", "#16a34a", "#dc2626"}
	scale := (w - left - right) / float64(max)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" id="units-chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, w, h, esc(l.Title))
	for i, u := range db.Units {
		yy := 5 + float64(i)*rowH
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="12" text-anchor="end">%s</text>`, left-8, yy+15, esc(name(u.Key)))
		xx := left
		for j, n := range []int64{u.Early, u.OnTime, u.Late} {
			if n == 0 {
				continue
			}
			wd := float64(n) * scale
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s · %s: %d</title></rect>`,
				xx, yy, wd, rowH-8, colors[j], esc(name(u.Key)), esc(l.Parts[j]), n)
			xx += wd
		}
		if u.OnTimeRate != nil {
			fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="12">%s%%</text>`, xx+6, yy+15, esc(l.number(*u.OnTimeRate)))
		}
	}
	// the legend: which colour is which part of a bar
	ly := rowH*float64(len(db.Units)) + 10 + 6
	lx := left
	for j, part := range l.Parts {
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="12" height="12" fill="%s"/><text x="%.1f" y="%.1f" font-size="12">%s</text>`,
			lx, ly, colors[j], lx+16, ly+11, esc(part))
		lx += 140
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// UnitLabels are the words of the per-unit chart in the reader's language:
// a unit's name by its code, the three parts of a bar (early, on time,
// late), the chart's title for screen readers, and the decimal comma of
// Vietnamese pages.
type UnitLabels struct {
	Unit  func(code string) string
	Parts [3]string
	Title string
	Comma bool
}

func (l UnitLabels) number(v float64) string { return Decimal(v, 1, l.Comma) }

// ProcessHeatCell is one cell of the overdue heatmap as the template draws it.
type ProcessHeatCell struct {
	Late  int64
	Style template.CSS // built here from numbers only
}

// ProcessHeatRow is one unit's row of the overdue heatmap.
type ProcessHeatRow struct {
	Unit  string
	Cells []ProcessHeatCell
}

// ProcessHeat lays the dashboard's heatmap out as unit rows by month
// columns, shading each cell by its share of the worst cell.
func ProcessHeat(db process.Dashboard) []ProcessHeatRow {
	idx := map[string]int{}
	for i, m := range db.Months {
		idx[m] = i
	}
	var max int64 = 1
	rows := map[string][]ProcessHeatCell{}
	var order []string
	for _, u := range db.Units {
		rows[u.Key] = make([]ProcessHeatCell, len(db.Months))
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
			rows[c.Unit] = make([]ProcessHeatCell, len(db.Months))
			order = append(order, c.Unit)
		}
		a := 0.12 + 0.88*math.Sqrt(float64(c.Late)/float64(max))
		rows[c.Unit][i] = ProcessHeatCell{Late: c.Late, Style: template.CSS(fmt.Sprintf("background: rgba(220, 38, 38, %.2f)", a))}
	}
	out := make([]ProcessHeatRow, 0, len(order))
	for _, u := range order {
		out = append(out, ProcessHeatRow{Unit: u, Cells: rows[u]})
	}
	return out
}
