package web

// Management review (ISO 9001 9.3): the reviews, their input pack as a
// printable page and a PDF, the written sections, the decisions and the
// closing; the overdue yearly review on the home page.

import (
	"bytes"
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/leadership/reviewpdf"
	"github.com/qmstrack/qmstrack/server/qms"
)

// reviewActs are the acts of the review pages and API.
type reviewActs struct {
	s  *Server
	rv *leadership.Reviews
}

func (ra reviewActs) back(_ *gin.Context, r leadership.Review) string {
	return "/management-reviews/" + r.ID
}

func (ra reviewActs) create() act[leadership.NewReview, leadership.Review] {
	return act[leadership.NewReview, leadership.Review]{Created: true, Do: with(ra.rv.Create), Back: ra.back,
		Flash: "proc.saved", Refused: ra.s.procRefused(ra.s.reviewsPage(ra.rv))}
}

func (ra reviewActs) section() act[leadership.SectionIn, leadership.Review] {
	return act[leadership.SectionIn, leadership.Review]{
		Do: func(c *gin.Context, r *leadership.SectionIn) (leadership.Review, error) {
			return ra.rv.SetSection(ctxOf(c), c.Param("id"), c.Param("key"), *r)
		},
		Back: func(c *gin.Context, r leadership.Review) string {
			return "/management-reviews/" + r.ID + "#section-" + c.Param("key")
		},
		Flash: "proc.saved", Refused: ra.s.procRefused(ra.s.reviewPage(ra.rv))}
}

func (ra reviewActs) decide() act[leadership.NewReviewDecision, leadership.ReviewDecision] {
	return act[leadership.NewReviewDecision, leadership.ReviewDecision]{Created: true, Do: withParam("id", ra.rv.Decide),
		Back: func(_ *gin.Context, d leadership.ReviewDecision) string {
			return "/management-reviews/" + d.ReviewID + "#decisions"
		},
		Flash: "proc.saved", Refused: ra.s.procRefused(ra.s.reviewPage(ra.rv))}
}

func (ra reviewActs) close() act[noBody, leadership.Review] {
	return act[noBody, leadership.Review]{
		Do: func(c *gin.Context, _ *noBody) (leadership.Review, error) {
			return ra.rv.Close(ctxOf(c), c.Param("id"))
		},
		Back: ra.back, Flash: "review.flash.closed", Refused: ra.s.procRefused(ra.s.reviewPage(ra.rv))}
}

func (ra reviewActs) done() act[leadership.DoneIn, leadership.ReviewDecision] {
	return act[leadership.DoneIn, leadership.ReviewDecision]{Do: withParam("id", ra.rv.MarkDone),
		Back: func(_ *gin.Context, d leadership.ReviewDecision) string {
			return "/management-reviews/" + d.ReviewID + "#decisions"
		},
		Flash: "proc.saved", Refused: ra.s.procRefused(ra.s.reviewsPage(ra.rv))}
}

// handleReviewPDF answers the pack as a PDF in the reader's language
// (Vietnamese unless the reader reads English).
func handleReviewPDF(rv *leadership.Reviews) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		lang := c.GetString("lang")
		if q := c.Query("lang"); q == "vi" || q == "en" {
			lang = q
		}
		var buf bytes.Buffer
		p, err := rv.WritePack(ctxOf(c), c.Param("id"), lang, &buf)
		if err != nil {
			return err
		}
		c.Header("Content-Disposition", contentDisposition("inline", "xem-xet-lanh-dao-"+p.HeldOn.String()+".pdf"))
		c.Header("X-Content-Type-Options", "nosniff")
		c.Data(http.StatusOK, "application/pdf", buf.Bytes())
		return nil
	})
}

