package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/qmstrack/qmstrack/server/config"
	"github.com/qmstrack/qmstrack/server/internal/apptest"
)

// postForm sends a urlencoded form as c, with extra headers.
func postForm(t *testing.T, c *apptest.Client, env *apptest.Env, path string, v url.Values, hdr map[string]string) *apptest.Response {
	t.Helper()
	req, err := http.NewRequest("POST", env.URL+path, strings.NewReader(v.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, val := range hdr {
		req.Header.Set(k, val)
	}
	return c.Send(req)
}

// TestOpenRedirectRefused: a next parameter that a browser would follow to
// another host sends to the home page instead, after sign-in and after a
// language switch; a page of the site is kept.
func TestOpenRedirectRefused(t *testing.T) {
	env := apptest.New(t)
	for _, next := range []string{"/\t/evil.example", "//evil.example", "/\\evil.example", "https://evil.example/x"} {
		r := postForm(t, env.Anon(), env, "/login", url.Values{"login": {"staff.tnmt"}, "password": {apptest.Password}, "next": {next}}, nil)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/" {
			t.Errorf("login next=%q: %d Location %q", next, r.Status, r.Header.Get("Location"))
		}
		r = postForm(t, env.Anon(), env, "/lang", url.Values{"lang": {"en"}, "next": {next}}, nil)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/" {
			t.Errorf("lang next=%q: %d Location %q", next, r.Status, r.Header.Get("Location"))
		}
	}
	r := postForm(t, env.Anon(), env, "/lang", url.Values{"lang": {"en"}, "next": {"/ncs?status=open"}}, nil)
	if r.Header.Get("Location") != "/ncs?status=open" {
		t.Fatalf("a page of the site was not kept: %q", r.Header.Get("Location"))
	}
}

// TestPagesRefuseFraming: every answer forbids framing by another site.
func TestPagesRefuseFraming(t *testing.T) {
	env := apptest.New(t)
	for _, path := range []string{"/login", "/", "/api/v1/me"} {
		r := env.As("head.tnmt").Do("GET", path, nil)
		if r.Header.Get("X-Frame-Options") != "DENY" {
			t.Errorf("%s: X-Frame-Options %q", path, r.Header.Get("X-Frame-Options"))
		}
	}
	r := env.Anon().Do("GET", "/login", nil)
	if !strings.Contains(r.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("CSP %q", r.Header.Get("Content-Security-Policy"))
	}
}

// TestCrossSiteRequestsRefused: a cookie-authenticated request with the
// right CSRF token but from another site is refused and changes nothing; so
// is a sign-in form posted from another site (login CSRF). The same request
// from this site, and a program's bearer-token request, pass.
func TestCrossSiteRequestsRefused(t *testing.T) {
	env := apptest.New(t)
	coord := env.As("coordinator")
	before := trailCount(t, env)
	body := url.Values{"source": {"self_report"}, "severity": {"minor"}, "unit": {"tnmt"}, "title": {"Cross-site"}, "_csrf": {coord.CSRF}}
	for _, hdr := range []map[string]string{{"Origin": "http://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"}} {
		r := postForm(t, coord, env, "/ui/ncs", body, hdr)
		if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "another site") {
			t.Fatalf("%v: %s", hdr, r)
		}
	}
	if after := trailCount(t, env); after != before {
		t.Fatalf("a refused cross-site request wrote %d trail entries", after-before)
	}
	r := postForm(t, env.Anon(), env, "/login", url.Values{"login": {"staff.tnmt"}, "password": {apptest.Password}},
		map[string]string{"Origin": "http://evil.example"})
	if r.Status != http.StatusForbidden || r.Header.Get("Set-Cookie") != "" {
		t.Fatalf("cross-site sign-in: %s (cookie %q)", r, r.Header.Get("Set-Cookie"))
	}
	r = postForm(t, coord, env, "/ui/ncs", body, map[string]string{"Origin": env.URL})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("same-site form: %s", r)
	}
}

