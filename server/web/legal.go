package web

// The register of legal bases and the revision tasks a legal change opens
// (QĐ 19/2014/QĐ-TTg: the QMS is updated within three months).

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
)

func legalFilter(c *gin.Context) leadership.LegalFilter {
	return leadership.LegalFilter{Status: c.Query("status"), Service: c.Query("service"), Document: c.Query("document")}
}

func taskFilter(c *gin.Context) leadership.TaskFilter {
	return leadership.TaskFilter{State: c.Query("state"), Unit: c.Query("unit"), LegalBasis: c.Query("legal_basis"), Document: c.Query("document")}
}

func handleLegalList(l *leadership.Legal) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		list, err := l.LegalBases(c.Request.Context(), legalFilter(c))
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"items": list})
	})
}

func handleRevisionTasks(l *leadership.Legal) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		list, err := l.RevisionTasks(c.Request.Context(), taskFilter(c))
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"items": list})
	})
}

func handleLegalUpdate(l *leadership.Legal) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var r leadership.LegalBasisIn
		if err := decode(c, &r); err != nil {
			return err
		}
		b, err := l.UpdateLegalBasis(c.Request.Context(), c.Param("id"), r)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, b)
	})
}

type legalActs struct {
	s *Server
	l *leadership.Legal
}

func (la legalActs) create() act[leadership.LegalBasisIn, leadership.LegalBasis] {
	return act[leadership.LegalBasisIn, leadership.LegalBasis]{Created: true, Do: with(la.l.CreateLegalBasis),
		Back:  func(_ *gin.Context, b leadership.LegalBasis) string { return "/legal-bases/" + b.ID },
		Flash: "proc.saved", Refused: la.s.procRefused(la.s.legalListPage(la.l))}
}

func (la legalActs) update() act[leadership.LegalBasisIn, leadership.LegalBasis] {
	return act[leadership.LegalBasisIn, leadership.LegalBasis]{NoAPI: true, Do: withParam("id", la.l.UpdateLegalBasis),
		Back:  func(_ *gin.Context, b leadership.LegalBasis) string { return "/legal-bases/" + b.ID },
		Flash: "proc.saved", Refused: la.s.procRefused(la.s.legalPage(la.l))}
}

// legalChoices are what the forms link: services and procedure documents.
func (s *Server) legalChoices(ctx context.Context) (services []process.Procedure, docs []document.Document) {
	services, _ = s.Process.Procedures(ctx)
	all, _ := s.Documents.List(ctx, document.Filter{Type: document.TypeProcedure, Limit: 200})
	for _, d := range all.Items {
		if d.Status != document.DocObsolete {
			docs = append(docs, d)
		}
	}
	return services, docs
}

func (s *Server) legalListPage(l *leadership.Legal) handlerFunc {
	return func(c *gin.Context) error {
		ctx := c.Request.Context()
		list, err := l.LegalBases(ctx, legalFilter(c))
		if err != nil {
			return err
		}
		data := map[string]any{"Items": list, "Kinds": leadership.LegalKinds, "Statuses": leadership.LegalStatuses,
			"CanManageLegal": l.CanManage(ctx), "Status": c.Query("status")}
		if l.CanManage(ctx) {
			data["Services"], data["Documents"] = s.legalChoices(ctx)
		}
		return s.procPage(c, "leadership/legal_bases.html", "legal.title", data)
	}
}

func (s *Server) legalPage(l *leadership.Legal) handlerFunc {
	return func(c *gin.Context) error {
		ctx := c.Request.Context()
		b, err := l.LegalBasis(ctx, c.Param("id"))
		if err != nil {
			return err
		}
		data := map[string]any{"B": b, "Kinds": leadership.LegalKinds, "Statuses": leadership.LegalStatuses, "CanManageLegal": l.CanManage(ctx)}
		if l.CanManage(ctx) {
			data["Services"], data["Documents"] = s.legalChoices(ctx)
			others, _ := l.LegalBases(ctx, leadership.LegalFilter{})
			data["Others"] = others
			linkedS, linkedD := map[string]bool{}, map[string]bool{}
			for _, x := range b.Services {
				linkedS[x.Code] = true
			}
			for _, x := range b.Documents {
				linkedD[x.ID] = true
			}
			data["LinkedS"], data["LinkedD"] = linkedS, linkedD
		}
		return s.procPage(c, "leadership/legal_basis.html", "legal.basis", data)
	}
}

func (s *Server) revisionTasksPage(l *leadership.Legal) handlerFunc {
	return func(c *gin.Context) error {
		f := taskFilter(c)
		if f.State == "" {
			f.State = leadership.TaskOpen
		}
		list, err := l.RevisionTasks(c.Request.Context(), f)
		if err != nil {
			return err
		}
		return s.procPage(c, "leadership/legal_tasks.html", "legal.tasks", map[string]any{"Items": list, "State": f.State,
			"States": []string{leadership.TaskOpen, leadership.TaskOverdue, leadership.TaskClosed}})
	}
}

// legalTasks puts the open revision tasks of the reader's units on the
// home page (heads and authors), worded in the reader's language.
func (s *Server) legalTasks(l *leadership.Legal) TaskSource {
	return func(ctx context.Context, a qms.Actor) ([]qms.Task, error) {
		ts, err := l.ToRevise(ctx, a)
		out := make([]qms.Task, 0, len(ts))
		for _, t := range ts {
			due := t.DueOn.In(s.Location)
			out = append(out, qms.Task{Kind: "revision", Link: "/legal-bases/" + t.LegalBasisID + "#task-" + t.ID, Due: &due, Overdue: t.Overdue,
				Title: s.trLang(a.Lang).T("legal.task.home", "Code", t.DocumentCode, "Number", t.LegalNumber)})
		}
		return out, err
	}
}

// legalRoutes: the register of legal bases and the revision tasks.
func (s *Server) legalRoutes() {
	l := s.Legal
	s.AddTasks(s.legalTasks(l))
	a := s.apiGroup("process", false)
	ui := s.engine.Group("/ui", requireUser)
	a.GET("/legal-bases", "The register of legal bases (status, service, document)", handleLegalList(l))
	a.GET("/legal-bases/:id", "A legal basis with its services, procedures and revision tasks", one("id", l.LegalBasis))
	a.PUT("/legal-bases/:id", "Change a legal basis {..., version} (coordinator): new procedures get a revision task, unlinked ones close theirs", handleLegalUpdate(l))
	a.GET("/revision-tasks", "Revision tasks after legal changes (state open|overdue|closed, unit, legal_basis, document)", handleRevisionTasks(l))
	la := legalActs{s, l}
	serve(a, ui, "/legal-bases", "Register a legal basis {number, title, kind, issuer, issued_on, effective_on, status, superseded_by, services, documents, already_applied} (coordinator): each linked procedure gets a revision task due three months after the effective date", la.create())
	serve(a, ui, "/legal-bases/:id", "", la.update())
	s.pages(s.engine.Group("/", requireUser), map[string]gin.HandlerFunc{
		"/legal-bases":     h(s.legalListPage(l)),
		"/legal-bases/:id": h(s.legalPage(l)),
		"/revision-tasks":  h(s.revisionTasksPage(l)),
	})
}
