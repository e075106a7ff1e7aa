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

// TestBrowserSSOSignInAndPasswordOff: in Chromium, the sign-in page's
// single sign-on button goes to the identity provider and back, and the
// person lands on the home page signed in as the account the provider's
// login maps to (a new account with the roles of the claim). Then, for a
// local account linked to the provider whose password sign-in the
// administrator switched off, the password form refuses the right
// password with that reason, read on the page, and opens no session.
func TestBrowserSSOSignInAndPasswordOff(t *testing.T) {
	env, m := ssoSetup(t, true)
	// The provider sends the browser back to QMS_BASE_URL's callback: here.
	env.App.Web.BaseURL = env.URL
	ctx := browsertest.New(t, 2*time.Minute)

	m.QueueUser(ssoUser{sub: "idp-0002", login: "Tran.Thi.B", name: "Trần Thị B", email: "b@qms.test", roles: []string{"staff:tnmt"}})
	var name, roles, loc string
	if err := chromedp.Run(ctx,
		browsertest.NavigateAction(env.URL+"/login"),
		chromedp.WaitVisible("#sso-login", chromedp.ByID),
		chromedp.Click("#sso-login", chromedp.ByID),
		chromedp.WaitVisible("#tasks", chromedp.ByID),
		chromedp.Location(&loc),
		chromedp.Text("#account-link", &name, chromedp.ByID),
		chromedp.Text("#my-roles", &roles, chromedp.ByID),
	); err != nil {
		browsertest.Screenshot(ctx, "sso-signin")
		t.Fatalf("signing in through the provider: %v", err)
	}
	if loc != env.URL+"/" {
		t.Errorf("landed on %s, want the home page", loc)
	}
	if strings.TrimSpace(name) != "Trần Thị B" || !strings.Contains(roles, "Cán bộ, công chức") {
		t.Errorf("signed in as %q with roles %q", name, roles)
	}
	var login string
	if err := env.App.DB.Get(&login, `SELECT login FROM users WHERE oidc_subject = 'idp-0002'`); err != nil || login != "tran.thi.b" {
		t.Errorf("the mapped account: %q %v", login, err)
	}
	if err := browsertest.Logout(ctx, env.URL); err != nil {
		t.Fatal(err)
	}

	// staff.vp signs in once through the provider (linked by login), then
	// the administrator switches its password sign-in off.
	m.QueueUser(ssoUser{sub: "idp-vp", login: "staff.vp"})
	if err := chromedp.Run(ctx,
		browsertest.NavigateAction(env.URL+"/login"),
		chromedp.WaitVisible("#sso-login", chromedp.ByID),
		chromedp.Click("#sso-login", chromedp.ByID),
		chromedp.WaitVisible("#tasks", chromedp.ByID),
	); err != nil {
		t.Fatalf("linking staff.vp: %v", err)
	}
	if err := browsertest.Logout(ctx, env.URL); err != nil {
		t.Fatal(err)
	}
	var id string
	if err := env.App.DB.Get(&id, `SELECT id FROM users WHERE login = 'staff.vp' AND oidc_subject = 'idp-vp'`); err != nil {
		t.Fatalf("staff.vp is not linked: %v", err)
	}
	env.As("admin").Do("PUT", "/api/v1/users/"+id, map[string]any{"password_login": false}).MustStatus(http.StatusOK)
	var sessions int
	_ = env.App.DB.Get(&sessions, `SELECT count(*) FROM sessions WHERE user_id = $1`, id)

	var msg string
	if err := chromedp.Run(ctx,
		browsertest.NavigateAction(env.URL+"/login"),
		chromedp.WaitVisible("#login", chromedp.ByID),
		chromedp.SetValue("#login", "staff.vp", chromedp.ByID),
		chromedp.SetValue("#password", apptest.Password, chromedp.ByID),
		chromedp.Click("#login-submit", chromedp.ByID),
		chromedp.WaitVisible("#flash-error", chromedp.ByID),
		chromedp.Text("#flash-error", &msg, chromedp.ByID),
		chromedp.Location(&loc),
	); err != nil {
		browsertest.Screenshot(ctx, "sso-password-off")
		t.Fatalf("the password form: %v", err)
	}
	if !strings.Contains(msg, "Tài khoản này đăng nhập một lần qua hệ thống xác thực (SSO), không dùng mật khẩu") {
		t.Errorf("the refusal reads %q", msg)
	}
	var after int
	_ = env.App.DB.Get(&after, `SELECT count(*) FROM sessions WHERE user_id = $1`, id)
	if after != sessions {
		t.Errorf("the refused password opened a session (%d → %d)", sessions, after)
	}
}
