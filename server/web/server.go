// Package web is qmstrack's HTTP face: the Gin engine, every route (in
// routes.go), the JSON API and the server-rendered HTML pages, middleware
// (request id, logs, metrics, authentication, CSRF), the one table that maps
// error kinds to HTTP statuses (errors.go), templates and translations.
//
// It talks to the domain services only; it never imports the database or
// object-store adapters, nor Casbin.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/evidence"
	"github.com/qmstrack/qmstrack/server/feed"
	"github.com/qmstrack/qmstrack/server/i18n"
	"github.com/qmstrack/qmstrack/server/identity"
	"github.com/qmstrack/qmstrack/server/index766"
	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/org"
	"github.com/qmstrack/qmstrack/server/portalsync"
	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/reconcile"
	"github.com/qmstrack/qmstrack/server/record"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/webhook"
)

// Authorizer answers permission questions (implemented with Casbin).
type Authorizer interface {
	Can(userID, unit, obj, act string) bool
	CanAnywhere(userID, obj, act string) bool
	Scope(userID, obj, act string) qms.Scope
	HasRole(userID, role string) bool
	Reload() error
}

// TrailReader reads and verifies the audit trail.
type TrailReader interface {
	List(ctx context.Context, f trail.Filter) ([]trail.Entry, error)
	Verify(ctx context.Context) (trail.Result, error)
}

// Notifications reads a user's in-app notifications.
type Notifications interface {
	List(ctx context.Context, userID string, limit int) ([]qms.Notification, error)
	MarkRead(ctx context.Context, userID, id string) error
}

// ReadyCheck is one dependency that must answer for /readyz.
type ReadyCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// readyState is what /readyz reports of a check that failed: "full" for
// an object store that answers but has no room (its write probe failed for
// that), "unavailable" otherwise.
func readyState(err error) string {
	if errors.Is(err, qms.ErrStorageFull) {
		return "full"
	}
	return "unavailable"
}

// TaskSource contributes items to a person's home page.
type TaskSource func(ctx context.Context, a qms.Actor) ([]qms.Task, error)

// Deps are the services the web layer serves. Each capability adds its
// service here and its routes in routes.go.
type Deps struct {
	Log           *slog.Logger
	Identity      *identity.Service
	Org           *org.Service
	Authz         Authorizer
	Trail         TrailReader
	Notifications Notifications
	Catalog       *i18n.Catalog // the one translator; loaded here when nil
	Ready         []ReadyCheck
	// Collectors add figures to /metrics beside the requests' (the
	// office's state, the job queue).
	Collectors []prometheus.Collector
	Now        qms.Clock
	Location   *time.Location

	// Settings.
	BaseURL        string // the public address (QMS_BASE_URL), an origin of this site
	MaxUploadBytes int64
	MetricsToken   string        // bearer token of /metrics on this address; "" serves no metrics here
	BodyMinRate    int           // bytes per second a request body must keep up after BodyGrace
	BodyGrace      time.Duration // see BodyMinRate
	SecureCookies  string        // auto, true, false
	SessionMax     time.Duration
	// TrustedProxies are the addresses (or CIDR ranges) of the reverse
	// proxies whose X-Forwarded-For names the client (QMS_TRUSTED_PROXIES);
	// none: the client is the connection's peer.
	TrustedProxies []string

	// The public page (public.go): the office's identity, the on-time
	// figures it publishes (none, office, fields) over how many months,
	// and how long the kiosk shows each screen.
	Office              Office
	PublicFigures       string
	PublicFiguresMonths int
	KioskSeconds        int

	// The quality capabilities; New refuses to start without any of them.
	Documents  *document.Service
	NCs        *nonconformity.Service
	Records    *record.Service
	Audits     *internalaudit.Service
	Evidence   *evidence.Service
	Process    *process.Service
	Leadership *leadership.Service
	Objects    *reconcile.Service  // the object store check (reconcile.go), also in /readyz
	Index766   *index766.Service   // the reform index (QĐ 766)
	Feed       *feed.Service       // the calendar feeds of due dates
	PortalSync *portalsync.Service // the dossiers' sync to the public-service portal

	// OIDC is single sign-on through an OpenID Connect provider; off when
	// its Issuer is "".
	OIDC OIDC
	// Scope is the QMS scope, its announcement and the conversion checklist (scope.go).
	Scope *leadership.ScopeService
	Legal *leadership.Legal // the register of legal bases and its revision tasks
	// Risks is the register of risks and opportunities (ISO 9001 6.1).
	Risks *leadership.Risks

	// The job queue and the webhooks (jobs.go, webhooks.go).
	Jobs     JobAdmin
	Webhooks *webhook.Service

	// Controlled copies of documents and the public check of a revision;
	// the QMS year (closing a year into the next).
	Copies *document.Copies
	Years  *leadership.Years
	// Reviews is the management review (ISO 9001 9.3), beside Leadership.
	Reviews *leadership.Reviews
	// Reminders is the schedule of the reminders of overdue work (reminders.go).
	Reminders ReminderSchedule
}

