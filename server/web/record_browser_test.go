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

// TestBrowserRecordUploadCorrectAndHold: staff files a record with its file
// through the page, corrects it, and the coordinator puts it on legal hold.
func TestBrowserRecordUploadCorrectAndHold(t *testing.T) {
	env := apptest.New(t)
	ctx := browsertest.New(t, 2*time.Minute)
	dir := t.TempDir()
	file := func(name, body string) string { return tempPDF(t, dir, name, body) }
	sc := newScenario(t, ctx, env.URL, "record")
	run := sc.run
	sc.as("staff.tnmt")
	var mode, recURL string
	run("file a record",
		browsertest.NavigateAction(env.URL+"/records"),
		chromedp.Click("#rec-new-open", chromedp.ByID),
		chromedp.WaitVisible("#rec-title", chromedp.ByID),
		chromedp.SetValue("#rec-type", "audit-report", chromedp.ByID),
		chromedp.SetValue("#rec-title", "Biên bản họp giao ban tháng 11", chromedp.ByID),
		chromedp.SetValue("#rec-clauses", "9.3", chromedp.ByID),
		chromedp.SetUploadFiles("#rec-file", []string{file("biên bản.pdf", "minutes")}, chromedp.ByID),
		chromedp.Click("#rec-submit", chromedp.ByID),
		chromedp.WaitVisible("#flash-ok", chromedp.ByID),
		chromedp.Text("#rec-mode", &mode, chromedp.ByID),
		chromedp.Location(&recURL),
	)
	if !strings.Contains(mode, "Tuân thủ") {
		t.Fatalf("lock mode shown as %q", mode)
	}
	var v2 string
	recURL = strings.SplitN(recURL, "?", 2)[0]
	run("correct it",
		browsertest.NavigateAction(recURL),
		chromedp.WaitVisible("#rec-correct", chromedp.ByID),
		chromedp.Click("#rec-correct summary", chromedp.ByQuery),
		chromedp.SetValue("#rec-reason", "Bổ sung chữ ký", chromedp.ByID),
		chromedp.SetUploadFiles("#rec-v-file", []string{file("v2.pdf", "v2")}, chromedp.ByID),
		chromedp.Click("#rec-correct-go", chromedp.ByID),
		chromedp.WaitVisible("#flash-ok", chromedp.ByID),
		chromedp.WaitVisible("#rec-v2", chromedp.ByID),
		chromedp.Text("#rec-v2", &v2, chromedp.ByID),
	)
	if !strings.Contains(v2, "Bổ sung chữ ký") {
		t.Fatalf("version 2 row %q", v2)
	}
	sc.as("coordinator")
	var hold string
	run("hold it",
		browsertest.NavigateAction(recURL),
		chromedp.WaitVisible("#rec-hold-reason", chromedp.ByID),
		chromedp.SetValue("#rec-hold-reason", "Thanh tra tỉnh yêu cầu giữ", chromedp.ByID),
		chromedp.Click("#rec-hold-go", chromedp.ByID),
		chromedp.WaitVisible("#flash-ok", chromedp.ByID),
		chromedp.Text("#rec-hold", &hold, chromedp.ByID),
	)
	if !strings.Contains(hold, "Thanh tra tỉnh yêu cầu giữ") {
		t.Fatalf("hold shown as %q", hold)
	}
}
