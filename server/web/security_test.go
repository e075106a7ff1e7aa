package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

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
