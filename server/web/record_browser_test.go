//go:build browser

package web_test

import (
	"os"
	"path/filepath"
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
	file := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("%PDF-1.4\n% "+body+"\n%%EOF\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	run := func(what string, actions ...chromedp.Action) {
		t.Helper()
		if err := chromedp.Run(ctx, actions...); err != nil {
			browsertest.Screenshot(ctx, "record-"+what)
			var body string
			_ = chromedp.Run(ctx, chromedp.Text("main", &body, chromedp.ByQuery))
			t.Fatalf("%s: %v\npage: %.600s", what, err, body)
		}
	}
	if err := browsertest.Login(ctx, env.URL, "staff.tnmt", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var mode, recURL string
	run("file a record",
		navigate(env.URL+"/records"),
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
		navigate(recURL),
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
	if err := browsertest.Logout(ctx, env.URL); err != nil {
		t.Fatal(err)
	}
	if err := browsertest.Login(ctx, env.URL, "coordinator", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var hold string
	run("hold it",
		navigate(recURL),
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
