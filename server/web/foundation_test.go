package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

func TestLoginMeLogout(t *testing.T) {
	env := apptest.New(t)
	anon := env.Anon()
	r := anon.Do("POST", "/api/v1/login", map[string]string{"login": "coordinator", "password": "wrong"})
	if r.Status != http.StatusUnauthorized || r.ErrorCode() != "unauthenticated" {
		t.Fatalf("wrong password: %s", r)
	}
	if anon.HTTP.Jar.Cookies(mustURL(t, env.URL)) != nil {
		t.Fatal("a failed login set a cookie")
	}
	anon.Do("GET", "/api/v1/me", nil).MustStatus(http.StatusUnauthorized)

	c := env.As("head.tnmt")
	var me struct {
		Login string `json:"login"`
		Roles []struct{ Role, Unit string }
	}
	c.Do("GET", "/api/v1/me", nil).MustStatus(200).Decode(&me)
	if me.Login != "head.tnmt" || len(me.Roles) != 2 {
		t.Fatalf("me = %+v", me)
	}
	cookie := c.HTTP.Jar.Cookies(mustURL(t, env.URL))
	if len(cookie) != 1 || cookie[0].Name != "qms_session" {
		t.Fatalf("cookies = %v", cookie)
	}
	c.Do("POST", "/api/v1/logout", nil).MustStatus(200)
	c.Do("GET", "/api/v1/me", nil).MustStatus(http.StatusUnauthorized)
}

