package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/org"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
	"github.com/qmstrack/qmstrack/server/web/chart"
)

// ncPerson is someone who may own an action in a unit.
type ncPerson struct {
	ID, Login, Name string
}

// ncOrg is what the NC forms need about the organisation.
type ncOrg struct {
	Units  []org.Unit
	Names  map[string]string     // unit code -> name in the page's language
	People map[string][]ncPerson // unit -> people who may carry out actions there
}

func (s *Server) ncOrg(ctx context.Context, lang string) (ncOrg, error) {
	o := ncOrg{Names: map[string]string{}, People: map[string][]ncPerson{}}
	units, err := s.Org.Units(ctx)
	if err != nil {
		return o, err
	}
	o.Units = units
	for _, u := range units {
		o.Names[u.Code] = u.Name(lang)
	}
	users, err := s.Identity.ListUsers(ctx)
	if err != nil {
		return o, err
	}
	names := map[string]string{}
	for _, u := range users {
		if u.Status == "active" {
			names[u.ID] = u.Name
		}
	}
	as, err := s.Org.Assignments(ctx, "")
	if err != nil {
		return o, err
	}
	seen := map[string]bool{}
	for _, a := range as {
		if a.Unit == "*" || names[a.UserID] == "" || (a.Role != "staff" && a.Role != "author" && a.Role != "head") {
			continue
		}
		if k := a.Unit + "/" + a.UserID; !seen[k] {
			seen[k] = true
			o.People[a.Unit] = append(o.People[a.Unit], ncPerson{ID: a.UserID, Login: a.Login, Name: names[a.UserID]})
		}
	}
	for u := range o.People {
		sort.Slice(o.People[u], func(i, j int) bool { return o.People[u][i].Name < o.People[u][j].Name })
	}
	return o, nil
}

func (s *Server) handleNCRegisterPage(ncs *nonconformity.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		f, err := ncFilter(c)
		if err != nil {
			return err
		}
		items, err := ncs.List(c.Request.Context(), f)
		if err != nil {
			return err
		}
		o, err := s.ncOrg(c.Request.Context(), c.GetString("lang"))
		if err != nil {
			return err
		}
		next := ""
		if len(items) == f.Limit {
			q := c.Request.URL.Query()
			q.Set("cursor", items[len(items)-1].Number)
			next = "/ncs?" + q.Encode()
		}
		exportQ := c.Request.URL.Query()
		exportQ.Del("cursor")
		s.render(c, http.StatusOK, "ncs/index.html", s.page(c, "nc.register.title", gin.H{
			"Items": items, "Filter": f, "Org": o, "Next": next, "ExportQuery": exportQ.Encode(),
			"Statuses": nonconformity.NCStatuses, "Severities": nonconformity.Severities, "Sources": nonconformity.Sources,
			"CanReport": !ncs.ReportScope(c.Request.Context()).Empty(),
		}))
		return nil
	})
}

func (s *Server) handleNCNewPage(ncs *nonconformity.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error { return s.renderNCNew(c, http.StatusOK, nil) })
}

// renderNCNew renders the form to report an NC, with the reason of a
// refused attempt when refusal is set.
func (s *Server) renderNCNew(c *gin.Context, status int, refusal error) error {
	o, err := s.ncOrg(c.Request.Context(), c.GetString("lang"))
	if err != nil {
		return err
	}
	sc := s.NCs.ReportScope(c.Request.Context())
	var units []org.Unit
	for _, u := range o.Units {
		if sc.Has(u.Code) {
			units = append(units, u)
		}
	}
	p := s.page(c, "nc.new.title", gin.H{
		"Units": units, "Org": o, "Severities": nonconformity.Severities, "Sources": nonconformity.Sources,
		"Today": ncTodayISO(s),
	})
	if refusal != nil {
		p.Error = s.refusalText(c, refusal)
	}
	s.render(c, status, "ncs/new.html", p)
	return nil
}

func ncTodayISO(s *Server) string { return s.Now().In(s.Location).Format("2006-01-02") }

// timelineItem is one line of an NC's history.
type timelineItem struct {
	Entry trail.Entry
	Label string
	Note  string
	No    int
}

func (s *Server) timeline(c *gin.Context, es []trail.Entry) []timelineItem {
	out := make([]timelineItem, 0, len(es))
	for _, e := range es {
		var d map[string]any
		_ = json.Unmarshal(e.Details, &d)
		it := timelineItem{Entry: e, Label: s.T(c, "nc.ev."+strings.ReplaceAll(e.Action, "_", "-"))}
		if n, ok := d["no"].(float64); ok {
			it.No = int(n)
		}
		for _, k := range []string{"text", "summary", "report", "comment", "reason", "description", "title"} {
			if v, ok := d[k].(string); ok && v != "" {
				it.Note = v
				break
			}
		}
		if m := entryMsg(e.Details, "title_msg"); m != nil {
			it.Note = s.views.cat.Msg(c.GetString("lang"), *m)
		}
		if to, ok := d["to"].(string); ok && it.Note == "" {
			it.Note = "→ " + s.T(c, "nc.status."+to)
		}
		if e.Action == "action.verify" {
			if eff, ok := d["effective"].(bool); ok {
				state := s.T(c, "nc.verify.noteffective")
				if eff {
					state = s.T(c, "nc.verify.effective")
				}
				it.Note = strings.TrimSpace(state + " " + it.Note)
			}
		}
		out = append(out, it)
	}
	return out
}

