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

// The desk's main path: the desk officer finds the land procedure by
// typing without accents, receives a dossier for tnmt by post (result to be
// returned by post), prints the receipt and hands the dossier over; tnmt
// processes it and hands it back; the desk returns the result by post.
func TestBrowserDeskReceivesAndReturns(t *testing.T) {
	env, _ := procSetup(t)
	ctx := browsertest.New(t, 3*time.Minute)
	step := browserSteps(t, ctx, "desk")
	if err := browsertest.Login(ctx, env.URL, "staff.motcua", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var chosen, visible, link string
	step("receive",
		browsertest.NavigateAction(env.URL+"/desk"),
		chromedp.WaitVisible("#receive-form", chromedp.ByID),
		chromedp.SendKeys("#service-search", "bien dong dat", chromedp.ByID),
		chromedp.Value("#service-select", &chosen, chromedp.ByID),
		chromedp.Evaluate(`Array.from(document.querySelectorAll("#service-select option")).filter(o => !o.hidden).map(o => o.value).join(",")`, &visible),
		chromedp.SetValue("#channel", "postal", chromedp.ByID),
		chromedp.SetValue("#return-channel", "postal", chromedp.ByID),
		chromedp.Click("#receive-submit", chromedp.ByID),
		chromedp.WaitVisible("#print-receipt", chromedp.ByID),
		chromedp.AttributeValue("#print-receipt", "href", &link, nil, chromedp.ByID),
	)
	if chosen != "DD-01" || visible != "DD-01" {
		t.Fatalf("the search without accents chose %q, showed %q", chosen, visible)
	}
	number := strings.TrimSuffix(strings.TrimPrefix(link, "/api/v1/dossiers/"), "/receipt.pdf")
	desk := env.As("staff.motcua")
	text := pdfText(t, desk.Do("GET", link, nil).MustStatus(http.StatusOK).Body)
	if !strings.Contains(text, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ") || !strings.Contains(text, number) ||
		!strings.Contains(text, "10:00 10/12/2026") || !strings.Contains(text, "Qua bưu chính công ích") {
		t.Fatalf("printed receipt:\n%s", text)
	}
	if d := getDossier(t, desk, number); d.Unit != "tnmt" || d.Channel != "postal" || d.ReceivingUnit != "motcua" {
		t.Fatalf("received: %+v", d)
	}
	step("handover",
		chromedp.Click("#handover-"+number, chromedp.ByID),
		chromedp.WaitNotPresent("#handover-"+number, chromedp.ByID),
		chromedp.WaitVisible("#flash-ok", chromedp.ByID),
	)
	if d := getDossier(t, desk, number); len(d.Steps) != 2 || d.Steps[0].End == nil {
		t.Fatalf("not handed over: %+v", d.Steps)
	}

	// tnmt processes it on the dossier's page and hands it back to the desk.
	if err := browsertest.Logout(ctx, env.URL); err != nil {
		t.Fatal(err)
	}
	if err := browsertest.Login(ctx, env.URL, "staff.tnmt", apptest.Password); err != nil {
		t.Fatal(err)
	}
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
	if err := browsertest.Logout(ctx, env.URL); err != nil {
		t.Fatal(err)
	}
	if err := browsertest.Login(ctx, env.URL, "staff.motcua", apptest.Password); err != nil {
		t.Fatal(err)
	}
	step("return",
		browsertest.NavigateAction(env.URL+"/desk"),
		chromedp.WaitVisible("#return-"+number, chromedp.ByID),
		chromedp.SetValue(`#return-`+number+` select[name="return_channel"]`, "postal", chromedp.ByQuery),
		chromedp.Click(`#return-`+number+` button[type="submit"]`, chromedp.ByQuery),
		chromedp.WaitNotPresent("#return-"+number, chromedp.ByID),
		chromedp.WaitVisible("#flash-ok", chromedp.ByID),
	)
	d := getDossier(t, desk, number)
	if d.Status != "returned" || d.Result != "granted" || d.ReturnChannel != "postal" || d.Outcome != "early" {
		t.Fatalf("returned: %+v", d)
	}
}
