//go:build browser

package web_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/browsertest"
)

// TestBrowserSkipLinkFirstAndMovesFocusToMain: from page load the first Tab
// lands on the skip link ("Bỏ qua điều hướng"), shown when focused, and Enter
// moves focus to the page's main landmark, past the navigation.
func TestBrowserSkipLinkFirstAndMovesFocusToMain(t *testing.T) {
	env := apptest.New(t)
	ctx := browsertest.New(t, 2*time.Minute)
	if err := chromedp.Run(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	if err := browsertest.Login(ctx, env.URL, "coordinator", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var first, text, after string
	var shown bool
	if err := chromedp.Run(ctx,
		chromedp.Navigate(env.URL+"/ncs"),
		chromedp.WaitVisible("#main", chromedp.ByID),
		chromedp.KeyEvent(kb.Tab),
		chromedp.Evaluate(`document.activeElement.id`, &first),
		chromedp.Evaluate(`document.activeElement.textContent.trim()`, &text),
		chromedp.Evaluate(`(() => { const r = document.activeElement.getBoundingClientRect(); return r.top >= 0 && r.height > 0 })()`, &shown),
		chromedp.KeyEvent(kb.Enter),
	); err != nil {
		t.Fatal(err)
	}
	// Focus moves on the key's default action: wait until it reaches main,
	// or say where it stayed.
	moved := chromedp.Run(ctx, chromedp.Poll(`document.activeElement && document.activeElement.id === 'main'`, nil,
		chromedp.WithPollingTimeout(5*time.Second)))
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.activeElement.id`, &after)); err != nil {
		t.Fatal(err)
	}
	if moved != nil && after == "main" {
		t.Fatal(moved)
	}
	if first != "skip-link" || text != "Bỏ qua điều hướng" {
		t.Fatalf("the first Tab lands on #%s (%q), not the skip link", first, text)
	}
	if !shown {
		t.Error("the focused skip link is not visible")
	}
	if after != "main" {
		t.Fatalf("Enter on the skip link moves focus to #%s, not to main", after)
	}
}
