package index766

import (
	"math"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Tally is the counts of one key over one period, by the names of Counts.
type Tally map[string]int64

// tallies sums rows into one Tally per key for the months from..to
// (yyyy-mm, inclusive). Sums of receipts and returns cover the period; the
// open dossiers are those at the period's end: received and not returned
// by then, split by whether their due time had passed. For the current
// month (current) the end is now, and overdueNow counts per key the
// running dossiers past their due time; for a past month it is the month's
// end, where "past due" is sum(due) - sum(due_closed) up to it.
func tallies(rows []MonthCount, from, to string, current bool, overdueNow map[string]int64) map[string]Tally {
	type cum struct{ recv, ret, due, dueClosed int64 }
	out := map[string]Tally{}
	cums := map[string]*cum{}
	get := func(k string) (Tally, *cum) {
		t, ok := out[k]
		if !ok {
			t = Tally{}
			out[k] = t
			cums[k] = &cum{}
		}
		return t, cums[k]
	}
	for _, r := range rows {
		if r.Month > to {
			continue
		}
		t, c := get(r.Key)
		switch r.Kind {
		case "received":
			c.recv += r.N
		case "ret_early", "ret_on_time", "ret_late":
			c.ret += r.N
		case "due":
			c.due += r.N
		case "due_closed":
			c.dueClosed += r.N
		}
		if r.Month < from {
			continue
		}
		t[r.Kind] += r.N
		switch {
		case r.Kind == "received" && r.Eligible:
			t["received_eligible"] += r.N
		case r.Kind == "online_full" && r.Eligible:
			t["online_full_eligible"] += r.N
		case r.Kind == "fee_known" && r.HasFee:
			t["fee_known_hasfee"] += r.N
		case r.Kind == "fee_online" && r.HasFee:
			t["fee_online_hasfee"] += r.N
		}
	}
	for k, t := range out {
		c := cums[k]
		open := c.recv - c.ret
		overdue := c.due - c.dueClosed
		if current {
			overdue = overdueNow[k]
		}
		overdue = max(0, min(overdue, open))
		t["open_overdue"] = overdue
		t["open_within_due"] = max(0, open-overdue)
		delete(t, "due")
		delete(t, "due_closed")
	}
	// A key with running overdue dossiers but no counts in the rows (cannot
	// happen with consistent data) still shows them.
	if current {
		for k, n := range overdueNow {
			if _, ok := out[k]; !ok && n > 0 {
				out[k] = Tally{"open_overdue": n}
			}
		}
	}
	return out
}

// IndicatorScore is one indicator's value for a period.
type IndicatorScore struct {
	Code        string   `json:"code"`
	Name        qms.Text `json:"name"`
	Formula     qms.Text `json:"formula"`
	Weight      float64  `json:"weight"`
	Numerator   int64    `json:"numerator"`
	Denominator int64    `json:"denominator"`
	Ratio       *float64 `json:"ratio"`  // numerator / denominator in percent; nil without data
	Points      *float64 `json:"points"` // nil without data
	NoData      bool     `json:"no_data"`
	Reason      qms.Text `json:"reason,omitempty"` // why there is no data
}

// GroupScore is one group's points: the sum over its indicators that have
// data (nil when none has).
type GroupScore struct {
	Code       string           `json:"code"`
	Name       qms.Text         `json:"name"`
	Weight     float64          `json:"weight"`
	Points     *float64         `json:"points"`
	Possible   float64          `json:"possible"` // the weights of its indicators with data
	Indicators []IndicatorScore `json:"indicators"`
}

// Scorecard is the index of one key (a month, a unit, or the whole
// selection) over a period.
type Scorecard struct {
	Key  string `json:"key"`
	From string `json:"from"` // yyyy-mm
	To   string `json:"to"`
	// Points is qmstrack's estimate: the points of the indicators with
	// data, out of Possible (their weights); Max is the whole index.
	Points   float64      `json:"points"`
	Possible float64      `json:"possible"`
	Max      float64      `json:"max"`
	Groups   []GroupScore `json:"groups"`
	// ISOOnTimeRate is NOT the index: the ISO KPI (early + on time) /
	// returned, in percent, over the same period, shown for comparison.
	ISOOnTimeRate *float64 `json:"iso_on_time_rate"`
	// Published is the national portal's score entered for the month (a
	// one-month scorecard of a unit or the whole office); Difference is
	// Points - Published.Score.
	Published  *Published `json:"published,omitempty"`
	Difference *float64   `json:"difference,omitempty"`
	Counts     Tally      `json:"counts"`
}

var reasonNoData = qms.Text{VI: "Không có dữ liệu trong kỳ (mẫu số bằng 0)", EN: "no data in the period (the denominator is zero)"}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func sum(t Tally, names []string) int64 {
	var n int64
	for _, c := range names {
		n += t[c]
	}
	return n
}

// Score computes the scorecard of one tally under the definition d.
func Score(d *Definition, t Tally) Scorecard {
	sc := Scorecard{Max: d.Total(), Counts: t}
	total := 0.0
	for _, g := range d.Groups {
		gs := GroupScore{Code: g.Code, Name: g.Name, Weight: g.Weight, Indicators: []IndicatorScore{}}
		gp := 0.0
		for _, in := range g.Indicators {
			is := IndicatorScore{Code: in.Code, Name: in.Name, Formula: in.Formula, Weight: in.Weight}
			switch in.Source {
			case SourceNone:
				is.NoData, is.Reason = true, in.Reason
			default:
				is.Numerator, is.Denominator = sum(t, in.Numerator), sum(t, in.Denominator)
				if is.Denominator <= 0 {
					is.NoData, is.Reason = true, reasonNoData
					break
				}
				ratio := float64(is.Numerator) / float64(is.Denominator)
				r := round2(ratio * 100)
				is.Ratio = &r
				f := ratio
				if in.Rule == RuleRatioFullAt {
					f = math.Min(1, ratio/in.FullAt)
				}
				p := round2(in.Weight * f)
				is.Points = &p
				gp += p
				gs.Possible += in.Weight
			}
			gs.Indicators = append(gs.Indicators, is)
		}
		if gs.Possible > 0 {
			v := round2(gp)
			gs.Points = &v
			total += gp
			sc.Possible += gs.Possible
		}
		sc.Groups = append(sc.Groups, gs)
	}
	sc.Points = round2(total)
	if ret := t["ret_early"] + t["ret_on_time"] + t["ret_late"]; ret > 0 {
		v := round2(float64(t["ret_early"]+t["ret_on_time"]) * 100 / float64(ret))
		sc.ISOOnTimeRate = &v
	}
	return sc
}
