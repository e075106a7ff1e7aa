//go:build browser

package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/browsertest"
)

// printPage loads url and prints it as Chromium prints to paper (A4, the
// print media rules), returning the PDF's text.
func printPage(t *testing.T, ctx context.Context, url string) string {
	t.Helper()
	var pdf []byte
	if err := chromedp.Run(ctx, browsertest.NavigateAction(url), chromedp.WaitReady("main", chromedp.ByQuery),
		chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			pdf, _, err = page.PrintToPDF().WithPaperWidth(8.27).WithPaperHeight(11.69).WithPrintBackground(true).Do(ctx)
			return err
		})); err != nil {
		t.Fatalf("print %s: %v", url, err)
	}
	return pdfText(t, pdf)
}

// TestBrowserPrintMedia prints the dashboard, the monthly report, a
// dossier's page with its receipt and an NC's page to PDF and reads the
// text back: the office's name heads each sheet, the navigation and the
// buttons are not on paper, and the Vietnamese letters come back intact.
func TestBrowserPrintMedia(t *testing.T) {
	const office, address = "UBND huyện Châu Thành", "Thị trấn Châu Thành, tỉnh Tây Ninh"
	env := apptest.New(t, apptest.WithClock(procNow), apptest.WithConfig(func(c *config.Config) {
		c.OfficeNameVI, c.OfficeNameEN, c.OfficeAddress = office, "Chau Thanh District People's Committee", address
	}))
	co := env.As("coordinator")
	co.Do("POST", "/api/v1/services", map[string]any{"code": "DD-01", "name_vi": "Đăng ký biến động đất đai", "field": "land", "unit": "tnmt", "days": 10}).MustStatus(http.StatusCreated)
	co.Do("POST", "/api/v1/services", map[string]any{"code": "HT-01", "name_vi": "Đăng ký khai sinh", "field": "civil_status", "unit": "noivu", "days": 1}).MustStatus(http.StatusCreated)
	co.Send(mustReq(t, env, procCSV)).MustStatus(http.StatusOK)
	f := env.Fixtures()
	ncID := f.NC(t, "tnmt")

	ctx := browsertest.New(t, 3*time.Minute)
	if err := browsertest.Login(ctx, env.URL, "coordinator", apptest.Password); err != nil {
		t.Fatal(err)
	}
	// Words of the screen that must not be on paper: the navigation's
	// groups, the language switch and sign-out, the forms' buttons.
	screenOnly := []string{"Tài liệu ISO", "Chỉ số & kế hoạch", "Quản trị", "Đăng xuất", "Bỏ qua điều hướng", "qmstrack · ISO"}
	for _, p := range []struct {
		name, path string
		want       []string
		buttons    []string
	}{
		{"dashboard", "/dashboard?from=2026-11-01&to=2026-11-30", []string{"Tổng quan kết quả giải quyết TTHC", "Phòng Tài nguyên và Môi trường", "Ngày in 26/11/2026", "11/2026"}, []string{"Xuất Excel", "2026-11"}},
		{"monthly report", "/dashboard?month=2026-11", []string{"Báo cáo kết quả giải quyết TTHC tháng 11/2026", "Kỳ: 01/11/2026 – 30/11/2026", "Ngày in 26/11/2026", "Phòng Nội vụ"}, []string{"Xuất Excel", "10.00"}},
		{"dossier", "/dossiers/L-001", []string{"Hồ sơ L-001", "Đăng ký biến động đất đai", "Đã dùng 6,11 / 10 ngày làm việc"}, []string{"Ghi nhận thông tin"}},
		{"NC", "/ncs/" + ncID, []string{"Điểm không phù hợp thử", "Phòng Tài nguyên và Môi trường", "Nguyên nhân gốc"},
			[]string{"Sổ theo dõi điểm không phù hợp", "Phân tích nguyên nhân", "Hủy điểm không phù hợp"}},
	} {
		text := printPage(t, ctx, env.URL+p.path)
		if testing.Verbose() {
			t.Logf("%s on paper:\n%s", p.name, text)
		}
		flat := strings.Join(strings.Fields(text), " ")
		if !strings.Contains(flat, office) || !strings.Contains(flat, address) {
			t.Errorf("%s: the printed page lacks the office's name and address:\n%s", p.name, text)
		}
		for _, w := range p.want {
			if !strings.Contains(flat, w) {
				t.Errorf("%s: the printed page lacks %q:\n%s", p.name, w, text)
			}
		}
		for _, w := range append(screenOnly, p.buttons...) {
			if strings.Contains(flat, w) {
				t.Errorf("%s: the printed page shows %q, a screen-only element", p.name, w)
			}
		}
	}
	// The receipt is a PDF of its own: the office's name heads it too.
	r := co.Do("GET", "/api/v1/dossiers/L-003/receipt.pdf", nil).MustStatus(http.StatusOK)
	if text := strings.Join(strings.Fields(pdfText(t, r.Body)), " "); !strings.Contains(text, "L-003") || !strings.Contains(text, "Đăng ký biến động đất đai") {
		t.Errorf("the receipt lacks its dossier or service:\n%s", text)
	} else if !strings.Contains(text, office) {
		t.Errorf("the receipt lacks the office's name:\n%s", text)
	}
}
