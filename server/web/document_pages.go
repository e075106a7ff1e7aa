package web

import (
	"errors"
	"net/http"
	"net/url"
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

func (s *Server) unitNames(c *gin.Context) ([]org.Unit, map[string]string, error) {
	units, err := s.Org.Units(c.Request.Context())
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{qms.AllUnits: s.T(c, "unit.all")}
	for _, u := range units {
		names[u.Code] = u.Name(c.GetString("lang"))
	}
	return units, names, nil
}

func (s *Server) handleDocRegisterPage(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		f, err := docFilter(c)
		if err != nil {
			fail(c, err)
			return
		}
		units, names, err := s.unitNames(c)
		if err != nil {
			fail(c, err)
			return
		}
		data := gin.H{"Filter": f, "Units": units, "UnitNames": names, "Types": document.Types,
			"Statuses": []string{"draft", "in_review", "approved", "effective", "obsolete"}, "Sorts": []string{"code", "title", "updated"},
			"CanCreate": !docs.CreateScope(c.Request.Context()).Empty()}
		p, err := docs.List(c.Request.Context(), f)
		status := http.StatusOK
		pg := s.page(c, "doc.register.title", data)
		if err != nil {
			if status, _ = statusOf(err); status == http.StatusInternalServerError {
				fail(c, err)
				return
			}
			pg.Error = s.errorText(c, err)
		}
		data["Items"] = p.Items
		// The labels of types and statuses, translated once per page
		// rather than once per row (each translation is a go-i18n lookup).
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
	}
}

func (s *Server) docNewData(c *gin.Context, docs *document.Service) (gin.H, error) {
	units, names, err := s.unitNames(c)
	if err != nil {
		return nil, err
	}
	var mine []org.Unit
	for _, u := range units {
		if docs.CanCreate(c.Request.Context(), u.Code) {
			mine = append(mine, u)
		}
	}
	return gin.H{"Units": mine, "AllUnits": units, "UnitNames": names, "Types": document.Types,
		"Roles": []string{"coordinator", "head", "author", "staff", "auditor"}, "Form": map[string]string{"review_months": "12"}}, nil
}

func (s *Server) handleDocNewPage(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		data, err := s.docNewData(c, docs)
		if err != nil {
			fail(c, err)
			return
		}
		if len(data["Units"].([]org.Unit)) == 0 {
			fail(c, qms.Errorf(qms.ErrForbidden, "you may not register documents"))
			return
		}
		s.render(c, http.StatusOK, "documents/new.html", s.page(c, "doc.new.title", data))
	}
}

// docForm reads the register fields of the create and edit forms.
func docForm(c *gin.Context) document.NewDocument {
	months := 12
	if v := strings.TrimSpace(c.PostForm("review_months")); v != "" {
		n, err := parseInt(v)
		if err != nil || n < -1 || n > 1000 {
			months = -1 // reported by the domain's validation
		} else {
			months = int(n)
		}
	}
	return document.NewDocument{Code: c.PostForm("code"), Title: c.PostForm("title"), Type: c.PostForm("type"),
		Unit: c.PostForm("unit"), Clauses: []string{c.PostForm("clauses")}, ReviewMonths: &months,
		Public: c.PostForm("public") != "", DistUnits: c.PostFormArray("dist_units"), DistRoles: c.PostFormArray("dist_roles")}
}

// docEditData fills the edit form with the document's register data.
func (s *Server) docEditData(c *gin.Context, docs *document.Service, d document.Document) (gin.H, error) {
	data, err := s.docNewData(c, docs)
	if err != nil {
		return nil, err
	}
	form := map[string]string{"code": d.Code, "title": d.Title, "type": d.Type, "unit": d.Unit,
		"clauses": strings.Join(d.Clauses, ", "), "review_months": strconv.Itoa(d.ReviewMonths)}
	if d.Public {
		form["public"] = "1"
	}
	data["Form"], data["Doc"], data["Edit"] = form, d, true
	data["Selected"] = map[string]bool{}
	for _, u := range d.DistUnits {
		data["Selected"].(map[string]bool)["u:"+u] = true
	}
	for _, r := range d.DistRoles {
		data["Selected"].(map[string]bool)["r:"+r] = true
	}
	return data, nil
}

