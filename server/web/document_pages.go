package web

import (
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/document"
	"github.com/qmstrack/qmstrack/server/org"
	"github.com/qmstrack/qmstrack/server/qms"
)

// revView is a revision as the document page shows it: the sign-off block
// drawn from its live signatures, and the actions as a set.
type revView struct {
	document.Revision
	Reviewed  []qms.Signature
	Approved  *qms.Signature
	Published *qms.Signature
	Can       map[string]bool
}

func newRevView(r document.Revision) revView {
	v := revView{Revision: r, Can: map[string]bool{}}
	for _, a := range r.Actions {
		v.Can[a] = true
	}
	for i := range r.Signatures {
		sg := r.Signatures[i]
		if sg.VoidedAt != nil {
			continue
		}
		switch sg.Meaning {
		case document.MeaningReviewed:
			v.Reviewed = append(v.Reviewed, sg)
		case document.MeaningApproved:
			v.Approved = &r.Signatures[i]
		case document.MeaningPublished:
			v.Published = &r.Signatures[i]
		}
	}
	return v
}

// unitGroup is the acknowledgement report of one unit.
type unitGroup struct {
	Unit    string
	Acked   []document.Ack
	Pending []document.Ack
}

func groupAcks(acks []document.Ack) []unitGroup {
	by := map[string]*unitGroup{}
	for _, a := range acks {
		units := a.Units
		if len(units) == 0 {
			units = []string{"—"}
		}
		for _, u := range units {
			g := by[u]
			if g == nil {
				g = &unitGroup{Unit: u}
				by[u] = g
			}
			if a.AckedAt != nil {
				g.Acked = append(g.Acked, a)
			} else {
				g.Pending = append(g.Pending, a)
			}
		}
	}
	out := []unitGroup{}
	for _, g := range by {
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Unit < out[j].Unit })
	return out
}

// unitNamesKey keeps, for one request, the units and their names in the
// request's language: a page asks for them from its handler, its charts and
// its templates (Page.Unit), and reads them once. Callers must not change
// the map.
const unitNamesKey = "qms.unitNames"

type unitNamesMemo struct {
	units []org.Unit
	names map[string]string
}

func (s *Server) unitNames(c *gin.Context) ([]org.Unit, map[string]string, error) {
	if v, ok := c.Get(unitNamesKey); ok {
		m := v.(unitNamesMemo)
		return m.units, m.names, nil
	}
	units, err := s.Org.Units(c.Request.Context())
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{qms.AllUnits: s.T(c, "unit.all")}
	for _, u := range units {
		names[u.Code] = u.Name(c.GetString("lang"))
	}
	c.Set(unitNamesKey, unitNamesMemo{units: units, names: names})
	return units, names, nil
}

func (s *Server) handleDocRegisterPage(docs *document.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		f, err := docFilter(c)
		if err != nil {
			return err
		}
		units, names, err := s.unitNames(c)
		if err != nil {
			return err
		}
		data := gin.H{"Filter": f, "Units": units, "UnitNames": names, "Types": document.Types,
			"Statuses": []string{"draft", "in_review", "approved", "effective", "obsolete"}, "Sorts": []string{"code", "title", "updated", "relevance"},
			"CanCreate": !docs.CreateScope(ctxOf(c)).Empty()}
		p, err := docs.List(ctxOf(c), f)
		status := http.StatusOK
		pg := s.page(c, "doc.register.title", data)
		if err != nil {
			if status, _ = statusOf(err); status == http.StatusInternalServerError {
				return err
			}
			pg.Error = s.errorText(c, err)
		}
		data["Items"] = p.Items
		// The labels of types and statuses, translated once per page
		// rather than once per row (each translation is a catalog lookup).
		labels := map[string]string{}
		for _, t := range document.Types {
			labels["type."+t] = s.T(c, "doc.type."+t)
		}
		for _, st := range []string{"draft", "in_review", "approved", "effective", "superseded", "obsolete"} {
			labels["status."+st] = s.T(c, "doc.status."+st)
		}
		labels["overdue"] = s.T(c, "doc.overdue")
		data["Labels"] = labels
		data["Rows"] = registerRows(p.Items, labels, names, s.Location)
		if p.NextCursor != "" {
			q := c.Request.URL.Query()
			q.Set("cursor", p.NextCursor)
			data["Next"] = "/documents?" + q.Encode()
		}
		if f.Cursor != "" {
			q := c.Request.URL.Query()
			q.Del("cursor")
			data["First"] = "/documents?" + q.Encode()
		}
		s.render(c, status, "documents/index.html", pg)
		return nil
	})
}

// docFormData is what the register form needs: the units where the reader
// may register documents, every unit for the distribution, types and roles.
func (s *Server) docFormData(c *gin.Context, docs *document.Service) (gin.H, error) {
	units, names, err := s.unitNames(c)
	if err != nil {
		return nil, err
	}
	var mine []org.Unit
	for _, u := range units {
		if docs.CanCreate(ctxOf(c), u.Code) {
			mine = append(mine, u)
		}
	}
	// the form lists only the units where the user may register a
	// document, and starts on the first of them (their own unit when they
	// act in one): a choice the submit would refuse is never offered
	form := map[string]string{"review_months": "12"}
	if len(mine) > 0 {
		form["unit"] = mine[0].Code
	}
	return gin.H{"Units": mine, "FormUnits": mine, "AllUnits": units, "UnitNames": names, "Types": document.Types,
		"Roles": []string{"coordinator", "head", "author", "staff", "auditor"}, "Form": form}, nil
}

