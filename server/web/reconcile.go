package web

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/reconcile"
)

// reconcileRoutes: the object store check (issue: rows without their file,
// files without a row), for the administrator and the coordinator.
func (s *Server) reconcileRoutes() {
	rc := s.Objects
	api := s.apiGroup("admin", false)
	ui := s.engine.Group("/ui", requireUser)
	api.GET("/object-check", "The last check of the object store: rows whose file is missing, files without a row, aborted uploads (admin, coordinator)",
		h(func(c *gin.Context) error {
			chk, err := rc.Last(c.Request.Context())
			if err != nil {
				return err
			}
			return reply(c, http.StatusOK, chk)
		}))
	serve(api, ui, "/object-check", "Check the object store now: removes files without a row older than the grace period, aborts old incomplete uploads (admin, coordinator)",
		act[struct{}, reconcile.Check]{
			Do:    func(c *gin.Context, _ *struct{}) (reconcile.Check, error) { return rc.RunNow(c.Request.Context()) },
			Back:  func(*gin.Context, reconcile.Check) string { return "/admin/objects" },
			Flash: "objects.checked",
			Refused: func(c *gin.Context, status int, err error) error {
				return s.objectsPage(c, status, err)
			},
		})
	s.pages(s.engine.Group("/", requireUser), map[string]gin.HandlerFunc{
		"/admin/objects": h(func(c *gin.Context) error { return s.objectsPage(c, http.StatusOK, nil) }),
	})
}

// objectFinding is a finding as the page shows it: with the page of the
// object the row belongs to.
type objectFinding struct {
	reconcile.Finding
	Link string
}

// objectSourcePages is where the object of each source's row is shown.
var objectSourcePages = map[string]string{
	reconcile.SourceRevisionFiles:     "/documents/",
	reconcile.SourceNCFiles:           "/ncs/",
	reconcile.SourceRecordVersions:    "/records/",
	reconcile.SourceMeetingMinutes:    "/meetings/",
	reconcile.SourcePlanDecisions:     "/plans/",
	reconcile.SourceDirectiveEvidence: "/directives/",
	reconcile.SourceAnnouncements:     "/scope#announcement-",
}

// objectsPage shows the last check; refused is a refusal of the check
// button, shown above it.
func (s *Server) objectsPage(c *gin.Context, status int, refused error) error {
	chk, err := s.Objects.Last(c.Request.Context())
	if err != nil {
		return err
	}
	of := func(kind string) []objectFinding {
		var out []objectFinding
		for _, f := range chk.Of(kind) {
			link := ""
			if p, ok := objectSourcePages[f.Source]; ok && f.Parent != "" {
				link = p + f.Parent
			}
			out = append(out, objectFinding{Finding: f, Link: link})
		}
		return out
	}
	d := gin.H{
		"Check":      chk,
		"Ran":        chk.ID != 0,
		"GraceMin":   int64(s.Objects.Grace() / time.Minute),
		"Missing":    of(reconcile.KindMissing),
		"Locked":     of(reconcile.KindLocked),
		"NotRemoved": of(reconcile.KindNotRemoved),
		"Removed":    of(reconcile.KindRemoved),
		"Aborted":    of(reconcile.KindAborted),
		"Max":        reconcile.MaxStoredFindings,
	}
	p := s.page(c, "objects.title", d)
	if refused != nil {
		p.Error = s.errorText(c, refused)
	}
	s.render(c, status, "admin/objects.html", p)
	return nil
}

// withObjects adds the last object store check to the /readyz answer as
// detail: counts only, and never a reason to report the instance unready
// (a missing file is for people to look into, not for a load balancer).
func (s *Server) withObjects(ctx context.Context, body gin.H) gin.H {
	if s.Objects == nil {
		return body
	}
	sum, err := s.Objects.Summary(ctx)
	if err != nil {
		body["objects"] = gin.H{"status": "unavailable"}
		return body
	}
	body["objects"] = sum
	return body
}
