package web

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/evidence"
	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/qms"
)

// handleCoveragePage is the coordinator's audit-readiness view: for every
// ISO 9001 clause, the documents, records, audits and NCs tagged to it, and
// the clauses with no evidence at all.
func (s *Server) handleCoveragePage(ev *evidence.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		cov, err := ev.Coverage(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		s.render(c, http.StatusOK, "clauses/coverage.html", s.page(c, "clauses.title", gin.H{"C": cov}))
	}
}

// handleClausesPage lists the ISO 9001:2015 clause checklist; the
// coordinator edits titles and questions in place.
func (s *Server) handleClausesPage(audits *internalaudit.Service) gin.HandlerFunc {
	return func(c *gin.Context) { s.clausesPage(c, audits, http.StatusOK, nil) }
}

func (s *Server) clausesPage(c *gin.Context, audits *internalaudit.Service, status int, formErr error) {
	cs, err := audits.Clauses(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	pg := s.page(c, "clauses.checklist", gin.H{"Clauses": cs, "CanEdit": s.can(c, qms.AllUnits, "audit", "plan")})
	if formErr != nil {
		if _, internal := pageError(c, pg, formErr); internal {
			return
		}
	}
	s.render(c, status, "clauses/index.html", pg)
}

func (s *Server) handleClauseForm(audits *internalaudit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		_, err := audits.SaveClause(c.Request.Context(), internalaudit.Clause{Clause: c.PostForm("clause"),
			TitleVI: c.PostForm("title_vi"), TitleEN: c.PostForm("title_en"), QuestionVI: c.PostForm("question_vi"),
			QuestionEN: c.PostForm("question_en"), Active: c.PostForm("active") != ""})
		if err == nil {
			c.Redirect(http.StatusSeeOther, "/clauses?ok="+url.QueryEscape(s.T(c, "clauses.flash.saved")))
			return
		}
		status, _ := statusOf(err)
		s.clausesPage(c, audits, status, err)
	}
}
