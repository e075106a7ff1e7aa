package web_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// ssoUser is a person at the test's identity provider; aud, exp and nonce,
// when set, replace what the provider would put in the ID token (a token
// for another client, an expired one, one of another sign-in).
type ssoUser struct {
	sub, login, name, email string
	roles                   []string
	aud                     string
	expired                 bool
	nonce                   string
}

func (u ssoUser) ID() string { return u.sub }

func (u ssoUser) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]any{"sub": u.sub, "preferred_username": u.login, "name": u.name, "email": u.email})
}

func (u ssoUser) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	if u.aud != "" {
		base.Audience = jwt.ClaimStrings{u.aud}
	}
	if u.expired {
		base.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Minute))
		base.IssuedAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
		base.NotBefore = base.IssuedAt
	}
	if u.nonce != "" {
		base.Nonce = u.nonce
	}
	return &struct {
		*mockoidc.IDTokenClaims
		Login string   `json:"preferred_username,omitempty"`
		Name  string   `json:"name,omitempty"`
		Email string   `json:"email,omitempty"`
		Roles []string `json:"qms_roles,omitempty"`
	}{base, u.login, u.name, u.email, u.roles}, nil
}

// ssoSetup starts an identity provider and qmstrack using it.
func ssoSetup(t *testing.T, linkByLogin bool) (*apptest.Env, *mockoidc.MockOIDC) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mockoidc.NewServer(key)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	env := apptest.New(t, apptest.WithConfig(func(c *config.Config) {
		c.OIDCIssuer, c.OIDCClientID, c.OIDCClientSecret = m.Issuer(), m.ClientID, m.ClientSecret
		c.OIDCClaimRoles = "qms_roles"
		c.OIDCLinkByLogin = linkByLogin
	}))
	return env, m
}

// ssoBrowser is a browser's cookies and a client that shows each redirect.
type ssoBrowser struct {
	env *apptest.Env
	c   *http.Client
}

