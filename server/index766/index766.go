// Package index766 owns the office's estimate of the index it is scored on
// under Decision 766/QĐ-TTg (serving citizens and businesses): six groups,
// 100 points, per unit, field, service and month, computed from the
// monthly dossier counts the store keeps (never from the dossiers), beside
// the score the national portal published for the month. The indicator
// definitions (codes, weights, formula parts, point rules) are a versioned
// data file (assets/index766/), not code: Parse reads and checks one.
//
// It imports qms, trail and the standard library only; app wires its store.
package index766

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
)

// Point rules of an indicator.
const (
	// RuleRatio: points = weight × numerator / denominator.
	RuleRatio = "ratio"
	// RuleRatioFullAt: points = weight × min(1, numerator / denominator / full_at).
	RuleRatioFullAt = "ratio_full_at"
)

// Sources of an indicator's data.
const (
	SourceDossiers = "dossiers" // the dossier counts
	SourceNone     = "none"     // qmstrack does not hold the data: always "no data"
)

// Counts the store provides for a period; an indicator's formula parts
// name them. The progress counts describe the end of the period; the
// others are sums over its months.
var Counts = []string{
	"received", "received_eligible", "online_full", "online_full_eligible",
	"ret_early", "ret_on_time", "ret_late", "open_within_due", "open_overdue",
	"electronic_known", "electronic_yes", "digitised_known", "digitised_yes", "reused_known", "reused_yes",
	"fee_known", "fee_online", "fee_known_hasfee", "fee_online_hasfee",
	"rated", "satisfied", "complaint", "complaint_on_time",
	"sync_captured", "sync_timely", // dossiers whose receipt was captured for the portal / reached it within the hour
}

// Definition is one version of the index: its groups and indicators.
type Definition struct {
	Version  string   `json:"version"`
	Decision string   `json:"decision"`
	Title    qms.Text `json:"title"`
	Note     qms.Text `json:"note"`
	Groups   []Group  `json:"groups"`
}

// Group is one of the index's groups with its weight in points.
type Group struct {
	Code       string      `json:"code"`
	Weight     float64     `json:"weight"`
	Name       qms.Text    `json:"name"`
	Indicators []Indicator `json:"indicators"`
}

// Indicator is one scored indicator: its weight, where its data come
// from, the counts its numerator and denominator add up, and its rule.
type Indicator struct {
	Code        string   `json:"code"`
	Weight      float64  `json:"weight"`
	Source      string   `json:"source"`
	Rule        string   `json:"rule,omitempty"`
	FullAt      float64  `json:"full_at,omitempty"`
	Name        qms.Text `json:"name"`
	Formula     qms.Text `json:"formula"`
	Reason      qms.Text `json:"reason,omitempty"` // why there is no data (source none)
	Numerator   []string `json:"numerator,omitempty"`
	Denominator []string `json:"denominator,omitempty"`
}

