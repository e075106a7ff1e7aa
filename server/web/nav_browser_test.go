//go:build browser

package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/browsertest"
)

// TestBrowserGroupedNavigationAndPhoneMenu: the coordinator's navigation is
// grouped by work (the desk's dossiers under Một cửa, the figures and plans
// together...); at 1280 px the groups are in one line and a group opens on
// a click; on a 390 px phone the menu is one toggle and the links appear
// only once it is opened.
func TestBrowserGroupedNavigationAndPhoneMenu(t *testing.T) {
	env := apptest.New(t)
	ctx := browsertest.New(t, 2*time.Minute)
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	if err := browsertest.Login(ctx, env.URL, "coordinator", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var groups string
	var navHeight, pageWidth float64
	var plansVisible bool
	if err := chromedp.Run(ctx,
		chromedp.Text("#nav-groups", &groups, chromedp.ByID),
		chromedp.Evaluate(`document.getElementById('site-nav').getBoundingClientRect().height`, &navHeight),
		chromedp.Evaluate(`document.documentElement.scrollWidth`, &pageWidth),
		chromedp.Evaluate(`[...document.querySelectorAll('#nav-groups summary')].find(s => s.textContent.includes('Chỉ số')).click()`, nil),
		chromedp.Evaluate(`(() => { const a = document.querySelector('a[data-nav="/plans"]'); return !!a && a.getBoundingClientRect().height > 0 })()`, &plansVisible),
	); err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"Một cửa", "Chỉ số & kế hoạch", "Tài liệu ISO", "Hồ sơ lưu", "Khắc phục", "Đánh giá", "Lãnh đạo", "Quản trị"} {
		if !strings.Contains(groups, g) {
			t.Errorf("the navigation lacks the group %q: %q", g, groups)
		}
	}
	browsertest.Screenshot(ctx, "nav-1280")
	if pageWidth > 1280 {
		t.Errorf("at 1280 px the page is %.0f px wide: the navigation overflows", pageWidth)
	}
	if navHeight > 100 {
		t.Errorf("at 1280 px the navigation is %.0f px high: it wraps", navHeight)
	}
	if !plansVisible {
		t.Error("clicking the group does not show its pages")
	}

	var before, after bool
	if err := chromedp.Run(ctx,
		chromedp.EmulateViewport(390, 800),
		chromedp.Navigate(env.URL+"/"),
		chromedp.WaitVisible("label.nav-toggle", chromedp.ByQuery),
		chromedp.Evaluate(`(() => { const a = document.querySelector('a[data-nav="/documents"]'); return !!a && a.getBoundingClientRect().height > 0 })()`, &before),
		chromedp.Click("label.nav-toggle", chromedp.ByQuery),
		chromedp.Evaluate(`(() => { const a = document.querySelector('a[data-nav="/documents"]'); return !!a && a.getBoundingClientRect().height > 0 })()`, &after),
	); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(ctx, "nav-390")
	if before || !after {
		t.Errorf("phone menu: documents link visible before opening %v, after %v; want hidden then shown", before, after)
	}
}
