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

// The scenario: the coordinator imports dossiers including late
// land-office dossiers -> nonconformities appear for them -> the chairman's
// meeting assigns a directive to the land office -> its head reports back
// with evidence -> the chairman accepts -> the dashboard shows the on-time
// rate per unit and the objective's progress.
func TestBrowserDossiersToDirectiveToDashboard(t *testing.T) {
	env, co := procSetup(t)
	co.Do("POST", "/api/v1/objectives", map[string]any{"title": "98% hồ sơ đất đai đúng hạn", "kpi": "on_time_rate", "target": 98,
		"period_from": "2026-01-01", "period_to": "2026-12-31", "unit": "tnmt"}).MustStatus(http.StatusCreated)
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "ho-so-thang-11.csv")
	csv := "Số hồ sơ;Mã thủ tục;Hình thức;Ngày tiếp nhận;Ngày trả kết quả;Kết quả;Lý do\n" +
		"L-001;DD-01;trực tuyến;02/11/2026 09:00;10/11/2026 10:00;granted;\n" +
		"L-002;DD-01;trực tiếp;02/11/2026 09:00;20/11/2026 10:00;granted;\n" +
		"L-003;DD-01;bưu chính;03/11/2026 18:30;;;\n" +
		"L-004;DD-01;trực tuyến;04/11/2026 08:00;12/11/2026 09:00;granted;\n" +
		"H-001;HT-01;trực tuyến;23/11/2026 08:00;23/11/2026 16:00;granted;\n" +
		"L-002;DD-01;trực tuyến;02/11/2026 09:00;;;\n"
	evidence := filepath.Join(dir, "bao-cao-ra-soat.pdf")
	minutes := filepath.Join(dir, "bien-ban-hop.pdf")
	if err := os.WriteFile(csvPath, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{evidence, minutes} {
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
			browsertest.Screenshot(ctx, "process-"+name)
			t.Fatalf("%s: %v", name, err)
		}
	}

	// 1. The coordinator imports the CSV.
	if err := browsertest.Login(ctx, env.URL, "coordinator", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var report, late string
	step("import",
		chromedp.Navigate(env.URL+"/dossiers/import"),
		chromedp.WaitVisible("#import-form", chromedp.ByID),
		chromedp.SetUploadFiles("#import-file", []string{csvPath}, chromedp.ByID),
		chromedp.Click("#import-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#import-report", chromedp.ByID),
		chromedp.Text("#import-report", &report, chromedp.ByID),
		chromedp.Text("#import-late", &late, chromedp.ByID),
	)
	if !strings.Contains(report, "5 thêm mới") || !strings.Contains(report, "1 bị từ chối") || !strings.Contains(late, "2 điểm không phù hợp") {
		t.Fatalf("import report: %q / %q", report, late)
	}
	// 2. Nonconformities appear for the late land-office dossiers.
	var raised string
	step("late",
		chromedp.Navigate(env.URL+"/late-dossiers"),
		chromedp.WaitVisible("#raised", chromedp.ByID),
		chromedp.Text("#raised", &raised, chromedp.ByID),
	)
	if !strings.Contains(raised, "L-002") || !strings.Contains(raised, "L-003") || strings.Count(raised, "NC-2026-") != 2 {
		t.Fatalf("raised: %q", raised)
	}
	var ncPage, ncHref string
	var found bool
	step("nc link", chromedp.AttributeValue("#raised-L-002 a.nc-link", "href", &ncHref, &found, chromedp.ByQuery))
	step("nc",
		chromedp.Navigate(env.URL+ncHref),
		chromedp.WaitVisible("main", chromedp.ByQuery),
		chromedp.Text("main", &ncPage, chromedp.ByQuery),
	)
	if !strings.Contains(ncPage, "L-002") {
		t.Fatalf("the NC page does not name the dossier: %q", ncPage)
	}
	if err := browsertest.Logout(ctx, env.URL); err != nil {
		t.Fatal(err)
	}

	// 3. The chairman's meeting assigns a directive to the land office.
	if err := browsertest.Login(ctx, env.URL, "chairman", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var meetingURL string
	step("meeting",
		chromedp.Navigate(env.URL+"/meetings"),
		chromedp.WaitVisible("#meeting-form", chromedp.ByID),
		chromedp.SetValue("#meeting-form input[name=chair]", "Chủ tịch UBND huyện", chromedp.ByQuery),
		chromedp.SetValue("#meeting-form input[name=title]", "Kiểm tra tiến độ cải thiện Chỉ số CCHC", chromedp.ByQuery),
		chromedp.SetValue("#meeting-form textarea[name=participants]", "Phòng Nội vụ, Phòng TN&MT, Bưu điện huyện", chromedp.ByQuery),
		chromedp.SetValue("#meeting-unit", "vp", chromedp.ByID),
		chromedp.SetUploadFiles("#meeting-minutes", []string{minutes}, chromedp.ByID),
		chromedp.Click("#meeting-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#directive-form", chromedp.ByID),
		chromedp.WaitVisible("#minutes-record", chromedp.ByID),
		chromedp.Location(&meetingURL),
		chromedp.SetValue("#directive-unit", "tnmt", chromedp.ByID),
		chromedp.SetValue("#directive-due", "2026-12-10", chromedp.ByID),
		chromedp.SetValue("#directive-title", "Rà soát hồ sơ đất đai trễ hạn, chấn chỉnh và báo cáo", chromedp.ByID),
		chromedp.Click("#directive-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#meeting-directives a", chromedp.ByQuery),
	)
	var directiveHref string
	var ok bool
	step("directive link", chromedp.AttributeValue("#meeting-directives a", "href", &directiveHref, &ok, chromedp.ByQuery))
	if !ok || !strings.HasPrefix(directiveHref, "/directives/") {
		t.Fatalf("directive link %q", directiveHref)
	}
	if err := browsertest.Logout(ctx, env.URL); err != nil {
		t.Fatal(err)
	}

	// 4. The land office's head sees it on the home page and reports back with evidence.
	if err := browsertest.Login(ctx, env.URL, "head.tnmt", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var tasks, state string
	step("head tasks", chromedp.Text("#tasks", &tasks, chromedp.ByID))
	if !strings.Contains(tasks, "Rà soát hồ sơ đất đai trễ hạn") || !strings.Contains(tasks, "98% hồ sơ đất đai đúng hạn") {
		t.Fatalf("head's tasks: %q", tasks)
	}
	step("report",
		chromedp.Navigate(env.URL+directiveHref),
		chromedp.WaitVisible("#report-form", chromedp.ByID),
		chromedp.SetValue("#report-text", "Đã rà soát 2 hồ sơ trễ hạn, nhắc nhở công chức thụ lý, cập nhật quy trình.", chromedp.ByID),
		chromedp.SetUploadFiles("#report-files", []string{evidence}, chromedp.ByID),
		chromedp.Click("#report-form button[type=submit]", chromedp.ByQuery),
		browsertest.Replaced("#report-form", "#directive-state"),
		chromedp.Text("#directive-state", &state, chromedp.ByID),
	)
	if !strings.Contains(state, "Đã báo cáo") {
		t.Fatalf("state after report: %q", state)
	}
	if err := browsertest.Logout(ctx, env.URL); err != nil {
		t.Fatal(err)
	}

	// 5. The chairman accepts.
	if err := browsertest.Login(ctx, env.URL, "chairman", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var evidenceLinks string
	step("accept",
		chromedp.Navigate(env.URL+directiveHref),
		chromedp.WaitVisible("#decide-form", chromedp.ByID),
		chromedp.Text("article.report", &evidenceLinks, chromedp.ByQuery),
		chromedp.Click("#accept", chromedp.ByID),
		browsertest.Replaced("#decide-form", "#directive-state"),
		chromedp.Text("#directive-state", &state, chromedp.ByID),
	)
	if !strings.Contains(evidenceLinks, "bao-cao-ra-soat.pdf") || !strings.Contains(state, "Đã chấp nhận") {
		t.Fatalf("after accept: %q / %q", evidenceLinks, state)
	}

	// 6. The dashboard: on-time rate per unit and the objective's progress.
	var unitRow, objective, accepted string
	step("dashboard",
		chromedp.Navigate(env.URL+"/dashboard?from=2026-01-01&to=2026-12-31"),
		chromedp.WaitVisible("#unit-table", chromedp.ByID),
		chromedp.Text("#unit-tnmt", &unitRow, chromedp.ByID),
		chromedp.Text("#objectives", &objective, chromedp.ByID),
		chromedp.Text("#dstate-accepted", &accepted, chromedp.ByID),
		chromedp.WaitVisible("#trend-chart", chromedp.ByID),
	)
	browsertest.Screenshot(ctx, "process-dashboard")
	// The dossier page: its clock, the late outcome, its nonconformity and events.
	var clock, lateNC, events string
	step("dossier page",
		chromedp.Navigate(env.URL+"/dossiers/L-002"),
		chromedp.WaitVisible("#clock", chromedp.ByID),
		chromedp.Text("#clock", &clock, chromedp.ByID),
		chromedp.Text("#late-nc", &lateNC, chromedp.ByID),
		chromedp.Text("#events", &events, chromedp.ByID),
	)
	browsertest.Screenshot(ctx, "process-dossier")
	if !strings.Contains(clock, "16/11/2026 09:00") || !strings.Contains(clock, "Trễ hạn") || !strings.Contains(lateNC, "NC-2026-") || !strings.Contains(events, "Trả kết quả") {
		t.Fatalf("dossier page: clock %q nc %q events %q", clock, lateNC, events)
	}
	// tnmt: 4 land dossiers received, 3 returned (L-001 early, L-002 late, L-004 early): 66,67% (the Vietnamese decimal comma).
	if !strings.Contains(unitRow, "66,67%") || !strings.Contains(objective, "98% hồ sơ đất đai đúng hạn") || !strings.Contains(objective, "66,67") ||
		!strings.Contains(objective, "Chưa đạt") || strings.TrimSpace(accepted) != "1" {
		t.Fatalf("dashboard: unit %q objective %q accepted %q", unitRow, objective, accepted)
	}
}