// missing names the capabilities that were not given.
func (d Deps) missing() []string {
	var out []string
	for name, nilCap := range map[string]bool{
		"Documents": d.Documents == nil, "NCs": d.NCs == nil, "Records": d.Records == nil, "Audits": d.Audits == nil,
		"Evidence": d.Evidence == nil, "Process": d.Process == nil, "Leadership": d.Leadership == nil,
		"Objects": d.Objects == nil, "Index766": d.Index766 == nil,
		"Feed": d.Feed == nil, "PortalSync": d.PortalSync == nil,
		"Scope":  d.Scope == nil,
		"Legal":  d.Legal == nil,
		"Risks":  d.Risks == nil,
		"Copies": d.Copies == nil, "Years": d.Years == nil,
	} {
		if nilCap {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// Server holds the engine and what the handlers need.
type Server struct {
	oidc oidcClient // the provider of single sign-on, discovered at its first use
	Deps
	engine  *gin.Engine
	views   *views
	metrics *metrics
	api     *apiDoc

	methods  []routeMethod // every route's pattern and method, for Allow
	mu       sync.Mutex
	tasks    []TaskSource
	pageURLs map[string]bool
	qr       qrCache
	figures  figuresCache
}

// New builds the HTTP handler with every route.
func New(d Deps) (*Server, error) {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Location == nil {
		d.Location = time.UTC
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if m := d.missing(); len(m) > 0 {
		return nil, fmt.Errorf("web: capabilities not wired: %s", strings.Join(m, ", "))
	}
	gin.SetMode(gin.ReleaseMode)
	s := &Server{Deps: d, pageURLs: map[string]bool{}, api: newAPIDoc()}
	var err error
	if s.views, err = loadViews(d.Location, d.Catalog); err != nil {
		return nil, err
	}
	s.metrics = newMetrics(prometheus.NewRegistry())
	for _, c := range d.Collectors {
		if err := s.metrics.reg.Register(c); err != nil {
			return nil, err
		}
	}
	e := gin.New()
	e.ContextWithFallback = true
	e.HandleMethodNotAllowed = true
	if err := e.SetTrustedProxies(d.TrustedProxies); err != nil {
		return nil, fmt.Errorf("web: trusted proxies: %w", err)
	}
	e.Use(noFraming, s.requestID, s.logRequests, s.recover, s.metrics.middleware, s.errors, validText, s.bodyDeadline, s.authenticate, s.csrf)
	e.NoRoute(func(c *gin.Context) { c.Error(qms.Errorf(qms.ErrNotFound, "no such page")) })
	e.NoMethod(func(c *gin.Context) {
		c.Header("Allow", strings.Join(s.allowed(c.Request.URL.Path), ", "))
		c.Error(errMethodNotAllowed)
	})
	s.engine = e
	s.routes()
	s.methods = routeMethods(e.Routes())
	return s, nil
}

// ServeHTTP makes the server an http.Handler. A HEAD request is answered
// as the GET of the same address without its body (RFC 9110 9.3.2).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		g := r.Clone(r.Context())
		g.Method = http.MethodGet
		s.engine.ServeHTTP(headWriter{w}, g)
		return
	}
	s.engine.ServeHTTP(w, r)
}

// Engine exposes the Gin engine (tests list its routes).
func (s *Server) Engine() *gin.Engine { return s.engine }

// AddTasks registers a source of home-page tasks.
func (s *Server) AddTasks(t TaskSource) {
	s.mu.Lock()
	s.tasks = append(s.tasks, t)
	s.mu.Unlock()
}
