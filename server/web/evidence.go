package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/evidence"
)

// handleEvidencePack streams the ZIP: the checks and the file list come
// first, so a refusal is still a proper error response; once the first byte
// is sent, a failure can only cut the download short (the verifier then
// reports the broken ZIP).
func (s *Server) handleEvidencePack(ev *evidence.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		q := evidence.Query{Audit: c.Query("audit"), Clause: c.Query("clause"), Unit: c.Query("unit"), From: c.Query("from"), To: c.Query("to")}
		p, err := ev.Prepare(c.Request.Context(), q)
		if err != nil {
			return err
		}
		if err := ev.Begin(c.Request.Context(), p); err != nil {
			return err
		}
		hd := c.Writer.Header()
		hd.Set("Content-Type", "application/zip")
		hd.Set("Content-Disposition", contentDisposition("attachment", p.Name))
		hd.Set("Cache-Control", "private, no-store")
		hd.Set("X-Content-Type-Options", "nosniff")
		c.Status(http.StatusOK)
		if err := ev.Write(c.Request.Context(), c.Writer, p); err != nil {
			s.Log.Error("evidence pack cut short", "request_id", c.GetString("request_id"), "err", err)
			// Abort the connection so the client sees an incomplete download
			// rather than a ZIP that merely looks short.
			panic(http.ErrAbortHandler)
		}
		return nil
	})
}

func handleCoverage(ev *evidence.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		cov, err := ev.Coverage(c.Request.Context())
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, cov)
	})
}

// handleCoveragePage is the coordinator's audit-readiness view: for every
// ISO 9001 clause, the documents, records, audits and NCs tagged to it, and
// the clauses with no evidence at all.
func (s *Server) handleCoveragePage(ev *evidence.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		cov, err := ev.Coverage(c.Request.Context())
		if err != nil {
			return err
		}
		s.render(c, http.StatusOK, "clauses/coverage.html", s.page(c, "clauses.title", gin.H{"C": cov}))
		return nil
	})
}