func newSSOBrowser(t *testing.T, env *apptest.Env) *ssoBrowser {
	jar, _ := cookiejar.New(nil)
	return &ssoBrowser{env: env, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *ssoBrowser) get(t *testing.T, u string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Accept", "text/html")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// toProvider goes from qmstrack's sign-in link to the provider and back
// with the provider's answer: the callback's address on this qmstrack (the
// provider sends the browser to the configured QMS_BASE_URL).
func (b *ssoBrowser) toProvider(t *testing.T, m *mockoidc.MockOIDC, u ssoUser) string {
	t.Helper()
	m.QueueUser(u)
	resp, _ := b.get(t, b.env.URL+"/auth/oidc/login?next=/ncs")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), m.AuthorizationEndpoint()) {
		t.Fatalf("sign-in link: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	auth, _ := url.Parse(resp.Header.Get("Location"))
	q := auth.Query()
	if q.Get("nonce") == "" || q.Get("code_challenge_method") != "S256" || q.Get("state") == "" {
		t.Fatalf("the authorization request lacks its nonce, PKCE or state: %s", auth)
	}
	resp, _ = b.get(t, auth.String())
	cb, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || cb.Path != "/auth/oidc/callback" {
		t.Fatalf("provider answered %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return b.env.URL + cb.Path + "?" + cb.RawQuery
}

// signedIn says who the browser's session is, "" for none.
func (b *ssoBrowser) signedIn(t *testing.T) string {
	req, _ := http.NewRequest("GET", b.env.URL+"/api/v1/me", nil)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var me struct{ Login string }
	_ = json.NewDecoder(resp.Body).Decode(&me)
	return me.Login
}

// TestSSOFirstSignInCreatesThePersonWithTheMappedRoles: a person the
// provider names for the first time gets an account with the roles of the
// claim that qmstrack knows (an unknown role or unit is skipped), no
// password, and is signed in and sent to the page they asked for; the
// second sign-in finds the same account; the callback cannot be replayed.
func TestSSOFirstSignInCreatesThePersonWithTheMappedRoles(t *testing.T) {
	env, m := ssoSetup(t, false)
	b := newSSOBrowser(t, env)
	u := ssoUser{sub: "idp-0001", login: "Nguyen.Van.A", name: "Nguyễn Văn A", email: "a@qms.test",
		roles: []string{"staff:tnmt", "emperor:tnmt", "staff:nowhere"}}
	cb := b.toProvider(t, m, u)
	resp, _ := b.get(t, cb)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ncs" {
		t.Fatalf("callback: %d to %q, want 303 to /ncs", resp.StatusCode, resp.Header.Get("Location"))
	}
	if who := b.signedIn(t); who != "nguyen.van.a" {
		t.Fatalf("signed in as %q", who)
	}
	db := env.App.DB
	var row struct {
		ID, Name, Email string
		PasswordLogin   bool `db:"password_login"`
	}
	if err := db.Get(&row, `SELECT id, name, email, password_login FROM users WHERE oidc_issuer = $1 AND oidc_subject = 'idp-0001'`, m.Issuer()); err != nil {
		t.Fatal(err)
	}
	if row.Name != "Nguyễn Văn A" || row.Email != "a@qms.test" || row.PasswordLogin {
		t.Errorf("the new account %+v", row)
	}
	var grants []string
	if err := db.Select(&grants, `SELECT role || ':' || unit FROM role_assignments WHERE user_id = $1`, row.ID); err != nil {
		t.Fatal(err)
	}
	if len(grants) != 1 || grants[0] != "staff:tnmt" {
		t.Errorf("roles %v, want staff:tnmt alone", grants)
	}
	// The callback again (a replayed state): refused, no second session.
	var sessions int
	_ = db.Get(&sessions, `SELECT count(*) FROM sessions WHERE user_id = $1`, row.ID)
	replay := newSSOBrowser(t, env)
	resp, body := replay.get(t, cb)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "không hợp lệ hoặc đã hết hạn") {
		t.Errorf("replayed callback: %d", resp.StatusCode)
	}
	var after int
	_ = db.Get(&after, `SELECT count(*) FROM sessions WHERE user_id = $1`, row.ID)
	if after != sessions {
		t.Errorf("a replayed callback opened a session")
	}
	// The password is refused for an account without one.
	if r := env.Anon().Do("POST", "/api/v1/login", map[string]string{"login": "nguyen.van.a", "password": ""}); r.Status != http.StatusUnauthorized {
		t.Errorf("password sign-in of the SSO account: %d", r.Status)
	}
	// The second sign-in: the same account, and no role granted again.
	if _, err := db.Exec(`DELETE FROM role_assignments WHERE user_id = $1`, row.ID); err != nil {
		t.Fatal(err)
	}
	b2 := newSSOBrowser(t, env)
	resp, _ = b2.get(t, b2.toProvider(t, m, u))
	var n, roles int
	_ = db.Get(&n, `SELECT count(*) FROM users WHERE oidc_subject = 'idp-0001'`)
	_ = db.Get(&roles, `SELECT count(*) FROM role_assignments WHERE user_id = $1`, row.ID)
	if resp.StatusCode != http.StatusSeeOther || n != 1 || roles != 0 || b2.signedIn(t) != "nguyen.van.a" {
		t.Errorf("second sign-in: %d, %d accounts, %d roles", resp.StatusCode, n, roles)
	}
}

// TestSSORefusesWhatDoesNotHold: an ID token for another client, an
// expired one, one carrying another sign-in's nonce, a callback without
// the browser's state cookie, and a provider naming the login of a local
// account (not linked unless the office says so) are each refused with
// the page's reason, and none opens a session or creates an account.
func TestSSORefusesWhatDoesNotHold(t *testing.T) {
	env, m := ssoSetup(t, false)
	db := env.App.DB
	count := func(q string) int {
		var n int
		if err := db.Get(&n, q); err != nil {
			t.Fatal(err)
		}
		return n
	}
	users, sessions := count(`SELECT count(*) FROM users`), count(`SELECT count(*) FROM sessions`)
	for name, u := range map[string]ssoUser{
		"another audience": {sub: "idp-aud", login: "aud.x", aud: "someone-else"},
		"expired":          {sub: "idp-exp", login: "exp.x", expired: true},
		"another nonce":    {sub: "idp-nonce", login: "nonce.x", nonce: "the-nonce-of-another-sign-in"},
	} {
		b := newSSOBrowser(t, env)
		resp, body := b.get(t, b.toProvider(t, m, u))
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Không xác minh được trả lời của hệ thống xác thực") {
			t.Errorf("%s: %d, want 401 with the reason", name, resp.StatusCode)
		}
	}
	// No cookie: a callback sent to another browser (login CSRF).
	b := newSSOBrowser(t, env)
	cb := b.toProvider(t, m, ssoUser{sub: "idp-csrf", login: "csrf.x"})
	resp, body := newSSOBrowser(t, env).get(t, cb)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "không hợp lệ hoặc đã hết hạn") {
		t.Errorf("callback in another browser: %d", resp.StatusCode)
	}
	// A local account's login, not linked.
	b = newSSOBrowser(t, env)
	resp, body = b.get(t, b.toProvider(t, m, ssoUser{sub: "idp-taken", login: "staff.vp"}))
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "chưa liên kết với đăng nhập một lần") {
		t.Errorf("a local account's login: %d", resp.StatusCode)
	}
	if u, s := count(`SELECT count(*) FROM users`), count(`SELECT count(*) FROM sessions`); u != users || s != sessions {
		t.Errorf("refusals wrote: users %d→%d, sessions %d→%d", users, u, sessions, s)
	}
}

