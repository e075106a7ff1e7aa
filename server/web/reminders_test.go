package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// TestReminderScheduleForm: the calendar page shows the schedule in force
// in the coordinator's form (in Vietnamese by default); a schedule that
// does not start at 0 is refused on the page with its reason and changes
// nothing; a good one is saved and shown, and read back by the API.
func TestReminderScheduleForm(t *testing.T) {
	env := apptest.New(t)
	coord := env.As("coordinator")
	page := coord.Do("GET", "/calendar", nil).MustStatus(http.StatusOK)
	if !strings.Contains(string(page.Body), `id="reminder-offsets" value="0, 3, 7"`) || !strings.Contains(string(page.Body), "Nhắc việc quá hạn") {
		t.Fatalf("the calendar page has no reminder form with the default schedule")
	}
	form := coord.AsForm()
	r := form.Do("POST", "/ui/reminder-schedule", map[string]string{"offsets": "3, 7"})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "lịch nhắc việc phải bắt đầu từ 0") {
		t.Fatalf("a schedule without 0: %d, want 400 with the reason in Vietnamese", r.Status)
	}
	r = form.Do("POST", "/ui/reminder-schedule", map[string]string{"offsets": "0, ba"})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "không phải là số ngày làm việc") {
		t.Fatalf("a schedule with a word: %d, want 400 with the reason", r.Status)
	}
	var sched struct{ Offsets []int }
	coord.Do("GET", "/api/v1/reminder-schedule", nil).MustStatus(http.StatusOK).Decode(&sched)
	if len(sched.Offsets) != 3 {
		t.Fatalf("refused forms changed the schedule: %v", sched.Offsets)
	}
	r = form.Do("POST", "/ui/reminder-schedule", map[string]string{"offsets": "0 2 5"})
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/calendar") {
		t.Fatalf("saving the schedule: %d %s", r.Status, r.Header.Get("Location"))
	}
	coord.Do("GET", "/api/v1/reminder-schedule", nil).MustStatus(http.StatusOK).Decode(&sched)
	if len(sched.Offsets) != 3 || sched.Offsets[1] != 2 || sched.Offsets[2] != 5 {
		t.Fatalf("saved schedule %v, want [0 2 5]", sched.Offsets)
	}
	if page := coord.Do("GET", "/calendar", nil); !strings.Contains(string(page.Body), `value="0, 2, 5"`) {
		t.Fatalf("the page does not show the saved schedule")
	}
}
