package chart

import (
	"fmt"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/leadership"
)

// Every cell of the heat map is named in words (likelihood, impact and
// count, as an image with a title), shows its count, and is coloured by
// its score's level; labels are escaped.
func TestRiskHeat(t *testing.T) {
	h := leadership.HeatMap{Scale: leadership.Scale{Likelihood: 5, Impact: 4}, Cells: make([][]int, 5)}
	for i := range h.Cells {
		h.Cells[i] = make([]int, 4)
	}
	h.Cells[3][2] = 2 // likelihood 4, impact 3
	svg := string(RiskHeat("heat", h, HeatLabels{Title: "Rủi ro <b>", Likelihood: "Khả năng", Impact: "Ảnh hưởng",
		Cell: func(l, i, n int) string {
			return fmt.Sprintf("Khả năng %d, ảnh hưởng %d: %d rủi ro", l, i, n)
		}}))
	if n := strings.Count(svg, `role="img"`); n != 20 {
		t.Errorf("%d cells named, want 20", n)
	}
	for _, want := range []string{`aria-labelledby="heat-title"`, "Rủi ro &lt;b&gt;",
		`aria-label="Khả năng 4, ảnh hưởng 3: 2 rủi ro" class="heat-cell level-high" data-likelihood="4" data-impact="3" data-count="2"><title>Khả năng 4, ảnh hưởng 3: 2 rủi ro</title>`,
		`class="heat-cell level-low" data-likelihood="1" data-impact="1" data-count="0"`,
		`class="heat-cell level-medium" data-likelihood="2" data-impact="3" data-count="0"`,
		`font-weight="bold" fill="#1b1b1b">2</text>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("missing %q", want)
		}
	}
	if strings.Contains(svg, "<b>") {
		t.Error("title not escaped")
	}
	// likelihood 5 is the top row
	if strings.Index(svg, `data-likelihood="5"`) > strings.Index(svg, `data-likelihood="1"`) {
		t.Error("the top row is not the highest likelihood")
	}
}
