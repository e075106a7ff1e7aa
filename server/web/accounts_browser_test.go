//go:build browser

package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/internal/browsertest"
)

// A person changes their password on the account page: a weak one is
// refused with its rule, the right one ends their other session and signs
// in from then on.
func TestBrowserPasswordChange(t *testing.T) {
	env := apptest.New(t)
	other := env.As("staff.vhtt")
	ctx := browsertest.New(t, 2*time.Minute)
	if err := browsertest.Login(ctx, env.URL, "staff.vhtt", apptest.Password); err != nil {
		t.Fatal(err)
	}
	var rule, flash string
	err := chromedp.Run(ctx,
		browsertest.NavigateAction(env.URL+"/account"),
		chromedp.WaitVisible("#change-password-link", chromedp.ByID),
		chromedp.Click("#change-password-link", chromedp.ByID),
		chromedp.WaitVisible("#password-form", chromedp.ByID),
		chromedp.SetValue("#current", apptest.Password, chromedp.ByID),
		chromedp.SetValue("#new", "abcdefghijkl", chromedp.ByID),
		chromedp.SetValue("#confirm", "abcdefghijkl", chromedp.ByID),
		chromedp.Click("#password-submit", chromedp.ByID),
		chromedp.WaitVisible("#new-error", chromedp.ByID),
		chromedp.Text("#new-error", &rule, chromedp.ByID),
		chromedp.SetValue("#current", apptest.Password, chromedp.ByID),
		chromedp.SetValue("#new", "Tốt-hơn-2026", chromedp.ByID),
		chromedp.SetValue("#confirm", "Tốt-hơn-2026", chromedp.ByID),
		chromedp.Click("#password-submit", chromedp.ByID),
		chromedp.WaitVisible("#flash-ok", chromedp.ByID),
		chromedp.Text("#flash-ok", &flash, chromedp.ByID),
	)
	if err != nil {
		browsertest.Screenshot(ctx, "password-change")
		t.Fatal(err)
	}
	if !strings.Contains(rule, "quá đơn giản") {
		t.Errorf("the rule shown: %q", rule)
	}
	if !strings.Contains(flash, "Đã đổi mật khẩu") {
		t.Errorf("flash %q", flash)
	}
	apptest.Expect(t, "the other session", other.Do("GET", "/api/v1/me", nil), http.StatusUnauthorized, nil)
	if err := browsertest.Logout(ctx, env.URL); err != nil {
		t.Fatal(err)
	}
	if err := browsertest.Login(ctx, env.URL, "staff.vhtt", "Tốt-hơn-2026"); err != nil {
		t.Fatalf("sign-in with the new password: %v", err)
	}
}

// A person who forgot their password asks for a link on the sign-in page,
// opens the link from the e-mail, sets a new password and signs in; the
// link does not work a second time.
func TestBrowserPasswordResetByMail(t *testing.T) {
	opt, smtp := withMail(t)
	env := apptest.New(t, opt)
	startQueue(t, env)
	if _, err := env.App.DB.Exec(`UPDATE users SET email = 'author.tnmt@qms.test' WHERE login = 'author.tnmt'`); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t, 2*time.Minute)
	var sent string
	err := chromedp.Run(ctx,
		browsertest.NavigateAction(env.URL+"/login"),
		chromedp.WaitVisible("#forgot-link", chromedp.ByID),
		chromedp.Click("#forgot-link", chromedp.ByID),
		chromedp.WaitVisible("#forgot-form", chromedp.ByID),
		chromedp.SetValue("#login", "author.tnmt", chromedp.ByID),
		chromedp.Click("#forgot-submit", chromedp.ByID),
		chromedp.WaitVisible("#reset-sent", chromedp.ByID),
		chromedp.Text("#reset-sent", &sent, chromedp.ByID),
	)
	if err != nil {
		browsertest.Screenshot(ctx, "reset-ask")
		t.Fatal(err)
	}
	m := waitMails(t, smtp, 1)[0]
	if m.Subject != "qmstrack: đặt lại mật khẩu" {
		t.Errorf("subject %q", m.Subject)
	}
	tok := resetLinkRE.FindStringSubmatch(m.Body)
	if tok == nil {
		t.Fatalf("no link in %q", m.Body)
	}
	link := env.URL + "/password-reset/confirm?token=" + tok[1]
	var flash, again string
	err = chromedp.Run(ctx,
		browsertest.NavigateAction(link),
		chromedp.WaitVisible("#reset-form", chromedp.ByID),
		chromedp.SetValue("#new", "Mới-hoàn-toàn-2026", chromedp.ByID),
		chromedp.SetValue("#confirm", "Mới-hoàn-toàn-2026", chromedp.ByID),
		chromedp.Click("#reset-submit", chromedp.ByID),
		chromedp.WaitVisible("#login", chromedp.ByID),
		chromedp.Text("#flash-ok", &flash, chromedp.ByID),
		browsertest.NavigateAction(link),
		chromedp.WaitVisible("#reset-form", chromedp.ByID),
		chromedp.SetValue("#new", "Lần-hai-2026-xyz", chromedp.ByID),
		chromedp.SetValue("#confirm", "Lần-hai-2026-xyz", chromedp.ByID),
		chromedp.Click("#reset-submit", chromedp.ByID),
		chromedp.WaitVisible("#flash-error", chromedp.ByID),
		chromedp.Text("#flash-error", &again, chromedp.ByID),
	)
	if err != nil {
		browsertest.Screenshot(ctx, "reset-confirm")
		t.Fatal(err)
	}
	if !strings.Contains(flash, "Đã đặt lại mật khẩu") {
		t.Errorf("flash %q", flash)
	}
	if !strings.Contains(again, "không hợp lệ") {
		t.Errorf("the link used twice: %q", again)
	}
	if err := browsertest.Login(ctx, env.URL, "author.tnmt", "Mới-hoàn-toàn-2026"); err != nil {
		t.Fatalf("sign-in with the new password: %v", err)
	}
}