func (s *Server) handleDocNewPage(docs *document.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		data, err := s.docFormData(c, docs)
		if err != nil {
			return err
		}
		if len(data["Units"].([]org.Unit)) == 0 {
			return qms.Errorf(qms.ErrForbidden, "you may not register documents")
		}
		s.render(c, http.StatusOK, "documents/new.html", s.page(c, "doc.new.title", data))
		return nil
	})
}

// renderDocNew shows the register form again with what was posted and the
// refusal, each field's problem next to it.
func (s *Server) renderDocNew(c *gin.Context, status int, refusal error) error {
	data, err := s.docFormData(c, s.Documents)
	if err != nil {
		return err
	}
	form := map[string]string{}
	for k, v := range c.Request.PostForm {
		if len(v) > 0 && k != "_csrf" {
			form[k] = v[0]
		}
	}
	data["Form"] = form
	p := s.page(c, "doc.new.title", data)
	p.Error = s.errorText(c, refusal)
	if ve := (*qms.ValidationError)(nil); errors.As(refusal, &ve) {
		data["Fields"] = qms.LocalizeFields(ve.Fields, s.translator(c.GetString("lang")))
	}
	s.render(c, status, "documents/new.html", p)
	return nil
}

// docEditData fills the register form with the document's register data.
func (s *Server) docEditData(c *gin.Context, docs *document.Service, d document.Document) (gin.H, error) {
	data, err := s.docFormData(c, docs)
	if err != nil {
		return nil, err
	}
	data["FormUnits"] = data["AllUnits"] // the unit is shown, not changed
	form := map[string]string{"code": d.Code, "title": d.Title, "type": d.Type, "unit": d.Unit,
		"clauses": strings.Join(d.Clauses, ", "), "review_months": strconv.Itoa(d.ReviewMonths)}
	if d.Public {
		form["public"] = "1"
	}
	selected := map[string]bool{}
	for _, u := range d.DistUnits {
		selected["u:"+u] = true
	}
	for _, r := range d.DistRoles {
		selected["r:"+r] = true
	}
	data["Form"], data["Doc"], data["Edit"], data["Selected"] = form, d, true, selected
	return data, nil
}

// renderDocEdit shows the edit form of the document :id, with the refusal
// of an edit when there is one.
func (s *Server) renderDocEdit(c *gin.Context, status int, refusal error) error {
	docs := s.Documents
	d, err := docs.Get(ctxOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	if refusal == nil && !docs.CanCreate(ctxOf(c), d.Unit) {
		return qms.Errorf(qms.ErrForbidden, "you may not change this document's register data")
	}
	data, err := s.docEditData(c, docs, d)
	if err != nil {
		return err
	}
	p := s.page(c, "doc.edit.title", data)
	if refusal != nil {
		p.Error = s.errorText(c, refusal)
	}
	s.render(c, status, "documents/new.html", p)
	return nil
}

func (s *Server) handleDocEditPage() gin.HandlerFunc {
	return h(func(c *gin.Context) error { return s.renderDocEdit(c, http.StatusOK, nil) })
}

// renderDocPage renders the document page; refusal, when set, is why a
// form posted from it was refused, shown with its status.
func (s *Server) renderDocPage(c *gin.Context, docs *document.Service, id string, status int, refusal error) error {
	ctx := ctxOf(c)
	d, err := docs.Get(ctx, id)
	if err != nil {
		return err
	}
	_, names, err := s.unitNames(c)
	if err != nil {
		return err
	}
	revs := make([]revView, 0, len(d.Revisions))
	var ackReport []unitGroup
	for _, r := range d.Revisions {
		v := newRevView(r)
		if v.Can[document.ActionAckReport] {
			acks, err := docs.Acks(ctx, r.ID)
			if err != nil {
				return err
			}
			ackReport = groupAcks(acks)
		}
		revs = append(revs, v)
	}
	var reviewers []gin.H
	me := actor(c).UserID
	for _, r := range revs {
		if !r.Can[document.ActionSubmit] {
			continue
		}
		users, err := s.Identity.ListUsers(ctx)
		if err != nil {
			return err
		}
		for _, u := range users {
			if u.ID != me && u.Status == "active" && docs.Reviewable(u.ID, d.Unit) {
				reviewers = append(reviewers, gin.H{"Login": u.Login, "Name": u.Name})
			}
		}
	}
	actions := map[string]bool{}
	for _, a := range docs.DocActions(ctx, d) {
		actions[a] = true
	}
	data := gin.H{"Doc": d, "Revisions": revs, "Actions": actions, "UnitNames": names, "Reviewers": reviewers,
		"CanTrail":  s.can(c, d.Unit, "trail", "read"),
		"AckReport": ackReport, "MaxUpload": docs.MaxUpload(), "Today": s.Now().In(s.Location).Format("2006-01-02")}
	p := s.page(c, "doc.show.title", data)
	p.Title = d.Code
	if refusal != nil {
		p.Error = s.errorText(c, refusal)
	}
	s.render(c, status, "documents/show.html", p)
	return nil
}

func (s *Server) handleDocPage(docs *document.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error { return s.renderDocPage(c, docs, c.Param("id"), http.StatusOK, nil) })
}

// publicUnit is one unit's part of the public register.
type publicUnit struct {
	Unit    string
	Name    string
	Entries []document.PublicEntry
}
