package web

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/org"
	"github.com/qmstrack/qmstrack/server/qms"
	"github.com/qmstrack/qmstrack/server/record"
)

// recordTypeNames names the record types in the page's language.
func recordTypeNames(c *gin.Context, recs *record.Service) ([]record.Type, map[string]string, error) {
	types, err := recs.Types(c.Request.Context())
	names := map[string]string{}
	for _, t := range types {
		names[t.Code] = t.Name(c.GetString("lang"))
	}
	return types, names, err
}

func (s *Server) handleRecordsPage(recs *record.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		f, err := recordFilter(c)
		if err != nil {
			return err
		}
		return s.renderRecordsPage(c, recs, f, http.StatusOK, nil)
	})
}

// renderRecordsPage renders the records list (the disposition list when
// f.DueOnly) with its forms, and the reason of a refused form when refusal
// is set. A list the filters make impossible is shown empty with the reason.
func (s *Server) renderRecordsPage(c *gin.Context, recs *record.Service, f record.Filter, status int, refusal error) error {
	units, names, err := s.unitNames(c)
	if err != nil {
		return err
	}
	types, typeNames, err := recordTypeNames(c, recs)
	if err != nil {
		return err
	}
	perm := recs.ListPermissionsOf(c.Request.Context())
	var fileIn []org.Unit
	for _, u := range units {
		if perm.File.Has(u.Code) {
			fileIn = append(fileIn, u)
		}
	}
	items, err := listRecords(c, recs, f)
	if err != nil {
		if st, _ := statusOf(err); st == http.StatusInternalServerError {
			return err
		} else if refusal == nil {
			status, refusal = st, err
		}
	}
	pg := s.page(c, "records.title", gin.H{"Filter": f, "Units": units, "UnitNames": names, "Types": types,
		"TypeNames": typeNames, "CreateUnits": fileIn, "Due": f.DueOnly, "Items": items, "Today": recs.Today().String(),
		"CanDispose": perm.Dispose, "CanTypes": perm.Types})
	if refusal != nil {
		pg.Error = pg.errorText(refusal)
	}
	s.render(c, status, "records/index.html", pg)
	return nil
}

func (s *Server) handleRecordPage(recs *record.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error { return s.renderRecordPage(c, recs, c.Param("id"), http.StatusOK, nil) })
}

// renderRecordPage renders one record with the forms the actor may use, and
// the reason of a refused form when refusal is set.
func (s *Server) renderRecordPage(c *gin.Context, recs *record.Service, id string, status int, refusal error) error {
	r, err := recs.Get(c.Request.Context(), id)
	if err != nil {
		return err
	}
	_, names, err := s.unitNames(c)
	if err != nil {
		return err
	}
	_, typeNames, err := recordTypeNames(c, recs)
	if err != nil {
		return err
	}
	perm := recs.PermissionsOf(c.Request.Context(), r)
	pg := s.page(c, "records.record", gin.H{"R": r, "UnitNames": names, "TypeNames": typeNames, "Due": r.Due(s.Now()),
		"CanCorrect": perm.Correct, "CanHold": perm.Hold, "CanDispose": perm.Dispose})
	if refusal != nil {
		pg.Error = pg.errorText(refusal)
	}
	s.render(c, status, "records/show.html", pg)
	return nil
}

// recordTasks puts on the home page, for those who dispose of records, the
// records whose retention has ended.
func recordTasks(s *Server, recs *record.Service) TaskSource {
	return func(ctx context.Context, a qms.Actor) ([]qms.Task, error) {
		if !recs.ListPermissionsOf(ctx).Dispose {
			return nil, nil
		}
		due, err := recs.DueForDisposition(ctx)
		if err != nil || len(due) == 0 {
			return nil, err
		}
		return []qms.Task{{Kind: "record_disposition", Link: "/records?due=1",
			Title: s.trLang(a.Lang).T("records.task.due", "Count", len(due))}}, nil
	}
}
