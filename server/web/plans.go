package web

// The improvement plan of the reform index (Kế hoạch cải thiện Chỉ số
// CCHC): plans, their items (directives) and the items' progress reports.

import (
	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/leadership"
)

func (la leadActs) plan() act[leadership.NewPlan, leadership.Plan] {
	return act[leadership.NewPlan, leadership.Plan]{Upload: true, Created: true, Do: with(la.l.CreatePlan),
		Back:  func(_ *gin.Context, p leadership.Plan) string { return "/plans/" + p.ID },
		Flash: "proc.saved", Refused: la.s.procRefused(la.s.plansPage(la.l))}
}

func (la leadActs) planItem() act[leadership.NewPlanItem, leadership.Directive] {
	return act[leadership.NewPlanItem, leadership.Directive]{Created: true, Do: withParam("id", la.l.AddPlanItem),
		Back:  func(c *gin.Context, _ leadership.Directive) string { return "/plans/" + c.Param("id") },
		Flash: "proc.saved", Refused: la.s.procRefused(la.s.planPage(la.l))}
}

func (la leadActs) planProgress() act[leadership.ProgressIn, leadership.Directive] {
	return act[leadership.ProgressIn, leadership.Directive]{Do: withParam("id", la.l.ReportProgress),
		Back:  func(_ *gin.Context, d leadership.Directive) string { return "/plans/" + d.PlanID + "#item-" + d.ID },
		Flash: "proc.saved", Refused: la.s.procRefused(la.s.leadDirectivePage(la.l))}
}

func handlePlanFile(l *leadership.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		p, rc, err := l.OpenPlanFile(c.Request.Context(), c.Param("id"))
		if err != nil {
			return err
		}
		serveFile(c, p.File.MediaType, p.FileName, rc)
		return nil
	})
}

func (s *Server) plansPage(l *leadership.Service) handlerFunc {
	return func(c *gin.Context) error {
		list, err := l.Plans(c.Request.Context())
		if err != nil {
			return err
		}
		return s.procPage(c, "leadership/plans.html", "plan.title", map[string]any{"Items": list,
			"Year": s.Now().In(s.Location).Year(), "CanIssue": l.Permissions(c.Request.Context()).Issue})
	}
}

func (s *Server) planPage(l *leadership.Service) handlerFunc {
	return func(c *gin.Context) error {
		ctx := c.Request.Context()
		p, err := l.Plan(ctx, c.Param("id"))
		if err != nil {
			return err
		}
		units, _ := s.Org.Units(ctx)
		meetings, _ := l.Meetings(ctx)
		canReport := map[string]bool{}
		for _, d := range p.Items {
			canReport[d.ID] = l.PermissionsOf(ctx, d).Report
		}
		return s.procPage(c, "leadership/plan.html", "plan.title", map[string]any{"P": p, "Units": units, "Meetings": meetings,
			"Criteria": s.Index766.Definition().Groups, "CanReport": canReport, "CanIssue": l.Permissions(ctx).Issue})
	}
}

// planRoutes: the improvement plan; its items' reports and decisions are
// the directives' routes.
func (s *Server) planRoutes() {
	l := s.Leadership
	a := s.apiGroup("process", false)
	ui := s.engine.Group("/ui", requireUser)
	a.GET("/plans", "Improvement plans of the reform index", items(l.Plans))
	a.GET("/plans/:id", "A plan with its items and its progress by unit and by criterion", one("id", l.Plan))
	a.GET("/plans/:id/file", "Download the plan's decision file", handlePlanFile(l))
	la := leadActs{s, l}
	serve(a, ui, "/plans", "Issue an improvement plan {year, decision_number, title, decision_record} and its decision file (JSON, or multipart with file; coordinator or chairman)", la.plan())
	serve(a, ui, "/plans/:id/items", "Add an item {task, criterion, unit, support_units, due_on, expected_output, meeting_id}; it is a directive: report, accept and return through /directives/{id}", la.planItem())
	serve(a, ui, "/plan-items/:id/progress", "Report a plan item's progress {percent, text} (its unit)", la.planProgress())
	s.pages(s.engine.Group("/", requireUser), map[string]gin.HandlerFunc{
		"/plans":          h(s.plansPage(l)),
		"/plans/:id":      h(s.planPage(l)),
		"/plans/:id/file": handlePlanFile(l),
	})
}
