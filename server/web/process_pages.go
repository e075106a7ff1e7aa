package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/workday"
)

// procNav is the sub-navigation of the process pages.
var procNav = []struct{ Key, Href string }{
	{"proc.nav.dashboard", "/dashboard"},
	{"proc.nav.dossiers", "/dossiers"},
	{"proc.nav.kpis", "/kpis"},
	{"proc.nav.objectives", "/objectives"},
	{"proc.nav.meetings", "/meetings"},
	{"proc.nav.late", "/late-dossiers"},
	{"proc.nav.services", "/services"},
	{"proc.nav.calendar", "/calendar"},
}

// procPage renders a process page with the sub-navigation in data["Nav"].
func (s *Server) procPage(c *gin.Context, name, title string, data map[string]any) {
	var nav []NavItem
	for _, n := range procNav {
		nav = append(nav, NavItem{Key: n.Key, Href: n.Href, Active: c.Request.URL.Path == n.Href})
	}
	data["Nav"] = nav
	a := actor(c)
	data["CanManage"] = s.Authz.CanAnywhere(a.UserID, process.ObjProcess, process.ActManage)
	data["CanIssue"] = s.Authz.Can(a.UserID, qms.AllUnits, process.ObjDirective, process.ActIssue)
	data["CanWrite"] = s.Authz.CanAnywhere(a.UserID, process.ObjDossier, process.ActWrite)
	s.render(c, http.StatusOK, name, s.page(c, title, data))
}

// back redirects a form post to a page with a flash message id.
func back(c *gin.Context, to, ok string) {
	sep := "?"
	if strings.Contains(to, "?") {
		sep = "&"
	}
	c.Redirect(http.StatusSeeOther, to+sep+"ok="+url.QueryEscape(ok))
}

func (s *Server) handleProcDashboardPage(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		from, to, err := dashboardPeriod(c)
		if err != nil {
			fail(c, err)
			return
		}
		db, err := p.Dashboard(c.Request.Context(), from, to, s.NCSummary)
		if err != nil {
			fail(c, err)
			return
		}
		lang := c.GetString("lang")
		s.procPage(c, "process/dashboard.html", "proc.dashboard.title", map[string]any{
			"D": db, "Trend": procTrendSVG(db, s.T(c, "proc.kpi.on_time_rate")), "UnitsChart": procUnitsSVG(db, lang),
			"Heat": procHeatRows(db), "HasNCs": s.NCSummary != nil,
			"DStates": []string{"open", "reported", "returned", "accepted", "overdue"},
			"Month":   c.Query("month"),
		})
	}
}

func (s *Server) handleProcExport(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		from, to, err := dashboardPeriod(c)
		if err != nil {
			fail(c, err)
			return
		}
		db, err := p.Dashboard(c.Request.Context(), from, to, s.NCSummary)
		if err != nil {
			fail(c, err)
			return
		}
		lang := c.GetString("lang")
		f, err := dashboardXLSX(db, func(id string) string { return s.TLang(lang, id) })
		if err != nil {
			fail(c, err)
			return
		}
		defer f.Close()
		name := fmt.Sprintf("qmstrack-dashboard-%s-%s.xlsx", db.From, db.To)
		c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		c.Header("Content-Disposition", contentDisposition("attachment", name))
		c.Status(http.StatusOK)
		if err := f.Write(c.Writer); err != nil {
			s.Log.Error("xlsx export", "err", err)
		}
	}
}

func (s *Server) handleServicesPage(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := p.Services(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		units, _ := s.Org.Units(c.Request.Context())
		s.procPage(c, "process/services.html", "proc.services.title", map[string]any{"Services": list, "Units": units, "Fields": process.Fields})
	}
}

// parseSteps reads "code:days:unit" lines.
func parseSteps(s string) ([]process.Step, error) {
	var out []process.Step
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		parts := strings.Split(line, ":")
		st := process.Step{Code: strings.TrimSpace(parts[0])}
		if len(parts) > 1 {
			n, err := strconv.Atoi(strings.TrimSpace(parts[1]))
			if err != nil {
				return nil, qms.Errorf(qms.ErrInvalid, "steps: %q needs the form code:days[:unit]", line)
			}
			st.Days = n
		}
		if len(parts) > 2 {
			st.Unit = strings.TrimSpace(parts[2])
		}
		out = append(out, st)
	}
	return out, nil
}

func (s *Server) handleServiceForm(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		days, err := strconv.Atoi(c.PostForm("days"))
		if err != nil {
			fail(c, qms.Errorf(qms.ErrInvalid, "the processing time must be a number of working days"))
			return
		}
		steps, err := parseSteps(c.PostForm("steps"))
		if err != nil {
			fail(c, err)
			return
		}
		svc := process.Service{Code: c.PostForm("code"), NameVI: c.PostForm("name_vi"), NameEN: c.PostForm("name_en"), Field: c.PostForm("field"),
			Unit: c.PostForm("unit"), Days: days, Steps: steps, Document: c.PostForm("document"), Active: true}
		if _, err := p.SaveService(c.Request.Context(), svc, c.PostForm("op") != "update"); err != nil {
			fail(c, err)
			return
		}
		back(c, "/services", "proc.saved")
	}
}

