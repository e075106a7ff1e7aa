//go:build browser

package web_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
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
	evidence := filepath.Join(dir, "bao-cao-hoan-thanh.pdf")
	decision := filepath.Join(dir, "ke-hoach-123.pdf")
	for _, f := range []string{evidence, decision} {
		if err := os.WriteFile(f, []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx := browsertest.New(t, 3*time.Minute)
	step := func(name string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			browsertest.Screenshot(ctx, "plan-"+name)
			t.Fatalf("%s: %v", name, err)
		}
	}
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
	row := "#item-" + item.ID
	if err := browsertest.Login(ctx, env.URL, "head.tnmt", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var progress, unitRow string
	step("progress",
		chromedp.Navigate(env.URL+"/plans"),
		chromedp.WaitVisible("#plans", chromedp.ByID),
		chromedp.Click("#plans a", chromedp.ByQuery),
		chromedp.WaitVisible(row, chromedp.ByQuery),
		chromedp.SetValue(row+" input[name=percent]", "50", chromedp.ByQuery),
		chromedp.SetValue(row+" input[name=text]", "Đã rà soát một nửa số hồ sơ", chromedp.ByQuery),
		chromedp.Click(row+" .progress-form button", chromedp.ByQuery),
		chromedp.WaitVisible("#plan-by-unit", chromedp.ByID),
		chromedp.Text(row+" .item-progress", &progress, chromedp.ByQuery),
		chromedp.Text("#unit-progress-tnmt", &unitRow, chromedp.ByID),
	)
	if strings.TrimSpace(progress) != "50%" || !strings.Contains(unitRow, "50%") {
		t.Fatalf("after 50 %%: item %q, unit %q", progress, unitRow)
	}
	var state string
	step("report",
		chromedp.Click(row+" a", chromedp.ByQuery),
		chromedp.WaitVisible("#report-form", chromedp.ByID),
		chromedp.SetValue("#report-text", "Hoàn thành: 96 % hồ sơ đúng hạn.", chromedp.ByID),
		chromedp.SetUploadFiles("#report-files", []string{evidence}, chromedp.ByID),
		chromedp.Click("#report-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitNotPresent("#report-form", chromedp.ByID),
		chromedp.Text("#directive-state", &state, chromedp.ByID),
	)
	if !strings.Contains(state, "Đã báo cáo") {
		t.Fatalf("state after the report: %q", state)
	}
	if err := browsertest.Logout(ctx, env.URL); err != nil {
		t.Fatal(err)
	}
	if err := browsertest.Login(ctx, env.URL, "chairman", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var itemState string
	step("accept",
		chromedp.Navigate(env.URL+"/directives/"+item.ID),
		chromedp.WaitVisible("#decide-form", chromedp.ByID),
		chromedp.Click("#accept", chromedp.ByID),
		chromedp.WaitNotPresent("#decide-form", chromedp.ByID),
		chromedp.WaitVisible("#dir-plan", chromedp.ByID),
		chromedp.Text("#dir-progress", &progress, chromedp.ByID),
	)
	if strings.TrimSpace(progress) != "100%" {
		t.Fatalf("the accepted item's progress on its page: %q", progress)
	}
	step("plan",
		chromedp.Navigate(env.URL+"/plans/"+plan.ID),
		chromedp.WaitVisible(row, chromedp.ByQuery),
		chromedp.Text(row+" .item-progress", &progress, chromedp.ByQuery),
		chromedp.Text(row+" .item-state", &itemState, chromedp.ByQuery),
		chromedp.Text("#unit-progress-tnmt", &unitRow, chromedp.ByID),
	)
	if strings.TrimSpace(progress) != "100%" || !strings.Contains(itemState, "Đã chấp nhận") || !strings.Contains(unitRow, "100%") {
		t.Fatalf("after acceptance: item %q %q, unit %q", progress, itemState, unitRow)
	}
}
