package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/evidence"
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
