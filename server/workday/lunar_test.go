package workday

import (
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
)

// knownLunar are the first day of Tết and Hùng Kings' day (10/3 lunar) of
// 2015 to 2035 in Vietnam, from Hồ Ngọc Đức's published year table (the
// tables of his lunar calendar for 2000-2099), not from this package's
// computation. 2030 is a year where Vietnam (UTC+7) and China (UTC+8)
// differ: the new moon falls at 23:07 in Hanoi on 2 February.
var knownLunar = []struct {
	year      int
	tet, hung string
}{
	{2015, "2015-02-19", "2015-04-28"}, {2016, "2016-02-08", "2016-04-16"}, {2017, "2017-01-28", "2017-04-06"},
	{2018, "2018-02-16", "2018-04-25"}, {2019, "2019-02-05", "2019-04-14"}, {2020, "2020-01-25", "2020-04-02"},
	{2021, "2021-02-12", "2021-04-21"}, {2022, "2022-02-01", "2022-04-10"}, {2023, "2023-01-22", "2023-04-29"},
	{2024, "2024-02-10", "2024-04-18"}, {2025, "2025-01-29", "2025-04-07"}, {2026, "2026-02-17", "2026-04-26"},
	{2027, "2027-02-06", "2027-04-16"}, {2028, "2028-01-26", "2028-04-04"}, {2029, "2029-02-13", "2029-04-23"},
	{2030, "2030-02-02", "2030-04-12"}, {2031, "2031-01-23", "2031-04-01"}, {2032, "2032-02-11", "2032-04-19"},
	{2033, "2033-01-31", "2033-04-09"}, {2034, "2034-02-19", "2034-04-28"}, {2035, "2035-02-08", "2035-04-17"},
}

func mustDate(t *testing.T, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestLunarDatesKnown: the computed Tết and Hùng Kings' day of every year
// 2015-2035 are the known ones (2023 has a leap 2nd month, so Hùng Kings'
// day comes a month later than the 3rd month's start would give without
// it; 2030 is the UTC+7 year).
func TestLunarDatesKnown(t *testing.T) {
	for _, k := range knownLunar {
		if got := Tet(k.year); got != mustDate(t, k.tet) {
			t.Errorf("Tết %d = %s, want %s", k.year, got, k.tet)
		}
		if got := HungKings(k.year); got != mustDate(t, k.hung) {
			t.Errorf("Hùng Kings' day %d = %s, want %s", k.year, got, k.hung)
		}
	}
}

// TestTetEveIsTheLastDayOfTheYear: the eve the rules give is the 29th or
// 30th day of the 12th month (2024: 30 Chạp on 9 February; 2025: 29 Chạp
// on 28 January, a year without a 30th), the day before Tết.
func TestTetEveIsTheLastDayOfTheYear(t *testing.T) {
	for _, tc := range []struct {
		year int
		eve  string
		d29  string // 29 tháng Chạp of the year before
	}{{2024, "2024-02-09", "2024-02-08"}, {2025, "2025-01-28", "2025-01-28"}, {2026, "2026-02-16", "2026-02-16"}, {2027, "2027-02-05", "2027-02-05"}} {
		days, _ := Vietnam(tc.year)
		found := false
		for _, d := range days {
			if d.NameID == NameTetEve {
				found = d.Date == mustDate(t, tc.eve)
			}
		}
		if !found {
			t.Errorf("%d: no eve on %s in %+v", tc.year, tc.eve, days)
		}
		if got := LunarDate(tc.year-1, 12, 29); got != mustDate(t, tc.d29) {
			t.Errorf("29/12 lunar of %d = %s, want %s", tc.year-1, got, tc.d29)
		}
	}
}

func ds(t *testing.T, days []Day) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, d := range days {
		out[d.Date.String()] = d.Kind + " " + d.NameID
	}
	return out
}