// Parse reads a definition file and checks it: the groups' weights sum to
// 100, each group's to its indicators', every formula part is a count the
// store provides, every rule is known.
func Parse(data []byte) (*Definition, error) {
	var d Definition
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("index definition: %w", err)
	}
	if d.Version == "" || len(d.Groups) == 0 {
		return nil, fmt.Errorf("index definition: no version or no groups")
	}
	known := map[string]bool{}
	for _, c := range Counts {
		known[c] = true
	}
	codes := map[string]bool{}
	total := 0.0
	for _, g := range d.Groups {
		sum := 0.0
		for _, in := range g.Indicators {
			if in.Code == "" || codes[in.Code] {
				return nil, fmt.Errorf("index definition: indicator code %q empty or repeated", in.Code)
			}
			codes[in.Code] = true
			if in.Weight <= 0 {
				return nil, fmt.Errorf("index definition: indicator %s has no weight", in.Code)
			}
			switch in.Source {
			case SourceNone:
			case SourceDossiers:
				if in.Rule != RuleRatio && in.Rule != RuleRatioFullAt {
					return nil, fmt.Errorf("index definition: indicator %s: unknown rule %q", in.Code, in.Rule)
				}
				if in.Rule == RuleRatioFullAt && (in.FullAt <= 0 || in.FullAt > 1) {
					return nil, fmt.Errorf("index definition: indicator %s: full_at must be in (0, 1]", in.Code)
				}
				if len(in.Numerator) == 0 || len(in.Denominator) == 0 {
					return nil, fmt.Errorf("index definition: indicator %s needs a numerator and a denominator", in.Code)
				}
				for _, c := range append(append([]string{}, in.Numerator...), in.Denominator...) {
					if !known[c] {
						return nil, fmt.Errorf("index definition: indicator %s: unknown count %q", in.Code, c)
					}
				}
			default:
				return nil, fmt.Errorf("index definition: indicator %s: unknown source %q", in.Code, in.Source)
			}
			sum += in.Weight
		}
		if math.Abs(sum-g.Weight) > 1e-9 {
			return nil, fmt.Errorf("index definition: group %s weighs %g but its indicators %g", g.Code, g.Weight, sum)
		}
		total += g.Weight
	}
	if math.Abs(total-100) > 1e-9 {
		return nil, fmt.Errorf("index definition: the groups weigh %g, not 100", total)
	}
	return &d, nil
}

// Total is the sum of the groups' weights (100 for a valid definition).
func (d *Definition) Total() float64 {
	t := 0.0
	for _, g := range d.Groups {
		t += g.Weight
	}
	return t
}

// Has reports whether code is a group or an indicator of the definition
// (a criterion an improvement plan's item may improve).
func (d *Definition) Has(code string) bool {
	for _, g := range d.Groups {
		if g.Code == code {
			return true
		}
		for _, in := range g.Indicators {
			if in.Code == code {
				return true
			}
		}
	}
	return false
}

// MonthCount is one row of the store's monthly counts: a kind of count in
// one month for one key (a unit when grouped by unit, else ""), with the
// flags of the service it belongs to.
type MonthCount struct {
	Month    string `db:"month"` // yyyy-mm
	Key      string `db:"key"`
	Kind     string `db:"kind"`
	Eligible bool   `db:"eligible"` // the service may be done fully online
	HasFee   bool   `db:"has_fee"`
	N        int64  `db:"n"`
}

// Filter selects the dossiers the index is computed on.
type Filter struct {
	Scope   qms.Scope
	Unit    string
	Field   string
	Service string
	ByUnit  bool
}

// Published is the score the national portal published for a unit and a
// month ("*" is the whole office), as the office entered it.
type Published struct {
	Month     string    `json:"month" db:"month"` // yyyy-mm
	Unit      string    `json:"unit" db:"unit"`
	Score     float64   `json:"score" db:"score"`
	Note      string    `json:"note" db:"note"`
	EnteredBy string    `json:"entered_by" db:"entered_by"`
	EnteredAt time.Time `json:"entered_at" db:"entered_at"`
}

// Store reads the monthly counts and keeps the published scores.
type Store interface {
	// MonthCounts returns the counts of every month up to and including
	// to (yyyy-mm-01), summed per month, key, kind and service flags.
	MonthCounts(ctx context.Context, f Filter, to string) ([]MonthCount, error)
	// RunningOverdue counts, per key, the open dossiers whose clock runs
	// and whose due time is before now.
	RunningOverdue(ctx context.Context, f Filter, now time.Time) (map[string]int64, error)
	Published(ctx context.Context, from, to string, units []string) ([]Published, error)
	SavePublished(ctx context.Context, p Published, ev trail.Event) (Published, error)
}

// Authorizer answers permission questions.
type Authorizer interface {
	Can(userID, unit, obj, act string) bool
	Scope(userID, obj, act string) qms.Scope
}
