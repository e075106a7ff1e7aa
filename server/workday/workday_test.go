package workday

import (
	"math"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
)

var hcm = func() *time.Location {
	l, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		panic(err)
	}
	return l
}()

func vn(t *testing.T) *Calendar {
	t.Helper()
	c := New(hcm)
	for _, y := range []int{2026, 2027} {
		days, ok := Vietnam(y)
		if !ok {
			t.Fatalf("no holidays for %d", y)
		}
		c.Set(days)
	}
	return c
}

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, hcm)
	if err != nil {
		panic(err)
	}
	return t
}

func TestIsWorkingDay(t *testing.T) {
	c := vn(t)
	c.Set([]Day{
		{Date: qms.NewDate(2026, 8, 31), Kind: KindHoliday, Name: "swap: off"},
		{Date: qms.NewDate(2026, 8, 22), Kind: KindWorkday, Name: "swap: worked"},
	})
	tests := []struct {
		day  string
		want bool
	}{
		{"2026-02-13", true},  // Friday before Tết
		{"2026-02-14", false}, // Saturday
		{"2026-02-16", false}, // 29 tháng Chạp
		{"2026-02-17", false}, // mùng 1
		{"2026-02-20", false}, // mùng 4
		{"2026-02-23", true},  // first Monday after Tết
		{"2026-04-27", false}, // compensation of Hùng Kings' day on a Sunday
		{"2026-04-28", true},
		{"2026-05-01", false},
		{"2026-09-02", false},
		{"2026-08-31", false}, // swapped day off
		{"2026-08-22", true},  // Saturday worked in exchange
		{"2026-11-26", true},  // an ordinary Thursday
		{"2026-11-28", false}, // an ordinary Saturday
		{"2027-02-05", false}, // Tết eve 2027
		{"2027-02-11", false},
		{"2027-02-12", true},
		{"2027-04-16", false}, // Hùng Kings' day 2027
		{"2027-05-03", false}, // compensation for 1 May on a Saturday
	}
	for _, tt := range tests {
		d, err := ParseDate(tt.day)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.IsWorkingDay(d); got != tt.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.day, got, tt.want)
		}
	}
}

func TestStartAndDue(t *testing.T) {
	tests := []struct {
		name      string
		rule      AfterHoursRule
		received  string
		days      int
		wantStart string
		wantDue   string
	}{
		{"office hours, same week", NextWorkingDay, "2026-11-23 09:15", 3, "2026-11-23 09:15", "2026-11-26 09:15"},
		{"over a weekend", NextWorkingDay, "2026-11-26 10:00", 3, "2026-11-26 10:00", "2026-12-01 10:00"},
		{"before opening", NextWorkingDay, "2026-11-23 06:00", 1, "2026-11-23 07:30", "2026-11-24 07:30"},
		{"after closing counts from next day", NextWorkingDay, "2026-11-23 18:30", 1, "2026-11-24 07:30", "2026-11-25 07:30"},
		{"after closing on Friday", NextWorkingDay, "2026-11-27 17:00", 2, "2026-11-30 07:30", "2026-12-02 07:30"},
		{"after closing, same-day rule", SameDay, "2026-11-23 18:30", 1, "2026-11-23 17:00", "2026-11-24 17:00"},
		{"received on Saturday", SameDay, "2026-11-28 09:00", 1, "2026-11-30 07:30", "2026-12-01 07:30"},
		{"across Tết 2026", NextWorkingDay, "2026-02-12 14:00", 5, "2026-02-12 14:00", "2026-02-26 14:00"},
		{"received during Tết", NextWorkingDay, "2026-02-18 09:00", 1, "2026-02-23 07:30", "2026-02-24 07:30"},
		{"across Tết 2027", NextWorkingDay, "2027-02-04 08:00", 2, "2027-02-04 08:00", "2027-02-15 08:00"},
		{"across 30/4 and 1/5", NextWorkingDay, "2026-04-24 08:00", 3, "2026-04-24 08:00", "2026-05-04 08:00"},
		{"zero days", NextWorkingDay, "2026-11-23 09:00", 0, "2026-11-23 09:00", "2026-11-23 09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := vn(t)
			c.AfterHours = tt.rule
			start := c.Start(at(tt.received))
			if !start.Equal(at(tt.wantStart)) {
				t.Fatalf("start = %s, want %s", start.In(hcm).Format("2006-01-02 15:04"), tt.wantStart)
			}
			due := c.Due(start, tt.days)
			if !due.Equal(at(tt.wantDue)) {
				t.Fatalf("due = %s, want %s", due.In(hcm).Format("2006-01-02 15:04"), tt.wantDue)
			}
		})
	}
}

