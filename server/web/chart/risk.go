package chart

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/qmstrack/qmstrack/server/leadership"
)

// HeatLabels are the words of the risk heat map in the reader's language.
type HeatLabels struct {
	Title      string
	Likelihood string
	Impact     string
	// Cell says one cell in words: "Likelihood 4, impact 3: 2 risks".
	Cell func(likelihood, impact, count int) string
}

// riskFill is the colour of a level (with dark text on each, contrast
// above 4.5:1).
var riskFill = map[string]string{
	leadership.LevelLow:    "#cfe8d5",
	leadership.LevelMedium: "#fbe3a6",
	leadership.LevelHigh:   "#f4b6b6",
}

// RiskHeat draws the heat map: likelihood upwards, impact to the right,
// each cell coloured by the level of its score and showing its count. The
// figure is a group named by its title; each cell is an image whose name
// says its likelihood, impact and count, so a screen reader reads every
// cell (the page adds a table of the cells too).
func RiskHeat(id string, h leadership.HeatMap, lb HeatLabels) template.HTML {
	const cell, left, top, bottom = 52, 56, 8, 44
	w := left + cell*h.Scale.Impact + 8
	ht := top + cell*h.Scale.Likelihood + bottom
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="%s" class="risk-heat" role="group" aria-labelledby="%s-title" viewBox="0 0 %d %d" width="%d" height="%d" xmlns="http://www.w3.org/2000/svg">`,
		esc(id), esc(id), w, ht, w, ht)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title>`, esc(id), esc(lb.Title))
	for l := h.Scale.Likelihood; l >= 1; l-- {
		y := top + cell*(h.Scale.Likelihood-l)
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" font-size="13" aria-hidden="true">%d</text>`, left-8, y+cell/2+5, l)
		for i := 1; i <= h.Scale.Impact; i++ {
			x := left + cell*(i-1)
			n := h.Count(l, i)
			level := h.Scale.Level(leadership.Score(l, i))
			name := lb.Cell(l, i, n)
			fmt.Fprintf(&b, `<g role="img" aria-label="%s" class="heat-cell level-%s" data-likelihood="%d" data-impact="%d" data-count="%d"><title>%s</title>`,
				esc(name), level, l, i, n, esc(name))
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#ffffff" stroke-width="2"/>`, x, y, cell, cell, riskFill[level])
			weight := "normal"
			if n > 0 {
				weight = "bold"
			}
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="16" font-weight="%s" fill="#1b1b1b">%d</text></g>`, x+cell/2, y+cell/2+6, weight, n)
		}
	}
	for i := 1; i <= h.Scale.Impact; i++ {
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="13" aria-hidden="true">%d</text>`, left+cell*(i-1)+cell/2, top+cell*h.Scale.Likelihood+16, i)
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle" font-size="13" aria-hidden="true">%s →</text>`, left+cell*h.Scale.Impact/2, ht-6, esc(lb.Impact))
	mid := top + cell*h.Scale.Likelihood/2
	fmt.Fprintf(&b, `<text x="14" y="%d" text-anchor="middle" font-size="13" transform="rotate(-90 14 %d)" aria-hidden="true">%s →</text>`, mid, mid, esc(lb.Likelihood))
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
