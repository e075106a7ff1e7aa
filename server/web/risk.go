package web

import (
	"context"
	"net/http"
	"sort"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/web/chart"
)

// riskRoutes: the register of risks and opportunities (ISO 9001 6.1), its
// heat map, the reviews due and the risks suggested by late-dossier trends.
func (s *Server) riskRoutes() {
	r := s.Risks
	s.AddTasks(s.riskTasks(r))
	a := s.apiGroup("risks", false)
	ui := s.engine.Group("/ui", requireUser)
	a.GET("/risks", "The register of risks and opportunities in my units (unit, kind, status, process, due=true)", handleRiskList(r))
	a.GET("/risks/heatmap", "Entries not closed counted by likelihood and impact (kind=risk|opportunity, score=inherent|residual)", handleRiskHeat(r))
	a.GET("/risks/:id", "An entry of the register with its links", one("id", r.Get))
	a.PUT("/risks/:id", "Change an entry {…, version}: refused as a conflict when the version is not the current one", handleRiskUpdate(r))
	ra := riskActs{s, r}
	serve(a, ui, "/risks", "Add a risk or an opportunity of a service or field to a unit's register", ra.create())
	serve(a, ui, "/risks/:id/links", "Link an entry to a corrective action, a directive, an NC or an audit finding of its unit {kind, target_id}", ra.link())
	serve(a, ui, "/risks/:id/edit", "", ra.edit())
	a.GET("/risk-suggestions", "Risks suggested by a service's on-time rate below its objective for three consecutive months (coordinator)", items(r.Suggestions))
	serve(a, ui, "/risk-suggestions/:id/accept", "Accept a suggested risk: it becomes an entry pre-filled from the trend (fields given replace the draft's)", ra.accept())
	serve(a, ui, "/risk-suggestions/:id/dismiss", "Dismiss a suggested risk for its streak {reason}", ra.dismiss())

	s.pages(s.engine.Group("/", requireUser), map[string]gin.HandlerFunc{
		"/risks":     h(s.risksPage(r)),
		"/risks/new": h(s.riskNewPage(r)),
		"/risks/:id": h(s.riskPage(r)),
	})
}

func handleRiskList(r *leadership.Risks) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		f := leadership.RiskFilter{Unit: c.Query("unit"), Kind: c.Query("kind"), Status: c.Query("status"), Process: c.Query("process")}
		switch c.Query("due") {
		case "", "false":
		case "true":
			today := r.Today()
			f.DueBy = &today
		default:
			return qms.Errorf(qms.ErrInvalid, "due must be true or false")
		}
		list, err := r.List(ctxOf(c), f)
		if err != nil {
			return err
		}
		return reply(c, http.StatusOK, gin.H{"items": list})
	})
}

// residualParam reads score=inherent|residual.
func residualParam(c *gin.Context) (bool, error) {
	switch c.Query("score") {
	case "", "inherent":
		return false, nil
	case "residual":
		return true, nil
	}
	return false, qms.Errorf(qms.ErrInvalid, "score must be inherent or residual")
}

func handleRiskHeat(r *leadership.Risks) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		res, err := residualParam(c)
		if err != nil {
			return err
		}
		hm, err := r.HeatMap(ctxOf(c), c.Query("kind"), res)
		return replyOK(c, hm, err)
	})
}

func handleRiskUpdate(r *leadership.Risks) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var in leadership.RiskUpdate
		if err := decode(c, &in); err != nil {
			return err
		}
		x, err := r.Update(ctxOf(c), c.Param("id"), in)
		return replyOK(c, x, err)
	})
}

// riskActs are the acts of the register's pages and API.
type riskActs struct {
	s *Server
	r *leadership.Risks
}

func riskBack(_ *gin.Context, x leadership.Risk) string { return "/risks/" + x.ID }

func (ra riskActs) create() act[leadership.RiskInput, leadership.Risk] {
	return act[leadership.RiskInput, leadership.Risk]{Created: true, Do: with(ra.r.Create), Back: riskBack,
		Flash: "risk.flash.saved", Refused: ra.s.procRefused(ra.s.riskNewPage(ra.r))}
}

func (ra riskActs) edit() act[leadership.RiskUpdate, leadership.Risk] {
	return act[leadership.RiskUpdate, leadership.Risk]{NoAPI: true, Do: withParam("id", ra.r.Update), Back: riskBack,
		Flash: "risk.flash.saved", Refused: ra.s.procRefused(ra.s.riskPage(ra.r))}
}

func (ra riskActs) link() act[leadership.LinkInput, leadership.Link] {
	return act[leadership.LinkInput, leadership.Link]{Created: true, Do: withParam("id", ra.r.AddLink),
		Back:  func(c *gin.Context, _ leadership.Link) string { return "/risks/" + c.Param("id") + "#links" },
		Flash: "risk.flash.linked", Refused: ra.s.procRefused(ra.s.riskPage(ra.r))}
}

