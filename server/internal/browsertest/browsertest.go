// Package browsertest drives headless Chromium (Debian's chromium, found at
// QMS_CHROMIUM or /usr/bin/chromium) with chromedp for the browser tests.
// Without Chromium a test skips locally and fails under CI=true.
package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/qmstrack/qmstrack/server/internal/testenv"
)

// Path returns the Chromium binary to use, or "".
func Path() string {
	if p := os.Getenv("QMS_CHROMIUM"); p != "" {
		return p
	}
	for _, p := range []string{"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// New starts a fresh headless browser (own profile) for the test and returns
// its context, valid until the test ends. Every action is bounded by timeout.
func New(t testing.TB, timeout time.Duration) context.Context {
	t.Helper()
	bin := Path()
	if bin == "" {
		if testenv.InCI() {
			t.Fatal("Chromium is not installed (CI is set, so this fails instead of skipping); run make tools")
		}
		t.Skip("Chromium is not installed; skipping the browser test")
	}
	profile, err := os.MkdirTemp("", "qmstrack-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, timeout)
	t.Cleanup(func() {
		cancelT()
		cancelC()
		cancelA()
		// Chromium may still be flushing its profile as it exits.
		for i := 0; i < 20; i++ {
			if os.RemoveAll(profile) == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	// Accept confirm() dialogs (e.g. "withdraw this document?").
	chromedp.ListenTarget(ctx, func(ev any) {
		if _, ok := ev.(*page.EventJavascriptDialogOpening); ok {
			go func() { _ = chromedp.Run(ctx, page.HandleJavaScriptDialog(true)) }()
		}
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// Navigate loads url (see NavigateAction).
func Navigate(ctx context.Context, url string) error {
	return chromedp.Run(ctx, NavigateAction(url))
}

// NavigateAction loads url. Chromium cancels it (net::ERR_ABORTED) when
// another navigation of the tab wins, typically the page a form just
// submitted is being redirected to; the action then waits for that page's
// load event (at most loadWait) and loads url again, up to five times.
func NavigateAction(url string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for attempt := 1; ; attempt++ {
			lctx, stop := context.WithCancel(ctx)
			loaded := make(chan struct{}, 1)
			chromedp.ListenTarget(lctx, func(ev any) {
				if _, ok := ev.(*page.EventLoadEventFired); ok {
					select {
					case loaded <- struct{}{}:
					default:
					}
				}
			})
			err := chromedp.Navigate(url).Do(ctx)
			if err == nil || !strings.Contains(err.Error(), "ERR_ABORTED") || attempt == 5 {
				stop()
				return err
			}
			t := time.NewTimer(loadWait)
			select {
			case <-loaded:
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
			stop()
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
	})
}

// loadWait bounds the wait for the page that replaced an aborted navigation.
const loadWait = 10 * time.Second

// Login signs in through the login form and waits for the home page.
func Login(ctx context.Context, base, login, password string) error {
	if err := Navigate(ctx, base+"/login"); err != nil {
		return err
	}
	return chromedp.Run(ctx,
		chromedp.WaitVisible("#login", chromedp.ByID),
		chromedp.SetValue("#login", login, chromedp.ByID),
		chromedp.SetValue("#password", password, chromedp.ByID),
		chromedp.Click("#login-submit", chromedp.ByID),
		chromedp.WaitVisible("#tasks", chromedp.ByID),
	)
}

// Logout clears the browser's cookies, ending the session on this side.
func Logout(ctx context.Context, base string) error {
	if err := Navigate(ctx, base+"/"); err != nil {
		return err
	}
	return chromedp.Run(ctx,
		chromedp.WaitVisible("#logout", chromedp.ByID),
		chromedp.Click("#logout", chromedp.ByID),
		chromedp.WaitVisible("#login", chromedp.ByID),
	)
}

// Screenshot saves a PNG of the page to dir/name.png when QMS_SCREENSHOTS
// names a directory (useful when a test fails).
func Screenshot(ctx context.Context, name string) {
	dir := os.Getenv("QMS_SCREENSHOTS")
	if dir == "" {
		return
	}
	var buf []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&buf, 100)); err == nil {
		_ = os.WriteFile(filepath.Join(dir, strings.ReplaceAll(name, "/", "_")+".png"), buf, 0o644)
	}
}

// Replaced waits, after a click that posts a form, for the page that
// replaces it: loaded, without the element gone (a CSS selector of the
// page left) and with the element present (one of the new page). Reading
// the new page before it has loaded finds the nodes of the page being
// left, or none ("No node with given id found").
// An evaluation that meets the navigation itself ("Inspected target
// navigated or closed") is tried again; it gives up after loadWait.
func Replaced(gone, present string) chromedp.Action {
	expr := fmt.Sprintf(`document.readyState === "complete" && !document.querySelector(%q) && !!document.querySelector(%q)`, gone, present)
	return chromedp.ActionFunc(func(ctx context.Context) error {
		deadline := time.Now().Add(loadWait)
		for {
			var ok bool
			err := chromedp.Evaluate(expr, &ok).Do(ctx)
			if err == nil && ok {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("the page after the post did not load (%s gone, %s present): %v", gone, present, err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}
