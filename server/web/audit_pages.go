package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/internalaudit"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/record"
)

func (s *Server) auditProgrammePage(c *gin.Context, audits *internalaudit.Service, status int, formErr error, form map[string]string) {
	y, err := queryYear(c)
	if err != nil {
		fail(c, err)
		return
	}
	if y == 0 {
		y = s.Now().In(s.Location).Year()
	}
	list, err := audits.Programme(c.Request.Context(), y)
	if err != nil {
		fail(c, err)
		return
	}
	units, names, err := s.recordUnitNames(c)
	if err != nil {
		fail(c, err)
		return
	}
	if form == nil {
		today := s.Now().In(s.Location).Format("2006-01-02")
		form = map[string]string{"planned_start": today, "planned_end": today}
	}
	data := gin.H{"Year": y, "Prev": y - 1, "Next": y + 1, "Items": list, "Units": units, "UnitNames": names,
		"CanPlan": s.Authz.CanAnywhere(actor(c).UserID, "audit", "plan"), "Form": form}
	pg := s.page(c, "audits.title", data)
	if formErr != nil {
		if _, internal := pageError(c, pg, formErr); internal {
			return
		}
	}
	s.render(c, status, "audits/index.html", pg)
}

func (s *Server) handleAuditsPage(audits *internalaudit.Service) gin.HandlerFunc {
	return func(c *gin.Context) { s.auditProgrammePage(c, audits, http.StatusOK, nil, nil) }
}

func splitList(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == ' ' })
}

func (s *Server) handleAuditCreateForm(audits *internalaudit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		var questions []string
		for _, q := range strings.Split(c.PostForm("questions"), "\n") {
			if q = strings.TrimSpace(q); q != "" {
				questions = append(questions, q)
			}
		}
		p := internalaudit.Plan{Title: c.PostForm("title"), Units: c.PostFormArray("units"), Processes: c.PostForm("processes"),
			Clauses: []string{c.PostForm("clauses")}, Start: c.PostForm("planned_start"), End: c.PostForm("planned_end"),
			Lead: c.PostForm("lead_auditor"), Team: splitList(c.PostForm("team")), Questions: questions}
		a, err := audits.Create(c.Request.Context(), p)
		if err == nil {
			c.Redirect(http.StatusSeeOther, "/audits/"+a.ID+"?ok="+url.QueryEscape(s.T(c, "audits.flash.planned")))
			return
		}
		form := map[string]string{}
		for k, v := range c.Request.PostForm {
			if len(v) > 0 && k != "_csrf" {
				form[k] = v[0]
			}
		}
		status, _ := statusOf(err)
		s.auditProgrammePage(c, audits, status, err, form)
	}
}

// checkRow is one checklist item with its findings, for the audit page.
type checkRow struct {
	internalaudit.Item
	Findings []internalaudit.Finding
}

func (s *Server) auditPage(c *gin.Context, audits *internalaudit.Service, id string, status int, formErr error) {
	ctx := c.Request.Context()
	a, err := audits.Get(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	_, names, err := s.recordUnitNames(c)
	if err != nil {
		fail(c, err)
		return
	}
	byItem := map[string][]internalaudit.Finding{}
	for _, f := range a.Findings {
		byItem[f.ItemID] = append(byItem[f.ItemID], f)
	}
	rows := make([]checkRow, 0, len(a.Items))
	for _, it := range a.Items {
		rows = append(rows, checkRow{Item: it, Findings: byItem[it.ID]})
	}
	me := actor(c).UserID
	open := a.Status == internalaudit.StatusPlanned
	onTeam := a.OnTeam(me)
	canPlan := s.can(c, a.Units[0], "audit", "plan")
	data := gin.H{"A": a, "Rows": rows, "UnitNames": names, "Kinds": internalaudit.Kinds, "Counts": a.Counts(),
		"InWindow": audits.ActsOn(ctx, a).InWindow, "OnTeam": onTeam,
		"CanFind":    audits.ActsOn(ctx, a).Find,
		"CanAsk":     open && (onTeam || canPlan),
		"CanReport":  open && (a.Lead == me || canPlan) && len(a.Findings) > 0,
		"ReviewType": internalaudit.ReviewTypes, "Reviewed": map[string]internalaudit.Review{}}
	// Evidence of the audited units that the actor may read now (the
	// team reads them during the window).
	if recs := s.Records; recs != nil {
		var ev []record.Record
		for _, u := range a.Units {
			rs, err := recs.List(ctx, record.Filter{Unit: u, Limit: 100})
			if err == nil {
				ev = append(ev, rs...)
			}
		}
		data["Evidence"] = ev
	}
	if ev := s.Evidence; ev != nil {
		if b, err := ev.Browse(ctx, a.ID); err == nil {
			data["Browse"] = b
		}
	}
	if rs, err := audits.Reviews(ctx, a.ID); err == nil {
		reviewed := map[string]internalaudit.Review{}
		for _, r := range rs {
			reviewed[r.ObjectType+":"+r.ObjectID] = r
		}
		data["Reviews"] = rs
		data["Reviewed"] = reviewed
	}
	pg := s.page(c, "audits.audit", data)
	if formErr != nil {
		if _, internal := pageError(c, pg, formErr); internal {
			return
		}
	}
	s.render(c, status, "audits/show.html", pg)
}

func (s *Server) handleAuditPage(audits *internalaudit.Service) gin.HandlerFunc {
	return func(c *gin.Context) { s.auditPage(c, audits, c.Param("id"), http.StatusOK, nil) }
}

func (s *Server) auditDone(c *gin.Context, audits *internalaudit.Service, id string, err error, okKey string) {
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/audits/"+id+"?ok="+url.QueryEscape(s.T(c, okKey)))
		return
	}
	if qms.KindOf(err) == qms.ErrNotFound {
		fail(c, err)
		return
	}
	status, _ := statusOf(err)
	s.auditPage(c, audits, id, status, err)
}