func (ra riskActs) accept() act[leadership.AcceptInput, leadership.Risk] {
	return act[leadership.AcceptInput, leadership.Risk]{Created: true, Do: withParam("id", ra.r.Accept), Back: riskBack,
		Flash: "risk.flash.accepted", Refused: ra.s.procRefused(ra.s.riskNewPage(ra.r))}
}

func (ra riskActs) dismiss() act[leadership.DismissInput, leadership.Suggestion] {
	return act[leadership.DismissInput, leadership.Suggestion]{Do: withParam("id", ra.r.Dismiss),
		Back:  func(*gin.Context, leadership.Suggestion) string { return "/risks#suggestions" },
		Flash: "risk.flash.dismissed", Refused: ra.s.procRefused(ra.s.risksPage(ra.r))}
}

// heatLabels are the heat map's words for the page's reader.
func (s *Server) heatLabels(c *gin.Context, kind string, residual bool) chart.HeatLabels {
	title := "risk.heat.title." + kind
	if residual {
		title += ".residual"
	}
	return chart.HeatLabels{Title: s.T(c, title), Likelihood: s.T(c, "risk.likelihood"), Impact: s.T(c, "risk.impact"),
		Cell: func(l, i, n int) string {
			return s.T(c, "risk.heat.cell."+kind, "L", l, "I", i, "N", n)
		}}
}

// heatCells are the cells of a map with entries, for the table beside it.
type heatCell struct{ Likelihood, Impact, Score, Count int }

func heatList(hm leadership.HeatMap) []heatCell {
	var out []heatCell
	for l := hm.Scale.Likelihood; l >= 1; l-- {
		for i := hm.Scale.Impact; i >= 1; i-- {
			if n := hm.Count(l, i); n > 0 {
				out = append(out, heatCell{l, i, leadership.Score(l, i), n})
			}
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Score > out[b].Score })
	return out
}

func (s *Server) risksPage(r *leadership.Risks) handlerFunc {
	return func(c *gin.Context) error {
		ctx := ctxOf(c)
		f := leadership.RiskFilter{Unit: c.Query("unit"), Kind: c.Query("kind"), Status: c.Query("status")}
		list, err := r.List(ctx, f)
		if err != nil {
			return err
		}
		due, err := r.Due(ctx)
		if err != nil {
			return err
		}
		residual, err := residualParam(c)
		if err != nil {
			return err
		}
		heat, err := r.HeatMap(ctx, leadership.KindRisk, residual)
		if err != nil {
			return err
		}
		opp, err := r.HeatMap(ctx, leadership.KindOpportunity, residual)
		if err != nil {
			return err
		}
		sugg, err := r.Suggestions(ctx)
		if err != nil {
			return err
		}
		can := r.Permissions(ctx)
		return s.procPage(c, "leadership/risks.html", "risk.title", map[string]any{
			"Items": list, "Due": due, "Suggestions": sugg, "CanManage": can.Manage, "CanDecide": can.Decide,
			"Filter": f, "Residual": residual, "Statuses": leadership.RiskStatuses,
			"Heat": chart.RiskHeat("risk-heat", heat, s.heatLabels(c, leadership.KindRisk, residual)), "HeatCells": heatList(heat), "HeatTotal": heat.Total,
			"Opp": chart.RiskHeat("opp-heat", opp, s.heatLabels(c, leadership.KindOpportunity, residual)), "OppCells": heatList(opp), "OppTotal": opp.Total,
		})
	}
}

// riskFormData is what the register's forms need: the values to show
// (those sent back after a refusal, or the defaults), the scales, the
// units the person keeps and the services to choose from.
func (s *Server) riskFormData(c *gin.Context, r *leadership.Risks, def map[string]string) map[string]any {
	vals := map[string]string{}
	for k, v := range def {
		vals[k] = v
	}
	for k, v := range c.Request.PostForm {
		if len(v) > 0 && k != "_csrf" {
			vals[k] = v[0]
		}
	}
	sc := r.Scale()
	levels := func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i + 1
		}
		return out
	}
	ctx := ctxOf(c)
	manage := r.ManageScope(ctx)
	var units []option
	_, names, _ := s.unitNames(c)
	for code, name := range names {
		if code != qms.AllUnits && manage.Has(code) {
			units = append(units, option{Value: code, Label: name})
		}
	}
	sort.Slice(units, func(i, j int) bool { return units[i].Label < units[j].Label })
	var services []option
	fields := map[string]bool{}
	var fieldList []string
	if procs, err := s.Process.Procedures(ctx); err == nil {
		for _, p := range procs {
			services = append(services, option{Value: p.Code, Label: p.NameVI})
			if !fields[p.Field] {
				fields[p.Field] = true
				fieldList = append(fieldList, p.Field)
			}
		}
	}
	sort.Strings(fieldList)
	return map[string]any{"F": vals, "Likelihoods": levels(sc.Likelihood), "Impacts": levels(sc.Impact), "Scale": sc,
		"ManageUnits": units, "Services": services, "Fields": fieldList, "Treatments": leadership.RiskTreatments,
		"Statuses": leadership.RiskStatuses, "LinkKinds": leadership.LinkKinds}
}

