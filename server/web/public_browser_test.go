//go:build browser

package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/browsertest"
)

// A citizen opens the public page, finds the land procedure without
// accents, goes to the status lookup and reads their dossier's status with
// the code of the receipt; the notice-board kiosk turns by itself to the
// land procedures, and the browser holds no cookie of the site.
func TestBrowserPublicLookupAndKiosk(t *testing.T) {
	env := apptest.New(t, apptest.WithClock(procNow), apptest.WithConfig(func(c *config.Config) {
		c.KioskSeconds, c.OfficeNameVI = 5, "UBND huyện Châu Thành"
	}))
	co := env.As("coordinator")
	m := landPublic("BM-1", "BM-2", "")
	m["code"] = "DD-01"
	co.Do("POST", "/api/v1/services", m).MustStatus(http.StatusCreated)
	co.Do("POST", "/api/v1/services", map[string]any{"code": "HT-01", "name_vi": "Đăng ký khai sinh", "field": "civil_status", "unit": "noivu", "days": 1}).MustStatus(http.StatusCreated)
	env.As("staff.tnmt").Do("POST", "/api/v1/dossiers", map[string]any{"number": "000.00.01.H01-261125-0007", "service": "DD-01", "channel": "in_person",
		"received_at": "2026-11-25T09:00:00+07:00"}).MustStatus(http.StatusCreated)
	var code string
	if err := env.App.DB.GetContext(context.Background(), &code, `SELECT lookup_code FROM dossiers WHERE number = '000.00.01.H01-261125-0007'`); err != nil {
		t.Fatal(err)
	}

	ctx := browsertest.New(t, 2*time.Minute)
	step := browserSteps(t, ctx, "public")
	var count, status, steps, fee string
	step("search",
		browsertest.NavigateAction(env.URL+"/public"),
		chromedp.WaitVisible("#pub-search", chromedp.ByID),
		chromedp.SetValue("#pub-q", "dat dai", chromedp.ByID),
		chromedp.Submit("#pub-search", chromedp.ByID),
		chromedp.WaitVisible(`#svc-DD-01`, chromedp.ByQuery),
		chromedp.Text("#pub-count", &count, chromedp.ByID),
		chromedp.Text(`#svc-DD-01 .pub-fee`, &fee, chromedp.ByQuery),
	)
	if strings.TrimSpace(count) != "1 thủ tục" || !strings.Contains(fee, "50.000 đồng") {
		t.Fatalf("search: %q, fee %q", count, fee)
	}
	step("lookup",
		chromedp.Click("#pub-lookup-link", chromedp.ByID),
		chromedp.WaitVisible("#lookup-form", chromedp.ByID),
		chromedp.SendKeys("#lookup-number", "000.00.01.H01-261125-0007", chromedp.ByID),
		chromedp.SendKeys("#lookup-code", strings.ToLower(code), chromedp.ByID),
		chromedp.Submit("#lookup-form", chromedp.ByID),
		chromedp.WaitVisible("#lookup-result", chromedp.ByID),
		chromedp.Text("#lookup-status", &status, chromedp.ByID),
		chromedp.Text("#lookup-steps", &steps, chromedp.ByID),
	)
	if !strings.Contains(status, "Đang giải quyết") || !strings.Contains(steps, "Tiếp nhận") || !strings.Contains(steps, "Phê duyệt") {
		t.Fatalf("lookup: %q / %q", status, steps)
	}

	var first, field, names string
	step("kiosk",
		browsertest.NavigateAction(env.URL+"/public/kiosk"),
		chromedp.WaitVisible("#kiosk-field", chromedp.ByID),
		chromedp.AttributeValue("#kiosk-field", "data-field", &first, nil, chromedp.ByID),
		// The first screen is civil status; within 5 s it turns to land.
		chromedp.WaitVisible(`#kiosk-field[data-field="land"]`, chromedp.ByQuery),
		chromedp.AttributeValue("#kiosk-field", "data-field", &field, nil, chromedp.ByID),
		chromedp.Text("#kiosk-services", &names, chromedp.ByID),
	)
	if first != "civil_status" || field != "land" || !strings.Contains(names, "Đăng ký biến động đất đai") || !strings.Contains(names, "10 ngày làm việc") {
		t.Fatalf("kiosk: %q then %q: %q", first, field, names)
	}
	var svgs int
	step("qr", chromedp.Evaluate(`document.querySelectorAll("#kiosk-services svg.qr").length`, &svgs))
	if svgs != 1 {
		t.Fatalf("kiosk QR codes: %d", svgs)
	}
	var cookies []*network.Cookie
	step("cookies", chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		cookies, err = network.GetCookies().WithURLs([]string{env.URL}).Do(ctx)
		return err
	}))
	if len(cookies) != 0 {
		t.Fatalf("the public pages left cookies: %+v", cookies[0])
	}
}
