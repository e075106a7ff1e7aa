//go:build browser

package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/browsertest"
)

// The reform index's main path: dossiers imported with their facts (two
// returned, one early and one late; two open, one within its due time and
// one past it), the coordinator opens the index page and reads the land
// office's progress points, 20 × (1 early + 1 open within due) / 4 = 10,
// enters the score the national portal published and sees it beside the
// estimate with the difference (20.67 - 12.50).
func TestBrowserIndex766ProgressAndPublished(t *testing.T) {
	env, co := procSetup(t)
	csv := "Số hồ sơ;Mã thủ tục;Hình thức;Ngày tiếp nhận;Ngày trả kết quả;Kết quả;Số hóa;Mức độ hài lòng\n" +
		"L-001;DD-01;trực tiếp;02/11/2026 09:00;10/11/2026 10:00;granted;có;Rất hài lòng\n" +
		"L-002;DD-01;trực tiếp;02/11/2026 09:00;20/11/2026 10:00;granted;không;Không hài lòng\n" +
		"L-003;DD-01;trực tiếp;03/11/2026 09:00;;;;\n" +
		"L-004;DD-01;trực tiếp;20/11/2026 09:00;;;;\n"
	req, _ := http.NewRequest("POST", env.URL+"/api/v1/dossiers/import", strings.NewReader(csv))
	req.Header.Set("Content-Type", "text/csv")
	var rep struct{ Inserted, Rejected int }
	co.Send(req).MustStatus(http.StatusOK).Decode(&rep)
	if rep.Inserted != 4 || rep.Rejected != 0 {
		t.Fatalf("import: %+v", rep)
	}

	ctx := browsertest.New(t, 2*time.Minute)
	step := browserSteps(t, ctx, "index766")
	if err := browsertest.Login(ctx, env.URL, "coordinator", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var progress, digitised, chart string
	step("index",
		chromedp.Navigate(env.URL+"/dashboard"),
		chromedp.WaitVisible("#dash-index", chromedp.ByID),
		chromedp.Click("#dash-index a", chromedp.ByQuery),
		chromedp.WaitVisible("#idx-units", chromedp.ByID),
		chromedp.Navigate(env.URL+"/index766?unit=tnmt"),
		chromedp.WaitVisible("#idx-unit-tnmt", chromedp.ByID),
		chromedp.Text("#idx-unit-tnmt .progress-points", &progress, chromedp.ByQuery),
		chromedp.Text("#idx-ind-D2", &digitised, chromedp.ByID),
		chromedp.OuterHTML("#index-chart", &chart, chromedp.ByID),
	)
	if strings.TrimSpace(progress) != "10.00" {
		t.Fatalf("the land office's progress points: %q, want 10.00", progress)
	}
	if !strings.Contains(digitised, "4.00 / 8") {
		t.Fatalf("digitised components (1 of 2 imported as digitised): %q", digitised)
	}
	if !strings.Contains(chart, `class="estimate"`) {
		t.Fatalf("the trend has no estimate point: %s", chart)
	}
	var published, diff string
	step("published",
		chromedp.SetValue(`#published-form input[name=score]`, "12.5", chromedp.ByQuery),
		chromedp.Click("#published-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#idx-difference", chromedp.ByID),
		chromedp.Text("#idx-published", &published, chromedp.ByID),
		chromedp.Text("#idx-difference", &diff, chromedp.ByID),
	)
	// The estimate: progress 10 + digitised 4 + satisfaction 12 × 50 % / 90 % = 6.67.
	if strings.TrimSpace(published) != "12.50" || !strings.HasSuffix(strings.TrimSpace(diff), ": 8.17") {
		t.Fatalf("published %q, difference %q", published, diff)
	}
}
