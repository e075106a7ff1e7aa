// Package chart draws the charts of qmstrack's pages as SVG, on the server:
// no chart library, no script, nothing fetched from elsewhere, and they
// print. It is pure: data in, markup out; labels come translated.
package chart

import (
	"fmt"
	"html"
	"strings"
)

const (
	chartW, chartH             = 640, 300
	chartLeft, chartRight      = 48, 48
	chartTop, chartBottomSpace = 20, 70
)

func esc(s string) string { return html.EscapeString(s) }

// niceMax rounds a maximum up to a value with tidy ticks.
func niceMax(n int) int {
	switch {
	case n <= 4:
		return 4
	case n <= 10:
		return 10
	}
	step := 5
	for n > step*10 {
		step *= 2
	}
	return (n + step - 1) / step * step
}

// Bar is one bar of a Pareto chart: Key goes into the markup (data-category),
// Label is shown.
type Bar struct {
	Key, Label    string
	Count         int
	CumulativePct float64
}

// Pareto draws bars, most frequent first, with the cumulative share as a
// line (right axis, 0-100 %); empty is shown when there are no bars.
func Pareto(id, title, empty string, causes []Bar) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s" class="chart" id="%s">`, chartW, chartH, esc(title), esc(id))
	fmt.Fprintf(&b, `<title>%s</title>`, esc(title))
	plotW, plotH := chartW-chartLeft-chartRight, chartH-chartTop-chartBottomSpace
	baseY := chartTop + plotH
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>`, chartLeft, baseY, chartLeft+plotW, baseY)
	if len(causes) == 0 {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" fill="#666">%s</text></svg>`, chartW/2, chartH/2, esc(empty))
		return b.String()
	}
	maxN := 0
	for _, c := range causes {
		if c.Count > maxN {
			maxN = c.Count
		}
	}
	top := niceMax(maxN)
	for i := 0; i <= 4; i++ {
		v := top * i / 4
		y := baseY - plotH*i/4
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="11" fill="#555">%d</text>`, chartLeft-6, y+4, v)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" fill="#555">%d%%</text>`, chartLeft+plotW+6, y+4, 25*i)
		if i > 0 {
			fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#e3e3e3"/>`, chartLeft, y, chartLeft+plotW, y)
		}
	}
	slot := plotW / len(causes)
	barW := slot * 6 / 10
	var pts []string
	for i, c := range causes {
		x := chartLeft + i*slot + (slot-barW)/2
		h := plotH * c.Count / top
		fmt.Fprintf(&b, `<rect class="bar" data-category="%s" data-count="%d" x="%d" y="%d" width="%d" height="%d" fill="#2f6fab"><title>%s: %d</title></rect>`,
			esc(c.Key), c.Count, x, baseY-h, barW, h, esc(c.Label), c.Count)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="11">%d</text>`, x+barW/2, baseY-h-4, c.Count)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="11" fill="#333">%s</text>`, x+barW/2, baseY+16, esc(c.Label))
		cy := baseY - int(float64(plotH)*c.CumulativePct/100)
		pts = append(pts, fmt.Sprintf("%d,%d", x+barW/2, cy))
	}
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#c0392b" stroke-width="2"/>`, strings.Join(pts, " "))
	for _, p := range pts {
		xy := strings.Split(p, ",")
		fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="3" fill="#c0392b"/>`, xy[0], xy[1])
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// Month is one month of a Trend chart: Month as yyyy-mm, two counts.
type Month struct {
	Month          string
	Opened, Closed int
}

// Trend draws two counts per month as paired bars (opened and closed), with
// a legend naming them.
func Trend(id, title, opened, closed string, months []Month) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s" class="chart" id="%s">`, chartW, chartH, esc(title), esc(id))
	fmt.Fprintf(&b, `<title>%s</title>`, esc(title))
	plotW, plotH := chartW-chartLeft-chartRight, chartH-chartTop-chartBottomSpace
	baseY := chartTop + plotH
	maxN := 0
	for _, m := range months {
		maxN = max(maxN, m.Opened, m.Closed)
	}
	top := niceMax(maxN)
	for i := 0; i <= 4; i++ {
		y := baseY - plotH*i/4
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="11" fill="#555">%d</text>`, chartLeft-6, y+4, top*i/4)
		stroke := "#e3e3e3"
		if i == 0 {
			stroke = "#888"
		}
		fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="%s"/>`, chartLeft, y, chartLeft+plotW, y, stroke)
	}
	if len(months) > 0 {
		slot := plotW / len(months)
		barW := max(slot*35/100, 2)
		for i, m := range months {
			x := chartLeft + i*slot + (slot-2*barW)/2
			ho, hc := plotH*m.Opened/top, plotH*m.Closed/top
			fmt.Fprintf(&b, `<rect class="bar-opened" data-month="%s" data-count="%d" x="%d" y="%d" width="%d" height="%d" fill="#e67e22"><title>%s %s: %d</title></rect>`,
				esc(m.Month), m.Opened, x, baseY-ho, barW, ho, esc(opened), esc(m.Month), m.Opened)
			fmt.Fprintf(&b, `<rect class="bar-closed" data-month="%s" data-count="%d" x="%d" y="%d" width="%d" height="%d" fill="#27ae60"><title>%s %s: %d</title></rect>`,
				esc(m.Month), m.Closed, x+barW, baseY-hc, barW, hc, esc(closed), esc(m.Month), m.Closed)
			// Months as mm/yy, the way the office writes dates.
			lbl := m.Month
			if len(lbl) == 7 {
				lbl = lbl[5:] + "/" + lbl[2:4]
			}
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="10" fill="#333">%s</text>`, x+barW, baseY+14, esc(lbl))
		}
	}
	ly := chartH - 18
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="#e67e22"/><text x="%d" y="%d" font-size="12">%s</text>`, chartLeft, ly-10, chartLeft+16, ly, esc(opened))
	fmt.Fprintf(&b, `<rect x="%d" y="%d" width="12" height="12" fill="#27ae60"/><text x="%d" y="%d" font-size="12">%s</text>`, chartLeft+160, ly-10, chartLeft+176, ly, esc(closed))
	b.WriteString(`</svg>`)
	return b.String()
}
