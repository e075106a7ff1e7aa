package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
	"github.com/qmstrack/qmstrack/server/mail/mailtest"
)

type errBody struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

func errOf(r *apptest.Response) errBody {
	var b errBody
	r.Decode(&b)
	return b
}

// TestAPIUnknownFieldRefused: a field a route does not take is a 400
// naming it; PUT /users/{id} with a password is refused, not ignored.
func TestAPIUnknownFieldRefused(t *testing.T) {
	env := apptest.New(t)
	admin := env.As("admin")
	id := userID(t, env, "staff.tnmt")
	r := admin.Do("PUT", "/api/v1/users/"+id, map[string]string{"name": "Nguyễn Văn B", "password": "Mới-2026-abc"})
	b := errOf(r)
	if r.Status != http.StatusBadRequest || b.Error.Code != "invalid" || b.Error.Message != `unknown field "password": this request does not take it` {
		t.Fatalf("PUT with a password: %s", r)
	}
	vi := admin.Do("PUT", "/api/v1/users/"+id, map[string]string{"passwd": "x"})
	if vi.Status != http.StatusBadRequest || !strings.Contains(string(vi.Body), `passwd`) {
		t.Fatalf("unknown field: %s", vi)
	}
	var name string
	if err := env.App.DB.Get(&name, `SELECT name FROM users WHERE id = $1`, id); err != nil || name == "Nguyễn Văn B" {
		t.Fatalf("the refused update changed the name to %q (%v)", name, err)
	}
	if r := env.Anon().Do("POST", "/api/v1/login", map[string]string{"login": "staff.tnmt", "password": apptest.Password}); r.Status != http.StatusOK {
		t.Fatalf("the password changed: %s", r)
	}
}

// TestAPIPasswordChange: the current password is checked, a weak new one
// is refused with its rule, and the change ends the other sessions only.
func TestAPIPasswordChange(t *testing.T) {
	env := apptest.New(t)
	me := env.As("staff.vp")
	other := env.As("staff.vp")
	r := me.Do("POST", "/api/v1/me/password", map[string]string{"current": "sai-mat-khau", "new": "Tốt-hơn-2026"})
	if b := errOf(r); r.Status != http.StatusBadRequest || b.Error.Fields["current"] != "the current password is wrong" {
		t.Fatalf("wrong current: %s", r)
	}
	r = me.Do("POST", "/api/v1/me/password", map[string]string{"current": apptest.Password, "new": "abcdefghijkl"})
	if b := errOf(r); r.Status != http.StatusBadRequest || !strings.HasPrefix(b.Error.Fields["new"], "too simple") {
		t.Fatalf("weak new: %s", r)
	}
	apptest.Expect(t, "change", me.Do("POST", "/api/v1/me/password", map[string]string{"current": apptest.Password, "new": "Tốt-hơn-2026"}), http.StatusOK, nil)
	apptest.Expect(t, "this session", me.Do("GET", "/api/v1/me", nil), http.StatusOK, nil)
	apptest.Expect(t, "the other session", other.Do("GET", "/api/v1/me", nil), http.StatusUnauthorized, nil)
	var n int
	if err := env.App.DB.Get(&n, `SELECT count(*) FROM trail WHERE action = 'user.password_change' AND object_id = 'staff.vp' AND details::text NOT LIKE '%Tốt%'`); err != nil || n != 1 {
		t.Fatalf("trail entries: %d %v", n, err)
	}
}

