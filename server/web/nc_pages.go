package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/nonconformity"
	"github.com/qmstrack/qmstrack/server/org"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/trail"
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

// ncBack redirects a form post to the NC page with a flash message.
func (s *Server) ncBack(c *gin.Context, ncID, anchor, msgID string) {
	u := "/ncs/" + ncID + "?ok=" + url.QueryEscape(s.T(c, msgID))
	if anchor != "" {
		u += "#" + anchor
	}
	c.Redirect(http.StatusSeeOther, u)
}

func (s *Server) handleNCRegisterPage(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, err := ncFilter(c)
		if err != nil {
			fail(c, err)
			return
		}
		if f.Limit == 0 {
			f.Limit = 100
		}
		items, err := ncs.List(c.Request.Context(), f)
		if err != nil {
			fail(c, err)
			return
		}
		o, err := s.ncOrg(c.Request.Context(), c.GetString("lang"))
		if err != nil {
			fail(c, err)
			return
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
			"CanReport": !s.scope(c, "nc", "report").Empty(),
		}))
	}
}

func (s *Server) handleNCNewPage() gin.HandlerFunc {
	return func(c *gin.Context) { s.renderNCNew(c, http.StatusOK, "") }
}

// renderNCNew renders the form to report an NC, with the reason of a
// refused attempt when errMsg is set.
func (s *Server) renderNCNew(c *gin.Context, status int, errMsg string) {
	o, err := s.ncOrg(c.Request.Context(), c.GetString("lang"))
	if err != nil {
		fail(c, err)
		return
	}
	sc := s.scope(c, "nc", "report")
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
	p.Error = errMsg
	s.render(c, status, "ncs/new.html", p)
}

func ncTodayISO(s *Server) string { return s.Now().In(s.Location).Format("2006-01-02") }

func (s *Server) handleNCCreateForm(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		in, err := readNCCreate(c)
		if err != nil {
			fail(c, err)
			return
		}
		nc, err := ncs.Create(c.Request.Context(), in)
		if err != nil {
			switch qms.KindOf(err) {
			case qms.ErrInvalid, qms.ErrForbidden, qms.ErrTooLarge:
				status, _ := statusOf(err)
				s.renderNCNew(c, status, s.ncErrorText(c, err))
			default:
				fail(c, err)
			}
			return
		}
		s.ncBack(c, nc.ID, "", "nc.flash.created")
	}
}

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
	return func(c *gin.Context) { s.renderNCPage(c, ncs, c.Param("id"), http.StatusOK, "") }
}

// renderNCPage renders the NC page; errMsg, when set, says why a form act
// was refused, shown above the page with the given status.
func (s *Server) renderNCPage(c *gin.Context, ncs *nonconformity.Service, id string, status int, errMsg string) {
	ctx := c.Request.Context()
	d, err := ncDetailOf(ctx, ncs, id)
	if err != nil {
		fail(c, err)
		return
	}
	es, err := ncs.Timeline(ctx, d.NC)
	if err != nil {
		fail(c, err)
		return
	}
	o, err := s.ncOrg(ctx, c.GetString("lang"))
	if err != nil {
		fail(c, err)
		return
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
	if errMsg != "" {
		p.Error, p.Flash = errMsg, ""
	}
	s.render(c, status, "ncs/show.html", p)
}

// ncErrorText is the reason a form act was refused, with the fields named
// in the page's language.
func (s *Server) ncErrorText(c *gin.Context, err error) string {
	var ve *qms.ValidationError
	if errors.As(err, &ve) {
		keys := make([]string, 0, len(ve.Fields))
		for k := range ve.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, 0, len(keys))
		for _, k := range keys {
			label := s.T(c, "nc.field."+k)
			if label == "nc.field."+k {
				label = k
			}
			parts = append(parts, label+": "+s.ncMsg(c.GetString("lang"), ve.Fields[k].String()))
		}
		return s.T(c, "error.invalid") + ". " + strings.Join(parts, "; ")
	}
	return s.ncMsg(c.GetString("lang"), qms.Message(err))
}

// ncFormFail shows a refused act on the NC page itself, so the person sees
// the reason next to the form; errors that are not a refusal (not found,
// signed out, internal) go to the error page.
func (s *Server) ncFormFail(c *gin.Context, ncs *nonconformity.Service, ncID string, err error) {
	switch qms.KindOf(err) {
	case qms.ErrInvalid, qms.ErrState, qms.ErrForbidden, qms.ErrConflict, qms.ErrTooLarge:
		if ncID != "" {
			status, _ := statusOf(err)
			s.renderNCPage(c, ncs, ncID, status, s.ncErrorText(c, err))
			return
		}
	}
	fail(c, err)
}

// actionFail is ncFormFail for an act on an action.
func (s *Server) actionFail(c *gin.Context, ncs *nonconformity.Service, err error) {
	ncID, _ := ncs.NCOfAction(c.Request.Context(), c.Param("id"))
	s.ncFormFail(c, ncs, ncID, err)
}