func TestAcrossTet2026WithLongerAllowance(t *testing.T) {
	// 20 March 2026 is not a holiday: 15 working days from Monday 9 February
	// skip 16-20 February (Tết) and four weekends.
	c := vn(t)
	due := c.Due(c.Start(at("2026-02-09 08:00")), 15)
	if want := at("2026-03-09 08:00"); !due.Equal(want) {
		t.Fatalf("due = %s, want %s", due.In(hcm), want)
	}
}

func TestSwappedDays(t *testing.T) {
	c := New(hcm)
	// Off on Monday 31 August, worked on Saturday 22 August instead.
	c.Set([]Day{
		{Date: qms.NewDate(2026, 8, 31), Kind: KindHoliday},
		{Date: qms.NewDate(2026, 8, 22), Kind: KindWorkday},
	})
	// Friday 21 August + 1 working day = Saturday 22 August.
	if got := c.Due(c.Start(at("2026-08-21 10:00")), 1); !got.Equal(at("2026-08-22 10:00")) {
		t.Fatalf("due = %s", got.In(hcm))
	}
	// Received on the worked Saturday: the clock starts at once.
	if got := c.Start(at("2026-08-22 08:00")); !got.Equal(at("2026-08-22 08:00")) {
		t.Fatalf("start = %s", got.In(hcm))
	}
	// Friday 28 August + 1 = Tuesday 1 September (31 August is off).
	if got := c.Due(c.Start(at("2026-08-28 10:00")), 1); !got.Equal(at("2026-09-01 10:00")) {
		t.Fatalf("due = %s", got.In(hcm))
	}
}

func TestElapsed(t *testing.T) {
	c := vn(t)
	tests := []struct {
		a, b string
		want float64
	}{
		{"2026-11-23 07:30", "2026-11-23 17:00", 1},
		{"2026-11-23 07:30", "2026-11-23 12:15", 0.5},
		{"2026-11-23 09:00", "2026-11-24 09:00", 1},
		{"2026-11-27 09:00", "2026-11-30 09:00", 1},        // the weekend does not count
		{"2026-02-13 07:30", "2026-02-23 17:00", 2},        // Friday before Tết, Monday after
		{"2026-11-23 18:00", "2026-11-23 20:00", 0},        // after hours
		{"2026-11-24 09:00", "2026-11-23 09:00", 0},        // reversed
		{"2026-11-22 09:00", "2026-11-22 15:00", 0},        // Sunday
		{"2026-11-23 06:00", "2026-11-23 07:30", 0},        // before opening
		{"2026-11-23 16:00", "2026-11-24 08:00", 3.0 / 19}, // 60 + 30 minutes of a 570-minute day
	}
	for _, tt := range tests {
		got := c.Elapsed(at(tt.a), at(tt.b))
		if math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("Elapsed(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	c := vn(t)
	due := at("2026-11-26 10:00")
	tests := []struct {
		returned string
		want     Outcome
	}{
		{"2026-11-25 16:00", Early},
		{"2026-11-26 08:00", OnTime},
		{"2026-11-26 10:00", OnTime},
		{"2026-11-26 10:01", Late},
		{"2026-11-27 08:00", Late},
	}
	for _, tt := range tests {
		if got := c.Classify(due, at(tt.returned)); got != tt.want {
			t.Errorf("Classify(%s) = %s, want %s", tt.returned, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	c := New(hcm)
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.Open, c.Close = 600, 500
	if c.Validate() == nil {
		t.Fatal("office hours closing before opening accepted")
	}
	c = New(hcm)
	c.AfterHours = "whenever"
	if c.Validate() == nil {
		t.Fatal("unknown rule accepted")
	}
}

func TestNoWorkingDaysTerminates(t *testing.T) {
	c := New(hcm)
	d := qms.NewDate(2026, 1, 1)
	for i := 0; i < 400; i++ {
		c.Holidays[d.AddDays(i)] = "off"
	}
	_ = c.Due(c.Start(at("2026-01-02 09:00")), 3) // must return
}

func TestDateText(t *testing.T) {
	var d Date
	if err := d.UnmarshalText([]byte("2027-02-06")); err != nil || d != (qms.NewDate(2027, 2, 6)) {
		t.Fatalf("got %v %v", d, err)
	}
	if d.UnmarshalText([]byte("06/02/2027")) == nil {
		t.Fatal("dd/mm/yyyy accepted as ISO date")
	}
	b, _ := d.MarshalText()
	if string(b) != "2027-02-06" {
		t.Fatalf("got %s", b)
	}
}
