//go:build browser

package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/browsertest"
)

// The scope's main path: the office's announcement covers the land
// procedure; the coordinator adds the birth registration to the scope on
// the scope page, which outdates the announcement, and drafts it again;
// the chairman finds the task on his home page and signs it with his
// password; the public page links the new announcement, which lists the
// birth registration.
func TestBrowserScopeGainsServiceAndIsReannounced(t *testing.T) {
	env, co := procSetup(t)
	co.Do("PUT", "/api/v1/scope", scopeBody(0, "DD-01")).MustStatus(http.StatusOK)
	co.Do("POST", "/api/v1/scope/announcement", map[string]any{"place": "Châu Thành"}).MustStatus(http.StatusCreated)
	env.As("chairman").Do("POST", "/api/v1/scope/announcement/sign", map[string]string{"password": apptest.Password}).MustStatus(http.StatusOK)

	ctx := browsertest.New(t, 3*time.Minute)
	step := func(name string, actions ...chromedp.Action) {
		t.Helper()
		sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Run(sctx, actions...); err != nil {
			browsertest.Screenshot(ctx, "scope-"+name)
			t.Fatalf("%s: %v", name, err)
		}
	}
	if err := browsertest.Login(ctx, env.URL, "coordinator", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var outdated, services string
	step("add service",
		chromedp.Navigate(env.URL+"/scope"),
		chromedp.WaitVisible("#scope-form", chromedp.ByID),
		chromedp.Click(`#scope-form input[name=services][value="HT-01"]`, chromedp.ByQuery),
		chromedp.Click("#scope-save", chromedp.ByID),
		chromedp.WaitVisible("#ann-outdated", chromedp.ByID),
		chromedp.Text("#ann-outdated", &outdated, chromedp.ByID),
		chromedp.Text("#scope-services", &services, chromedp.ByID),
	)
	if !strings.Contains(outdated, "HT-01") || !strings.Contains(services, "HT-01") {
		t.Fatalf("after adding the service: %q, services %q", outdated, services)
	}
	step("draft",
		chromedp.SetValue("#ann-place", "Châu Thành", chromedp.ByID),
		chromedp.Click("#ann-draft-submit", chromedp.ByID),
		chromedp.WaitVisible("#ann-draft", chromedp.ByID),
	)
	if err := browsertest.Logout(ctx, env.URL); err != nil {
		t.Fatal(err)
	}
	if err := browsertest.Login(ctx, env.URL, "chairman", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var home, effective string
	step("sign",
		chromedp.Navigate(env.URL+"/"),
		chromedp.WaitVisible(`a[href="/scope#announcement"]`, chromedp.ByQuery),
		chromedp.Text("body", &home, chromedp.ByQuery),
		chromedp.Click(`a[href="/scope#announcement"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#ann-sign-form", chromedp.ByID),
		chromedp.SetValue("#ann-password", apptest.Password, chromedp.ByID),
		chromedp.Click("#ann-sign", chromedp.ByID),
		chromedp.WaitVisible("#ann-effective", chromedp.ByID),
		chromedp.Text("#ann-effective", &effective, chromedp.ByID),
	)
	if !strings.Contains(home, "Công bố lại HTQLCL") || !strings.Contains(effective, "Chủ tịch UBND") {
		t.Fatalf("home %q, effective %q", home, effective)
	}
	if err := browsertest.Logout(ctx, env.URL); err != nil {
		t.Fatal(err)
	}
	var listed string
	step("public",
		chromedp.Navigate(env.URL+"/public"),
		chromedp.WaitVisible("#pub-announcement-link", chromedp.ByID),
		chromedp.Click("#pub-announcement-link", chromedp.ByID),
		chromedp.WaitVisible("#pub-ann-services", chromedp.ByID),
		chromedp.Text("#pub-ann-services", &listed, chromedp.ByID),
	)
	if !strings.Contains(listed, "Đăng ký khai sinh") || !strings.Contains(listed, "Đăng ký biến động đất đai") {
		t.Fatalf("the public announcement lists %q", listed)
	}
}
