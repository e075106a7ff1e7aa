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
// with an item for the land office (criterion P1); its head reports 50 %
// progress on the plan page, then reports completion with evidence on the
// item's directive page; the chairman accepts; the plan shows the item
// accepted at 100 % in the land office's progress.
func TestBrowserPlanItemProgressThenAccepted(t *testing.T) {
	env, co := procSetup(t)
	var plan struct{ ID string }
	co.Do("POST", "/api/v1/plans", map[string]any{"year": 2026, "decision_number": "123/KH-UBND",
		"title": "Kế hoạch cải thiện Chỉ số CCHC năm 2026"}).MustStatus(http.StatusCreated).Decode(&plan)
	var item struct{ ID string }
	co.Do("POST", "/api/v1/plans/"+plan.ID+"/items", map[string]any{"task": "Giải quyết hồ sơ đất đai đúng hạn", "criterion": "P1",
		"unit": "tnmt", "support_units": []string{"motcua"}, "due_on": "2026-12-15", "expected_output": "95 % đúng hạn"}).MustStatus(http.StatusCreated).Decode(&item)
	evidence := filepath.Join(t.TempDir(), "bao-cao-hoan-thanh.pdf")
	if err := os.WriteFile(evidence, []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
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