// TestComputedHolidays: the Labour Code's days for years that test each
// rule: the 2012 code's single National Day (2019, 2020), the 2019 code's
// adjacent day on each side, compensation of weekend days (Tết 2027 on a
// weekend, Hùng Kings' day 2026 on a Sunday, 1 May 2027 on a Saturday,
// Tết 2023's first day on a Sunday), and 2027 as migration 00040 seeded it.
func TestComputedHolidays(t *testing.T) {
	for _, tc := range []struct {
		year int
		want map[string]string
	}{
		{2027, map[string]string{
			"2027-01-01": "holiday " + NameNewYear, "2027-02-05": "holiday " + NameTetEve, "2027-02-08": "holiday " + NameTet3,
			"2027-02-09": "holiday " + NameTet4, "2027-02-10": "holiday " + NameCompTet, "2027-02-11": "holiday " + NameCompTet,
			"2027-04-16": "holiday " + NameHungKings, "2027-04-30": "holiday " + NameReunification, "2027-05-03": "holiday " + NameCompLabour,
			"2027-09-02": "holiday " + NameNational, "2027-09-03": "holiday " + NameNationalAdjacent}},
		{2026, map[string]string{
			"2026-01-01": "holiday " + NameNewYear, "2026-02-16": "holiday " + NameTetEve, "2026-02-17": "holiday " + NameTet1,
			"2026-02-18": "holiday " + NameTet2, "2026-02-19": "holiday " + NameTet3, "2026-02-20": "holiday " + NameTet4,
			"2026-04-27": "holiday " + NameCompHungKings, "2026-04-30": "holiday " + NameReunification, "2026-05-01": "holiday " + NameLabour,
			"2026-09-01": "holiday " + NameNationalAdjacent, "2026-09-02": "holiday " + NameNational}},
		// 2020 (2012 code): Tết 25/01 is a Saturday: eve Friday 24/01,
		// mùng 1-2 on the weekend compensated on 29 and 30/01 after
		// mùng 3-4 (27-28/01); 2 September alone.
		{2020, map[string]string{
			"2020-01-01": "holiday " + NameNewYear, "2020-01-24": "holiday " + NameTetEve, "2020-01-27": "holiday " + NameTet3,
			"2020-01-28": "holiday " + NameTet4, "2020-01-29": "holiday " + NameCompTet, "2020-01-30": "holiday " + NameCompTet,
			"2020-04-02": "holiday " + NameHungKings, "2020-04-30": "holiday " + NameReunification, "2020-05-01": "holiday " + NameLabour,
			"2020-09-02": "holiday " + NameNational}},
		// 2023: Tết 22/01 is a Sunday (eve Saturday 21/01): the eve and
		// mùng 1 are compensated after mùng 4 (25/01): 26 and 27/01;
		// Hùng Kings' day Saturday 29/04, 30/04 a Sunday, 1 May a Monday:
		// compensations on 2 and 3 May; 2 September a Saturday with
		// Friday 1/09, compensated Monday 4/09.
		{2023, map[string]string{
			"2023-01-02": "holiday " + NameCompNewYear, "2023-01-23": "holiday " + NameTet2, "2023-01-24": "holiday " + NameTet3,
			"2023-01-25": "holiday " + NameTet4, "2023-01-26": "holiday " + NameCompTet, "2023-01-27": "holiday " + NameCompTet,
			"2023-05-01": "holiday " + NameLabour, "2023-05-02": "holiday " + NameCompHungKings, "2023-05-03": "holiday " + NameCompReunification,
			"2023-09-01": "holiday " + NameNationalAdjacent, "2023-09-04": "holiday " + NameCompNational}},
		// 2024: 2 September a Monday: the adjacent day is Tuesday 3/09.
		// 2021: a Thursday: Friday 3/09.
	} {
		days, ok := Vietnam(tc.year)
		if !ok {
			t.Fatalf("no rules for %d", tc.year)
		}
		got := ds(t, days)
		if len(got) != len(tc.want) {
			t.Errorf("%d: %d days %v, want %d %v", tc.year, len(got), got, len(tc.want), tc.want)
		}
		for d, w := range tc.want {
			if got[d] != w {
				t.Errorf("%d: %s is %q, want %q", tc.year, d, got[d], w)
			}
		}
		for _, d := range days {
			if d.Source != SourceComputed || !KnownName(d.NameID) || d.Date.Weekday() == time.Saturday || d.Date.Weekday() == time.Sunday {
				t.Errorf("%d: entry %+v is not a computed weekday with a known name", tc.year, d)
			}
		}
	}
	for y, want := range map[int]string{2021: "2021-09-03", 2022: "2022-09-01", 2024: "2024-09-03", 2025: "2025-09-01", 2029: "2029-09-03"} {
		days, _ := Vietnam(y)
		if ds(t, days)[want] != "holiday "+NameNationalAdjacent {
			t.Errorf("%d: the adjacent day of National Day is not %s: %v", y, want, ds(t, days))
		}
	}
	if _, ok := Vietnam(FirstRuleYear - 1); ok {
		t.Error("rules for a year before the 2012 code")
	}
	if _, ok := Vietnam(LastRuleYear + 1); ok {
		t.Error("rules past the last year")
	}
}

// TestMergeLaysExceptionsOverTheRules: an exception replaces the computed
// entry of its date; a working day on a computed holiday is listed as
// removed with the name it cancels; exceptions of another year are left
// out; the calendar built from them follows.
func TestMergeLaysExceptionsOverTheRules(t *testing.T) {
	ex := []Day{
		{Date: qms.NewDate(2025, 1, 27), Kind: KindHoliday, NameID: NameTetExtra, Source: SourcePublished},
		{Date: qms.NewDate(2025, 2, 3), Kind: KindWorkday, NameID: NameNotTaken, Source: SourcePublished},
		{Date: qms.NewDate(2025, 4, 26), Kind: KindWorkday, NameID: NameSwapWork, Source: SourcePublished},
		{Date: qms.NewDate(2025, 4, 7), Kind: KindHoliday, Name: "Giỗ Tổ", Source: SourceEdited},
		{Date: qms.NewDate(2026, 4, 26), Kind: KindWorkday, Name: "x", Source: SourceEdited},
	}
	days, removed := Merge(2025, ex)
	if len(removed) != 1 || removed[0].Date != qms.NewDate(2025, 2, 3) || removed[0].Replaces != NameCompTet {
		t.Fatalf("removed %+v", removed)
	}
	got := map[string]Day{}
	for _, d := range days {
		got[d.Date.String()] = d
	}
	if got["2025-02-03"].Kind != "" {
		t.Errorf("the cancelled compensation is still listed: %+v", got["2025-02-03"])
	}
	if d := got["2025-01-27"]; d.Source != SourcePublished || d.Kind != KindHoliday {
		t.Errorf("27/01 %+v", d)
	}
	if d := got["2025-04-07"]; d.Source != SourceEdited || d.Name != "Giỗ Tổ" {
		t.Errorf("07/04 %+v", d)
	}
	if d := got["2025-01-28"]; d.Source != SourceComputed || d.NameID != NameTetEve {
		t.Errorf("28/01 %+v", d)
	}
	if _, ok := got["2026-04-26"]; ok {
		t.Error("an exception of 2026 listed in 2025")
	}
	c := Office(time.UTC, ex)
	for s, want := range map[string]bool{"2025-01-27": false, "2025-02-03": true, "2025-04-26": true, "2025-01-31": false, "2025-04-28": true} {
		if c.IsWorkingDay(mustDate(t, s)) != want {
			t.Errorf("IsWorkingDay(%s) != %v", s, want)
		}
	}
}