// riskValues are an entry's values as a form shows them.
func riskValues(x leadership.Risk) map[string]string {
	return map[string]string{"kind": x.Kind, "unit": x.Unit, "process_kind": x.ProcessKind, "process_code": x.ProcessCode, "title": x.Title,
		"description": x.Description, "cause": x.Cause, "consequence": x.Consequence,
		"likelihood": strconv.Itoa(x.Likelihood), "impact": strconv.Itoa(x.Impact),
		"residual_likelihood": strconv.Itoa(x.ResidualLikelihood), "residual_impact": strconv.Itoa(x.ResidualImpact),
		"treatment": x.Treatment, "treatment_note": x.TreatmentNote, "owner": x.Owner, "review_on": x.ReviewOn.String(),
		"status": x.Status, "version": strconv.Itoa(x.Version)}
}

func inputValues(in leadership.RiskInput) map[string]string {
	return riskValues(leadership.Risk{Kind: in.Kind, Unit: in.Unit, ProcessKind: in.ProcessKind, ProcessCode: in.ProcessCode, Title: in.Title,
		Description: in.Description, Cause: in.Cause, Consequence: in.Consequence, Likelihood: in.Likelihood, Impact: in.Impact,
		ResidualLikelihood: in.ResidualLikelihood, ResidualImpact: in.ResidualImpact, Treatment: in.Treatment, TreatmentNote: in.TreatmentNote,
		Owner: in.Owner, ReviewOn: in.ReviewOn, Status: in.Status})
}

// riskNewPage is the form adding an entry, or accepting the suggestion
// ?suggestion= (or the one whose accept form was refused), pre-filled from
// its trend.
func (s *Server) riskNewPage(r *leadership.Risks) handlerFunc {
	return func(c *gin.Context) error {
		ctx := ctxOf(c)
		sid := c.Query("suggestion")
		if c.Request.Method == http.MethodPost {
			sid = c.Param("id")
		}
		var sugg *leadership.Suggestion
		def := map[string]string{"kind": leadership.KindRisk, "process_kind": leadership.ProcessService, "likelihood": "1", "impact": "1",
			"residual_likelihood": "1", "residual_impact": "1", "treatment": "reduce", "status": leadership.RiskOpen,
			"review_on": r.Today().AddDays(90).String(), "unit": c.Query("unit")}
		if a, ok := qms.ActorFrom(ctx); ok {
			def["owner"] = a.Login
		}
		if sid != "" {
			list, err := r.Suggestions(ctx)
			if err != nil {
				return err
			}
			for i := range list {
				if list[i].ID == sid {
					sugg = &list[i]
				}
			}
			if sugg == nil {
				return qms.Errorf(qms.ErrNotFound, "no suggested risk %s", sid)
			}
			def = inputValues(sugg.Draft)
			if a, ok := qms.ActorFrom(ctx); ok {
				def["owner"] = a.Login
			}
		} else if !r.Permissions(ctx).Manage {
			return qms.Errorf(qms.ErrForbidden, "you may not keep the risks of any unit")
		}
		data := s.riskFormData(c, r, def)
		data["Suggestion"] = sugg
		return s.procPage(c, "leadership/risk_new.html", "risk.new.title", data)
	}
}

func (s *Server) riskPage(r *leadership.Risks) handlerFunc {
	return func(c *gin.Context) error {
		ctx := ctxOf(c)
		x, err := r.Get(ctx, c.Param("id"))
		if err != nil {
			return err
		}
		def := riskValues(x)
		if c.Request.Method == http.MethodPost && c.Request.PostForm.Get("target_id") != "" {
			// a refused link form: the edit form keeps the entry's values
			c.Request.PostForm = nil
		}
		data := s.riskFormData(c, r, def)
		data["R"] = x
		data["CanManage"] = r.CanManage(ctx, x.Unit)
		var months []leadership.MonthRate
		if x.ProcessKind == leadership.ProcessService {
			months, _ = r.ServiceTrend(ctx, x.Unit, x.ProcessCode)
		}
		data["Months"] = months
		return s.procPage(c, "leadership/risk.html", "risk.one.title", data)
	}
}

// riskTasks puts the risks whose review is due on the home page of who
// keeps them, worded in the reader's language.
func (s *Server) riskTasks(r *leadership.Risks) TaskSource {
	return func(ctx context.Context, a qms.Actor) ([]qms.Task, error) {
		list, err := r.DueFor(ctx, a)
		out := make([]qms.Task, 0, len(list))
		for _, x := range list {
			due := x.ReviewOn.In(s.Location)
			out = append(out, qms.Task{Kind: "risk", Link: "/risks/" + x.ID, Due: &due, Overdue: x.ReviewOn.Before(r.Today()),
				Title: s.trLang(a.Lang).T("risk.task.review", "Title", x.Title)})
		}
		return out, err
	}
}