func (s *Server) handleNCContainmentForm(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		on, err := parseDay("on", c.PostForm("on"))
		if err != nil {
			s.ncFormFail(c, ncs, c.Param("id"), err)
			return
		}
		nc, err := ncs.RecordContainment(c.Request.Context(), c.Param("id"), nonconformity.Containment{
			Text: c.PostForm("text"), By: c.PostForm("by"), On: on})
		if err != nil {
			s.ncFormFail(c, ncs, c.Param("id"), err)
			return
		}
		s.ncBack(c, nc.ID, "containment", "nc.flash.saved")
	}
}

func (s *Server) handleNCCauseForm(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		nc, err := ncs.RecordCause(c.Request.Context(), c.Param("id"), nonconformity.Cause{
			Whys: c.PostFormArray("why"), Categories: c.PostFormArray("category"), Summary: c.PostForm("summary")})
		if err != nil {
			s.ncFormFail(c, ncs, c.Param("id"), err)
			return
		}
		s.ncBack(c, nc.ID, "cause", "nc.flash.saved")
	}
}

func (s *Server) handleNCActionForm(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		// The form's owner select carries "unit|user" so one list serves every unit.
		unit, owner := c.PostForm("unit"), c.PostForm("owner")
		if u, o, ok := strings.Cut(owner, "|"); ok {
			if unit == "" {
				unit = u
			}
			owner = o
		}
		in, err := s.newAction(c.Request.Context(), actionReq{Unit: unit, Owner: owner, Verifier: c.PostForm("verifier"),
			Description: c.PostForm("description"), Due: c.PostForm("due"), VerifyAfter: c.PostForm("verify_after")})
		if err != nil {
			s.ncFormFail(c, ncs, c.Param("id"), err)
			return
		}
		nc, act, err := ncs.AddAction(c.Request.Context(), c.Param("id"), in)
		if err != nil {
			s.ncFormFail(c, ncs, c.Param("id"), err)
			return
		}
		s.ncBack(c, nc.ID, "action-"+act.ID, "nc.flash.action")
	}
}

func (s *Server) handleNCCancelForm(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		nc, err := ncs.Cancel(c.Request.Context(), c.Param("id"), c.PostForm("reason"))
		if err != nil {
			s.ncFormFail(c, ncs, c.Param("id"), err)
			return
		}
		s.ncBack(c, nc.ID, "", "nc.flash.cancelled")
	}
}

func (s *Server) handleActionStartForm(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		nc, err := ncs.Start(c.Request.Context(), c.Param("id"))
		if err != nil {
			s.actionFail(c, ncs, err)
			return
		}
		s.ncBack(c, nc.ID, "action-"+c.Param("id"), "nc.flash.saved")
	}
}

func (s *Server) handleActionDoneForm(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		fields, files, err := readMultipart(c, "file")
		if err != nil {
			s.actionFail(c, ncs, err)
			return
		}
		nc, err := ncs.Done(c.Request.Context(), c.Param("id"), first(fields, "report"), files)
		if err != nil {
			s.actionFail(c, ncs, err)
			return
		}
		s.ncBack(c, nc.ID, "action-"+c.Param("id"), "nc.flash.done")
	}
}

func (s *Server) handleActionSignoffForm(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		nc, err := ncs.SignOff(c.Request.Context(), c.Param("id"), c.PostForm("password"))
		if err != nil {
			s.actionFail(c, ncs, err)
			return
		}
		s.ncBack(c, nc.ID, "action-"+c.Param("id"), "nc.flash.signedoff")
	}
}

func (s *Server) handleActionVerifyForm(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		in, err := readVerification(c)
		if err != nil {
			s.actionFail(c, ncs, err)
			return
		}
		nc, err := ncs.Verify(c.Request.Context(), c.Param("id"), in)
		if err != nil {
			s.actionFail(c, ncs, err)
			return
		}
		s.ncBack(c, nc.ID, "action-"+c.Param("id"), "nc.flash.verified")
	}
}

func (s *Server) handleActionReverifyForm(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		in, err := readReverification(c)
		if err != nil {
			s.actionFail(c, ncs, err)
			return
		}
		nc, err := ncs.Reverify(c.Request.Context(), c.Param("id"), in)
		if err != nil {
			s.actionFail(c, ncs, err)
			return
		}
		s.ncBack(c, nc.ID, "action-"+c.Param("id"), "nc.flash.reopened")
	}
}

func (s *Server) handleNCScorecardPage(ncs *nonconformity.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		sc, err := ncs.Scorecard(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		o, err := s.ncOrg(c.Request.Context(), c.GetString("lang"))
		if err != nil {
			fail(c, err)
			return
		}
		label := func(cat string) string { return s.T(c, "nc.cause."+cat) }
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
			"Pareto": paretoSVG(sc.Causes, label, s.T(c, "nc.chart.pareto"), s.T(c, "nc.chart.empty")),
			"Trend":  trendSVG(sc.Monthly, s.T(c, "nc.chart.opened"), s.T(c, "nc.chart.closed"), s.T(c, "nc.chart.trend")),
		}))
	}
}