// TestAPIOneTimePassword: an administrator's reset returns a one-time
// password; signing in with it leads only to the change, every other call
// answering password_change_required.
func TestAPIOneTimePassword(t *testing.T) {
	env := apptest.New(t)
	old := env.As("author.vhtt")
	id := userID(t, env, "author.vhtt")
	var out struct {
		Password string `json:"one_time_password"`
	}
	apptest.Expect(t, "reset by a staff member", env.As("staff.vhtt").Do("POST", "/api/v1/users/"+id+"/password-reset", nil), http.StatusForbidden, nil)
	apptest.Expect(t, "reset", env.As("admin").Do("POST", "/api/v1/users/"+id+"/password-reset", nil), http.StatusOK, &out)
	apptest.Expect(t, "the session before the reset", old.Do("GET", "/api/v1/me", nil), http.StatusUnauthorized, nil)

	c := env.Anon()
	var in struct {
		CSRF string `json:"csrf_token"`
		Step string `json:"step"`
	}
	apptest.Expect(t, "sign-in with the one-time password", c.Do("POST", "/api/v1/login", map[string]string{"login": "author.vhtt", "password": out.Password}), http.StatusOK, &in)
	if in.Step != "password" {
		t.Fatalf("step %q, want password", in.Step)
	}
	c.CSRF = in.CSRF
	for _, p := range []string{"/api/v1/me", "/api/v1/documents", "/api/v1/tasks"} {
		r := c.Do("GET", p, nil)
		if b := errOf(r); r.Status != http.StatusForbidden || b.Error.Code != "password_change_required" {
			t.Fatalf("GET %s before the change: %s", p, r)
		}
	}
	page := c.AsForm().Do("GET", "/documents", nil)
	if page.Status != http.StatusSeeOther || page.Header.Get("Location") != "/account/password" {
		t.Fatalf("a page before the change: %d %s", page.Status, page.Header.Get("Location"))
	}
	r := c.Do("POST", "/api/v1/me/password", map[string]string{"current": out.Password, "new": "author.vhtt-2026"})
	if b := errOf(r); r.Status != http.StatusBadRequest || b.Error.Fields["new"] != "must not contain your login" {
		t.Fatalf("a new password with the login: %s", r)
	}
	var done struct {
		CSRF string `json:"csrf_token"`
		Step string `json:"step"`
	}
	apptest.Expect(t, "the change", c.Do("POST", "/api/v1/me/password", map[string]string{"current": out.Password, "new": "Tốt-hơn-2026"}), http.StatusOK, &done)
	if done.Step != "" || done.CSRF == "" {
		t.Fatalf("after the change: %+v", done)
	}
	c.CSRF = done.CSRF
	apptest.Expect(t, "signed in after the change", c.Do("GET", "/api/v1/me", nil), http.StatusOK, nil)
	apptest.Expect(t, "the one-time password again", env.Anon().Do("POST", "/api/v1/login", map[string]string{"login": "author.vhtt", "password": out.Password}), http.StatusUnauthorized, nil)
}

var resetLinkRE = regexp.MustCompile(`/password-reset/confirm\?token=([A-Za-z0-9_-]+)`)

func withMail(t *testing.T) (apptest.Option, *mailtest.Server) {
	srv := mailtest.Start(t, "", "")
	return apptest.WithConfig(func(c *config.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPTLS, c.BaseURL = "127.0.0.1", srv.Port, "none", "http://qms.test"
	}), srv
}

