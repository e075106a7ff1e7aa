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

// The improvement plan's main path: the coordinator issues the year's plan
// with its decision file on the plans page, and an item for the land
// office (criterion P1); its head reports 50 %
// progress on the plan page, then reports completion with evidence on the
// item's directive page; the chairman accepts; the plan shows the item
// accepted at 100 % in the land office's progress.
func TestBrowserPlanItemProgressThenAccepted(t *testing.T) {
	env, co := procSetup(t)
	dir := t.TempDir()
	evidence, decision := writeTestPDF(t, dir, "bao-cao-hoan-thanh.pdf"), writeTestPDF(t, dir, "ke-hoach-123.pdf")
	ctx := browsertest.New(t, 3*time.Minute)
	step := browserSteps(t, ctx, "plan")
	// The coordinator issues the plan with its decision file on the page.
	if err := browsertest.Login(ctx, env.URL, "coordinator", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var fileLink string
	step("issue",
		chromedp.Navigate(env.URL+"/plans"),
		chromedp.WaitVisible("#plan-form", chromedp.ByID),
		chromedp.SetValue(`#plan-form input[name=decision_number]`, "123/KH-UBND", chromedp.ByQuery),
		chromedp.SetValue(`#plan-form input[name=title]`, "Kế hoạch cải thiện Chỉ số CCHC năm 2026", chromedp.ByQuery),
		chromedp.SetUploadFiles("#plan-file", []string{decision}, chromedp.ByID),
		chromedp.Click("#plan-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#plan-file-link", chromedp.ByID),
		chromedp.Text("#plan-file-link", &fileLink, chromedp.ByID),
	)
	if !strings.Contains(fileLink, "ke-hoach-123.pdf") {
		t.Fatalf("the plan's decision file: %q", fileLink)
	}
	if err := browsertest.Logout(ctx, env.URL); err != nil {
		t.Fatal(err)
	}
	var plans struct{ Items []struct{ ID string } }
	co.Do("GET", "/api/v1/plans", nil).MustStatus(http.StatusOK).Decode(&plans)
	if len(plans.Items) != 1 {
		t.Fatalf("plans %+v", plans)
	}
	plan := plans.Items[0]
	var item struct{ ID string }
	co.Do("POST", "/api/v1/plans/"+plan.ID+"/items", map[string]any{"task": "Giải quyết hồ sơ đất đai đúng hạn", "criterion": "P1",
		"unit": "tnmt", "support_units": []string{"motcua"}, "due_on": "2026-12-15", "expected_output": "95 % đúng hạn"}).MustStatus(http.StatusCreated).Decode(&item)
	browserPlanItemToAccepted(t, ctx, env.URL, plan.ID, item.ID, evidence)
}
