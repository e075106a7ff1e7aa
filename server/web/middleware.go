package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/qmstrack/qmstrack/server/qms"
)

const (
	sessionCookie = "qms_session"
	langCookie    = "qms_lang"
	csrfHeader    = "X-CSRF-Token"
)

// noFraming forbids every answer from being shown inside another site's
// frame (a sign-off form in a hidden frame is a click away from a forged
// signature): X-Frame-Options for older browsers, frame-ancestors in the
// pages' Content-Security-Policy for the others.
func noFraming(c *gin.Context) {
	c.Header("X-Frame-Options", "DENY")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Next()
}

func (s *Server) requestID(c *gin.Context) {
	id := c.GetHeader("X-Request-Id")
	if id == "" || len(id) > 64 {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id = hex.EncodeToString(b)
	}
	c.Set("request_id", id)
	c.Set(viewsKey, s.views)
	c.Set(secureKey, s.secure(c))
	c.Header("X-Request-Id", id)
	c.Next()
}

func (s *Server) logRequests(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	s.Log.Info("request", "request_id", c.GetString("request_id"), "method", c.Request.Method, "route", route,
		"status", c.Writer.Status(), "bytes", c.Writer.Size(), "duration_ms", time.Since(start).Milliseconds(),
		"user", c.GetString("login"))
}

func (s *Server) recover(c *gin.Context) {
	defer func() {
		if r := recover(); r != nil {
			if r == http.ErrAbortHandler {
				panic(r)
			}
			s.Log.Error("panic", "request_id", c.GetString("request_id"), "panic", fmt.Sprint(r))
			fail(c, fmt.Errorf("panic: %v", r))
		}
	}()
	c.Next()
}

// metrics are Prometheus counters labelled by route pattern, never raw path,
// so ids in URLs do not explode the series.
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		reg: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "qmstrack_http_requests_total",
			Help: "HTTP requests by method, route pattern and status."}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "qmstrack_http_request_duration_seconds",
			Help: "HTTP request latency by method and route pattern.", Buckets: prometheus.DefBuckets}, []string{"method", "route"}),
	}
	// The Go runtime (goroutines, heap, GC pauses) and the process (CPU,
	// resident memory, open files) beside the requests.
	reg.MustRegister(m.requests, m.duration, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) middleware(c *gin.Context) {
	start := time.Now()
	c.Next()
	route := c.FullPath()
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(c.Request.Method, route, strconv.Itoa(c.Writer.Status())).Inc()
	m.duration.WithLabelValues(c.Request.Method, route).Observe(time.Since(start).Seconds())
}

// MetricsHandler serves the metrics without authentication, for a private
// listener of their own (QMS_METRICS_ADDR).
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}

// metricsAuth lets only the holder of the metrics token read /metrics on
// the main address; others get the 404 of a page that is not there.
func (s *Server) metricsAuth(c *gin.Context) {
	got := strings.TrimPrefix(c.GetHeader("Authorization"), "Bearer ")
	if subtle.ConstantTimeCompare([]byte(got), []byte(s.MetricsToken)) != 1 {
		fail(c, qms.Errorf(qms.ErrNotFound, "no such page"))
		return
	}
	c.Next()
}

// bodyDeadline bounds how long a request body may take: a grace period,
// then the body must keep up BodyMinRate bytes per second on average. The
// read deadline moves forward as bytes arrive, so a large upload on a
// steady link is never cut, and a trickle is.
func (s *Server) bodyDeadline(c *gin.Context) {
	if s.BodyMinRate <= 0 || c.Request.Body == nil || c.Request.Body == http.NoBody {
		c.Next()
		return
	}
	rc := http.NewResponseController(c.Writer)
	start := time.Now()
	b := &rateBody{r: c.Request.Body, set: rc.SetReadDeadline, start: start, grace: s.BodyGrace, rate: s.BodyMinRate}
	if err := b.extend(); err != nil {
		// The connection cannot take deadlines (a test recorder): no bound.
		c.Next()
		return
	}
	c.Request.Body = b
	// The deadline stays after the handler: the server then reads what is
	// left of the body under it too. The next request on the connection
	// starts with the server's own deadlines.
	c.Next()
}

