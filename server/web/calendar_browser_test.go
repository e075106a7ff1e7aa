//go:build browser

package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/browsertest"
)

// The calendar's main path: the coordinator picks 2025, sees 30/04 as a
// published holiday, adds a day off on Tuesday 06/05/2025, and the open
// dossier received on 28/04/2025 is due a working day later.
func TestBrowserCalendarExceptionMovesDueDate(t *testing.T) {
	env, co := procSetup(t)
	// 10 working days from Monday 28/04/2025 09:00: due 15/05/2025 09:00.
	co.Do("POST", "/api/v1/dossiers", map[string]any{"number": "CAL-B1", "service": "DD-01", "channel": "in_person",
		"received_at": "2025-04-28T09:00:00+07:00"}).MustStatus(http.StatusCreated)
	ctx := browsertest.New(t, 2*time.Minute)
	step := func(name string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			browsertest.Screenshot(ctx, "calendar-"+name)
			t.Fatalf("%s: %v", name, err)
		}
	}
	if err := browsertest.Login(ctx, env.URL, "coordinator", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var due, row, moved string
	step("due before",
		chromedp.Navigate(env.URL+"/dossiers/CAL-B1"),
		chromedp.WaitVisible("#due-at", chromedp.ByID),
		chromedp.Text("#due-at", &due, chromedp.ByID))
	if !strings.Contains(due, "15/05/2025 09:00") {
		t.Fatalf("due before the change: %q", due)
	}
	step("pick 2025",
		chromedp.Navigate(env.URL+"/calendar"),
		chromedp.WaitVisible("#year-picker", chromedp.ByID),
		chromedp.SetValue("#year-input", "2025", chromedp.ByID),
		chromedp.Click("#year-show", chromedp.ByID),
		chromedp.WaitVisible(`#calendar-days tr[data-date="2025-04-30"]`, chromedp.ByQuery),
		chromedp.Text(`#calendar-days tr[data-date="2025-04-30"]`, &row, chromedp.ByQuery))
	if !strings.Contains(row, "30/04/2025") || !strings.Contains(row, "Ngày nghỉ") || !strings.Contains(row, "Ngày Chiến thắng") || !strings.Contains(row, "Theo thông báo") {
		t.Fatalf("30/04/2025 row: %q", row)
	}
	step("add exception",
		chromedp.SetValue("#add-date", "2025-05-06", chromedp.ByID),
		chromedp.SetValue("#add-kind", "holiday", chromedp.ByID),
		chromedp.SetValue("#add-name", "Nghỉ đột xuất", chromedp.ByID),
		chromedp.Click("#add-submit", chromedp.ByID),
		chromedp.WaitVisible("#calendar-moved", chromedp.ByID),
		chromedp.Text("#calendar-moved", &moved, chromedp.ByID),
		chromedp.Text(`#calendar-days tr[data-date="2025-05-06"]`, &row, chromedp.ByQuery))
	if !strings.Contains(moved, "1 hồ sơ") || !strings.Contains(row, "Nghỉ đột xuất") || !strings.Contains(row, "Đã sửa") {
		t.Fatalf("after the add: %q / %q", moved, row)
	}
	step("due after",
		chromedp.Navigate(env.URL+"/dossiers/CAL-B1"),
		chromedp.WaitVisible("#due-at", chromedp.ByID),
		chromedp.Text("#due-at", &due, chromedp.ByID))
	if !strings.Contains(due, "16/05/2025 09:00") {
		t.Fatalf("due after the change: %q", due)
	}
}
