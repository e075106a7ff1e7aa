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
	return func(c *gin.Context) {
		q := evidence.Query{Audit: c.Query("audit"), Clause: c.Query("clause"), Unit: c.Query("unit"), From: c.Query("from"), To: c.Query("to")}
		p, err := ev.Prepare(c.Request.Context(), q)
		if err != nil {
			fail(c, err)
			return
		}
		if err := ev.Begin(c.Request.Context(), p); err != nil {
			fail(c, err)
			return
		}
		h := c.Writer.Header()
		h.Set("Content-Type", "application/zip")
		h.Set("Content-Disposition", contentDisposition("attachment", p.Name))
		h.Set("Cache-Control", "private, no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		c.Status(http.StatusOK)
		if err := ev.Write(c.Request.Context(), c.Writer, p); err != nil {
			s.Log.Error("evidence pack cut short", "request_id", c.GetString("request_id"), "err", err)
			// Abort the connection so the client sees an incomplete download
			// rather than a ZIP that merely looks short.
			panic(http.ErrAbortHandler)
		}
	}
}

func handleCoverage(ev *evidence.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		cov, err := ev.Coverage(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, cov)
	}
}