func waitMails(t *testing.T, srv *mailtest.Server, n int) []mailtest.Message {
	t.Helper()
	for i := 0; i < 400; i++ {
		if ms := srv.Messages(); len(ms) >= n {
			return ms
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("%d mails did not arrive (%d did)", n, len(srv.Messages()))
	return nil
}

// TestAPIPasswordResetByMail: the same answer for a known and an unknown
// login, a link that works once, throttled alike.
func TestAPIPasswordResetByMail(t *testing.T) {
	opt, smtp := withMail(t)
	env := apptest.New(t, opt)
	startQueue(t, env)
	if _, err := env.App.DB.Exec(`UPDATE users SET email = 'head.tnmt@qms.test', lang = 'en' WHERE login = 'head.tnmt'`); err != nil {
		t.Fatal(err)
	}
	anon := env.Anon()
	var bodies []string
	for i := 0; i < 4; i++ {
		for _, login := range []string{"head.tnmt", "khong.ton.tai"} {
			r := anon.Do("POST", "/api/v1/password-reset", map[string]string{"login": login})
			bodies = append(bodies, r.String())
		}
	}
	for i := 0; i < len(bodies); i += 2 {
		if bodies[i] != bodies[i+1] {
			t.Errorf("request %d: the known login got %s, the unknown %s", i/2+1, bodies[i], bodies[i+1])
		}
	}
	if !strings.HasPrefix(bodies[0], "202 ") || !strings.HasPrefix(bodies[6], "429 ") {
		t.Fatalf("answers: %v", bodies)
	}
	ms := waitMails(t, smtp, 3)
	if ms[0].Subject != "qmstrack: reset your password" || ms[0].To[0] != "head.tnmt@qms.test" {
		t.Fatalf("mail: %q to %v", ms[0].Subject, ms[0].To)
	}
	tok := resetLinkRE.FindStringSubmatch(ms[2].Body)
	if tok == nil || !strings.Contains(ms[2].Body, "http://qms.test/password-reset/confirm?token=") {
		t.Fatalf("no link in %q", ms[2].Body)
	}
	r := anon.Do("POST", "/api/v1/password-reset/confirm", map[string]string{"token": tok[1], "new": "Tốt-hơn-2026"})
	apptest.Expect(t, "confirm", r, http.StatusOK, nil)
	r = anon.Do("POST", "/api/v1/password-reset/confirm", map[string]string{"token": tok[1], "new": "Khác-nữa-2026"})
	if b := errOf(r); r.Status != http.StatusForbidden || !strings.HasPrefix(b.Error.Message, "this reset link is not valid") {
		t.Fatalf("the link twice: %s", r)
	}
	apptest.Expect(t, "the new password", env.Anon().Do("POST", "/api/v1/login", map[string]string{"login": "head.tnmt", "password": "Tốt-hơn-2026"}), http.StatusOK, nil)
}

// TestAPITOTP: enrolment through the API, sign-in asking for the code,
// and a role that requires a second factor.
func TestAPITOTP(t *testing.T) {
	env := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.TOTPRequiredRoles = []string{"coordinator"} }))
	me := env.As("staff.tnmt")
	r := me.Do("POST", "/api/v1/me/totp", map[string]string{})
	if b := errOf(r); r.Status != http.StatusBadRequest || b.Error.Fields["password"] == "" {
		t.Fatalf("begin without the password: %s", r)
	}
	var enr struct {
		Secret string `json:"secret"`
		URL    string `json:"otpauth_url"`
		QR     string `json:"qr_png"`
	}
	apptest.Expect(t, "begin", me.Do("POST", "/api/v1/me/totp", map[string]string{"password": apptest.Password}), http.StatusOK, &enr)
	if enr.Secret == "" || !strings.HasPrefix(enr.QR, "data:image/png;base64,") {
		t.Fatalf("enrolment %+v", enr)
	}
	code := func(at time.Time) string {
		c, err := totp.GenerateCodeCustom(enr.Secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	var codes struct {
		Codes []string `json:"recovery_codes"`
	}
	apptest.Expect(t, "confirm", me.Do("POST", "/api/v1/me/totp", map[string]string{"code": code(time.Now())}), http.StatusOK, &codes)
	if len(codes.Codes) != 10 {
		t.Fatalf("recovery codes %v", codes.Codes)
	}
	c := env.Anon()
	var step struct {
		CSRF string `json:"csrf_token"`
		Step string `json:"step"`
	}
	apptest.Expect(t, "password alone", c.Do("POST", "/api/v1/login", map[string]string{"login": "staff.tnmt", "password": apptest.Password}), http.StatusOK, &step)
	if step.Step != "code" {
		t.Fatalf("step %q", step.Step)
	}
	c.CSRF = step.CSRF
	if r := c.Do("GET", "/api/v1/me", nil); r.Status != http.StatusUnauthorized || errOf(r).Error.Code != "totp_code_required" {
		t.Fatalf("a call before the code: %s", r)
	}
	if r := c.Do("POST", "/api/v1/login", map[string]string{"code": "000000"}); r.Status != http.StatusUnauthorized || errOf(r).Error.Message != "the code is wrong or was used already" {
		t.Fatalf("a wrong code: %s", r)
	}
	step.Step = ""
	apptest.Expect(t, "a recovery code", c.Do("POST", "/api/v1/login", map[string]string{"code": codes.Codes[0]}), http.StatusOK, &step)
	if step.Step != "" {
		t.Fatalf("after the code: %+v", step)
	}
	if r := env.Anon().Do("POST", "/api/v1/login", map[string]string{"login": "staff.tnmt", "password": apptest.Password, "code": codes.Codes[0]}); r.Status != http.StatusUnauthorized {
		t.Fatalf("a recovery code twice: %s", r)
	}
	if r := me.Do("DELETE", "/api/v1/me/totp", map[string]string{"password": "sai"}); r.Status != http.StatusBadRequest {
		t.Fatalf("removal with a wrong password: %s", r)
	}
	apptest.Expect(t, "removal", me.Do("DELETE", "/api/v1/me/totp", map[string]string{"password": apptest.Password}), http.StatusOK, nil)

	// The coordinator's role requires a second factor: sign-in stops at
	// the enrolment, every other call answers totp_enrolment_required.
	co := env.Anon()
	step.Step = ""
	apptest.Expect(t, "coordinator", co.Do("POST", "/api/v1/login", map[string]string{"login": "coordinator", "password": apptest.Password}), http.StatusOK, &step)
	if step.Step != "enrol" {
		t.Fatalf("coordinator step %q", step.Step)
	}
	co.CSRF = step.CSRF
	if r := co.Do("GET", "/api/v1/ncs", nil); r.Status != http.StatusForbidden || errOf(r).Error.Code != "totp_enrolment_required" {
		t.Fatalf("a call before the enrolment: %s", r)
	}
	if r := co.Do("POST", "/api/v1/me/password", map[string]string{"current": apptest.Password, "new": "Tốt-hơn-2026"}); r.Status != http.StatusForbidden || errOf(r).Error.Code != "totp_enrolment_required" {
		t.Fatalf("a password change before the enrolment: %s", r)
	}
	apptest.Expect(t, "begin at sign-in", co.Do("POST", "/api/v1/me/totp", map[string]string{}), http.StatusOK, &enr)
	var fin struct {
		CSRF  string   `json:"csrf_token"`
		Step  string   `json:"step"`
		Codes []string `json:"recovery_codes"`
	}
	apptest.Expect(t, "confirm at sign-in", co.Do("POST", "/api/v1/me/totp", map[string]string{"code": code(time.Now())}), http.StatusOK, &fin)
	if fin.Step != "" || len(fin.Codes) != 10 {
		t.Fatalf("after the enrolment: %+v", fin)
	}
	co.CSRF = fin.CSRF
	apptest.Expect(t, "signed in", co.Do("GET", "/api/v1/me", nil), http.StatusOK, nil)
	if r := co.Do("DELETE", "/api/v1/me/totp", map[string]string{"password": apptest.Password}); r.Status != http.StatusForbidden || !strings.Contains(errOf(r).Error.Message, "requires a second factor") {
		t.Fatalf("a coordinator removing the second factor: %s", r)
	}
}

var csrfFieldRE = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrfOfPage reads the CSRF token a page's forms carry.
func csrfOfPage(t *testing.T, c *apptest.Client, path string) string {
	t.Helper()
	r := c.AsForm().Do("GET", path, nil)
	m := csrfFieldRE.FindSubmatch(r.Body)
	if r.Status != http.StatusOK || m == nil {
		t.Fatalf("GET %s: %d, no CSRF field", path, r.Status)
	}
	return string(m[1])
}

// TestPagesTOTPAndCodeStep: the enrolment page shows a QR code and takes a
// first code; the sign-in form then leads to the code page, where a wrong
// code is refused on the page and the right one signs in.
func TestPagesTOTPAndCodeStep(t *testing.T) {
	env := apptest.New(t)
	me := env.As("head.vhtt").AsForm()
	r := me.Do("POST", "/ui/account/totp", map[string]string{"op": "begin", "password": "sai"})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "mật khẩu hiện tại không đúng") {
		t.Fatalf("begin with a wrong password: %d", r.Status)
	}
	r = me.Do("POST", "/ui/account/totp", map[string]string{"op": "begin", "password": apptest.Password})
	secret := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindSubmatch(r.Body)
	if r.Status != http.StatusOK || secret == nil || !strings.Contains(string(r.Body), `src="data:image/png;base64,`) {
		t.Fatalf("begin: %d, no secret or QR code", r.Status)
	}
	code := func() string {
		c, _ := totp.GenerateCodeCustom(string(secret[1]), time.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		return c
	}
	r = me.Do("POST", "/ui/account/totp", map[string]string{"op": "confirm", "code": "000000"})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "mã không đúng") || !strings.Contains(string(r.Body), `id="totp-qr"`) {
		t.Fatalf("a wrong first code: %d", r.Status)
	}
	r = me.Do("POST", "/ui/account/totp", map[string]string{"op": "confirm", "code": code()})
	if r.Status != http.StatusOK || strings.Count(string(r.Body), "<li><code>") != 10 {
		t.Fatalf("confirm: %d, recovery codes not listed", r.Status)
	}
	rc := regexp.MustCompile(`<li><code>([a-z2-7]{5}-[a-z2-7]{5})</code>`).FindSubmatch(r.Body)

	b := env.Anon().AsForm()
	r = b.Do("POST", "/login", map[string]string{"login": "head.vhtt", "password": apptest.Password})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login/code" {
		t.Fatalf("sign-in form: %d to %q", r.Status, r.Header.Get("Location"))
	}
	if r := b.Do("GET", "/documents", nil); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login/code" {
		t.Fatalf("a page before the code: %d to %q", r.Status, r.Header.Get("Location"))
	}
	b.CSRF = csrfOfPage(t, b, "/login/code")
	r = b.Do("POST", "/login/code", map[string]string{"code": "123456"})
	if r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), "Mã không đúng hoặc đã được dùng") {
		t.Fatalf("a wrong code: %d", r.Status)
	}
	r = b.Do("POST", "/login/code", map[string]string{"code": string(rc[1])})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("a recovery code: %d to %q", r.Status, r.Header.Get("Location"))
	}
	if r := b.Do("GET", "/documents", nil); r.Status != http.StatusOK {
		t.Fatalf("signed in: %d", r.Status)
	}
}

