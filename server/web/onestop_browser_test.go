//go:build browser

package web_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/browsertest"
)

// browserSteps is the step runner of a browser test: each step has 30 s,
// and a failing one leaves a screenshot named prefix-name and fails t.
func browserSteps(t *testing.T, ctx context.Context, prefix string) func(name string, actions ...chromedp.Action) {
	return func(name string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			browsertest.Screenshot(ctx, prefix+"-"+name)
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// signInAs signs the browser out (when signed in) and in as login.
func signInAs(t *testing.T, ctx context.Context, base, login string, signedIn bool) {
	t.Helper()
	if signedIn {
		if err := browsertest.Logout(ctx, base); err != nil {
			t.Fatal(err)
		}
	}
	if err := browsertest.Login(ctx, base, login, apptest.Password); err != nil {
		t.Fatal(err)
	}
}

// browserPlanItemToAccepted is the plan item's path from a signed-out
// browser: the land office's head reports 50 % progress on the plan's page,
// then completion with the evidence file on the item's directive page; the
// chairman accepts it, and the plan shows the item accepted at 100 % in the
// land office's progress. The browser ends signed in as the chairman.
func browserPlanItemToAccepted(t *testing.T, ctx context.Context, base, planID, itemID, evidence string) {
	t.Helper()
	step := browserSteps(t, ctx, "plan")
	row := "#item-" + itemID
	signInAs(t, ctx, base, "head.tnmt", false)
	var progress, unitRow string
	step("progress",
		chromedp.Navigate(base+"/plans"),
		chromedp.WaitVisible("#plans", chromedp.ByID),
		chromedp.Click("#plans a", chromedp.ByQuery),
		chromedp.WaitVisible(row, chromedp.ByQuery),
		chromedp.SetValue(row+" input[name=percent]", "50", chromedp.ByQuery),
		chromedp.SetValue(row+" input[name=text]", "Đã rà soát một nửa số hồ sơ", chromedp.ByQuery),
		chromedp.Click(row+" .progress-form button", chromedp.ByQuery),
		// The plan's page again, after the report (the page before it
		// already had the progress table).
		chromedp.WaitVisible("#flash-ok", chromedp.ByID),
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
		browsertest.Replaced("#report-form", "#directive-state"),
		chromedp.Text("#directive-state", &state, chromedp.ByID),
	)
	if !strings.Contains(state, "Đã báo cáo") {
		t.Fatalf("state after the report: %q", state)
	}
	signInAs(t, ctx, base, "chairman", true)
	var itemState string
	step("accept",
		chromedp.Navigate(base+"/directives/"+itemID),
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
		chromedp.Navigate(base+"/plans/"+planID),
		chromedp.WaitVisible(row, chromedp.ByQuery),
		chromedp.Text(row+" .item-progress", &progress, chromedp.ByQuery),
		chromedp.Text(row+" .item-state", &itemState, chromedp.ByQuery),
		chromedp.Text("#unit-progress-tnmt", &unitRow, chromedp.ByID),
	)
	if strings.TrimSpace(progress) != "100%" || !strings.Contains(itemState, "Đã chấp nhận") || !strings.Contains(unitRow, "100%") {
		t.Fatalf("after acceptance: item %q %q, unit %q", progress, itemState, unitRow)
	}
}

// writeTestPDF writes a minimal PDF file named name in dir.
func writeTestPDF(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Issue 13's whole story, on Thursday 26/11/2026 10:00: the desk officer
// receives a land dossier for tnmt by post (the result to go back by post),
// prints the receipt and hands the dossier over; tnmt processes it and hands
// the result back; the desk returns it by post. A citizen, signed out, looks
// the status up with the number and the code printed on the receipt; the
// notice-board kiosk shows the land procedures; the coordinator's index
// page shows the land office's progress points (20.00: its one dossier
// returned early); an item of the improvement plan is reported 50 %, then
// completed and accepted.
func TestBrowserOneStopOfficeStory(t *testing.T) {
	env := apptest.New(t, apptest.WithClock(procNow), apptest.WithConfig(func(c *config.Config) {
		c.KioskSeconds, c.OfficeNameVI = 5, "UBND huyện Châu Thành"
	}))
	co := env.As("coordinator")
	land := landPublic("BM-1", "BM-2", "")
	land["code"] = "DD-01"
	co.Do("POST", "/api/v1/services", land).MustStatus(http.StatusCreated)
	co.Do("POST", "/api/v1/services", map[string]any{"code": "HT-01", "name_vi": "Đăng ký khai sinh", "field": "civil_status", "unit": "noivu", "days": 1}).MustStatus(http.StatusCreated)
	var plan, item struct{ ID string }
	co.Do("POST", "/api/v1/plans", map[string]any{"year": 2026, "decision_number": "123/KH-UBND",
		"title": "Kế hoạch cải thiện Chỉ số CCHC năm 2026"}).MustStatus(http.StatusCreated).Decode(&plan)
	co.Do("POST", "/api/v1/plans/"+plan.ID+"/items", map[string]any{"task": "Giải quyết hồ sơ đất đai đúng hạn", "criterion": "P1",
		"unit": "tnmt", "support_units": []string{"motcua"}, "due_on": "2026-12-15", "expected_output": "95 % đúng hạn"}).MustStatus(http.StatusCreated).Decode(&item)

	ctx := browsertest.New(t, 5*time.Minute)
	step := browserSteps(t, ctx, "story")

	// The desk receives by post and prints the receipt.
	signInAs(t, ctx, env.URL, "staff.motcua", false)
	var link string
	step("receive",
		browsertest.NavigateAction(env.URL+"/desk"),
		chromedp.WaitVisible("#receive-form", chromedp.ByID),
		chromedp.SendKeys("#service-search", "bien dong dat", chromedp.ByID),
		chromedp.SetValue("#channel", "postal", chromedp.ByID),
		chromedp.SetValue("#return-channel", "postal", chromedp.ByID),
		chromedp.Click("#receive-submit", chromedp.ByID),
		chromedp.WaitVisible("#print-receipt", chromedp.ByID),
		chromedp.AttributeValue("#print-receipt", "href", &link, nil, chromedp.ByID),
	)
	number := strings.TrimSuffix(strings.TrimPrefix(link, "/api/v1/dossiers/"), "/receipt.pdf")
	desk := env.As("staff.motcua")
	receipt := pdfText(t, desk.Do("GET", link, nil).MustStatus(http.StatusOK).Body)
	code := regexp.MustCompile(`Mã tra cứu\s+([A-Z0-9]{8})`).FindStringSubmatch(receipt)
	if !strings.Contains(receipt, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ") || !strings.Contains(receipt, number) ||
		!strings.Contains(receipt, "10:00 10/12/2026") || !strings.Contains(receipt, "Qua bưu chính công ích") || code == nil {
		t.Fatalf("printed receipt:\n%s", receipt)
	}
	if d := getDossier(t, desk, number); d.Unit != "tnmt" || d.Channel != "postal" || d.ReceivingUnit != "motcua" {
		t.Fatalf("received: %+v", d)
	}
	step("handover",
		chromedp.Click("#handover-"+number, chromedp.ByID),
		chromedp.WaitNotPresent("#handover-"+number, chromedp.ByID),
		chromedp.WaitVisible("#flash-ok", chromedp.ByID),
	)

	// tnmt processes it and hands the result back to the desk.
	signInAs(t, ctx, env.URL, "staff.tnmt", true)
	step("process",
		browsertest.NavigateAction(env.URL+"/dossiers/"+number),
		chromedp.WaitVisible("#event-form", chromedp.ByID),
		chromedp.SetValue(`#event-form select[name="type"]`, "handed_over", chromedp.ByQuery),
		chromedp.SendKeys(`#event-form input[name="at"]`, "26/11/2026 10:00", chromedp.ByQuery),
		chromedp.SendKeys(`#event-form input[name="to_unit"]`, "motcua", chromedp.ByQuery),
		chromedp.Click(`#event-form button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#flash-ok", chromedp.ByID),
	)

	// The desk returns the result by post.
	signInAs(t, ctx, env.URL, "staff.motcua", true)
	var journey string
	step("return",
		browsertest.NavigateAction(env.URL+"/desk"),
		chromedp.WaitVisible("#return-"+number, chromedp.ByID),
		chromedp.SetValue(`#return-`+number+` select[name="return_channel"]`, "postal", chromedp.ByQuery),
		chromedp.Click(`#return-`+number+` button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitNotPresent("#return-"+number, chromedp.ByID),
		chromedp.WaitVisible("#flash-ok", chromedp.ByID),
		browsertest.NavigateAction(env.URL+"/dossiers/"+number),
		chromedp.Text("#journey-receiving", &journey, chromedp.ByID),
	)
	if d := getDossier(t, desk, number); d.Status != "returned" || d.Result != "granted" || d.ReturnChannel != "postal" || d.Outcome != "early" {
		t.Fatalf("returned: %+v", d)
	}
	if !strings.Contains(journey, "staff.motcua · 26/11/2026 10:00") {
		t.Fatalf("the journey's receipt: %q", journey)
	}

	// A citizen looks the status up with the code printed on the receipt.
	if err := browsertest.Logout(ctx, env.URL); err != nil {
		t.Fatal(err)
	}
	var status, steps string
	step("lookup",
		browsertest.NavigateAction(env.URL+"/public"),
		chromedp.Click("#pub-lookup-link", chromedp.ByID),
		chromedp.WaitVisible("#lookup-form", chromedp.ByID),
		chromedp.SendKeys("#lookup-number", number, chromedp.ByID),
		chromedp.SendKeys("#lookup-code", strings.ToLower(code[1]), chromedp.ByID),
		chromedp.Submit("#lookup-form", chromedp.ByID),
		chromedp.WaitVisible("#lookup-result", chromedp.ByID),
		chromedp.Text("#lookup-status", &status, chromedp.ByID),
		chromedp.Text("#lookup-steps", &steps, chromedp.ByID),
	)
	if !strings.Contains(status, "Đã trả kết quả") || !strings.Contains(steps, "Tiếp nhận") || !strings.Contains(steps, "Phê duyệt") {
		t.Fatalf("lookup: %q / %q", status, steps)
	}

	// The notice-board kiosk turns to the land procedures.
	var field, names string
	step("kiosk",
		browsertest.NavigateAction(env.URL+"/public/kiosk"),
		chromedp.WaitVisible(`#kiosk-field[data-field="land"]`, chromedp.ByQuery),
		chromedp.AttributeValue("#kiosk-field", "data-field", &field, nil, chromedp.ByID),
		chromedp.Text("#kiosk-services", &names, chromedp.ByID),
	)
	if field != "land" || !strings.Contains(names, "Đăng ký biến động đất đai") || !strings.Contains(names, "10 ngày làm việc") {
		t.Fatalf("kiosk: %q: %q", field, names)
	}

	// The index page shows the land office's progress points.
	signInAs(t, ctx, env.URL, "coordinator", false)
	var progress string
	step("index",
		chromedp.Navigate(env.URL+"/index766?unit=tnmt"),
		chromedp.WaitVisible("#idx-unit-tnmt", chromedp.ByID),
		chromedp.Text("#idx-unit-tnmt .progress-points", &progress, chromedp.ByQuery),
	)
	if strings.TrimSpace(progress) != "20.00" {
		t.Fatalf("the land office's progress points: %q, want 20.00 (one dossier, returned early)", progress)
	}
	if err := browsertest.Logout(ctx, env.URL); err != nil {
		t.Fatal(err)
	}

	// The plan's item: 50 %, then completed and accepted.
	browserPlanItemToAccepted(t, ctx, env.URL, plan.ID, item.ID, writeTestPDF(t, t.TempDir(), "bao-cao-hoan-thanh.pdf"))
}
