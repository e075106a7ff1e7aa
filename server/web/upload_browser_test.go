//go:build browser

package web_test

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/browsertest"
)

// TestBrowserUploadCheckedBeforeSending: the record form's file field
// carries the accepted types, and a file over the server's limit or of a
// type not accepted is refused in the browser with the reason, before any
// byte is sent (no record is filed); an accepted file clears the refusal.
func TestBrowserUploadCheckedBeforeSending(t *testing.T) {
	env := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.MaxUpload = 64 << 10 }))
	ctx := browsertest.New(t, 2*time.Minute)
	if err := browsertest.Login(ctx, env.URL, "staff.tnmt", apptest.Password); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, size int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, make([]byte, size), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	big, exe, small := write("lon.txt", 100<<10), write("chuong-trinh.exe", 100), write("nho.txt", 100)
	var accept, tooBig, badType, fine, path string
	if err := chromedp.Run(ctx,
		chromedp.Navigate(env.URL+"/records"),
		chromedp.WaitReady("#rec-file", chromedp.ByID),
		chromedp.Evaluate(`document.getElementById('rec-file').getAttribute('accept')`, &accept),
		chromedp.SetUploadFiles("#rec-file", []string{big}, chromedp.ByID),
		chromedp.Evaluate(`document.getElementById('rec-file').validationMessage`, &tooBig),
		chromedp.Evaluate(`document.getElementById('rec-submit').click(); location.pathname`, &path),
		chromedp.Sleep(300*time.Millisecond),
		chromedp.SetUploadFiles("#rec-file", []string{exe}, chromedp.ByID),
		chromedp.Evaluate(`document.getElementById('rec-file').validationMessage`, &badType),
		chromedp.SetUploadFiles("#rec-file", []string{small}, chromedp.ByID),
		chromedp.Evaluate(`document.getElementById('rec-file').validationMessage`, &fine),
	); err != nil {
		t.Fatal(err)
	}
	if accept != ".pdf,.docx,.xlsx,.odt,.ods,.png,.jpg,.jpeg,.txt,.csv,.tsv" {
		t.Errorf("accept %q", accept)
	}
	if tooBig != "Tệp quá lớn: tối đa 64 KiB mỗi tệp." {
		t.Errorf("a 100 KiB file: %q", tooBig)
	}
	if badType == "" || badType == tooBig {
		t.Errorf("an .exe file: %q", badType)
	}
	if fine != "" {
		t.Errorf("an accepted file is still refused: %q", fine)
	}
	var list struct{ Items []struct{ ID string } }
	env.As("staff.tnmt").Do("GET", "/api/v1/records", nil).MustStatus(http.StatusOK).Decode(&list)
	if len(list.Items) != 0 || path != "/records" {
		t.Fatalf("the refused file was sent: %d records, at %s", len(list.Items), path)
	}
}