// TestPagesOneTimePassword: the administrator's button shows a one-time
// password once; signing in with it leads to the change page, which
// signs in once the password is changed.
func TestPagesOneTimePassword(t *testing.T) {
	env := apptest.New(t)
	id := userID(t, env, "staff.noivu")
	r := env.As("admin").AsForm().Do("POST", "/ui/admin/users/"+id+"/password-reset", nil)
	pw := regexp.MustCompile(`id="one-time-password">[^<]*<code>([A-Za-z0-9]{16})</code>`).FindSubmatch(r.Body)
	if r.Status != http.StatusOK || pw == nil {
		t.Fatalf("the reset button: %d, no one-time password shown", r.Status)
	}
	b := env.Anon().AsForm()
	r = b.Do("POST", "/login", map[string]string{"login": "staff.noivu", "password": string(pw[1])})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account/password" {
		t.Fatalf("sign-in with the one-time password: %d to %q", r.Status, r.Header.Get("Location"))
	}
	if r := b.Do("GET", "/", nil); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/account/password" {
		t.Fatalf("home before the change: %d to %q", r.Status, r.Header.Get("Location"))
	}
	b.CSRF = csrfOfPage(t, b, "/account/password")
	r = b.Do("POST", "/ui/account/password", map[string]string{"current": string(pw[1]), "new": "Tốt-hơn-2026", "confirm": "Tốt-hơn-2027"})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "Hai mật khẩu mới không giống nhau") {
		t.Fatalf("a mismatched confirmation: %d", r.Status)
	}
	r = b.Do("POST", "/ui/account/password", map[string]string{"current": string(pw[1]), "new": "Tốt-hơn-2026", "confirm": "Tốt-hơn-2026"})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("the change: %d to %q", r.Status, r.Header.Get("Location"))
	}
	if r := b.Do("GET", "/", nil); r.Status != http.StatusOK {
		t.Fatalf("home after the change: %d", r.Status)
	}
}
