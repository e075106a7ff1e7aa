package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/org"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/record"
)

// recordUnitNames returns the units and their names in the request's language.
func (s *Server) recordUnitNames(c *gin.Context) ([]org.Unit, map[string]string, error) {
	units, err := s.Org.Units(c.Request.Context())
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	for _, u := range units {
		if c.GetString("lang") == "en" {
			names[u.Code] = u.NameEN
		} else {
			names[u.Code] = u.NameVI
		}
	}
	return units, names, nil
}

// pageError turns a user error into a message on the page (with its status)
// and reports whether the error was internal (already failed).
func pageError(c *gin.Context, pg *Page, err error) (int, bool) {
	status, _ := statusOf(err)
	if status == http.StatusInternalServerError {
		fail(c, err)
		return status, true
	}
	pg.Error = pg.errorText(err)
	return status, false
}

func (s *Server) handleRecordsPage(recs *record.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		f, err := recordFilter(c)
		if err != nil {
			fail(c, err)
			return
		}
		units, names, err := s.recordUnitNames(c)
		if err != nil {
			fail(c, err)
			return
		}
		types, err := recs.Types(ctx)
		if err != nil {
			fail(c, err)
			return
		}
		var mine []org.Unit
		for _, u := range units {
			if s.can(c, u.Code, "record", "create") {
				mine = append(mine, u)
			}
		}
		typeNames := map[string]string{}
		for _, t := range types {
			typeNames[t.Code] = t.Name(c.GetString("lang"))
		}
		due := c.Query("due") == "1"
		data := gin.H{"Filter": f, "Units": units, "UnitNames": names, "Types": types, "CreateUnits": mine, "Due": due,
			"CanDispose": !s.scope(c, "record", "dispose").Empty(), "Today": s.Now().In(s.Location).Format("2006-01-02"),
			"CanTypes": s.can(c, qms.AllUnits, "record", "types"), "TypeNames": typeNames}
		pg := s.page(c, "records.title", data)
		status := http.StatusOK
		if v, ok := c.Get("form_error"); ok {
			var internal bool
			if status, internal = pageError(c, pg, v.(error)); internal {
				return
			}
		}
		var items []record.Record
		if due {
			items, err = recs.DueForDisposition(ctx)
		} else {
			items, err = recs.List(ctx, f)
		}
		if err != nil {
			var internal bool
			if status, internal = pageError(c, pg, err); internal {
				return
			}
		}
		data["Items"] = items
		s.render(c, status, "records/index.html", pg)
	}
}

func (s *Server) recordPage(c *gin.Context, recs *record.Service, id string, status int, formErr error) {
	r, err := recs.Get(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	_, names, err := s.recordUnitNames(c)
	if err != nil {
		fail(c, err)
		return
	}
	types, err := recs.Types(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	typeNames := map[string]string{}
	for _, t := range types {
		typeNames[t.Code] = t.Name(c.GetString("lang"))
	}
	now := s.Now()
	data := gin.H{"R": r, "UnitNames": names, "TypeNames": typeNames, "Due": r.Due(now),
		"CanCorrect": r.Status == record.StatusActive && s.can(c, r.Unit, "record", "create"),
		"CanHold":    r.Status == record.StatusActive && s.can(c, r.Unit, "record", "hold"),
		"CanDispose": r.Due(now) && s.can(c, r.Unit, "record", "dispose")}
	pg := s.page(c, "records.record", data)
	if formErr != nil {
		if _, internal := pageError(c, pg, formErr); internal {
			return
		}
	}
	s.render(c, status, "records/show.html", pg)
}

func (s *Server) handleRecordPage(recs *record.Service) gin.HandlerFunc {
	return func(c *gin.Context) { s.recordPage(c, recs, c.Param("id"), http.StatusOK, nil) }
}

func (s *Server) recordDone(c *gin.Context, recs *record.Service, id string, err error, okKey string) {
	if err == nil {
		c.Redirect(http.StatusSeeOther, "/records/"+id+"?ok="+url.QueryEscape(s.T(c, okKey)))
		return
	}
	status, _ := statusOf(err)
	if qms.KindOf(err) == qms.ErrNotFound {
		fail(c, err)
		return
	}
	s.recordPage(c, recs, id, status, err)
}

func (s *Server) handleRecordCreateForm(recs *record.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		r, err := createRecord(c, recs)
		if err == nil {
			c.Redirect(http.StatusSeeOther, "/records/"+r.ID+"?ok="+url.QueryEscape(s.T(c, "records.flash.created")))
			return
		}
		c.Request.URL.RawQuery = ""
		units, names, uerr := s.recordUnitNames(c)
		types, terr := recs.Types(c.Request.Context())
		if uerr != nil || terr != nil {
			fail(c, err)
			return
		}
		var mine []org.Unit
		for _, u := range units {
			if s.can(c, u.Code, "record", "create") {
				mine = append(mine, u)
			}
		}
		items, _ := recs.List(c.Request.Context(), record.Filter{})
		typeNames := map[string]string{}
		for _, t := range types {
			typeNames[t.Code] = t.Name(c.GetString("lang"))
		}
		data := gin.H{"Filter": record.Filter{}, "Units": units, "UnitNames": names, "Types": types, "CreateUnits": mine, "Items": items, "TypeNames": typeNames,
			"CanDispose": !s.scope(c, "record", "dispose").Empty(), "Today": s.Now().In(s.Location).Format("2006-01-02")}
		pg := s.page(c, "records.title", data)
		status, internal := pageError(c, pg, err)
		if internal {
			return
		}
		s.render(c, status, "records/index.html", pg)
	}
}

func (s *Server) handleRecordVersionForm(recs *record.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		_, err := addRecordVersion(c, recs)
		s.recordDone(c, recs, c.Param("id"), err, "records.flash.corrected")
	}
}

func (s *Server) handleRecordHoldForm(recs *record.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		_, err := recs.SetHold(c.Request.Context(), c.Param("id"), c.PostForm("on") == "1", c.PostForm("reason"))
		key := "records.flash.held"
		if c.PostForm("on") != "1" {
			key = "records.flash.released"
		}
		s.recordDone(c, recs, c.Param("id"), err, key)
	}
}

func (s *Server) handleRecordDisposeForm(recs *record.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		_, err := recs.Dispose(c.Request.Context(), c.Param("id"), c.PostForm("reason"), c.PostForm("password"))
		s.recordDone(c, recs, c.Param("id"), err, "records.flash.disposed")
	}
}

// handleRecordTypeForm creates or changes a record type from the records page.
func (s *Server) handleRecordTypeForm(recs *record.Service) gin.HandlerFunc {
	return func(c *gin.Context) {
		t := record.Type{Code: c.PostForm("code"), NameVI: c.PostForm("name_vi"), NameEN: c.PostForm("name_en"), Mode: c.PostForm("mode")}
		if v := strings.TrimSpace(c.PostForm("retention_years")); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				n = -1 // reported by the domain's validation
			}
			t.RetentionYears = &n
		}
		_, err := recs.SaveType(c.Request.Context(), t)
		if err == nil {
			c.Redirect(http.StatusSeeOther, "/records?ok="+url.QueryEscape(s.T(c, "records.flash.type_saved"))+"#rec-types")
			return
		}
		if status, _ := statusOf(err); status == http.StatusInternalServerError {
			fail(c, err)
			return
		}
		// Show the records page again with the message.
		c.Request.URL.RawQuery = ""
		c.Set("form_error", err)
		s.handleRecordsPage(recs)(c)
	}
}