// reviewRoutes: management reviews. Their pages share the process pages'
// navigation; their API is documented with the process routes.
func (s *Server) reviewRoutes() {
	rv := s.Reviews
	s.AddTasks(s.reviewTasks(rv))
	a := s.apiGroup("process", false)
	ui := s.engine.Group("/ui", requireUser)
	a.GET("/management-reviews", "Management reviews (ISO 9001 9.3), newest first", items(rv.List))
	a.GET("/management-review-schedule", "When the yearly management review is due, and whether it is overdue", one("", func(ctx context.Context, _ string) (leadership.ReviewSchedule, error) {
		return rv.Schedule(ctx)
	}))
	a.GET("/management-reviews/:id", "A management review with its written sections and decisions", one("id", rv.Get))
	a.GET("/management-reviews/:id/inputs", "The review's input pack (9.3.2), compiled from the period's live data; frozen once closed", one("id", rv.Inputs))
	a.GET("/management-reviews/:id/pack.pdf", "The input pack and decisions as a PDF (lang=vi|en)", handleReviewPDF(rv))
	ra := reviewActs{s, rv}
	serve(a, ui, "/management-reviews", "Prepare a management review {held_on, period_from, period_to, title, chair, participants, unit} (coordinator)", ra.create())
	serve(a, ui, "/management-reviews/:id/sections/:key", "Write a text section {body, version} of an open review (coordinator)", ra.section())
	serve(a, ui, "/management-reviews/:id/decisions", "Record a decision {kind: directive|objective|resource|improvement, title, unit, due_on, report_required, objective_id}; a directive decision issues a directive to the unit (chairman)", ra.decide())
	serve(a, ui, "/management-reviews/:id/close", "Close the review: refused while a required section is open; files the pack as a record (chairman)", ra.close())
	serve(a, ui, "/management-review-decisions/:id/done", "Mark a decision other than a directive done {note} (coordinator, chairman)", ra.done())
	s.pages(s.engine.Group("/", requireUser), map[string]gin.HandlerFunc{
		"/management-reviews":              h(s.reviewsPage(rv)),
		"/management-reviews/:id":          h(s.reviewPage(rv)),
		"/management-reviews/:id/pack.pdf": handleReviewPDF(rv),
	})
}

func (s *Server) reviewsPage(rv *leadership.Reviews) handlerFunc {
	return func(c *gin.Context) error {
		ctx := ctxOf(c)
		list, err := rv.List(ctx)
		if err != nil {
			return err
		}
		sc, err := rv.Schedule(ctx)
		if err != nil {
			return err
		}
		units, _ := s.Org.Units(ctx)
		return s.procPage(c, "leadership/reviews.html", "review.title", map[string]any{"Items": list, "Schedule": sc, "Units": units,
			"Can": rv.Permissions(ctx), "Today": s.Now().In(s.Location).Format("2006-01-02")})
	}
}

// reviewLine is one figure of the printable page, worded as in the PDF.
type reviewLine struct {
	Group string
	Text  string
	Link  string
	Warn  bool
}

func (s *Server) reviewPage(rv *leadership.Reviews) handlerFunc {
	return func(c *gin.Context) error {
		ctx := ctxOf(c)
		r, err := rv.Get(ctx, c.Param("id"))
		if err != nil {
			return err
		}
		p, err := rv.Inputs(ctx, r.ID)
		if err != nil {
			return err
		}
		lang := c.GetString("lang")
		if lang != "en" {
			lang = "vi"
		}
		t := tr(c)
		_, names, _ := s.unitNames(c)
		unit := func(code string) string {
			if n := names[code]; n != "" {
				return n
			}
			return code
		}
		lines := map[string][]reviewLine{}
		for _, sec := range p.Sections {
			for _, f := range sec.Figures {
				lines[sec.Key] = append(lines[sec.Key], reviewLine{Group: f.Group, Link: f.Link,
					Warn: f.Status == "review.status.overdue" || f.Status == "review.status.missed",
					Text: reviewpdf.Line(f, lang, func(id string, args ...any) string { return t.T(id, args...) }, unit)})
			}
		}
		units, _ := s.Org.Units(ctx)
		objectives, _ := s.Process.Objectives(ctx)
		return s.procPage(c, "leadership/review.html", "review.title", map[string]any{"R": r, "P": p, "Lines": lines, "Units": units,
			"Objectives": objectives, "Kinds": leadership.DecisionKinds, "Can": rv.Permissions(ctx),
			"Held": !s.Now().In(s.Location).Before(r.HeldOn.In(s.Location))})
	}
}

// reviewTasks puts the overdue yearly review on the home page of the
// coordinator and of the head of the agency.
func (s *Server) reviewTasks(rv *leadership.Reviews) TaskSource {
	return func(ctx context.Context, a qms.Actor) ([]qms.Task, error) {
		sc, err := rv.OverdueFor(ctx, a)
		if err != nil || sc == nil {
			return nil, err
		}
		due := sc.Due.In(s.Location)
		return []qms.Task{{Kind: "management_review", Link: "/management-reviews", Due: &due, Overdue: true,
			Title: s.trLang(a.Lang).T("review.task.overdue", "Due", sc.Due.Display())}}, nil
	}
}
