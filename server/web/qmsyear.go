package web

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/qms"
)

// The QMS year: closing a year carries its objectives, audit programme and
// open items into the next in one act (leadership/year.go).

// qmsYearRoutes: the API and the page of the QMS years.
func (s *Server) qmsYearRoutes() {
	y := s.Years
	api := s.apiGroup("process", false)
	ui := s.engine.Group("/ui", requireUser)
	api.GET("/qms-years", "The closed QMS years and what each carried into the next", items(y.ClosedYears))
	api.GET("/qms-years/:year", "One closed QMS year with every objective, audit and open item it carried", handleQMSYear(y))
	ya := yearActs{s, y}
	serve(api, ui, "/qms-years", "Close a QMS year and open the next in one act {year, targets: {objective id: new target}}: objectives, audit programme and open items carried; the closed year becomes read-only (chairman or coordinator)", ya.close())
	s.pages(s.engine.Group("/", requireUser), map[string]gin.HandlerFunc{
		"/qms-years": h(s.qmsYearsPage(y)),
	})
}

func handleQMSYear(y *leadership.Years) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		n, err := strconv.Atoi(c.Param("year"))
		if err != nil {
			return qms.Errorf(qms.ErrNotFound, "the QMS year %s is not closed", c.Param("year"))
		}
		v, err := y.ClosedYear(ctxOf(c), n)
		return replyOK(c, v, err)
	})
}

type yearActs struct {
	s *Server
	y *leadership.Years
}

func (ya yearActs) close() act[leadership.NewYear, leadership.ClosedYear] {
	return act[leadership.NewYear, leadership.ClosedYear]{
		Created: true,
		Do: func(c *gin.Context, r *leadership.NewYear) (leadership.ClosedYear, error) {
			return ya.y.CloseYear(ctxOf(c), *r)
		},
		Back:  func(_ *gin.Context, y leadership.ClosedYear) string { return "/qms-years#year-" + strconv.Itoa(y.Year) },
		Flash: "qmsyear.flash.close",
		Refused: func(c *gin.Context, status int, err error) error {
			return ya.s.renderQMSYears(c, ya.y, status, err)
		},
	}
}

func (s *Server) qmsYearsPage(y *leadership.Years) handlerFunc {
	return func(c *gin.Context) error { return s.renderQMSYears(c, y, http.StatusOK, nil) }
}

// renderQMSYears is the page of the closed years, each with what it
// carried, and the form that closes the next one.
func (s *Server) renderQMSYears(c *gin.Context, y *leadership.Years, status int, refusal error) error {
	ctx := ctxOf(c)
	list, err := y.ClosedYears(ctx)
	if err != nil {
		return err
	}
	// The page lists the first items of each year; the API has them all.
	const pageItems = 200
	full := make([]leadership.ClosedYear, 0, len(list))
	more := map[int]int{}
	for _, cy := range list {
		one, err := y.ClosedYear(ctx, cy.Year)
		if err != nil {
			return err
		}
		if len(one.Items) > pageItems {
			more[one.Year] = len(one.Items) - pageItems
			one.Items = one.Items[:pageItems]
		}
		full = append(full, one)
	}
	p := s.page(c, "qmsyear.title", gin.H{"Years": full, "More": more, "CanClose": y.Permissions(ctx).Close, "Current": y.CurrentYear(),
		"Kinds": []string{leadership.CarryObjective, leadership.CarryAudit, leadership.CarryNC, leadership.CarryAction, leadership.CarryDirective}})
	if refusal != nil {
		p.Error = s.errorText(c, refusal)
	}
	s.render(c, status, "leadership/qms_years.html", p)
	return nil
}
