package web

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/qmstrack/qmstrack/server/leadership"
	"github.com/qmstrack/qmstrack/server/qms"
)

func handleDirectiveList(l *leadership.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		f := leadership.DirectiveFilter{Unit: c.Query("unit"), MeetingID: c.Query("meeting")}
		if st := c.Query("state"); st != "" {
			f.States = strings.Split(st, ",")
		}
		list, err := l.Directives(c.Request.Context(), f)
		if err != nil {
			return err
		}
		if c.Query("overdue") == "true" {
			out := []leadership.Directive{}
			for _, d := range list {
				if d.Overdue {
					out = append(out, d)
				}
			}
			list = out
		}
		return replyItems(c, list, nil)
	})
}

func handleEvidence(l *leadership.Service) gin.HandlerFunc {
	return h(func(c *gin.Context) error {
		e, rc, err := l.OpenEvidence(c.Request.Context(), c.Param("id"), c.Param("eid"))
		if err != nil {
			return err
		}
		serveFile(c, e.MediaType, e.Filename, rc)
		return nil
	})
}

// serveFile answers a stored file as a download and closes it.
func serveFile(c *gin.Context, mediaType, name string, rc io.ReadSeekCloser) {
	defer rc.Close()
	c.Header("Content-Type", mediaType)
	c.Header("Content-Disposition", contentDisposition("attachment", name))
	c.Header("X-Content-Type-Options", "nosniff")
	http.ServeContent(c.Writer, c.Request, "", time.Time{}, rc)
}

// leadActs are the acts of the meeting and directive pages and API.
type leadActs struct {
	s *Server
	l *leadership.Service
}

func (la leadActs) meeting() act[leadership.NewMeeting, leadership.Meeting] {
	return act[leadership.NewMeeting, leadership.Meeting]{Upload: true, Created: true, Do: with(la.l.CreateMeeting),
		Back:  func(_ *gin.Context, m leadership.Meeting) string { return "/meetings/" + m.ID },
		Flash: "proc.saved", Refused: la.s.procRefused(la.s.leadMeetingsPage(la.l))}
}

func (la leadActs) directive() act[leadership.NewDirective, leadership.Directive] {
	return act[leadership.NewDirective, leadership.Directive]{Created: true, Do: withParam("id", la.l.AddDirective),
		Back:  func(c *gin.Context, _ leadership.Directive) string { return "/meetings/" + c.Param("id") },
		Flash: "proc.saved", Refused: la.s.procRefused(la.s.leadMeetingPage(la.l))}
}

// back returns a directive's form to the directive's page.
func (la leadActs) back(_ *gin.Context, d leadership.Directive) string { return "/directives/" + d.ID }

func (la leadActs) report() act[leadership.ReportIn, leadership.Directive] {
	return act[leadership.ReportIn, leadership.Directive]{Upload: true, Do: withParam("id", la.l.ReportDirective),
		Back: la.back, Flash: "proc.saved", Refused: la.s.procRefused(la.s.leadDirectivePage(la.l))}
}

func (la leadActs) accept() act[noBody, leadership.Directive] {
	return act[noBody, leadership.Directive]{NoUI: true, Do: func(c *gin.Context, _ *noBody) (leadership.Directive, error) {
		return la.l.DecideDirective(ctxOf(c), c.Param("id"), true, leadership.DecideIn{})
	}}
}

func (la leadActs) giveBack() act[leadership.DecideIn, leadership.Directive] {
	return act[leadership.DecideIn, leadership.Directive]{NoUI: true, Do: func(c *gin.Context, r *leadership.DecideIn) (leadership.Directive, error) {
		return la.l.DecideDirective(ctxOf(c), c.Param("id"), false, *r)
	}}
}

// decideReq is the decision form of a directive's page: op accept or return.
type decideReq struct {
	Op      string `json:"op"`
	Comment string `json:"comment"`
}