func (s *Server) handleCalendarPage(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		year := s.Now().In(s.Location).Year()
		if v := c.Query("year"); v != "" {
			y, err := strconv.Atoi(v)
			if err != nil {
				fail(c, qms.Errorf(qms.ErrInvalid, "year must be a number"))
				return
			}
			year = y
		}
		cy, err := p.CalendarYear(c.Request.Context(), year)
		if err != nil {
			fail(c, err)
			return
		}
		var lines []string
		for _, d := range cy.Days {
			lines = append(lines, fmt.Sprintf("%s %s %s", d.Date, d.Kind, d.Name))
		}
		s.procPage(c, "process/calendar.html", "proc.calendar.title", map[string]any{
			"C": cy, "Lines": strings.Join(lines, "\n"), "Prev": year - 1, "Next": year + 1,
			"Open":  fmt.Sprintf("%02d:%02d", cy.Settings.Open/60, cy.Settings.Open%60),
			"Close": fmt.Sprintf("%02d:%02d", cy.Settings.Close/60, cy.Settings.Close%60),
		})
	}
}

func parseHHMM(s string) (int, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, qms.Errorf(qms.ErrInvalid, "office hours must be written hh:mm")
	}
	return t.Hour()*60 + t.Minute(), nil
}

func (s *Server) handleCalendarForm(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		year, err := strconv.Atoi(c.PostForm("year"))
		if err != nil {
			fail(c, qms.Errorf(qms.ErrInvalid, "year must be a number"))
			return
		}
		cy := process.CalendarYear{Year: year, Days: []workday.Day{}}
		for i, line := range strings.Split(c.PostForm("days"), "\n") {
			f := strings.Fields(line)
			if len(f) == 0 {
				continue
			}
			if len(f) < 2 {
				fail(c, qms.Errorf(qms.ErrInvalid, "line %d: write yyyy-mm-dd holiday|workday name", i+1))
				return
			}
			d, err := workday.ParseDate(f[0])
			if err != nil {
				fail(c, qms.Errorf(qms.ErrInvalid, "line %d: %s", i+1, err.Error()))
				return
			}
			cy.Days = append(cy.Days, workday.Day{Date: d, Kind: f[1], Name: strings.Join(f[2:], " ")})
		}
		if cy.Settings.Open, err = parseHHMM(c.PostForm("open")); err == nil {
			cy.Settings.Close, err = parseHHMM(c.PostForm("close"))
		}
		if err != nil {
			fail(c, err)
			return
		}
		cy.Settings.AfterHours = workday.AfterHoursRule(c.PostForm("after_hours"))
		cy.Settings.LateMode = c.PostForm("late_mode")
		if _, err := p.SaveCalendarYear(c.Request.Context(), cy); err != nil {
			fail(c, err)
			return
		}
		back(c, fmt.Sprintf("/calendar?year=%d", year), "proc.saved")
	}
}

func (s *Server) handleDossiersPage(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, err := dossierFilter(c, s.Location)
		if err != nil {
			fail(c, err)
			return
		}
		list, total, err := p.Dossiers(c.Request.Context(), f)
		if err != nil {
			fail(c, err)
			return
		}
		svcs, _ := p.Services(c.Request.Context())
		q := c.Request.URL.Query()
		next := ""
		if f.Offset+len(list) < total {
			q.Set("offset", strconv.Itoa(f.Offset+len(list)))
			next = "/dossiers?" + q.Encode()
		}
		s.procPage(c, "process/dossiers.html", "proc.dossiers.title", map[string]any{
			"Items": list, "Total": total, "Capped": total > 10000, "F": c.Request.URL.Query(), "Services": svcs, "Next": next,
			"Statuses": []string{process.StatusProcessing, process.StatusSupplement, process.StatusReturned, process.StatusWithdrawn}})
	}
}

func (s *Server) handleDossierPage(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		d, err := p.GetDossier(c.Request.Context(), c.Param("number"))
		if err != nil {
			fail(c, err)
			return
		}
		cal, _, err := p.Calendar(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		svc, _ := p.GetService(c.Request.Context(), d.Service)
		end := s.Now()
		switch {
		case d.ReturnedAt != nil:
			end = *d.ReturnedAt
		case d.PausedAt != nil:
			end = *d.PausedAt
		}
		used := cal.Elapsed(d.ClockStart, end)
		frac := 1.0
		if svc.Days > 0 {
			frac = used / float64(svc.Days)
		}
		s.procPage(c, "process/dossier.html", "proc.dossier.title", map[string]any{
			"D": d, "Svc": svc, "Used": fmt.Sprintf("%.2f", used), "Pct": fmt.Sprintf("%.0f", 100*minF(frac, 1)), "Over": frac > 1,
			"EventTypes": process.EventTypes})
	}
}

