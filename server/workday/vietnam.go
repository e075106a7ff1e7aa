package workday

import (
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
)

// Vietnam returns the public holidays of Vietnam for the years whose dates
// are known here (2026 and 2027), as days off for the offices of the state,
// which work Monday to Friday. The Labour Code 2019 (article 112) gives New
// Year's Day, five days of Tết, Hùng Kings' day (10th day of the 3rd lunar
// month), 30 April, 1 May and 2 September plus an adjacent day; a holiday on
// a weekend is compensated on the next working day. Each year the
// government fixes the exact Tết and National Day days (and sometimes swaps
// a working day): those decisions are data, so the coordinator edits the
// calendar when they are published. ok is false for other years.
//
// 2026: Tết Bính Ngọ is 17 February; the announced days off for civil
// servants are 16 to 20 February (with the weekends, 14 to 22 February).
// Hùng Kings' day is Sunday 26 April, compensated on Monday 27 April.
// National Day: 2 September with 1 September as the adjacent day (the
// notice for 2026, and whether Monday 31 August is swapped against a
// Saturday, was not confirmed when this was written).
//
// 2027: Tết Đinh Mùi is Saturday 6 February (the 12th lunar month of Bính
// Ngọ has 29 days, so the eve is Friday 5 February); Hùng Kings' day is
// Friday 16 April. Until the government decides, Tết is the eve plus four
// days with the weekend days compensated (5 and 8 to 11 February), 1 May
// (a Saturday) is compensated on Monday 3 May, and National Day takes 3
// September as its adjacent day.
func Vietnam(year int) (days []Day, ok bool) {
	h := func(y int, m, d int, name string) Day {
		return Day{Date: qms.NewDate(y, monthOf(m), d), Kind: KindHoliday, Name: name}
	}
	switch year {
	case 2026:
		return []Day{
			h(2026, 1, 1, "Tết Dương lịch / New Year's Day"),
			h(2026, 2, 16, "Tết Nguyên đán (29 tháng Chạp) / Lunar New Year"),
			h(2026, 2, 17, "Tết Nguyên đán (mùng 1) / Lunar New Year"),
			h(2026, 2, 18, "Tết Nguyên đán (mùng 2) / Lunar New Year"),
			h(2026, 2, 19, "Tết Nguyên đán (mùng 3) / Lunar New Year"),
			h(2026, 2, 20, "Tết Nguyên đán (mùng 4) / Lunar New Year"),
			h(2026, 4, 27, "Nghỉ bù Giỗ Tổ Hùng Vương / Hùng Kings' day (compensatory)"),
			h(2026, 4, 30, "Ngày Giải phóng miền Nam / Reunification Day"),
			h(2026, 5, 1, "Quốc tế Lao động / Labour Day"),
			h(2026, 9, 1, "Quốc khánh (ngày liền kề) / National Day (adjacent day)"),
			h(2026, 9, 2, "Quốc khánh / National Day"),
		}, true
	case 2027:
		return []Day{
			h(2027, 1, 1, "Tết Dương lịch / New Year's Day"),
			h(2027, 2, 5, "Tết Nguyên đán (29 tháng Chạp) / Lunar New Year"),
			h(2027, 2, 8, "Tết Nguyên đán (mùng 3) / Lunar New Year"),
			h(2027, 2, 9, "Tết Nguyên đán (mùng 4) / Lunar New Year"),
			h(2027, 2, 10, "Nghỉ bù Tết (mùng 1) / Lunar New Year (compensatory)"),
			h(2027, 2, 11, "Nghỉ bù Tết (mùng 2) / Lunar New Year (compensatory)"),
			h(2027, 4, 16, "Giỗ Tổ Hùng Vương / Hùng Kings' day"),
			h(2027, 4, 30, "Ngày Giải phóng miền Nam / Reunification Day"),
			h(2027, 5, 3, "Nghỉ bù Quốc tế Lao động / Labour Day (compensatory)"),
			h(2027, 9, 2, "Quốc khánh / National Day"),
			h(2027, 9, 3, "Quốc khánh (ngày liền kề) / National Day (adjacent day)"),
		}, true
	}
	return nil, false
}

func monthOf(m int) (mo time.Month) { return time.Month(m) }