// rateBody moves the read deadline of its connection as bytes arrive.
type rateBody struct {
	r     io.ReadCloser
	set   func(time.Time) error
	start time.Time
	grace time.Duration
	rate  int
	n     int64
}

func (b *rateBody) extend() error {
	return b.set(b.start.Add(b.grace + time.Duration(b.n)*time.Second/time.Duration(b.rate)))
}

func (b *rateBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if n > 0 {
		_ = b.extend()
	}
	return n, err
}

func (b *rateBody) Close() error { return b.r.Close() }

func (m *metrics) handler() gin.HandlerFunc {
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return func(c *gin.Context) { h.ServeHTTP(c.Writer, c.Request) }
}

// authenticate identifies the caller by session cookie or bearer token and
// puts the actor into the request context. Anonymous requests pass; routes
// that need a user say so with requireUser.
func (s *Server) authenticate(c *gin.Context) {
	lang := ""
	if c.Request.URL.Path == "/metrics" {
		// The metrics token is not a user's: metricsAuth checks it.
		c.Next()
		return
	}
	if auth := c.GetHeader("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		u, err := s.Identity.AuthenticateToken(c.Request.Context(), strings.TrimPrefix(auth, "Bearer "))
		if err != nil {
			fail(c, err)
			return
		}
		s.setActor(c, qms.Actor{UserID: u.ID, Login: u.Login, Name: u.Name, Lang: u.Lang, Via: "token"})
		lang = u.Lang
	} else if tok, err := c.Cookie(sessionCookie); err == nil && tok != "" {
		sess, u, err := s.Identity.Authenticate(c.Request.Context(), tok)
		if err == nil {
			s.setActor(c, qms.Actor{UserID: u.ID, Login: u.Login, Name: u.Name, Lang: u.Lang, Via: "session"})
			c.Set("csrf", sess.CSRF)
			lang = u.Lang
		} else if qms.KindOf(err) == qms.ErrUnauthenticated {
			s.clearSessionCookie(c)
		} else {
			fail(c, err)
			return
		}
	}
	if _, ok := qms.ActorFrom(c.Request.Context()); !ok {
		// A sign-in in progress (accounts.go) may take only its step.
		if err := s.loadChallenge(c); err != nil {
			fail(c, err)
			return
		}
	}
	if lang == "" {
		lang, _ = c.Cookie(langCookie)
	}
	if lang != "en" {
		lang = "vi"
	}
	c.Set("lang", lang)
	c.Next()
}

func (s *Server) setActor(c *gin.Context, a qms.Actor) {
	c.Request = c.Request.WithContext(qms.WithActor(c.Request.Context(), a))
	c.Set("login", a.Login)
}

// csrf protects cookie-authenticated unsafe requests: they must carry the
// session's token in the X-CSRF-Token header (htmx and fetch send it) or in
// the _csrf field of a urlencoded form. Bearer-token calls are exempt: a
// browser never adds that header on its own.
//
// Every unsafe request that a browser may have sent on its own (any request
// without a bearer token, the sign-in form included, against login CSRF)
// must also come from this site: an Origin header naming another site, or
// Sec-Fetch-Site "cross-site", is refused whatever the token.
func (s *Server) csrf(c *gin.Context) {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		c.Next()
		return
	}
	a, ok := qms.ActorFrom(c.Request.Context())
	if ok && a.Via == "token" {
		c.Next()
		return
	}
	if !s.sameOrigin(c) {
		fail(c, qms.Errorf(qms.ErrForbidden, "this request came from another site and was refused"))
		return
	}
	if _, inStep := stepOf(c); !ok && (!inStep || signInPaths[c.Request.URL.Path]) {
		// A sign-in in progress protects its steps with its own token;
		// signing in or out afresh needs none.
		c.Next()
		return
	}
	want := c.GetString("csrf")
	got := c.GetHeader(csrfHeader)
	if got == "" && strings.HasPrefix(c.ContentType(), "application/x-www-form-urlencoded") {
		got = c.PostForm("_csrf")
	}
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		fail(c, qms.Errorf(qms.ErrForbidden, "missing or invalid CSRF token; reload the page and try again"))
		return
	}
	c.Next()
}

