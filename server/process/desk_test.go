package process

import (
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/workday"
)

// TestHandoverDue: the desk's hand-over deadline for a receipt in person:
// the close of the same working day before 15:00, the first hour of the
// next working day from 15:00 on, after closing, or on a day off.
func TestHandoverDue(t *testing.T) {
	loc := time.FixedZone("ICT", 7*3600)
	cal := workday.New(loc)
	cal.Holidays[workday.Date{Year: 2026, Month: 12, Day: 1}] = "thử"
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct{ received, due string }{
		{"2026-11-25 07:00", "2026-11-25 17:00"}, // before opening
		{"2026-11-25 14:59", "2026-11-25 17:00"},
		{"2026-11-25 15:00", "2026-11-26 08:30"},
		{"2026-11-25 15:01", "2026-11-26 08:30"},
		{"2026-11-25 18:00", "2026-11-26 08:30"}, // after closing
		{"2026-11-27 16:00", "2026-11-30 08:30"}, // Friday: Monday
		{"2026-11-28 10:00", "2026-11-30 08:30"}, // Saturday
		{"2026-11-30 15:30", "2026-12-02 08:30"}, // the next day is a holiday
		{"2026-12-01 09:00", "2026-12-02 08:30"}, // received on the holiday
	} {
		if got := HandoverDue(cal, at(c.received)); !got.Equal(at(c.due)) {
			t.Errorf("received %s: hand-over due %s, want %s", c.received, got.In(loc).Format("2006-01-02 15:04"), c.due)
		}
	}
}

// TestFold: spellings match with or without diacritics, composed or not,
// whatever the case and spacing.
func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Bưu chính công ích":               "buu chinh cong ich",
		"  ĐĂNG   KÝ  đất đai ":            "dang ky dat dai",
		"Tru\u031bc tuye\u0302\u0301n":     "truc tuyen", // decomposed
		"Dịch vụ công trực tuyến mức độ 3": "dich vu cong truc tuyen muc do 3",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"Qua bưu điện": ChannelPostal, "TRỰC TUYẾN MỨC ĐỘ 4": ChannelOnlineFull,
		"online": ChannelOnlinePartial, "trực tiếp": ChannelInPerson} {
		if got, ok := NormalizeChannel(in); !ok || got != want {
			t.Errorf("NormalizeChannel(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	if _, ok := NormalizeChannel("fax"); ok {
		t.Error("fax is a channel")
	}
}

// TestReplayRouting: a routing restarts the processing time at the
// competent unit's receipt and keeps the desk's step in the journey; an
// event of the same instant as the routing follows it.
func TestReplayRouting(t *testing.T) {
	loc := time.FixedZone("ICT", 7*3600)
	cal := workday.New(loc)
	svc := Procedure{Code: "DD-01", Unit: "tnmt", Days: 2}
	rec := time.Date(2026, 11, 23, 9, 0, 0, 0, loc)
	routed := time.Date(2026, 11, 25, 10, 0, 0, 0, loc)
	c, err := ReplayReceipt(cal, svc, Receipt{At: rec, Channel: ChannelPostal, Desk: "motcua", Officer: "d", RoutePending: true},
		[]Event{{EventID: "r", Type: EventRouted, ToUnit: "vp", At: routed, Seq: 1, Actor: "d"},
			{EventID: "h", Type: EventHandedOver, At: routed, Seq: 2, Actor: "v"}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Unit != "vp" || !c.ClockStart.Equal(routed) || !c.DueAt.Equal(time.Date(2026, 11, 27, 10, 0, 0, 0, loc)) || c.ClockStart.Location() != time.UTC {
		t.Fatalf("routed clock: %+v", c)
	}
	if len(c.Steps) != 3 || c.Steps[0].Step != DeskStep || c.Steps[0].Due != nil || c.Steps[1].Unit != "vp" || c.Steps[1].Officer != "v" {
		t.Fatalf("journey: %+v", c.Steps)
	}
	if _, err := ReplayReceipt(cal, svc, Receipt{At: rec, Desk: "motcua"}, []Event{{EventID: "r", Type: EventRouted, ToUnit: "vp", At: routed}}); err == nil {
		t.Fatal("a dossier with its competent unit set was routed")
	}
}
