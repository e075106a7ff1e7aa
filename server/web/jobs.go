package web

import (
	"context"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/qms"
)

// JobAdmin is the job queue as the administrator's page sees it.
type JobAdmin interface {
	Jobs(ctx context.Context, state string, limit int) ([]qms.Job, error)
	Job(ctx context.Context, id int64) (qms.Job, error)
	Retry(ctx context.Context, id int64) (qms.Job, error)
	Cancel(ctx context.Context, id int64) (qms.Job, error)
}

// jobRoutes: the job queue's jobs by state, with their errors and
// attempts; an administrator retries or cancels one.
func (s *Server) jobRoutes() {
	api := s.apiGroup("admin", false)
	ui := s.engine.Group("/ui", requireUser)
	api.GET("/jobs", "Jobs of the queue, newest first (state, limit) with their attempts and errors (admin)", s.requireOffice("admin", "jobs"), h(func(c *gin.Context) error {
		limit, _ := strconv.Atoi(c.Query("limit"))
		jobs, err := s.Jobs.Jobs(c.Request.Context(), c.Query("state"), limit)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"jobs": jobs})
	}))
	change := func(do func(ctx context.Context, id int64) (qms.Job, error), flash string) act[struct{}, qms.Job] {
		return act[struct{}, qms.Job]{
			Do: func(c *gin.Context, _ *struct{}) (qms.Job, error) {
				if err := s.mayOffice(c, "admin", "jobs"); err != nil {
					return qms.Job{}, err
				}
				id, err := strconv.ParseInt(c.Param("id"), 10, 64)
				if err != nil {
					return qms.Job{}, qms.Errorf(qms.ErrNotFound, "job %s not found", c.Param("id"))
				}
				return do(c.Request.Context(), id)
			},
			Back:    func(c *gin.Context, j qms.Job) string { return "/admin/jobs?state=" + j.State },
			Flash:   flash,
			Refused: func(c *gin.Context, status int, err error) error { return s.jobsPage(c, status, err) },
		}
	}
	serve(api, ui, "/jobs/:id/retry", "Run a finished or waiting job again now (admin)", change(s.Jobs.Retry, "jobs.retried"))
	serve(api, ui, "/jobs/:id/cancel", "Cancel a job that has not finished (admin)", change(s.Jobs.Cancel, "jobs.cancelled"))
	s.pages(s.engine.Group("/", requireUser), map[string]gin.HandlerFunc{
		"/admin/jobs": h(func(c *gin.Context) error { return s.jobsPage(c, http.StatusOK, nil) }),
	})
}

// jobsPage lists the jobs in the state asked for (the failed ones first
// by default: retryable); refused is a refusal of a button, shown above.
func (s *Server) jobsPage(c *gin.Context, status int, refused error) error {
	if err := s.mayOffice(c, "admin", "jobs"); err != nil {
		return err
	}
	state := c.Query("state")
	if state != "" && !qms.IsJobState(state) {
		state = ""
	}
	jobs, err := s.Jobs.Jobs(c.Request.Context(), state, 200)
	if err != nil {
		return err
	}
	p := s.page(c, "jobs.title", gin.H{"Jobs": jobs, "State": state, "States": qms.JobStates})
	if refused != nil {
		p.Error = s.errorText(c, refused)
	}
	s.render(c, status, "admin/jobs.html", p)
	return nil
}

// requireOffice refuses a request whose person does not hold the
// permission in every unit: the queue and the webhooks serve the whole
// office, so an administrator of one unit does not manage them.
func (s *Server) requireOffice(obj, act string) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		if err := s.mayOffice(c, obj, act); err != nil {
			return err
		}
		c.Next()
		return nil
	})
}

// mayOffice is requireOffice for a handler that checks itself (an act, a
// page): nil when the signed-in person holds the permission in every unit.
func (s *Server) mayOffice(c *gin.Context, obj, act string) error {
	a, ok := qms.ActorFrom(c.Request.Context())
	if !ok {
		return qms.Errorf(qms.ErrUnauthenticated, "sign in first")
	}
	if !s.Authz.Can(a.UserID, "*", obj, act) {
		return qms.Errorf(qms.ErrForbidden, "you do not have permission to do this")
	}
	return nil
}