// sameOrigin reports whether a browser request comes from this site: its
// Origin (when the browser sends one) names this host, or the configured
// public address; without Origin, Sec-Fetch-Site must not say cross-site.
// Programs that send neither header pass (they carry no cookies of ours
// unless they were given them).
func (s *Server) sameOrigin(c *gin.Context) bool {
	origin := c.GetHeader("Origin")
	if origin == "" {
		return c.GetHeader("Sec-Fetch-Site") != "cross-site"
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, c.Request.Host) {
		return true
	}
	if fh := c.GetHeader("X-Forwarded-Host"); fh != "" && strings.EqualFold(u.Host, fh) {
		return true
	}
	if b, err := url.Parse(s.BaseURL); err == nil && b.Host != "" && strings.EqualFold(u.Host, b.Host) {
		return true
	}
	return false
}

// requireUser refuses anonymous requests (401 for the API, a redirect to the
// login page for HTML).
func requireUser(c *gin.Context) {
	if _, ok := qms.ActorFrom(c.Request.Context()); !ok {
		if st, ok := stepOf(c); ok {
			refuseStep(c, st)
			return
		}
		fail(c, qms.Errorf(qms.ErrUnauthenticated, "sign in first"))
		return
	}
	c.Next()
}

func (s *Server) secure(c *gin.Context) bool {
	switch s.SecureCookies {
	case "true":
		return true
	case "false":
		return false
	}
	return c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https"
}

func (s *Server) setSessionCookie(c *gin.Context, token string) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.secure(c), SameSite: http.SameSiteLaxMode, MaxAge: int(s.SessionMax.Seconds())})
}

func (s *Server) clearSessionCookie(c *gin.Context) {
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true,
		Secure: s.secure(c), SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// safeNext is a page of this site to come back to, escaped for a query.
func safeNext(next string) string { return url.QueryEscape(localPath(next)) }

// localPath keeps a redirect target on this site: a path that parses as a
// same-origin relative URL, with no scheme, no host and no second slash or
// backslash that a browser would read as the start of another host. Control
// characters and spaces, which browsers drop before they parse ("/\t/evil"
// becomes "//evil"), are dropped first, so what is checked is what the
// browser will follow. Anything else is the home page.
func localPath(next string) string {
	var b strings.Builder
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == ' ' {
			continue
		}
		b.WriteRune(r)
	}
	p := b.String()
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") {
		return "/"
	}
	return p
}

// actor returns the acting user (the route requires one).
func actor(c *gin.Context) qms.Actor {
	a, _ := qms.ActorFrom(c.Request.Context())
	return a
}

// can reports whether the acting user may do act on obj in unit.
func (s *Server) can(c *gin.Context, unit, obj, act string) bool {
	a, ok := qms.ActorFrom(c.Request.Context())
	return ok && s.Authz.Can(a.UserID, unit, obj, act)
}

// scope returns the units where the acting user may do act on obj: one
// Casbin question per request, pushed into SQL by the store.
func (s *Server) scope(c *gin.Context, obj, act string) qms.Scope {
	a, ok := qms.ActorFrom(c.Request.Context())
	if !ok {
		return qms.Scope{}
	}
	return s.Authz.Scope(a.UserID, obj, act)
}

// require fails the request with 403 unless the user may do act on obj somewhere.
func (s *Server) requireAnywhere(obj, act string) gin.HandlerFunc {
	return func(c *gin.Context) {
		a, ok := qms.ActorFrom(c.Request.Context())
		if !ok {
			fail(c, qms.Errorf(qms.ErrUnauthenticated, "sign in first"))
			return
		}
		if !s.Authz.CanAnywhere(a.UserID, obj, act) {
			fail(c, qms.Errorf(qms.ErrForbidden, "you do not have permission to do this"))
			return
		}
		c.Next()
	}
}