// TestFlashOnlyFromTheSite: a success message in the URL is not shown; the
// message a form leaves after its redirect is shown once, in the reader's
// language.
func TestFlashOnlyFromTheSite(t *testing.T) {
	env := apptest.New(t)
	coord := env.As("coordinator")
	r := coord.Do("GET", "/ncs?ok=Your+account+is+suspended%2C+call+0900", nil)
	if strings.Contains(string(r.Body), `id="flash-ok"`) {
		t.Fatal("a message from the URL was shown as a success message")
	}
	r = postForm(t, coord, env, "/ui/ncs", url.Values{"source": {"self_report"}, "severity": {"minor"}, "unit": {"tnmt"},
		"title": {"Flash"}, "_csrf": {coord.CSRF}}, nil).MustStatus(http.StatusSeeOther)
	loc := r.Header.Get("Location")
	if strings.Contains(loc, "ok=") {
		t.Fatalf("flash in the URL: %q", loc)
	}
	page := coord.Do("GET", loc, nil)
	if !strings.Contains(string(page.Body), `id="flash-ok">Đã ghi nhận điểm không phù hợp.<`) {
		t.Fatalf("no flash after the redirect: %.300s", page.Body)
	}
	if again := coord.Do("GET", loc, nil); strings.Contains(string(again.Body), `id="flash-ok"`) {
		t.Fatal("the flash was shown twice")
	}
}

// trailCount is the number of trail entries.
func trailCount(t *testing.T, env *apptest.Env) int {
	t.Helper()
	var n int
	if err := env.App.DB.Get(&n, `SELECT count(*) FROM trail`); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestHeadAndUnknownMethods: HEAD of a page answers like its GET without a
// body; a method the address does not take answers 405 naming those it does.
func TestHeadAndUnknownMethods(t *testing.T) {
	env := apptest.New(t)
	r := env.Anon().Do("HEAD", "/login", nil)
	if r.Status != http.StatusOK || len(r.Body) != 0 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("HEAD /login: %d %q %q", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	r = env.As("coordinator").Do("PATCH", "/api/v1/ncs", nil)
	if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "GET, HEAD, POST" || r.ErrorCode() != "method_not_allowed" {
		t.Fatalf("PATCH /api/v1/ncs: %s Allow %q", r, r.Header.Get("Allow"))
	}
}

// TestNonUTF8Refused: bytes that are not text in a path or a parameter are
// refused with 400 before anything reads them, for anonymous callers too.
func TestNonUTF8Refused(t *testing.T) {
	env := apptest.New(t)
	coord := env.As("coordinator")
	for _, path := range []string{"/api/v1/directives?state=%00", "/api/v1/dossiers?unit=%ff", "/api/v1/kpis?field=%c3", "/api/v1/records?q=%ff",
		"/api/v1/trail?object_type=%ff", "/api/v1/late-dossiers?%ff=1"} {
		if r := coord.Do("GET", path, nil); r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "not text") {
			t.Errorf("%s: %s", path, r)
		}
	}
	if r := env.Anon().Do("GET", "/d/%ff", nil); r.Status != http.StatusBadRequest {
		t.Errorf("anonymous /d/%%ff: %s", r)
	}
}

// TestSlowBodyIsCut: a client that trickles a request body is cut once it
// falls below the minimum rate after the grace period; the request fails
// instead of holding the connection as long as the client likes, and
// nothing is stored.
func TestSlowBodyIsCut(t *testing.T) {
	env := apptest.New(t, apptest.WithConfig(func(c *config.Config) {
		c.BodyGrace = 300 * time.Millisecond
		c.BodyMinRate = 64 << 10
	}))
	coord := env.As("coordinator")
	before := trailCount(t, env)
	pr, pw := io.Pipe()
	stop := make(chan struct{})
	go func() {
		defer pw.Close()
		_, _ = pw.Write([]byte(`{"source":"self_report","severity":"minor","unit":"tnmt","title":"`))
		for {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Millisecond):
				if _, err := pw.Write([]byte("x")); err != nil {
					return
				}
			}
		}
	}()
	defer close(stop)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", env.URL+"/api/v1/ncs", pr)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", coord.CSRF)
	req.ContentLength = 1 << 20
	res, err := coord.HTTP.Do(req)
	if ctx.Err() != nil {
		t.Fatal("the server held a trickling body for 30 s")
	}
	if err == nil {
		res.Body.Close()
		if res.StatusCode < 400 {
			t.Fatalf("a trickled body was accepted: %d", res.StatusCode)
		}
	}
	if after := trailCount(t, env); after != before {
		t.Fatalf("a cut request wrote %d trail entries", after-before)
	}
}

