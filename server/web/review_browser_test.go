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

// The management review's main path: the coordinator prepares the yearly
// review on its page and writes the required sections; the chairman
// records two decisions, one a directive to the land office, and closes
// the review; the directive is among the land office's directives with its
// due date and the review's record is filed.
func TestBrowserManagementReviewYearly(t *testing.T) {
	env, _ := reviewSeed(t)
	ctx := browsertest.New(t, 3*time.Minute)
	step := func(name string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			browsertest.Screenshot(ctx, "review-"+name)
			t.Fatalf("%s: %v", name, err)
		}
	}
	if err := browsertest.Login(ctx, env.URL, "coordinator", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var heading, received, open string
	step("prepare",
		chromedp.Navigate(env.URL+"/management-reviews"),
		chromedp.WaitVisible("#review-form", chromedp.ByID),
		chromedp.SetValue("#review-title", "Xem xét của lãnh đạo năm 2026", chromedp.ByID),
		chromedp.SetValue("#review-held", "2026-11-26", chromedp.ByID),
		chromedp.SetValue("#review-from", "2026-01-01", chromedp.ByID),
		chromedp.SetValue("#review-to", "2026-11-26", chromedp.ByID),
		chromedp.SetValue("#review-chair", "Chủ tịch UBND huyện", chromedp.ByID),
		chromedp.SetValue("#review-unit", "vp", chromedp.ByID),
		chromedp.Click("#review-create", chromedp.ByID),
		chromedp.WaitVisible("#review-heading", chromedp.ByID),
		chromedp.Text("#review-heading", &heading, chromedp.ByID),
		chromedp.Text("#section-process_performance", &received, chromedp.ByID),
		chromedp.Text("#open-resources", &open, chromedp.ByID),
	)
	if heading != "Xem xét của lãnh đạo năm 2026" || !strings.Contains(received, "Số hồ sơ tiếp nhận: 3") || !strings.Contains(open, "Chưa hoàn thành") {
		t.Fatalf("the pack: %q / %q / %q", heading, received, open)
	}
	step("sections",
		chromedp.SetValue("#body-resources", "Bộ phận Một cửa cần thêm một công chức.", chromedp.ByID),
		chromedp.Click("#save-resources", chromedp.ByID),
		chromedp.WaitVisible("#section-resources .review-body", chromedp.ByQuery),
		chromedp.WaitVisible("#body-improvement", chromedp.ByID),
		chromedp.SetValue("#body-improvement", "Số hóa hồ sơ đất đai.", chromedp.ByID),
		chromedp.Click("#save-improvement", chromedp.ByID),
		chromedp.WaitVisible("#section-improvement .review-body", chromedp.ByQuery),
	)
	if err := browsertest.Logout(ctx, env.URL); err != nil {
		t.Fatal(err)
	}
	if err := browsertest.Login(ctx, env.URL, "chairman", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var row1, row2, state string
	step("decide",
		chromedp.Navigate(env.URL+"/management-reviews"),
		chromedp.WaitVisible("#reviews", chromedp.ByID),
		chromedp.Click("#reviews a", chromedp.ByQuery),
		chromedp.WaitVisible("#decision-form", chromedp.ByID),
		chromedp.SetValue("#decision-kind", "directive", chromedp.ByID),
		chromedp.SetValue("#decision-unit", "tnmt", chromedp.ByID),
		chromedp.SetValue("#decision-due", "2026-12-31", chromedp.ByID),
		chromedp.SetValue("#decision-title", "Rà soát, khắc phục hồ sơ đất đai trễ hạn", chromedp.ByID),
		chromedp.Click("#decision-save", chromedp.ByID),
		chromedp.WaitVisible("#decision-1", chromedp.ByID),
		chromedp.WaitVisible("#decision-form", chromedp.ByID),
		chromedp.SetValue("#decision-kind", "resource", chromedp.ByID),
		chromedp.SetValue("#decision-unit", "", chromedp.ByID),
		chromedp.SetValue("#decision-title", "Bổ sung một công chức cho Bộ phận Một cửa", chromedp.ByID),
		chromedp.Click("#decision-save", chromedp.ByID),
		chromedp.WaitVisible("#decision-2", chromedp.ByID),
		chromedp.Text("#decision-1", &row1, chromedp.ByID),
		chromedp.Text("#decision-2", &row2, chromedp.ByID),
		chromedp.Click("#review-close", chromedp.ByID),
		chromedp.WaitVisible("#review-record", chromedp.ByID),
		chromedp.Text("#review-state", &state, chromedp.ByID),
	)
	if !strings.Contains(row1, "Giao nhiệm vụ cho đơn vị") || !strings.Contains(row1, "Phòng Tài nguyên") || !strings.Contains(row1, "31/12/2026") ||
		!strings.Contains(row2, "Nhu cầu nguồn lực") || !strings.Contains(state, "Đã kết thúc") {
		t.Fatalf("decisions %q / %q, state %q", row1, row2, state)
	}
	var ds struct {
		Items []struct {
			Title string
			DueOn string `json:"due_on"`
		}
	}
	env.As("head.tnmt").Do("GET", "/api/v1/directives?unit=tnmt", nil).MustStatus(http.StatusOK).Decode(&ds)
	if len(ds.Items) != 1 || ds.Items[0].Title != "Rà soát, khắc phục hồ sơ đất đai trễ hạn" || ds.Items[0].DueOn != "2026-12-31" {
		t.Fatalf("tnmt's directives %+v", ds)
	}
}