func (s *Server) handleNCPage(ncs *nonconformity.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error { return s.renderNCPage(c, ncs, c.Param("id"), http.StatusOK, nil) })
}

// renderNCPage renders the NC page; refusal, when set, says why a form act
// was refused, shown above the page with the given status.
func (s *Server) renderNCPage(c *gin.Context, ncs *nonconformity.Service, id string, status int, refusal error) error {
	ctx := c.Request.Context()
	d, err := ncDetailOf(ctx, ncs, id)
	if err != nil {
		return err
	}
	es, err := ncs.Timeline(ctx, d.NC)
	if err != nil {
		return err
	}
	o, err := s.ncOrg(ctx, c.GetString("lang"))
	if err != nil {
		return err
	}
	filesByAction := map[string][]nonconformity.File{}
	var ncFiles []nonconformity.File
	for _, f := range d.Files {
		if f.ActionID == "" {
			ncFiles = append(ncFiles, f)
		} else {
			filesByAction[f.ActionID] = append(filesByAction[f.ActionID], f)
		}
	}
	today := ncs.Today()
	overdue := map[string]bool{}
	for _, a := range d.Actions {
		overdue[a.ID] = a.OverdueOn(today)
	}
	var whys [5]string
	copy(whys[:], d.Whys)
	p := s.page(c, "nc.show.title", gin.H{
		"Whys": whys,
		"NC":   d.NC, "Similar": d.Similar, "Can": d.Permissions, "Timeline": s.timeline(c, es), "Org": o,
		"NCFiles": ncFiles, "ActionFiles": filesByAction, "Overdue": overdue, "Today": ncTodayISO(s),
		"CauseCategories": nonconformity.CauseCategories,
		"CanAddAction":    d.Permissions.Manage && d.NC.Status != nonconformity.StatusOpen,
	})
	if refusal != nil {
		p.Error, p.Flash = s.refusalText(c, refusal), ""
	}
	s.render(c, status, "ncs/show.html", p)
	return nil
}

// refusalText is the reason a form act was refused, for the form's page,
// with each field named by its label (nc.field.* holds the labels of the
// fields every form shares) or, without one, by its code.
func (s *Server) refusalText(c *gin.Context, err error) string {
	t := tr(c)
	var ve *qms.ValidationError
	if !errors.As(err, &ve) {
		return t.Err(err)
	}
	fields := s.views.cat.Fields(t.lang, ve.Fields)
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		label := t.T("nc.field." + k)
		if label == "nc.field."+k {
			label = k
		}
		parts = append(parts, label+": "+fields[k])
	}
	return t.T("error.invalid") + ". " + strings.Join(parts, "; ")
}

func (s *Server) handleNCScorecardPage(ncs *nonconformity.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		sc, err := ncs.Scorecard(c.Request.Context())
		if err != nil {
			return err
		}
		o, err := s.ncOrg(c.Request.Context(), c.GetString("lang"))
		if err != nil {
			return err
		}
		t := tr(c)
		bars := make([]chart.Bar, len(sc.Causes))
		for i, cc := range sc.Causes {
			bars[i] = chart.Bar{Key: cc.Category, Label: t.T("nc.cause." + cc.Category), Count: cc.Count, CumulativePct: cc.CumulativePct}
		}
		months := make([]chart.Month, len(sc.Monthly))
		for i, m := range sc.Monthly {
			months[i] = chart.Month{Month: m.Month, Opened: m.Opened, Closed: m.Closed}
		}
		type row struct {
			nonconformity.UnitScore
			Name, OnTime, Mean string
		}
		rows := make([]row, 0, len(sc.Units))
		for _, u := range sc.Units {
			r := row{UnitScore: u, Name: o.Names[u.Unit], OnTime: "—", Mean: "—"}
			if r.Name == "" {
				r.Name = u.Unit
			}
			if u.OnTimePct != nil {
				r.OnTime = fmt.Sprintf("%.0f%%", *u.OnTimePct)
			}
			if u.MeanDaysToClose != nil {
				r.Mean = fmt.Sprintf("%.1f", *u.MeanDaysToClose)
			}
			rows = append(rows, r)
		}
		s.render(c, http.StatusOK, "ncs/scorecard.html", s.page(c, "nc.scorecard.title", gin.H{
			"Score": sc, "Org": o, "Rows": rows,
			"Pareto": chart.Pareto("chart-pareto", t.T("nc.chart.pareto"), t.T("nc.chart.empty"), bars),
			"Trend":  chart.Trend("chart-trend", t.T("nc.chart.trend"), t.T("nc.chart.opened"), t.T("nc.chart.closed"), months),
		}))
		return nil
	})
}
