package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/evidence"
	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/record"
)

// Internal audits over HTTP: the programme, one audit, its reviews and the
// evidence its team may read (reads), and the acts (plan, add a question,
// record a finding, mark evidence reviewed, issue the report), each served
// on /api/v1 and /ui from one request struct (see handler.go). The pages are
// in audit_pages.go, the clause checklist in clause.go.

func queryYear(c *gin.Context) (int, error) {
	v := c.Query("year")
	if v == "" {
		return 0, nil
	}
	y, err := strconv.Atoi(v)
	if err != nil {
		return 0, qms.Errorf(qms.ErrInvalid, "year must be a number")
	}
	return y, nil
}

func handleAuditList(audits *internalaudit.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		y, err := queryYear(c)
		if err != nil {
			return err
		}
		list, err := audits.Programme(c.Request.Context(), y)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"items": list})
	})
}

func handleAuditGet(audits *internalaudit.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		a, err := audits.Get(c.Request.Context(), c.Param("id"))
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, a)
	})
}

func handleAuditReviews(audits *internalaudit.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		rs, err := audits.Reviews(c.Request.Context(), c.Param("id"))
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"items": rs})
	})
}

// auditRecords lists the records of the audit's units that the actor may
// read now (the team reads them during the window), at most limit a unit.
func (s *Server) auditRecords(c *gin.Context, a internalaudit.Audit, limit int) ([]record.Record, error) {
	out := []record.Record{}
	for _, u := range a.Units {
		list, err := s.Records.List(c.Request.Context(), record.Filter{Unit: u, Limit: limit})
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
	}
	return out, nil
}

// handleAuditEvidence lists, read-only, what the audit team may examine in
// the audited units: records, documents, NCs, actions and the trail.
func (s *Server) handleAuditEvidence(audits *internalaudit.Service, ev *evidence.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		b, err := ev.Browse(c.Request.Context(), c.Param("id"))
		if err != nil {
			return err
		}
		a, err := audits.Get(c.Request.Context(), c.Param("id"))
		if err != nil {
			return err
		}
		recs, err := s.auditRecords(c, a, 200)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"records": recs, "documents": b.Documents, "ncs": b.NCs, "actions": b.Actions, "trail": b.Trail})
	})
}

// reportReq issues the report in a language (the page's when empty).
type reportReq struct {
	Lang string `json:"lang"`
}

// auditActs builds the acts on audits; routes.go registers each on its
// path. A refused act is shown on the page of its form: the programme
// (planning) or the audit.
type auditActs struct {
	s      *Server
	audits *internalaudit.Service
}

func (aa auditActs) onAudit(c *gin.Context, status int, err error) error {
	id := c.Param("id")
	if id == "" {
		id = c.Request.PostFormValue("audit_id") // a review names its audit in the form
	}
	return aa.s.renderAuditPage(c, aa.audits, id, status, err)
}

func (aa auditActs) plan() act[internalaudit.Plan, internalaudit.Audit] {
	audits := aa.audits
	return act[internalaudit.Plan, internalaudit.Audit]{
		Created: true,
		Do: func(c *gin.Context, r *internalaudit.Plan) (internalaudit.Audit, error) {
			return audits.Create(ctxOf(c), *r)
		},
		Back:  func(c *gin.Context, a internalaudit.Audit) string { return "/audits/" + a.ID },
		Flash: "audits.flash.planned", Refused: func(c *gin.Context, status int, err error) error {
			return aa.s.renderProgrammePage(c, audits, status, err)
		},
	}
}

func (aa auditActs) question() act[internalaudit.NewQuestion, internalaudit.Item] {
	audits := aa.audits
	return act[internalaudit.NewQuestion, internalaudit.Item]{
		Created: true,
		Do: func(c *gin.Context, r *internalaudit.NewQuestion) (internalaudit.Item, error) {
			return audits.AddQuestion(ctxOf(c), c.Param("id"), *r)
		},
		Back:  backToParam[internalaudit.Item]("/audits/"),
		Flash: "audits.flash.question", Refused: aa.onAudit,
	}
}

func (aa auditActs) finding() act[internalaudit.NewFinding, internalaudit.Finding] {
	audits := aa.audits
	return act[internalaudit.NewFinding, internalaudit.Finding]{
		Created: true,
		Do: func(c *gin.Context, r *internalaudit.NewFinding) (internalaudit.Finding, error) {
			return audits.AddFinding(ctxOf(c), c.Param("id"), *r)
		},
		Back:  backToParam[internalaudit.Finding]("/audits/"),
		Flash: "audits.flash.finding", Refused: aa.onAudit,
	}
}

func (aa auditActs) review() act[internalaudit.NewReview, internalaudit.Review] {
	audits := aa.audits
	return act[internalaudit.NewReview, internalaudit.Review]{
		Created: true,
		Do: func(c *gin.Context, r *internalaudit.NewReview) (internalaudit.Review, error) {
			return audits.Review(ctxOf(c), *r)
		},
		Back:  func(c *gin.Context, r internalaudit.Review) string { return "/audits/" + r.AuditID },
		Flash: "audits.flash.reviewed", Refused: aa.onAudit,
	}
}

func (aa auditActs) report() act[reportReq, internalaudit.Audit] {
	audits := aa.audits
	return act[reportReq, internalaudit.Audit]{
		Do: func(c *gin.Context, r *reportReq) (internalaudit.Audit, error) {
			if r.Lang == "" {
				r.Lang = c.GetString("lang")
			}
			return audits.IssueReport(ctxOf(c), c.Param("id"), r.Lang)
		},
		Back:  func(c *gin.Context, a internalaudit.Audit) string { return "/audits/" + a.ID },
		Flash: "audits.flash.report", Refused: aa.onAudit,
		// The API accepts an empty body (the caller's language); see
		// handleAuditReport.
		NoAPI: true,
	}
}

// handleAuditReport is the report act on the API, whose body ({lang}) is
// optional.
func handleAuditReport(a act[reportReq, internalaudit.Audit]) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var r reportReq
		if c.Request.ContentLength != 0 {
			if err := decode(c, &r); err != nil {
				return err
			}
		}
		res, err := a.Do(c, &r)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, res)
	})
}