func (s *Server) handleDocEditPage(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		d, err := docs.Get(c.Request.Context(), c.Param("id"))
		if err != nil {
			fail(c, err)
			return
		}
		if !docs.CanCreate(c.Request.Context(), d.Unit) {
			fail(c, qms.Errorf(qms.ErrForbidden, "you may not change this document's register data"))
			return
		}
		data, err := s.docEditData(c, docs, d)
		if err != nil {
			fail(c, err)
			return
		}
		s.render(c, http.StatusOK, "documents/new.html", s.page(c, "doc.edit.title", data))
	}
}

func (s *Server) handleDocEditForm(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		d, err := docs.Update(c.Request.Context(), c.Param("id"), docForm(c))
		if err == nil {
			c.Redirect(http.StatusSeeOther, "/documents/"+d.ID+"?ok="+url.QueryEscape(s.T(c, "doc.flash.updated")))
			return
		}
		if status, _ := statusOf(err); status == http.StatusInternalServerError || qms.KindOf(err) == qms.ErrNotFound {
			fail(c, err)
			return
		}
		cur, gerr := docs.Get(c.Request.Context(), c.Param("id"))
		if gerr != nil {
			fail(c, gerr)
			return
		}
		data, derr := s.docEditData(c, docs, cur)
		if derr != nil {
			fail(c, derr)
			return
		}
		p := s.page(c, "doc.edit.title", data)
		p.Error = s.errorText(c, err)
		status, _ := statusOf(err)
		s.render(c, status, "documents/new.html", p)
	}
}

func (s *Server) handleDocCreateForm(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		d, err := docs.Create(c.Request.Context(), docForm(c))
		if err == nil {
			c.Redirect(http.StatusSeeOther, "/documents/"+d.ID+"?ok="+url.QueryEscape(s.T(c, "doc.flash.created")))
			return
		}
		data, derr := s.docNewData(c, docs)
		if derr != nil {
			fail(c, derr)
			return
		}
		status, _ := statusOf(err)
		if status == http.StatusInternalServerError {
			fail(c, err)
			return
		}
		form := map[string]string{}
		for k, v := range c.Request.PostForm {
			if len(v) > 0 && k != "_csrf" {
				form[k] = v[0]
			}
		}
		data["Form"] = form
		p := s.page(c, "doc.new.title", data)
		p.Error = s.errorText(c, err)
		if ve := (*qms.ValidationError)(nil); errors.As(err, &ve) {
			data["Fields"] = qms.LocalizeFields(ve.Fields, s.translator(c.GetString("lang")))
		}
		s.render(c, status, "documents/new.html", p)
	}
}

