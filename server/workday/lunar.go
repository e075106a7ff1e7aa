package workday

import (
	"math"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
)

// The Vietnamese lunar calendar, computed: a month starts on the civil day
// (in UTC+7) of an astronomical new moon, the month holding the winter
// solstice is the 11th, and a year of 13 months repeats the first month
// that holds no major solar term. This is the usual algorithm of Hồ Ngọc
// Đức (new moons and solar longitudes after Jean Meeus, "Astronomical
// Algorithms"), accurate to the day for the years this package serves.
// Vietnam differs from China (UTC+8) in some years, 2030 among them: its
// Tết falls on 2 February, China's on 3 February.

// vietnamZone is the time zone, in hours, of the Vietnamese lunar calendar.
const vietnamZone = 7.0

// jdn is the Julian day number of a Gregorian date.
func jdn(d, m, y int) int {
	a := (14 - m) / 12
	yy := y + 4800 - a
	mm := m + 12*a - 3
	return d + (153*mm+2)/5 + 365*yy + yy/4 - yy/100 + yy/400 - 32045
}

// dateOfJDN is the Gregorian date of a Julian day number.
func dateOfJDN(j int) Date {
	t := time.Unix(int64(j-2440588)*86400, 0).UTC()
	return qms.NewDate(t.Year(), t.Month(), t.Day())
}

// newMoon is the instant (a Julian day, UTC) of the k-th new moon after
// the one of 1 January 1900.
func newMoon(k int) float64 {
	kf := float64(k)
	t := kf / 1236.85
	t2, t3 := t*t, t*t*t
	dr := math.Pi / 180
	jd1 := 2415020.75933 + 29.53058868*kf + 0.0001178*t2 - 0.000000155*t3
	jd1 += 0.00033 * math.Sin((166.56+132.87*t-0.009173*t2)*dr)
	m := 359.2242 + 29.10535608*kf - 0.0000333*t2 - 0.00000347*t3
	mpr := 306.0253 + 385.81691806*kf + 0.0107306*t2 + 0.00001236*t3
	f := 21.2964 + 390.67050646*kf - 0.0016528*t2 - 0.00000239*t3
	c1 := (0.1734-0.000393*t)*math.Sin(m*dr) + 0.0021*math.Sin(2*dr*m)
	c1 = c1 - 0.4068*math.Sin(mpr*dr) + 0.0161*math.Sin(dr*2*mpr)
	c1 -= 0.0004 * math.Sin(dr*3*mpr)
	c1 = c1 + 0.0104*math.Sin(dr*2*f) - 0.0051*math.Sin(dr*(m+mpr))
	c1 = c1 - 0.0074*math.Sin(dr*(m-mpr)) + 0.0004*math.Sin(dr*(2*f+m))
	c1 = c1 - 0.0004*math.Sin(dr*(2*f-m)) - 0.0006*math.Sin(dr*(2*f+mpr))
	c1 = c1 + 0.0010*math.Sin(dr*(2*f-mpr)) + 0.0005*math.Sin(dr*(2*mpr+m))
	var deltaT float64
	if t < -11 {
		deltaT = 0.001 + 0.000839*t + 0.0002261*t2 - 0.00000845*t3 - 0.000000081*t*t3
	} else {
		deltaT = -0.000278 + 0.000265*t + 0.000262*t2
	}
	return jd1 + c1 - deltaT
}

// newMoonDay is the day number, in UTC+7, of the k-th new moon.
func newMoonDay(k int) int {
	return int(math.Floor(newMoon(k) + 0.5 + vietnamZone/24))
}

// sunSector is the sun's apparent longitude at the start of day number d
// in UTC+7, in twelfths of the circle (0: from the vernal equinox).
func sunSector(d int) int {
	t := (float64(d) - 0.5 - vietnamZone/24 - 2451545.0) / 36525
	t2 := t * t
	dr := math.Pi / 180
	m := 357.52910 + 35999.05030*t - 0.0001559*t2 - 0.00000048*t*t2
	l0 := 280.46645 + 36000.76983*t + 0.0003032*t2
	dl := (1.914600 - 0.004817*t - 0.000014*t2) * math.Sin(dr*m)
	dl += (0.019993-0.000101*t)*math.Sin(dr*2*m) + 0.000290*math.Sin(dr*3*m)
	l := (l0 + dl) * dr
	l -= 2 * math.Pi * math.Floor(l/(2*math.Pi))
	return int(math.Floor(l / math.Pi * 6))
}

// month11 is the first day of the 11th lunar month (the one holding the
// winter solstice) of Gregorian year y.
func month11(y int) int {
	off := jdn(31, 12, y) - 2415021
	k := int(math.Floor(float64(off) / 29.530588853))
	nm := newMoonDay(k)
	if sunSector(nm) >= 9 {
		nm = newMoonDay(k - 1)
	}
	return nm
}

// leapOffset is the position, counted from the 11th month starting on
// a11, of the leap month of a 13-month year.
func leapOffset(a11 int) int {
	k := int(math.Floor((float64(a11)-2415021.076998695)/29.530588853 + 0.5))
	i := 1
	arc := sunSector(newMoonDay(k + i))
	for {
		last := arc
		i++
		arc = sunSector(newMoonDay(k + i))
		if arc == last || i >= 14 {
			break
		}
	}
	return i - 1
}

// LunarDate returns the Gregorian date of day d of the regular (not leap)
// lunar month m of lunar year y (the lunar year that starts in Gregorian
// year y).
func LunarDate(y, m, d int) Date {
	var a11, b11 int
	if m < 11 {
		a11, b11 = month11(y-1), month11(y)
	} else {
		a11, b11 = month11(y), month11(y+1)
	}
	k := int(math.Floor(0.5 + (float64(a11)-2415021.076998695)/29.530588853))
	off := m - 11
	if off < 0 {
		off += 12
	}
	if b11-a11 > 365 && off >= leapOffset(a11) {
		off++
	}
	return dateOfJDN(newMoonDay(k+off) + d - 1)
}

// Tet is the first day of the lunar year that starts in Gregorian year y.
func Tet(y int) Date { return LunarDate(y, 1, 1) }

// HungKings is the 10th day of the 3rd lunar month of year y.
func HungKings(y int) Date { return LunarDate(y, 3, 10) }
