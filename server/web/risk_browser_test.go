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

// The register's main path: the land service returned its dossiers late
// in August, September and October (below its 90 % on-time objective
// three months running); on 26/11 the coordinator finds the suggested
// risk on the risks page, opens it pre-filled from the trend, adds a
// cause and saves it; the risk's page names the trend, and the heat map
// counts it at likelihood 4, impact 3; the suggestion is gone.
func TestBrowserRiskFromLateDossierSuggestion(t *testing.T) {
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
	co.Do("POST", "/api/v1/objectives", map[string]any{"title": "Đăng ký đất đai đúng hạn 90 %", "kpi": "on_time_rate", "target": 90,
		"period_from": "2026-01-01", "period_to": "2026-12-31", "unit": "tnmt", "service": "DD-01"}).MustStatus(http.StatusCreated)

	ctx := browsertest.New(t, 3*time.Minute)
	step := func(name string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			browsertest.Screenshot(ctx, "risk-"+name)
			t.Fatalf("%s: %v", name, err)
		}
	}
	if err := browsertest.Login(ctx, env.URL, "coordinator", apptest.Password); err != nil {
		t.Fatal(err)
	}
	cell := `#risk-heat g[data-likelihood="4"][data-impact="3"]`
	var before, streak, title string
	var ok bool
	step("suggestion",
		chromedp.Navigate(env.URL+"/risks"),
		chromedp.WaitVisible("#suggestions .suggestion", chromedp.ByQuery),
		chromedp.Text("#suggestions .suggestion", &streak, chromedp.ByQuery),
		chromedp.AttributeValue(cell, "data-count", &before, &ok, chromedp.ByQuery),
	)
	if before != "0" || !strings.Contains(streak, "08/2026") || !strings.Contains(streak, "10/2026") || !strings.Contains(streak, "Đăng ký biến động đất đai") {
		t.Fatalf("before: cell %q, suggestion %q", before, streak)
	}
	step("accept",
		chromedp.Click("#suggestions .accept-suggestion", chromedp.ByQuery),
		chromedp.WaitVisible("#suggestion-trend", chromedp.ByID),
		chromedp.Value("#risk-title", &title, chromedp.ByID),
		chromedp.SetValue("#risk-cause", "Thiếu cán bộ thẩm định hồ sơ đất đai", chromedp.ByID),
		chromedp.Click("#risk-save", chromedp.ByID),
		chromedp.WaitVisible("#risk-trend", chromedp.ByID),
	)
	browsertest.Screenshot(ctx, "risk-page")
	if title != "Đăng ký biến động đất đai" {
		t.Errorf("pre-filled title %q", title)
	}
	var name, trend, inherent string
	step("risk page",
		chromedp.Text("#risk-name", &name, chromedp.ByID),
		chromedp.Text("#risk-trend", &trend, chromedp.ByID),
		chromedp.Text("#risk-inherent", &inherent, chromedp.ByID),
	)
	if name != title || !strings.Contains(trend, "08/2026") || !strings.Contains(trend, "10/2026") || inherent != "12" {
		t.Errorf("risk page: %q, %q, inherent %q", name, trend, inherent)
	}
	var after, label string
	step("heat map",
		chromedp.Navigate(env.URL+"/risks"),
		chromedp.WaitVisible("#no-suggestions", chromedp.ByID),
		chromedp.AttributeValue(cell, "data-count", &after, &ok, chromedp.ByQuery),
		chromedp.AttributeValue(cell, "aria-label", &label, &ok, chromedp.ByQuery),
	)
	browsertest.Screenshot(ctx, "risk-register")
	if after != "1" || !strings.Contains(label, "1 rủi ro") {
		t.Errorf("heat map cell 4 × 3: count %q, label %q", after, label)
	}
	var risks struct {
		Items []struct {
			ProcessCode string `json:"process_code"`
			Cause       string
			Trend       *struct{ From, To string }
		}
	}
	co.Do("GET", "/api/v1/risks", nil).MustStatus(http.StatusOK).Decode(&risks)
	if len(risks.Items) != 1 || risks.Items[0].ProcessCode != "DD-01" || risks.Items[0].Trend == nil || risks.Items[0].Trend.From != "2026-08" ||
		risks.Items[0].Cause != "Thiếu cán bộ thẩm định hồ sơ đất đai" {
		t.Errorf("the register: %+v", risks)
	}
}
