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

// The leadership's year in one office, on its pages: the land service
// returned its dossiers late in August, September and October; the
// coordinator prepares the yearly management review and writes its
// sections; the chairman records two decisions, a directive to the land
// office (found on the directive's page) and a change of the land
// objective's target from 90 to 95, and closes the review; the coordinator
// adds the risk the late-dossier trend suggests, adds the birth
// registration to the scope and drafts the announcement again, which the
// chairman signs from his home page and the public page then lists; and a
// new decree linked to the land procedure opens its revision task.
func TestBrowserLeadershipYearStory(t *testing.T) {
	env, co := procSetup(t)
	csv := "number,service,channel,received_at,returned_at,result,reason\n" +
		"RK-08A,DD-01,online,03/08/2026 09:00,28/08/2026 10:00,granted,\n" +
		"RK-08B,DD-01,in_person,04/08/2026 09:00,28/08/2026 11:00,granted,\n" +
		"RK-09A,DD-01,online,01/09/2026 09:00,28/09/2026 10:00,granted,\n" +
		"RK-09B,DD-01,online,03/09/2026 09:00,29/09/2026 10:00,granted,\n" +
		"RK-10A,DD-01,online,01/10/2026 09:00,28/10/2026 10:00,granted,\n" +
		"RK-10B,DD-01,postal,02/10/2026 09:00,29/10/2026 10:00,granted,\n"
	req, _ := http.NewRequest("POST", env.URL+"/api/v1/dossiers/import?filename=tre-han.csv", strings.NewReader(csv))
	req.Header.Set("Content-Type", "text/csv")
	var imp struct{ Inserted int }
	co.Send(req).MustStatus(http.StatusOK).Decode(&imp)
	if imp.Inserted != 6 {
		t.Fatalf("imported %d dossiers", imp.Inserted)
	}
	var objective struct{ ID string }
	co.Do("POST", "/api/v1/objectives", map[string]any{"title": "Đăng ký đất đai đúng hạn 90 %", "kpi": "on_time_rate", "target": 90,
		"period_from": "2026-01-01", "period_to": "2026-12-31", "unit": "tnmt", "service": "DD-01"}).MustStatus(http.StatusCreated).Decode(&objective)
	co.Do("PUT", "/api/v1/scope", scopeBody(0, "DD-01")).MustStatus(http.StatusOK)
	co.Do("POST", "/api/v1/scope/announcement", map[string]any{"place": "Châu Thành"}).MustStatus(http.StatusCreated)
	env.As("chairman").Do("POST", "/api/v1/scope/announcement/sign", map[string]string{"password": apptest.Password}).MustStatus(http.StatusOK)
	f := env.Fixtures()
	landDoc, _ := f.EffectiveDocument(t, "tnmt")
	var doc struct{ Code string }
	co.Do("GET", "/api/v1/documents/"+landDoc, nil).MustStatus(http.StatusOK).Decode(&doc)

	ctx := browsertest.New(t, 6*time.Minute)
	step := func(name string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			browsertest.Screenshot(ctx, "story-"+name)
			t.Fatalf("%s: %v", name, err)
		}
	}
	as := func(login string) {
		t.Helper()
		if err := browsertest.Logout(ctx, env.URL); err != nil {
			t.Fatal(err)
		}
		if login != "" {
			if err := browsertest.Login(ctx, env.URL, login, apptest.Password); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := browsertest.Login(ctx, env.URL, "coordinator", apptest.Password); err != nil {
		t.Fatal(err)
	}

	// The coordinator prepares the yearly review.
	var received string
	step("prepare review",
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
		chromedp.Text("#section-process_performance", &received, chromedp.ByID),
		chromedp.SetValue("#body-resources", "Bộ phận Một cửa cần thêm một công chức.", chromedp.ByID),
		chromedp.Click("#save-resources", chromedp.ByID),
		chromedp.WaitVisible("#section-resources .review-body", chromedp.ByQuery),
		chromedp.WaitVisible("#body-improvement", chromedp.ByID),
		chromedp.SetValue("#body-improvement", "Số hóa hồ sơ đất đai.", chromedp.ByID),
		chromedp.Click("#save-improvement", chromedp.ByID),
		chromedp.WaitVisible("#section-improvement .review-body", chromedp.ByQuery),
	)
	if !strings.Contains(received, "Số hồ sơ tiếp nhận: 6") {
		t.Fatalf("the review's performance section: %q", received)
	}

	// The chairman records two decisions and closes the review.
	as("chairman")
	var row1, row2, state, directive string
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
		chromedp.SetValue("#decision-kind", "objective", chromedp.ByID),
		chromedp.SetValue("#decision-title", "Nâng chỉ tiêu đúng hạn đất đai lên 95%", chromedp.ByID),
		chromedp.SetValue("#decision-objective", objective.ID, chromedp.ByID),
		chromedp.SetValue("#decision-new-target", "95", chromedp.ByID),
		chromedp.Click("#decision-save", chromedp.ByID),
		chromedp.WaitVisible("#decision-2", chromedp.ByID),
		chromedp.Text("#decision-1", &row1, chromedp.ByID),
		chromedp.Text("#decision-2", &row2, chromedp.ByID),
		chromedp.Click("#review-close", chromedp.ByID),
		chromedp.WaitVisible("#review-record", chromedp.ByID),
		chromedp.Text("#review-state", &state, chromedp.ByID),
		chromedp.Click("#decision-1 a", chromedp.ByQuery),
		chromedp.WaitVisible("#directive-state", chromedp.ByID),
		chromedp.Text("main", &directive, chromedp.ByQuery),
	)
	browsertest.Screenshot(ctx, "story-directive")
	if !strings.Contains(row1, "Giao nhiệm vụ cho đơn vị") || !strings.Contains(row1, "Phòng Tài nguyên") || !strings.Contains(row1, "31/12/2026") ||
		!strings.Contains(row2, "Điều chỉnh mục tiêu chất lượng") || !strings.Contains(row2, "chỉ tiêu 90 → 95") || !strings.Contains(row2, "Đã hoàn thành") ||
		!strings.Contains(state, "Đã kết thúc") {
		t.Fatalf("decisions %q / %q, state %q", row1, row2, state)
	}
	if !strings.Contains(directive, "Rà soát, khắc phục hồ sơ đất đai trễ hạn") || !strings.Contains(directive, "Phòng Tài nguyên và Môi trường") ||
		!strings.Contains(directive, "31/12/2026") {
		t.Fatalf("the directive's page: %q", directive)
	}

	// The coordinator adds the risk the late-dossier trend suggests.
	as("coordinator")
	var streak, trend string
	step("risk",
		chromedp.Navigate(env.URL+"/risks"),
		chromedp.WaitVisible("#suggestions .suggestion", chromedp.ByQuery),
		chromedp.Text("#suggestions .suggestion", &streak, chromedp.ByQuery),
		chromedp.Click("#suggestions .accept-suggestion", chromedp.ByQuery),
		chromedp.WaitVisible("#suggestion-trend", chromedp.ByID),
		chromedp.SetValue("#risk-cause", "Thiếu cán bộ thẩm định hồ sơ đất đai", chromedp.ByID),
		chromedp.Click("#risk-save", chromedp.ByID),
		chromedp.WaitVisible("#risk-trend", chromedp.ByID),
		chromedp.Text("#risk-trend", &trend, chromedp.ByID),
		chromedp.Navigate(env.URL+"/risks"),
		chromedp.WaitVisible("#no-suggestions", chromedp.ByID),
	)
	if !strings.Contains(streak, "Đăng ký biến động đất đai") || !strings.Contains(trend, "08/2026") || !strings.Contains(trend, "10/2026") {
		t.Fatalf("suggestion %q, the risk's trend %q", streak, trend)
	}

	// The scope gains the birth registration; the announcement is drafted again.
	var outdated string
	step("scope",
		chromedp.Navigate(env.URL+"/scope"),
		chromedp.WaitVisible("#scope-form", chromedp.ByID),
		chromedp.Click(`#scope-form input[name=services][value="HT-01"]`, chromedp.ByQuery),
		chromedp.Click("#scope-save", chromedp.ByID),
		chromedp.WaitVisible("#ann-outdated", chromedp.ByID),
		chromedp.Text("#ann-outdated", &outdated, chromedp.ByID),
		chromedp.SetValue("#ann-place", "Châu Thành", chromedp.ByID),
		chromedp.Click("#ann-draft-submit", chromedp.ByID),
		chromedp.WaitVisible("#ann-draft", chromedp.ByID),
	)
	if !strings.Contains(outdated, "HT-01") {
		t.Fatalf("the outdated announcement: %q", outdated)
	}
	as("chairman")
	var effective string
	step("sign",
		chromedp.Navigate(env.URL+"/"),
		chromedp.WaitVisible(`a[href="/scope#announcement"]`, chromedp.ByQuery),
		chromedp.Click(`a[href="/scope#announcement"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#ann-sign-form", chromedp.ByID),
		chromedp.SetValue("#ann-password", apptest.Password, chromedp.ByID),
		chromedp.Click("#ann-sign", chromedp.ByID),
		chromedp.WaitVisible("#ann-effective", chromedp.ByID),
		chromedp.Text("#ann-effective", &effective, chromedp.ByID),
	)
	if !strings.Contains(effective, "Chủ tịch UBND") {
		t.Fatalf("the signed announcement: %q", effective)
	}
	as("")
	var listed string
	step("public",
		chromedp.Navigate(env.URL+"/public"),
		chromedp.WaitVisible("#pub-announcement-link", chromedp.ByID),
		chromedp.Click("#pub-announcement-link", chromedp.ByID),
		chromedp.WaitVisible("#pub-ann-services", chromedp.ByID),
		chromedp.Text("#pub-ann-services", &listed, chromedp.ByID),
	)
	if !strings.Contains(listed, "Đăng ký khai sinh") || !strings.Contains(listed, "Đăng ký biến động đất đai") {
		t.Fatalf("the public announcement lists %q", listed)
	}

	// A new decree linked to the land procedure opens its revision task.
	if err := browsertest.Login(ctx, env.URL, "coordinator", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var tasks string
	step("decree",
		chromedp.Navigate(env.URL+"/legal-bases"),
		chromedp.WaitVisible("#legal-form", chromedp.ByID),
		chromedp.SetValue(`#legal-form input[name=number]`, "309/2026/NĐ-CP", chromedp.ByQuery),
		chromedp.SetValue(`#legal-form select[name=kind]`, "decree", chromedp.ByQuery),
		chromedp.SetValue(`#legal-form input[name=issuer]`, "Chính phủ", chromedp.ByQuery),
		chromedp.SetValue(`#legal-form input[name=title]`, "Nghị định sửa đổi, bổ sung Nghị định 118/2025/NĐ-CP", chromedp.ByQuery),
		chromedp.SetValue(`#legal-form input[name=issued_on]`, "2026-11-10", chromedp.ByQuery),
		chromedp.SetValue(`#legal-form input[name=effective_on]`, "2026-12-01", chromedp.ByQuery),
		chromedp.SetValue(`#legal-form select[name=services]`, "DD-01", chromedp.ByQuery),
		chromedp.SetValue(`#legal-documents`, landDoc, chromedp.ByID),
		chromedp.Click("#legal-form button[type=submit]", chromedp.ByQuery),
		chromedp.WaitVisible("#legal-basis", chromedp.ByID),
		chromedp.Text(".revision-tasks tbody", &tasks, chromedp.ByQuery),
	)
	browsertest.Screenshot(ctx, "story-decree")
	for _, want := range []string{doc.Code, "Phòng Tài nguyên và Môi trường", "309/2026/NĐ-CP", "01/03/2027"} {
		if !strings.Contains(tasks, want) {
			t.Fatalf("the decree's revision tasks %q lack %q", tasks, want)
		}
	}
}