// docPage renders the document page; formErr, when set, is the outcome of
// a form posted from it.
func (s *Server) docPage(c *gin.Context, docs *document.Service, id string, formErr error) {
	ctx := c.Request.Context()
	d, err := docs.Get(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	_, names, err := s.unitNames(c)
	if err != nil {
		fail(c, err)
		return
	}
	revs := make([]revView, 0, len(d.Revisions))
	var ackReport []unitGroup
	for _, r := range d.Revisions {
		v := newRevView(r)
		if v.Can[document.ActionAckReport] {
			acks, err := docs.Acks(ctx, r.ID)
			if err != nil {
				fail(c, err)
				return
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
			fail(c, err)
			return
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
	status := http.StatusOK
	if formErr != nil {
		if status, _ = statusOf(formErr); status == http.StatusInternalServerError {
			fail(c, formErr)
			return
		}
		p.Error = s.errorText(c, formErr)
	}
	s.render(c, status, "documents/show.html", p)
}

func (s *Server) handleDocPage(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) { s.docPage(c, docs, c.Param("id"), nil) }
}

// formDone answers a form posted from the document page: back to the page
// with a message, or the page again with the error.
func (s *Server) formDone(c *gin.Context, docs *document.Service, docID string, err error, okKey string) {
	if err != nil {
		if docID == "" || qms.KindOf(err) == qms.ErrNotFound {
			fail(c, err)
			return
		}
		s.docPage(c, docs, docID, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/documents/"+docID+"?ok="+url.QueryEscape(s.T(c, okKey)))
}

// revDocID finds the document of a revision the actor may see.
func revDocID(c *gin.Context, docs *document.Service) (string, error) {
	d, _, err := docs.Revision(c.Request.Context(), c.Param("id"))
	return d.ID, err
}

func (s *Server) handleRevCreateForm(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		fields, files, err := readDocUpload(c)
		if err == nil {
			_, err = docs.CreateRevision(c.Request.Context(), c.Param("id"), document.NewRevision{Change: fields["change"], Files: files})
		}
		s.formDone(c, docs, c.Param("id"), err, "doc.flash.revision")
	}
}

func (s *Server) handleRevFilesForm(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		docID, err := revDocID(c, docs)
		if err != nil {
			fail(c, err)
			return
		}
		_, files, err := readDocUpload(c)
		if err == nil {
			_, err = docs.AddFiles(c.Request.Context(), c.Param("id"), document.NewFiles{Files: files})
		}
		s.formDone(c, docs, docID, err, "doc.flash.files")
	}
}

func (s *Server) handleRevActForm(docs *document.Service, act string) gin.HandlerFunc {
	return func(c *gin.Context) {
		docID, err := revDocID(c, docs)
		if err != nil {
			fail(c, err)
			return
		}
		ctx, id, pw := c.Request.Context(), c.Param("id"), c.PostForm("password")
		switch act {
		case "submit":
			var logins []string
			for _, l := range c.PostFormArray("reviewers") {
				logins = append(logins, strings.Split(l, ",")...)
			}
			_, err = docs.Submit(ctx, id, logins)
		case "review":
			_, err = docs.Review(ctx, id, c.PostForm("decision"), c.PostForm("comment"), pw)
		case "approve":
			_, err = docs.Approve(ctx, id, pw)
		case "publish":
			_, err = docs.Publish(ctx, id, pw, c.PostForm("effective_at"))
		case "acknowledge":
			err = docs.Acknowledge(ctx, id)
		case "discard":
			_, err = docs.Discard(ctx, id, c.PostForm("reason"))
		}
		s.formDone(c, docs, docID, err, "doc.flash."+act)
	}
}

func (s *Server) handleDocActForm(docs *document.Service, act string) gin.HandlerFunc {
	return func(c *gin.Context) {
		var err error
		switch act {
		case "withdraw":
			_, err = docs.Withdraw(c.Request.Context(), c.Param("id"), c.PostForm("reason"))
		case "confirm_review":
			_, err = docs.ConfirmReview(c.Request.Context(), c.Param("id"), c.PostForm("comment"))
		}
		s.formDone(c, docs, c.Param("id"), err, "doc.flash."+act)
	}
}

// publicUnit is one unit's part of the public register.
type publicUnit struct {
	Unit    string
	Name    string
	Entries []document.PublicEntry
}

func (s *Server) handlePublicPage(docs *document.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		list, err := docs.PublicList(c.Request.Context())
		if err != nil {
			fail(c, err)
			return
		}
		var groups []publicUnit
		for _, e := range list {
			name := e.UnitNameVI
			if c.GetString("lang") == "en" {
				name = e.UnitNameEN
			}
			if len(groups) == 0 || groups[len(groups)-1].Unit != e.Unit {
				groups = append(groups, publicUnit{Unit: e.Unit, Name: name})
			}
			g := &groups[len(groups)-1]
			g.Entries = append(g.Entries, e)
		}
		s.render(c, http.StatusOK, "public/index.html", s.page(c, "doc.public.title", gin.H{"Groups": groups}))
	}
}