func (la leadActs) decideForm() act[decideReq, leadership.Directive] {
	return act[decideReq, leadership.Directive]{NoAPI: true,
		Do: func(c *gin.Context, r *decideReq) (leadership.Directive, error) {
			return la.l.DecideDirective(ctxOf(c), c.Param("id"), r.Op == "accept", leadership.DecideIn{Comment: r.Comment})
		},
		Back: la.back, Flash: "proc.saved", Refused: la.s.procRefused(la.s.leadDirectivePage(la.l))}
}

func (s *Server) leadMeetingsPage(l *leadership.Service) handlerFunc {
	return func(c *gin.Context) error {
		list, err := l.Meetings(c.Request.Context())
		if err != nil {
			return err
		}
		ds, err := l.Directives(c.Request.Context(), leadership.DirectiveFilter{})
		if err != nil {
			return err
		}
		units, _ := s.Org.Units(c.Request.Context())
		return s.procPage(c, "leadership/meetings.html", "proc.meetings.title", map[string]any{"Items": list, "Directives": ds, "Units": units,
			"Today": s.Now().In(s.Location).Format("2006-01-02"), "CanIssue": l.Permissions(c.Request.Context()).Issue})
	}
}

func (s *Server) leadMeetingPage(l *leadership.Service) handlerFunc {
	return func(c *gin.Context) error {
		m, err := l.Meeting(c.Request.Context(), c.Param("id"))
		if err != nil {
			return err
		}
		units, _ := s.Org.Units(c.Request.Context())
		return s.procPage(c, "leadership/meeting.html", "proc.meeting.title", map[string]any{"M": m, "Units": units,
			"CanIssue": l.Permissions(c.Request.Context()).Issue})
	}
}

func (s *Server) leadMinutes(l *leadership.Service) handlerFunc {
	return func(c *gin.Context) error {
		m, rc, err := l.OpenMinutes(c.Request.Context(), c.Param("id"))
		if err != nil {
			return err
		}
		serveFile(c, m.Minutes.MediaType, m.MinutesName, rc)
		return nil
	}
}

func (s *Server) leadDirectivePage(l *leadership.Service) handlerFunc {
	return func(c *gin.Context) error {
		d, err := l.Directive(c.Request.Context(), c.Param("id"))
		if err != nil {
			return err
		}
		can := l.PermissionsOf(c.Request.Context(), d)
		return s.procPage(c, "leadership/directive.html", "proc.directive.title", map[string]any{"D": d,
			"CanReport": can.Report, "CanDecide": can.Decide})
	}
}

// leadTasks puts on the home page the directives to report and the
// reports that wait for the reader's decision, worded in the reader's
// language.
func (s *Server) leadTasks(l *leadership.Service) TaskSource {
	return func(ctx context.Context, a qms.Actor) ([]qms.Task, error) {
		ds, err := l.ToReport(ctx, a)
		if err != nil {
			return nil, err
		}
		out := make([]qms.Task, 0, len(ds))
		for _, d := range ds {
			due := d.DueOn.In(s.Location)
			out = append(out, qms.Task{Kind: "directive", Link: "/directives/" + d.ID, Due: &due, Overdue: d.Overdue,
				Title: s.trLang(a.Lang).T("proc.task.directive", "Title", d.Title)})
		}
		decide, err := l.ToDecide(ctx, a)
		if err != nil || len(decide) == 0 {
			return out, err
		}
		units, err := s.Org.Units(ctx)
		if err != nil {
			return out, err
		}
		name := map[string]string{}
		for _, u := range units {
			name[u.Code] = u.Name(a.Lang)
		}
		for _, d := range decide {
			due := d.DueOn.In(s.Location)
			out = append(out, qms.Task{Kind: "directive_decide", Link: "/directives/" + d.ID, Due: &due,
				Title: s.trLang(a.Lang).T("proc.task.directive_decide", "Title", d.Title, "Unit", name[d.Unit])})
		}
		return out, nil
	}
}
