package workday

import (
	"sort"
	"sync"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
)

// The years whose public holidays are computed from the Labour Code: the
// 2012 code (in force from 1 May 2013, so for every holiday from 2014) and
// the 2019 code from 2021. The lunar dates are checked against the known
// Tết and Hùng Kings' days of 2015 to 2035; the computation holds beyond,
// but a later change of the law would not be known here.
const (
	FirstRuleYear = 2014
	LastRuleYear  = 2099
)

// Where an entry of the calendar comes from.
const (
	// SourceComputed: the rules of the Labour Code, with the lunar dates
	// computed.
	SourceComputed = "computed"
	// SourcePublished: the arrangement of the year's notice (the Prime
	// Minister's or the labour ministry's), seeded as verified.
	SourcePublished = "published"
	// SourceEdited: entered or changed by the coordinator.
	SourceEdited = "edited"
)

// Sources lists the sources.
var Sources = []string{SourceComputed, SourcePublished, SourceEdited}

// Holiday names are message ids, rendered in the reader's language where
// they are shown (the page texts' catalog has each of them).
const (
	NameNewYear          = "holiday.new_year"
	NameTetEve           = "holiday.tet_eve" // the last day of the 12th lunar month
	NameTet1             = "holiday.tet_1"
	NameTet2             = "holiday.tet_2"
	NameTet3             = "holiday.tet_3"
	NameTet4             = "holiday.tet_4"
	NameTetExtra         = "holiday.tet_extra" // a further day of Tết a notice gives
	NameHungKings        = "holiday.hung_kings"
	NameReunification    = "holiday.reunification"
	NameLabour           = "holiday.labour"
	NameNational         = "holiday.national"
	NameNationalAdjacent = "holiday.national_adjacent"
	NameSwapOff          = "holiday.swap_off"  // a working day off, against a Saturday worked
	NameSwapWork         = "holiday.swap_work" // the Saturday worked in exchange
	NameNotTaken         = "holiday.not_taken" // a computed day off the year's arrangement does not give
	// Compensatory days: a holiday on a weekend is taken on the next
	// working day.
	NameCompNewYear       = "holiday.comp.new_year"
	NameCompTet           = "holiday.comp.tet"
	NameCompHungKings     = "holiday.comp.hung_kings"
	NameCompReunification = "holiday.comp.reunification"
	NameCompLabour        = "holiday.comp.labour"
	NameCompNational      = "holiday.comp.national"
)

// NameIDs lists every holiday name id.
var NameIDs = []string{NameNewYear, NameTetEve, NameTet1, NameTet2, NameTet3, NameTet4, NameTetExtra, NameHungKings,
	NameReunification, NameLabour, NameNational, NameNationalAdjacent, NameSwapOff, NameSwapWork, NameNotTaken,
	NameCompNewYear, NameCompTet, NameCompHungKings, NameCompReunification, NameCompLabour, NameCompNational}

// KnownName reports whether id is a holiday name id.
func KnownName(id string) bool {
	for _, n := range NameIDs {
		if n == id {
			return true
		}
	}
	return false
}

var compOf = map[string]string{
	NameNewYear: NameCompNewYear, NameTetEve: NameCompTet, NameTet1: NameCompTet, NameTet2: NameCompTet, NameTet3: NameCompTet,
	NameTet4: NameCompTet, NameHungKings: NameCompHungKings, NameReunification: NameCompReunification, NameLabour: NameCompLabour,
	NameNational: NameCompNational, NameNationalAdjacent: NameCompNational,
}

// Vietnam returns the public holidays of year y as the Labour Code gives
// them to the offices of the state, which work Monday to Friday: the days
// off that fall on a working day, with source "computed" and a name id.
// ok is false outside FirstRuleYear..LastRuleYear.
//
// Both codes (2012: art. 115, 2019: art. 112) give New Year's Day, five
// days of Tết, Hùng Kings' day (10th day of the 3rd lunar month), 30 April
// and 1 May; the 2012 code gives 2 September, the 2019 code (from 2021)
// 2 September and one adjacent day. Tết is taken here as the lunar New
// Year's Eve and the first four days of the year, the usual arrangement;
// the adjacent day of National Day is the one that joins the holiday to a
// weekend (3 September when the 2nd is a Monday or a Thursday, also when
// it is a Sunday; 1 September otherwise), as the notices of 2021 to 2025
// chose. A holiday on a Saturday or a Sunday (the weekly rest) is
// compensated on the next working day that is not itself a holiday (art.
// 111.3 of the 2019 code, art. 115.3 of the 2012 code). The year's notice
// often moves days (a day before the eve instead of a compensatory one, a
// working day swapped against a Saturday): those are the published
// exceptions the coordinator keeps in the calendar.
func Vietnam(y int) (days []Day, ok bool) {
	if y < FirstRuleYear || y > LastRuleYear {
		return nil, false
	}
	return append([]Day(nil), rules()[y]...), true
}