func minF(a, b float64) float64 {
	if a < b {
		return a
	}
	return b
}

func (s *Server) handleDossierEventForm(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		at, err := process.ParseTime(c.PostForm("at"), s.Location)
		if err != nil {
			fail(c, qms.Errorf(qms.ErrInvalid, "%s", err.Error()))
			return
		}
		e := process.Event{EventID: c.PostForm("event_id"), Type: c.PostForm("type"), At: at, ToUnit: c.PostForm("to_unit"),
			Step: c.PostForm("step"), Result: c.PostForm("result"), Reason: c.PostForm("reason")}
		if e.EventID == "" {
			e.EventID = fmt.Sprintf("ui-%d", time.Now().UnixNano())
		}
		if v := c.PostForm("new_due_at"); v != "" {
			nd, err := process.ParseTime(v, s.Location)
			if err != nil {
				fail(c, qms.Errorf(qms.ErrInvalid, "%s", err.Error()))
				return
			}
			e.NewDueAt = &nd
		}
		if _, _, err := p.AddEvent(c.Request.Context(), c.Param("number"), e); err != nil {
			fail(c, err)
			return
		}
		back(c, "/dossiers/"+url.PathEscape(c.Param("number")), "proc.saved")
	}
}

func (s *Server) handleImportPage(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		s.procPage(c, "process/import.html", "proc.import.title", map[string]any{"Columns": process.ImportColumns})
	}
}

// handleImportForm imports the uploaded CSV and redirects to its report.
// The form is sent by the upload script (CSRF header), which follows the
// redirect.
func (s *Server) handleImportForm(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		rep, err := importFrom(c, p)
		if err != nil {
			fail(c, err)
			return
		}
		c.Redirect(http.StatusSeeOther, "/dossiers/imports/"+rep.ID)
	}
}

func (s *Server) handleImportReportPage(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		rep, err := p.GetImport(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		s.procPage(c, "process/import.html", "proc.import.title", map[string]any{"Columns": process.ImportColumns, "Report": rep})
	}
}

func (s *Server) handleLatePage(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		tri, err := p.Triage(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		raised, err := p.LateRecords(c.Request.Context(), process.LateRaised)
		if err != nil {
			fail(c, err)
			return
		}
		nc, err := p.NonCompliantUnits(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		s.procPage(c, "process/late.html", "proc.late.title", map[string]any{"Triage": tri, "Raised": raised, "NonCompliant": nc})
	}
}

func (s *Server) handleLateForm(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		var err error
		if c.PostForm("op") == "dismiss" {
			_, err = p.DismissLate(c.Request.Context(), c.Param("number"), c.PostForm("reason"))
		} else {
			_, err = p.RaiseFromTriage(c.Request.Context(), c.Param("number"))
		}
		if err != nil {
			fail(c, err)
			return
		}
		back(c, "/late-dossiers", "proc.saved")
	}
}

func (s *Server) handleKPIPage(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		q, err := kpiQuery(c)
		if err != nil {
			fail(c, err)
			return
		}
		if q.By == "" {
			q.By = "month"
		}
		rows, err := p.KPIs(c.Request.Context(), q)
		if err != nil {
			fail(c, err)
			return
		}
		svcs, _ := p.Services(c.Request.Context())
		s.procPage(c, "process/kpis.html", "proc.kpis.title", map[string]any{"Rows": rows, "Q": c.Request.URL.Query(), "By": q.By,
			"Groupings": process.KPIGroupings[1:], "Services": svcs, "Fields": process.Fields})
	}
}

func (s *Server) handleObjectivesPage(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := p.Objectives(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		units, _ := s.Org.Units(c.Request.Context())
		s.procPage(c, "process/objectives.html", "proc.objectives.title", map[string]any{"Items": list, "Units": units, "KPIs": process.ObjectiveKPIs, "Fields": process.Fields})
	}
}

func (s *Server) handleObjectiveForm(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		target, err := strconv.ParseFloat(strings.ReplaceAll(c.PostForm("target"), ",", "."), 64)
		if err != nil {
			fail(c, qms.Errorf(qms.ErrInvalid, "the target must be a number"))
			return
		}
		o := process.Objective{Title: c.PostForm("title"), KPI: c.PostForm("kpi"), Comparator: c.PostForm("comparator"), Target: target,
			Unit: c.PostForm("unit"), Field: c.PostForm("field"), Service: c.PostForm("service")}
		if o.From, err = workday.ParseDate(c.PostForm("period_from")); err == nil {
			o.To, err = workday.ParseDate(c.PostForm("period_to"))
		}
		if err != nil {
			fail(c, qms.Errorf(qms.ErrInvalid, "the period needs two dates"))
			return
		}
		if _, err := p.CreateObjective(c.Request.Context(), o); err != nil {
			fail(c, err)
			return
		}
		back(c, "/objectives", "proc.saved")
	}
}

