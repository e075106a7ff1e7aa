package web

// The reform index (QĐ 766): its API, its page with the trend, the
// published score's form, and the dossier facts it counts.

import (
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/index766"
	"github.com/qmstrack/qmstrack/server/process"
	"github.com/qmstrack/qmstrack/server/web/chart"
)

func index766Query(c *gin.Context) index766.Query {
	return index766.Query{Unit: c.Query("unit"), Field: c.Query("field"), Service: c.Query("service"),
		From: c.Query("from"), To: c.Query("to"), By: c.Query("by")}
}

func handleIndex766(ix *index766.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		res, err := ix.Scorecard(c.Request.Context(), index766Query(c))
		return replyOK(c, res, err)
	})
}

func handleIndex766Published(ix *index766.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var in index766.PublishedIn
		if err := bindJSON(c, &in); err != nil {
			return err
		}
		p, err := ix.SetPublished(c.Request.Context(), c.Param("month"), in)
		return replyOK(c, p, err)
	})
}

func handleDossierFacts(p *process.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		var in process.Facts
		if err := bindJSON(c, &in); err != nil {
			return err
		}
		d, err := p.SetFacts(c.Request.Context(), c.Param("number"), in)
		return replyOK(c, d, err)
	})
}

// publishedForm is the page's form of the published score: the month is
// a field (the API has it in the path).
type publishedForm struct {
	Month string   `json:"month"`
	Unit  string   `json:"unit"`
	Score *float64 `json:"score"`
	Note  string   `json:"note"`
}

type indexActs struct {
	s  *Server
	ix *index766.Service
	p  *process.Service
}

func (ia indexActs) published() act[publishedForm, index766.Published] {
	return act[publishedForm, index766.Published]{NoAPI: true,
		Do: func(c *gin.Context, r *publishedForm) (index766.Published, error) {
			return ia.ix.SetPublished(ctxOf(c), r.Month, index766.PublishedIn{Unit: r.Unit, Score: r.Score, Note: r.Note})
		},
		Back: func(c *gin.Context, p index766.Published) string {
			u := p.Unit
			if u == index766.AllUnits {
				u = ""
			}
			return "/index766?unit=" + u
		},
		Flash: "idx.published.saved", Refused: ia.s.procRefused(ia.s.index766Page(ia.ix))}
}

func (ia indexActs) facts() act[process.Facts, process.Dossier] {
	return act[process.Facts, process.Dossier]{NoAPI: true,
		Do: func(c *gin.Context, r *process.Facts) (process.Dossier, error) {
			return ia.p.SetFacts(ctxOf(c), c.Param("number"), *r)
		},
		Back:  func(c *gin.Context, d process.Dossier) string { return "/dossiers/" + d.Number },
		Flash: "idx.facts.saved", Refused: ia.s.procRefused(ia.s.procDossierPage(ia.p))}
}

// index766Page shows the index per unit for the period and, for one unit
// (or the actor's whole scope), the trend by month with the published
// scores.
func (s *Server) index766Page(ix *index766.Service) handlerFunc {
	return func(c *gin.Context) error {
		q := index766Query(c)
		ctx := c.Request.Context()
		q.By = "month"
		trend, err := ix.Scorecard(ctx, q)
		if err != nil {
			return err
		}
		byUnit := q
		byUnit.By = "unit"
		if q.From == "" {
			byUnit.From = trend.To // the unit table shows the last month by default
		}
		units, err := ix.Scorecard(ctx, byUnit)
		if err != nil {
			return err
		}
		var last index766.Scorecard
		if n := len(trend.Items); n > 0 {
			last = trend.Items[n-1]
		}
		t := tr(c)
		return s.procPage(c, "process/index766.html", "idx.title", map[string]any{
			"Trend": trend, "Units": units, "Last": last, "Def": ix.Definition(), "Q": c.Request.URL.Query(),
			"Chart":  chart.IndexTrend(trend.Items, t.T("idx.chart.label"), t.T("idx.chart.estimate"), t.T("idx.chart.published")),
			"Fields": process.Fields,
		})
	}
}

// index766Routes: the reform index (QĐ 766/QĐ-TTg) and its published score.
func (s *Server) index766Routes() {
	ix, p := s.Index766, s.Process
	a := s.apiGroup("process", false)
	ui := s.engine.Group("/ui", requireUser)
	a.GET("/index766", "The reform index QĐ 766 estimated from the dossiers (unit, field, service, from, to as yyyy-mm, by=month|unit); not the ISO on-time rate", handleIndex766(ix))
	a.PUT("/index766/published/:month", "Enter the score the national portal published for a month {unit (* for the office), score, note}", handleIndex766Published(ix))
	a.PUT("/dossiers/:number/facts", "Record a dossier's index facts {result_electronic, digitised, data_reused, fee_paid_online, satisfaction, complaint, complaint_on_time}; facts left out stay", handleDossierFacts(p))
	ia := indexActs{s, ix, p}
	serve(a, ui, "/index766/published", "", ia.published())
	serve(a, ui, "/dossiers/:number/facts", "", ia.facts())
	s.pages(s.engine.Group("/", requireUser), map[string]gin.HandlerFunc{
		"/index766": h(s.index766Page(ix)),
	})
}

// factFlags are the yes/no facts of a dossier in the order the page shows them.
var factFlags = []string{"result_electronic", "digitised", "data_reused", "fee_paid_online", "complaint", "complaint_on_time"}

// factValues is each yes/no fact as "true", "false" or "" (not recorded).
func factValues(f process.Facts) map[string]string {
	out := map[string]string{}
	for k, b := range map[string]*bool{"result_electronic": f.ResultElectronic, "digitised": f.Digitised, "data_reused": f.DataReused,
		"fee_paid_online": f.FeePaidOnline, "complaint": f.Complaint, "complaint_on_time": f.ComplaintOnTime} {
		if b != nil {
			out[k] = strconv.FormatBool(*b)
		} else {
			out[k] = ""
		}
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// dashboardIndex is the reform index of the current month in the actor's
// units for the dashboard; nil when it cannot be read (the dashboard shows
// it only when it can).
func (s *Server) dashboardIndex(c *gin.Context) *index766.Scorecard {
	month := s.Now().In(s.Location).Format("2006-01")
	res, err := s.Index766.Scorecard(c.Request.Context(), index766.Query{From: month, To: month})
	if err != nil || len(res.Items) != 1 {
		return nil
	}
	return &res.Items[0]
}
