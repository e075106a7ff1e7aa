package process

import (
	"errors"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

var hcm, _ = time.LoadLocation("Asia/Ho_Chi_Minh")

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, hcm)
	if err != nil {
		panic(err)
	}
	return t
}

func vnCal() *workday.Calendar {
	c := workday.New(hcm)
	for _, y := range []int{2026, 2027} {
		d, _ := workday.Vietnam(y)
		c.Set(d)
	}
	return c
}

func TestReplay(t *testing.T) {
	svc := Procedure{Code: "DD-01", Unit: "land", Days: 5, Steps: []Step{
		{Code: "receive", Unit: "desk", Days: 1}, {Code: "process", Unit: "land", Days: 3}, {Code: "approve", Unit: "board", Days: 1}}}
	due := func(s string) *time.Time { t := at(s); return &t }
	tests := []struct {
		name        string
		received    string
		events      []Event
		wantStatus  string
		wantDue     string
		wantOutcome string
		wantErr     error
		check       func(t *testing.T, c Clock)
	}{
		{name: "returned early", received: "2026-11-02 09:00",
			events:     []Event{{EventID: "e1", Type: EventReturned, At: at("2026-11-05 10:00"), Result: ResultGranted}},
			wantStatus: StatusReturned, wantDue: "2026-11-09 09:00", wantOutcome: "early"},
		{name: "returned on the due day", received: "2026-11-02 09:00",
			events:     []Event{{EventID: "e1", Type: EventReturned, At: at("2026-11-09 08:00"), Result: ResultGranted}},
			wantStatus: StatusReturned, wantDue: "2026-11-09 09:00", wantOutcome: "on_time"},
		{name: "late", received: "2026-11-02 09:00",
			events:     []Event{{EventID: "e1", Type: EventReturned, At: at("2026-11-10 08:00"), Result: ResultRefused, Reason: "x"}},
			wantStatus: StatusReturned, wantDue: "2026-11-09 09:00", wantOutcome: "late"},
		{name: "supplement restarts the clock from zero", received: "2026-11-02 09:00",
			events: []Event{
				{EventID: "s", Type: EventSupplementRequested, At: at("2026-11-04 10:00")},
				{EventID: "r", Type: EventResubmitted, At: at("2026-11-12 14:00")},
				{EventID: "x", Type: EventReturned, At: at("2026-11-18 16:00"), Result: ResultGranted}},
			wantStatus: StatusReturned, wantDue: "2026-11-19 14:00", wantOutcome: "early",
			check: func(t *testing.T, c Clock) {
				if c.Supplements != 1 || !c.ClockStart.Equal(at("2026-11-12 14:00")) {
					t.Fatalf("supplements %d start %s", c.Supplements, c.ClockStart)
				}
			}},
		{name: "resubmitted after hours counts from next day", received: "2026-11-02 09:00",
			events: []Event{
				{EventID: "s", Type: EventSupplementRequested, At: at("2026-11-04 10:00")},
				{EventID: "r", Type: EventResubmitted, At: at("2026-11-13 19:00")}},
			wantStatus: StatusProcessing, wantDue: "2026-11-23 07:30"},
		{name: "one extension", received: "2026-11-02 09:00",
			events: []Event{{EventID: "x", Type: EventExtended, At: at("2026-11-09 08:00"), NewDueAt: due("2026-11-13 17:00"), Reason: "site visit"},
				{EventID: "r", Type: EventReturned, At: at("2026-11-12 10:00"), Result: ResultGranted}},
			wantStatus: StatusReturned, wantDue: "2026-11-09 09:00", wantOutcome: "late",
			check: func(t *testing.T, c Clock) {
				if c.ExtendedDueAt == nil || !c.ExtendedDueAt.Equal(at("2026-11-13 17:00")) || c.ExtensionReason != "site visit" {
					t.Fatalf("extension %+v", c.ExtendedDueAt)
				}
			}},
		{name: "second extension refused", received: "2026-11-02 09:00",
			events: []Event{{EventID: "x", Type: EventExtended, At: at("2026-11-09 08:00"), NewDueAt: due("2026-11-13 17:00"), Reason: "a"},
				{EventID: "y", Type: EventExtended, At: at("2026-11-12 08:00"), NewDueAt: due("2026-11-20 17:00"), Reason: "b"}},
			wantErr: qms.ErrState},
		{name: "extension must move the due date later", received: "2026-11-02 09:00",
			events:  []Event{{EventID: "x", Type: EventExtended, At: at("2026-11-03 08:00"), NewDueAt: due("2026-11-04 17:00"), Reason: "a"}},
			wantErr: qms.ErrInvalid},
		{name: "out of order: supplement pushed after the return", received: "2026-11-02 09:00",
			events: []Event{
				{EventID: "x", Type: EventReturned, At: at("2026-11-18 16:00"), Result: ResultGranted, Seq: 1},
				{EventID: "r", Type: EventResubmitted, At: at("2026-11-12 14:00"), Seq: 2},
				{EventID: "s", Type: EventSupplementRequested, At: at("2026-11-04 10:00"), Seq: 3}},
			wantStatus: StatusReturned, wantDue: "2026-11-19 14:00", wantOutcome: "early"},
		{name: "event after the return refused", received: "2026-11-02 09:00",
			events: []Event{{EventID: "x", Type: EventReturned, At: at("2026-11-05 16:00"), Result: ResultGranted},
				{EventID: "y", Type: EventHandedOver, At: at("2026-11-06 08:00")}},
			wantErr: qms.ErrState},
		{name: "resubmission without request refused", received: "2026-11-02 09:00",
			events:  []Event{{EventID: "r", Type: EventResubmitted, At: at("2026-11-03 08:00")}},
			wantErr: qms.ErrState},
		{name: "event before receipt refused", received: "2026-11-02 09:00",
			events:  []Event{{EventID: "r", Type: EventWithdrawn, At: at("2026-11-01 08:00")}},
			wantErr: qms.ErrState},
		{name: "steps with their own clock", received: "2026-11-02 09:00",
			events: []Event{
				{EventID: "h1", Type: EventHandedOver, At: at("2026-11-02 15:00"), Step: "process"},
				{EventID: "h2", Type: EventHandedOver, At: at("2026-11-06 10:00")},
				{EventID: "x", Type: EventReturned, At: at("2026-11-09 08:00"), Result: ResultGranted}},
			wantStatus: StatusReturned, wantDue: "2026-11-09 09:00", wantOutcome: "on_time",
			check: func(t *testing.T, c Clock) {
				if len(c.Steps) != 3 {
					t.Fatalf("steps %+v", c.Steps)
				}
				want := []struct{ step, unit, outcome string }{{"receive", "desk", "early"}, {"process", "land", "late"}, {"approve", "board", "on_time"}}
				for i, w := range want {
					s := c.Steps[i]
					if s.Step != w.step || s.Unit != w.unit || s.Outcome != w.outcome {
						t.Errorf("step %d = %s/%s/%s, want %v", i, s.Step, s.Unit, s.Outcome, w)
					}
				}
			}},
		{name: "received after hours before Tết", received: "2026-02-13 17:30", events: nil,
			wantStatus: StatusProcessing, wantDue: "2026-03-02 07:30"},
		{name: "no hand-over: the first step is not judged on its own allowance", received: "2026-11-02 09:00",
			events:     []Event{{EventID: "x", Type: EventReturned, At: at("2026-11-06 10:00"), Result: ResultGranted}},
			wantStatus: StatusReturned, wantDue: "2026-11-09 09:00", wantOutcome: "early",
			check: func(t *testing.T, c Clock) {
				if len(c.Steps) != 1 || c.Steps[0].Due != nil || c.Steps[0].Outcome != "" || c.Steps[0].End == nil {
					t.Fatalf("steps %+v", c.Steps)
				}
			}},
		{name: "withdrawn", received: "2026-11-02 09:00",
			events:     []Event{{EventID: "w", Type: EventWithdrawn, At: at("2026-11-03 09:00")}},
			wantStatus: StatusWithdrawn, wantDue: "2026-11-09 09:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Replay(vnCal(), svc, at(tt.received), tt.events)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != tt.wantStatus || !c.DueAt.Equal(at(tt.wantDue)) || c.Outcome != tt.wantOutcome {
				t.Fatalf("got %s due %s outcome %q, want %s %s %q", c.Status, c.DueAt.In(hcm).Format("2006-01-02 15:04"), c.Outcome, tt.wantStatus, tt.wantDue, tt.wantOutcome)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestObjectiveMeasure(t *testing.T) {
	k := KPI{Returned: 100, Early: 50, OnTime: 46, Late: 4, Received: 120, Online: 30}
	k.Derive()
	tests := []struct {
		o      Objective
		status string
	}{
		{Objective{KPI: "on_time_rate", Comparator: ">=", Target: 98}, "off_track"},
		{Objective{KPI: "on_time_rate", Comparator: ">=", Target: 95}, "on_track"},
		{Objective{KPI: "late_count", Comparator: "<=", Target: 5}, "on_track"},
		{Objective{KPI: "online_share", Comparator: ">=", Target: 30}, "off_track"},
	}
	for _, tt := range tests {
		if got := tt.o.Measure(k, workday.Date{Year: 2026, Month: 11, Day: 1}); got.Status != tt.status {
			t.Errorf("%s %s %v: %s (value %v), want %s", tt.o.KPI, tt.o.Comparator, tt.o.Target, got.Status, *got.Value, tt.status)
		}
	}
	if pr := (Objective{KPI: "on_time_rate", Comparator: ">=", Target: 98}).Measure(KPI{}, workday.Date{}); pr.Status != "no_data" {
		t.Fatalf("empty period: %s", pr.Status)
	}
}