func (s *Server) handleFindingForm(audits *internalaudit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		_, err := audits.AddFinding(c.Request.Context(), c.Param("id"), internalaudit.NewFinding{ItemID: c.PostForm("item_id"),
			Unit: c.PostForm("unit"), Kind: c.PostForm("kind"), Severity: c.PostForm("severity"),
			Description: c.PostForm("description"), Evidence: []string{c.PostForm("evidence")}})
		s.auditDone(c, audits, c.Param("id"), err, "audits.flash.finding")
	}
}

func (s *Server) handleQuestionForm(audits *internalaudit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		_, err := audits.AddQuestion(c.Request.Context(), c.Param("id"), internalaudit.NewQuestion{Clause: c.PostForm("clause"), Question: c.PostForm("question")})
		s.auditDone(c, audits, c.Param("id"), err, "audits.flash.question")
	}
}

func (s *Server) handleReportForm(audits *internalaudit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		_, err := audits.IssueReport(c.Request.Context(), c.Param("id"), c.GetString("lang"))
		s.auditDone(c, audits, c.Param("id"), err, "audits.flash.report")
	}
}

func (s *Server) handleReviewForm(audits *internalaudit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.PostForm("audit_id")
		_, err := audits.Review(c.Request.Context(), internalaudit.NewReview{AuditID: id, ObjectType: c.PostForm("object_type"), ObjectID: c.PostForm("object_id"), Comment: c.PostForm("comment")})
		s.auditDone(c, audits, id, err, "audits.flash.reviewed")
	}
}

// handleAuditReportPage is the printable report, generated from the findings.
func (s *Server) handleAuditReportPage(audits *internalaudit.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		a, err := audits.Get(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		_, names, err := s.recordUnitNames(c)
		if err != nil {
			fail(c, err)
			return
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
	}
}

// auditTasks puts on the home page the audits the person is conducting (and,
// for the lead, the report once the audit has ended) and, for those who
// dispose of records, the records whose retention has ended.
func (s *Server) auditTasks(audits *internalaudit.Service) TaskSource {
	return func(ctx context.Context, a qms.Actor) ([]qms.Task, error) {
		mine, err := audits.MyAudits(ctx)
		if err != nil {
			return nil, err
		}
		today := qms.DateOf(s.Now(), s.Location).UTC()
		out := []qms.Task{}
		for _, au := range mine {
			end := au.End
			switch {
			case today.After(au.End) && au.Lead == a.UserID:
				out = append(out, qms.Task{Kind: "audit_report", Link: "/audits/" + au.ID, Due: &end, Overdue: true,
					Title: s.TLang(a.Lang, "audits.task.report", "Number", au.Number, "Title", au.Title)})
			case !today.After(au.End):
				out = append(out, qms.Task{Kind: "audit", Link: "/audits/" + au.ID, Due: &end,
					Title: s.TLang(a.Lang, "audits.task.conduct", "Number", au.Number, "Title", au.Title, "Start", au.Start.Format("02/01/2006"))})
			}
		}
		if recs := s.Records; recs != nil && !s.Authz.Scope(a.UserID, "record", "dispose").Empty() {
			due, err := recs.DueForDisposition(ctx)
			if err != nil {
				return nil, err
			}
			if len(due) > 0 {
				out = append(out, qms.Task{Kind: "record_disposition", Link: "/records?due=1",
					Title: s.TLang(a.Lang, "records.task.due", "Count", len(due))})
			}
		}
		return out, nil
	}
}
