package web

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/qms"
)

func (s *Server) handleAuditsPage(audits *internalaudit.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error { return s.renderProgrammePage(c, audits, http.StatusOK, nil) })
}

// renderProgrammePage renders the audit programme of a year with the
// planning form, and the reason of a refused plan (the form keeps what was
// typed) when refusal is set.
func (s *Server) renderProgrammePage(c *gin.Context, audits *internalaudit.Service, status int, refusal error) error {
	y, err := queryYear(c)
	if err != nil {
		return err
	}
	if y == 0 {
		y = audits.Year()
	}
	list, err := audits.Programme(c.Request.Context(), y)
	if err != nil {
		return err
	}
	units, names, err := s.unitNames(c)
	if err != nil {
		return err
	}
	today := audits.Today().String()
	form := map[string]string{"planned_start": today, "planned_end": today}
	if refusal != nil {
		form = map[string]string{}
		for k, v := range c.Request.PostForm {
			if len(v) > 0 && k != "_csrf" {
				form[k] = v[0]
			}
		}
	}
	pg := s.page(c, "audits.title", gin.H{"Year": y, "Prev": y - 1, "Next": y + 1, "Items": list, "Units": units,
		"UnitNames": names, "CanPlan": !audits.PlanScope(c.Request.Context()).Empty(), "Form": form})
	if refusal != nil {
		pg.Error = pg.errorText(refusal)
	}
	s.render(c, status, "audits/index.html", pg)
	return nil
}

// checkRow is one checklist item with its findings, for the audit page.
type checkRow struct {
	internalaudit.Item
	Findings []internalaudit.Finding
}

func (s *Server) handleAuditPage(audits *internalaudit.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error { return s.renderAuditPage(c, audits, c.Param("id"), http.StatusOK, nil) })
}

// renderAuditPage renders an audit: its checklist with the findings, the
// evidence of the audited units the actor may read now, what was reviewed,
// and the forms the actor may use; with the reason of a refused form when
// refusal is set.
func (s *Server) renderAuditPage(c *gin.Context, audits *internalaudit.Service, id string, status int, refusal error) error {
	ctx := c.Request.Context()
	a, err := audits.Get(ctx, id)
	if err != nil {
		return err
	}
	_, names, err := s.unitNames(c)
	if err != nil {
		return err
	}
	byItem := map[string][]internalaudit.Finding{}
	for _, f := range a.Findings {
		byItem[f.ItemID] = append(byItem[f.ItemID], f)
	}
	rows := make([]checkRow, 0, len(a.Items))
	for _, it := range a.Items {
		rows = append(rows, checkRow{Item: it, Findings: byItem[it.ID]})
	}
	perm := audits.PermissionsOf(ctx, a)
	data := gin.H{"A": a, "Rows": rows, "UnitNames": names, "Kinds": internalaudit.Kinds, "Counts": a.Counts(),
		"InWindow": perm.InWindow, "OnTeam": perm.OnTeam, "CanFind": perm.Find, "CanReview": perm.Review, "CanAsk": perm.Ask, "CanReport": perm.Report,
		"ReviewType": internalaudit.ReviewTypes, "Reviewed": map[string]internalaudit.Review{}}
	// What the actor may not read now is left out, not refused.
	if recs, err := s.auditRecords(c, a, 100); err == nil {
		data["Evidence"] = recs
	}
	if b, err := s.Evidence.Browse(ctx, a.ID); err == nil {
		data["Browse"] = b
	}
	if rs, err := audits.Reviews(ctx, a.ID); err == nil {
		reviewed := map[string]internalaudit.Review{}
		for _, r := range rs {
			reviewed[r.ObjectType+":"+r.ObjectID] = r
		}
		data["Reviews"], data["Reviewed"] = rs, reviewed
	}
	pg := s.page(c, "audits.audit", data)
	if refusal != nil {
		pg.Error = pg.errorText(refusal)
	}
	if perm.Barred != nil {
		data["Barred"] = pg.errorText(perm.Barred)
	}
	s.render(c, status, "audits/show.html", pg)
	return nil
}

// handleAuditReportPage is the printable report, generated from the findings.
func (s *Server) handleAuditReportPage(audits *internalaudit.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		a, err := audits.Get(c.Request.Context(), c.Param("id"))
		if err != nil {
			return err
		}
		_, names, err := s.unitNames(c)
		if err != nil {
			return err
		}
		questions := map[string]internalaudit.Item{}
		for _, it := range a.Items {
			questions[it.ID] = it
		}
		var lead string
		for _, m := range a.Team {
			if m.Lead {
				lead = m.Name
			}
		}
		data := gin.H{"A": a, "UnitNames": names, "Kinds": internalaudit.Kinds, "Counts": a.Counts(), "Questions": questions,
			"Lead": lead, "Today": s.Now()}
		s.render(c, http.StatusOK, "audits/report.html", s.page(c, "audits.report.title", data))
		return nil
	})
}

// auditTasks puts on the home page the audits the person is conducting and,
// for the lead, the report once the audit has ended.
func (s *Server) auditTasks(audits *internalaudit.Service) TaskSource {
	return func(ctx context.Context, a qms.Actor) ([]qms.Task, error) {
		mine, err := audits.MyAudits(ctx)
		if err != nil {
			return nil, err
		}
		today := audits.Today()
		out := []qms.Task{}
		for _, au := range mine {
			end := au.End
			t := s.trLang(a.Lang)
			switch over := today.After(qms.DateFromTime(au.End)); {
			case over && au.Lead == a.UserID:
				out = append(out, qms.Task{Kind: "audit_report", Link: "/audits/" + au.ID, Due: &end, Overdue: true,
					Title: t.T("audits.task.report", "Number", au.Number, "Title", au.Title)})
			case !over:
				out = append(out, qms.Task{Kind: "audit", Link: "/audits/" + au.ID, Due: &end,
					Title: t.T("audits.task.conduct", "Number", au.Number, "Title", au.Title, "Start", au.Start.Format("02/01/2006"))})
			}
		}
		return out, nil
	}
}
