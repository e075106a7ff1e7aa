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

// Each demo role signs in and sees the navigation its role allows.
func TestBrowserLoginAndNavigationPerRole(t *testing.T) {
	env := apptest.New(t)
	ctx := browsertest.New(t, 2*time.Minute)
	cases := []struct {
		login   string
		see     []string
		notSee  []string
		roleTag string
	}{
		{"admin", []string{"/admin/users", "/trail"}, nil, "Quản trị hệ thống"},
		{"coordinator", []string{"/trail"}, []string{"/admin/users"}, "Thư ký ISO"},
		{"auditor", []string{"/trail"}, []string{"/admin/users"}, "Chuyên gia đánh giá"},
		{"head.tnmt", []string{"/trail"}, []string{"/admin/users"}, "Trưởng đơn vị"},
		{"author.vhtt", nil, []string{"/admin/users", "/trail"}, "Người soạn thảo"},
		{"staff.motcua", nil, []string{"/admin/users", "/trail"}, "Cán bộ, công chức"},
	}
	for _, tc := range cases {
		if err := browsertest.Login(ctx, env.URL, tc.login, apptest.Password); err != nil {
			browsertest.Screenshot(ctx, "login-"+tc.login)
			t.Fatalf("%s: login: %v", tc.login, err)
		}
		var nav, roles string
		if err := chromedp.Run(ctx,
			chromedp.OuterHTML("#site-nav", &nav, chromedp.ByID),
			chromedp.Text("#my-roles", &roles, chromedp.ByID),
		); err != nil {
			t.Fatal(err)
		}
		for _, href := range tc.see {
			if !strings.Contains(nav, `href="`+href+`"`) {
				t.Errorf("%s does not see %s in the navigation", tc.login, href)
			}
		}
		for _, href := range tc.notSee {
			if strings.Contains(nav, `href="`+href+`"`) {
				t.Errorf("%s sees %s in the navigation", tc.login, href)
			}
		}
		if !strings.Contains(roles, tc.roleTag) {
			t.Errorf("%s: roles line %q lacks %q", tc.login, roles, tc.roleTag)
		}
		if err := browsertest.Logout(ctx, env.URL); err != nil {
			t.Fatalf("%s: logout: %v", tc.login, err)
		}
	}
}

// A wrong password shows an error and opens no session; the English switch is remembered.
func TestBrowserWrongPasswordAndLanguage(t *testing.T) {
	env := apptest.New(t)
	ctx := browsertest.New(t, time.Minute)
	var msg, loc string
	err := chromedp.Run(ctx,
		chromedp.Navigate(env.URL+"/login"),
		chromedp.WaitVisible("#login", chromedp.ByID),
		chromedp.SetValue("#login", "coordinator", chromedp.ByID),
		chromedp.SetValue("#password", "not-the-password", chromedp.ByID),
		chromedp.Click("#login-submit", chromedp.ByID),
		chromedp.WaitVisible("#flash-error", chromedp.ByID),
		chromedp.Text("#flash-error", &msg, chromedp.ByID),
		chromedp.Navigate(env.URL+"/"),
		chromedp.WaitVisible("#login", chromedp.ByID),
		chromedp.Location(&loc),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg, "Sai tên đăng nhập hoặc mật khẩu") {
		t.Errorf("error message = %q", msg)
	}
	if !strings.Contains(loc, "/login") {
		t.Errorf("a failed login gave access to %s", loc)
	}
	// Switch to English, sign in: the choice stays on the user.
	var heading string
	err = chromedp.Run(ctx,
		chromedp.Click("#lang-switch", chromedp.ByID),
		// The login page is on screen before and after the switch: wait
		// for the English one, so the cookie is set before signing in.
		chromedp.WaitReady(`html[lang="en"]`, chromedp.ByQuery),
		chromedp.WaitVisible("#login", chromedp.ByID),
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := browsertest.Login(ctx, env.URL, "staff.tnmt", apptest.Password); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Run(ctx, chromedp.Text("#tasks h2", &heading, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if heading != "My tasks" {
		t.Errorf("heading after switching to English = %q", heading)
	}
}