// rowCount counts the rows of a table.
func rowCount(t *testing.T, env *apptest.Env, table string) int {
	t.Helper()
	var n int
	if err := env.App.DB.Get(&n, `SELECT count(*) FROM `+table); err != nil {
		t.Fatal(err)
	}
	return n
}

// userID is the id of a demo user.
func userID(t *testing.T, env *apptest.Env, login string) string {
	t.Helper()
	var id string
	if err := env.App.DB.Get(&id, `SELECT id FROM users WHERE login = $1`, login); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestAdminAuthorityIsPerUnit: an admin of one unit administers that unit
// only: no role in every unit, no role in another unit, no change to its own
// roles, no change to a user with roles elsewhere; every refusal says why and
// leaves the assignments, the users and the trail as they were. Within its
// unit it grants and disables.
func TestAdminAuthorityIsPerUnit(t *testing.T) {
	env := apptest.New(t)
	admin := env.As("admin")
	admin.Do("POST", "/api/v1/users", map[string]string{"login": "admin.tnmt", "name": "Quản trị TNMT", "password": apptest.Password}).MustStatus(201)
	admin.Do("POST", "/api/v1/role-assignments", map[string]string{"user": "admin.tnmt", "role": "admin", "unit": "tnmt"}).MustStatus(201)
	ua := env.As("admin.tnmt")
	before := [3]int{rowCount(t, env, "role_assignments"), trailCount(t, env), rowCount(t, env, "users WHERE status = 'disabled'")}
	for _, c := range []struct {
		method string
		body   map[string]string
		why    string
	}{
		{"POST", map[string]string{"user": "admin.tnmt", "role": "coordinator", "unit": "*"}, "your own roles"},
		{"POST", map[string]string{"user": "admin.tnmt", "role": "head", "unit": "tnmt"}, "your own roles"},
		{"POST", map[string]string{"user": "author.tnmt", "role": "coordinator", "unit": "*"}, "every unit"},
		{"POST", map[string]string{"user": "staff.vhtt", "role": "head", "unit": "vhtt"}, "not an administrator of unit vhtt"},
		{"DELETE", map[string]string{"user": "head.vhtt", "role": "head", "unit": "vhtt"}, "not an administrator of unit vhtt"},
	} {
		r := ua.Do(c.method, "/api/v1/role-assignments", c.body)
		if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), c.why) {
			t.Errorf("%s %v: %s, want 403 saying %q", c.method, c.body, r, c.why)
		}
	}
	r := ua.Do("PUT", "/api/v1/users/"+userID(t, env, "staff.vhtt"), map[string]string{"status": "disabled"})
	if r.Status != http.StatusForbidden || !strings.Contains(string(r.Body), "outside the units you administer") {
		t.Errorf("disable a user of another unit: %s", r)
	}
	r = ua.Do("PUT", "/api/v1/users/"+userID(t, env, "coordinator"), map[string]string{"status": "disabled"})
	if r.Status != http.StatusForbidden {
		t.Errorf("disable the coordinator (every unit): %s", r)
	}
	if r := admin.Do("POST", "/api/v1/role-assignments", map[string]string{"user": "admin", "role": "coordinator", "unit": "*"}); r.Status != http.StatusForbidden ||
		!strings.Contains(string(r.Body), "your own roles") {
		t.Errorf("the admin of every unit made itself coordinator: %s", r)
	}
	after := [3]int{rowCount(t, env, "role_assignments"), trailCount(t, env), rowCount(t, env, "users WHERE status = 'disabled'")}
	if after != before {
		t.Fatalf("refusals changed assignments/trail/disabled users: %v -> %v", before, after)
	}
	ua.Do("POST", "/api/v1/role-assignments", map[string]string{"user": "staff.tnmt", "role": "author", "unit": "tnmt"}).MustStatus(201)
	ua.Do("PUT", "/api/v1/users/"+userID(t, env, "staff.tnmt"), map[string]string{"status": "disabled"}).MustStatus(200)
}
