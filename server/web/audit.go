package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/evidence"
	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/record"
)

// auditPlanRequest is the JSON body of POST /api/v1/audits.
type auditPlanRequest struct {
	Title       string   `json:"title"`
	Units       []string `json:"units"`
	Processes   string   `json:"processes"`
	Clauses     []string `json:"clauses"`
	Start       string   `json:"planned_start"`
	End         string   `json:"planned_end"`
	LeadAuditor string   `json:"lead_auditor"` // login
	Team        []string `json:"team"`         // logins
	Questions   []string `json:"questions"`
}

func (r auditPlanRequest) plan() internalaudit.Plan {
	return internalaudit.Plan{Title: r.Title, Units: r.Units, Processes: r.Processes, Clauses: r.Clauses, Start: r.Start,
		End: r.End, Lead: r.LeadAuditor, Team: r.Team, Questions: internalaudit.Lines(r.Questions)}
}

func handleAuditCreate(audits *internalaudit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req auditPlanRequest
		if err := bindJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
		a, err := audits.Create(c.Request.Context(), req.plan())
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, a)
	}
}

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
	return func(c *gin.Context) {
		y, err := queryYear(c)
		if err != nil {
			fail(c, err)
			return
		}
		list, err := audits.Programme(c.Request.Context(), y)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"items": list})
	}
}

func handleAuditGet(audits *internalaudit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		a, err := audits.Get(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, a)
	}
}

// findingRequest is the JSON body of POST /api/v1/audits/{id}/findings.
type findingRequest struct {
	ItemID      string   `json:"item_id"`
	Unit        string   `json:"unit"`
	Kind        string   `json:"kind"`
	Severity    string   `json:"severity"`
	Description string   `json:"description"`
	Evidence    []string `json:"evidence"`
}

func handleAuditFinding(audits *internalaudit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req findingRequest
		if err := bindJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
		f, err := audits.AddFinding(c.Request.Context(), c.Param("id"), internalaudit.NewFinding{ItemID: req.ItemID, Unit: req.Unit,
			Kind: req.Kind, Severity: req.Severity, Description: req.Description, Evidence: internalaudit.Lines(req.Evidence)})
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, f)
	}
}

func handleAuditQuestion(audits *internalaudit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req struct {
			Clause   string `json:"clause"`
			Question string `json:"question"`
		}
		if err := bindJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
		it, err := audits.AddQuestion(c.Request.Context(), c.Param("id"), internalaudit.NewQuestion{Clause: req.Clause, Question: req.Question})
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, it)
	}
}

func handleAuditReport(audits *internalaudit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req struct {
			Lang string `json:"lang"`
		}
		if c.Request.ContentLength != 0 {
			if err := bindJSON(c, &req); err != nil {
				fail(c, err)
				return
			}
		}
		if req.Lang == "" {
			req.Lang = c.GetString("lang")
		}
		a, err := audits.IssueReport(c.Request.Context(), c.Param("id"), req.Lang)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, a)
	}
}

// reviewRequest is the JSON body of POST /api/v1/reviews.
type reviewRequest struct {
	AuditID    string `json:"audit_id"`
	ObjectType string `json:"object_type"`
	ObjectID   string `json:"object_id"`
	Comment    string `json:"comment"`
}

func handleReviewCreate(audits *internalaudit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req reviewRequest
		if err := bindJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
		r, err := audits.Review(c.Request.Context(), internalaudit.NewReview(req))
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusCreated, r)
	}
}

func handleAuditReviews(audits *internalaudit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		rs, err := audits.Reviews(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"items": rs})
	}
}

func handleAuditClauses(audits *internalaudit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		cs, err := audits.Clauses(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"items": cs})
	}
}

func handleAuditClauseSave(audits *internalaudit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var req struct {
			TitleVI    string `json:"title_vi"`
			TitleEN    string `json:"title_en"`
			QuestionVI string `json:"question_vi"`
			QuestionEN string `json:"question_en"`
			Active     *bool  `json:"active"` // default true
		}
		if err := bindJSON(c, &req); err != nil {
			fail(c, err)
			return
		}
		cl := internalaudit.Clause{Clause: strings.TrimSpace(c.Param("clause")), TitleVI: req.TitleVI, TitleEN: req.TitleEN,
			QuestionVI: req.QuestionVI, QuestionEN: req.QuestionEN, Active: req.Active == nil || *req.Active}
		out, err := audits.SaveClause(c.Request.Context(), cl)
		if err != nil {
			fail(c, err)
			return
		}
		c.JSON(http.StatusOK, out)
	}
}

// handleAuditEvidence lists, read-only, what the audit team may examine in
// the audited units: records, documents, NCs, actions and the trail.
func (s *Server) handleAuditEvidence(audits *internalaudit.Service, ev *evidence.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		b, err := ev.Browse(ctx, c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		a, err := audits.Get(ctx, c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		recs := []record.Record{}
		if rs := s.Records; rs != nil {
			for _, u := range a.Units {
				list, err := rs.List(ctx, record.Filter{Unit: u, Limit: 200})
				if err != nil {
					fail(c, err)
					return
				}
				recs = append(recs, list...)
			}
		}
		c.JSON(http.StatusOK, gin.H{"records": recs, "documents": b.Documents, "ncs": b.NCs, "actions": b.Actions, "trail": b.Trail})
	}
}