func (s *Server) handleMeetingsPage(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := p.Meetings(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		ds, err := p.Directives(c.Request.Context(), process.DirectiveFilter{})
		if err != nil {
			fail(c, err)
			return
		}
		units, _ := s.Org.Units(c.Request.Context())
		s.procPage(c, "process/meetings.html", "proc.meetings.title", map[string]any{"Items": list, "Directives": ds, "Units": units,
			"Today": s.Now().In(s.Location).Format("2006-01-02")})
	}
}

func (s *Server) handleMeetingForm(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		m, err := createMeeting(c, p)
		if err != nil {
			fail(c, err)
			return
		}
		back(c, "/meetings/"+m.ID, "proc.saved")
	}
}

func (s *Server) handleMeetingPage(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		m, err := p.GetMeeting(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		units, _ := s.Org.Units(c.Request.Context())
		s.procPage(c, "process/meeting.html", "proc.meeting.title", map[string]any{"M": m, "Units": units})
	}
}

func (s *Server) handleMeetingMinutes(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		m, rc, err := p.OpenMinutes(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		defer rc.Close()
		c.Header("Content-Type", m.Minutes.MediaType)
		c.Header("Content-Disposition", contentDisposition("attachment", m.MinutesName))
		c.Header("X-Content-Type-Options", "nosniff")
		http.ServeContent(c.Writer, c.Request, "", time.Time{}, rc)
	}
}

func (s *Server) handleDirectiveForm(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		due, err := workday.ParseDate(c.PostForm("due_on"))
		if err != nil {
			fail(c, qms.Errorf(qms.ErrInvalid, "the due date is required"))
			return
		}
		d := process.Directive{Unit: c.PostForm("unit"), Title: c.PostForm("title"), ReportRequired: c.PostForm("report_required"), DueOn: due}
		if _, err := p.AddDirective(c.Request.Context(), c.Param("id"), d); err != nil {
			fail(c, err)
			return
		}
		back(c, "/meetings/"+c.Param("id"), "proc.saved")
	}
}

func (s *Server) handleDirectivePage(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		d, err := p.GetDirective(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		a := actor(c)
		s.procPage(c, "process/directive.html", "proc.directive.title", map[string]any{"D": d,
			"CanReport": s.Authz.Can(a.UserID, d.Unit, process.ObjDirective, process.ActReport) && (d.State == process.DirectiveOpen || d.State == process.DirectiveReturned),
			"CanDecide": p.CanDecide(a, d) && d.State == process.DirectiveReported})
	}
}

func (s *Server) handleDirectiveReportForm(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, err := reportDirective(c, p); err != nil {
			fail(c, err)
			return
		}
		back(c, "/directives/"+c.Param("id"), "proc.saved")
	}
}

func (s *Server) handleDirectiveDecideForm(p *process.Process) gin.HandlerFunc {
	return func(c *gin.Context) {
		if _, err := p.DecideDirective(c.Request.Context(), c.Param("id"), c.PostForm("op") == "accept", c.PostForm("comment")); err != nil {
			fail(c, err)
			return
		}
		back(c, "/directives/"+c.Param("id"), "proc.saved")
	}
}

// procTasks puts off-track objectives and directives to report on the
// home page, worded in the reader's language.
func (s *Server) procTasks(p *process.Process) TaskSource {
	return func(ctx context.Context, a qms.Actor) ([]qms.Task, error) {
		items, err := p.Tasks(ctx, a)
		if err != nil {
			return nil, err
		}
		out := []qms.Task{}
		for _, it := range items {
			switch it.Kind {
			case "objective":
				out = append(out, qms.Task{Kind: "objective", Link: "/objectives#obj-" + it.ID, Overdue: true,
					Title: s.TLang(a.Lang, "proc.task.objective", "Title", it.Title, "KPI", s.TLang(a.Lang, "proc.kpi."+it.KPI),
						"Value", fmt.Sprintf("%.2f", it.Value), "Cmp", it.Comparator, "Target", fmt.Sprintf("%.2f", it.Target))})
			case "directive":
				out = append(out, qms.Task{Kind: "directive", Link: "/directives/" + it.ID, Due: it.Due, Overdue: it.Overdue,
					Title: s.TLang(a.Lang, "proc.task.directive", "Title", it.Title)})
			}
		}
		return out, nil
	}
}
