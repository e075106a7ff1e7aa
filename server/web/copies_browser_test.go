//go:build browser

package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/browsertest"
)

// The controlled copy's main path: the coordinator opens an effective
// procedure, goes to its copies, issues controlled copy 01 to the land
// office's one-stop desk officer, prints it (a PDF whose text carries the
// copy number and the check page's address) and opens the check page the
// QR code points at, which says the issue is in force.
func TestBrowserControlledCopyPrintAndCheck(t *testing.T) {
	env := apptest.New(t)
	f := env.Fixtures()
	docID, revID := f.EffectiveDocument(t, "tnmt")
	ctx := browsertest.New(t, 3*time.Minute)
	step := func(name string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			browsertest.Screenshot(ctx, "copy-"+name)
			t.Fatalf("%s: %v", name, err)
		}
	}
	if err := browsertest.Login(ctx, env.URL, "coordinator", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var no, holder, printHref string
	step("issue",
		chromedp.Navigate(env.URL+"/documents/"+docID),
		chromedp.WaitVisible("#rev-"+revID+" a.rev-copies", chromedp.ByQuery),
		chromedp.Click("#rev-"+revID+" a.rev-copies", chromedp.ByQuery),
		chromedp.WaitVisible("#copy-issue-form", chromedp.ByID),
		chromedp.SetValue("#copy-unit", "tnmt", chromedp.ByID),
		chromedp.SendKeys("#copy-holder", "Nguyễn Văn Một Cửa", chromedp.ByID),
		chromedp.Click("#copy-issue-submit", chromedp.ByID),
		chromedp.WaitVisible("#flash-ok", chromedp.ByID),
		chromedp.Text("#copies tr.copy-row td:nth-child(1)", &no, chromedp.ByQuery),
		chromedp.Text("#copies tr.copy-row td:nth-child(3)", &holder, chromedp.ByQuery),
		chromedp.AttributeValue("#copies tr.copy-row a.copy-print", "href", &printHref, nil, chromedp.ByQuery),
	)
	if no != "01" || holder != "Nguyễn Văn Một Cửa" || !strings.Contains(printHref, "/controlled-copy.pdf?copy=") {
		t.Fatalf("issued copy: no %q holder %q print %q", no, holder, printHref)
	}
	// Print it: the browser's session fetches the PDF.
	var got string
	step("print", chromedp.Evaluate(`fetch(`+"`"+printHref+"`"+`).then(r => r.status + " " + r.headers.get("content-type"))`, &got,
		func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
	if got != "200 application/pdf" {
		t.Fatalf("printing the copy: %q", got)
	}
	txt := squash(pdfText(t, f.As("coordinator").Do("GET", printHref, nil).MustStatus(http.StatusOK).Body))
	for _, want := range []string{"BẢN KIỂM SOÁT SỐ 01", "Nguyễn Văn Một Cửa", "/public/check/" + revID} {
		if !strings.Contains(txt, want) {
			t.Fatalf("the printed copy lacks %q:\n%s", want, txt)
		}
	}
	// The check page the QR code opens, without signing in.
	if err := browsertest.Logout(ctx, env.URL); err != nil {
		t.Fatal(err)
	}
	var state, vi, en string
	step("check",
		chromedp.Navigate(env.URL+"/public/check/"+revID),
		chromedp.WaitVisible("#check", chromedp.ByID),
		chromedp.AttributeValue("#check", "data-state", &state, nil, chromedp.ByID),
		chromedp.Text("#check-vi", &vi, chromedp.ByID),
		chromedp.Text("#check-en", &en, chromedp.ByID),
	)
	if state != "effective" || !strings.Contains(vi, "ĐANG CÓ HIỆU LỰC") || !strings.Contains(en, "IS IN FORCE") {
		t.Fatalf("check page: %q\n%s\n%s", state, vi, en)
	}
}