func TestSessionCookieAttributes(t *testing.T) {
	env := apptest.New(t)
	r := env.Anon().Do("POST", "/api/v1/login", map[string]string{"login": "staff.vhtt", "password": apptest.Password})
	sc := r.Header.Get("Set-Cookie")
	for _, want := range []string{"qms_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %s", sc, want)
		}
	}
	if strings.Contains(sc, "Secure") {
		t.Errorf("Secure set on a plain-HTTP request: %q", sc)
	}
	req, _ := http.NewRequest("POST", env.URL+"/api/v1/login", strings.NewReader(`{"login":"staff.vhtt","password":"demo12345"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-Proto", "https")
	r = env.Anon().Send(req)
	if !strings.Contains(r.Header.Get("Set-Cookie"), "Secure") {
		t.Errorf("no Secure under TLS: %q", r.Header.Get("Set-Cookie"))
	}
}

func TestCSRF(t *testing.T) {
	env := apptest.New(t)
	c := env.As("staff.tnmt")
	token := c.CSRF
	c.CSRF = ""
	r := c.Do("POST", "/api/v1/tokens", map[string]string{"name": "x"})
	if r.Status != http.StatusForbidden || r.ErrorCode() != "forbidden" {
		t.Fatalf("cookie request without CSRF token: %s", r)
	}
	c.CSRF = "wrong"
	c.Do("POST", "/api/v1/tokens", map[string]string{"name": "x"}).MustStatus(http.StatusForbidden)
	c.CSRF = token
	var tok struct {
		Token string `json:"token"`
		ID    string `json:"id"`
	}
	c.Do("POST", "/api/v1/tokens", map[string]string{"name": "one-stop sync"}).MustStatus(201).Decode(&tok)
	// A bearer token needs no CSRF token: browsers never send it by themselves.
	b := env.Anon()
	b.Token = tok.Token
	b.Do("GET", "/api/v1/me", nil).MustStatus(200)
	b.Do("POST", "/api/v1/tokens", map[string]string{"name": "second"}).MustStatus(201)
	c.Do("DELETE", "/api/v1/tokens/"+tok.ID, nil).MustStatus(200)
	b.Do("GET", "/api/v1/me", nil).MustStatus(http.StatusUnauthorized)
}

func TestAdminUnitsUsersRoles(t *testing.T) {
	env := apptest.New(t)
	admin := env.As("admin")
	admin.Do("POST", "/api/v1/units", map[string]string{"code": "xd", "name_vi": "Phòng Quản lý đô thị", "name_en": "Urban management"}).MustStatus(201)
	cases := []struct {
		body map[string]string
		code string
	}{
		{map[string]string{"code": "xd", "name_vi": "a", "name_en": "b"}, "conflict"},
		{map[string]string{"code": "x d*", "name_vi": "a", "name_en": "b"}, "invalid"},
		{map[string]string{"code": "ok", "name_vi": strings.Repeat("a", 1000), "name_en": "b"}, "invalid"},
		{map[string]string{"code": "ok2", "name_vi": "a", "name_en": "b", "parent": "nope"}, "invalid"},
	}
	for _, tc := range cases {
		if r := admin.Do("POST", "/api/v1/units", tc.body); r.ErrorCode() != tc.code {
			t.Errorf("%v: want %s, got %s", tc.body, tc.code, r)
		}
	}
	admin.Do("POST", "/api/v1/users", map[string]string{"login": "staff.xd", "name": "Nguyễn Thị B", "password": "password1"}).MustStatus(201)
	admin.Do("POST", "/api/v1/users", map[string]string{"login": "staff.xd", "name": "X", "password": "password1"}).MustStatus(409)
	admin.Do("POST", "/api/v1/role-assignments", map[string]string{"user": "staff.xd", "role": "staff", "unit": "xd"}).MustStatus(201)
	admin.Do("POST", "/api/v1/role-assignments", map[string]string{"user": "staff.xd", "role": "staff", "unit": "xd"}).MustStatus(409)
	admin.Do("POST", "/api/v1/role-assignments", map[string]string{"user": "staff.xd", "role": "boss", "unit": "xd"}).MustStatus(400)
	admin.Do("POST", "/api/v1/role-assignments", map[string]string{"user": "nobody", "role": "staff", "unit": "xd"}).MustStatus(400)

	// Not an admin: forbidden, and nothing written.
	coord := env.As("coordinator")
	coord.Do("POST", "/api/v1/users", map[string]string{"login": "evil", "name": "E", "password": "password1"}).MustStatus(403)
	coord.Do("POST", "/api/v1/role-assignments", map[string]string{"user": "coordinator", "role": "admin", "unit": "*"}).MustStatus(403)
	var users struct{ Items []struct{ Login string } }
	admin.Do("GET", "/api/v1/users", nil).MustStatus(200).Decode(&users)
	for _, u := range users.Items {
		if u.Login == "evil" {
			t.Fatal("a forbidden request created a user")
		}
	}
}

// A revoked role stops working at the next request.
func TestRevokedRoleStopsAtNextRequest(t *testing.T) {
	env := apptest.New(t)
	admin := env.As("admin")
	staff := env.As("staff.noivu")
	staff.Do("GET", "/api/v1/trail/verify", nil).MustStatus(403)
	admin.Do("POST", "/api/v1/role-assignments", map[string]string{"user": "staff.noivu", "role": "coordinator", "unit": "*"}).MustStatus(201)
	staff.Do("GET", "/api/v1/trail/verify", nil).MustStatus(200)
	admin.Do("DELETE", "/api/v1/role-assignments", map[string]string{"user": "staff.noivu", "role": "coordinator", "unit": "*"}).MustStatus(200)
	staff.Do("GET", "/api/v1/trail/verify", nil).MustStatus(403)
}

func TestDisabledUserLosesSessions(t *testing.T) {
	env := apptest.New(t)
	admin := env.As("admin")
	staff := env.As("staff.vhtt")
	var users struct{ Items []struct{ ID, Login string } }
	admin.Do("GET", "/api/v1/users", nil).MustStatus(200).Decode(&users)
	id := ""
	for _, u := range users.Items {
		if u.Login == "staff.vhtt" {
			id = u.ID
		}
	}
	admin.Do("PUT", "/api/v1/users/"+id, map[string]string{"status": "disabled"}).MustStatus(200)
	staff.Do("GET", "/api/v1/me", nil).MustStatus(http.StatusUnauthorized)
	env.Anon().Do("POST", "/api/v1/login", map[string]string{"login": "staff.vhtt", "password": apptest.Password}).MustStatus(401)
}

func TestBadInputIsA4xxNeverA500(t *testing.T) {
	env := apptest.New(t)
	admin := env.As("admin")
	cases := []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"POST", "/api/v1/units", `{"code": 7}`, 400, "invalid"},
		{"POST", "/api/v1/units", `{"code": "a"`, 400, "invalid"},
		{"POST", "/api/v1/units", ``, 400, "invalid"},
		{"POST", "/api/v1/users", `[1,2,3]`, 400, "invalid"},
		{"PUT", "/api/v1/users/not-a-uuid", `{"status":"disabled"}`, 404, "not_found"},
		{"PUT", "/api/v1/users/00000000-0000-0000-0000-000000000000", `{"status":"gone"}`, 404, "not_found"},
		{"POST", "/api/v1/units", `{"code":"` + strings.Repeat("x", 2<<20) + `"}`, 413, "too_large"},
		{"GET", "/api/v1/nothing-here", ``, 404, "not_found"},
		{"GET", "/api/v1/trail?limit=abc", ``, 400, "invalid"},
		{"POST", "/api/v1/login", `{"login": ["x"], "password": "y"}`, 400, "invalid"},
	}
	for _, tc := range cases {
		r := admin.Do(tc.method, tc.path, tc.body)
		if r.Status != tc.status || r.ErrorCode() != tc.code {
			t.Errorf("%s %s %.40q: got %s, want %d %s", tc.method, tc.path, tc.body, r, tc.status, tc.code)
		}
	}
}

func TestTrailAPIVerifiesAndDetectsTampering(t *testing.T) {
	env := apptest.New(t)
	coord := env.As("coordinator")
	var res struct {
		OK       bool  `json:"ok"`
		Checked  int64 `json:"checked"`
		BrokenAt int64 `json:"broken_at"`
	}
	coord.Do("GET", "/api/v1/trail/verify", nil).MustStatus(200).Decode(&res)
	if !res.OK || res.Checked < 20 {
		t.Fatalf("verify = %+v", res)
	}
	var list struct {
		Items []struct {
			Seq    int64  `json:"seq"`
			Action string `json:"action"`
		}
	}
	coord.Do("GET", "/api/v1/trail?object_type=unit", nil).MustStatus(200).Decode(&list)
	if len(list.Items) != 5 || list.Items[0].Action != "unit.create" {
		t.Fatalf("unit entries = %+v", list.Items)
	}
	// Alter entry 7 behind the application's back.
	conn, err := env.App.DB.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{`SET session_replication_role = replica`, `UPDATE trail SET actor_login = 'someone-else' WHERE seq = 7`, `SET session_replication_role = origin`} {
		if _, err := conn.ExecContext(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	coord.Do("GET", "/api/v1/trail/verify", nil).MustStatus(200).Decode(&res)
	if res.OK || res.BrokenAt != 7 {
		t.Fatalf("tampering not detected at 7: %+v", res)
	}
	// Staff may not read the trail; heads only their unit's entries.
	env.As("staff.tnmt").Do("GET", "/api/v1/trail", nil).MustStatus(403)
	var headList struct{ Items []struct{ Unit string } }
	env.As("head.tnmt").Do("GET", "/api/v1/trail", nil).MustStatus(200).Decode(&headList)
	for _, e := range headList.Items {
		if e.Unit != "tnmt" {
			t.Fatalf("head of tnmt sees an entry of unit %q", e.Unit)
		}
	}
}

func TestOpenAPICoversEveryAPIRoute(t *testing.T) {
	env := apptest.New(t)
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	env.Anon().Do("GET", "/api/v1/openapi.json", nil).MustStatus(200).Decode(&doc)
	n := 0
	for _, r := range env.App.Web.Engine().Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Path == "/api/v1/openapi.json" {
			continue
		}
		n++
		p := openAPIPath(r.Path)
		if _, ok := doc.Paths[p][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s is missing from the OpenAPI document", r.Method, p)
		}
	}
	if n < 15 {
		t.Fatalf("only %d API routes found", n)
	}
}

func openAPIPath(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

func TestTranslationsComplete(t *testing.T) {
	env := apptest.New(t)
	if missing := env.App.Web.MissingTranslations(); len(missing) > 0 {
		t.Fatalf("messages missing a translation: %v", missing)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	env := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.MetricsToken = "metrics-secret" }))
	a := env.Anon()
	a.Do("GET", "/healthz", nil).MustStatus(200)
	a.Do("GET", "/readyz", nil).MustStatus(200)
	env.As("staff.tnmt").Do("PUT", "/api/v1/users/00000000-0000-0000-0000-000000000001", `{}`)
	// Without the metrics token, /metrics is a page that is not there.
	if r := a.Do("GET", "/metrics", nil); r.Status != http.StatusNotFound {
		t.Fatalf("anonymous /metrics: %s", r)
	}
	req, _ := http.NewRequest("GET", env.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer wrong")
	if r := a.Send(req); r.Status != http.StatusNotFound {
		t.Fatalf("/metrics with a wrong token: %s", r)
	}
	req, _ = http.NewRequest("GET", env.URL+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer metrics-secret")
	r := a.Send(req).MustStatus(200)
	body := string(r.Body)
	if !strings.Contains(body, `route="/api/v1/users/:id"`) || strings.Contains(body, "00000000-0000") {
		t.Fatalf("metrics are not labelled by route pattern:\n%s", body)
	}
}

// TestMetricsNotServedWithoutToken: with no token configured the main
// address serves no metrics at all (they go to QMS_METRICS_ADDR).
func TestMetricsNotServedWithoutToken(t *testing.T) {
	env := apptest.New(t)
	if r := env.As("admin").Do("GET", "/metrics", nil); r.Status != http.StatusNotFound {
		t.Fatalf("/metrics without a configured token: %s", r)
	}
}

// TestStaticHasNoListings: the static folder serves files, never a list of them.
func TestStaticHasNoListings(t *testing.T) {
	env := apptest.New(t)
	a := env.Anon()
	for _, p := range []string{"/static/", "/static/css/", "/static/js/"} {
		if r := a.Do("GET", p, nil); r.Status != http.StatusNotFound || strings.Contains(string(r.Body), "<a href=") {
			t.Errorf("%s: %d %.100s", p, r.Status, r.Body)
		}
	}
	a.Do("GET", "/static/css/app.css", nil).MustStatus(200)
}

func TestPagesFollowRoles(t *testing.T) {
	env := apptest.New(t)
	req, _ := http.NewRequest("GET", env.URL+"/", nil)
	req.Header.Set("Accept", "text/html")
	r := env.Anon().Send(req)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
		t.Fatalf("anonymous home: %s", r)
	}
	admin := env.As("admin")
	req, _ = http.NewRequest("GET", env.URL+"/", nil)
	req.Header.Set("Accept", "text/html")
	page := string(admin.Send(req).MustStatus(200).Body)
	if !strings.Contains(page, `href="/admin/users"`) {
		t.Error("admin does not see administration")
	}
	req, _ = http.NewRequest("GET", env.URL+"/", nil)
	req.Header.Set("Accept", "text/html")
	page = string(env.As("staff.tnmt").Send(req).MustStatus(200).Body)
	if strings.Contains(page, `href="/admin/users"`) || strings.Contains(page, `href="/trail"`) {
		t.Error("staff sees administration or the trail")
	}
	req, _ = http.NewRequest("GET", env.URL+"/admin/users", nil)
	req.Header.Set("Accept", "text/html")
	if r := env.As("staff.tnmt").Send(req); r.Status != 403 {
		t.Errorf("staff on the admin page: %d", r.Status)
	}
}

// TestLoginThrottledAnswers429: after the allowed failures a sign-in is
// refused with 429 and the code too_many_requests (not forbidden), even with
// the right password, and the message says to wait.
func TestLoginThrottledAnswers429(t *testing.T) {
	env := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.LoginMaxFailures = 3 }))
	anon := env.Anon()
	for i := 0; i < 3; i++ {
		anon.Do("POST", "/api/v1/login", map[string]string{"login": "staff.tnmt", "password": "wrong-password"}).MustStatus(http.StatusUnauthorized)
	}
	r := anon.Do("POST", "/api/v1/login", map[string]string{"login": "staff.tnmt", "password": apptest.Password})
	if r.Status != http.StatusTooManyRequests || r.ErrorCode() != "too_many_requests" || !strings.Contains(r.String(), "wait a few minutes") {
		t.Fatalf("throttled answer: %s", r)
	}
}

// TestAuditorVerifiesTheTrail: an inspector with the auditor role verifies
// the hash chain (reading, not changing it); staff may not.
func TestAuditorVerifiesTheTrail(t *testing.T) {
	env := apptest.New(t)
	var res struct {
		OK      bool  `json:"ok"`
		Checked int64 `json:"checked"`
	}
	env.As("auditor").Do("GET", "/api/v1/trail/verify", nil).MustStatus(http.StatusOK).Decode(&res)
	if !res.OK || res.Checked == 0 {
		t.Fatalf("verify as auditor: %+v", res)
	}
	if r := env.As("staff.tnmt").Do("GET", "/api/v1/trail/verify", nil); r.Status != http.StatusForbidden || r.ErrorCode() != "forbidden" {
		t.Fatalf("verify as staff: %s", r)
	}
}