// rules computes every year once: the table is immutable afterwards.
var rules = sync.OnceValue(func() map[int][]Day {
	out := map[int][]Day{}
	for y := FirstRuleYear; y <= LastRuleYear; y++ {
		out[y] = computeYear(y)
	}
	return out
})

func computeYear(y int) []Day {
	type hol struct {
		d    Date
		name string
	}
	tet := Tet(y)
	hs := []hol{{qms.NewDate(y, 1, 1), NameNewYear},
		{tet.AddDays(-1), NameTetEve}, {tet, NameTet1}, {tet.AddDays(1), NameTet2}, {tet.AddDays(2), NameTet3}, {tet.AddDays(3), NameTet4},
		{HungKings(y), NameHungKings}, {qms.NewDate(y, 4, 30), NameReunification}, {qms.NewDate(y, 5, 1), NameLabour},
		{qms.NewDate(y, 9, 2), NameNational}}
	if y >= 2021 {
		adj := qms.NewDate(y, 9, 1)
		switch qms.NewDate(y, 9, 2).Weekday() {
		case time.Monday, time.Thursday, time.Sunday:
			adj = qms.NewDate(y, 9, 3)
		}
		hs = append(hs, hol{adj, NameNationalAdjacent})
	}
	sort.SliceStable(hs, func(i, j int) bool { return hs[i].d.Before(hs[j].d) })
	off := map[Date]bool{}
	for _, h := range hs {
		off[h.d] = true
	}
	weekend := func(d Date) bool { wd := d.Weekday(); return wd == time.Saturday || wd == time.Sunday }
	var out []Day
	for _, h := range hs {
		if !weekend(h.d) {
			out = append(out, Day{Date: h.d, Kind: KindHoliday, NameID: h.name, Source: SourceComputed})
			continue
		}
		c := h.d.AddDays(1)
		for weekend(c) || off[c] {
			c = c.AddDays(1)
		}
		off[c] = true
		out = append(out, Day{Date: c, Kind: KindHoliday, NameID: compOf[h.name], Source: SourceComputed})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out
}

// Merge lays the stored exceptions of year y over its computed holidays:
// an exception replaces the computed entry of its date. days are the
// entries in force (computed, published or edited), sorted by date;
// removed are the exceptions that cancel a computed day off (a working day
// on the date of a computed holiday), each with the computed entry's name
// in Replaces.
func Merge(y int, exceptions []Day) (days, removed []Day) {
	computed, _ := Vietnam(y)
	byDate := map[Date]Day{}
	for _, c := range computed {
		byDate[c.Date] = c
	}
	days = []Day{}
	removed = []Day{}
	taken := map[Date]bool{}
	for _, e := range exceptions {
		if e.Date.Year != y {
			continue
		}
		taken[e.Date] = true
		if c, ok := byDate[e.Date]; ok && c.Kind == KindHoliday && e.Kind == KindWorkday {
			e.Replaces = c.NameID
			removed = append(removed, e)
			continue
		}
		days = append(days, e)
	}
	for _, c := range computed {
		if !taken[c.Date] {
			days = append(days, c)
		}
	}
	sort.SliceStable(days, func(i, j int) bool { return days[i].Date.Before(days[j].Date) })
	sort.SliceStable(removed, func(i, j int) bool { return removed[i].Date.Before(removed[j].Date) })
	return days, removed
}

// Office returns the calendar in loc with every computed year and the
// stored exceptions laid over them (an exception of a year outside the
// rules' years stands alone).
func Office(loc *time.Location, exceptions []Day) *Calendar {
	c := New(loc)
	for _, ds := range rules() {
		c.Set(ds)
	}
	c.Set(exceptions)
	return c
}