// A person turns the second factor on from the account page (the QR code
// shows), and the next sign-in asks for the code after the password.
func TestBrowserTOTPEnrolAndSignIn(t *testing.T) {
	env := apptest.New(t)
	ctx := browsertest.New(t, 2*time.Minute)
	if err := browsertest.Login(ctx, env.URL, "head.motcua", apptest.Password); err != nil {
		t.Fatal(err)
	}
	code := func(secret string) string {
		c, _ := totp.GenerateCodeCustom(secret, time.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		return c
	}
	var secret string
	var qrWidth int
	var codes []string
	err := chromedp.Run(ctx,
		browsertest.NavigateAction(env.URL+"/account"),
		chromedp.WaitVisible("#totp-link", chromedp.ByID),
		chromedp.Click("#totp-link", chromedp.ByID),
		chromedp.WaitVisible("#totp-password", chromedp.ByID),
		chromedp.SetValue("#totp-password", apptest.Password, chromedp.ByID),
		chromedp.Click("#totp-begin-submit", chromedp.ByID),
		chromedp.WaitVisible("#totp-qr", chromedp.ByID),
		chromedp.Poll(`document.getElementById('totp-qr').complete && document.getElementById('totp-qr').naturalWidth > 0`, nil),
		chromedp.Evaluate(`document.getElementById('totp-qr').naturalWidth`, &qrWidth),
		chromedp.Text("#totp-secret", &secret, chromedp.ByID),
	)
	if err != nil {
		browsertest.Screenshot(ctx, "totp-begin")
		t.Fatal(err)
	}
	if qrWidth < 100 {
		t.Fatalf("the QR code is %d pixels wide", qrWidth)
	}
	err = chromedp.Run(ctx,
		chromedp.SetValue("#code", code(secret), chromedp.ByID),
		chromedp.Click("#totp-confirm-submit", chromedp.ByID),
		chromedp.WaitVisible("#recovery-codes", chromedp.ByID),
		chromedp.Evaluate(`[...document.querySelectorAll('#recovery-codes code')].map(e => e.textContent)`, &codes),
	)
	if err != nil {
		browsertest.Screenshot(ctx, "totp-confirm")
		t.Fatal(err)
	}
	if len(codes) != 10 {
		t.Fatalf("recovery codes %v", codes)
	}
	if err := browsertest.Logout(ctx, env.URL); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Run(ctx,
		browsertest.NavigateAction(env.URL+"/login"),
		chromedp.WaitVisible("#login", chromedp.ByID),
		chromedp.SetValue("#login", "head.motcua", chromedp.ByID),
		chromedp.SetValue("#password", apptest.Password, chromedp.ByID),
		chromedp.Click("#login-submit", chromedp.ByID),
		chromedp.WaitVisible("#code-form", chromedp.ByID),
		chromedp.SetValue("#code", codes[0], chromedp.ByID),
		chromedp.Click("#code-submit", chromedp.ByID),
		chromedp.WaitVisible("#tasks", chromedp.ByID),
	)
	if err != nil {
		browsertest.Screenshot(ctx, "totp-signin")
		t.Fatal(err)
	}
}