// TestSSOLinksALocalAccountWhenTheOfficeSaysSo: with QMS_OIDC_LINK_BY_LOGIN
// the local account of the provider's login is linked and signed in, and
// its password sign-in can then be switched off, which refuses the
// password with that reason.
func TestSSOLinksALocalAccountWhenTheOfficeSaysSo(t *testing.T) {
	env, m := ssoSetup(t, true)
	b := newSSOBrowser(t, env)
	resp, _ := b.get(t, b.toProvider(t, m, ssoUser{sub: "idp-vp", login: "staff.vp"}))
	if resp.StatusCode != http.StatusSeeOther || b.signedIn(t) != "staff.vp" {
		t.Fatalf("linking staff.vp: %d", resp.StatusCode)
	}
	var id string
	if err := env.App.DB.Get(&id, `SELECT id FROM users WHERE login = 'staff.vp' AND oidc_subject = 'idp-vp'`); err != nil {
		t.Fatalf("staff.vp is not linked: %v", err)
	}
	admin := env.As("admin")
	r := admin.Do("PUT", "/api/v1/users/"+id, map[string]any{"password_login": false}).MustStatus(http.StatusOK)
	var u struct {
		PasswordLogin bool `json:"password_login"`
		SSO           bool `json:"sso"`
	}
	r.Decode(&u)
	if u.PasswordLogin || !u.SSO {
		t.Errorf("after switching off: %+v", u)
	}
	r = env.Anon().Do("POST", "/api/v1/login", map[string]string{"login": "staff.vp", "password": apptest.Password})
	if r.Status != http.StatusUnauthorized || errorMessage(t, r) != "this account signs in through single sign-on" {
		t.Errorf("password of an SSO-only account: %s", r)
	}
	// The administrators' page switches it on again.
	page := admin.Do("GET", "/admin/users", nil).MustStatus(http.StatusOK)
	if !strings.Contains(string(page.Body), `id="pwon-staff.vp"`) {
		t.Errorf("the users page offers no switch for staff.vp's password sign-in")
	}
	r = admin.AsForm().Do("POST", "/ui/admin/users", map[string]string{"id": id, "password_login": "on"})
	if r.Status >= 400 {
		t.Fatalf("switching on from the page: %s", r)
	}
	env.Anon().Do("POST", "/api/v1/login", map[string]string{"login": "staff.vp", "password": apptest.Password}).MustStatus(http.StatusOK)
	// A person not linked cannot lose their only way in.
	var other string
	_ = env.App.DB.Get(&other, `SELECT id FROM users WHERE login = 'staff.tnmt'`)
	r = admin.Do("PUT", "/api/v1/users/"+other, map[string]any{"password_login": false})
	if r.Status != http.StatusBadRequest || !strings.Contains(errorMessage(t, r), "only for a person linked to single sign-on") {
		t.Errorf("switching off the password of an unlinked person: %s", r)
	}
}
