package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/internalaudit"
)

// The ISO 9001:2015 clause checklist of internal audits: read by everyone,
// edited by the coordinator (PUT on the API, a form on its page).

func handleAuditClauses(audits *internalaudit.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		cs, err := audits.Clauses(c.Request.Context())
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"items": cs})
	})
}

// handleClausesPage lists the ISO 9001:2015 clause checklist; the
// coordinator edits titles and questions in place.
func (s *Server) handleClausesPage(audits *internalaudit.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error { return s.renderClausesPage(c, audits, http.StatusOK, nil) })
}

func (s *Server) renderClausesPage(c *gin.Context, audits *internalaudit.Service, status int, refusal error) error {
	cs, err := audits.Clauses(c.Request.Context())
	if err != nil {
		return err
	}
	pg := s.page(c, "clauses.checklist", gin.H{"Clauses": cs, "CanEdit": audits.PlanScope(c.Request.Context()).All})
	if refusal != nil {
		pg.Error = pg.errorText(refusal)
	}
	s.render(c, status, "clauses/index.html", pg)
	return nil
}

// clauseReq edits a clause (the API names it in the path, the form in a
// field); active defaults to true.
type clauseReq struct {
	Clause     string `json:"clause"`
	TitleVI    string `json:"title_vi"`
	TitleEN    string `json:"title_en"`
	QuestionVI string `json:"question_vi"`
	QuestionEN string `json:"question_en"`
	Active     *bool  `json:"active"`
}

// saveClause is the act of the form; the API's PUT (handleAuditClauseSave)
// runs the same Do.
func (s *Server) saveClause(audits *internalaudit.Service) act[clauseReq, internalaudit.Clause] {
	return act[clauseReq, internalaudit.Clause]{
		NoAPI: true,
		Do: func(c *gin.Context, r *clauseReq) (internalaudit.Clause, error) {
			if p := strings.TrimSpace(c.Param("clause")); p != "" {
				r.Clause = p
			}
			return audits.SaveClause(ctxOf(c), internalaudit.Clause{Clause: r.Clause, TitleVI: r.TitleVI, TitleEN: r.TitleEN,
				QuestionVI: r.QuestionVI, QuestionEN: r.QuestionEN, Active: r.Active == nil || *r.Active})
		},
		Back: func(*gin.Context, internalaudit.Clause) string { return "/clauses" }, Flash: "clauses.flash.saved",
		Refused: func(c *gin.Context, status int, err error) error { return s.renderClausesPage(c, audits, status, err) },
	}
}

func handleAuditClauseSave(a act[clauseReq, internalaudit.Clause]) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var r clauseReq
		if err := decode(c, &r); err != nil {
			return err
		}
		out, err := a.Do(c, &r)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, out)
	})
}
