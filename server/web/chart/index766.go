package chart

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/qmstrack/qmstrack/server/index766"
)

// IndexTrend draws the reform index by month: qmstrack's estimate as a
// line with its points (out of 100), and the published score of each
// month that has one as a second series; label names the chart for screen
// readers, estimate and published the series in its legend.
func IndexTrend(months []index766.Scorecard, label, estimate, published string) template.HTML {
	const w, h, left, right, top, bottom = 720.0, 240.0, 44.0, 12.0, 28.0, 36.0
	n := len(months)
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
	fmt.Fprintf(&b, `<svg class="chart" id="index-chart" viewBox="0 0 %.0f %.0f" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`, w, h, esc(label))
	for _, v := range []float64{0, 25, 50, 75, 100} {
		fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%.1f" y="%.1f" font-size="11" text-anchor="end" fill="#666">%.0f</text>`,
			left, w-right, y(v), y(v), left-6, y(v)+4, v)
	}
	fmt.Fprintf(&b, `<circle cx="%.1f" cy="12" r="4" fill="#1d4ed8"/><text x="%.1f" y="16" font-size="11" fill="#333">%s</text>`, left+4, left+12, esc(estimate))
	fmt.Fprintf(&b, `<rect x="%.1f" y="8" width="8" height="8" fill="#c2410c"/><text x="%.1f" y="16" font-size="11" fill="#333">%s</text>`, left+204, left+216, esc(published))
	var pts []string
	for i, m := range months {
		k := m.Key
		if len(k) == 7 {
			k = k[5:] + "/" + k[2:4]
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle" fill="#666">%s</text>`, x(i), h-bottom+16, esc(k))
		if m.Possible > 0 {
			pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(m.Points)))
			fmt.Fprintf(&b, `<circle class="estimate" cx="%.1f" cy="%.1f" r="3.5" fill="#1d4ed8"><title>%s: %.2f / %.0f</title></circle>`,
				x(i), y(m.Points), esc(m.Key), m.Points, m.Possible)
		}
		if p := m.Published; p != nil {
			fmt.Fprintf(&b, `<rect class="published" x="%.1f" y="%.1f" width="7" height="7" fill="#c2410c"><title>%s: %.2f</title></rect>`,
				x(i)-3.5, y(p.Score)-3.5, esc(m.Key), p.Score)
		}
	}
	if len(pts) > 1 {
		fmt.Fprintf(&b, `<polyline fill="none" stroke="#1d4ed8" stroke-width="2" points="%s"/>`, strings.Join(pts, " "))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
